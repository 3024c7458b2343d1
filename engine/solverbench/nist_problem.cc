#include "solverbench/nist_problem.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string_view>
#include <system_error>

namespace growthcast::solverbench {
namespace {

std::vector<std::string> split_words(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> words;
  for (std::string w; in >> w;) words.push_back(w);
  return words;
}

std::string trim(const std::string& s) {
  const auto begin = s.find_first_not_of(" \t\r");
  if (begin == std::string::npos) return {};
  const auto end = s.find_last_not_of(" \t\r");
  return s.substr(begin, end - begin + 1);
}

bool contains(const std::string& s, const std::string& what) {
  return s.find(what) != std::string::npos;
}

// A number in NIST's notation ("2.3894212918E+02", "1.20196866396E-0",
// "0.0001"); the whole word must be used.
bool parse_number(const std::string& word, double* value) {
  if (word.empty()) return false;
  char* end = nullptr;
  *value = std::strtod(word.c_str(), &end);
  return end == word.c_str() + word.size() && std::isfinite(*value);
}

// Significant digits of the mantissa as printed ("2.3894212918E+02": 11).
int significant_digits(const std::string& word) {
  std::string mantissa = word.substr(0, word.find_first_of("eE"));
  int digits = 0;
  bool leading = true;
  for (char c : mantissa) {
    if (!std::isdigit(static_cast<unsigned char>(c))) continue;
    if (leading && c == '0') continue;
    leading = false;
    ++digits;
  }
  return std::max(digits, 1);
}

// A whole word as an int (no overflow: "99999999999" is not one).
bool parse_int(std::string_view word, int* value) {
  const auto [ptr, ec] =
      std::from_chars(word.data(), word.data() + word.size(), *value);
  return !word.empty() && ec == std::errc() && ptr == word.data() + word.size();
}

// The first integer among the words of a line ("14 Observations").
bool leading_int(const std::string& line, int* value) {
  for (const auto& w : split_words(line))
    if (parse_int(w, value)) return true;
  return false;
}

}  // namespace

std::string DifficultyToString(Difficulty difficulty) {
  switch (difficulty) {
    case Difficulty::lower:
      return "lower";
    case Difficulty::average:
      return "average";
    case Difficulty::higher:
      return "higher";
  }
  return "lower";
}

bool StringToDifficulty(const std::string& text, Difficulty* difficulty) {
  if (text == "lower")
    *difficulty = Difficulty::lower;
  else if (text == "average")
    *difficulty = Difficulty::average;
  else if (text == "higher")
    *difficulty = Difficulty::higher;
  else
    return false;
  return true;
}

Result<NistProblem> read_nist_problem(const std::filesystem::path& path) {
  const std::string file = path.string();
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail("cannot open NIST file", file);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) return fail("error while reading NIST file", file);
  return parse_nist_problem(buffer.str(), file);
}

Result<NistProblem> parse_nist_problem(std::string_view text,
                                       const std::string& file) {
  std::istringstream in{std::string(text)};
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(line);
  }
  auto at = [&](std::size_t i) { return static_cast<long>(i + 1); };

  NistProblem p;
  p.file = file;
  bool have_difficulty = false, have_rss = false;
  std::size_t data_header = 0;  // index of the "Data:   y  x" line
  int declared_parameters = 0, declared_observations = 0, responses = 0;
  enum class Section { none, data, model } section = Section::none;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::string& line = lines[i];
    const std::string t = trim(line);
    if (line.rfind("Dataset Name:", 0) == 0) {
      const auto words = split_words(line.substr(13));
      if (words.empty())
        return fail("empty dataset name", file, at(i), "Dataset Name");
      p.name = words[0];
      continue;
    }
    if (line.rfind("Data:", 0) == 0) {
      const std::string rest = trim(line.substr(5));
      if (!rest.empty() && std::isdigit(static_cast<unsigned char>(rest[0]))) {
        section = Section::data;  // "Data:  1 Response ..." (the description)
      } else {
        data_header = i;  // "Data:   y   x": the observations follow
        break;
      }
    }
    if (line.rfind("Model:", 0) == 0) {
      section = Section::model;
      p.model_class = trim(line.substr(6));
      continue;
    }
    if (section == Section::data) {
      int v = 0;
      if (contains(t, "Response") && leading_int(t, &v))
        responses = v;
      else if (contains(t, "Predictor") && leading_int(t, &v))
        p.predictors = v;
      else if (contains(t, "Observations") && leading_int(t, &v))
        declared_observations = v;
      else if (contains(t, "Level of Difficulty")) {
        const auto words = split_words(t);
        std::string level = words.empty() ? "" : words[0];
        std::transform(level.begin(), level.end(), level.begin(),
                       [](unsigned char c) { return std::tolower(c); });
        if (!StringToDifficulty(level, &p.difficulty))
          return fail("unknown level of difficulty '" + words[0] + "'", file,
                      at(i), "Level of Difficulty");
        have_difficulty = true;
      }
      continue;
    }
    if (section == Section::model) {
      int v = 0;
      if (declared_parameters == 0 && contains(t, "Parameters") &&
          leading_int(t, &v)) {
        declared_parameters = v;
        continue;
      }
      if (contains(t, "Starting") || contains(t, "Start 1")) {
        section = Section::none;
        continue;
      }
      if (!t.empty()) p.model += (p.model.empty() ? "" : "\n") + t;
      continue;
    }
    const auto words = split_words(line);
    // "b1 =   500   250   2.3894212918E+02  2.7070075241E+00"
    if (words.size() >= 2 && words[0].size() >= 2 && words[0][0] == 'b' &&
        words[1] == "=") {
      int k = 0;
      if (!parse_int(std::string_view(words[0]).substr(1), &k) ||
          k != static_cast<int>(p.certified.size()) + 1)
        return fail("expected parameter b" +
                        std::to_string(p.certified.size() + 1) + ", found " +
                        words[0],
                    file, at(i), words[0]);
      if (words.size() != 6)
        return fail(
            "expected two starting values, the certified value and "
            "its standard deviation",
            file, at(i), words[0]);
      double v[4];
      for (int j = 0; j < 4; ++j)
        if (!parse_number(words[2 + j], &v[j]))
          return fail("'" + words[2 + j] + "' is not a number", file, at(i),
                      words[0]);
      if (p.starts.empty()) p.starts.resize(2);
      p.starts[0].push_back(v[0]);
      p.starts[1].push_back(v[1]);
      p.certified.push_back(v[2]);
      p.certified_std_dev.push_back(v[3]);
      p.certified_digits.push_back(significant_digits(words[4]));
      continue;
    }
    auto labelled = [&](const std::string& label, double* value) -> Status {
      if (line.rfind(label, 0) != 0) return ok();
      if (words.empty() || !parse_number(words.back(), value))
        return fail("expected a number after '" + label + "'", file, at(i),
                    label);
      return ok();
    };
    if (line.rfind("Residual Sum of Squares:", 0) == 0) {
      if (auto s = labelled("Residual Sum of Squares:", &p.certified_rss); !s)
        return tl::unexpected(s.error());
      have_rss = true;
    } else if (line.rfind("Residual Standard Deviation:", 0) == 0) {
      if (auto s = labelled("Residual Standard Deviation:",
                            &p.certified_residual_sd);
          !s)
        return tl::unexpected(s.error());
    } else if (line.rfind("Degrees of Freedom:", 0) == 0) {
      double dof = 0;
      if (auto s = labelled("Degrees of Freedom:", &dof); !s)
        return tl::unexpected(s.error());
      // Checked before the conversion, which is undefined out of range.
      if (!(dof >= 0 && dof <= 1e9))
        return fail("degrees of freedom out of range", file, at(i),
                    "Degrees of Freedom:");
      p.degrees_of_freedom = static_cast<int>(dof);
    }
  }

  if (p.name.empty()) return fail("no 'Dataset Name:' line", file);
  if (!have_difficulty) return fail("no 'Level of Difficulty' line", file);
  if (responses != 1)
    return fail("expected 1 response variable", file, 0, "Data");
  if (declared_parameters < 1 ||
      declared_parameters != static_cast<int>(p.certified.size()))
    return fail("the model declares " + std::to_string(declared_parameters) +
                    " parameters but " + std::to_string(p.certified.size()) +
                    " lines b1 = ... follow",
                file, 0, "Parameters");
  p.parameters = declared_parameters;
  if (!have_rss) return fail("no 'Residual Sum of Squares:' line", file);
  if (data_header == 0) return fail("no 'Data:  y  x' header line", file);
  if (p.predictors < 1 || p.predictors > 1000)
    return fail("the number of predictor variables must be from 1 to 1000",
                file, 0, "Predictor");

  const std::size_t columns = 1 + static_cast<std::size_t>(p.predictors);
  for (std::size_t i = data_header + 1; i < lines.size(); ++i) {
    const auto words = split_words(lines[i]);
    if (words.empty()) continue;
    if (words.size() != columns)
      return fail("expected " + std::to_string(columns) + " values, found " +
                      std::to_string(words.size()),
                  file, at(i), "Data");
    double v = 0;
    for (std::size_t j = 0; j < columns; ++j) {
      if (!parse_number(words[j], &v))
        return fail("'" + words[j] + "' is not a number", file, at(i),
                    j == 0 ? "y" : "x" + std::to_string(j));
      (j == 0 ? p.y : p.x).push_back(v);
    }
  }
  p.observations = static_cast<int>(p.y.size());
  if (p.observations != declared_observations)
    return fail("the header declares " + std::to_string(declared_observations) +
                    " observations but " + std::to_string(p.observations) +
                    " data lines follow",
                file, at(data_header), "Observations");
  return p;
}

const std::vector<std::string>& nist_problem_names() {
  static const std::vector<std::string> names = {
      // Lower difficulty
      "Misra1a", "Chwirut2", "Chwirut1", "Lanczos3", "Gauss1", "Gauss2",
      "DanWood", "Misra1b",
      // Average difficulty
      "Kirby2", "Hahn1", "Nelson", "MGH17", "Lanczos1", "Lanczos2", "Gauss3",
      "Misra1c", "Misra1d", "Roszman1", "ENSO",
      // Higher difficulty
      "MGH09", "Thurber", "BoxBOD", "Rat42", "MGH10", "Eckerle4", "Rat43",
      "Bennett5"};
  return names;
}

Result<std::vector<NistProblem>> read_nist_problems(
    const std::filesystem::path& directory) {
  std::vector<NistProblem> problems;
  for (const auto& name : nist_problem_names()) {
    auto p = read_nist_problem(directory / (name + ".dat"));
    if (!p) return tl::unexpected(p.error());
    if (p->name != name)
      return fail("dataset name '" + p->name + "' does not match the file name",
                  p->file, 0, "Dataset Name");
    problems.push_back(std::move(*p));
  }
  return problems;
}

double log_relative_error(double value, double certified, double cap) {
  if (!std::isfinite(value)) return 0.0;
  const double lre =
      -std::log10(std::fabs(value - certified) / std::fabs(certified));
  if (std::isnan(lre)) return 0.0;
  return std::clamp(lre, 0.0, cap);
}

}  // namespace growthcast::solverbench

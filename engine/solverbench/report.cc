// The benchmark as text: ranking, per-problem details, summary, JSON.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <sstream>

#include "solverbench/bench.h"

namespace growthcast::solverbench {
namespace {

std::string fmt(const char* format, double v) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, format, v);
  return buffer;
}

double median(std::vector<double> v) {
  if (v.empty()) return std::nan("");
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// Time with a unit that keeps three significant figures readable.
std::string human_time(double seconds) {
  if (std::isnan(seconds)) return "-";
  if (seconds < 1e-3) return fmt("%.0f us", seconds * 1e6);
  if (seconds < 1.0) return fmt("%.1f ms", seconds * 1e3);
  return fmt("%.2f s", seconds);
}

std::string pad(const std::string& s, std::size_t width, bool right = false) {
  if (s.size() >= width) return s;
  return right ? std::string(width - s.size(), ' ') + s
               : s + std::string(width - s.size(), ' ');
}

struct ConfigScore {
  std::size_t config = 0;
  int nist_problems = 0;
  int nist_solved[2] = {0, 0};
  int nist_applicable[2] = {0, 0};
  std::vector<double> nist_times[2];
  int calib_cases = 0, calib_applicable = 0, calib_solved = 0;
  std::vector<double> calib_times;
  int solved() const { return nist_solved[0] + nist_solved[1] + calib_solved; }
  double nist_median() const {
    std::vector<double> all = nist_times[0];
    all.insert(all.end(), nist_times[1].begin(), nist_times[1].end());
    return median(all);
  }
};

std::vector<ConfigScore> scores(const BenchResult& r) {
  std::vector<ConfigScore> out(r.configs.size());
  for (std::size_t c = 0; c < r.configs.size(); ++c) {
    ConfigScore& s = out[c];
    s.config = c;
    for (std::size_t p = 0; p < r.problems.size(); ++p) {
      const bool nist = r.problems[p].kind == "nist";
      if (nist) ++s.nist_problems;
      for (int start = 0; start < 2; ++start) {
        const RunRecord& rec = r.at(p, start, c);
        if (nist) {
          if (!rec.applicable) continue;
          ++s.nist_applicable[start];
          s.nist_solved[start] += rec.solved;
          s.nist_times[start].push_back(rec.median_solve_seconds());
        } else {
          ++s.calib_cases;
          if (!rec.applicable) continue;
          ++s.calib_applicable;
          s.calib_solved += rec.solved;
          s.calib_times.push_back(rec.median_solve_seconds());
        }
      }
    }
  }
  return out;
}

std::string json_number(double v) {
  if (!std::isfinite(v)) return "null";
  return fmt("%.17g", v);
}

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (char ch : s) {
    switch (ch) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(ch) < 0x20)
          out += fmt("\\u%04.0f", static_cast<double>(ch));
        else
          out += ch;
    }
  }
  return out + "\"";
}

std::string json_numbers(const std::vector<double>& v) {
  std::string out = "[";
  for (std::size_t i = 0; i < v.size(); ++i)
    out += (i ? "," : "") + json_number(v[i]);
  return out + "]";
}

}  // namespace

std::string format_ranking(const BenchResult& r) {
  auto s = scores(r);
  std::stable_sort(s.begin(), s.end(),
                   [](const ConfigScore& a, const ConfigScore& b) {
                     if (a.solved() != b.solved())
                       return a.solved() > b.solved();
                     const double ta = a.nist_median(), tb = b.nist_median();
                     if (std::isnan(ta) != std::isnan(tb))
                       return !std::isnan(ta);
                     return ta < tb;
                   });
  std::ostringstream out;
  out << pad("rank", 5) << pad("config", 42) << pad("NIST s1", 9, true)
      << pad("NIST s2", 9, true) << pad("calib", 8, true)
      << pad("NIST median", 13, true) << pad("calib median", 14, true) << "\n";
  int rank = 1;
  for (const auto& c : s) {
    auto frac = [](int a, int n) {
      return n ? std::to_string(a) + "/" + std::to_string(n) : std::string("-");
    };
    out << pad(std::to_string(rank++), 5) << pad(r.configs[c.config].name(), 42)
        << pad(frac(c.nist_solved[0], c.nist_applicable[0]), 9, true)
        << pad(frac(c.nist_solved[1], c.nist_applicable[1]), 9, true)
        << pad(frac(c.calib_solved, c.calib_applicable), 8, true)
        << pad(human_time(c.nist_median()), 13, true)
        << pad(human_time(median(c.calib_times)), 14, true) << "\n";
  }
  return out.str();
}

std::string format_details(const BenchResult& r) {
  std::ostringstream out;
  out << "Configurations:\n";
  for (std::size_t c = 0; c < r.configs.size(); ++c)
    out << "  #" << c + 1 << " " << r.configs[c].name() << "\n";
  bool any_nist = false, any_calib = false;
  for (const auto& p : r.problems)
    (p.kind == "nist" ? any_nist : any_calib) = true;
  auto header = [&](const std::string& first) {
    out << pad(first, 26);
    for (std::size_t c = 0; c < r.configs.size(); ++c)
      out << pad("#" + std::to_string(c + 1), 7, true);
    out << "\n";
  };
  if (any_nist) {
    out << "\nNIST: minimum LRE over the parameters (* = solved, LRE >= "
        << r.options.solved_lre << "; '-' = not applicable)\n";
    header("problem (difficulty) start");
    for (std::size_t p = 0; p < r.problems.size(); ++p) {
      if (r.problems[p].kind != "nist") continue;
      for (int s = 0; s < 2; ++s) {
        out << pad(r.problems[p].name + " (" +
                       r.problems[p].difficulty.substr(0, 3) + ") " +
                       std::to_string(s + 1),
                   26);
        for (std::size_t c = 0; c < r.configs.size(); ++c) {
          const RunRecord& rec = r.at(p, s, c);
          out << pad(rec.applicable
                         ? fmt("%.1f", rec.min_lre()) + (rec.solved ? "*" : " ")
                         : "- ",
                     7, true);
        }
        out << "\n";
      }
    }
  }
  if (any_calib) {
    out << "\nCalibration: median solve time (* = solved; '-' = not "
           "applicable)\n";
    header("case start");
    for (std::size_t p = 0; p < r.problems.size(); ++p) {
      if (r.problems[p].kind == "nist") continue;
      for (int s = 0; s < 2; ++s) {
        out << pad(r.problems[p].name + " " + std::to_string(s + 1), 26);
        for (std::size_t c = 0; c < r.configs.size(); ++c) {
          const RunRecord& rec = r.at(p, s, c);
          if (!rec.applicable) {
            out << pad("- ", 7, true);
            continue;
          }
          const double t = rec.median_solve_seconds();
          const std::string v =
              t < 1.0 ? fmt("%.1f", t * 1e3) : fmt("%.0f", t * 1e3);
          out << pad(v + (rec.solved ? "*" : " "), 7, true);
        }
        out << "\n";
      }
    }
    out << "(times in ms)\n";
  }
  return out.str();
}

std::string format_summary(const BenchResult& r) {
  std::ostringstream out;
  const auto s = scores(r);
  for (const auto& c : s) {
    const std::string name = r.configs[c.config].name();
    out << name << ":";
    if (c.nist_problems > 0) {
      // Counted over the problems the configuration applies to.
      if (c.nist_applicable[0] + c.nist_applicable[1] == 0)
        out << " NIST not applicable";
      for (int start = 0; start < 2; ++start) {
        if (c.nist_applicable[start] == 0) continue;
        out << (start && c.nist_applicable[0] ? ";" : "") << " solved "
            << c.nist_solved[start] << "/" << c.nist_applicable[start]
            << " NIST from start " << start + 1;
        if (c.nist_applicable[start] < c.nist_problems)
          out << " (" << c.nist_problems - c.nist_applicable[start]
              << " not applicable)";
        out << " in a median of " << human_time(median(c.nist_times[start]));
      }
    }
    if (c.calib_cases > 0) {
      if (c.calib_applicable == 0)
        out << (c.nist_problems ? ";" : "") << " calibration not applicable";
      else
        out << (c.nist_problems ? ";" : "") << " calibration " << c.calib_solved
            << "/" << c.calib_applicable << " in a median of "
            << human_time(median(c.calib_times));
    }
    out << "\n";
  }
  out << "(" << r.options.repeats << " repeats per run, total "
      << human_time(r.total_seconds) << ")\n";
  return out.str();
}

std::string to_json(const BenchResult& r) {
  std::ostringstream out;
  const BenchOptions& o = r.options;
  out << "{\n  \"options\": {\"repeats\": " << o.repeats
      << ", \"max_iterations\": " << o.max_iterations
      << ", \"function_tolerance\": " << json_number(o.function_tolerance)
      << ", \"gradient_tolerance\": " << json_number(o.gradient_tolerance)
      << ", \"parameter_tolerance\": " << json_number(o.parameter_tolerance)
      << ", \"minpack_tolerance\": " << json_number(o.minpack_tolerance)
      << ", \"solved_lre\": " << json_number(o.solved_lre) << "},\n";
  out << "  \"total_seconds\": " << json_number(r.total_seconds) << ",\n";
  out << "  \"configs\": [";
  for (std::size_t c = 0; c < r.configs.size(); ++c)
    out << (c ? ", " : "") << json_string(r.configs[c].name());
  out << "],\n  \"problems\": [\n";
  for (std::size_t p = 0; p < r.problems.size(); ++p) {
    const auto& bp = r.problems[p];
    out << "    {\"name\": " << json_string(bp.name)
        << ", \"kind\": " << json_string(bp.kind)
        << ", \"difficulty\": " << json_string(bp.difficulty)
        << ", \"parameters\": [";
    const auto labels = bp.parameter_labels();
    for (std::size_t k = 0; k < labels.size(); ++k)
      out << (k ? ", " : "") << json_string(labels[k]);
    out << "]";
    if (bp.nist)
      out << ", \"certified\": " << json_numbers(bp.nist->certified)
          << ", \"certified_rss\": " << json_number(bp.nist->certified_rss);
    out << "}" << (p + 1 < r.problems.size() ? "," : "") << "\n";
  }
  out << "  ],\n  \"runs\": [\n";
  bool first = true;
  for (std::size_t p = 0; p < r.problems.size(); ++p)
    for (int s = 0; s < 2; ++s)
      for (std::size_t c = 0; c < r.configs.size(); ++c) {
        const RunRecord& rec = r.at(p, s, c);
        out << (first ? "" : ",\n")
            << "    {\"problem\": " << json_string(r.problems[p].name)
            << ", \"start\": " << s + 1
            << ", \"config\": " << json_string(r.configs[c].name())
            << ", \"applicable\": " << (rec.applicable ? "true" : "false")
            << ", \"termination\": " << json_string(rec.termination)
            << ", \"note\": " << json_string(rec.note)
            << ", \"linear_solver_used\": "
            << json_string(rec.linear_solver_used)
            << ", \"build_seconds\": " << json_numbers(rec.build_seconds)
            << ", \"solve_seconds\": " << json_numbers(rec.solve_seconds)
            << ", \"solve_seconds_median\": "
            << json_number(rec.median_solve_seconds()) << ", \"iterations\": "
            << (rec.iterations >= 0 ? std::to_string(rec.iterations) : "null")
            << ", \"residual_evaluations\": "
            << (rec.residual_evaluations >= 0
                    ? std::to_string(rec.residual_evaluations)
                    : "null")
            << ", \"jacobian_evaluations\": "
            << (rec.jacobian_evaluations >= 0
                    ? std::to_string(rec.jacobian_evaluations)
                    : "null")
            << ", \"initial_cost\": "
            << json_number(rec.applicable ? rec.initial_cost : std::nan(""))
            << ", \"final_cost\": "
            << json_number(rec.applicable ? rec.final_cost : std::nan(""))
            << ", \"lre\": " << json_numbers(rec.lre) << ", \"estimate\": "
            << (rec.applicable ? json_numbers(rec.estimate) : "null")
            << ", \"solved\": " << (rec.solved ? "true" : "false") << "}";
        first = false;
      }
  out << "\n  ]\n}\n";
  return out.str();
}

}  // namespace growthcast::solverbench

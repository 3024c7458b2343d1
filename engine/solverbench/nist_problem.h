// Reading NIST StRD nonlinear regression files (data/nist/*.dat): the model
// text, the starting points, the certified values and the observations.
// Errors name the file and line.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace growthcast::solverbench {

// NIST's level of difficulty of each dataset.
enum class Difficulty { lower, average, higher };

std::string DifficultyToString(Difficulty difficulty);
bool StringToDifficulty(const std::string& text, Difficulty* difficulty);

struct NistProblem {
  std::string name;  // "Misra1a" (the "Dataset Name:" field)
  std::string file;
  Difficulty difficulty = Difficulty::lower;
  std::string model_class;  // "Exponential Class"
  std::string model;        // the model text, lines joined by '\n'
  int parameters = 0;
  int predictors = 1;
  int observations = 0;
  // starts[s][k]: parameter k of start s (NIST gives two starts).
  std::vector<std::vector<double>> starts;
  std::vector<double> certified;          // certified parameter values
  std::vector<double> certified_std_dev;  // certified standard deviations
  std::vector<int> certified_digits;      // significant digits as printed
  double certified_rss = 0.0;             // residual sum of squares
  double certified_residual_sd = 0.0;
  int degrees_of_freedom = 0;
  std::vector<double> y;  // [observation]
  std::vector<double> x;  // [observation * predictors + j], row-major
};

// Parses one file. The format is read by its labels ("Dataset Name:",
// "Level of Difficulty", "Parameters", "b1 =", "Residual Sum of Squares:",
// the second "Data:" line), not by fixed line numbers, and checked for
// consistency (counts of parameters and observations).
Result<NistProblem> read_nist_problem(const std::filesystem::path& path);
// The same from text already in memory (`file` names it in messages).
Result<NistProblem> parse_nist_problem(std::string_view text,
                                       const std::string& file);

// The 27 datasets in NIST's order (lower, average, higher difficulty).
const std::vector<std::string>& nist_problem_names();

// Reads every dataset of nist_problem_names() from `directory`.
Result<std::vector<NistProblem>> read_nist_problems(
    const std::filesystem::path& directory);

// NIST's log relative error of `value` against `certified`:
// -log10(|value - certified| / |certified|), limited to [0, cap] where
// cap is the number of significant digits the certified value carries (and
// at most 11, as Ceres' examples/nist.cc). NaN when value is not finite is
// scored 0.
double log_relative_error(double value, double certified, double cap = 11.0);

}  // namespace growthcast::solverbench

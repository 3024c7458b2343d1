// Solver configurations a benchmark compares, named by strings such as
// "ceres:lm:dense_qr:auto" so a user can pick them on the command line.
//
// Syntax (fields separated by ':', an optional last field "tN" sets threads):
//   ceres:TRUST:LINEAR:DERIV[:tN]   TRUST  lm | dogleg | subspace
//                                   LINEAR dense_qr | dense_normal_cholesky |
//                                          dense_schur | sparse_normal_cholesky
//                                          | iterative_schur | cgnr
//                                   DERIV  auto | numeric (central differences)
//   ceres:SEARCH:DERIV[:tN]         SEARCH bfgs | lbfgs (line search, Wolfe)
//   minpack:lmder                   MINPACK Levenberg-Marquardt, Jacobian by
//                                   automatic differentiation
//   minpack:lmdif                   MINPACK, forward-difference Jacobian
#pragma once

#include <string>
#include <vector>

#include "common/error.h"

namespace growthcast::solverbench {

enum class Family { ceres_trust_region, ceres_line_search, minpack };
enum class TrustRegion {
  levenberg_marquardt,
  dogleg_traditional,
  dogleg_subspace
};
enum class LineSearch { bfgs, lbfgs };
enum class LinearSolver {
  dense_qr,
  dense_normal_cholesky,
  dense_schur,
  sparse_normal_cholesky,
  iterative_schur,
  cgnr
};
enum class Derivative { automatic, numeric_central };
enum class Minpack { lmder, lmdif };

std::string FamilyToString(Family v);
std::string TrustRegionToString(TrustRegion v);    // lm, dogleg, subspace
std::string LineSearchToString(LineSearch v);      // bfgs, lbfgs
std::string LinearSolverToString(LinearSolver v);  // dense_qr, ...
std::string DerivativeToString(Derivative v);      // auto, numeric
std::string MinpackToString(Minpack v);            // lmder, lmdif
bool StringToTrustRegion(const std::string& text, TrustRegion* v);
bool StringToLineSearch(const std::string& text, LineSearch* v);
bool StringToLinearSolver(const std::string& text, LinearSolver* v);
bool StringToDerivative(const std::string& text, Derivative* v);
bool StringToMinpack(const std::string& text, Minpack* v);

struct SolverConfig {
  Family family = Family::ceres_trust_region;
  TrustRegion trust_region = TrustRegion::levenberg_marquardt;
  LineSearch line_search = LineSearch::lbfgs;
  LinearSolver linear_solver = LinearSolver::dense_qr;
  Derivative derivative = Derivative::automatic;
  Minpack minpack = Minpack::lmder;
  int threads = 1;

  // The canonical name, e.g. "ceres:lm:dense_qr:auto" or
  // "ceres:lm:sparse_normal_cholesky:auto:t2"; parse_config(name()) gives
  // back the same configuration.
  std::string name() const;
  bool IsValid(std::string* error) const;
};

// Parses one configuration name; a usage error (exit 2) names the field
// that is wrong and lists the accepted values.
Result<SolverConfig> parse_config(const std::string& text);

// A comma-separated list of names and named sets:
//   default      the set the README's tables use (see default_configs())
//   trust_region every Ceres trust-region x linear solver with auto
//                derivatives, plus numeric derivatives for LM dense_qr
//   line_search  ceres:bfgs:auto, ceres:lbfgs:auto
//   minpack      minpack:lmder, minpack:lmdif
//   all          the union of the above, plus LM dense_qr with 2 threads
// Duplicates are dropped, the first occurrence keeps its place.
Result<std::vector<SolverConfig>> parse_config_list(const std::string& text);

std::vector<SolverConfig> default_configs();

// Limits shared by every configuration of one benchmark run.
struct BenchOptions {
  int repeats = 3;             // timed solves per problem x start x config
  int max_iterations = 10000;  // Ceres iterations (nist.cc uses 10000)
  // Ceres tolerances: machine epsilon, as nist.cc, so a run stops only when
  // no further progress is possible.
  double function_tolerance = 2.220446049250313e-16;
  double gradient_tolerance = 2.220446049250313e-16;
  double parameter_tolerance = 2.220446049250313e-16;
  // MINPACK ftol and xtol (gtol 0) and its evaluation budget per parameter.
  double minpack_tolerance = 1e-15;
  int minpack_evaluations_per_parameter = 10000;
  // A problem counts as solved from a start when every LRE reaches this.
  double solved_lre = 4.0;

  bool IsValid(std::string* error) const;
};

}  // namespace growthcast::solverbench

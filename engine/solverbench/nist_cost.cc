#include "solverbench/nist_cost.h"

#include <ceres/autodiff_cost_function.h>
#include <ceres/numeric_diff_cost_function.h>

#include <map>
#include <string>

#include "models/nist/nist_models.h"

namespace growthcast::solverbench {
namespace {

namespace nm = models::nist;

struct Entry {
  int parameters;
  int predictors;
  ceres::CostFunction* (*make)(const NistProblem&, Derivative);
  void (*residuals)(const NistProblem&, const double*, double*);
};

template <class Functor>
ceres::CostFunction* make_cost(const NistProblem& p, Derivative derivative) {
  auto* functor = new Functor(p.x.data(), p.y.data(), p.observations);
  if (derivative == Derivative::automatic)
    return new ceres::AutoDiffCostFunction<Functor, ceres::DYNAMIC,
                                           Functor::kParameters>(
        functor, p.observations);
  return new ceres::NumericDiffCostFunction<
      Functor, ceres::CENTRAL, ceres::DYNAMIC, Functor::kParameters>(
      functor, ceres::TAKE_OWNERSHIP, p.observations);
}

template <class Functor>
void residuals(const NistProblem& p, const double* b, double* r) {
  Functor(p.x.data(), p.y.data(), p.observations)(b, r);
}

template <class Functor>
Entry entry() {
  return {Functor::kParameters, Functor::kPredictors, &make_cost<Functor>,
          &residuals<Functor>};
}

const std::map<std::string, Entry>& registry() {
  static const std::map<std::string, Entry> table = {
      {"Bennett5", entry<nm::Bennett5>()}, {"BoxBOD", entry<nm::BoxBOD>()},
      {"Chwirut1", entry<nm::Chwirut1>()}, {"Chwirut2", entry<nm::Chwirut2>()},
      {"DanWood", entry<nm::DanWood>()},   {"Eckerle4", entry<nm::Eckerle4>()},
      {"ENSO", entry<nm::ENSO>()},         {"Gauss1", entry<nm::Gauss1>()},
      {"Gauss2", entry<nm::Gauss2>()},     {"Gauss3", entry<nm::Gauss3>()},
      {"Hahn1", entry<nm::Hahn1>()},       {"Kirby2", entry<nm::Kirby2>()},
      {"Lanczos1", entry<nm::Lanczos1>()}, {"Lanczos2", entry<nm::Lanczos2>()},
      {"Lanczos3", entry<nm::Lanczos3>()}, {"MGH09", entry<nm::MGH09>()},
      {"MGH10", entry<nm::MGH10>()},       {"MGH17", entry<nm::MGH17>()},
      {"Misra1a", entry<nm::Misra1a>()},   {"Misra1b", entry<nm::Misra1b>()},
      {"Misra1c", entry<nm::Misra1c>()},   {"Misra1d", entry<nm::Misra1d>()},
      {"Nelson", entry<nm::Nelson>()},     {"Rat42", entry<nm::Rat42>()},
      {"Rat43", entry<nm::Rat43>()},       {"Roszman1", entry<nm::Roszman1>()},
      {"Thurber", entry<nm::Thurber>()},
  };
  return table;
}

Result<const Entry*> find(const NistProblem& p) {
  const auto it = registry().find(p.name);
  if (it == registry().end())
    return fail("no model functor for NIST dataset '" + p.name + "'", p.file);
  const Entry& e = it->second;
  if (e.parameters != p.parameters || e.predictors != p.predictors)
    return fail("the functor for '" + p.name + "' has " +
                    std::to_string(e.parameters) + " parameters and " +
                    std::to_string(e.predictors) + " predictors, the file " +
                    std::to_string(p.parameters) + " and " +
                    std::to_string(p.predictors),
                p.file);
  return &e;
}

}  // namespace

Result<std::unique_ptr<ceres::CostFunction>> make_nist_cost_function(
    const NistProblem& problem, Derivative derivative) {
  auto e = find(problem);
  if (!e) return tl::unexpected(e.error());
  return std::unique_ptr<ceres::CostFunction>((*e)->make(problem, derivative));
}

Result<std::vector<double>> nist_residuals(const NistProblem& problem,
                                           const std::vector<double>& b) {
  auto e = find(problem);
  if (!e) return tl::unexpected(e.error());
  if (static_cast<int>(b.size()) != problem.parameters)
    return fail(
        "expected " + std::to_string(problem.parameters) + " parameter values",
        problem.file);
  std::vector<double> r(static_cast<std::size_t>(problem.observations));
  (*e)->residuals(problem, b.data(), r.data());
  return r;
}

Result<double> nist_residual_sum_of_squares(const NistProblem& problem,
                                            const std::vector<double>& b) {
  auto r = nist_residuals(problem, b);
  if (!r) return tl::unexpected(r.error());
  double sum = 0;
  for (double v : *r) sum += v * v;
  return sum;
}

}  // namespace growthcast::solverbench

#include "store/calibration_checks.h"

#include <Eigen/Eigenvalues>
#include <algorithm>
#include <cmath>
#include <unordered_set>
#include <vector>

#include "linalg/arrow_covariance.h"
#include "models/registry.h"

namespace growthcast::store {

namespace {

std::string cut(const std::string& value) {
  std::size_t keep = 80;
  if (value.size() <= keep) return value;
  while (keep > 0 && (static_cast<unsigned char>(value[keep]) & 0xC0) == 0x80)
    --keep;
  return value.substr(0, keep) + "...";
}

std::string number(double v, int digits = 17) {
  char text[40];
  std::snprintf(text, sizeof text, "%.*g", digits, v);
  return text;
}

// Whether the covariance is certainly positive semidefinite within the
// dense check's tolerance (1e-9 x the largest eigenvalue magnitude, which
// is at least the largest diagonal entry), from its arrow structure
// (linalg/arrow_covariance.h): O(N k^2) for the blocks where the dense
// check's eigenvalues cost O(N^3) (80 s at 3,100 regions). false when not
// certified (no such structure, a singular or indefinite block): the dense
// check then decides, with its message. Rows with a zero variance are left
// out when they are zero throughout (they add an eigenvalue 0).
bool arrow_semidefinite(const calibrate::CalibrationResult& r,
                        const Eigen::MatrixXd& c) {
  if (!models::find_model(r.model_options.model)) return false;
  const models::ParameterLayout layout = r.layout();
  if (layout.size() != c.rows()) return false;
  std::vector<int> kept;
  for (Eigen::Index i = 0; i < c.rows(); ++i) {
    if (c(i, i) > 0.0) {
      kept.push_back(int(i));
    } else if (c(i, i) < 0.0 || !c.col(i).isZero(0.0)) {
      return false;
    }
  }
  linalg::ArrowLayout arrow;
  arrow.index = kept;
  arrow.shared_begin = Eigen::Index(kept.size());
  int last_region = -1;
  for (std::size_t a = 0; a < kept.size(); ++a) {
    const int idx = kept[a];
    if (layout.is_shared(idx)) {
      arrow.shared_begin = std::min(arrow.shared_begin, Eigen::Index(a));
      continue;
    }
    const int region = layout.regional > 0 ? idx / layout.regional : 0;
    if (region != last_region) arrow.blocks.emplace_back(a, a);
    arrow.blocks.back().second = Eigen::Index(a) + 1;
    last_region = region;
  }
  return linalg::arrow_semidefinite(c, arrow, 1e-9);
}

}  // namespace

Status check_calibration(const calibrate::CalibrationResult& r,
                         const std::string& file) {
  // Years: consecutive and increasing (the projection starts the year after
  // the last, and the AR(1) shocks assume one-year steps).
  if (r.years.empty())
    return fail("the calibration has no years", file, 0, "/calibration/year");
  for (std::size_t t = 1; t < r.years.size(); ++t)
    if (r.years[t] != r.years[t - 1] + 1)
      return fail("years must be consecutive and increasing: " +
                      std::to_string(r.years[t - 1]) + " is followed by " +
                      std::to_string(r.years[t]),
                  file, 0, "/calibration/year");

  if (r.regions.empty())
    return fail("the calibration has no regions", file, 0,
                "/calibration/region");
  std::unordered_set<std::string> seen;
  for (const auto& region : r.regions) {
    if (region.empty())
      return fail("empty region label", file, 0, "/calibration/region");
    if (!seen.insert(region).second)
      return fail("region '" + cut(region) + "' is listed twice", file, 0,
                  "/calibration/region");
  }

  const std::size_t R = r.regions.size(), T = r.years.size();
  for (const auto& [name, table] : {std::pair{"/calibration/gdp", &r.gdp},
                                    {"/calibration/capital", &r.capital},
                                    {"/calibration/labour", &r.labour},
                                    {"/calibration/rd", &r.rd}}) {
    bool shaped = table->size() == R;
    for (const auto& row : *table) shaped = shaped && row.size() == T;
    if (!shaped)
      return fail("not one row of " + std::to_string(T) +
                      " years for each of " + std::to_string(R) + " regions",
                  file, 0, name);
  }

  const auto n = static_cast<Eigen::Index>(r.parameter_names.size());
  if (r.estimate.size() != n)
    return fail("has " + std::to_string(r.estimate.size()) + " values for " +
                    std::to_string(n) + " parameters",
                file, 0, "/calibration/estimate");
  for (Eigen::Index k = 0; k < n; ++k)
    if (!std::isfinite(r.estimate[k]))
      return fail("the estimate of '" + cut(r.parameter_names[std::size_t(k)]) +
                      "' is " + number(r.estimate[k]) + ", not a finite number",
                  file, 0, "/calibration/estimate");

  const double sigma = r.fit.shock_sigma, rho = r.fit.shock_rho;
  if (!std::isfinite(sigma) || sigma < 0 ||
      (sigma == 0 && r.fit.shock_pairs > 0))
    return fail("the shock standard deviation is " + number(sigma) +
                    ", not a positive finite number",
                file, 0, "shock_sigma");
  if (!std::isfinite(rho) || !(std::abs(rho) < 1))
    return fail(
        "the shock autocorrelation is " + number(rho) + ", not inside (-1, 1)",
        file, 0, "shock_rho");

  if (r.covariance_ok) {
    const Eigen::MatrixXd& c = r.covariance;
    if (c.rows() != n || c.cols() != n)
      return fail("is " + std::to_string(c.rows()) + " x " +
                      std::to_string(c.cols()) + ", not " + std::to_string(n) +
                      " x " + std::to_string(n) + " (one per parameter)",
                  file, 0, "/calibration/covariance");
    if (!c.allFinite())
      return fail("holds values that are not finite numbers", file, 0,
                  "/calibration/covariance");
    const double scale = std::max(1e-300, c.cwiseAbs().maxCoeff());
    for (Eigen::Index i = 0; i < n; ++i)
      for (Eigen::Index j = 0; j < i; ++j)
        if (std::abs(c(i, j) - c(j, i)) > 1e-9 * scale)
          return fail("is not symmetric: entry (" + std::to_string(i) + ", " +
                          std::to_string(j) + ") is " + number(c(i, j)) +
                          " but (" + std::to_string(j) + ", " +
                          std::to_string(i) + ") is " + number(c(j, i)),
                      file, 0, "/calibration/covariance");
    if (n > 0 && !arrow_semidefinite(r, c)) {
      Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver(
          c, Eigen::EigenvaluesOnly);
      if (solver.info() != Eigen::Success)
        return fail("its eigenvalues could not be computed", file, 0,
                    "/calibration/covariance");
      const double smallest = solver.eigenvalues().minCoeff();
      const double largest = solver.eigenvalues().cwiseAbs().maxCoeff();
      if (smallest < -1e-9 * std::max(largest, 1e-300))
        return fail(
            "is not positive semi-definite: its smallest eigenvalue "
            "is " +
                number(smallest, 6) + " (largest magnitude " +
                number(largest, 6) + ")",
            file, 0, "/calibration/covariance");
    }
  }
  return ok();
}

}  // namespace growthcast::store

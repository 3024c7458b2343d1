#include "linalg/arrow_covariance.h"

#include <algorithm>
#include <cmath>

namespace growthcast::linalg {

std::optional<ArrowFactor> arrow_factor(const Eigen::MatrixXd& covariance,
                                        const ArrowLayout& layout) {
  using Eigen::Index;
  using Eigen::MatrixXd;
  if (layout.blocks.size() < 2) return std::nullopt;
  const Index m = layout.size();
  auto cov = [&](Index a, Index b) {
    return covariance(layout.index[std::size_t(a)],
                      layout.index[std::size_t(b)]);
  };
  const Index ks = m - layout.shared_begin, nr = layout.shared_begin;
  ArrowFactor f;
  // Shared: L_s L_s' = P. Cross: X = L_s^-1 Cov_sr.
  MatrixXd p(ks, ks);
  f.cross.resize(ks, nr);
  for (Index b = 0; b < ks; ++b)
    for (Index a = 0; a < ks; ++a) p(a, b) = cov(nr + a, nr + b);
  for (Index b = 0; b < nr; ++b)
    for (Index a = 0; a < ks; ++a) f.cross(a, b) = cov(nr + a, b);
  if (ks > 0) {
    Eigen::LLT<MatrixXd> llt(p);
    if (llt.info() != Eigen::Success) return std::nullopt;
    f.shared_root = llt.matrixL();
    llt.matrixL().solveInPlace(f.cross);
  }
  // The conditional covariance Cov_rr - X'X off the blocks must be
  // rounding: each block's columns against the rows of the later blocks.
  const MatrixXd& x = f.cross;
  Eigen::VectorXd sd(nr), row_sum = Eigen::VectorXd::Zero(nr);
  for (Index a = 0; a < nr; ++a) sd[a] = std::sqrt(std::max(0.0, cov(a, a)));
  for (const auto& [begin, end] : layout.blocks)
    for (Index b = begin; b < end; ++b) {
      const auto xb = x.col(b);
      for (Index a = end; a < nr; ++a) {
        const double off = std::abs(cov(a, b) - x.col(a).dot(xb));
        const double scale = sd[a] * sd[b];
        if (off > kArrowTolerance * scale) return std::nullopt;
        if (scale > 0.0)
          f.relative_error = std::max(f.relative_error, off / scale);
        row_sum[a] += off;
        row_sum[b] += off;
      }
    }
  f.off_block_row_sum = nr > 0 ? row_sum.maxCoeff() : 0.0;
  return f;
}

Eigen::MatrixXd conditional_block(const Eigen::MatrixXd& covariance,
                                  const ArrowLayout& layout,
                                  const ArrowFactor& factor, std::size_t j) {
  const auto [begin, end] = layout.blocks[j];
  const Eigen::Index k = end - begin;
  Eigen::MatrixXd c(k, k);
  for (Eigen::Index b = 0; b < k; ++b)
    for (Eigen::Index a = 0; a < k; ++a)
      c(a, b) = covariance(layout.index[std::size_t(begin + a)],
                           layout.index[std::size_t(begin + b)]) -
                factor.cross.col(begin + a).dot(factor.cross.col(begin + b));
  return c;
}

bool arrow_semidefinite(const Eigen::MatrixXd& covariance,
                        const ArrowLayout& layout, double tolerance) {
  // Cov = A + E: A = [[P, Cov_sr]', [Cov_rs, X'X + D]] is positive
  // semidefinite when P and D are (D is its Schur complement), and E, the
  // off-block rounding, has 2-norm at most its largest absolute row sum.
  // The smallest eigenvalue of Cov is then >= -that sum.
  const auto factor = arrow_factor(covariance, layout);
  if (!factor) return false;
  double largest = 0.0;
  for (int i : layout.index) largest = std::max(largest, covariance(i, i));
  if (factor->off_block_row_sum > tolerance * largest) return false;
  for (std::size_t j = 0; j < layout.blocks.size(); ++j) {
    Eigen::LLT<Eigen::MatrixXd> llt(
        conditional_block(covariance, layout, *factor, j));
    if (llt.info() != Eigen::Success) return false;
  }
  return true;
}

}  // namespace growthcast::linalg

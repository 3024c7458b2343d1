#include "montecarlo/parameter_factor.h"

#include <cmath>
#include <utility>

namespace growthcast::montecarlo {

ParameterFactor dense_factor(const Eigen::MatrixXd& cov) {
  ParameterFactor f;
  Eigen::MatrixXd root;
  Eigen::LLT<Eigen::MatrixXd> llt(cov);
  if (llt.info() == Eigen::Success) {
    root = llt.matrixL();
  } else {
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(cov);
    root = eig.eigenvectors() *
           eig.eigenvalues().cwiseMax(0.0).cwiseSqrt().asDiagonal();
  }
  // Exact zeros only are left out, so a draw's sums are those of the full
  // rows term by term.
  f.matrix = root.sparseView(0.0, 0.0);
  return f;
}

namespace {

// A square root of a small symmetric block: its Cholesky factor, or an
// eigen-decomposition square root when it is only semidefinite.
Eigen::MatrixXd block_root(const Eigen::MatrixXd& block, bool* lower) {
  Eigen::LLT<Eigen::MatrixXd> llt(block);
  if (llt.info() == Eigen::Success) {
    *lower = true;
    return llt.matrixL();
  }
  *lower = false;
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(block);
  return eig.eigenvectors() *
         eig.eigenvalues().cwiseMax(0.0).cwiseSqrt().asDiagonal();
}

}  // namespace

ParameterFactor factor_covariance(const Eigen::MatrixXd& covariance,
                                  const std::vector<int>& free_index,
                                  const models::ParameterLayout& layout,
                                  bool allow_arrow) {
  using Eigen::Index;
  using Eigen::MatrixXd;
  const Index m = Index(free_index.size());
  auto cov = [&](Index a, Index b) {
    return covariance(free_index[std::size_t(a)], free_index[std::size_t(b)]);
  };
  auto dense = [&] {
    MatrixXd c(m, m);
    for (Index b = 0; b < m; ++b)
      for (Index a = 0; a < m; ++a) c(a, b) = cov(a, b);
    return dense_factor(c);
  };
  if (!allow_arrow) return dense();
  // The free parameters' regions' blocks (consecutive positions of one
  // region) and the shared ones, which the layout puts last.
  std::vector<std::pair<Index, Index>> blocks;  // [begin, end) positions
  Index shared_begin = m;
  int last_region = -1;
  for (Index a = 0; a < m; ++a) {
    const int idx = free_index[std::size_t(a)];
    if (layout.is_shared(idx)) {
      shared_begin = std::min(shared_begin, a);
      continue;
    }
    const int region = layout.regional > 0 ? idx / layout.regional : 0;
    if (shared_begin < m || region < last_region) return dense();
    if (region != last_region) blocks.emplace_back(a, a);
    blocks.back().second = a + 1;
    last_region = region;
  }
  // One region (or none): the arrow is the whole matrix.
  if (blocks.size() < 2) return dense();
  const Index ks = m - shared_begin, nr = shared_begin;

  // Shared: L_s L_s' = P. Cross: X = L_s^-1 Cov_sr, so B = X'.
  MatrixXd p(ks, ks), x(ks, nr);
  for (Index b = 0; b < ks; ++b)
    for (Index a = 0; a < ks; ++a) p(a, b) = cov(nr + a, nr + b);
  for (Index b = 0; b < nr; ++b)
    for (Index a = 0; a < ks; ++a) x(a, b) = cov(nr + a, b);
  MatrixXd l_s;
  if (ks > 0) {
    Eigen::LLT<MatrixXd> llt(p);
    if (llt.info() != Eigen::Success) return dense();
    l_s = llt.matrixL();
    llt.matrixL().solveInPlace(x);
  }

  // The conditional covariance Cov_rr - B B' off the blocks must be
  // rounding: each block's columns against the rows of the later blocks.
  Eigen::VectorXd sd(nr);
  for (Index a = 0; a < nr; ++a) sd[a] = std::sqrt(std::max(0.0, cov(a, a)));
  double worst = 0.0;
  for (std::size_t j = 0; j < blocks.size(); ++j)
    for (Index b = blocks[j].first; b < blocks[j].second; ++b) {
      const auto xb = x.col(b);
      for (Index a = blocks[j].second; a < nr; ++a) {
        const double off = std::abs(cov(a, b) - x.col(a).dot(xb));
        const double scale = sd[a] * sd[b];
        if (off > kArrowTolerance * scale) return dense();
        if (scale > 0.0) worst = std::max(worst, off / scale);
      }
    }

  // F in free order: a regional row holds its block's factor, then B; a
  // shared row holds L_s.
  std::vector<Eigen::Triplet<double>> terms;
  terms.reserve(std::size_t(nr) * std::size_t(ks + 2) +
                std::size_t(ks * (ks + 1) / 2));
  for (const auto& [begin, end] : blocks) {
    const Index k = end - begin;
    MatrixXd c(k, k);
    for (Index b = 0; b < k; ++b)
      for (Index a = 0; a < k; ++a)
        c(a, b) =
            cov(begin + a, begin + b) - x.col(begin + a).dot(x.col(begin + b));
    bool lower = false;
    const MatrixXd root = block_root(c, &lower);
    for (Index a = 0; a < k; ++a) {
      for (Index b = 0; b < (lower ? a + 1 : k); ++b)
        terms.emplace_back(int(begin + a), int(begin + b), root(a, b));
      for (Index s = 0; s < ks; ++s)
        terms.emplace_back(int(begin + a), int(nr + s), x(s, begin + a));
    }
  }
  for (Index a = 0; a < ks; ++a)
    for (Index b = 0; b <= a; ++b)
      terms.emplace_back(int(nr + a), int(nr + b), l_s(a, b));
  ParameterFactor f;
  f.matrix.resize(m, m);
  f.matrix.setFromTriplets(terms.begin(), terms.end());
  f.arrow = true;
  f.relative_error = worst;
  return f;
}

}  // namespace growthcast::montecarlo

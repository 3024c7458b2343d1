#include "montecarlo/parameter_factor.h"

#include <algorithm>
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
  auto dense = [&] {
    MatrixXd c(m, m);
    for (Index b = 0; b < m; ++b)
      for (Index a = 0; a < m; ++a)
        c(a, b) =
            covariance(free_index[std::size_t(a)], free_index[std::size_t(b)]);
    return dense_factor(c);
  };
  if (!allow_arrow) return dense();
  const auto arrow_layout = arrow_layout_of(free_index, layout);
  if (!arrow_layout) return dense();
  // One region (or none), P not positive definite, or more shared than
  // the shared parameters: the dense factor.
  const auto arrow = linalg::arrow_factor(covariance, *arrow_layout);
  if (!arrow) return dense();
  const Index ks = m - arrow_layout->shared_begin;
  const Index nr = arrow_layout->shared_begin;
  const MatrixXd& x = arrow->cross;

  // F in free order: a regional row holds its block's factor, then B = X';
  // a shared row holds L_s.
  std::vector<Eigen::Triplet<double>> terms;
  terms.reserve(std::size_t(nr) * std::size_t(ks + 2) +
                std::size_t(ks * (ks + 1) / 2));
  for (std::size_t j = 0; j < arrow_layout->blocks.size(); ++j) {
    const auto [begin, end] = arrow_layout->blocks[j];
    const Index k = end - begin;
    bool lower = false;
    const MatrixXd root = block_root(
        linalg::conditional_block(covariance, *arrow_layout, *arrow, j),
        &lower);
    for (Index a = 0; a < k; ++a) {
      for (Index b = 0; b < (lower ? a + 1 : k); ++b)
        terms.emplace_back(int(begin + a), int(begin + b), root(a, b));
      for (Index s = 0; s < ks; ++s)
        terms.emplace_back(int(begin + a), int(nr + s), x(s, begin + a));
    }
  }
  for (Index a = 0; a < ks; ++a)
    for (Index b = 0; b <= a; ++b)
      terms.emplace_back(int(nr + a), int(nr + b), arrow->shared_root(a, b));
  ParameterFactor f;
  f.matrix.resize(m, m);
  f.matrix.setFromTriplets(terms.begin(), terms.end());
  f.arrow = true;
  f.relative_error = arrow->relative_error;
  return f;
}

std::optional<linalg::ArrowLayout> arrow_layout_of(
    const std::vector<int>& free_index, const models::ParameterLayout& layout) {
  // The free parameters' regions' blocks (consecutive positions of one
  // region) and the shared ones, which the layout puts last.
  linalg::ArrowLayout out;
  out.index = free_index;
  const Eigen::Index m = Eigen::Index(free_index.size());
  out.shared_begin = m;
  int last_region = -1;
  for (Eigen::Index a = 0; a < m; ++a) {
    const int idx = free_index[std::size_t(a)];
    if (layout.is_shared(idx)) {
      out.shared_begin = std::min(out.shared_begin, a);
      continue;
    }
    const int region = layout.regional > 0 ? idx / layout.regional : 0;
    if (out.shared_begin < m || region < last_region) return std::nullopt;
    if (region != last_region) out.blocks.emplace_back(a, a);
    out.blocks.back().second = a + 1;
    last_region = region;
  }
  return out;
}

}  // namespace growthcast::montecarlo

// The arrow structure of a covariance (docs/architecture.md, "Parameter
// draws"): a calibration's sigma^2 (J'J)^-1 over regions' parameters and
// shared ones is, given the shared parameters, independent across regions.
// With the shared parameters s last,
//   Cov = [[Cov_rr, Cov_rs], [Cov_sr, P]],
//   Cov_rr = X'X + D,  X = L_s^-1 Cov_sr,  L_s L_s' = P,
// and D block diagonal (one block a region). Whether a matrix has it is read
// from the matrix itself: P positive definite and every entry of
// Cov_rr - X'X off the regions' blocks rounding. Then the matrix is
// positive semidefinite iff each block D_j is (the Schur complement of P),
// and both its square root (montecarlo/parameter_factor.h) and that check
// (store/calibration_checks.h) cost O(N k^2) and O(N^2 k) for the off-block
// test instead of the dense O(N^3).
#pragma once

#include <Eigen/Dense>
#include <optional>
#include <utility>
#include <vector>

namespace growthcast::linalg {

// An off-block entry of the conditional covariance larger than this,
// relative to sqrt(Cov_aa Cov_bb), is structure rather than rounding.
inline constexpr double kArrowTolerance = 1e-10;

// Which rows of a matrix are read, and how they group: position a is row
// and column index[a]; blocks[j] = [begin, end) positions of one region
// (consecutive, ascending); positions shared_begin .. end are the shared
// parameters.
struct ArrowLayout {
  std::vector<int> index;
  std::vector<std::pair<Eigen::Index, Eigen::Index>> blocks;
  Eigen::Index shared_begin = 0;
  Eigen::Index size() const { return Eigen::Index(index.size()); }
};

struct ArrowFactor {
  Eigen::MatrixXd shared_root;  // L_s, lower triangular: L_s L_s' = P
  Eigen::MatrixXd cross;        // X = L_s^-1 Cov_sr, shared x regional
  // The largest off-block |(Cov_rr - X'X)_ab| / sqrt(Cov_aa Cov_bb), and
  // the largest sum over b of |(Cov_rr - X'X)_ab| off a's block (a bound on
  // the 2-norm of what the structure leaves out).
  double relative_error = 0.0;
  double off_block_row_sum = 0.0;
};

// The arrow factorisation of the matrix's rows and columns `layout`;
// nullopt when it has not the structure (fewer than two blocks, P not
// positive definite, or an off-block entry beyond kArrowTolerance).
std::optional<ArrowFactor> arrow_factor(const Eigen::MatrixXd& covariance,
                                        const ArrowLayout& layout);

// Block j's conditional covariance D_j = Cov_jj - X_j'X_j.
Eigen::MatrixXd conditional_block(const Eigen::MatrixXd& covariance,
                                  const ArrowLayout& layout,
                                  const ArrowFactor& factor, std::size_t j);

// Whether the whole matrix (rows and columns of `layout`) is certainly
// positive semidefinite within `tolerance` of its largest diagonal entry
// (smallest eigenvalue >= -tolerance x that entry), from the arrow
// structure: P and every D_j positive definite (Cholesky), and the
// off-block rounding's norm bound within the tolerance. false means "not
// certified": the structure is absent or a block is singular or
// indefinite, and a dense check must decide.
bool arrow_semidefinite(const Eigen::MatrixXd& covariance,
                        const ArrowLayout& layout, double tolerance);

}  // namespace growthcast::linalg

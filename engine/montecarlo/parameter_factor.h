// The square root of the free parameters' covariance that the Monte Carlo
// draws parameters with: theta = theta_hat + F z, z standard normal, F F' =
// the calibration's covariance (docs/architecture.md, "Parameter draws").
//
// A calibration's covariance sigma^2 (J'J)^-1 has an arrow structure
// (engine/calibrate, arrow_covariance): given the shared parameters, the
// regions' blocks are independent. With the shared parameters s first,
//   Cov = [[P, P G'], [G P, D + G P G']],  D block diagonal,
// and its Cholesky factor is [[L_s, 0], [B, L_D]] with L_s L_s' = P,
// B = Cov_rs L_s^-T and L_D the blocks' factors of D = Cov_rr - B B'. F has
// O(N) non-zeros (each regional row: its own block and the shared
// columns), where a dense Cholesky of the whole matrix has N^2 / 2 (at
// 3,100 regions, 19 million terms per draw). The structure is read from
// the matrix itself: when the conditional covariance D has an entry off
// the regions' blocks beyond rounding (a model whose regions share more
// than the shared parameters), F is the dense Cholesky factor.
#pragma once

#include <Eigen/Dense>
#include <Eigen/SparseCore>
#include <optional>
#include <vector>

#include "linalg/arrow_covariance.h"
#include "models/model_info.h"

namespace growthcast::montecarlo {

struct ParameterFactor {
  // F over the free parameters (rows and columns in free_index order): row
  // a's non-zero terms, columns ascending; a draw's parameter a is
  // theta_hat + sum over them of value * z[column], in that order.
  Eigen::SparseMatrix<double, Eigen::RowMajor> matrix;
  bool arrow = false;  // the arrow factor (else the dense Cholesky)
  // How far the arrow factor's F F' is from the covariance: the largest
  // |F F' - Cov|_ab / sqrt(Cov_aa Cov_bb) (0 for the dense factor).
  double relative_error = 0.0;
};

// An off-block entry of the conditional covariance larger than this,
// relative to sqrt(Cov_aa Cov_bb), is structure rather than rounding
// (linalg/arrow_covariance.h, which finds and factors the structure).
inline constexpr double kArrowTolerance = linalg::kArrowTolerance;

// F for the covariance of the parameters free_index (indices into the full
// parameter vector laid out by `layout`: regions' blocks, then shared).
// `covariance` is the full vector's matrix; only the free rows and columns
// are read. Not finite: an empty matrix. With allow_arrow false the
// dense factor always (random stream version 1 draws with it, so that it
// reproduces results from before the arrow factor, bit for bit).
ParameterFactor factor_covariance(const Eigen::MatrixXd& covariance,
                                  const std::vector<int>& free_index,
                                  const models::ParameterLayout& layout,
                                  bool allow_arrow = true);

// The free parameters free_index grouped as the arrow structure reads
// them: each region's consecutive free parameters a block, the shared ones
// last; nullopt when the free parameters are not in that order.
std::optional<linalg::ArrowLayout> arrow_layout_of(
    const std::vector<int>& free_index, const models::ParameterLayout& layout);

// The dense factor alone (Cholesky, or an eigen-decomposition square root
// when the matrix is only semidefinite), for comparison in tests and for
// covariances without the arrow structure.
ParameterFactor dense_factor(const Eigen::MatrixXd& free_covariance);

}  // namespace growthcast::montecarlo

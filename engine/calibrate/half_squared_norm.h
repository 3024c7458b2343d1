#pragma once

namespace growthcast::calibrate {

// 0.5 |values|^2 over n values (0 when n <= 0), with the bits of the cost
// Ceres' residual block evaluation gives (Eigen's squared norm of the
// block, as compiled for the instruction set Debian's libceres is built
// for; see half_squared_norm.cc). The calibration's Gauss-Newton steps by QR
// evaluate the cost functions without a ceres::Problem, and their costs
// decide convergence and are reported: with these bits they are the ones
// Ceres would report at the same point (tests/calibrate,
// HalfSquaredNorm.EqualsCeresResidualBlockCost).
double half_squared_norm(const double* values, int n);

}  // namespace growthcast::calibrate

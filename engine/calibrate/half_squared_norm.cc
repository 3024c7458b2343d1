// Compiled for the x86-64 baseline (engine/calibrate/CMakeLists.txt) even
// when growthcast is built for x86-64-v3: Eigen's reduction then uses
// two-double SSE2 packets, as in Debian's libceres, and sums the squares in
// the same order. Built with AVX, it groups four doubles and the cost moved
// in its last bits (a Gauss-Newton step's cost change in the golden files'
// reports: 1.596e-16 against 1.631e-16).
//
// Nothing here may be a template instantiation shared with other files:
// those are compiled for x86-64-v3, and the linker keeps one copy of an
// inline function. GCC inlines the whole reduction (this object's only
// symbol is the function below); the test named in the header would catch
// a copy from elsewhere.
#include "calibrate/half_squared_norm.h"

#include <Eigen/Core>

namespace growthcast::calibrate {

double half_squared_norm(const double* values, int n) {
  return 0.5 * Eigen::Map<const Eigen::VectorXd>(values, n).squaredNorm();
}

}  // namespace growthcast::calibrate

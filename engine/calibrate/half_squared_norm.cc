// Eigen 3.4's reduction of a dynamic-size vector's squared norm, in the
// order it takes with two-double packets (Eigen/src/Core/Redux.h,
// LinearVectorizedTraversal; SSE2, the x86-64 baseline Debian's libceres
// is built for), written out so that this file shares no template with the
// rest of growthcast: the other files are compiled for x86-64-v3, where
// Eigen groups four doubles (the golden files' reports then moved in their
// last bits: a step's cost change 1.596e-16 against 1.631e-16), and an
// instantiation of Eigen's reduction left out of line here (at -O1, as in
// the sanitizer and fuzz builds) would be merged by the linker with theirs.
// Compiled with -ffp-contract=off (engine/calibrate/CMakeLists.txt): each
// square is rounded before it is added, as by Eigen's pmul then padd.
#include "calibrate/half_squared_norm.h"

#include <cstdint>

namespace growthcast::calibrate {

double half_squared_norm(const double* values, int n) {
  if (n <= 0) return 0.0;
  const double* v = values;
  const std::int64_t size = n;
  // Packets from the first value on (the squares are an expression without
  // direct access, so Eigen loads them unaligned from index 0): two
  // accumulating packets over four values a step, then one more packet,
  // then the odd value left.
  const std::int64_t end2 = size / 4 * 4;
  const std::int64_t end = size / 2 * 2;
  double sum;
  if (end > 0) {
    // Packet 0 (lanes a0, a1) and, from four values on, packet 1 (b0, b1).
    double a0 = v[0] * v[0], a1 = v[1] * v[1];
    if (end > 2) {
      double b0 = v[2] * v[2];
      double b1 = v[3] * v[3];
      for (std::int64_t i = 4; i < end2; i += 4) {
        a0 = a0 + v[i] * v[i];
        a1 = a1 + v[i + 1] * v[i + 1];
        b0 = b0 + v[i + 2] * v[i + 2];
        b1 = b1 + v[i + 3] * v[i + 3];
      }
      a0 = a0 + b0;
      a1 = a1 + b1;
      if (end > end2) {
        a0 = a0 + v[end2] * v[end2];
        a1 = a1 + v[end2 + 1] * v[end2 + 1];
      }
    }
    sum = a0 + a1;
    for (std::int64_t i = end; i < size; ++i) sum = sum + v[i] * v[i];
  } else {
    sum = v[0] * v[0];
    for (std::int64_t i = 1; i < size; ++i) sum = sum + v[i] * v[i];
  }
  return 0.5 * sum;
}

}  // namespace growthcast::calibrate

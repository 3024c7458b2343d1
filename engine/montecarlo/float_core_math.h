// Stream version 3's logarithm and exponential for the projection kernel
// (docs/architecture.md, "Determinism", "Error budget of version 3"):
// double in, double out, with the range reduction and the leading terms
// in double and only the polynomial's small correction term in float,
// where eight or sixteen lanes go in one register. Every step is an
// operation IEEE 754 rounds exactly (fused multiply-adds written as
// std::fma, multiplications and additions that cannot be contracted with
// each other, conversions, integer bit operations), so a value is the same
// bits one lane at a time and in 4, 8 or 16 lanes, at -O1 and -O3, and in
// builds for x86-64, x86-64-v3 and x86-64-v4 (a CPU without FMA computes
// std::fma in software: slower, the same bits). glibc's log and exp and
// their libmvec vector variants give no such guarantee (float_normals.h).
//
// The polynomials are Cephes' single-precision logf and expf (S. Moshier,
// Cephes Math Library, logf.c and expf.c), the same as float_normals.h's
// logarithm. Measured errors (tests/montecarlo/float_core_math_test.cc,
// against long double): the logarithm within 1.4e-8 absolute for
// arguments in [1e-3, 1e12], the exponential within 1.5e-8 relative for
// arguments in [-50, 50] (the test's bounds: 2e-8).
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

#include "montecarlo/float_normals.h"

namespace growthcast::montecarlo::float_core_math {

// ln v for a normal double v > 0: v = m 2^e with m in [sqrt(1/2), sqrt(2))
// (from the bits, as float_normals::minus_two_log does in float),
// x = m - 1 exact in double, ln(1 + x) = x + c with
// c = -x^2 / 2 + x^3 P(x) (|c| < 0.07) by Cephes' polynomial in float, and
// ln v = e ln 2 + x + c. The float part only carries c, so the error is
// P's approximation error and c's float rounding (1.4e-8 absolute).
// v < 0, NaN and +inf give NaN (std::log: +inf for +inf); 0 and subnormals
// give about -709, as the smallest normal double (std::log: -inf and the
// exact value). The kernel's logs are of stocks and ratios well inside.
// Always inlined: in an `omp simd` loop, an out-of-line call is a scalar
// call per lane (GCC's inlining budget dropped exp from the kernel's output
// loops once they grew, and the loops ran 1.3x slower).
[[gnu::always_inline]] inline double log(double v) {
  const std::uint64_t bits = std::bit_cast<std::uint64_t>(v);
  const std::uint64_t mantissa = bits & 0xfffffffffffffull;
  // 1 when 1.mantissa >= sqrt(2) (0x3ff6a09e667f3bcd), else 0, without a
  // branch.
  const std::uint64_t high =
      (mantissa + (0x10000000000000ull - 0x6a09e667f3bcdull)) >> 52;
  // e = the biased exponent (plus high) less 1023, as a double exactly:
  // the double 2^52 + field, less 2^52 + 1023 (no integer conversion,
  // which AVX2 lacks for 64-bit lanes).
  const std::uint64_t field = ((bits >> 52) & 0x7ffull) + high;
  const double e =
      std::bit_cast<double>(field | 0x4330000000000000ull) - (0x1p52 + 1023.0);
  const double x =
      std::bit_cast<double>(mantissa | ((0x3ffull - high) << 52)) - 1.0;
  const float xf = float(x);
  const float z = xf * xf;
  const float cubic =
      (float_normals::logf_polynomial(xf) * xf) * z;  // x^3 P(x)
  const float c = std::fma(z, -0.5f, cubic);
  constexpr double kLn2 = 0.69314718055994530942;
  const double result = std::fma(e, kLn2, x + double(c));
  // Special values without selects (GCC turns selects after floating
  // compares, which may trap on NaN, into branches around the arithmetic,
  // and the calling loops are then not vectorised): v - v
  // is NaN for NaN and +-inf, else 0 (adding it changes no bit), and a set
  // sign bit sets the result's exponent and quiet bit, a NaN.
  const std::uint64_t out = std::bit_cast<std::uint64_t>(result + (v - v)) |
                            ((0 - (bits >> 63)) & 0x7ff8000000000000ull);
  return std::bit_cast<double>(out);
}

// e^a: k = the integer nearest a / ln 2 (a multiply-add with 1.5 2^52
// rounds it, and the low bits of the sum's bits are k), r = a - k ln 2 in
// double (|r| <= 0.347, ln 2 in two parts as fdlibm), e^r = 1 + r + c with
// c = r^2 Q(r) (|c| < 0.066) by Cephes' expf polynomial in float, times
// 2^k from the bits. a > 709.44 gives +inf (e^709.44 = 1.3e308, below
// double's largest 1.8e308: the top 0.05% of the exponent range is cut),
// a < -708 gives e^-708 = 3.3e-308 (not 0 and the subnormals); NaN and
// +-inf give NaN (std::exp: +inf and 0 for +-inf). The kernel's
// exponentials are of ln Y and of log TFP indices, far inside.
[[gnu::always_inline]] inline double exp(double a) {
  constexpr double kLog2e = 1.4426950408889634074;
  constexpr double kLn2High = 6.93147180369123816490e-01;
  constexpr double kLn2Low = 1.90821492927058770002e-10;
  constexpr double kRound = 0x1.8p52;
  // Clamped to [-708, 710] (one vmaxpd and one vminpd, which GCC keeps as
  // such; NaN comes out as -708 and is restored at the end): beyond 709.44 k is
  // 1024, and 2^k's bits are +inf's.
  double clamped = a > -708.0 ? a : -708.0;
  clamped = clamped < 710.0 ? clamped : 710.0;
  const double shifted = std::fma(clamped, kLog2e, kRound);
  const double k = shifted - kRound;
  double r = std::fma(k, -kLn2High, clamped);
  r = std::fma(k, -kLn2Low, r);
  const float rf = float(r);
  const float z = rf * rf;
  float q = 1.9875691500e-4f;
  q = std::fma(q, rf, 1.3981999507e-3f);
  q = std::fma(q, rf, 8.3334519073e-3f);
  q = std::fma(q, rf, 4.1665795894e-2f);
  q = std::fma(q, rf, 1.6666665459e-1f);
  q = std::fma(q, rf, 5.0000001201e-1f);
  const float c = q * z;
  const std::uint64_t scale_bits =
      (std::bit_cast<std::uint64_t>(shifted) -
       std::bit_cast<std::uint64_t>(kRound) + 1023u)
      << 52;
  // A power of two: the product is exact, so contracting it with what the
  // caller adds to it would not change a bit.
  const double result =
      ((1.0 + r) + double(c)) * std::bit_cast<double>(scale_bits);
  // a - a: NaN for NaN and +-inf, else 0 (adding it changes no bit).
  return result + (a - a);
}

// c ? a : b as bit operations (a mask from c), which GCC does not turn
// into a branch: the calling loops stay vector loops with both sides
// computed (the same value as the select).
[[gnu::always_inline]] inline double select(bool c, double a, double b) {
  const std::uint64_t mask = 0 - std::uint64_t(c);
  return std::bit_cast<double>((std::bit_cast<std::uint64_t>(a) & mask) |
                               (std::bit_cast<std::uint64_t>(b) & ~mask));
}

}  // namespace growthcast::montecarlo::float_core_math

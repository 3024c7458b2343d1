// Stream version 2's normals (docs/architecture.md, "Determinism"):
// Random123's Philox4x32-10 and a Box-Muller transform in float whose
// logarithm and sine/cosine are written out here as fixed sequences of
// fused multiply-adds, multiplications, additions, conversions and a square
// root. Each of those is exactly rounded by IEEE 754, so a normal is the
// same bits one lane at a time (RandomStream), in 8 or 16 lanes (the
// block path), in every build (x86-64, x86-64-v3, AVX-512 at run time) and
// on every CPU. glibc's float logf/sinf/cosf and their libmvec vector
// variants are not used because they give no such guarantee: the scalar
// functions are other algorithms than the vector ones, which a vector
// loop's remainder lanes and RandomStream would call (docs/architecture.md,
// "Determinism", has the measurement).
#pragma once

#include <Random123/philox.h>

#include <bit>
#include <cmath>
#include <cstdint>

namespace growthcast::montecarlo::float_normals {

// P(x) of Cephes' single-precision logf (S. Moshier, Cephes Math Library,
// logf.c): ln(1 + x) = x - x^2 / 2 + x^3 P(x) for x in [sqrt(1/2) - 1,
// sqrt(2) - 1), by Horner's rule in fused multiply-adds. Shared by the
// normals' logarithm (below) and stream version 3's (float_core_math.h).
[[gnu::always_inline]] inline float logf_polynomial(float x) {
  float y = 7.0376836292e-2f;
  y = std::fma(y, x, -1.1514610310e-1f);
  y = std::fma(y, x, 1.1676998740e-1f);
  y = std::fma(y, x, -1.2420140846e-1f);
  y = std::fma(y, x, 1.4249322787e-1f);
  y = std::fma(y, x, -1.6668057665e-1f);
  y = std::fma(y, x, 2.0000714765e-1f);
  y = std::fma(y, x, -2.4999993993e-1f);
  return std::fma(y, x, 3.3333331174e-1f);
}

// -2 ln u for u in (0, 1], normal (not subnormal): u = m 2^e with m in
// [sqrt(1/2), sqrt(2)), ln u = e ln 2 + ln(1 + x) with x = m - 1 (exact),
// ln(1 + x) by Cephes' single-precision logf polynomial (S. Moshier, Cephes
// Math Library, logf.c: relative error about 1 ulp on this interval) and
// ln 2 split in two parts (0.693359375 exact in 9 bits, and the rest) as
// Cephes does.
inline float minus_two_log(float u) {
  const std::uint32_t bits = std::bit_cast<std::uint32_t>(u);
  const std::uint32_t mantissa = bits & 0x7fffffu;
  // 1 when 1.mantissa > sqrt(2) (float 0x3fb504f3), else 0, as integer
  // arithmetic so that the loops calling this have no branch.
  const std::uint32_t high = (mantissa + (0x800000u - 0x3504f4u)) >> 23;
  const float e = float(std::int32_t(bits >> 23) - 127 + std::int32_t(high));
  const float x =
      std::bit_cast<float>(mantissa | (0x3f800000u - (high << 23))) - 1.0f;
  const float z = x * x;
  float y = logf_polynomial(x) * x * z;
  y = std::fma(e, -2.12194440e-4f, y);
  y = std::fma(z, -0.5f, y);
  float log_u = x + y;
  log_u = std::fma(e, 0.693359375f, log_u);
  return -2.0f * log_u;
}

// sin(pi x) and cos(pi x) for x in [-1, 1]: x = r + q/2 with q the integer
// nearest 2x and |r| <= 1/4 (exact: r is a multiple of x's last place and
// no larger than x), the Taylor series of sin(pi r) to r^9 and of cos(pi r)
// to r^10 (the next terms are below 3e-9 at |r| = 1/4, under half a float
// ulp), then the quadrant q mod 4.
struct SinCos {
  float sine, cosine;
};
inline SinCos sincospi(float x) {
  const int q = int(2.0f * x + 2.5f) - 2;  // floor(2x + 1/2), 2x + 2.5 > 0
  const float r = x - 0.5f * float(q);
  const float r2 = r * r;
  constexpr double pi = 3.14159265358979323846;
  constexpr float s1 = float(pi), s3 = float(-pi * pi * pi / 6),
                  s5 = float(pi * pi * pi * pi * pi / 120),
                  s7 = float(-pi * pi * pi * pi * pi * pi * pi / 5040),
                  s9 = float(pi * pi * pi * pi * pi * pi * pi * pi * pi /
                             362880);
  constexpr float c2 = float(-pi * pi / 2), c4 = float(pi * pi * pi * pi / 24),
                  c6 = float(-pi * pi * pi * pi * pi * pi / 720),
                  c8 = float(pi * pi * pi * pi * pi * pi * pi * pi / 40320),
                  c10 = float(-pi * pi * pi * pi * pi * pi * pi * pi * pi * pi /
                              3628800);
  float s = std::fma(s9, r2, s7);
  s = std::fma(s, r2, s5);
  s = std::fma(s, r2, s3);
  s = std::fma(s, r2, s1);
  s = s * r;
  float c = std::fma(c10, r2, c8);
  c = std::fma(c, r2, c6);
  c = std::fma(c, r2, c4);
  c = std::fma(c, r2, c2);
  c = std::fma(c, r2, 1.0f);
  // Quadrant q mod 4 (two's complement: -1 -> 3, -2 -> 2).
  const int quadrant = q & 3;
  const float sin_base = (quadrant & 1) ? c : s;
  const float cos_base = (quadrant & 1) ? s : c;
  return {(quadrant & 2) ? -sin_base : sin_base,
          ((quadrant + 1) & 2) ? -cos_base : cos_base};
}

// Uniform on (0, 1] from a 32-bit word, (w + 1/2) 2^-32 rounded to float:
// the product is exact, so the multiply-add rounds once whether or not it
// is fused. Its smallest value 2^-33 bounds |normal| by sqrt(66 ln 2) =
// 6.76.
inline float radius_uniform(std::uint32_t w) {
  return std::fma(float(w), 0x1p-32f, 0x1p-33f);
}
// Uniform on [-1, 1] from a 32-bit word read as signed, (w + 1/2) 2^-31.
inline float angle_uniform(std::uint32_t w) {
  return std::fma(float(std::int32_t(w)), 0x1p-31f, 0x1p-32f);
}

// The four normals of one Philox4x32 call with words w0..w3: Box-Muller on
// (angle w0, radius w1) and (angle w2, radius w3), in the order sine and
// cosine of the first pair, then of the second (as stream version 1).
// (Values, not arrays, so that loops calling it vectorise.)
struct Four {
  float z0, z1, z2, z3;
};
inline Four box_muller(std::uint32_t w0, std::uint32_t w1, std::uint32_t w2,
                       std::uint32_t w3) {
  const float r01 = std::sqrt(minus_two_log(radius_uniform(w1)));
  const float r23 = std::sqrt(minus_two_log(radius_uniform(w3)));
  const SinCos a = sincospi(angle_uniform(w0));
  const SinCos b = sincospi(angle_uniform(w2));
  return {a.sine * r01, a.cosine * r01, b.sine * r23, b.cosine * r23};
}

// Random123's Philox4x32-10 written out for vectorising over counters (the
// tests compare it with r123::Philox4x32).
struct Words {
  std::uint32_t w[4];
};
inline Words philox4x32_10(std::uint32_t c0, std::uint32_t c1, std::uint32_t c2,
                           std::uint32_t c3, std::uint32_t k0,
                           std::uint32_t k1) {
  // Unrolled, so that a loop over counters around it has no inner control
  // flow and vectorises.
#pragma GCC unroll 10
  for (int round = 0; round < 10; ++round) {
    const std::uint64_t p0 = std::uint64_t(PHILOX_M4x32_0) * c0;
    const std::uint64_t p1 = std::uint64_t(PHILOX_M4x32_1) * c2;
    const std::uint32_t n0 = std::uint32_t(p1 >> 32) ^ c1 ^ k0;
    const std::uint32_t n2 = std::uint32_t(p0 >> 32) ^ c3 ^ k1;
    c1 = std::uint32_t(p1);
    c3 = std::uint32_t(p0);
    c0 = n0;
    c2 = n2;
    k0 += PHILOX_W32_0;
    k1 += PHILOX_W32_1;
  }
  return {{c0, c1, c2, c3}};
}

}  // namespace growthcast::montecarlo::float_normals

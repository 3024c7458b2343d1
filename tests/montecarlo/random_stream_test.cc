// The branch-free uniform conversion against Random123's u01: the streams
// (and so every published result) must not change with the code that
// computes them.
#include "montecarlo/random_stream.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <vector>

#include "montecarlo/philox_lanes.h"

namespace growthcast::montecarlo {
namespace {

void expect_same_bits(std::uint64_t w) {
  const double got = u01_branchless(w), want = r123::u01<double>(w);
  EXPECT_EQ(std::memcmp(&got, &want, sizeof got), 0)
      << "word " << w << ": " << got << " vs " << want;
}

TEST(RandomStream, BranchlessU01EqualsRandom123) {
  // The edges of both conversion paths and of double rounding (ties to
  // even at the 53-bit boundary, the sticky bit).
  const std::uint64_t edges[] = {0,
                                 1,
                                 (std::uint64_t(1) << 53) - 1,
                                 (std::uint64_t(1) << 53) + 1,
                                 (std::uint64_t(1) << 63) - 1,
                                 std::uint64_t(1) << 63,
                                 (std::uint64_t(1) << 63) + 1,
                                 (std::uint64_t(1) << 63) + 0x400,
                                 (std::uint64_t(1) << 63) + 0x401,
                                 (std::uint64_t(1) << 63) + 0xc00,
                                 ~std::uint64_t(0) - 0x3ff,
                                 ~std::uint64_t(0) - 0x400,
                                 ~std::uint64_t(0)};
  for (std::uint64_t w : edges) expect_same_bits(w);
  // Philox words: the values the projection converts.
  r123::Philox4x64 philox;
  for (std::uint64_t i = 0; i < 200000; ++i) {
    const auto words = philox({{i, 2, 0, 0}}, {{20260101, 0}});
    for (std::uint64_t w : words) expect_same_bits(w);
  }
}

// Philox words converted many counters at a time, by either path, are
// Random123's: counters whose first word wraps around 2^64 within a run,
// runs of lengths that are not multiples of eight, keys with the top bit
// set (the key schedule's additions carry), and enough counters for the
// words to reach both conversions' edges (top bit set and clear).
TEST(RandomStream, PhiloxLanesEqualRandom123) {
  struct Case {
    std::uint64_t first, c1, c2, c3, k0, k1;
    int lanes;
  };
  const Case cases[] = {{0, 2, 0, 0, 20260101, 0, 4096},
                        {~std::uint64_t(0) - 20, 1, 7, 0, 5, 3, 45},
                        {12345, 0, ~std::uint64_t(0), 1, ~std::uint64_t(0),
                         std::uint64_t(1) << 63, 1000},
                        {1, 2, 3, 4, 5, 6, 3}};
  r123::Philox4x64 philox;
  for (bool vectorise : {false, true}) {
    if (vectorise && !philox_uniforms_vectorised()) continue;
    for (const Case& c : cases) {
      const std::size_t n = std::size_t(c.lanes);
      std::vector<double> x0(n), y0(n), x1(n), y1(n);
      philox_uniforms(c.first, c.c1, c.c2, c.c3, {{c.k0, c.k1}}, c.lanes,
                      {x0.data(), y0.data(), x1.data(), y1.data()}, vectorise);
      int mismatches = 0;
      for (std::size_t lane = 0; lane < n; ++lane) {
        const auto w =
            philox({{c.first + lane, c.c1, c.c2, c.c3}}, {{c.k0, c.k1}});
        const double want[4] = {
            r123::uneg11<double>(w[0]), r123::u01<double>(w[1]),
            r123::uneg11<double>(w[2]), r123::u01<double>(w[3])};
        const double got[4] = {x0[lane], y0[lane], x1[lane], y1[lane]};
        mismatches += std::memcmp(got, want, sizeof got) != 0;
      }
      EXPECT_EQ(mismatches, 0)
          << (vectorise ? "vector" : "scalar") << " path, counter " << c.first
          << ", " << c.lanes << " lanes";
    }
  }
}

}  // namespace
}  // namespace growthcast::montecarlo

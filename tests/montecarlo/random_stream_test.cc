// The branch-free uniform conversion against Random123's u01: the streams
// (and so every published result) must not change with the code that
// computes them.
#include "montecarlo/random_stream.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>

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

}  // namespace
}  // namespace growthcast::montecarlo

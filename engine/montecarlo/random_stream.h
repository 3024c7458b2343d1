// Counter-based random numbers: every number a draw uses is a pure function
// of (stream version, seed, scenario, draw, stream, position), so a result
// is bit-identical for any number of threads, processes or shards
// (docs/architecture.md, "Determinism"). Version 1: Random123's
// Philox4x64-10 and Box-Muller in double (glibc's log, sin, cos); version 2
// (the default): Philox4x32-10 and Box-Muller in float (float_normals.h).
#pragma once

#include <Random123/philox.h>

#include <Random123/boxmuller.hpp>
#include <Random123/uniform.hpp>
#include <bit>
#include <cstdint>

#include "montecarlo/float_normals.h"
#include "montecarlo/stream_version.h"

namespace growthcast::montecarlo {

// Independent streams within one draw, so that switching one source of
// uncertainty on or off leaves the others' numbers unchanged. Normal j of
// a stream is RandomStream's j-th normal:
//   parameters           attempt a uses a * F4 .. a * F4 + F - 1
//   drivers              the uncertain ramp targets
//   shocks               e_i,t of region i, projection year h: h * N + i
//   common_shocks        e_t of projection year h: h
//   trend_shocks         h_i,t of region i, projection year h: h * N + i
//   common_trend_shocks  h_t of projection year h: h
enum class Stream : std::uint64_t {
  parameters = 0,
  drivers = 1,
  shocks = 2,
  common_shocks = 3,
  trend_shocks = 4,
  common_trend_shocks = 5
};

// r123::u01<double>(w), bit for bit, without a branch: converting an
// unsigned 64-bit integer to double compiles to a branch on its top bit,
// which for random words mispredicts half the time. Same correctly rounded
// conversion (halve with a sticky bit, convert, double), chosen by a mask.
inline double u01_branchless(std::uint64_t w) {
  const double low = double(static_cast<std::int64_t>(w));  // top bit clear
  const double high =
      double(static_cast<std::int64_t>((w >> 1) | (w & 1))) * 2.0;
  const std::uint64_t use_high =
      static_cast<std::uint64_t>(static_cast<std::int64_t>(w) >> 63);
  const double converted =
      std::bit_cast<double>((std::bit_cast<std::uint64_t>(high) & use_high) |
                            (std::bit_cast<std::uint64_t>(low) & ~use_high));
  constexpr double kFactor = 1.0 / 18446744073709551616.0;  // 2^-64
  return converted * kFactor + 0.5 * kFactor;
}

// Version 2's Philox4x32 key and counter: key (seed's low and high 32
// bits), counter (draw, scenario, stream, call). Draws are at most 10^9
// (scenario.h) and sweeps at most 10,000 points, so the draw and the
// scenario index fit 32 bits.
inline r123::Philox4x32::key_type philox32_key(std::uint64_t seed) {
  return {{std::uint32_t(seed), std::uint32_t(seed >> 32)}};
}

class RandomStream {
 public:
  RandomStream(std::uint64_t seed, std::uint64_t scenario, std::uint64_t draw,
               Stream stream, StreamVersion version = kDefaultStreamVersion)
      : version_(version),
        key_{{seed, scenario}},
        counter_{{draw, static_cast<std::uint64_t>(stream), 0, 0}},
        key32_(philox32_key(seed)),
        counter32_{{std::uint32_t(draw), std::uint32_t(scenario),
                    static_cast<std::uint32_t>(stream), 0}} {}

  // Standard normal (Box-Muller on two words).
  double normal() {
    if (next_ == 4) refill();
    return normals_[next_++];
  }

  // Uniform on (0, 1): Random123's u01 of a 64-bit word (version 2: the
  // call's first two 32-bit words, high then low).
  double uniform() {
    if (version_ != StreamVersion::v1) {
      const auto words = generator32_(counter32_, key32_);
      ++counter32_[3];
      return u01_branchless((std::uint64_t(words[0]) << 32) | words[1]);
    }
    const auto words = generator_(counter_, key_);
    ++counter_[2];
    return u01_branchless(words[0]);
  }

 private:
  using Philox = r123::Philox4x64;
  void refill() {
    next_ = 0;
    if (version_ != StreamVersion::v1) {
      const auto w = generator32_(counter32_, key32_);
      ++counter32_[3];
      const float_normals::Four z =
          float_normals::box_muller(w[0], w[1], w[2], w[3]);
      normals_[0] = z.z0;
      normals_[1] = z.z1;
      normals_[2] = z.z2;
      normals_[3] = z.z3;
      return;
    }
    const Philox::ctr_type words = generator_(counter_, key_);
    ++counter_[2];
    const r123::double2 a = r123::boxmuller(words[0], words[1]);
    const r123::double2 b = r123::boxmuller(words[2], words[3]);
    normals_[0] = a.x;
    normals_[1] = a.y;
    normals_[2] = b.x;
    normals_[3] = b.y;
  }

  StreamVersion version_;
  Philox generator_;
  Philox::key_type key_;
  Philox::ctr_type counter_;
  r123::Philox4x32 generator32_;
  r123::Philox4x32::key_type key32_;
  r123::Philox4x32::ctr_type counter32_;
  double normals_[4] = {0, 0, 0, 0};
  int next_ = 4;
};

}  // namespace growthcast::montecarlo

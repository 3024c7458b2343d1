// Four doubles in one AVX register (GCC vector extension; on targets
// without AVX the compiler splits it), loaded and stored from any address.
// The explicit SIMD code (moments, quantile selection, the paths
// transpose) uses these so that its lane arithmetic is written once.
#pragma once

#include <cstdint>
#include <cstring>

namespace growthcast {

using Lanes = double __attribute__((vector_size(32)));
using LaneMask = std::int64_t __attribute__((vector_size(32)));

inline Lanes load_lanes(const double* p) {
  Lanes v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

inline void store_lanes(double* p, Lanes v) { std::memcpy(p, &v, sizeof v); }

inline Lanes broadcast_lanes(double x) { return Lanes{x, x, x, x}; }

}  // namespace growthcast

// Quantiles of many draws per cell. Exact (type 7, as numpy's default)
// where all draws fit in memory; otherwise a streaming histogram whose
// result is certified to rank error 0.001 against the exact quantiles of
// the same draws, with an exact second look at any slot that cannot be
// certified.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>
#endif

namespace growthcast::montecarlo {

inline const std::vector<double> kQuantileLevels = {0.05, 0.10, 0.25, 0.50,
                                                    0.75, 0.90, 0.95};
inline constexpr double kStreamingRankError = 0.001;

// Type-7 quantiles of values[0..n) at each of `levels` (the values are
// only read): the order statistics needed are found by bucket selection
// (quantiles.cc). NaN if n == 0.
void exact_quantiles(const double* values, std::int64_t n,
                     const std::vector<double>& levels, double* out);

// A two-level histogram per cell, fixed by a pilot of the first draws:
// kCoarseBins equal-width coarse bins between the pilot's 1% and 99%
// quantiles widened by a quarter of that range on each side, plus an
// underflow and an overflow bin; the coarse bins around each pilot quantile
// of kQuantileLevels (five pilot standard errors either side) are split
// into equal-width fine bins, as many as make each hold about
// kTargetSlotMass of the draws. The counted units ("slots") are the
// unsplit coarse bins and the fine bins, numbered in value order, so a
// cell's counts are a few hundred integers that stay in cache.
class StreamingHistogram {
 public:
  static constexpr int kCoarseBins = 128;
  static constexpr double kTargetSlotMass = 0.0005;
  static constexpr int kMaxFine = 1024;

  // The pilot quantile levels the histogram is placed by.
  static std::vector<double> pilot_levels(std::int64_t pilot_draws);

  // `pilot` is [cell][pilot_draws] in any order; `pilot_quantiles` is
  // [cell][pilot_levels().size()], the pilot's exact_quantiles at
  // pilot_levels().
  StreamingHistogram(int cells, std::span<const double> pilot,
                     std::int64_t pilot_draws,
                     const std::vector<double>& pilot_quantiles);

  int cells() const { return cells_; }
  int slots(int cell) const {
    return int(offset_[std::size_t(cell) + 1] - offset_[std::size_t(cell)]);
  }
  // Where a cell's slots start in the counts of all cells.
  std::size_t offset(int cell) const { return offset_[std::size_t(cell)]; }
  std::size_t total_slots() const { return offset_.back(); }

  // Slot of a value in a cell: 0 underflow, slots(cell) - 1 overflow; NaN
  // counts as underflow.
  int slot(int cell, double value) const {
    const double x = position(cell, value);
    return slot_at(affine_[std::size_t(cell) * kTableSize + std::size_t(x)], x);
  }
  // Counts the values of one cell; `counts` holds all cells' slots (16-bit
  // counters keep them in cache; the caller flushes them before they can
  // overflow). Slots are computed for a run of values before they are
  // counted, four at a time where AVX2 allows (slots_avx2), else by slot();
  // either way the same as slot(), so the exact second look finds every
  // value where it was counted.
  template <class Count>
  void add(Count* counts, int cell, const double* values, int n) const {
    Count* c = counts + offset(cell);
    constexpr int kRun = 64;
    std::int32_t run[kRun];
    for (int first = 0; first < n; first += kRun) {
      const int m = n - first < kRun ? n - first : kRun;
      int i = 0;
#if defined(__AVX2__) && defined(__FMA__)
      i = slots_avx2(cell, values + first, m, run);
#endif
      for (; i < m; ++i) run[i] = slot(cell, values[first + i]);
      for (i = 0; i < m; ++i) ++c[run[i]];
    }
  }
  double slot_low(int cell, int slot) const {  // -inf for the underflow
    return slot_edge(cell, slot, 0);
  }
  double slot_high(int cell, int slot) const {  // +inf for the overflow
    return slot_edge(cell, slot, 1);
  }

  std::vector<std::uint32_t> make_counts() const {
    return std::vector<std::uint32_t>(total_slots(), 0);
  }

 private:
  static constexpr int kTableSize = kCoarseBins + 2;
  // Slot of x (in coarse-bin units) within coarse bin c: base + fine *
  // (x - c), as one multiply-add: scale = fine (the bin's slots, 1 when
  // not split), shift = base - c * fine (base: the bin's first slot).
  // At a bin's upper edge rounding may give the next bin's first slot,
  // which begins there.
  // Stored as float (both are integers below 2^24, so exactly) to halve
  // the table: with two threads, tables and counts compete for L3.
  struct Affine {
    float scale, shift;
  };
  // A value's position in coarse-bin units, in [0, kCoarseBins + 1.5]:
  // coarse bin int(position) (0 the underflow, kCoarseBins + 1 the
  // overflow).
  double position(int cell, double value) const {
    double x =
        (value - low_[std::size_t(cell)]) * inv_width_[std::size_t(cell)] + 1.0;
    x = x > 0.0 ? x : 0.0;
    return x < kCoarseBins + 1.5 ? x : kCoarseBins + 1.5;
  }
  static int slot_at(const Affine& bin, double x) {
    return int(x * double(bin.scale) + double(bin.shift));
  }
#if defined(__AVX2__) && defined(__FMA__)
  // position() and slot_at() four values at a time, with the same
  // operations (GCC contracts both multiply-adds to FMA, as here; max/min
  // send NaN to 0 as position() does), so every slot equals slot()'s.
  // The table entries come in by one gather. Returns the values done.
  int slots_avx2(int cell, const double* values, int n,
                 std::int32_t* out) const {
    const Affine* table = affine_.data() + std::size_t(cell) * kTableSize;
    const __m256d low = _mm256_set1_pd(low_[std::size_t(cell)]);
    const __m256d inv = _mm256_set1_pd(inv_width_[std::size_t(cell)]);
    const __m256d one = _mm256_set1_pd(1.0), zero = _mm256_setzero_pd();
    const __m256d top = _mm256_set1_pd(kCoarseBins + 1.5);
    // {scale, shift} pairs to four scales then four shifts.
    const __m256i split = _mm256_setr_epi32(0, 2, 4, 6, 1, 3, 5, 7);
    static_assert(sizeof(Affine) == sizeof(long long));
    const auto* entries = reinterpret_cast<const long long*>(table);
    int i = 0;
    for (; i + 4 <= n; i += 4) {
      __m256d x = _mm256_fmadd_pd(
          _mm256_sub_pd(_mm256_loadu_pd(values + i), low), inv, one);
      x = _mm256_min_pd(_mm256_max_pd(x, zero), top);
      const __m128i bin = _mm256_cvttpd_epi32(x);
      const __m256 pairs = _mm256_castsi256_ps(_mm256_permutevar8x32_epi32(
          _mm256_i32gather_epi64(entries, bin, 8), split));
      const __m256d scale = _mm256_cvtps_pd(_mm256_castps256_ps128(pairs));
      const __m256d shift = _mm256_cvtps_pd(_mm256_extractf128_ps(pairs, 1));
      _mm_storeu_si128(reinterpret_cast<__m128i*>(out + i),
                       _mm256_cvttpd_epi32(_mm256_fmadd_pd(x, scale, shift)));
    }
    return i;
  }
#endif
  // The lower (upper = 0) or upper (upper = 1) edge of a slot.
  double slot_edge(int cell, int slot, int upper) const;
  int cells_;
  std::vector<double> low_, width_, inv_width_;
  std::vector<Affine> affine_;       // [cell][kTableSize]
  std::vector<std::size_t> offset_;  // [cells + 1]
};

// Where a quantile falls in a cell's counts, and whether the slot's value
// range is certain to lie within rank error kStreamingRankError.
struct BinLocation {
  int bin = 0;
  std::int64_t below = 0;  // values in lower slots
  std::int64_t in_bin = 0;
  bool certified = false;
};
BinLocation locate(const std::uint32_t* cell_counts, int slots,
                   std::int64_t draws, double q);

// The estimate inside a certified slot: linear in rank across the slot.
double interpolate_in_bin(const StreamingHistogram& h, int cell,
                          const BinLocation& at, std::int64_t draws, double q);

// The exact type-7 quantile from a slot's sorted values (and the next
// non-empty slot's) and the count below.
double exact_from_bin(const std::vector<double>& sorted_bin_values,
                      const BinLocation& at, std::int64_t draws, double q);

}  // namespace growthcast::montecarlo

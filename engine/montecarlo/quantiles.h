// Quantiles of many draws per cell. Exact (type 7, as numpy's default)
// where all draws fit in memory; otherwise a streaming histogram whose
// result is certified to rank error 0.001 against the exact quantiles of
// the same draws, with an exact second look at any slot that cannot be
// certified.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "common/avx512.h"
#include "common/lanes.h"

namespace growthcast::montecarlo {

inline const std::vector<double> kQuantileLevels = {0.05, 0.10, 0.25, 0.50,
                                                    0.75, 0.90, 0.95};
inline constexpr double kStreamingRankError = 0.001;

// Type-7 quantiles of values[0..n) at each of `levels` (the values are
// only read): the order statistics needed are found by bucket selection
// (quantiles.cc). NaN if n == 0.
void exact_quantiles(const double* values, std::int64_t n,
                     const std::vector<double>& levels, double* out);

// One cell's moments over a row of values (the draws of a block): the sum
// and sum of squares of their deviations from `centre`, added to `sum` and
// `sum_squares`, and the range [low, high] widened to them.
struct RowMoments {
  double centre = 0.0;
  double sum = 0.0, sum_squares = 0.0;
  double low = 0.0, high = 0.0;
};

// A row's moments in sixteen partial sums and ranges (value d of the row
// in position d mod 16; a last d < 16 in position 0, one after another),
// combined in one fixed order by finish(): every way of computing them
// gives the same bits, whatever the vector width.
struct PartialMoments {
  alignas(64) double sum[16], sum_squares[16], low[16], high[16];

  void add_tail(const double* v, int count, double centre) {
    for (int d = 0; d < count; ++d) {
      const double x = v[d], dev = x - centre;
      sum[0] += dev;
      sum_squares[0] += dev * dev;
      low[0] = x < low[0] ? x : low[0];
      high[0] = x > high[0] ? x : high[0];
    }
  }
  void finish(RowMoments& m) const {
    double s[4], q[4], lo[4], hi[4];
    for (int j = 0; j < 4; ++j) {
      s[j] = (sum[j] + sum[4 + j]) + (sum[8 + j] + sum[12 + j]);
      q[j] = (sum_squares[j] + sum_squares[4 + j]) +
             (sum_squares[8 + j] + sum_squares[12 + j]);
      lo[j] = std::min(std::min(low[j], low[4 + j]),
                       std::min(low[8 + j], low[12 + j]));
      hi[j] = std::max(std::max(high[j], high[4 + j]),
                       std::max(high[8 + j], high[12 + j]));
    }
    m.sum += (s[0] + s[1]) + (s[2] + s[3]);
    m.sum_squares += (q[0] + q[1]) + (q[2] + q[3]);
    m.low = std::min(std::min(lo[0], lo[1]), std::min(lo[2], lo[3]));
    m.high = std::max(std::max(hi[0], hi[1]), std::max(hi[2], hi[3]));
  }
};

// RowMoments of v[0..count), four lanes at a time.
inline void accumulate_moments(const double* v, int count, RowMoments& m) {
  constexpr int kRegisters = 4;
  Lanes s[kRegisters] = {}, q[kRegisters] = {};
  Lanes lo[kRegisters], hi[kRegisters];
  for (int k = 0; k < kRegisters; ++k) {
    lo[k] = broadcast_lanes(m.low);
    hi[k] = broadcast_lanes(m.high);
  }
  const Lanes centre = broadcast_lanes(m.centre);
  int d = 0;
  for (; d + 4 * kRegisters <= count; d += 4 * kRegisters)
    for (int k = 0; k < kRegisters; ++k) {
      const Lanes x = load_lanes(v + d + 4 * k);
      const Lanes dev = x - centre;
      s[k] += dev;
      q[k] += dev * dev;
      lo[k] = x < lo[k] ? x : lo[k];
      hi[k] = x > hi[k] ? x : hi[k];
    }
  PartialMoments p;
  for (int k = 0; k < kRegisters; ++k) {
    store_lanes(p.sum + 4 * k, s[k]);
    store_lanes(p.sum_squares + 4 * k, q[k]);
    store_lanes(p.low + 4 * k, lo[k]);
    store_lanes(p.high + 4 * k, hi[k]);
  }
  p.add_tail(v + d, count - d, m.centre);
  p.finish(m);
}

// A two-level histogram per cell, fixed by a pilot of the first draws:
// kCoarseBins equal-width coarse bins spanning the pilot's windows around
// each quantile of kQuantileLevels (five pilot standard errors either
// side; one spare bin at each end), plus an underflow and an overflow bin;
// the coarse bins a window touches are split into equal-width fine bins,
// as many as make each hold about kTargetSlotMass of the draws. The
// counted units ("slots") are the unsplit coarse bins and the fine bins,
// numbered in value order. Values outside the windows need no resolution:
// a quantile is only ever certified inside one.
//
// A value's slot is computed in float from its deviation from the cell's
// centre (the deviation itself in double, shared with the moments): half
// the vector work of double, and float resolves a position to 2^-19 of a
// coarse bin, well inside a fine slot (at most kMaxFine per coarse bin).
// slot() is the definition; the slot edges are found from it (the
// smallest value in each slot), so every value lies within its slot's
// edges exactly and a certified quantile is certified by the values'
// slots, not by a nominal grid.
//
// A cell's map from coarse bin to slots is 32 entries, small enough to be
// looked up eight or sixteen values at a time from registers (vpermps,
// vpermt2ps) rather than gathered from memory, which on this code's hot
// path cost a third of the counting time; with two threads, tables and
// counts also compete for L3.
class StreamingHistogram {
 public:
  static constexpr int kCoarseBins = 30;
  static constexpr double kTargetSlotMass = 0.0005;
  static constexpr int kMaxFine = 4096;

  // The pilot quantile levels the histogram is placed by: each window's
  // lower and upper level, in the order of kQuantileLevels.
  static std::vector<double> pilot_levels(std::int64_t pilot_draws);

  // Cell by cell: place() every cell (from any threads, each cell once)
  // with its pilot values (in any order), their exact_quantiles at
  // pilot_levels() and a centre (a value near the cell's draws, such as
  // the pilot's mean), then finish_placing() once before any other use.
  explicit StreamingHistogram(int cells);
  void place(int cell, const double* pilot, std::int64_t pilot_draws,
             const double* pilot_quantiles, double centre);
  // Lays the cells' slots out in the counts of all cells in `count_order`
  // (a permutation of 0 .. cells - 1; empty: cell order). The order the
  // caller counts cells in makes the next cell's counts follow the
  // current's in memory, where the hardware prefetcher streams them.
  void finish_placing(const std::vector<int>& count_order = {});

  int cells() const { return cells_; }
  int slots(int cell) const { return int(slots_[std::size_t(cell)]); }
  // Where a cell's slots start in the counts of all cells.
  std::size_t offset(int cell) const { return offset_[std::size_t(cell)]; }
  std::size_t total_slots() const { return total_slots_; }
  // The value deviations are taken from, and moments are taken about.
  double centre(int cell) const { return centre_[std::size_t(cell)]; }

  // Slot of a value in a cell: 0 underflow, slots(cell) - 1 overflow; NaN
  // counts as underflow. Non-decreasing in the value.
  int slot(int cell, double value) const {
    const float x = position(cell, value);
    const Table& t = tables_[std::size_t(cell)];
    const auto bin = std::size_t(x);
    return int(multiply_add(x, t.scale[bin], t.shift[bin]));
  }
  // The ways of computing slots: one value at a time (slot()), eight at a
  // time with AVX2 (builds for it), sixteen at a time with AVX-512 (CPUs
  // that have it). All give slot()'s slot for every value.
  enum class Path { scalar, avx2, avx512 };
  // Whether this build and CPU can take `path`; the fastest is used.
  static bool available(Path path);

  // Counts the values of one cell; `counts` holds all cells' slots (16-bit
  // counters keep them in cache; the caller flushes them before they can
  // overflow). Slots are computed for a run of values before they are
  // counted, by the fastest path available, so that the exact second look
  // (slot()) finds every value where it was counted. Meanwhile the table
  // and counts of `next_cell` (when >= 0), the cell the caller counts
  // next, are brought into cache, and the values' moments about
  // centre(cell) are added to `moments` (when given; its centre is set to
  // centre(cell); the same bits as accumulate_moments()).
  template <class Count>
  void add(Count* counts, int cell, const double* values, int n,
           int next_cell = -1, RowMoments* moments = nullptr) const {
    add_using(path_, counts, cell, values, n, next_cell, moments);
  }
  // add() by a given path (tests compare the paths); `path` must be
  // available().
  template <class Count>
  void add_using(Path path, Count* counts, int cell, const double* values,
                 int n, int next_cell = -1,
                 RowMoments* moments = nullptr) const {
    if (moments) moments->centre = centre(cell);
#ifdef GROWTHCAST_AVX512
    if (path == Path::avx512) {
      if (moments)
        return add_avx512<true>(counts, cell, values, n, next_cell, moments);
      return add_avx512<false>(counts, cell, values, n, next_cell, nullptr);
    }
#endif
    if (moments) accumulate_moments(values, n, *moments);
    const auto cell_first = std::uint32_t(offset(cell));
    Prefetcher next(*this, counts, next_cell, n);
    std::uint32_t run[kRun];
    for (int first = 0; first < n; first += kRun) {
      next.step();
      const int m = n - first < kRun ? n - first : kRun;
      int i = 0;
#if defined(__AVX2__) && defined(__FMA__)
      if (path == Path::avx2) i = slots_avx2(cell, values + first, m, run);
#endif
      for (; i < m; ++i)
        run[i] = cell_first + std::uint32_t(slot(cell, values[first + i]));
      count_run(counts, run, m);
    }
  }
  // The values of a slot are those in [slot_low, slot_high): the smallest
  // value whose slot is `slot` or above, and the smallest whose slot is
  // above (by bisection over the doubles, with slot() itself).
  double slot_low(int cell, int slot) const {  // -inf for the underflow
    return smallest_value_from(cell, slot);
  }
  double slot_high(int cell, int slot) const {  // +inf for the overflow
    return smallest_value_from(cell, slot + 1);
  }

  std::vector<std::uint32_t> make_counts() const {
    return std::vector<std::uint32_t>(total_slots(), 0);
  }

 private:
  static constexpr int kRun = 64;  // values whose slots are made together
  // One more in the count of each slot of a run, given as indices into
  // the counts of all cells. Unrolled, and the indices unsigned and
  // already offset by the cell's first slot, so that each is one load and
  // one add to memory: the loop's counter, the compare, the sign extension
  // and the offset were more than half of its instructions.
  template <class Count>
  [[gnu::always_inline]] static void count_run(Count* counts,
                                               const std::uint32_t* run,
                                               int m) {
#pragma GCC unroll 8
    for (int i = 0; i < m; ++i) ++counts[run[i]];
  }
  static constexpr int kTableSize = kCoarseBins + 2;
  static_assert(kTableSize == 32, "slots_avx2 looks up 32 entries");

  // Brings a cell's table and counts into cache while the cell before it
  // is counted: the table at once, the counts' cache lines a share at
  // every run of values. Asking for all of a cell's lines at once (about
  // thirty) filled the core's miss buffers, and the prefetch instructions
  // themselves then stalled: a twentieth of the run's time. Always
  // inlined: GCC takes a function of nothing but prefetches for one
  // without effects and drops the call.
  class Prefetcher {
   public:
    template <class Count>
    [[gnu::always_inline]] Prefetcher(const StreamingHistogram& h,
                                      const Count* counts, int cell,
                                      int values) {
      if (cell < 0) return;
      const char* table =
          reinterpret_cast<const char*>(&h.tables_[std::size_t(cell)]);
      for (std::size_t b = 0; b < sizeof(Table); b += 64)
        __builtin_prefetch(table + b);
      counts_ = reinterpret_cast<const char*>(counts + h.offset(cell));
      lines_ = (std::size_t(h.slots(cell)) * sizeof(Count) + 63) / 64;
      const auto runs = std::size_t((values + kRun - 1) / kRun);
      per_run_ = runs > 0 ? (lines_ + runs - 1) / runs : 0;
    }
    [[gnu::always_inline]] void step() {
      const std::size_t end = std::min(lines_, line_ + per_run_);
      for (; line_ < end; ++line_) __builtin_prefetch(counts_ + 64 * line_, 1);
    }

   private:
    const char* counts_ = nullptr;
    std::size_t lines_ = 0, per_run_ = 0, line_ = 0;
  };
  // Slot of x (in coarse-bin units) within coarse bin c: base + fine *
  // (x - c), as one multiply-add: scale = fine (the bin's slots, 1 when
  // not split), shift = base - c * fine (base: the bin's first slot).
  // At a bin's upper edge rounding may give the next bin's first slot,
  // which begins there. Both are integers below 2^24, so exact in float;
  // each column is two AVX-512 or four AVX registers.
  struct alignas(64) Table {
    float scale[kTableSize];
    float shift[kTableSize];
  };
  static constexpr float kTop = kCoarseBins + 1.5f;
  // a * b + c rounded once where the vector paths use FMA, so that slot()
  // gives their slot whatever the compiler contracts: GCC contracts the
  // expression at -O2 but not at -O1, where the sanitizer build's test
  // found the paths apart at slot edges.
  static float multiply_add(float a, float b, float c) {
#if defined(__FMA__)
    return std::fma(a, b, c);
#else
    return a * b + c;
#endif
  }
  // A value's position in coarse-bin units, in [0, kCoarseBins + 1.5]:
  // coarse bin int(position) (0 the underflow, kCoarseBins + 1 the
  // overflow). The deviation from the centre is rounded to float (to
  // infinity beyond float's range, which the clamp takes as any far value).
  float position(int cell, double value) const {
    const std::size_t c = std::size_t(cell);
    const auto deviation = float(value - centre_[c]);
    float x = multiply_add(deviation, inv_width_[c], origin_[c]);
    x = x > 0.0f ? x : 0.0f;
    return x < kTop ? x : kTop;
  }
#if defined(__AVX2__) && defined(__FMA__)
  // position() and the slot eight values at a time, with the same
  // operations (the multiply-adds one FMA, as multiply_add(); max/min send
  // NaN to 0 as position() does), so every slot equals slot()'s. The
  // table entries are picked from its four 8-entry quarters by vpermps
  // and two blends on the bin's bits 3 and 4. Writes each slot as its
  // index into the counts of all cells (offset(cell) + slot); returns the
  // values done.
  int slots_avx2(int cell, const double* values, int n,
                 std::uint32_t* out) const {
    const std::size_t ci = std::size_t(cell);
    const Table& t = tables_[ci];
    const __m256d centre = _mm256_set1_pd(centre_[ci]);
    const __m256 inv = _mm256_set1_ps(inv_width_[ci]);
    const __m256 origin = _mm256_set1_ps(origin_[ci]);
    const __m256 zero = _mm256_setzero_ps(), top = _mm256_set1_ps(kTop);
    const __m256i first = _mm256_set1_epi32(int(offset_[ci]));
    const __m256 s0 = _mm256_load_ps(t.scale), s1 = _mm256_load_ps(t.scale + 8),
                 s2 = _mm256_load_ps(t.scale + 16),
                 s3 = _mm256_load_ps(t.scale + 24);
    const __m256 h0 = _mm256_load_ps(t.shift), h1 = _mm256_load_ps(t.shift + 8),
                 h2 = _mm256_load_ps(t.shift + 16),
                 h3 = _mm256_load_ps(t.shift + 24);
    auto deviation = [&](const double* v) {
      return _mm256_cvtpd_ps(_mm256_sub_pd(_mm256_loadu_pd(v), centre));
    };
    int i = 0;
    for (; i + 8 <= n; i += 8) {
      const __m256 d =
          _mm256_set_m128(deviation(values + i + 4), deviation(values + i));
      const __m256 x = _mm256_min_ps(
          _mm256_max_ps(_mm256_fmadd_ps(d, inv, origin), zero), top);
      const __m256i bin = _mm256_cvttps_epi32(x);
      // The sign bits select: bit 3 of the bin between quarters 0/1 and
      // 2/3, bit 4 between the halves.
      const __m256 bit3 = _mm256_castsi256_ps(_mm256_slli_epi32(bin, 28));
      const __m256 bit4 = _mm256_castsi256_ps(_mm256_slli_epi32(bin, 27));
      auto pick = [&](__m256 q0, __m256 q1, __m256 q2, __m256 q3) {
        const __m256 lower =
            _mm256_blendv_ps(_mm256_permutevar8x32_ps(q0, bin),
                             _mm256_permutevar8x32_ps(q1, bin), bit3);
        const __m256 upper =
            _mm256_blendv_ps(_mm256_permutevar8x32_ps(q2, bin),
                             _mm256_permutevar8x32_ps(q3, bin), bit3);
        return _mm256_blendv_ps(lower, upper, bit4);
      };
      const __m256 slot =
          _mm256_fmadd_ps(x, pick(s0, s1, s2, s3), pick(h0, h1, h2, h3));
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + i),
                          _mm256_add_epi32(_mm256_cvttps_epi32(slot), first));
    }
    return i;
  }
#endif
#ifdef GROWTHCAST_AVX512
  GROWTHCAST_AVX512_BEGIN
  // The moments' sixteen partial sums and ranges: value d of the row in
  // lane d mod 8 of the first (d mod 16 < 8) or second register.
  struct MomentRegisters {
    __m512d sum[2], sum_squares[2], low[2], high[2];
  };
  // slots_avx2 sixteen values at a time: the same operations, and the
  // table entry of each value picked from the whole 32-entry column (two
  // 16-entry registers) by one vpermt2ps, where AVX2 needs four permutes
  // and three blends per column for eight values. The deviations are the
  // moments' too.
  template <bool kMoments>
  GROWTHCAST_TARGET_AVX512 int slots_avx512(int cell, const double* values,
                                            int n, std::uint32_t* out,
                                            MomentRegisters& acc) const {
    const std::size_t ci = std::size_t(cell);
    const Table& t = tables_[ci];
    const __m512d centre = _mm512_set1_pd(centre_[ci]);
    const __m512 inv = _mm512_set1_ps(inv_width_[ci]);
    const __m512 origin = _mm512_set1_ps(origin_[ci]);
    const __m512 zero = _mm512_setzero_ps(), top = _mm512_set1_ps(kTop);
    const __m512i first = _mm512_set1_epi32(int(offset_[ci]));
    const __m512 scale_lo = _mm512_load_ps(t.scale),
                 scale_hi = _mm512_load_ps(t.scale + 16);
    const __m512 shift_lo = _mm512_load_ps(t.shift),
                 shift_hi = _mm512_load_ps(t.shift + 16);
    // As accumulate_moments(): x < low ? x : low is vminpd(x, low).
    auto accumulate = [&](int k, __m512d x,
                          __m512d dev) GROWTHCAST_TARGET_AVX512 {
      acc.sum[k] = _mm512_add_pd(acc.sum[k], dev);
      acc.sum_squares[k] = _mm512_fmadd_pd(dev, dev, acc.sum_squares[k]);
      acc.low[k] = _mm512_min_pd(x, acc.low[k]);
      acc.high[k] = _mm512_max_pd(x, acc.high[k]);
    };
    int i = 0;
    for (; i + 16 <= n; i += 16) {
      const __m512d va = _mm512_loadu_pd(values + i),
                    vb = _mm512_loadu_pd(values + i + 8);
      const __m512d da = _mm512_sub_pd(va, centre),
                    db = _mm512_sub_pd(vb, centre);
      if constexpr (kMoments) {
        accumulate(0, va, da);
        accumulate(1, vb, db);
      }
      const __m512 d = _mm512_insertf32x8(
          _mm512_castps256_ps512(_mm512_cvtpd_ps(da)), _mm512_cvtpd_ps(db), 1);
      const __m512 x = _mm512_min_ps(
          _mm512_max_ps(_mm512_fmadd_ps(d, inv, origin), zero), top);
      const __m512i bin = _mm512_cvttps_epi32(x);
      const __m512 slot =
          _mm512_fmadd_ps(x, _mm512_permutex2var_ps(scale_lo, bin, scale_hi),
                          _mm512_permutex2var_ps(shift_lo, bin, shift_hi));
      _mm512_storeu_si512(out + i,
                          _mm512_add_epi32(_mm512_cvttps_epi32(slot), first));
    }
    return i;
  }
  // add() with slots_avx512, as one function compiled for AVX-512 (the
  // slot computation is then inlined into the counting loop).
  template <bool kMoments, class Count>
  GROWTHCAST_TARGET_AVX512 void add_avx512(Count* counts, int cell,
                                           const double* values, int n,
                                           int next_cell,
                                           RowMoments* moments) const {
    const auto cell_first = std::uint32_t(offset(cell));
    Prefetcher next(*this, counts, next_cell, n);
    MomentRegisters acc;
    if constexpr (kMoments) {
      for (int k = 0; k < 2; ++k) {
        acc.sum[k] = acc.sum_squares[k] = _mm512_setzero_pd();
        acc.low[k] = _mm512_set1_pd(moments->low);
        acc.high[k] = _mm512_set1_pd(moments->high);
      }
    }
    std::uint32_t run[kRun];
    int tail = n;  // where the values left to the partial moments' tail start
    for (int first = 0; first < n; first += kRun) {
      next.step();
      const int m = n - first < kRun ? n - first : kRun;
      int i = slots_avx512<kMoments>(cell, values + first, m, run, acc);
      if (i < m) tail = first + i;
      for (; i < m; ++i)
        run[i] = cell_first + std::uint32_t(slot(cell, values[first + i]));
      count_run(counts, run, m);
    }
    if constexpr (kMoments) {
      PartialMoments p;
      for (int k = 0; k < 2; ++k) {
        _mm512_store_pd(p.sum + 8 * k, acc.sum[k]);
        _mm512_store_pd(p.sum_squares + 8 * k, acc.sum_squares[k]);
        _mm512_store_pd(p.low + 8 * k, acc.low[k]);
        _mm512_store_pd(p.high + 8 * k, acc.high[k]);
      }
      p.add_tail(values + tail, n - tail, moments->centre);
      p.finish(*moments);
    }
  }
  GROWTHCAST_AVX512_END
#endif
  // The smallest value whose slot is `slot` or above (-inf for 0, +inf
  // beyond the last).
  double smallest_value_from(int cell, int slot) const;
  int cells_;
  std::vector<double> centre_;
  // position() = deviation * inv_width + origin: origin is the centre's
  // position.
  std::vector<float> inv_width_, origin_;
  std::vector<Table> tables_;                // [cell]
  std::vector<std::size_t> offset_, slots_;  // [cell]
  std::size_t total_slots_ = 0;
  Path path_ = Path::scalar;  // the fastest available()
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

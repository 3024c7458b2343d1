#include "montecarlo/quantiles.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <new>

#include "common/lanes.h"

namespace growthcast::montecarlo {
namespace {

// Puts the order statistics ranks[a..b) of v in place, within [begin, end).
void select_ranks(double* v, std::int64_t begin, std::int64_t end,
                  const std::vector<std::int64_t>& ranks, std::size_t a,
                  std::size_t b) {
  if (a >= b) return;
  const std::size_t mid = a + (b - a) / 2;
  const std::int64_t r = ranks[mid];
  std::nth_element(v + begin, v + r, v + end);
  select_ranks(v, begin, r, ranks, a, mid);
  select_ranks(v, r + 1, end, ranks, mid + 1, b);
}

// Order statistics ranks[0..k) (ascending, unique, < n) of v[0..n) into
// stats[0..k), by bucket selection: one pass finds the range, the next
// puts every value in one of kBuckets equal-width buckets between the
// minimum and the maximum and counts them, which tells the bucket of each
// rank; a last pass collects the values of those buckets, and the ranks
// are searched again among them the same way, until few enough are left
// for nth_element. The bucket index is a non-decreasing function of the
// value, so the collected values keep their order relative to each other
// and a rank among them is its rank in v less the values of the buckets
// left out below it. Every pass is branch-free, where nth_element's
// partitioning mispredicts about every other comparison on random data.
// Reads v only.
void select_by_buckets(const double* v, std::int64_t n,
                       const std::int64_t* ranks, std::size_t k, double* stats,
                       int depth) {
  constexpr std::int64_t kSmall = 256;
  constexpr int kBuckets = 2048, kMaxDepth = 6;
  auto by_selection = [&] {
    std::vector<double> copy(v, v + n);
    std::vector<std::int64_t> wanted(ranks, ranks + k);
    select_ranks(copy.data(), 0, n, wanted, 0, k);
    for (std::size_t i = 0; i < k; ++i) stats[i] = copy[std::size_t(ranks[i])];
  };
  if (n <= kSmall || depth >= kMaxDepth) return by_selection();
  // The range, four lanes at a time; NaN (x != x) has no rank.
  Lanes low4 = broadcast_lanes(v[0]), high4 = low4;
  LaneMask nan4 = {0, 0, 0, 0};
  std::int64_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const Lanes x = load_lanes(v + i);
    low4 = x < low4 ? x : low4;
    high4 = x > high4 ? x : high4;
    nan4 |= x != x;
  }
  double low = std::min(std::min(low4[0], low4[1]), std::min(low4[2], low4[3]));
  double high =
      std::max(std::max(high4[0], high4[1]), std::max(high4[2], high4[3]));
  bool nan = (nan4[0] | nan4[1] | nan4[2] | nan4[3]) != 0;
  for (; i < n; ++i) {
    low = std::min(low, v[i]);
    high = std::max(high, v[i]);
    nan = nan || v[i] != v[i];
  }
  if (nan) return by_selection();
  if (!(low < high)) {  // all equal
    for (std::size_t r = 0; r < k; ++r) stats[r] = low;
    return;
  }
  const double scale = double(kBuckets) / (high - low);
  if (!std::isfinite(scale) || !std::isfinite(high - low))
    return by_selection();  // a range too wide (or too narrow) for doubles
  // Bucket of every value (a loop the compiler vectorizes), then the counts.
  std::vector<std::uint16_t> bucket(static_cast<std::size_t>(n));
  for (std::int64_t j = 0; j < n; ++j) {
    const int b = int((v[j] - low) * scale);
    bucket[std::size_t(j)] = std::uint16_t(b < kBuckets - 1 ? b : kBuckets - 1);
  }
  std::uint32_t count[kBuckets] = {};
  for (std::int64_t j = 0; j < n; ++j) ++count[bucket[std::size_t(j)]];
  // The bucket of each rank, the values below it, and the values of the
  // wanted buckets below it.
  std::uint8_t wanted[kBuckets] = {};
  std::vector<std::int64_t> local(k);
  std::int64_t collected_total = 0;
  {
    std::int64_t below = 0, wanted_below = 0;
    int b = 0;
    for (std::size_t r = 0; r < k; ++r) {
      while (below + count[b] <= ranks[r]) {
        below += count[b];
        if (wanted[b]) wanted_below += count[b];
        ++b;
      }
      wanted[b] = 1;
      local[r] = wanted_below + (ranks[r] - below);
    }
    for (int c = 0; c < kBuckets; ++c)
      if (wanted[c]) collected_total += count[c];
  }
  // Collect them branch-free: every value is written, the position moves
  // on only for a wanted one (one slot of slack for the last write).
  std::vector<double> collected(std::size_t(collected_total) + 1);
  std::int64_t at = 0;
  for (std::int64_t j = 0; j < n; ++j) {
    collected[std::size_t(at)] = v[j];
    at += wanted[bucket[std::size_t(j)]];
  }
  select_by_buckets(collected.data(), collected_total, local.data(), k, stats,
                    depth + 1);
}

}  // namespace

void exact_quantiles(const double* v, std::int64_t n,
                     const std::vector<double>& levels, double* out) {
  if (n <= 0) {
    for (std::size_t k = 0; k < levels.size(); ++k)
      out[k] = std::numeric_limits<double>::quiet_NaN();
    return;
  }
  std::vector<std::int64_t> ranks;
  for (double q : levels) {
    const auto lo = std::int64_t(std::floor(double(n - 1) * q));
    ranks.push_back(lo);
    if (lo + 1 < n) ranks.push_back(lo + 1);
  }
  std::sort(ranks.begin(), ranks.end());
  ranks.erase(std::unique(ranks.begin(), ranks.end()), ranks.end());
  std::vector<double> stats(ranks.size());
  select_by_buckets(v, n, ranks.data(), ranks.size(), stats.data(), 0);
  auto stat = [&](std::int64_t rank) {
    return stats[std::size_t(
        std::lower_bound(ranks.begin(), ranks.end(), rank) - ranks.begin())];
  };
  for (std::size_t k = 0; k < levels.size(); ++k) {
    const double h = double(n - 1) * levels[k];
    const auto lo = std::int64_t(std::floor(h));
    const double x_lo = stat(lo);
    out[k] =
        lo + 1 < n ? x_lo + (h - double(lo)) * (stat(lo + 1) - x_lo) : x_lo;
  }
}

bool StreamingHistogram::available(Path path) {
  switch (path) {
    case Path::scalar:
      return true;
    case Path::avx2:
#if defined(__AVX2__) && defined(__FMA__)
      return true;
#else
      return false;
#endif
    case Path::avx512:
      return cpu_has_avx512();
  }
  return false;
}

std::vector<double> StreamingHistogram::pilot_levels(std::int64_t pilot_draws) {
  const double p = double(pilot_draws);
  std::vector<double> out;
  for (double q : kQuantileLevels) {
    const double delta = 5.0 * std::sqrt(q * (1.0 - q) / p) + 2.0 / p;
    out.push_back(std::max(0.0, q - delta));
    out.push_back(std::min(1.0, q + delta));
  }
  return out;
}

StreamingHistogram::StreamingHistogram(int cells)
    : cells_(cells),
      centre_(std::size_t(cells)),
      inv_width_(std::size_t(cells)),
      origin_(std::size_t(cells)),
      tables_(std::size_t(cells)),
      offset_(std::size_t(cells), 0),
      slots_(std::size_t(cells), 0) {
  for (Path fastest : {Path::avx512, Path::avx2})
    if (path_ == Path::scalar && available(fastest)) path_ = fastest;
}

void StreamingHistogram::place(int cell, const double* v,
                               std::int64_t pilot_draws, const double* at,
                               double centre) {
  constexpr int C = kCoarseBins;
  const double p = double(pilot_draws);
  // pilot_levels(): a lower and an upper level per quantile.
  const std::size_t levels = 2 * kQuantileLevels.size();
  const std::size_t ci = std::size_t(cell);
  // The coarse bins span the windows, with one spare bin at each end so
  // that a window's edges are inside.
  double lo = *std::min_element(at, at + levels);
  double span = *std::max_element(at, at + levels) - lo;
  if (!std::isfinite(lo) || !std::isfinite(span)) lo = 0.0, span = 1.0;
  if (!(span > 0.0))
    span = std::max(std::abs(lo), std::numeric_limits<double>::min()) * 1e-9;
  const double width = span / (C - 2);
  const double low = lo - width;  // where position() is 1
  centre_[ci] = centre;
  inv_width_[ci] = float(1.0 / width);
  origin_[ci] = float(1.0 + (centre - low) / width);
  // The coarse table without splits, to bin the pilot.
  Table& table = tables_[ci];
  for (int c = 0; c < kTableSize; ++c) {
    table.scale[c] = 1.0f;
    table.shift[c] = 0.0f;
  }
  std::int64_t pilot_count[kTableSize] = {};
  for (std::int64_t d = 0; d < pilot_draws; ++d)
    ++pilot_count[std::size_t(slot(cell, v[d]))];
  // Split the coarse bins each window touches.
  bool split[kTableSize] = {};
  for (std::size_t k = 0; k + 1 < levels; k += 2) {
    const int a = slot(cell, at[k]);
    const int b = slot(cell, at[k + 1]);
    for (int c = std::max(1, a); c <= std::min(C, b); ++c)
      split[std::size_t(c)] = true;
  }
  std::int32_t base = 0;
  for (int c = 0; c < kTableSize; ++c) {
    int fine = 1;
    if (split[std::size_t(c)]) {
      const double mass = double(pilot_count[std::size_t(c)] + 2) / p;
      fine = int(
          std::clamp(std::ceil(mass / kTargetSlotMass), 1.0, double(kMaxFine)));
    }
    table.scale[c] = float(fine);
    table.shift[c] = float(base - c * fine);
    base += fine;
  }
  slots_[ci] = std::size_t(base);
}

void StreamingHistogram::finish_placing(const std::vector<int>& count_order) {
  std::size_t next = 0;
  for (std::size_t k = 0; k < std::size_t(cells_); ++k) {
    const auto c = count_order.empty() ? k : std::size_t(count_order[k]);
    offset_[c] = next;
    next += slots_[c];
  }
  total_slots_ = next;
  // Counting indexes the slots of all cells with 32 bits. Beyond them,
  // each thread's counts alone would take 24 GB: out of memory either way.
  if (total_slots_ > std::numeric_limits<std::uint32_t>::max())
    throw std::bad_alloc();
}

double StreamingHistogram::smallest_value_from(int cell, int s) const {
  constexpr double kInf = std::numeric_limits<double>::infinity();
  if (s <= 0) return -kInf;
  if (s >= slots(cell)) return kInf;
  // The doubles in order as unsigned keys: negative ones bit-flipped,
  // positive ones with the sign bit set.
  constexpr std::uint64_t kSign = std::uint64_t(1) << 63;
  auto key = [](double x) {
    const auto b = std::bit_cast<std::uint64_t>(x);
    return (b & kSign) != 0 ? ~b : b | kSign;
  };
  auto value = [](std::uint64_t k) {
    return std::bit_cast<double>((k & kSign) != 0 ? k & ~kSign : ~k);
  };
  // slot() is non-decreasing: slot(-inf) = 0 < s <= slot(+inf).
  std::uint64_t below = key(-kInf), from = key(kInf);
  while (from - below > 1) {
    const std::uint64_t mid = below + (from - below) / 2;
    (slot(cell, value(mid)) >= s ? from : below) = mid;
  }
  return value(from);
}

BinLocation locate(const std::uint32_t* counts, int slots, std::int64_t draws,
                   double q) {
  // The type-7 quantile interpolates the order statistics at ranks
  // floor(h) and floor(h) + 1 (0-based), h = (N - 1) q.
  const double h = double(draws - 1) * q;
  const auto lo_rank = std::int64_t(std::floor(h));
  BinLocation at;
  std::int64_t below = 0;
  for (int b = 0; b < slots; ++b) {
    const std::int64_t c = counts[b];
    if (lo_rank < below + c) {
      at.bin = b;
      at.below = below;
      at.in_bin = c;
      break;
    }
    below += c;
  }
  // The estimate lies somewhere in the slot, so it is certified when every
  // value there is between the exact (q - e)- and (q + e)-quantiles: both
  // order statistics of the first lie in lower slots (ranks < below) and
  // both of the second in higher ones (ranks >= below + in_bin).
  const bool inner = at.bin != 0 && at.bin != slots - 1;
  const double e = kStreamingRankError * double(draws - 1);
  at.certified = inner && double(at.below) > h - e + 1.0 &&
                 double(at.below + at.in_bin) < h + e - 1.0;
  return at;
}

double interpolate_in_bin(const StreamingHistogram& hist, int cell,
                          const BinLocation& at, std::int64_t draws, double q) {
  const double h = double(draws - 1) * q;
  const double f = (h - double(at.below) + 0.5) / double(at.in_bin);
  const double lo = hist.slot_low(cell, at.bin),
               hi = hist.slot_high(cell, at.bin);
  return lo + std::clamp(f, 0.0, 1.0) * (hi - lo);
}

double exact_from_bin(const std::vector<double>& sorted, const BinLocation& at,
                      std::int64_t draws, double q) {
  const double h = double(draws - 1) * q;
  const auto lo_rank = std::int64_t(std::floor(h));
  const std::size_t i = std::size_t(lo_rank - at.below);
  const double x_lo = sorted[i];
  // `sorted` holds this slot's values and the next non-empty slot's, so
  // the next order statistic is there even when it lies in the next slot.
  const double x_hi = i + 1 < sorted.size() ? sorted[i + 1] : x_lo;
  return x_lo + (h - double(lo_rank)) * (x_hi - x_lo);
}

}  // namespace growthcast::montecarlo

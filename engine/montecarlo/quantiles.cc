#include "montecarlo/quantiles.h"

#include <algorithm>
#include <cmath>
#include <limits>

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

}  // namespace

namespace {

// Order statistics ranks[0..k) (ascending, unique, < n) of v[0..n) into
// stats[0..k), by bucket selection: one pass counts the values in kBuckets
// equal-width buckets between the minimum and the maximum, which tells the
// bucket of each rank; a second pass collects those buckets' values; each
// is searched again the same way, with its own range, until it is small
// enough for nth_element. A bucket's values all lie above the lower
// buckets' (the bucket index is a non-decreasing function of the value),
// so ranks carry over. Counting is branch-free, where nth_element's
// partitioning mispredicts about every other comparison on random data:
// about 5x faster on a cell of draws. Reads v only.
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
  double low = v[0], high = v[0];
  bool nan = false;
  for (std::int64_t i = 0; i < n; ++i) {
    low = v[i] < low ? v[i] : low;
    high = v[i] > high ? v[i] : high;
    nan = nan || v[i] != v[i];
  }
  if (nan) return by_selection();  // NaN has no rank
  if (!(low < high)) {             // all equal
    for (std::size_t i = 0; i < k; ++i) stats[i] = low;
    return;
  }
  const double scale = double(kBuckets) / (high - low);
  if (!std::isfinite(scale) || !std::isfinite(high - low))
    return by_selection();  // a range too wide (or too narrow) for doubles
  auto bucket = [&](double x) {
    const int b = int((x - low) * scale);
    return b < kBuckets - 1 ? b : kBuckets - 1;
  };
  std::vector<std::int64_t> count(kBuckets, 0);
  for (std::int64_t i = 0; i < n; ++i) ++count[std::size_t(bucket(v[i]))];
  // The bucket of each rank and the values below that bucket.
  std::vector<int> rank_bucket(k);
  std::vector<std::int64_t> below(k);
  {
    std::int64_t cumulative = 0;
    int b = 0;
    for (std::size_t i = 0; i < k; ++i) {
      while (cumulative + count[std::size_t(b)] <= ranks[i])
        cumulative += count[std::size_t(b++)];
      rank_bucket[i] = b;
      below[i] = cumulative;
    }
  }
  // Collect the wanted buckets' values (slot 0 of `which` means not wanted).
  std::vector<std::uint8_t> which(kBuckets, 0);
  std::vector<int> wanted_buckets;
  for (std::size_t i = 0; i < k; ++i)
    if (which[std::size_t(rank_bucket[i])] == 0) {
      wanted_buckets.push_back(rank_bucket[i]);
      which[std::size_t(rank_bucket[i])] = std::uint8_t(wanted_buckets.size());
    }
  if (wanted_buckets.size() > 250) return by_selection();
  std::vector<std::vector<double>> collected(wanted_buckets.size());
  for (std::size_t w = 0; w < wanted_buckets.size(); ++w)
    collected[w].reserve(std::size_t(count[std::size_t(wanted_buckets[w])]));
  for (std::int64_t i = 0; i < n; ++i) {
    const int slot = which[std::size_t(bucket(v[i]))];
    if (slot != 0) collected[std::size_t(slot - 1)].push_back(v[i]);
  }
  for (std::size_t w = 0; w < wanted_buckets.size(); ++w) {
    std::vector<std::int64_t> local;
    std::vector<std::size_t> index;
    for (std::size_t i = 0; i < k; ++i)
      if (rank_bucket[i] == wanted_buckets[w]) {
        local.push_back(ranks[i] - below[i]);
        index.push_back(i);
      }
    std::vector<double> found(local.size());
    select_by_buckets(collected[w].data(), std::int64_t(collected[w].size()),
                      local.data(), local.size(), found.data(), depth + 1);
    for (std::size_t j = 0; j < index.size(); ++j) stats[index[j]] = found[j];
  }
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

double sorted_quantile(const double* sorted, std::int64_t n, double q) {
  if (n <= 0) return std::numeric_limits<double>::quiet_NaN();
  const double h = double(n - 1) * q;
  const auto lo = std::int64_t(std::floor(h));
  const double x_lo = sorted[lo];
  if (lo + 1 >= n) return x_lo;
  return x_lo + (h - double(lo)) * (sorted[lo + 1] - x_lo);
}

std::vector<double> StreamingHistogram::pilot_levels(std::int64_t pilot_draws) {
  const double p = double(pilot_draws);
  std::vector<double> out = {0.01, 0.99};
  for (double q : kQuantileLevels) {
    const double delta = 5.0 * std::sqrt(q * (1.0 - q) / p) + 2.0 / p;
    out.push_back(std::max(0.0, q - delta));
    out.push_back(std::min(1.0, q + delta));
  }
  return out;
}

StreamingHistogram::StreamingHistogram(
    int cells, const std::vector<double>& pilot, std::int64_t pilot_draws,
    const std::vector<double>& pilot_quantiles)
    : cells_(cells),
      low_(std::size_t(cells)),
      width_(std::size_t(cells)),
      inv_width_(std::size_t(cells)),
      affine_(std::size_t(cells) * kTableSize),
      offset_(std::size_t(cells) + 1, 0) {
  constexpr int C = kCoarseBins;
  const double p = double(pilot_draws);
  std::vector<std::int64_t> pilot_count(kTableSize);
  std::vector<bool> split(kTableSize);
  const std::vector<double> levels = pilot_levels(pilot_draws);
  for (int cell = 0; cell < cells; ++cell) {
    const std::size_t ci = std::size_t(cell);
    const double* v = pilot.data() + ci * std::size_t(pilot_draws);
    const double* at = pilot_quantiles.data() + ci * levels.size();
    double lo = at[0];
    double span = at[1] - lo;
    if (!std::isfinite(lo) || !std::isfinite(span)) lo = 0.0, span = 1.0;
    if (!(span > 0.0))
      span = std::max(std::abs(lo), std::numeric_limits<double>::min()) * 1e-9;
    low_[ci] = lo - 0.25 * span;
    width_[ci] = 1.5 * span / C;
    inv_width_[ci] = 1.0 / width_[ci];
    // The coarse table without splits, to bin the pilot.
    Affine* affine = affine_.data() + ci * kTableSize;
    for (int c = 0; c < kTableSize; ++c) affine[c] = {1.0f, 0.0f};
    offset_[ci + 1] = offset_[ci] + kTableSize;
    std::fill(pilot_count.begin(), pilot_count.end(), 0);
    for (std::int64_t d = 0; d < pilot_draws; ++d)
      ++pilot_count[std::size_t(slot(cell, v[d]))];
    // Split the coarse bins near each pilot quantile.
    std::fill(split.begin(), split.end(), false);
    for (std::size_t k = 2; k + 1 < levels.size(); k += 2) {
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
        fine = int(std::clamp(std::ceil(mass / kTargetSlotMass), 1.0,
                              double(kMaxFine)));
      }
      affine[c] = {float(fine), float(base - c * fine)};
      base += fine;
    }
    offset_[ci + 1] = offset_[ci] + std::size_t(base);
  }
}

double StreamingHistogram::slot_edge(int cell, int s, int upper) const {
  const Affine* table = affine_.data() + std::size_t(cell) * kTableSize;
  // Coarse bin c's first slot and slot count, from its affine map.
  auto first = [&](int c) {
    return int(table[c].shift) + c * int(table[c].scale);
  };
  int c = 0;
  while (c + 1 < kTableSize && first(c + 1) <= s) ++c;
  if (upper == 0 && c == 0) return -std::numeric_limits<double>::infinity();
  if (upper == 1 && c == kTableSize - 1)
    return std::numeric_limits<double>::infinity();
  const double f = double(s - first(c) + upper) / double(table[c].scale);
  return low_[std::size_t(cell)] + width_[std::size_t(cell)] * (c - 1 + f);
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

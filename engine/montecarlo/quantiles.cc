#include "montecarlo/quantiles.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace growthcast::montecarlo {

double exact_quantile(std::vector<double>& values, double q) {
  if (values.empty()) return std::numeric_limits<double>::quiet_NaN();
  const double h = double(values.size() - 1) * q;
  const std::size_t lo = std::size_t(std::floor(h));
  std::nth_element(values.begin(), values.begin() + std::ptrdiff_t(lo),
                   values.end());
  const double x_lo = values[lo];
  if (lo + 1 >= values.size()) return x_lo;
  const double x_hi =
      *std::min_element(values.begin() + std::ptrdiff_t(lo) + 1, values.end());
  return x_lo + (h - double(lo)) * (x_hi - x_lo);
}

StreamingHistogram::StreamingHistogram(int cells,
                                       const std::vector<double>& pilot,
                                       std::int64_t pilot_draws)
    : cells_(cells), low_(std::size_t(cells)), width_(std::size_t(cells)) {
  for (int c = 0; c < cells; ++c) {
    const double* v = pilot.data() + std::size_t(c) * std::size_t(pilot_draws);
    const auto [mn, mx] = std::minmax_element(v, v + pilot_draws);
    const double margin = 0.05 * (*mx - *mn);
    low_[c] = *mn - margin;
    width_[c] = (*mx - *mn + 2 * margin) / kBins;
  }
}

int StreamingHistogram::bin(int cell, double value) const {
  const double w = width_[cell];
  if (w == 0.0)
    return value < low_[cell] ? 0 : (value > low_[cell] ? kBins + 1 : 1);
  const double x = (value - low_[cell]) / w;
  if (!(x >= 0.0)) return 0;
  if (x >= kBins) return kBins + 1;
  return 1 + int(x);
}

double StreamingHistogram::bin_low(int cell, int b) const {
  return low_[cell] + width_[cell] * double(b - 1);
}

double StreamingHistogram::bin_high(int cell, int b) const {
  return low_[cell] + width_[cell] * double(b);
}

std::vector<std::uint32_t> StreamingHistogram::make_counts() const {
  return std::vector<std::uint32_t>(std::size_t(cells_) * (kBins + 2), 0);
}

BinLocation locate(const std::uint32_t* counts, std::int64_t draws, double q) {
  // The type-7 quantile interpolates the order statistics at ranks
  // floor(h) and floor(h) + 1 (0-based), h = (N - 1) q.
  const double h = double(draws - 1) * q;
  const auto lo_rank = std::int64_t(std::floor(h));
  BinLocation at;
  std::int64_t below = 0;
  for (int b = 0; b < StreamingHistogram::kBins + 2; ++b) {
    const std::int64_t c = counts[b];
    if (lo_rank < below + c) {
      at.bin = b;
      at.below = below;
      at.in_bin = c;
      break;
    }
    below += c;
  }
  // The estimate lies somewhere in the bin, so it is certified when every
  // value there is between the exact (q - e)- and (q + e)-quantiles: both
  // order statistics of the first lie in lower bins (ranks < below) and
  // both of the second in higher ones (ranks >= below + in_bin).
  const bool inner = at.bin != 0 && at.bin != StreamingHistogram::kBins + 1;
  const double e = kStreamingRankError * double(draws - 1);
  at.certified = inner && double(at.below) > h - e + 1.0 &&
                 double(at.below + at.in_bin) < h + e - 1.0;
  return at;
}

double interpolate_in_bin(const StreamingHistogram& hist, int cell,
                          const BinLocation& at, std::int64_t draws, double q) {
  const double h = double(draws - 1) * q;
  const double f = (h - double(at.below) + 0.5) / double(at.in_bin);
  const double lo = hist.bin_low(cell, at.bin),
               hi = hist.bin_high(cell, at.bin);
  return lo + std::clamp(f, 0.0, 1.0) * (hi - lo);
}

double exact_from_bin(const std::vector<double>& sorted, const BinLocation& at,
                      std::int64_t draws, double q) {
  const double h = double(draws - 1) * q;
  const auto lo_rank = std::int64_t(std::floor(h));
  const std::size_t i = std::size_t(lo_rank - at.below);
  const double x_lo = sorted[i];
  // `sorted` holds this bin's values and the next bin's, so the next order
  // statistic is there even when it lies in the next bin.
  const double x_hi = i + 1 < sorted.size() ? sorted[i + 1] : x_lo;
  return x_lo + (h - double(lo_rank)) * (x_hi - x_lo);
}

}  // namespace growthcast::montecarlo

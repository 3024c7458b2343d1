// Quantiles of many draws per cell. Exact (type 7, as numpy's default)
// where all draws fit in memory; otherwise a streaming histogram whose
// result is certified to rank error 0.001 against the exact quantiles of
// the same draws, with an exact second look at any bin that cannot be
// certified.
#pragma once

#include <cstdint>
#include <vector>

namespace growthcast::montecarlo {

inline const std::vector<double> kQuantileLevels = {0.05, 0.10, 0.25, 0.50,
                                                    0.75, 0.90, 0.95};
inline constexpr double kStreamingRankError = 0.001;

// Type-7 quantile of `values` (reordered in place); NaN if empty.
double exact_quantile(std::vector<double>& values, double q);

// Per cell: equal-width bins between the pilot's range widened by 5% on
// each side, plus an underflow and an overflow bin.
class StreamingHistogram {
 public:
  static constexpr int kBins = 8192;

  // `pilot` is [cell][pilot_draws].
  StreamingHistogram(int cells, const std::vector<double>& pilot,
                     std::int64_t pilot_draws);

  int cells() const { return cells_; }
  // Bin of a value in a cell: 0 underflow, 1..kBins, kBins+1 overflow.
  int bin(int cell, double value) const;
  double bin_low(int cell, int bin) const;   // lower edge (bins 1..kBins)
  double bin_high(int cell, int bin) const;  // upper edge

  // Counts [cell][kBins + 2]; one array per thread, summed at the end (an
  // integer sum, so the order of threads does not matter).
  std::vector<std::uint32_t> make_counts() const;
  void add(std::vector<std::uint32_t>& counts, int cell, double value) const {
    ++counts[std::size_t(cell) * (kBins + 2) + std::size_t(bin(cell, value))];
  }

 private:
  int cells_;
  std::vector<double> low_, width_;
};

// Where a quantile falls in a cell's counts, and whether the bin's value
// range is certain to lie within rank error kStreamingRankError.
struct BinLocation {
  int bin = 0;
  std::int64_t below = 0;  // values in lower bins
  std::int64_t in_bin = 0;
  bool certified = false;
};
BinLocation locate(const std::uint32_t* cell_counts, std::int64_t draws,
                   double q);

// The estimate inside a certified bin: linear in rank across the bin.
double interpolate_in_bin(const StreamingHistogram& h, int cell,
                          const BinLocation& at, std::int64_t draws, double q);

// The exact type-7 quantile from a bin's sorted values and the count below.
double exact_from_bin(const std::vector<double>& sorted_bin_values,
                      const BinLocation& at, std::int64_t draws, double q);

}  // namespace growthcast::montecarlo

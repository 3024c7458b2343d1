#include "montecarlo/runner.h"

#include <omp.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <map>
#include <mutex>

namespace growthcast::montecarlo {
namespace {

// Draws per block: the unit of work handed to threads and of the ordered
// reduction of sums.
constexpr std::int64_t kBlock = 256;
constexpr std::int64_t kPilotDraws = 10000;

struct Failure {
  std::int64_t draw = -1;
  DrawOutcome outcome;
};

// Runs draws [first, last) in blocks on the threads; `visit(block_index,
// block_first, count, values [cell][kBlock], thread)` consumes each block.
// Returns the first non-finite draw, if any, and the parameter redraws.
template <class Visit>
Failure run_blocks(const ProjectionSetup& setup, std::uint64_t seed,
                   std::uint64_t scenario_index, std::int64_t first,
                   std::int64_t last, int threads, std::int64_t* redraws,
                   const std::function<void(double)>& progress, Visit&& visit) {
  const std::int64_t blocks = (last - first + kBlock - 1) / kBlock;
  const std::size_t cells = std::size_t(setup.cells());
  std::atomic<std::int64_t> done{0};
  std::atomic<std::int64_t> redraw_total{0};
  Failure failure;
  std::mutex failure_mutex;
#pragma omp parallel num_threads(threads)
  {
    std::vector<double> buffer(cells * kBlock);
    const int thread = omp_get_thread_num();
#pragma omp for schedule(dynamic)
    for (std::int64_t b = 0; b < blocks; ++b) {
      const std::int64_t begin = first + b * kBlock;
      const std::int64_t count = std::min(kBlock, last - begin);
      std::int64_t local_redraws = 0;
      for (std::int64_t d = 0; d < count; ++d) {
        const DrawOutcome outcome =
            simulate_draw(setup, seed, scenario_index, std::uint64_t(begin + d),
                          buffer.data() + d, kBlock);
        local_redraws += outcome.parameter_redraws;
        if (!outcome.finite) {
          std::lock_guard<std::mutex> lock(failure_mutex);
          if (failure.draw < 0 || begin + d < failure.draw)
            failure = {begin + d, outcome};
        }
      }
      redraw_total += local_redraws;
      visit(b, begin, count, buffer.data(), thread);
      const std::int64_t finished = ++done;
      if (thread == 0 && progress) progress(double(finished) / double(blocks));
    }
  }
  *redraws += redraw_total;
  return failure;
}

Status nonfinite_error(const ProjectionSetup& setup,
                       const scenario::Scenario& sc, const Failure& f) {
  const int unit = f.outcome.nonfinite_region;
  const int n_out = int(setup.output_regions.size());
  const std::string where = unit < n_out
                                ? setup.regions[setup.output_regions[unit]]
                                : setup.groups[unit - n_out].name;
  return fail("draw " + std::to_string(f.draw) +
                  " produced a non-finite value for '" + where + "' in " +
                  std::to_string(f.outcome.nonfinite_year) +
                  " (a driver path that drives capital, labour or the "
                  "knowledge stock to zero or below?)",
              sc.file);
}

void mean_and_sd(const double* v, std::int64_t n, double* mean, double* sd) {
  double sum = 0.0;
  for (std::int64_t i = 0; i < n; ++i) sum += v[i];
  const double m = sum / double(n);
  double ss = 0.0;
  for (std::int64_t i = 0; i < n; ++i) ss += (v[i] - m) * (v[i] - m);
  *mean = m;
  *sd = n > 1 ? std::sqrt(ss / double(n - 1)) : 0.0;
}

}  // namespace

Result<ScenarioForecast> run_scenario(const ProjectionSetup& setup,
                                      const scenario::Scenario& sc,
                                      std::uint64_t scenario_index,
                                      std::int64_t draws, std::uint64_t seed,
                                      const RunOptions& options) {
  ScenarioForecast out;
  out.name = sc.name;
  out.file = sc.file;
  out.text = sc.text;
  out.draws = draws;
  out.seed = seed;
  out.scenario_index = scenario_index;
  out.parameter_uncertainty = setup.parameter_uncertainty;
  out.shock_uncertainty = setup.shock_uncertainty;
  for (int r : setup.output_regions) {
    out.units.push_back(setup.regions[r]);
    out.is_group.push_back(false);
  }
  for (const auto& g : setup.groups) {
    out.units.push_back(g.name);
    out.is_group.push_back(true);
  }
  for (int y = setup.last_year + 1; y <= setup.horizon; ++y)
    out.years.push_back(y);
  const std::int64_t cells = setup.cells();
  const int threads =
      options.threads > 0 ? options.threads : omp_get_max_threads();
  const std::size_t levels = kQuantileLevels.size();
  out.quantiles.assign(std::size_t(cells) * levels, 0.0);
  out.mean.assign(std::size_t(cells), 0.0);
  out.sd.assign(std::size_t(cells), 0.0);

  const double exact_bytes = double(draws) * double(cells) * 8.0;
  out.exact = exact_bytes <= double(options.exact_memory_bytes);
  if (options.keep_paths && !out.exact)
    return fail("keeping every path of " + std::to_string(draws) +
                    " draws needs " +
                    std::to_string(std::int64_t(exact_bytes / 1048576.0)) +
                    " MiB, above the memory limit; lower the draws or raise "
                    "the limit",
                sc.file, sc.line_of("draws"), "draws");

  if (out.exact) {
    // Every value, [cell][draw]: quantiles and moments exactly, in draw
    // order whatever the threads did.
    out.quantile_method = "exact (type 7, linear interpolation)";
    std::vector<double> values(std::size_t(cells) * std::size_t(draws));
    const Failure failure =
        run_blocks(setup, seed, scenario_index, 0, draws, threads,
                   &out.parameter_redraws, options.progress,
                   [&](std::int64_t, std::int64_t begin, std::int64_t count,
                       const double* block, int) {
                     for (std::int64_t c = 0; c < cells; ++c)
                       std::copy(block + c * kBlock, block + c * kBlock + count,
                                 values.begin() + c * draws + begin);
                   });
    if (failure.draw >= 0)
      return tl::unexpected(nonfinite_error(setup, sc, failure).error());
#pragma omp parallel for num_threads(threads) schedule(static)
    for (std::int64_t c = 0; c < cells; ++c) {
      const double* v = values.data() + c * draws;
      mean_and_sd(v, draws, &out.mean[c], &out.sd[c]);
      std::vector<double> work(v, v + draws);
      for (std::size_t q = 0; q < levels; ++q)
        out.quantiles[std::size_t(c) * levels + q] =
            exact_quantile(work, kQuantileLevels[q]);
    }
    if (options.keep_paths) out.paths = std::move(values);
    return out;
  }

  // Streaming: a pilot of the first draws fixes each cell's bin range; the
  // full pass counts bins per thread and sums moments per block.
  out.quantile_method =
      "streaming histogram (" + std::to_string(StreamingHistogram::kBins) +
      " bins per cell, rank error <= 0.001 certified; uncertified bins "
      "resolved exactly)";
  const std::int64_t pilot_draws = std::min(kPilotDraws, draws);
  std::vector<double> pilot(std::size_t(cells) * std::size_t(pilot_draws));
  std::int64_t ignored_redraws = 0;
  run_blocks(setup, seed, scenario_index, 0, pilot_draws, threads,
             &ignored_redraws, nullptr,
             [&](std::int64_t, std::int64_t begin, std::int64_t count,
                 const double* block, int) {
               for (std::int64_t c = 0; c < cells; ++c)
                 std::copy(block + c * kBlock, block + c * kBlock + count,
                           pilot.begin() + c * pilot_draws + begin);
             });
  const StreamingHistogram histogram(int(cells), pilot, pilot_draws);
  std::vector<double> centre(static_cast<std::size_t>(cells));
  for (std::int64_t c = 0; c < cells; ++c) {
    double sd;
    mean_and_sd(pilot.data() + c * pilot_draws, pilot_draws, &centre[c], &sd);
  }
  pilot = {};

  const std::int64_t blocks = (draws + kBlock - 1) / kBlock;
  std::vector<std::vector<std::uint32_t>> counts(
      static_cast<std::size_t>(threads));
  for (auto& c : counts) c = histogram.make_counts();
  // Per block: sum and sum of squares of deviations from the pilot mean.
  std::vector<double> block_sums(std::size_t(blocks) * std::size_t(cells) * 2);
  const Failure failure =
      run_blocks(setup, seed, scenario_index, 0, draws, threads,
                 &out.parameter_redraws, options.progress,
                 [&](std::int64_t b, std::int64_t, std::int64_t count,
                     const double* block, int thread) {
                   auto& local = counts[std::size_t(thread)];
                   double* sums = block_sums.data() +
                                  std::size_t(b) * std::size_t(cells) * 2;
                   for (std::int64_t c = 0; c < cells; ++c) {
                     const double* v = block + c * kBlock;
                     double s = 0.0, ss = 0.0;
                     for (std::int64_t d = 0; d < count; ++d) {
                       histogram.add(local, int(c), v[d]);
                       const double dev = v[d] - centre[c];
                       s += dev;
                       ss += dev * dev;
                     }
                     sums[2 * c] = s;
                     sums[2 * c + 1] = ss;
                   }
                 });
  if (failure.draw >= 0)
    return tl::unexpected(nonfinite_error(setup, sc, failure).error());
  for (std::size_t t = 1; t < counts.size(); ++t)
    for (std::size_t i = 0; i < counts[0].size(); ++i)
      counts[0][i] += counts[t][i];
  const auto& total = counts[0];
  for (std::int64_t c = 0; c < cells; ++c) {
    double s = 0.0, ss = 0.0;
    for (std::int64_t b = 0; b < blocks; ++b) {
      s += block_sums[(std::size_t(b) * std::size_t(cells) + std::size_t(c)) *
                      2];
      ss += block_sums[(std::size_t(b) * std::size_t(cells) + std::size_t(c)) *
                           2 +
                       1];
    }
    out.mean[c] = centre[c] + s / double(draws);
    out.sd[c] = std::sqrt(
        std::max(0.0, (ss - s * s / double(draws)) / double(draws - 1)));
  }

  // Quantiles; bins that cannot be certified get a second, exact look.
  constexpr int kSlots = StreamingHistogram::kBins + 2;
  struct Pending {
    std::int64_t cell;
    std::size_t level;
    BinLocation at;
    int last_bin;  // collect bins at.bin..last_bin
  };
  std::vector<Pending> pending;
  for (std::int64_t c = 0; c < cells; ++c) {
    const std::uint32_t* cc = total.data() + std::size_t(c) * kSlots;
    for (std::size_t q = 0; q < levels; ++q) {
      const BinLocation at = locate(cc, draws, kQuantileLevels[q]);
      if (at.certified) {
        out.quantiles[std::size_t(c) * levels + q] = interpolate_in_bin(
            histogram, int(c), at, draws, kQuantileLevels[q]);
      } else {
        int next = at.bin + 1;
        while (next < kSlots - 1 && cc[next] == 0) ++next;
        pending.push_back({c, q, at, std::min(next, kSlots - 1)});
      }
    }
  }
  out.uncertified_quantiles = std::int64_t(pending.size());
  if (!pending.empty()) {
    std::map<std::int64_t, std::vector<std::size_t>> by_cell;
    for (std::size_t k = 0; k < pending.size(); ++k)
      by_cell[pending[k].cell].push_back(k);
    std::vector<std::vector<std::vector<double>>> collected(
        std::size_t(threads), std::vector<std::vector<double>>(pending.size()));
    std::int64_t more_redraws = 0;
    run_blocks(setup, seed, scenario_index, 0, draws, threads, &more_redraws,
               nullptr,
               [&](std::int64_t, std::int64_t, std::int64_t count,
                   const double* block, int thread) {
                 for (const auto& [c, list] : by_cell) {
                   const double* v = block + c * kBlock;
                   for (std::int64_t d = 0; d < count; ++d) {
                     const int b = histogram.bin(int(c), v[d]);
                     for (std::size_t k : list)
                       if (b >= pending[k].at.bin && b <= pending[k].last_bin)
                         collected[std::size_t(thread)][k].push_back(v[d]);
                   }
                 }
               });
    for (std::size_t k = 0; k < pending.size(); ++k) {
      std::vector<double> values;
      for (const auto& per_thread : collected)
        values.insert(values.end(), per_thread[k].begin(), per_thread[k].end());
      std::sort(values.begin(), values.end());
      out.quantiles[std::size_t(pending[k].cell) * levels + pending[k].level] =
          exact_from_bin(values, pending[k].at, draws,
                         kQuantileLevels[pending[k].level]);
    }
  }
  return out;
}

}  // namespace growthcast::montecarlo

#include "montecarlo/runner.h"

#include <omp.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <map>
#include <mutex>
#include <sstream>

#include "common/lanes.h"
#include "montecarlo/conditioning.h"

namespace growthcast::montecarlo {
namespace {

// Draws per work item handed to a thread: the unit of the ordered reduction
// of sums. Each is simulated in blocks of kBlockDraws lanes, whose sums are
// added in block order, so the streaming moments' last bits depend on both
// constants (never on the threads).
constexpr std::int64_t kChunk = 4096;
static_assert(kChunk % kBlockDraws == 0);
constexpr std::int64_t kPilotDraws = 8192;

struct Failure {
  std::int64_t draw = -1;
  DrawOutcome outcome;
};

// Memory holding every value, [cell][draw]: value (cell, draw) at
// base[cell * stride + draw]. Full blocks are simulated straight into it.
struct Store {
  double* base;
  std::int64_t stride;
  int years;
  // Where row r (ProjectionSetup's [variable][unit]) of year h starts for
  // the block of draws from `first`.
  double* row(std::int64_t r, int h, std::int64_t first) const {
    return base + (r * years + h) * stride + first;
  }
};

// Runs draws [first, last) in chunks on the threads; `visit(chunk,
// block_first, count, h, rows, thread)` consumes each block's year h, rows
// [variable * units + unit][kRowStride] (ProjectionSetup::cell(variable,
// unit, h) for row r is r * years + h), or nullptr when the block went
// straight to `store`. Blocks of one chunk are visited in order by one
// thread. Returns the first non-finite draw, if any, and adds
// the parameter redraws. Once `cancel` is set the remaining chunks are
// skipped (the caller checks the flag and discards the result).
template <class Visit>
Failure run_chunks(const ProjectionSetup& setup, std::uint64_t seed,
                   std::uint64_t scenario_index, std::int64_t first,
                   std::int64_t last, int threads, std::int64_t* redraws,
                   const std::function<void(double)>& progress,
                   const CancelFlag* cancel, Visit&& visit,
                   const Store* store = nullptr) {
  const std::int64_t chunks = (last - first + kChunk - 1) / kChunk;
  std::atomic<std::int64_t> done{0};
  std::atomic<std::int64_t> redraw_total{0};
  Failure failure;
  std::mutex failure_mutex;
#pragma omp parallel num_threads(threads)
  {
    BlockSimulator simulator(setup);
    DrawOutcome outcomes[kBlockDraws];
    const int thread = omp_get_thread_num();
#pragma omp for schedule(dynamic)
    for (std::int64_t c = 0; c < chunks; ++c) {
      if (is_cancelled(cancel)) continue;
      const std::int64_t chunk_begin = first + c * kChunk;
      const std::int64_t chunk_end = std::min(last, chunk_begin + kChunk);
      std::int64_t local_redraws = 0;
      for (std::int64_t begin = chunk_begin; begin < chunk_end;
           begin += kBlockDraws) {
        const int count =
            int(std::min<std::int64_t>(kBlockDraws, chunk_end - begin));
        const BlockSimulator::RowTarget target = [&](int r, int h) {
          return store->row(r, h, begin);
        };
        simulator.run(
            seed, scenario_index, std::uint64_t(begin), count,
            [&](int h, const double* rows) {
              visit(c, begin, count, h, rows, thread);
            },
            outcomes, store != nullptr ? &target : nullptr);
        for (int d = 0; d < count; ++d) {
          local_redraws += outcomes[d].parameter_redraws;
          if (!outcomes[d].finite || outcomes[d].unmet_pin >= 0) {
            std::lock_guard<std::mutex> lock(failure_mutex);
            if (failure.draw < 0 || begin + d < failure.draw)
              failure = {begin + d, outcomes[d]};
          }
        }
      }
      redraw_total += local_redraws;
      const std::int64_t finished = ++done;
      if (thread == 0 && progress) progress(double(finished) / double(chunks));
    }
  }
  *redraws += redraw_total;
  return failure;
}

Status nonfinite_error(const ProjectionSetup& setup,
                       const scenario::Scenario& sc, const Failure& f) {
  if (f.outcome.finite && f.outcome.unmet_pin >= 0) {
    const Pin& pin = setup.conditioning->pins[std::size_t(f.outcome.unmet_pin)];
    return fail("draw " + std::to_string(f.draw) +
                    " still misses the pin on '" + pin.unit + "' in " +
                    std::to_string(setup.last_year + 1 + pin.h) + " after " +
                    std::to_string(kMaxPinPasses) +
                    " corrections (the pins fight the model's feedback; "
                    "docs/conditioning.md)",
                pin.file, pin.line, pin.field);
  }
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

// The sum of term(x) over v[0..n), in eight partial sums (two SIMD
// registers, draw i in sum i mod 8) added in a fixed order: one sum chain
// would wait on the adder's latency at every value.
template <class Term>
double sum_of(const double* v, std::int64_t n, Term term) {
  Lanes a = {0, 0, 0, 0}, b = {0, 0, 0, 0};
  std::int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    a += term(load_lanes(v + i));
    b += term(load_lanes(v + i + 4));
  }
  const Lanes c = a + b;
  double total = (c[0] + c[1]) + (c[2] + c[3]);
  for (; i < n; ++i) total += term(Lanes{v[i], 0, 0, 0})[0];
  return total;
}

// The mean, summed as deviations from the first value, so that a cell
// whose draws are all equal gets that value exactly.
double mean_of(const double* v, std::int64_t n) {
  const Lanes first = broadcast_lanes(v[0]);
  return v[0] + sum_of(v, n, [&](Lanes x) { return x - first; }) / double(n);
}

// Two passes: the mean, then squared deviations from it (0 exactly when
// the draws are all equal).
void mean_and_sd(const double* v, std::int64_t n, double* mean, double* sd) {
  const double m = mean_of(v, n);
  const Lanes centre = broadcast_lanes(m);
  const double ss =
      sum_of(v, n, [&](Lanes x) { return (x - centre) * (x - centre); });
  *mean = m;
  *sd = n > 1 ? std::sqrt(ss / double(n - 1)) : 0.0;
}

// The forecast's description: names, units, years, the settings of the
// run, and room for the results.
ScenarioForecast describe_forecast(const ProjectionSetup& setup,
                                   const scenario::Scenario& sc,
                                   std::uint64_t scenario_index,
                                   std::int64_t draws, std::uint64_t seed) {
  ScenarioForecast out;
  out.name = sc.name;
  out.file = sc.file;
  out.text = sc.text;
  out.draws = draws;
  out.seed = seed;
  out.scenario_index = scenario_index;
  out.random_stream = int(setup.random_stream);
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
  if (setup.conditioning) {
    const Conditioning& c = *setup.conditioning;
    out.outturn_years = c.outturn_years;
    out.outturns_file = c.outturns_file;
    std::ostringstream text;
    text.precision(17);
    for (const Pin& pin : c.pins)
      if (!pin.outturn)
        text << pin.unit << '\t' << setup.last_year + 1 + pin.h << '\t'
             << (pin.growth ? "growth" : "level") << '\t' << pin.value << '\n';
    out.conditions = text.str();
  }
  const std::int64_t cells = setup.cells();
  out.quantiles.assign(std::size_t(cells) * kQuantileLevels.size(), 0.0);
  out.mean.assign(std::size_t(cells), 0.0);
  out.sd.assign(std::size_t(cells), 0.0);
  return out;
}

// Whether every value is kept (exact quantiles): only within the limit and
// the machine's memory, so that a limit above physical memory does not turn
// into a failed allocation. Paths need the exact mode.
Status choose_mode(const ScenarioForecast& out, const scenario::Scenario& sc,
                   std::int64_t cells, const RunOptions& options, bool* exact) {
  const double exact_bytes = double(out.draws) * double(cells) * 8.0;
  const double physical =
      double(sysconf(_SC_PHYS_PAGES)) * double(sysconf(_SC_PAGE_SIZE));
  *exact = exact_bytes <= double(options.exact_memory_bytes) &&
           exact_bytes <= 0.75 * physical;
  if (options.keep_paths && !*exact)
    return fail("keeping every path of " + std::to_string(out.draws) +
                    " draws needs " +
                    std::to_string(std::int64_t(exact_bytes / 1048576.0)) +
                    " MiB, above the memory limit; lower the draws or raise "
                    "the limit",
                sc.file, sc.line_of("draws"), "draws");
  return {};
}

// The sink of the exact mode: copies the values of blocks that did not go
// straight to the store.
auto copy_into(const Store& store, std::int64_t rows_per_year, int years) {
  return
      [store, rows_per_year, years](std::int64_t, std::int64_t begin, int count,
                                    int h, const double* rows, int) {
        if (rows == nullptr) return;
        for (std::int64_t r = 0; r < rows_per_year; ++r) {
          const double* v = rows + r * kRowStride;
          std::copy(v, v + count, store.row(r, h, begin));
        }
      };
}

// Exact mode: every value, [cell][draw]; moments and quantiles per cell
// from its values in draw order, whatever the threads did.
Status run_exact(const ProjectionSetup& setup, const scenario::Scenario& sc,
                 int threads, const RunOptions& options,
                 ScenarioForecast& out) {
  const std::int64_t cells = setup.cells(), draws = out.draws;
  const int years = setup.years();
  const std::size_t levels = kQuantileLevels.size();
  out.quantile_method = "exact (type 7, linear interpolation)";
  DrawValues values(std::size_t(cells) * std::size_t(draws));
  if (!options.keep_paths) prefer_huge_pages(values);
  const Store store{values.data(), draws, years};
  const Failure failure =
      run_chunks(setup, out.seed, out.scenario_index, 0, draws, threads,
                 &out.parameter_redraws, options.progress, options.cancel,
                 copy_into(store, cells / years, years), &store);
  if (is_cancelled(options.cancel)) return cancelled();
  if (failure.draw >= 0)
    return tl::unexpected(nonfinite_error(setup, sc, failure).error());
#pragma omp parallel for num_threads(threads) schedule(dynamic)
  for (std::int64_t c = 0; c < cells; ++c) {
    // The sorts take longer than the draws: stopped between cells too.
    if (is_cancelled(options.cancel)) continue;
    const double* v = values.data() + c * draws;
    mean_and_sd(v, draws, &out.mean[c], &out.sd[c]);
    exact_quantiles(v, draws, kQuantileLevels,
                    out.quantiles.data() + std::size_t(c) * levels);
  }
  if (is_cancelled(options.cancel)) return cancelled();
  if (options.keep_paths) out.paths = std::move(values);
  return {};
}

// Streaming mode, step 1: a pilot of the first draws places each cell's
// slots (and its centre, the pilot's mean).
void place_slots(const ProjectionSetup& setup, const ScenarioForecast& out,
                 int threads, const CancelFlag* cancel,
                 StreamingHistogram& histogram) {
  const std::int64_t cells = setup.cells();
  const int years = setup.years();
  const std::int64_t rows_per_year = cells / years;
  const std::int64_t pilot_draws = std::min(kPilotDraws, out.draws);
  // The pilot's values as float deviations from draw 0's: half the memory
  // of doubles, and memory touched for the first time is what the pilot
  // costs most on a VM (the host faults it in: a quarter of a
  // 100,000-draw run). A deviation keeps float's precision relative to
  // the cell's spread, not its level; the pilot only places the slots.
  std::vector<double> reference(static_cast<std::size_t>(cells));
  simulate_draw(setup, out.seed, out.scenario_index, 0, reference.data(), 1);
  BulkVector<float> pilot(std::size_t(cells) * std::size_t(pilot_draws));
  prefer_huge_pages(pilot);
  std::int64_t ignored_redraws = 0;
  run_chunks(setup, out.seed, out.scenario_index, 0, pilot_draws, threads,
             &ignored_redraws, nullptr, cancel,
             [&](std::int64_t, std::int64_t begin, int count, int h,
                 const double* rows, int) {
               for (std::int64_t r = 0; r < rows_per_year; ++r) {
                 const std::int64_t c = r * years + h;
                 const double* v = rows + r * kRowStride;
                 const double ref = reference[std::size_t(c)];
                 float* to = pilot.data() + c * pilot_draws + begin;
                 for (int d = 0; d < count; ++d) to[d] = float(v[d] - ref);
               }
             });
  const std::vector<double> pilot_levels =
      StreamingHistogram::pilot_levels(pilot_draws);
#pragma omp parallel num_threads(threads)
  {
    std::vector<double> v(static_cast<std::size_t>(pilot_draws));
    std::vector<double> at(pilot_levels.size());
#pragma omp for schedule(dynamic)
    for (std::int64_t c = 0; c < cells; ++c) {
      const float* deviation = pilot.data() + c * pilot_draws;
      const double ref = reference[std::size_t(c)];
      for (std::int64_t d = 0; d < pilot_draws; ++d)
        v[std::size_t(d)] = ref + double(deviation[d]);
      exact_quantiles(v.data(), pilot_draws, pilot_levels, at.data());
      histogram.place(int(c), v.data(), pilot_draws, at.data(),
                      mean_of(v.data(), pilot_draws));
    }
  }
  histogram.finish_placing();
}

// Streaming mode, step 2: the full pass. Per thread, slot counts (16-bit,
// flushed into 32-bit ones before a chunk could overflow them) and each
// cell's lowest and highest value; per chunk, the sums of deviations from
// the cell's centre and of their squares.
struct StreamingCounts {
  std::vector<std::vector<std::uint32_t>> counts;  // [thread][slot]
  std::vector<std::vector<std::uint16_t>> recent;  // [thread][slot]
  std::vector<std::int64_t> recent_draws;          // [thread]
  std::vector<std::vector<double>> lows, highs;    // [thread][cell]
  std::vector<double> chunk_sums;                  // [chunk][cell][2]

  StreamingCounts(const StreamingHistogram& histogram, int threads,
                  std::int64_t cells, std::int64_t chunks) {
    counts.resize(static_cast<std::size_t>(threads));
    recent.resize(static_cast<std::size_t>(threads));
    recent_draws.assign(std::size_t(threads), 0);
    for (auto& c : counts) c = histogram.make_counts();
    for (auto& c : recent) c.assign(histogram.total_slots(), 0);
    constexpr double kInf = std::numeric_limits<double>::infinity();
    lows.assign(std::size_t(threads), std::vector<double>(cells, kInf));
    highs.assign(std::size_t(threads), std::vector<double>(cells, -kInf));
    chunk_sums.assign(std::size_t(chunks) * std::size_t(cells) * 2, 0.0);
  }
  void flush(int thread) {
    auto& from = recent[std::size_t(thread)];
    auto& to = counts[std::size_t(thread)];
    for (std::size_t i = 0; i < from.size(); ++i) to[i] += from[i];
    std::fill(from.begin(), from.end(), std::uint16_t(0));
    recent_draws[std::size_t(thread)] = 0;
  }
};

Failure count_draws(const ProjectionSetup& setup, const ScenarioForecast& out,
                    int threads, const RunOptions& options,
                    const StreamingHistogram& histogram, StreamingCounts& s,
                    std::int64_t* redraws) {
  const std::int64_t cells = setup.cells();
  const int years = setup.years();
  const std::int64_t rows_per_year = cells / years;
  return run_chunks(
      setup, out.seed, out.scenario_index, 0, out.draws, threads, redraws,
      options.progress, options.cancel,
      [&](std::int64_t chunk, std::int64_t, int count, int h,
          const double* rows, int thread) {
        if (h == 0) {
          if (s.recent_draws[std::size_t(thread)] + count > 65535)
            s.flush(thread);
          s.recent_draws[std::size_t(thread)] += count;
        }
        std::uint16_t* local = s.recent[std::size_t(thread)].data();
        double* low = s.lows[std::size_t(thread)].data();
        double* high = s.highs[std::size_t(thread)].data();
        double* sums =
            s.chunk_sums.data() + std::size_t(chunk) * std::size_t(cells) * 2;
        for (std::int64_t r = 0; r < rows_per_year; ++r) {
          const std::int64_t c = r * years + h;
          const double* v = rows + r * kRowStride;
          RowMoments moments{histogram.centre(int(c)), 0.0, 0.0, low[c],
                             high[c]};
          histogram.add(local, int(c), v, count,
                        r + 1 < rows_per_year ? int(c + years) : -1, &moments);
          sums[2 * c] += moments.sum;
          sums[2 * c + 1] += moments.sum_squares;
          low[c] = moments.low;
          high[c] = moments.high;
        }
      });
}

// Streaming mode, step 3: the threads' counts and extremes into thread 0's,
// and the chunks' sums, in chunk order, into each cell's mean and sd.
void reduce_counts(const StreamingHistogram& histogram, int threads,
                   std::int64_t cells, std::int64_t chunks, StreamingCounts& s,
                   ScenarioForecast& out) {
  const std::int64_t draws = out.draws;
  for (int t = 0; t < threads; ++t) s.flush(t);
  for (std::size_t t = 1; t < s.counts.size(); ++t) {
    for (std::size_t i = 0; i < s.counts[0].size(); ++i)
      s.counts[0][i] += s.counts[t][i];
    for (std::int64_t c = 0; c < cells; ++c) {
      s.lows[0][c] = std::min(s.lows[0][c], s.lows[t][c]);
      s.highs[0][c] = std::max(s.highs[0][c], s.highs[t][c]);
    }
  }
  for (std::int64_t c = 0; c < cells; ++c) {
    double sum = 0.0, ss = 0.0;
    for (std::int64_t k = 0; k < chunks; ++k) {
      sum +=
          s.chunk_sums[(std::size_t(k) * std::size_t(cells) + std::size_t(c)) *
                       2];
      ss +=
          s.chunk_sums[(std::size_t(k) * std::size_t(cells) + std::size_t(c)) *
                           2 +
                       1];
    }
    out.mean[c] = histogram.centre(int(c)) + sum / double(draws);
    out.sd[c] = std::sqrt(
        std::max(0.0, (ss - sum * sum / double(draws)) / double(draws - 1)));
  }
}

// A quantile whose slot could not be certified: resolved from the values
// of slots at.bin..last_bin.
struct Pending {
  std::int64_t cell;
  std::size_t level;
  BinLocation at;
  int last_bin;
};

// Streaming mode, step 4: quantiles from the counts; those that cannot be
// certified are returned. A cell whose draws are all equal (e.g. the first
// year's capital) has that value as every quantile.
std::vector<Pending> certified_quantiles(const StreamingHistogram& histogram,
                                         std::int64_t cells,
                                         const StreamingCounts& s,
                                         ScenarioForecast& out) {
  const std::size_t levels = kQuantileLevels.size();
  const auto& total = s.counts[0];
  const auto& low = s.lows[0];
  const auto& high = s.highs[0];
  std::vector<Pending> pending;
  for (std::int64_t c = 0; c < cells; ++c) {
    const int slots = histogram.slots(int(c));
    const std::uint32_t* cc = total.data() + histogram.offset(int(c));
    for (std::size_t q = 0; q < levels; ++q) {
      double& result = out.quantiles[std::size_t(c) * levels + q];
      if (low[c] == high[c]) {
        result = low[c];
        continue;
      }
      const BinLocation at = locate(cc, slots, out.draws, kQuantileLevels[q]);
      if (at.certified) {
        result = std::clamp(interpolate_in_bin(histogram, int(c), at, out.draws,
                                               kQuantileLevels[q]),
                            low[c], high[c]);
      } else {
        int next = at.bin + 1;
        while (next < slots - 1 && cc[next] == 0) ++next;
        pending.push_back({c, q, at, std::min(next, slots - 1)});
      }
    }
  }
  return pending;
}

// Streaming mode, step 5: a second pass collects the values in the slots
// of uncertified quantiles, which are then taken exactly.
void resolve_uncertified(const ProjectionSetup& setup,
                         const StreamingHistogram& histogram, int threads,
                         const std::vector<Pending>& pending,
                         const CancelFlag* cancel, ScenarioForecast& out) {
  if (pending.empty()) return;
  const std::size_t levels = kQuantileLevels.size();
  const int years = setup.years();
  // One collection per (cell, slot range): quantiles in the same slot
  // share it.
  std::map<std::pair<std::int64_t, int>, std::size_t> range_of;
  std::vector<std::size_t> range(pending.size());
  std::vector<std::size_t> first_pending;
  for (std::size_t k = 0; k < pending.size(); ++k) {
    const auto key = std::make_pair(pending[k].cell, pending[k].at.bin);
    auto [it, added] = range_of.emplace(key, first_pending.size());
    if (added) first_pending.push_back(k);
    range[k] = it->second;
  }
  std::map<std::int64_t, std::vector<std::size_t>> by_cell;
  for (std::size_t g = 0; g < first_pending.size(); ++g)
    by_cell[pending[first_pending[g]].cell].push_back(g);
  std::vector<std::vector<std::vector<double>>> collected(
      std::size_t(threads),
      std::vector<std::vector<double>>(first_pending.size()));
  std::int64_t more_redraws = 0;
  run_chunks(setup, out.seed, out.scenario_index, 0, out.draws, threads,
             &more_redraws, nullptr, cancel,
             [&](std::int64_t, std::int64_t, int count, int h,
                 const double* rows, int thread) {
               for (const auto& [c, list] : by_cell) {
                 if (c % years != h) continue;
                 const double* v = rows + (c / years) * kRowStride;
                 for (int d = 0; d < count; ++d) {
                   const int b = histogram.slot(int(c), v[d]);
                   for (std::size_t g : list) {
                     const Pending& p = pending[first_pending[g]];
                     if (b >= p.at.bin && b <= p.last_bin)
                       collected[std::size_t(thread)][g].push_back(v[d]);
                   }
                 }
               }
             });
  for (std::size_t g = 0; g < first_pending.size(); ++g) {
    std::vector<double> values;
    for (auto& per_thread : collected) {
      values.insert(values.end(), per_thread[g].begin(), per_thread[g].end());
      per_thread[g] = {};
    }
    std::sort(values.begin(), values.end());
    for (std::size_t k = 0; k < pending.size(); ++k)
      if (range[k] == g)
        out.quantiles[std::size_t(pending[k].cell) * levels +
                      pending[k].level] =
            exact_from_bin(values, pending[k].at, out.draws,
                           kQuantileLevels[pending[k].level]);
  }
}

// Streaming mode: a pilot of the first draws fixes each cell's slots; the
// full pass counts slots per thread and sums moments per chunk.
Status run_streaming(const ProjectionSetup& setup, const scenario::Scenario& sc,
                     int threads, const RunOptions& options,
                     ScenarioForecast& out) {
  out.quantile_method =
      "streaming two-level histogram (" +
      std::to_string(StreamingHistogram::kCoarseBins) +
      " coarse bins per cell spanning a pilot's windows around the "
      "quantiles, the bins of each window split into fine bins; rank error "
      "<= 0.001 certified; "
      "uncertified bins resolved exactly)";
  const std::int64_t cells = setup.cells();
  StreamingHistogram histogram{int(cells)};
  place_slots(setup, out, threads, options.cancel, histogram);
  if (is_cancelled(options.cancel)) return cancelled();
  const std::int64_t chunks = (out.draws + kChunk - 1) / kChunk;
  StreamingCounts counts(histogram, threads, cells, chunks);
  const Failure failure = count_draws(setup, out, threads, options, histogram,
                                      counts, &out.parameter_redraws);
  if (is_cancelled(options.cancel)) return cancelled();
  if (failure.draw >= 0)
    return tl::unexpected(nonfinite_error(setup, sc, failure).error());
  reduce_counts(histogram, threads, cells, chunks, counts, out);
  const std::vector<Pending> pending =
      certified_quantiles(histogram, cells, counts, out);
  out.uncertified_quantiles = std::int64_t(pending.size());
  resolve_uncertified(setup, histogram, threads, pending, options.cancel, out);
  if (is_cancelled(options.cancel)) return cancelled();
  return {};
}

}  // namespace

Result<ScenarioForecast> run_scenario(const ProjectionSetup& setup,
                                      const scenario::Scenario& sc,
                                      std::uint64_t scenario_index,
                                      std::int64_t draws, std::uint64_t seed,
                                      const RunOptions& options) {
  if (auto st = check_uncertainty(setup, sc); !st)
    return tl::unexpected(st.error());
  ScenarioForecast out =
      describe_forecast(setup, sc, scenario_index, draws, seed);
  const int threads =
      options.threads > 0 ? options.threads : omp_get_max_threads();
  if (auto st = choose_mode(out, sc, setup.cells(), options, &out.exact); !st)
    return tl::unexpected(st.error());
  const Status st = out.exact ? run_exact(setup, sc, threads, options, out)
                              : run_streaming(setup, sc, threads, options, out);
  if (!st) return tl::unexpected(st.error());
  return out;
}

}  // namespace growthcast::montecarlo

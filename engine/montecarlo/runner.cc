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

// The reported rows (ProjectionSetup::outputs' rows of every unit) and
// where the kernel writes them: the runner visits only these, so a
// variable not asked for is never counted, sorted or stored.
struct ReportedRows {
  std::vector<int> kernel;       // [reported row] -> kernel row
  std::vector<int> reported_of;  // [kernel row] -> reported row, or -1
  explicit ReportedRows(const ProjectionSetup& setup)
      : reported_of(std::size_t(kVariableCount * setup.units()), -1) {
    for (int k = 0; k < setup.reported_rows(); ++k) {
      kernel.push_back(setup.kernel_row(k));
      reported_of[std::size_t(kernel.back())] = k;
    }
  }
  std::int64_t size() const { return std::int64_t(kernel.size()); }
  // Reported row k of a block's year (the kernel's rows, kRowStride apart).
  const double* in(const double* rows, std::int64_t k) const {
    return rows + std::int64_t(kernel[std::size_t(k)]) * kRowStride;
  }
};

// Memory holding every reported value, [cell][draw]: value (cell, draw) at
// base[cell * stride + draw]. Full blocks are simulated straight into it.
struct Store {
  double* base;
  std::int64_t stride;
  int years;
  const ReportedRows* reported;
  // Where reported row k of year h starts for the block of draws from
  // `first`.
  double* row(std::int64_t k, int h, std::int64_t first) const {
    return base + (k * years + h) * stride + first;
  }
  // The same for the kernel's row r; nullptr for a row not reported.
  double* kernel_row(int r, int h, std::int64_t first) const {
    const int k = reported->reported_of[std::size_t(r)];
    return k < 0 ? nullptr : row(k, h, first);
  }
};

// Runs draws [first, last) in chunks on the threads; `visit(chunk,
// block_first, count, h, rows, thread)` consumes each block's year h, the
// kernel's rows [variable * units + unit][kRowStride] (ReportedRows picks
// the reported ones; reported row k's cell is k * years + h), or nullptr
// when the block went straight to `store`. Blocks of one chunk are visited in
// order by one thread. Returns the first non-finite draw, if any, and adds the
// parameter redraws. Once `cancel` is set the remaining chunks are skipped (the
// caller checks the flag and discards the result).
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
          return store->kernel_row(r, h, begin);
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
  out.variables = setup.outputs;
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
  const std::int64_t cells = setup.reported_cells();
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

// The sink of the exact mode: copies the reported values of blocks that
// did not go straight to the store.
auto copy_into(const Store& store) {
  return [store](std::int64_t, std::int64_t begin, int count, int h,
                 const double* rows, int) {
    if (rows == nullptr) return;
    for (std::int64_t k = 0; k < store.reported->size(); ++k) {
      const double* v = store.reported->in(rows, k);
      std::copy(v, v + count, store.row(k, h, begin));
    }
  };
}

// Exact mode: every value, [cell][draw]; moments and quantiles per cell
// from its values in draw order, whatever the threads did.
Status run_exact(const ProjectionSetup& setup, const scenario::Scenario& sc,
                 int threads, const RunOptions& options,
                 ScenarioForecast& out) {
  const std::int64_t cells = setup.reported_cells(), draws = out.draws;
  const int years = setup.years();
  const std::size_t levels = kQuantileLevels.size();
  out.quantile_method = "exact (type 7, linear interpolation)";
  DrawValues values(std::size_t(cells) * std::size_t(draws));
  if (!options.keep_paths) prefer_huge_pages(values);
  const ReportedRows reported(setup);
  const Store store{values.data(), draws, years, &reported};
  const Failure failure =
      run_chunks(setup, out.seed, out.scenario_index, 0, draws, threads,
                 &out.parameter_redraws, options.progress, options.cancel,
                 copy_into(store), &store);
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
// A tile of cells: the forecast's reported rows `rows`, all years,
// simulated by `setup`: the panel's own, or the setup of a tile of its
// regions (region_tile_setup) whose reported row source[j] is the panel's
// rows[j]. The streaming steps below index their statistics by the tile's
// cell c = j * years + h, the forecast's cell rows[j] * years + h.
struct CellTile {
  const ProjectionSetup* setup = nullptr;
  std::vector<std::int64_t> rows, source;
  int years = 1;
  std::int64_t count() const { return std::int64_t(rows.size()) * years; }
  std::int64_t cell(std::int64_t c) const {
    return rows[std::size_t(c / years)] * years + c % years;
  }
  // The cells in the order count_draws counts them: the kernel hands over
  // a block a year at a time, so a year's cells, row by row.
  std::vector<int> counting_order() const {
    std::vector<int> order;
    order.reserve(std::size_t(count()));
    for (int h = 0; h < years; ++h)
      for (std::size_t j = 0; j < rows.size(); ++j)
        order.push_back(int(std::int64_t(j) * years + h));
    return order;
  }
};

// `pilot` holds the pilot's values. Tiles of regions keep it from tile to
// tile, so that its pages are faulted in once per run rather than once per
// tile (the kernel's zeroing of fresh huge pages was a sixth to a fifth of
// the CPU of a 3,100-region forecast on this project's VM). It is grown when a
// tile needs more, and every value a tile reads is written first.
void place_slots(const ScenarioForecast& out, int threads,
                 const CancelFlag* cancel, const CellTile& tile,
                 StreamingHistogram& histogram, BulkVector<float>& pilot) {
  const ProjectionSetup& setup = *tile.setup;
  const std::int64_t cells = tile.count();
  const int years = setup.years();
  const ReportedRows reported(setup);
  const std::int64_t pilot_draws = std::min(kPilotDraws, out.draws);
  // The pilot's values as float deviations from draw 0's: half the memory
  // of doubles, and memory touched for the first time is what the pilot
  // costs most on a VM (the host faults it in: a quarter of a
  // 100,000-draw run). A deviation keeps float's precision relative to
  // the cell's spread, not its level; the pilot only places the slots.
  std::vector<double> all_reference(static_cast<std::size_t>(setup.cells()));
  simulate_draw(setup, out.seed, out.scenario_index, 0, all_reference.data(),
                1);
  // The tile's reported cells, reported row k's kernel row in place of k.
  std::vector<double> reference(static_cast<std::size_t>(cells));
  for (std::size_t j = 0; j < tile.rows.size(); ++j)
    for (int h = 0; h < years; ++h)
      reference[j * std::size_t(years) + std::size_t(h)] =
          all_reference[std::size_t(
              reported.kernel[std::size_t(tile.source[j])] * years + h)];
  all_reference = {};
  const std::size_t pilot_values =
      std::size_t(cells) * std::size_t(pilot_draws);
  if (pilot.size() < pilot_values) {
    pilot = {};  // freed before the larger one is taken
    pilot = BulkVector<float>(pilot_values);
    prefer_huge_pages(pilot);
  }
  std::int64_t ignored_redraws = 0;
  run_chunks(setup, out.seed, out.scenario_index, 0, pilot_draws, threads,
             &ignored_redraws, nullptr, cancel,
             [&](std::int64_t, std::int64_t begin, int count, int h,
                 const double* rows, int) {
               for (std::size_t j = 0; j < tile.rows.size(); ++j) {
                 const std::int64_t c = std::int64_t(j) * years + h;
                 const double* v = reported.in(rows, tile.source[j]);
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
  histogram.finish_placing(tile.counting_order());
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
    constexpr double kInf = std::numeric_limits<double>::infinity();
    lows.resize(std::size_t(threads));
    highs.resize(std::size_t(threads));
    // Each thread's counts (tens of MB with thousands of cells) zeroed on
    // the threads at once: zeroing them one after another, and the page
    // faults of memory touched for the first time, were a serial step.
#pragma omp parallel for num_threads(threads) schedule(static, 1)
    for (int t = 0; t < threads; ++t) {
      counts[std::size_t(t)] = histogram.make_counts();
      recent[std::size_t(t)].assign(histogram.total_slots(), 0);
      lows[std::size_t(t)].assign(std::size_t(cells), kInf);
      highs[std::size_t(t)].assign(std::size_t(cells), -kInf);
    }
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

Failure count_draws(const ScenarioForecast& out, int threads,
                    const RunOptions& options, const CellTile& tile,
                    const StreamingHistogram& histogram, StreamingCounts& s,
                    std::int64_t* redraws,
                    const std::function<void(double)>& progress) {
  const ProjectionSetup& setup = *tile.setup;
  const std::int64_t cells = tile.count();
  const std::int64_t tile_rows = std::int64_t(tile.rows.size());
  const int years = setup.years();
  const ReportedRows reported(setup);
  return run_chunks(
      setup, out.seed, out.scenario_index, 0, out.draws, threads, redraws,
      progress, options.cancel,
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
        // Year h's cells row by row: CellTile::counting_order.
        for (std::int64_t j = 0; j < tile_rows; ++j) {
          const std::int64_t c = j * years + h;
          const double* v = reported.in(rows, tile.source[std::size_t(j)]);
          RowMoments moments{histogram.centre(int(c)), 0.0, 0.0, low[c],
                             high[c]};
          histogram.add(local, int(c), v, count,
                        j + 1 < tile_rows ? int(c + years) : -1, &moments);
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
                   const CellTile& tile, std::int64_t chunks,
                   StreamingCounts& s, ScenarioForecast& out) {
  const std::int64_t cells = tile.count();
  const std::int64_t draws = out.draws;
  // Every step below is split over slots or cells among the threads; each
  // slot's and cell's own arithmetic (integer sums, minima, maxima, and
  // the chunks' sums in chunk order) is unchanged, so are the bits.
#pragma omp parallel for num_threads(threads) schedule(static, 1)
  for (int t = 0; t < threads; ++t) s.flush(t);
  // Slots in blocks, each thread's counts added over a block in a
  // vectorizable loop.
  const auto slots = static_cast<std::int64_t>(s.counts[0].size());
  constexpr std::int64_t kSlotBlock = std::int64_t(1) << 14;
#pragma omp parallel for num_threads(threads) schedule(static)
  for (std::int64_t first = 0; first < slots; first += kSlotBlock) {
    const std::int64_t last = std::min(slots, first + kSlotBlock);
    std::uint32_t* to = s.counts[0].data();
    for (std::size_t t = 1; t < s.counts.size(); ++t) {
      const std::uint32_t* from = s.counts[t].data();
      for (std::int64_t i = first; i < last; ++i) to[i] += from[i];
    }
  }
#pragma omp parallel for num_threads(threads) schedule(static)
  for (std::int64_t c = 0; c < cells; ++c) {
    for (std::size_t t = 1; t < s.counts.size(); ++t) {
      s.lows[0][c] = std::min(s.lows[0][c], s.lows[t][c]);
      s.highs[0][c] = std::max(s.highs[0][c], s.highs[t][c]);
    }
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
    out.mean[tile.cell(c)] = histogram.centre(int(c)) + sum / double(draws);
    out.sd[tile.cell(c)] = std::sqrt(
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
                                         const CellTile& tile, int threads,
                                         const StreamingCounts& s,
                                         ScenarioForecast& out) {
  const std::int64_t cells = tile.count();
  const std::size_t levels = kQuantileLevels.size();
  const auto& total = s.counts[0];
  const auto& low = s.lows[0];
  const auto& high = s.highs[0];
  // Cells on the threads (the slot-edge searches made this a serial 5%
  // of a 100,000-draw run on two threads); each cell's quantiles are its
  // own, and the pending list is put back in (cell, level) order.
  std::vector<std::vector<Pending>> pending_of(
      static_cast<std::size_t>(threads));
#pragma omp parallel for num_threads(threads) schedule(dynamic, 16)
  for (std::int64_t c = 0; c < cells; ++c) {
    std::vector<Pending>& pending =
        pending_of[std::size_t(omp_get_thread_num())];
    const int slots = histogram.slots(int(c));
    const std::uint32_t* cc = total.data() + histogram.offset(int(c));
    for (std::size_t q = 0; q < levels; ++q) {
      double& result = out.quantiles[std::size_t(tile.cell(c)) * levels + q];
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
  std::vector<Pending> pending;
  for (const auto& list : pending_of)
    pending.insert(pending.end(), list.begin(), list.end());
  std::sort(pending.begin(), pending.end(),
            [](const Pending& a, const Pending& b) {
              return a.cell != b.cell ? a.cell < b.cell : a.level < b.level;
            });
  return pending;
}

// Streaming mode, step 5: a second pass collects the values in the slots
// of uncertified quantiles, which are then taken exactly.
void resolve_uncertified(const StreamingHistogram& histogram, int threads,
                         const CellTile& tile,
                         const std::vector<Pending>& pending,
                         const CancelFlag* cancel, ScenarioForecast& out) {
  if (pending.empty()) return;
  const ProjectionSetup& setup = *tile.setup;
  const std::size_t levels = kQuantileLevels.size();
  const int years = setup.years();
  const ReportedRows reported(setup);
  // One collection per (cell, slot range): quantiles in the same slot
  // share it.
  std::map<std::pair<std::int64_t, int>, std::size_t> range_of;
  std::vector<std::size_t> first_pending;
  std::vector<std::vector<std::size_t>> in_range;  // [range]: its pending
  for (std::size_t k = 0; k < pending.size(); ++k) {
    const auto key = std::make_pair(pending[k].cell, pending[k].at.bin);
    auto [it, added] = range_of.emplace(key, first_pending.size());
    if (added) {
      first_pending.push_back(k);
      in_range.emplace_back();
    }
    in_range[it->second].push_back(k);
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
                 const double* v =
                     reported.in(rows, tile.source[std::size_t(c / years)]);
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
    // Only this range's quantiles: a scan of all pending ones per range
    // was quadratic (hours for a 3,100-region panel at 1,000 draws, where
    // millions of quantiles are uncertified).
    for (std::size_t k : in_range[g])
      out.quantiles[std::size_t(tile.cell(pending[k].cell)) * levels +
                    pending[k].level] =
          exact_from_bin(values, pending[k].at, out.draws,
                         kQuantileLevels[pending[k].level]);
  }
}

// The statistics' memory of one tile of regions (below the streaming
// budget): 384 MiB.
constexpr std::size_t kRegionTileBytes = std::size_t(3) << 27;

// A tile of regions first .. first + count - 1 with the groups (indices)
// whose members all lie there, and its cells (CellTile's rows and source,
// setup unset).
struct RegionTile {
  int first = 0, count = 0;
  std::vector<int> groups;
  CellTile cells;
};

// The panel's reported rows in tiles of whole regions of at most
// `tile_rows` rows each (a region's output rows and those of the groups
// whose last member it is), over the regions reported or in a group; empty
// when tiles of regions cannot give the panel's draws (spillovers, pins,
// or a group across two tiles).
std::vector<RegionTile> region_tiles(const ProjectionSetup& setup,
                                     std::int64_t tile_rows) {
  if (!region_tiles_allowed(setup)) return {};
  const int n = int(setup.regions.size());
  const int variables = int(setup.outputs.size());
  const int outputs = int(setup.output_regions.size());
  std::vector<std::int64_t> rows_at(std::size_t(n), 0);
  std::vector<bool> needed(std::size_t(n), false);
  for (int i : setup.output_regions) {
    rows_at[std::size_t(i)] += variables;
    needed[std::size_t(i)] = true;
  }
  std::vector<int> last_member(setup.groups.size(), -1);
  for (std::size_t g = 0; g < setup.groups.size(); ++g) {
    for (int i : setup.groups[g].members) {
      needed[std::size_t(i)] = true;
      last_member[g] = std::max(last_member[g], i);
    }
    if (last_member[g] < 0) return {};
    rows_at[std::size_t(last_member[g])] += variables;
  }
  std::vector<RegionTile> tiles;
  std::vector<int> tile_of(std::size_t(n), -1);
  for (int i = 0; i < n;) {
    if (!needed[std::size_t(i)]) {
      ++i;
      continue;
    }
    RegionTile tile;
    tile.first = i;
    std::int64_t rows = 0;
    int end = i;
    for (; i < n && (rows == 0 || rows + rows_at[std::size_t(i)] <= tile_rows);
         ++i) {
      rows += rows_at[std::size_t(i)];
      if (needed[std::size_t(i)]) end = i + 1;
      tile_of[std::size_t(i)] = int(tiles.size());
    }
    tile.count = end - tile.first;
    tiles.push_back(std::move(tile));
  }
  for (std::size_t g = 0; g < setup.groups.size(); ++g) {
    const int t = tile_of[std::size_t(last_member[g])];
    for (int i : setup.groups[g].members)
      if (i < tiles[std::size_t(t)].first) return {};
    tiles[std::size_t(t)].groups.push_back(int(g));
  }
  // Each tile's units as the panel's: its output regions in the panel's
  // order, then its groups; reported row j * units + unit of each.
  const int units = setup.units();
  for (RegionTile& tile : tiles) {
    std::vector<int> unit_of;
    for (int o = 0; o < outputs; ++o) {
      const int i = setup.output_regions[std::size_t(o)];
      if (i >= tile.first && i < tile.first + tile.count) unit_of.push_back(o);
    }
    for (int g : tile.groups) unit_of.push_back(outputs + g);
    const int tile_units = int(unit_of.size());
    for (int j = 0; j < variables; ++j)
      for (int u = 0; u < tile_units; ++u) {
        tile.cells.rows.push_back(std::int64_t(j) * units +
                                  unit_of[std::size_t(u)]);
        tile.cells.source.push_back(std::int64_t(j) * tile_units + u);
      }
    tile.cells.years = setup.years();
  }
  return tiles;
}

// Streaming mode, one tile: its statistics into `out`.
Status run_streaming_tile(const scenario::Scenario& sc, int threads,
                          const RunOptions& options, const CellTile& tile,
                          std::int64_t chunks, bool count_redraws,
                          const std::function<void(double)>& progress,
                          BulkVector<float>* kept_pilot,
                          ScenarioForecast& out) {
  std::int64_t tile_redraws = 0;
  StreamingHistogram histogram{int(tile.count())};
  {
    // The pilot's memory: the caller's, kept for the next tile, or this
    // tile's own, freed before the counts are made.
    BulkVector<float> own_pilot;
    place_slots(out, threads, options.cancel, tile, histogram,
                kept_pilot ? *kept_pilot : own_pilot);
  }
  if (is_cancelled(options.cancel)) return cancelled();
  StreamingCounts counts(histogram, threads, tile.count(), chunks);
  const Failure failure = count_draws(out, threads, options, tile, histogram,
                                      counts, &tile_redraws, progress);
  if (count_redraws) out.parameter_redraws += tile_redraws;
  if (is_cancelled(options.cancel)) return cancelled();
  if (failure.draw >= 0)
    return tl::unexpected(nonfinite_error(*tile.setup, sc, failure).error());
  reduce_counts(histogram, threads, tile, chunks, counts, out);
  const std::vector<Pending> pending =
      certified_quantiles(histogram, tile, threads, counts, out);
  out.uncertified_quantiles += std::int64_t(pending.size());
  resolve_uncertified(histogram, threads, tile, pending, options.cancel, out);
  if (is_cancelled(options.cancel)) return cancelled();
  return {};
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
  const int years = setup.years();
  const std::int64_t rows = setup.reported_rows();
  const std::int64_t chunks = (out.draws + kChunk - 1) / kChunk;
  // Tiles of whole rows within the memory for statistics: per cell, the
  // pilot's floats or (freed before they are made; an estimate before
  // placing: about 1,000 slots a cell with the windows of an 8,192-draw
  // pilot; the windows widen as 1 / sqrt(pilot draws)) the 32- and 16-bit
  // slot counts of every thread, whichever is more, and the sums per
  // chunk, extremes and slot table. Tiles of regions keep the pilot from
  // tile to tile (place_slots), so theirs hold both.
  const double pilot_draws = double(std::min(kPilotDraws, out.draws));
  const double slot_estimate =
      1024.0 * std::sqrt(double(kPilotDraws) / pilot_draws);
  const double pilot_bytes = 4.0 * pilot_draws;
  const double count_bytes = double(threads) * 6.0 * slot_estimate;
  const double other_bytes =
      16.0 * double(chunks) + 16.0 * double(threads) + 300.0;
  const double per_cell = std::max(pilot_bytes, count_bytes) + other_bytes;
  const double per_cell_kept_pilot = pilot_bytes + count_bytes + other_bytes;
  const std::int64_t tile_rows = std::clamp<std::int64_t>(
      std::int64_t(double(options.streaming_memory_bytes) /
                   (per_cell * double(years))),
      1, rows);
  // Tiles of whole regions, each simulating its own regions only
  // (region_tile_setup: the same draws, bits and redraws), so that the
  // cost per region-year does not grow with the panel; these are kept
  // within kRegionTileBytes, as smaller tiles cost little more and their
  // counts are touched more locally (bench/README.md, "Large panels":
  // 3,100 regions x 100,000 draws took 13% less CPU and 916 MiB rather
  // than 2.06 GiB). Where the regions are coupled, every tile simulates
  // them all: tiles of rows, as few as the budget allows.
  const std::int64_t region_tile_rows = std::clamp<std::int64_t>(
      std::int64_t(
          double(std::min(options.streaming_memory_bytes, kRegionTileBytes)) /
          (per_cell_kept_pilot * double(years))),
      1, rows);
  std::vector<RegionTile> by_region;
  if (region_tile_rows < rows)
    by_region = region_tiles(setup, region_tile_rows);
  const std::int64_t tiles = by_region.empty()
                                 ? (rows + tile_rows - 1) / tile_rows
                                 : std::int64_t(by_region.size());
  BulkVector<float> pilot;  // every region tile's, in turn (place_slots)
  for (std::int64_t t = 0; t < tiles; ++t) {
    // Progress over all tiles; the redraws (the same in every tile: the
    // draws are) counted once.
    std::function<void(double)> progress;
    if (options.progress)
      progress = [&](double f) {
        options.progress((double(t) + f) / double(tiles));
      };
    Status st;
    if (by_region.empty()) {
      CellTile tile{&setup, {}, {}, years};
      for (std::int64_t r = t * tile_rows;
           r < std::min(rows, (t + 1) * tile_rows); ++r) {
        tile.rows.push_back(r);
        tile.source.push_back(r);
      }
      st = run_streaming_tile(sc, threads, options, tile, chunks, t == 0,
                              progress, nullptr, out);
    } else {
      RegionTile& region_tile = by_region[std::size_t(t)];
      const ProjectionSetup tile_setup = region_tile_setup(
          setup, region_tile.first, region_tile.count, region_tile.groups);
      region_tile.cells.setup = &tile_setup;
      st = run_streaming_tile(sc, threads, options, region_tile.cells, chunks,
                              t == 0, progress, &pilot, out);
    }
    if (!st) return st;
  }
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
  if (auto st =
          choose_mode(out, sc, setup.reported_cells(), options, &out.exact);
      !st)
    return tl::unexpected(st.error());
  const Status st = out.exact ? run_exact(setup, sc, threads, options, out)
                              : run_streaming(setup, sc, threads, options, out);
  if (!st) return tl::unexpected(st.error());
  return out;
}

}  // namespace growthcast::montecarlo

// Progress of a long command (forecast, sweep, backtest, bench) on stderr,
// so that stdout's tables stay clean:
//   - on a terminal, one line rewritten in place ("\r"): what, the count
//     done of the total, the percentage, the time elapsed and an estimate
//     of the time left, at most ten times a second;
//   - otherwise (a pipe, a Slurm log), plain lines: one at each further 10%
//     and at least every 30 s while work goes on, plus one a step (a
//     sweep's points);
//   - nothing with --quiet.
// Progress only reads counts and the clock: it cannot change results, and
// it is called per chunk, point or forecast, never per draw.
#pragma once

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>

namespace growthcast::cli {

// --quiet on a long command.
void add_quiet_flag(CLI::App& command, bool& quiet);

class ProgressMeter {
 public:
  enum class Mode { off, terminal, log };
  // off when quiet, terminal when stderr is one, else log.
  static Mode mode_for(bool quiet);

  // `what` starts each line ("forecast"); `unit` names the counted things
  // ("scenarios").
  ProgressMeter(std::string what, double total, std::string unit, Mode mode,
                std::FILE* stream = stderr);
  ~ProgressMeter();
  ProgressMeter(const ProgressMeter&) = delete;
  ProgressMeter& operator=(const ProgressMeter&) = delete;

  // Sets the count done (fractions allowed: 2.5 of 4 scenarios). Safe to
  // call from any thread.
  void set(double done);
  // Adds to the count done.
  void advance(double amount = 1.0);
  // Sets the count done and, in log mode, prints a line now: `what` then
  // the count, elapsed and left (a sweep's points, one line each); on a
  // terminal `what` is shown after the count until the next step.
  void step(double done, const std::string& what);
  // Ends the meter: clears a terminal line; in log mode prints the last
  // line (100%, total time) if it was not printed yet. Also from ~.
  void finish();

  // "12 s", "3 min 05 s", "1 h 02 min".
  static std::string duration_text(double seconds);

 private:
  // "3/10 scenarios (30%), 12 s elapsed, about 28 s left"
  std::string line_text(double done, double elapsed) const;
  void print_locked(double elapsed, bool force);

  std::string what_, unit_, note_;
  double total_, done_ = 0.0;
  Mode mode_;
  std::FILE* stream_;
  std::chrono::steady_clock::time_point start_, last_print_;
  int last_decile_ = 0;
  bool finished_ = false, printed_final_ = false;
  std::size_t last_width_ = 0;
  std::mutex mutex_;
};

}  // namespace growthcast::cli

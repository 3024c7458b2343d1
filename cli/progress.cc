#include "cli/progress.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>

namespace growthcast::cli {
namespace {

constexpr double kTerminalInterval = 0.1;  // s between terminal redraws
constexpr double kLogInterval = 30.0;      // s between log lines at most

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t)
      .count();
}

std::string count_text(double value) {
  char buf[32];
  if (std::fabs(value - std::round(value)) < 1e-9)
    std::snprintf(buf, sizeof buf, "%.0f", value);
  else
    std::snprintf(buf, sizeof buf, "%.1f", value);
  return buf;
}

}  // namespace

void add_quiet_flag(CLI::App& command, bool& quiet) {
  command.add_flag("--quiet,-q", quiet,
                   "No progress on stderr (by default: a line updated in "
                   "place on a terminal, else a plain line every 10% or 30 "
                   "s)");
}

ProgressMeter::Mode ProgressMeter::mode_for(bool quiet) {
  if (quiet) return Mode::off;
  return ::isatty(STDERR_FILENO) ? Mode::terminal : Mode::log;
}

ProgressMeter::ProgressMeter(std::string what, double total, std::string unit,
                             Mode mode, std::FILE* stream)
    : what_(std::move(what)),
      unit_(std::move(unit)),
      total_(std::max(total, 0.0)),
      mode_(mode),
      stream_(stream),
      start_(std::chrono::steady_clock::now()),
      last_print_(start_) {}

ProgressMeter::~ProgressMeter() { finish(); }

std::string ProgressMeter::duration_text(double seconds) {
  const long s = std::lround(std::max(seconds, 0.0));
  char buf[48];
  if (s < 60)
    std::snprintf(buf, sizeof buf, "%ld s", s);
  else if (s < 3600)
    std::snprintf(buf, sizeof buf, "%ld min %02ld s", s / 60, s % 60);
  else
    std::snprintf(buf, sizeof buf, "%ld h %02ld min", s / 3600,
                  (s % 3600) / 60);
  return buf;
}

std::string ProgressMeter::line_text(double done, double elapsed) const {
  std::string out = count_text(done) + "/" + count_text(total_) + " " + unit_;
  if (total_ > 0) {
    char pct[16];
    std::snprintf(pct, sizeof pct, " (%d%%)",
                  int(std::floor(100.0 * std::min(done / total_, 1.0))));
    out += pct;
  }
  out += ", " + duration_text(elapsed) + " elapsed";
  // The time left from the rate so far, once there is a rate to go by.
  if (done > 0 && done < total_ && elapsed >= 1.0) {
    const double left = elapsed * (total_ - done) / done;
    out += left < 1.0 ? ", under 1 s left"
                      : ", about " + duration_text(left) + " left";
  }
  return out;
}

void ProgressMeter::print_locked(double elapsed, bool force) {
  if (mode_ == Mode::terminal) {
    // The line that reaches the total is drawn once whatever the interval,
    // so a run that ends within it still shows itself done before the line
    // is cleared (a quick run used to end on "90%").
    const bool reaches_total = done_ >= total_ && !printed_final_;
    if (!force && !reaches_total &&
        seconds_since(last_print_) < kTerminalInterval)
      return;
    std::string text = "growthcast " + what_ + ": " + line_text(done_, elapsed);
    if (!note_.empty()) text += " \u00b7 " + note_;
    // Pad over the previous line's tail instead of an escape sequence, so
    // a terminal without ANSI support shows the same thing.
    const std::size_t width = text.size();
    if (width < last_width_) text += std::string(last_width_ - width, ' ');
    last_width_ = width;
    std::fprintf(stream_, "\r%s", text.c_str());
    std::fflush(stream_);
    last_print_ = std::chrono::steady_clock::now();
    if (done_ >= total_) printed_final_ = true;
    return;
  }
  // Log mode: each further tenth, or 30 s without a line.
  const int decile =
      total_ > 0 ? int(std::floor(10.0 * std::min(done_ / total_, 1.0))) : 0;
  if (!force && decile <= last_decile_ &&
      seconds_since(last_print_) < kLogInterval)
    return;
  last_decile_ = std::max(last_decile_, decile);
  std::string text = "growthcast " + what_ + ": ";
  if (force && !note_.empty()) text += note_ + "; ";
  text += line_text(done_, elapsed);
  std::fprintf(stream_, "%s\n", text.c_str());
  std::fflush(stream_);
  last_print_ = std::chrono::steady_clock::now();
  if (done_ >= total_) printed_final_ = true;
}

void ProgressMeter::set(double done) {
  if (mode_ == Mode::off) return;
  std::lock_guard<std::mutex> lock(mutex_);
  if (finished_) return;
  done_ = std::clamp(done, done_, total_);  // never backwards
  print_locked(seconds_since(start_), false);
}

void ProgressMeter::advance(double amount) {
  if (mode_ == Mode::off) return;
  std::lock_guard<std::mutex> lock(mutex_);
  if (finished_) return;
  done_ = std::min(done_ + amount, total_);
  print_locked(seconds_since(start_), false);
}

void ProgressMeter::step(double done, const std::string& what) {
  if (mode_ == Mode::off) return;
  std::lock_guard<std::mutex> lock(mutex_);
  if (finished_) return;
  done_ = std::clamp(done, done_, total_);
  note_ = what;
  print_locked(seconds_since(start_), true);
}

void ProgressMeter::finish() {
  if (mode_ == Mode::off) return;
  std::lock_guard<std::mutex> lock(mutex_);
  if (finished_) return;
  finished_ = true;
  if (mode_ == Mode::terminal) {
    if (last_width_ > 0)
      std::fprintf(stream_, "\r%s\r", std::string(last_width_, ' ').c_str());
    std::fflush(stream_);
    return;
  }
  if (!printed_final_ && done_ >= total_) {
    std::fprintf(stream_, "growthcast %s: %s\n", what_.c_str(),
                 line_text(done_, seconds_since(start_)).c_str());
    std::fflush(stream_);
  }
}

}  // namespace growthcast::cli

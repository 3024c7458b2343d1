#include "cli/report_command.h"

#include <iostream>

#include "cli/common.h"
#include "report/report.h"
#include "store/atomic_file.h"

namespace growthcast::cli {

void add_report_command(CLI::App& app, ReportFlags& flags) {
  auto* cmd = app.add_subcommand(
      "report",
      "Write one self-contained HTML page from a forecast or sweep result: "
      "GDP and growth fan charts, scenarios compared with the baseline, "
      "provinces, a sweep's axes, calibration, accounting, provenance");
  // No ExistingFile check: a missing result file is bad data (exit 1) with
  // the same message as any other unreadable result.
  cmd->add_option("result", flags.result,
                  "Result file written by `growthcast forecast`, `sweep` or "
                  "`merge`")
      ->required();
  cmd->add_option("--out", flags.out, "Output HTML file")->required();
  cmd->add_option("--backtest", flags.backtest,
                  "A `growthcast backtest --out` result: adds the models' "
                  "out-of-sample record");
}

int report_main(ReportFlags& flags, const std::string& /*command_line*/) {
  if (auto s = check_output_path(flags.out, {flags.result, flags.backtest}); !s)
    return report(s.error());
  auto html = growthcast::report::render_report(flags.result, flags.backtest);
  if (!html) {
    // The engine names what is missing; the CLI says how to make it.
    Error e = html.error();
    if (e.field == "/forecast") {
      e.field.clear();
      e.message +=
          " (make one with `growthcast forecast SCENARIO.toml --out "
          "FILE.h5`)";
    }
    return report(e);
  }
  // Through the store's atomic writer: an exclusive, short-named temporary
  // that never follows a planted link, removed on SIGINT/SIGTERM.
  if (auto s = store::write_text_atomically(flags.out, *html, "--out"); !s)
    return report(s.error());
  std::cout << "Wrote " << flags.out << "\n";
  return 0;
}

}  // namespace growthcast::cli

#include "cli/accounting_command.h"

#include <algorithm>
#include <charconv>
#include <iostream>

#include "accounting/accounting.h"
#include "cli/forecast_common.h"
#include "store/result_io.h"

namespace growthcast::cli {
namespace {

bool parse_constant(const std::string& text, double* value) {
  auto [ptr, ec] =
      std::from_chars(text.data(), text.data() + text.size(), *value);
  return ec == std::errc() && ptr == text.data() + text.size();
}

// The R&D decomposition needs S and the calibrated elasticities for exactly
// the accounting's regions and years.
Result<accounting::RdModel> rd_model_from(
    const std::string& path, const std::vector<std::string>& regions,
    const std::vector<int>& years) {
  auto calibration = store::read_calibration(path);
  if (!calibration) return tl::unexpected(calibration.error());
  auto model = decomposition_of(*calibration, path, &regions, &years);
  if (!model) {
    Error e = model.error();
    e.field = "--calibration";  // the flag that named the file
    return tl::unexpected(e);
  }
  return model;
}

// The engine names the option ("periods"); the user typed its flag.
Error with_flag(Error e) {
  if (e.field == "periods") e.field = "--periods";
  return e;
}

}  // namespace

void add_accounting_command(CLI::App& app, AccountingFlags& flags) {
  auto* cmd = app.add_subcommand(
      "accounting",
      "Tornqvist growth accounting per region, group and period; with "
      "--calibration also the R&D model's knowledge contribution");
  flags.panel.add_to(*cmd);
  // The column flags are spelled as calibrate's (--gdp, --capital,
  // --labour); --output was this command's name for --gdp.
  cmd->add_option("--gdp", flags.output, "Column with real output Y")
      ->capture_default_str();
  add_former_spelling(*cmd, "--output", "--gdp", flags.output);
  cmd->add_option("--capital", flags.capital, "Column with the capital stock K")
      ->capture_default_str();
  cmd->add_option("--labour,--labor", flags.labour,
                  "Labour column(s) L, multiplied together (e.g. emp,hc,avh)")
      ->delimiter(',')
      ->capture_default_str();
  cmd->add_option("--labour-share,--labor-share", flags.labour_share,
                  "Labour share: a column name or a constant in (0, 1)")
      ->capture_default_str();
  cmd->add_option(
      "--from", flags.from,
      "First data year (default: the year before the first period)");
  cmd->add_option("--to", flags.to,
                  "Last data year (default: end of the last period)");
  cmd->add_option("--periods", flags.periods,
                  "Periods of growth years, e.g. 2011-2015,2016-2019")
      ->capture_default_str();
  cmd->add_option(
      "--calibration", flags.calibration,
      "A calibration result (HDF5) for the R&D model decomposition");
  cmd->add_option("--out", flags.out, "Output HDF5 file (optional)");
}

int accounting_main(AccountingFlags& flags, const std::string& command_line) {
  flags.panel.resolve();
  if (!flags.out.empty())
    if (auto s = check_output_path(
            flags.out,
            {flags.panel.data, flags.panel.regions_file, flags.calibration});
        !s)
      return report(s.error());
  if (auto s = check_region_list(flags.panel.regions); !s)
    return report(s.error());
  auto periods = accounting::parse_periods(flags.periods);
  if (!periods) return report(with_flag(periods.error()));
  int from = flags.from, to = flags.to;
  for (const auto& p : *periods) {
    if (flags.from == 0)
      from = (from == 0) ? p.first - 1 : std::min(from, p.first - 1);
    if (flags.to == 0) to = std::max(to, p.last);
  }

  double share_constant = 0.0;
  const bool share_is_constant =
      parse_constant(flags.labour_share, &share_constant);
  data::ColumnMapping mapping;
  mapping.region = flags.panel.region_col;
  mapping.year = flags.panel.year_col;
  mapping.values = {flags.output, flags.capital};
  for (const auto& c : flags.labour) mapping.values.push_back(c);
  if (!share_is_constant) mapping.values.push_back(flags.labour_share);
  if (flags.labour.empty())
    return report(
        usage_error("at least one labour column is needed", "--labour")
            .value());

  auto panel = data::read_panel(flags.panel.data, mapping);
  if (!panel) return report(panel.error());
  data::Selection selection;
  selection.regions = flags.panel.regions;
  selection.first_year = from;
  selection.last_year = to;
  selection.positive = {flags.output, flags.capital};
  for (const auto& c : flags.labour) selection.positive.push_back(c);
  if (!share_is_constant) selection.required.push_back(flags.labour_share);
  auto window = data::select(*panel, selection);
  if (!window) return report(window.error());

  accounting::AccountingInput input;
  input.source = window->file;
  input.regions = window->regions;
  input.years = window->years;
  input.output = window->at(flags.output);
  input.capital = window->at(flags.capital);
  input.labour = window->at(flags.labour.front());
  for (std::size_t c = 1; c < flags.labour.size(); ++c) {
    const auto& factor = window->at(flags.labour[c]);
    for (std::size_t r = 0; r < input.labour.size(); ++r)
      for (std::size_t t = 0; t < input.labour[r].size(); ++t)
        input.labour[r][t] *= factor[r][t];
  }
  if (share_is_constant)
    input.labour_share.assign(
        input.regions.size(),
        std::vector<double>(input.years.size(), share_constant));
  else
    input.labour_share = window->at(flags.labour_share);
  input.periods = *periods;
  auto groups = load_groups(flags.panel, input.regions);
  if (!groups) return report(groups.error());
  input.groups = *groups;
  store::Provenance provenance;
  provenance.command_line = command_line;
  provenance.input_files = {flags.panel.data};
  if (!flags.panel.regions_file.empty())
    provenance.input_files.push_back(flags.panel.regions_file);
  if (!flags.calibration.empty()) {
    auto rd = rd_model_from(flags.calibration, input.regions, input.years);
    if (!rd) return report(rd.error());
    input.rd = std::move(*rd);
    provenance.input_files.push_back(flags.calibration);
  }

  auto result = accounting::account(input);
  if (!result) return report(with_flag(result.error()));
  if (result->has_rd) {
    // Print the Tornqvist view too: it needs no model.
    accounting::AccountingResult classical = *result;
    classical.has_rd = false;
    std::cout << accounting::format_accounting_table(classical) << "\n";
  }
  std::cout << accounting::format_accounting_table(*result);
  if (!flags.out.empty()) {
    auto written =
        write_result(flags.out, provenance, [&](store::ResultFile& f) {
          return store::write_accounting(f, *result);
        });
    if (!written) return report(written.error());
    std::cout << "Wrote " << flags.out << "\n";
  }
  return 0;
}

}  // namespace growthcast::cli

#include "cli/models_command.h"

#include <cstdio>
#include <iostream>

#include "cli/common.h"
#include "models/registry.h"

namespace growthcast::cli {
namespace {

std::string bound(double v) {
  if (std::isinf(v)) return v < 0 ? "-inf" : "inf";
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%g", v);
  return buffer;
}

std::string describe(const models::ModelInfo& m) {
  std::string out;
  auto line = [&](const std::string& s) { out += s + "\n"; };
  line(std::string(m.name) + " (version " + std::string(m.version) + ")");
  line("  " + std::string(m.summary));
  line("  equations:");
  for (auto e : m.equations) line("    " + std::string(e));
  line("  parameters:");
  char buffer[256];
  for (const auto& p : m.parameters) {
    std::string treatment = "one per region";
    if (p.scope == models::Scope::shared) {
      treatment = !p.tie.empty() ? "tied: " + std::string(p.tie)
                  : p.free       ? "free from " + bound(p.start)
                                 : "fixed at " + bound(p.start);
      treatment += ", bounds [" + bound(p.lower) + ", " + bound(p.upper) + "]";
    }
    std::snprintf(buffer, sizeof buffer, "    %-8s %-8s %-20s %s; %s",
                  std::string(p.name).c_str(),
                  std::string(models::ScopeToString(p.scope)).c_str(),
                  std::string(p.units).c_str(),
                  std::string(p.description).c_str(), treatment.c_str());
    line(buffer);
  }
  std::string inputs;
  for (auto i : m.inputs)
    inputs += (inputs.empty() ? "" : ", ") + std::string(i);
  line("  inputs: " + inputs);
  line("  drivers (scenario [drivers] keys) and their default baselines:");
  for (const auto& d : m.drivers)
    line("    " + std::string(d.name) + ": " + std::string(d.description) +
         "; baseline " + std::string(d.baseline));
  line("  growth contributions (technology ones marked *):");
  for (const auto& c : m.contributions)
    line("    " + std::string(c.technology ? "* " : "  ") +
         std::string(c.name) + ": " + std::string(c.description));
  return out;
}

}  // namespace

void add_models_command(CLI::App& app, ModelsFlags& flags) {
  auto* cmd = app.add_subcommand(
      "models",
      "List the registered models with their equations, parameters, drivers "
      "and growth contributions");
  cmd->add_option("name", flags.name, "Show only this model");
}

int models_main(const ModelsFlags& flags) {
  if (!flags.name.empty() && !models::find_model(flags.name))
    return report(usage_error("unknown model '" + flags.name + "' (" +
                                  models::model_names() + ")",
                              "name")
                      .value());
  bool first = true;
  for (const models::ModelInfo* m : models::all_models()) {
    if (!flags.name.empty() && m->name != flags.name) continue;
    if (!first) std::cout << "\n";
    first = false;
    std::cout << describe(*m);
  }
  return 0;
}

}  // namespace growthcast::cli

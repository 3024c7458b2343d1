// `growthcast models`: the registered models, each with its equations in
// words, parameters, inputs, drivers and growth contributions.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

namespace growthcast::cli {

struct ModelsFlags {
  std::string name;  // one model only, when given
};

void add_models_command(CLI::App& app, ModelsFlags& flags);
int models_main(const ModelsFlags& flags);

}  // namespace growthcast::cli

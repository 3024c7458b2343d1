// Reading a whole text file that a user named (panel, scenario, sweep), with
// the same checks and messages everywhere.
#pragma once

#include <filesystem>
#include <string>

#include "common/error.h"

namespace growthcast {

// Refuses missing files, directories and anything that is not a regular
// file (a path such as /dev/zero would otherwise be read without end);
// `kind` names the file in messages ("CSV file", "scenario file").
Result<std::string> read_text_file(const std::filesystem::path& path,
                                   const std::string& kind);

}  // namespace growthcast

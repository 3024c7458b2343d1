// Writing outputs without ever touching what the user did not name.
//
// Every output is written to a temporary file created exclusively (O_EXCL,
// so neither an existing file nor a planted symbolic link is ever opened)
// in the output's own directory, under a short hidden name (".gc-<16 hex
// digits>.tmp", so a long but legal output name still has a legal
// temporary), then synced and renamed over the output. rename() replaces a
// symbolic link at the output path, never the file it points to.
//
// While a temporary exists its path is in a small signal-safe registry: on
// SIGINT or SIGTERM the handler removes every registered temporary and then
// dies of the signal as it would have. SIGKILL (and a power cut) cannot be
// caught: a hidden ".gc-*.tmp" may then remain in the output's directory,
// never at the output path itself.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "common/error.h"

namespace growthcast::store {

// Refuses an output path whose existing target is not a regular file (a
// directory, device node, FIFO or socket, also through a symbolic link):
// replacing it would destroy something that is not a growthcast output.
Status check_output_target(const std::filesystem::path& out);

// A fresh temporary path in `dir` (not created): ".gc-<16 hex>.tmp".
std::filesystem::path short_temporary_name(const std::filesystem::path& dir);

// Registers `path` as a temporary to remove on SIGINT/SIGTERM (installing
// the handlers on first use). Returns a slot for unregister_temporary, or
// -1 when the registry is full (the path is then simply not cleaned up).
int register_temporary(const std::filesystem::path& path);
void unregister_temporary(int slot);

// For a host process with its own SIGINT handling (the Python module:
// Ctrl-C is Python's KeyboardInterrupt, and a cancelled write removes its
// temporary as it unwinds): the handlers above are never installed.
// Called before the first write.
void leave_signal_handlers_to_host();

// Writes `text` to `out` through an exclusive temporary, fsync and rename.
// `field` names the flag in errors (e.g. "--json").
Status write_text_atomically(const std::filesystem::path& out,
                             std::string_view text,
                             const std::string& field = {});

}  // namespace growthcast::store

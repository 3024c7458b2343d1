// Stopping a long run from outside: a front end (the Python module's
// signal watcher, a test) sets the flag from another thread; the engine
// polls it between units of work (Monte Carlo chunks, solver iterations,
// sweep points) and returns cancelled(). Never set, it changes nothing: the
// work and its order are the same, so results stay bit-identical.
#pragma once

#include <atomic>

#include "common/error.h"

namespace growthcast {

using CancelFlag = std::atomic<bool>;

inline bool is_cancelled(const CancelFlag* flag) {
  return flag != nullptr && flag->load(std::memory_order_relaxed);
}

// Exit status 130 as a shell reports a run ended by SIGINT.
inline tl::unexpected<Error> cancelled() {
  return tl::unexpected<Error>(Error{"interrupted", {}, 0, {}, 130});
}

}  // namespace growthcast

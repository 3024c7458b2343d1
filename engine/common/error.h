// Errors that travel from the edges (files, flags, TOML) up to the command
// line as values. Each carries where it happened so the message can name the
// file, the line and the field, and the exit status the CLI should use.
#pragma once

#include <string>
#include <tl/expected.hpp>
#include <utility>

namespace growthcast {

struct Error {
  std::string message;
  std::string file;   // empty when the error is not about a file
  long line = 0;      // 1-based; 0 when not about one line
  std::string field;  // column, key or flag; empty when not about one field
  int exit_code = 1;  // 1 bad data or failed run, 2 usage error

  // "file:line: field 'x': message" with the parts that are known.
  std::string to_string() const;
};

template <class T>
using Result = tl::expected<T, Error>;
using Status = tl::expected<void, Error>;

inline tl::unexpected<Error> fail(std::string message, std::string file = {},
                                  long line = 0, std::string field = {}) {
  return tl::unexpected<Error>(
      Error{std::move(message), std::move(file), line, std::move(field), 1});
}

inline tl::unexpected<Error> usage_error(std::string message,
                                         std::string field = {}) {
  return tl::unexpected<Error>(
      Error{std::move(message), {}, 0, std::move(field), 2});
}

inline Status ok() { return {}; }

}  // namespace growthcast

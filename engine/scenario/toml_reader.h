// The TOML toolkit of the scenario and sweep readers: the only code that
// uses toml++. Errors read "file:line: field 'key': message" (common/error.h);
// their wording is part of the command line's interface (tests/bad_inputs,
// tests/scenario), so the getters' messages must not change.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "common/error.h"

namespace growthcast::toml_reader {

// The values a sweep axis can set (sweep::AxisValue is the same type).
using Scalar = std::variant<double, std::int64_t, bool, std::string>;

struct Entry;

// A value inside a Document, or nothing (an absent key). A view: valid while
// its Document lives. Only operator bool may be called on nothing.
class Node {
 public:
  Node() = default;
  explicit operator bool() const { return node_ != nullptr; }

  long line() const;              // where the value starts, 1-based
  std::string type_name() const;  // "a string", "an integer", ...
  bool is_table() const;
  bool is_array() const;
  bool is_floating_point() const;

  // The value, when it has that type.
  std::optional<std::string> string() const;
  std::optional<std::int64_t> integer() const;
  std::optional<bool> boolean() const;
  std::optional<Scalar> scalar() const;  // a number, boolean or string

  // A table's entries or an array's elements; 0 for other values.
  std::size_t size() const;
  // A table's value at `key`; nothing when absent.
  Node get(const std::string& key) const;
  // A table's entries in key order (toml++'s), or in the order of the file
  // so that the first error reported is the first one in the file.
  std::vector<Entry> entries() const;
  std::vector<Entry> entries_in_file_order() const;
  // An array's element i < size().
  Node at(std::size_t i) const;
  // A table printed as a TOML document (an inline table as a standard one),
  // ending with a newline.
  std::string document_text() const;

 private:
  friend class Document;
  explicit Node(const void* node) : node_(node) {}
  // A toml::node: toml++ stays out of this header, and so out of the
  // stages and installed headers that include it.
  const void* node_ = nullptr;
};

struct Entry {
  std::string key;
  long key_line = 0;  // the key's line, which may differ from the value's
  Node node;
};

// A parsed document, which the sweep edits into its points.
class Document {
 public:
  // A syntax error reads "TOML syntax: <toml++'s description>" at its line.
  static Result<Document> parse(const std::string& text,
                                const std::string& file);
  Document(Document&&) noexcept;
  Document& operator=(Document&&) noexcept;
  ~Document();

  Node root() const;
  // Sets the value at a dotted key (a.b.c), creating tables on the way;
  // false when a key on the way holds something other than a table.
  bool set(const std::string& dotted_key, const Scalar& value);
  void erase(const std::string& key);  // a top-level key
  std::string text() const;            // root().document_text()

 private:
  struct Impl;
  explicit Document(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Checked reads of one file's values: each failure is an Error naming the
// file, the value's line and `field`.
class Reader {
 public:
  explicit Reader(std::string file) : file_(std::move(file)) {}
  const std::string& file() const { return file_; }

  tl::unexpected<Error> error(std::string message, long line,
                              std::string field) const {
    return fail(std::move(message), file_, line, std::move(field));
  }

  Result<std::string> get_string(Node n, const std::string& field) const;
  Result<std::int64_t> get_integer(Node n, const std::string& field) const;
  // In [lo, hi], else "<noun> <value> is out of range (lo..hi)".
  Result<std::int64_t> get_integer_in(Node n, const std::string& field,
                                      const std::string& noun, std::int64_t lo,
                                      std::int64_t hi) const;
  Result<bool> get_bool(Node n, const std::string& field) const;
  // A finite number; integers are accepted where a fraction is expected.
  Result<double> get_number(Node n, const std::string& field) const;
  // In [lo, hi], else "<value> is out of range for <what> [lo, hi]".
  Result<double> get_number_in(Node n, const std::string& field,
                               const std::string& what, double lo,
                               double hi) const;
  // The index of the string among `choices`, else "unknown <noun> "x"; did
  // you mean ...? (<noun>s: ...)".
  Result<std::size_t> get_choice(Node n, const std::string& field,
                                 const std::string& noun,
                                 const std::vector<std::string>& choices) const;
  // A table, else "must be <what>, not <its type>".
  Status expect_table(Node n, const std::string& field,
                      const std::string& what) const;
  // A non-empty array of distinct, non-empty names of `what` (e.g. "region"),
  // each with its line.
  Result<std::vector<std::pair<std::string, long>>> get_names(
      Node n, const std::string& field, const std::string& what) const;

  // "unknown key 'k'<context>; did you mean ...? (known keys here: ...)" at
  // the key's line; the field is where.k (k at the top level).
  tl::unexpected<Error> unknown_key(const Entry& e, const std::string& where,
                                    const std::vector<std::string>& known,
                                    const std::string& context = {}) const;

 private:
  std::string file_;
};

// "; did you mean 'x'?" when one of `known` is close to `word`, else "".
std::string suggestion(const std::string& word,
                       const std::vector<std::string>& known);
// "'a', 'b' or 'c'".
std::string join_quoted(const std::vector<std::string>& names);
// A number as a message shows it (ostream's default: 0.03, 1e-05).
std::string format_number(double x);

}  // namespace growthcast::toml_reader

#include "scenario/toml_reader.h"

#include <toml++/toml.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <sstream>
#include <string_view>

namespace growthcast::toml_reader {

namespace {

const toml::node* as_node(const void* p) {
  return static_cast<const toml::node*>(p);
}

long line_of(const toml::node& n) {
  return static_cast<long>(n.source().begin.line);
}

std::string printed(const toml::table& t) {
  std::ostringstream out;
  out << t << "\n";
  return out.str();
}

std::vector<std::string> split_key(const std::string& key) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = key.find('.', start);
    parts.push_back(key.substr(start, dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return parts;
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + cost});
      diagonal = above;
    }
  }
  return row[b.size()];
}

}  // namespace

// Node

long Node::line() const { return line_of(*as_node(node_)); }

std::string Node::type_name() const {
  switch (as_node(node_)->type()) {
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a number with a fraction";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::date:
    case toml::node_type::time:
    case toml::node_type::date_time:
      return "a date or time";
    case toml::node_type::none:
      break;
  }
  return "nothing";
}

// An absent node (a key the file lacks) is of no type.
bool Node::is_table() const {
  return node_ != nullptr && as_node(node_)->is_table();
}
bool Node::is_array() const {
  return node_ != nullptr && as_node(node_)->is_array();
}
bool Node::is_floating_point() const {
  return node_ != nullptr && as_node(node_)->is_floating_point();
}

std::optional<std::string> Node::string() const {
  if (const auto* v = as_node(node_)->as_string()) return v->get();
  return std::nullopt;
}

std::optional<std::int64_t> Node::integer() const {
  if (const auto* v = as_node(node_)->as_integer()) return v->get();
  return std::nullopt;
}

std::optional<bool> Node::boolean() const {
  if (const auto* v = as_node(node_)->as_boolean()) return v->get();
  return std::nullopt;
}

std::optional<Scalar> Node::scalar() const {
  const toml::node& n = *as_node(node_);
  if (const auto* v = n.as_floating_point()) return Scalar(v->get());
  if (const auto* v = n.as_integer()) return Scalar(std::int64_t(v->get()));
  if (const auto* v = n.as_boolean()) return Scalar(v->get());
  if (const auto* v = n.as_string()) return Scalar(v->get());
  return std::nullopt;
}

std::size_t Node::size() const {
  const toml::node& n = *as_node(node_);
  if (const auto* t = n.as_table()) return t->size();
  if (const auto* a = n.as_array()) return a->size();
  return 0;
}

Node Node::get(const std::string& key) const {
  const auto* t = as_node(node_)->as_table();
  return Node(t == nullptr ? nullptr : t->get(key));
}

std::vector<Entry> Node::entries() const {
  std::vector<Entry> out;
  const auto* t = as_node(node_)->as_table();
  if (t == nullptr) return out;
  for (auto&& [k, v] : *t) {
    out.push_back(Entry{std::string(k.str()),
                        static_cast<long>(k.source().begin.line), Node(&v)});
  }
  return out;
}

std::vector<Entry> Node::entries_in_file_order() const {
  std::vector<Entry> out = entries();
  std::stable_sort(out.begin(), out.end(), [](const Entry& a, const Entry& b) {
    const auto& sa = as_node(a.node.node_)->source().begin;
    const auto& sb = as_node(b.node.node_)->source().begin;
    if (sa.line != sb.line) return sa.line < sb.line;
    return sa.column < sb.column;
  });
  return out;
}

Node Node::at(std::size_t i) const {
  return Node(as_node(node_)->as_array()->get(i));
}

std::string Node::document_text() const {
  // An inline table (base = { ... }) prints as "{ ... }", which is not a
  // TOML document: print a copy as a standard table.
  toml::table copy = *as_node(node_)->as_table();
  copy.is_inline(false);
  return printed(copy);
}

// Document

struct Document::Impl {
  toml::table table;
};

Document::Document(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Document::Document(Document&&) noexcept = default;
Document& Document::operator=(Document&&) noexcept = default;
Document::~Document() = default;

Result<Document> Document::parse(const std::string& text,
                                 const std::string& file) {
  auto impl = std::make_unique<Impl>();
  try {
    impl->table = toml::parse(std::string_view(text), std::string_view(file));
  } catch (const toml::parse_error& e) {
    return fail("TOML syntax: " + std::string(e.description()), file,
                static_cast<long>(e.source().begin.line));
  }
  return Document(std::move(impl));
}

Node Document::root() const { return Node(&impl_->table); }

bool Document::set(const std::string& dotted_key, const Scalar& value) {
  const auto parts = split_key(dotted_key);
  toml::table* at = &impl_->table;
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
    toml::node* next = at->get(parts[i]);
    if (next == nullptr) {
      at->insert(parts[i], toml::table{});
      next = at->get(parts[i]);
    }
    at = next->as_table();
    if (at == nullptr) return false;
  }
  std::visit([&](const auto& v) { at->insert_or_assign(parts.back(), v); },
             value);
  return true;
}

void Document::erase(const std::string& key) { impl_->table.erase(key); }

std::string Document::text() const { return printed(impl_->table); }

// Reader

Result<std::string> Reader::get_string(Node n, const std::string& field) const {
  if (auto v = n.string()) return *v;
  return error("must be a string, not " + n.type_name(), n.line(), field);
}

Result<std::int64_t> Reader::get_integer(Node n,
                                         const std::string& field) const {
  if (auto v = n.integer()) return *v;
  return error("must be an integer, not " + n.type_name(), n.line(), field);
}

Result<std::int64_t> Reader::get_integer_in(Node n, const std::string& field,
                                            const std::string& noun,
                                            std::int64_t lo,
                                            std::int64_t hi) const {
  auto v = get_integer(n, field);
  if (!v) return v;
  if (*v < lo || *v > hi) {
    return error(noun + " " + std::to_string(*v) + " is out of range (" +
                     std::to_string(lo) + ".." + std::to_string(hi) + ")",
                 n.line(), field);
  }
  return v;
}

Result<bool> Reader::get_bool(Node n, const std::string& field) const {
  if (auto v = n.boolean()) return *v;
  return error("must be true or false, not " + n.type_name(), n.line(), field);
}

Result<double> Reader::get_number(Node n, const std::string& field) const {
  const auto v = n.scalar();
  const double* f = v ? std::get_if<double>(&*v) : nullptr;
  const std::int64_t* i = v ? std::get_if<std::int64_t>(&*v) : nullptr;
  if (f == nullptr && i == nullptr) {
    return error("must be a number, not " + n.type_name(), n.line(), field);
  }
  const double x = f != nullptr ? *f : static_cast<double>(*i);
  if (!std::isfinite(x)) {
    return error("must be a finite number", n.line(), field);
  }
  return x;
}

Result<double> Reader::get_number_in(Node n, const std::string& field,
                                     const std::string& what, double lo,
                                     double hi) const {
  auto x = get_number(n, field);
  if (!x) return x;
  if (*x < lo || *x > hi) {
    return error(format_number(*x) + " is out of range for " + what + " [" +
                     format_number(lo) + ", " + format_number(hi) + "]",
                 n.line(), field);
  }
  return x;
}

Result<std::size_t> Reader::get_choice(
    Node n, const std::string& field, const std::string& noun,
    const std::vector<std::string>& choices) const {
  auto v = get_string(n, field);
  if (!v) return tl::unexpected(v.error());
  const auto it = std::find(choices.begin(), choices.end(), *v);
  if (it == choices.end()) {
    return error("unknown " + noun + " \"" + *v + "\"" +
                     suggestion(*v, choices) + " (" + noun +
                     "s: " + join_quoted(choices) + ")",
                 n.line(), field);
  }
  return static_cast<std::size_t>(it - choices.begin());
}

Status Reader::expect_table(Node n, const std::string& field,
                            const std::string& what) const {
  if (n.is_table()) return ok();
  return error("must be " + what + ", not " + n.type_name(), n.line(), field);
}

Result<std::vector<std::pair<std::string, long>>> Reader::get_names(
    Node n, const std::string& field, const std::string& what) const {
  if (!n.is_array()) {
    return error("must be an array of " + what + " names, not " + n.type_name(),
                 n.line(), field);
  }
  if (n.size() == 0) {
    return error("needs at least one " + what, n.line(), field);
  }
  std::vector<std::pair<std::string, long>> out;
  std::set<std::string> seen;
  for (std::size_t i = 0; i < n.size(); ++i) {
    const Node item = n.at(i);
    auto name = get_string(item, field + "[" + std::to_string(i) + "]");
    if (!name) return tl::unexpected(name.error());
    if (name->empty()) {
      return error("empty " + what + " name", item.line(), field);
    }
    if (!seen.insert(*name).second) {
      return error(what + " '" + *name + "' is listed twice", item.line(),
                   field);
    }
    out.emplace_back(*name, item.line());
  }
  return out;
}

tl::unexpected<Error> Reader::unknown_key(const Entry& e,
                                          const std::string& where,
                                          const std::vector<std::string>& known,
                                          const std::string& context) const {
  const std::string field = where.empty() ? e.key : where + "." + e.key;
  return error("unknown key '" + e.key + "'" + context +
                   suggestion(e.key, known) +
                   " (known keys here: " + join_quoted(known) + ")",
               e.key_line, field);
}

// Messages

std::string suggestion(const std::string& word,
                       const std::vector<std::string>& known) {
  std::string best;
  std::size_t best_distance = 0;
  for (const std::string& k : known) {
    const std::size_t dist = edit_distance(word, k);
    if (best.empty() || dist < best_distance) {
      best = k;
      best_distance = dist;
    }
  }
  if (best.empty()) return {};
  const std::size_t limit = std::max<std::size_t>(2, word.size() / 3);
  if (best_distance > limit || best_distance >= word.size()) return {};
  return "; did you mean '" + best + "'?";
}

std::string join_quoted(const std::vector<std::string>& names) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += (i + 1 == names.size()) ? " or " : ", ";
    out += "'" + names[i] + "'";
  }
  return out;
}

std::string format_number(double x) {
  std::ostringstream out;
  out << x;
  return out.str();
}

}  // namespace growthcast::toml_reader

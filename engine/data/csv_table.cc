#include "data/csv_table.h"

#include <csv.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <sstream>

#include "common/text_file.h"

namespace growthcast::data {
namespace {

// State shared with libcsv's callbacks while one file is parsed.
struct ParseState {
  std::vector<CsvRecord> records;
  CsvRecord current;
  long line = 1;          // physical line of the chunk being fed
  long record_start = 1;  // line where the record being read began
  // The columns to keep (all when null); per header column once the
  // header is read, whether it is kept.
  const std::vector<std::string>* keep = nullptr;
  std::vector<char> kept;
  std::size_t kept_count = 0;

  // The header's name for the field being read, once the header is known.
  std::string current_column() const {
    if (records.empty()) return {};
    const auto& header = records.front().fields;
    const std::size_t index = current.width;
    return index < header.size() ? header[index].text : std::string();
  }
};

void on_field(void* text, std::size_t length, void* user) {
  auto* state = static_cast<ParseState*>(user);
  const std::size_t index = state->current.width++;
  const char* chars = static_cast<const char*>(text);
  if (text == nullptr) length = 0;
  // A field that spans lines ends on `line`; the record starts on the line
  // of its first field minus the newlines inside that field.
  if (index == 0) {
    long embedded = 0;
    for (std::size_t k = 0; k < length; ++k) embedded += (chars[k] == '\n');
    state->current.line = state->line - embedded;
  }
  // The header keeps every field; a row only its kept columns' (a column
  // past the header's is kept, so a too-long row is still reported whole).
  if (!state->records.empty() && state->keep != nullptr &&
      index < state->kept.size() && !state->kept[index])
    return;
  CsvField field;
  field.text.assign(chars, length);
  field.line = state->line;
  state->current.fields.push_back(std::move(field));
}

void on_record_end(int /*terminator*/, void* user) {
  auto* state = static_cast<ParseState*>(user);
  const bool header = state->records.empty();
  state->records.push_back(std::move(state->current));
  state->current = CsvRecord{};
  if (header) {
    const auto& names = state->records.front().fields;
    state->kept.assign(names.size(), 1);
    state->kept_count = names.size();
    if (state->keep != nullptr) {
      state->kept_count = 0;
      for (std::size_t i = 0; i < names.size(); ++i) {
        state->kept[i] = std::find(state->keep->begin(), state->keep->end(),
                                   names[i].text) != state->keep->end();
        state->kept_count += std::size_t(state->kept[i]);
      }
    }
  }
  // Room for a record's kept fields at once: growing each record's
  // vector field by field was a quarter of reading a panel.
  state->current.fields.reserve(state->kept_count);
  state->record_start = state->line + 1;
}

// Index just past the first invalid UTF-8 sequence, or npos if valid.
std::size_t first_invalid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t extra = 0;
    if (c < 0x80) {
      extra = 0;
    } else if ((c & 0xE0) == 0xC0 && c >= 0xC2) {
      extra = 1;
    } else if ((c & 0xF0) == 0xE0) {
      extra = 2;
    } else if ((c & 0xF8) == 0xF0 && c <= 0xF4) {
      extra = 3;
    } else {
      return i;
    }
    if (i + extra >= s.size()) return i;  // truncated sequence
    for (std::size_t k = 1; k <= extra; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return i;
    }
    i += extra + 1;
  }
  return std::string_view::npos;
}

long line_of_offset(std::string_view text, std::size_t offset) {
  long line = 1;
  for (std::size_t i = 0; i < offset && i < text.size(); ++i)
    line += (text[i] == '\n');
  return line;
}

}  // namespace

int CsvTable::column(const std::string& name) const {
  for (std::size_t i = 0; i < header.fields.size(); ++i)
    if (header.fields[i].text == name) return static_cast<int>(i);
  return -1;
}

int CsvTable::field(const std::string& name) const {
  const int c = column(name);
  if (c < 0 || kept_index.empty()) return c;
  return kept_index[std::size_t(c)];
}

namespace {

Result<CsvTable> parse(std::string_view text, const std::string& file,
                       const std::vector<std::string>* keep) {
  if (text.size() >= 2 && ((text[0] == '\xFF' && text[1] == '\xFE') ||
                           (text[0] == '\xFE' && text[1] == '\xFF')))
    return fail("the file is UTF-16 (or UTF-32) encoded; save it as UTF-8",
                file, 1);
  constexpr std::string_view kBom = "\xEF\xBB\xBF";
  if (text.substr(0, 3) == kBom) text.remove_prefix(3);
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos)
    return fail("the file is empty", file);
  if (text.find('\0') != std::string_view::npos)
    return fail("the file contains NUL bytes: it is binary, not a CSV file",
                file, line_of_offset(text, text.find('\0')));
  if (auto bad = first_invalid_utf8(text); bad != std::string_view::npos)
    return fail("invalid UTF-8 byte sequence", file, line_of_offset(text, bad));
  if (auto bom = text.find(kBom); bom != std::string_view::npos)
    return fail(
        "a byte-order mark in the middle of the file (two files joined?)", file,
        line_of_offset(text, bom));

  ParseState state;
  state.keep = keep;
  // About one record per line: reserving saves the copies of a growing
  // vector of records.
  state.records.reserve(
      std::size_t(std::count(text.begin(), text.end(), '\n')) + 1);
  csv_parser parser;
  if (csv_init(&parser, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0)
    return fail("could not initialise the CSV parser", file);
  // Feed one physical line at a time so the callbacks know the line number.
  std::size_t start = 0;
  Status status = ok();
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    end = (end == std::string_view::npos) ? text.size() : end + 1;
    const std::size_t len = end - start;
    if (csv_parse(&parser, text.data() + start, len, on_field, on_record_end,
                  &state) != len) {
      status = fail(std::string("malformed CSV (a stray quote inside an "
                                "unquoted field, or text after a closing "
                                "quote?): ") +
                        csv_strerror(csv_error(&parser)),
                    file, state.line, state.current_column());
      break;
    }
    ++state.line;
    start = end;
  }
  if (status && csv_fini(&parser, on_field, on_record_end, &state) != 0) {
    // The quote opened in the record that began at record_start and never
    // closed: name that line and the field, not the end of the file.
    status = fail("a quoted field is never closed (its record begins here)",
                  file, state.record_start, state.current_column());
  }
  csv_free(&parser);
  if (!status) return tl::unexpected(status.error());
  if (state.records.empty()) return fail("the file is empty", file);

  CsvTable table;
  table.file = file;
  table.header = std::move(state.records.front());
  for (std::size_t i = 0; i < table.header.fields.size(); ++i) {
    const auto& name = table.header.fields[i].text;
    if (name.empty())
      return fail("empty column name in the header (column " +
                      std::to_string(i + 1) + ")",
                  file, table.header.line);
    for (std::size_t j = 0; j < i; ++j)
      if (table.header.fields[j].text == name)
        return fail("duplicate column name in the header", file,
                    table.header.line, name);
  }
  const std::size_t width = table.header.fields.size();
  table.rows.reserve(state.records.size() - 1);
  for (std::size_t r = 1; r < state.records.size(); ++r) {
    auto& record = state.records[r];
    if (record.width != width)
      return fail("row has " + std::to_string(record.width) +
                      " fields but the header has " + std::to_string(width),
                  file, record.line);
    table.rows.push_back(std::move(record));
  }
  if (keep != nullptr) {
    table.kept_index.assign(width, -1);
    int next = 0;
    for (std::size_t i = 0; i < width; ++i)
      if (state.kept[i]) table.kept_index[i] = next++;
  }
  return table;
}

}  // namespace

Result<CsvTable> parse_csv(std::string_view text, const std::string& file) {
  return parse(text, file, nullptr);
}

Result<CsvTable> parse_csv(std::string_view text, const std::string& file,
                           const std::vector<std::string>& keep) {
  return parse(text, file, &keep);
}

Result<CsvTable> read_csv(const std::filesystem::path& path) {
  auto text = read_text_file(path, "CSV file");
  if (!text) return tl::unexpected(text.error());
  return parse_csv(*text, path.string());
}

Result<CsvTable> read_csv(const std::filesystem::path& path,
                          const std::vector<std::string>& keep) {
  auto text = read_text_file(path, "CSV file");
  if (!text) return tl::unexpected(text.error());
  return parse_csv(*text, path.string(), keep);
}

}  // namespace growthcast::data

// Reading a CSV file into records of text fields, each remembering the line
// it ended on, so later checks can name file, line and column. Tokenizing
// (quotes, embedded commas and newlines) is libcsv's; this layer adds the
// encoding checks (UTF-8 with or without BOM, LF or CRLF) and line numbers.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace growthcast::data {

struct CsvField {
  std::string text;
  long line = 0;
};

struct CsvRecord {
  std::vector<CsvField> fields;  // the kept columns' fields (see parse_csv)
  long line = 0;                 // the line the record starts on
  std::size_t width = 0;         // fields in the record, kept or not
};

struct CsvTable {
  std::string file;  // as given by the user, for messages
  CsvRecord header;  // first record, every column
  std::vector<CsvRecord> rows;
  // Per header column, its index in each row's fields, or -1 when the
  // column was not kept. Empty when every column was kept.
  std::vector<int> kept_index;

  // Index of a header column, or -1.
  int column(const std::string& name) const;
  // Index of a column's field in a row's fields, or -1 when the header
  // has no such column or it was not kept.
  int field(const std::string& name) const;
};

// Reads the whole file. Errors: missing or unreadable file, empty file,
// UTF-16/32 encodings, invalid UTF-8, unterminated quotes, a BOM after the
// start, duplicate header names, rows whose field count differs from the
// header.
Result<CsvTable> read_csv(const std::filesystem::path& path);

// The same from text already in memory (`file` names it in messages).
Result<CsvTable> parse_csv(std::string_view text, const std::string& file);

// Only the columns named in `keep` are stored in the rows (all are still
// tokenized, counted and checked as above): a reader that needs 3 of a
// file's 52 columns (the Penn World Table) no longer holds every field.
Result<CsvTable> read_csv(const std::filesystem::path& path,
                          const std::vector<std::string>& keep);
Result<CsvTable> parse_csv(std::string_view text, const std::string& file,
                           const std::vector<std::string>& keep);

}  // namespace growthcast::data

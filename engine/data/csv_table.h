// Reading a CSV file into records of text fields, each remembering the line
// it ended on, so later checks can name file, line and column. Tokenizing
// (quotes, embedded commas and newlines) is libcsv's; this layer adds the
// encoding checks (UTF-8 with or without BOM, LF or CRLF) and line numbers.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "common/error.h"

namespace growthcast::data {

struct CsvField {
  std::string text;
  long line = 0;
};

struct CsvRecord {
  std::vector<CsvField> fields;
  long line = 0;  // the line the record starts on
};

struct CsvTable {
  std::string file;  // as given by the user, for messages
  CsvRecord header;  // first record
  std::vector<CsvRecord> rows;

  // Index of a header column, or -1.
  int column(const std::string& name) const;
};

// Reads the whole file. Errors: missing or unreadable file, empty file,
// UTF-16/32 encodings, invalid UTF-8, unterminated quotes, a BOM after the
// start, duplicate header names, rows whose field count differs from the
// header.
Result<CsvTable> read_csv(const std::filesystem::path& path);

// The same from text already in memory (`file` names it in messages).
Result<CsvTable> parse_csv(std::string_view text, const std::string& file);

}  // namespace growthcast::data

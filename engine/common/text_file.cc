#include "common/text_file.h"

#include <fstream>

namespace growthcast {

Result<std::string> read_text_file(const std::filesystem::path& path,
                                   const std::string& kind) {
  const std::string name = path.string();
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return fail("no such file", name);
  if (std::filesystem::is_directory(path, ec))
    return fail("is a directory, not a " + kind, name);
  if (!std::filesystem::is_regular_file(path, ec))
    return fail("not a regular file (a " + kind + " must be one)", name);
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail("cannot open the file for reading", name);
  // Read in one piece sized from the file (a stream buffer copied into a
  // growing string cost more than the read); whatever the file gained
  // since its size was taken is appended by the loop.
  std::string text;
  const auto size = std::filesystem::file_size(path, ec);
  if (!ec) text.reserve(static_cast<std::size_t>(size));
  char chunk[1 << 16];
  while (in.read(chunk, sizeof chunk) || in.gcount() > 0)
    text.append(chunk, static_cast<std::size_t>(in.gcount()));
  if (in.bad()) return fail("error while reading the file", name);
  return text;
}

}  // namespace growthcast

#include "common/text_file.h"

#include <fstream>
#include <sstream>

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
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) return fail("error while reading the file", name);
  return buffer.str();
}

}  // namespace growthcast

#include "common/error.h"

namespace growthcast {

std::string Error::to_string() const {
  std::string out;
  if (!file.empty()) {
    out += file;
    if (line > 0) out += ":" + std::to_string(line);
    out += ": ";
  }
  if (!field.empty()) out += "field '" + field + "': ";
  out += message;
  return out;
}

}  // namespace growthcast

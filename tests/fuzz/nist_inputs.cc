#include "fuzz/fuzz_inputs.h"
#include "solverbench/nist_problem.h"

namespace growthcast::fuzz {

bool nist(std::string_view data) {
  return static_cast<bool>(solverbench::parse_nist_problem(data, "fuzz.dat"));
}

}  // namespace growthcast::fuzz

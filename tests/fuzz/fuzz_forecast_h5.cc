// libFuzzer entry point: see fuzz_inputs.h, h5_inputs.cc and README.md.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz/fuzz_inputs.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  growthcast::fuzz::forecast_h5(
      std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}

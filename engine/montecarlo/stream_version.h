// The random stream's version (random_stream.h), recorded in every file
// whose numbers depend on it (`random_stream`, docs/hdf5-layout.md).
// Version 1 is kept bit for bit to reproduce results written before
// version 2 (issue 20).
#pragma once

namespace growthcast::montecarlo {

enum class StreamVersion : int { v1 = 1, v2 = 2 };
inline constexpr StreamVersion kDefaultStreamVersion = StreamVersion::v2;
inline constexpr int kOldestStreamVersion = 1, kNewestStreamVersion = 2;

}  // namespace growthcast::montecarlo

// The random stream's version (random_stream.h), recorded in every file
// whose numbers depend on it (`random_stream`, docs/hdf5-layout.md).
// Versions 1 and 2 are kept bit for bit to reproduce results written
// before version 2 and before version 3 (issue 20). Version 3 draws version
// 2's numbers; its kernel takes logarithms and exponentials with
// float_core_math.h instead of glibc's.
#pragma once

namespace growthcast::montecarlo {

enum class StreamVersion : int { v1 = 1, v2 = 2, v3 = 3 };
inline constexpr StreamVersion kDefaultStreamVersion = StreamVersion::v3;
inline constexpr int kOldestStreamVersion = 1, kNewestStreamVersion = 3;

}  // namespace growthcast::montecarlo

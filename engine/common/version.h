// Program version, the git commit it was built from and the instruction set
// it was compiled for (-march, cmake/Arch.cmake), set by CMake.
#pragma once

namespace growthcast {

const char* version();
const char* git_commit();
const char* instruction_set();

}  // namespace growthcast

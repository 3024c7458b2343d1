// Program version and the git commit it was built from (set by CMake).
#pragma once

namespace growthcast {

const char* version();
const char* git_commit();

}  // namespace growthcast

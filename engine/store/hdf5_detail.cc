#include "store/hdf5_detail.h"

namespace growthcast::store::detail {

void silence_hdf5_errors() {
  // No exit-time cleanup by HDF5: every file is closed explicitly, and a
  // file whose close failed (a full disk) would otherwise be closed again
  // at exit and crash. Must precede the library's initialisation, so it is
  // the first HDF5 call; later calls are harmless no-ops.
  static const bool no_atexit = [] {
    H5dont_atexit();
    return true;
  }();
  (void)no_atexit;
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
}

namespace {

// Walked upward, entry 0 is where HDF5 first detected the problem ("file
// exists", "No such file or directory"), which says more than the outer
// "unable to create dataset" frames.
herr_t keep_innermost(unsigned n, const H5E_error2_t* error, void* out) {
  if (n == 0 && error->desc != nullptr) {
    *static_cast<std::string*>(out) = error->desc;
  }
  return 0;
}

}  // namespace

std::string hdf5_message() {
  std::string message;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, keep_innermost, &message);
  H5Eclear2(H5E_DEFAULT);
  // Some descriptions embed newlines (e.g. a write's errno and file name);
  // messages are one line.
  for (char& c : message)
    if (c == '\n' || c == '\r') c = ' ';
  return message;
}

tl::unexpected<Error> hdf5_fail(const std::string& what,
                                const std::string& object,
                                const std::string& file) {
  std::string message = what;
  if (!object.empty()) message += " '" + object + "'";
  const std::string detail = hdf5_message();
  if (!detail.empty()) message += ": " + detail;
  return fail(std::move(message), file);
}

Handle vlen_string_type() {
  Handle type(H5Tcopy(H5T_C_S1), H5Tclose);
  if (type.valid()) {
    H5Tset_size(type.get(), H5T_VARIABLE);
    H5Tset_cset(type.get(), H5T_CSET_UTF8);
  }
  return type;
}

}  // namespace growthcast::store::detail

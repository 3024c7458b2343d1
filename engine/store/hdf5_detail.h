// Internal to the store library (included only by its .cc files): RAII for
// HDF5 identifiers, turning the HDF5 error stack into Error values, and the
// netCDF-compatible property lists and types shared by writer and reader.
#pragma once

#include <hdf5.h>

#include <string>
#include <utility>

#include "common/error.h"

namespace growthcast::store::detail {

// Owns one hid_t and closes it with the function matching its kind (H5Fclose,
// H5Gclose, ...). Move-only, so every handle is closed exactly once even on
// early returns.
class Handle {
 public:
  using Closer = herr_t (*)(hid_t);

  Handle() = default;
  Handle(hid_t id, Closer closer) : id_(id), closer_(closer) {}
  Handle(Handle&& other) noexcept
      : id_(std::exchange(other.id_, H5I_INVALID_HID)),
        closer_(other.closer_) {}
  Handle& operator=(Handle&& other) noexcept {
    if (this != &other) {
      reset();
      id_ = std::exchange(other.id_, H5I_INVALID_HID);
      closer_ = other.closer_;
    }
    return *this;
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  ~Handle() { reset(); }

  hid_t get() const { return id_; }
  bool valid() const { return id_ >= 0; }

  // Closes now and reports whether HDF5 succeeded (closing a file is where
  // buffered data is written, so the result matters there).
  bool close() {
    if (!valid()) return true;
    const herr_t status = closer_(std::exchange(id_, H5I_INVALID_HID));
    return status >= 0;
  }
  void reset() { close(); }

 private:
  hid_t id_ = H5I_INVALID_HID;
  Closer closer_ = nullptr;
};

// Stop HDF5 from printing its error stack to stderr: failures become Error
// values instead. Applies to the calling thread's default stack.
void silence_hdf5_errors();

// The innermost message on the HDF5 error stack (the most specific cause),
// or an empty string; clears the stack.
std::string hdf5_message();

// Error for a failed HDF5 call: "<what> '<object>': <hdf5 detail>", naming
// `file`.
tl::unexpected<Error> hdf5_fail(const std::string& what,
                                const std::string& object,
                                const std::string& file);

// Variable-length UTF-8 string type, which netCDF-4 reads as NC_STRING.
Handle vlen_string_type();

}  // namespace growthcast::store::detail

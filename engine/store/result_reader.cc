// ResultReader: reads back datasets and attributes, checking the stored type
// so that a wrong expectation is an error naming the file and object rather
// than a silent conversion.
#include <hdf5.h>
#include <hdf5_hl.h>

#include <cmath>
#include <limits>
#include <system_error>

#include "store/hdf5_detail.h"
#include "store/result_file.h"

namespace growthcast::store {

namespace fs = std::filesystem;
using detail::Handle;
using detail::hdf5_fail;

namespace {

std::string attribute_label(const std::string& object,
                            const std::string& name) {
  return "attribute '" + name + "' of '" + object + "'";
}

// Strings of a dataset or attribute whose stored type is `type` (a string
// type, variable or fixed length); `read(memory_type, buffer)` is H5Dread or
// H5Aread.
template <class Read>
bool read_string_values(hid_t type, std::size_t count, Read read,
                        std::vector<std::string>& out) {
  Handle memory(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_cset(memory.get(), H5Tget_cset(type));
  if (H5Tis_variable_str(type) > 0) {
    H5Tset_size(memory.get(), H5T_VARIABLE);
    std::vector<char*> text(count, nullptr);
    if (read(memory.get(), text.data()) < 0) return false;
    for (char* value : text) {
      out.emplace_back(value != nullptr ? value : "");
      H5free_memory(value);  // HDF5 allocated each string
    }
    return true;
  }
  // Fixed length: read NUL-padded and cut at the first NUL.
  const std::size_t size = H5Tget_size(type);
  H5Tset_size(memory.get(), size);
  H5Tset_strpad(memory.get(), H5T_STR_NULLPAD);
  std::vector<char> buffer(size * count);
  if (read(memory.get(), buffer.data()) < 0) return false;
  for (std::size_t i = 0; i < count; ++i) {
    const char* begin = buffer.data() + i * size;
    std::string value(begin, size);
    out.push_back(value.substr(0, value.find('\0')));
  }
  return true;
}

std::size_t element_count(hid_t space) {
  const hssize_t count = H5Sget_simple_extent_npoints(space);
  return count > 0 ? static_cast<std::size_t>(count) : 0;
}

}  // namespace

struct ResultReader::Impl {
  fs::path path;
  Handle file;

  std::string name() const { return path.string(); }

  bool exists(const std::string& object) const {
    return !object.empty() && object.front() == '/' &&
           H5LTpath_valid(file.get(), object.c_str(), 1) > 0;
  }

  Result<Handle> dataset(const std::string& object) const {
    if (!exists(object)) {
      detail::hdf5_message();  // clear the stack of the failed lookup
      return fail("no dataset '" + object + "'", name());
    }
    Handle opened(H5Oopen(file.get(), object.c_str(), H5P_DEFAULT), H5Oclose);
    if (!opened.valid()) return hdf5_fail("cannot open", object, name());
    if (H5Iget_type(opened.get()) != H5I_DATASET) {
      return fail("'" + object + "' is not a dataset", name());
    }
    return opened;
  }

  Result<Handle> attribute(const std::string& object,
                           const std::string& attr) const {
    if (!exists(object)) {
      detail::hdf5_message();
      return fail(
          "no object '" + object + "' (looking for attribute '" + attr + "')",
          name());
    }
    if (H5Aexists_by_name(file.get(), object.c_str(), attr.c_str(),
                          H5P_DEFAULT) <= 0) {
      detail::hdf5_message();
      return fail("no " + attribute_label(object, attr), name());
    }
    Handle opened(H5Aopen_by_name(file.get(), object.c_str(), attr.c_str(),
                                  H5P_DEFAULT, H5P_DEFAULT),
                  H5Aclose);
    if (!opened.valid()) {
      return hdf5_fail("cannot open", attribute_label(object, attr), name());
    }
    return opened;
  }

  // The attribute if it holds exactly one value of class `expected`.
  Result<Handle> single_attribute(const std::string& object,
                                  const std::string& attr, H5T_class_t expected,
                                  const std::string& kind) const {
    auto opened = attribute(object, attr);
    if (!opened) return opened;
    Handle type(H5Aget_type(opened->get()), H5Tclose);
    Handle space(H5Aget_space(opened->get()), H5Sclose);
    if (H5Tget_class(type.get()) != expected) {
      return fail(attribute_label(object, attr) + " is not " + kind, name());
    }
    if (element_count(space.get()) != 1) {
      return fail(attribute_label(object, attr) + " is not a single value",
                  name());
    }
    return opened;
  }

  // The dataset's dimensions, compared with `expected` when given.
  Result<std::vector<std::size_t>> dims(
      hid_t dataset, const std::string& object,
      const std::vector<std::size_t>* expected) const {
    Handle space(H5Dget_space(dataset), H5Sclose);
    const int rank = H5Sget_simple_extent_ndims(space.get());
    if (rank < 0) return hdf5_fail("cannot read the shape of", object, name());
    std::vector<hsize_t> found(static_cast<std::size_t>(rank));
    if (rank > 0 &&
        H5Sget_simple_extent_dims(space.get(), found.data(), nullptr) < 0)
      return hdf5_fail("cannot read the shape of", object, name());
    std::vector<std::size_t> out(found.begin(), found.end());
    if (expected != nullptr && out != *expected)
      return fail("dataset '" + object + "' has shape " + shape_text(out) +
                      ", expected " + shape_text(*expected) +
                      " from the file's own dimensions",
                  name());
    return out;
  }

  static std::string shape_text(const std::vector<std::size_t>& dims) {
    std::string out = "[";
    for (std::size_t i = 0; i < dims.size(); ++i)
      out += (i ? ", " : "") + std::to_string(dims[i]);
    return out + "]";
  }

  Status check_class(hid_t dataset, const std::string& object,
                     H5T_class_t expected, const std::string& kind) const {
    Handle type(H5Dget_type(dataset), H5Tclose);
    if (H5Tget_class(type.get()) == expected) return ok();
    return fail("dataset '" + object + "' does not hold " + kind, name());
  }
};

ResultReader::ResultReader(std::unique_ptr<Impl> impl)
    : impl_(std::move(impl)) {}
ResultReader::ResultReader(ResultReader&&) noexcept = default;
ResultReader& ResultReader::operator=(ResultReader&&) noexcept = default;
ResultReader::~ResultReader() = default;

Result<ResultReader> ResultReader::open(const fs::path& path) {
  detail::silence_hdf5_errors();
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) {
    return fail("result file does not exist", path.string());
  }
  if (H5Fis_hdf5(path.c_str()) <= 0) {
    detail::hdf5_message();
    return fail("not an HDF5 file", path.string());
  }
  Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  if (!file.valid()) return hdf5_fail("cannot open", {}, path.string());
  auto impl = std::make_unique<Impl>();
  impl->path = path;
  impl->file = std::move(file);
  return ResultReader(std::move(impl));
}

bool ResultReader::exists(const std::string& object) const {
  const bool found = impl_->exists(object);
  detail::hdf5_message();  // a missing parent leaves entries on the stack
  return found;
}

Result<std::vector<double>> ResultReader::read_doubles(
    const std::string& dataset, std::vector<std::size_t>* shape,
    const std::vector<std::size_t>* expected) const {
  auto opened = impl_->dataset(dataset);
  if (!opened) return tl::unexpected(opened.error());
  // Integers convert to doubles exactly up to 2^53 (seeds are read with
  // read_uint64s instead).
  if (!impl_->check_class(opened->get(), dataset, H5T_FLOAT, "numbers") &&
      !impl_->check_class(opened->get(), dataset, H5T_INTEGER, "numbers")) {
    return fail("dataset '" + dataset +
                    "' does not hold numbers (floating-point or integer)",
                impl_->name());
  }
  auto dims = impl_->dims(opened->get(), dataset, expected);
  if (!dims) return tl::unexpected(dims.error());
  Handle space(H5Dget_space(opened->get()), H5Sclose);
  std::vector<double> values(element_count(space.get()));
  if (!values.empty() && H5Dread(opened->get(), H5T_NATIVE_DOUBLE, H5S_ALL,
                                 H5S_ALL, H5P_DEFAULT, values.data()) < 0) {
    return hdf5_fail("cannot read dataset", dataset, impl_->name());
  }
  if (shape != nullptr) *shape = std::move(*dims);
  return values;
}

Result<std::vector<std::size_t>> ResultReader::shape(
    const std::string& dataset) const {
  auto opened = impl_->dataset(dataset);
  if (!opened) return tl::unexpected(opened.error());
  return impl_->dims(opened->get(), dataset, nullptr);
}

Result<std::vector<std::uint64_t>> ResultReader::read_uint64s(
    const std::string& dataset,
    const std::vector<std::size_t>* expected) const {
  auto opened = impl_->dataset(dataset);
  if (!opened) return tl::unexpected(opened.error());
  auto dims = impl_->dims(opened->get(), dataset, expected);
  if (!dims) return tl::unexpected(dims.error());
  Handle type(H5Dget_type(opened->get()), H5Tclose);
  Handle space(H5Dget_space(opened->get()), H5Sclose);
  const std::size_t count = element_count(space.get());
  std::vector<std::uint64_t> values(count);
  if (H5Tget_class(type.get()) == H5T_INTEGER &&
      H5Tget_sign(type.get()) == H5T_SGN_NONE &&
      H5Tget_size(type.get()) <= sizeof(std::uint64_t)) {
    if (count > 0 && H5Dread(opened->get(), H5T_NATIVE_UINT64, H5S_ALL, H5S_ALL,
                             H5P_DEFAULT, values.data()) < 0)
      return hdf5_fail("cannot read dataset", dataset, impl_->name());
    return values;
  }
  if (H5Tget_class(type.get()) != H5T_FLOAT)
    return fail(
        "dataset '" + dataset + "' does not hold unsigned 64-bit integers",
        impl_->name());
  std::vector<double> numbers(count);
  if (count > 0 && H5Dread(opened->get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL,
                           H5P_DEFAULT, numbers.data()) < 0)
    return hdf5_fail("cannot read dataset", dataset, impl_->name());
  for (std::size_t i = 0; i < count; ++i) {
    const double v = numbers[i];
    if (!(v >= 0.0 && v < 18446744073709551616.0) || v != std::floor(v))
      return fail("dataset '" + dataset + "' holds " + std::to_string(v) +
                      ", not an unsigned 64-bit integer",
                  impl_->name());
    values[i] = static_cast<std::uint64_t>(v);
  }
  return values;
}

Result<std::vector<std::int32_t>> ResultReader::read_ints(
    const std::string& dataset,
    const std::vector<std::size_t>* expected) const {
  auto opened = impl_->dataset(dataset);
  if (!opened) return tl::unexpected(opened.error());
  if (auto status =
          impl_->check_class(opened->get(), dataset, H5T_INTEGER, "integers");
      !status) {
    return tl::unexpected(status.error());
  }
  // Wider integers would be clipped by HDF5's conversion without notice.
  Handle type(H5Dget_type(opened->get()), H5Tclose);
  if (H5Tget_size(type.get()) > sizeof(std::int32_t)) {
    return fail("dataset '" + dataset + "' holds integers wider than 32 bits",
                impl_->name());
  }
  if (auto dims = impl_->dims(opened->get(), dataset, expected); !dims)
    return tl::unexpected(dims.error());
  Handle space(H5Dget_space(opened->get()), H5Sclose);
  std::vector<std::int32_t> values(element_count(space.get()));
  if (!values.empty() && H5Dread(opened->get(), H5T_NATIVE_INT32, H5S_ALL,
                                 H5S_ALL, H5P_DEFAULT, values.data()) < 0) {
    return hdf5_fail("cannot read dataset", dataset, impl_->name());
  }
  return values;
}

Result<std::vector<std::string>> ResultReader::read_strings(
    const std::string& dataset,
    const std::vector<std::size_t>* expected) const {
  auto opened = impl_->dataset(dataset);
  if (!opened) return tl::unexpected(opened.error());
  if (auto status =
          impl_->check_class(opened->get(), dataset, H5T_STRING, "strings");
      !status) {
    return tl::unexpected(status.error());
  }
  if (auto dims = impl_->dims(opened->get(), dataset, expected); !dims)
    return tl::unexpected(dims.error());
  Handle type(H5Dget_type(opened->get()), H5Tclose);
  Handle space(H5Dget_space(opened->get()), H5Sclose);
  const hid_t id = opened->get();
  std::vector<std::string> values;
  const bool read = read_string_values(
      type.get(), element_count(space.get()),
      [id](hid_t memory, void* buffer) {
        return H5Dread(id, memory, H5S_ALL, H5S_ALL, H5P_DEFAULT, buffer);
      },
      values);
  if (!read) return hdf5_fail("cannot read dataset", dataset, impl_->name());
  return values;
}

Result<std::string> ResultReader::string_attribute(
    const std::string& object, const std::string& name) const {
  auto opened = impl_->single_attribute(object, name, H5T_STRING, "a string");
  if (!opened) return tl::unexpected(opened.error());
  Handle type(H5Aget_type(opened->get()), H5Tclose);
  const hid_t id = opened->get();
  std::vector<std::string> values;
  const bool read = read_string_values(
      type.get(), 1,
      [id](hid_t memory, void* buffer) { return H5Aread(id, memory, buffer); },
      values);
  if (!read) {
    return hdf5_fail("cannot read", attribute_label(object, name),
                     impl_->name());
  }
  return values.front();
}

Result<double> ResultReader::double_attribute(const std::string& object,
                                              const std::string& name) const {
  auto opened = impl_->single_attribute(object, name, H5T_FLOAT,
                                        "a floating-point number");
  if (!opened) return tl::unexpected(opened.error());
  double value = 0;
  if (H5Aread(opened->get(), H5T_NATIVE_DOUBLE, &value) < 0) {
    return hdf5_fail("cannot read", attribute_label(object, name),
                     impl_->name());
  }
  return value;
}

Result<std::int64_t> ResultReader::int_attribute(
    const std::string& object, const std::string& name) const {
  auto opened =
      impl_->single_attribute(object, name, H5T_INTEGER, "an integer");
  if (!opened) return tl::unexpected(opened.error());
  // An unsigned value above 2^63-1 (a seed) would be clipped by HDF5's
  // conversion without notice.
  Handle type(H5Aget_type(opened->get()), H5Tclose);
  if (H5Tget_sign(type.get()) == H5T_SGN_NONE) {
    std::uint64_t wide = 0;
    if (H5Aread(opened->get(), H5T_NATIVE_UINT64, &wide) < 0)
      return hdf5_fail("cannot read", attribute_label(object, name),
                       impl_->name());
    if (wide > std::uint64_t(std::numeric_limits<std::int64_t>::max()))
      return fail(attribute_label(object, name) + " holds " +
                      std::to_string(wide) + ", beyond a signed 64-bit integer",
                  impl_->name());
    return std::int64_t(wide);
  }
  std::int64_t value = 0;
  if (H5Aread(opened->get(), H5T_NATIVE_INT64, &value) < 0) {
    return hdf5_fail("cannot read", attribute_label(object, name),
                     impl_->name());
  }
  return value;
}

Result<std::uint64_t> ResultReader::uint_attribute(
    const std::string& object, const std::string& name) const {
  auto opened =
      impl_->single_attribute(object, name, H5T_INTEGER, "an integer");
  if (!opened) return tl::unexpected(opened.error());
  Handle type(H5Aget_type(opened->get()), H5Tclose);
  if (H5Tget_sign(type.get()) != H5T_SGN_NONE)
    return fail(attribute_label(object, name) + " is not unsigned",
                impl_->name());
  std::uint64_t value = 0;
  if (H5Aread(opened->get(), H5T_NATIVE_UINT64, &value) < 0) {
    return hdf5_fail("cannot read", attribute_label(object, name),
                     impl_->name());
  }
  return value;
}

bool ResultReader::has_attribute(const std::string& object,
                                 const std::string& name) const {
  const bool found = impl_->exists(object) &&
                     H5Aexists_by_name(impl_->file.get(), object.c_str(),
                                       name.c_str(), H5P_DEFAULT) > 0;
  detail::hdf5_message();
  return found;
}

}  // namespace growthcast::store

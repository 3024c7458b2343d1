// ResultFile: the writer. Layout rules that keep the files readable by
// netCDF-4 tools (ncdump, xarray with h5netcdf):
//  - groups, datasets and the root track link and attribute creation order,
//    as netCDF-C does for files it writes itself;
//  - strings (label scales and string attributes) are variable-length UTF-8,
//    which netCDF reads as NC_STRING;
//  - dimensions are H5DS dimension scales whose name is the scale dataset's
//    own name, so each scale is also a netCDF coordinate variable;
//  - attributes are scalar, which xarray shows as plain values (not 1-element
//    arrays).
#include "store/result_file.h"

#include <fcntl.h>
#include <hdf5.h>
#include <hdf5_hl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <limits>
#include <random>
#include <system_error>
#include <utility>

#include "common/version.h"
#include "store/atomic_file.h"
#include "store/hdf5_detail.h"

namespace growthcast::store {

namespace fs = std::filesystem;
using detail::Handle;
using detail::hdf5_fail;

namespace {

constexpr unsigned kCreationOrder =
    H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED;

std::string errno_text(int error) {
  return std::error_code(error, std::generic_category()).message();
}

std::string child_path(const std::string& group, const std::string& name) {
  return group == "/" ? "/" + name : group + "/" + name;
}

Status check_absolute(const std::string& path, const std::string& file) {
  if (path.empty() || path.front() != '/') {
    return fail("object path '" + path + "' must be absolute (start with /)",
                file);
  }
  if (path.find("//") != std::string::npos ||
      (path.size() > 1 && path.back() == '/')) {
    return fail("object path '" + path + "' has an empty component", file);
  }
  return ok();
}

// netCDF scoping: a dimension is visible in the group that defines it and in
// that group's descendants. Readers fail on anything else (ncdump: "Invalid
// dimension ID or name" for the whole file; xarray: KeyError), so such a file
// is refused at write time.
bool scale_visible_from(const std::string& scale_path,
                        const std::string& group_path) {
  const std::string scale_group =
      scale_path.substr(0, std::max<std::size_t>(1, scale_path.rfind('/')));
  return scale_group == "/" || group_path == scale_group ||
         group_path.starts_with(scale_group + "/");
}

// A scale, dataset or attribute name: one path component.
Status check_name(const std::string& name, const std::string& file) {
  if (name.empty() || name.find('/') != std::string::npos || name == "." ||
      name == "..") {
    return fail("invalid object name '" + name + "'", file);
  }
  return ok();
}

// The directory that will hold final_path, if it exists and is writable.
// Checked before HDF5 is involved so the error names the user's path rather
// than the temporary one.
Result<fs::path> writable_directory(const fs::path& final_path) {
  const std::string file = final_path.string();
  if (!final_path.has_filename()) {
    return fail("output path has no file name", file);
  }
  fs::path dir = final_path.parent_path();
  if (dir.empty()) dir = ".";
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return fail("output directory '" + dir.string() + "' does not exist", file);
  }
  if (fs::is_directory(final_path, ec)) {
    return fail("output path is a directory", file);
  }
  if (auto status = check_output_target(final_path); !status) {
    return tl::unexpected(status.error());
  }
  if (access(dir.c_str(), W_OK | X_OK) != 0) {
    return fail("output directory '" + dir.string() +
                    "' is not writable: " + errno_text(errno),
                file);
  }
  return dir;
}

// Group creation properties matching netCDF-4: creation order tracked and
// indexed for links and attributes, no modification times (so two runs with
// the same results give files that differ only in `created`).
Handle group_creation_properties(hid_t class_id) {
  Handle plist(H5Pcreate(class_id), H5Pclose);
  if (plist.valid()) {
    H5Pset_link_creation_order(plist.get(), kCreationOrder);
    H5Pset_attr_creation_order(plist.get(), kCreationOrder);
    H5Pset_obj_track_times(plist.get(), 0);
  }
  return plist;
}

Handle dataset_creation_properties() {
  Handle plist(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
  if (plist.valid()) {
    H5Pset_attr_creation_order(plist.get(), kCreationOrder);
    H5Pset_obj_track_times(plist.get(), 0);
  }
  return plist;
}

Status fsync_path(const fs::path& path, int flags, const std::string& file) {
  const int fd = ::open(path.c_str(), flags);
  if (fd < 0) {
    return fail(
        "cannot open '" + path.string() + "' to sync it: " + errno_text(errno),
        file);
  }
  const int synced = ::fsync(fd);
  const int error = errno;
  ::close(fd);
  if (synced != 0) {
    return fail("cannot sync '" + path.string() + "': " + errno_text(error),
                file);
  }
  return ok();
}

std::string utc_now_iso8601() {
  const std::time_t now =
      std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

}  // namespace

struct ResultFile::Impl {
  fs::path final_path;
  fs::path temp_path;  // empty until the temporary file exists
  int temp_slot = -1;  // in the signal-cleanup registry (atomic_file.h)
  Handle file;
  bool committed = false;
  // write_behind: the file's size at its last call, and the first write
  // error its waits saw (0: none).
  off_t written_behind = 0;
  int writeback_errno = 0;

  ~Impl() {
    if (committed || temp_path.empty()) return;
    file.reset();
    std::error_code ignored;
    fs::remove(temp_path, ignored);
    unregister_temporary(temp_slot);
  }

  std::string name() const { return final_path.string(); }

  Status check_open() const {
    if (file.valid()) return ok();
    return fail(committed ? "result file is already committed"
                          : "result file is closed after a failed commit",
                name());
  }

  bool exists(const std::string& path) const {
    return H5LTpath_valid(file.get(), path.c_str(), 1) > 0;
  }

  // Opens `path` as a group, creating it and any missing parents.
  Result<Handle> group(const std::string& path) {
    if (auto status = check_absolute(path, name()); !status) {
      return tl::unexpected(status.error());
    }
    Handle gcpl = group_creation_properties(H5P_GROUP_CREATE);
    std::size_t end = 0;
    while (end != std::string::npos) {
      end = path.find('/', end + 1);
      const std::string prefix = path.substr(0, end);
      if (prefix.size() <= 1 || exists(prefix)) continue;
      Handle created(H5Gcreate2(file.get(), prefix.c_str(), H5P_DEFAULT,
                                gcpl.get(), H5P_DEFAULT),
                     H5Gclose);
      if (!created.valid()) {
        return hdf5_fail("cannot create group", prefix, name());
      }
    }
    Handle opened(H5Gopen2(file.get(), path.c_str(), H5P_DEFAULT), H5Gclose);
    if (!opened.valid()) return hdf5_fail("cannot open group", path, name());
    return opened;
  }

  // An existing object of any kind, or a group created on demand.
  Result<Handle> object(const std::string& path) {
    if (auto status = check_absolute(path, name()); !status) {
      return tl::unexpected(status.error());
    }
    if (!exists(path)) return group(path);
    Handle opened(H5Oopen(file.get(), path.c_str(), H5P_DEFAULT), H5Oclose);
    if (!opened.valid()) return hdf5_fail("cannot open", path, name());
    return opened;
  }

  Status check_new(const std::string& path) const {
    if (!exists(path)) return ok();
    return fail("'" + path + "' already exists", name());
  }

  // A new dataset `group/name` of `file_type` over `space`, written from
  // `data` in `memory_type`.
  Result<Handle> write_dataset(const std::string& group_path,
                               const std::string& dataset_name, hid_t file_type,
                               hid_t memory_type, hid_t space,
                               const void* data) {
    if (auto status = check_name(dataset_name, name()); !status) {
      return tl::unexpected(status.error());
    }
    auto parent = group(group_path);
    if (!parent) return tl::unexpected(parent.error());
    const std::string path = child_path(group_path, dataset_name);
    if (auto status = check_new(path); !status) {
      return tl::unexpected(status.error());
    }
    Handle dcpl = dataset_creation_properties();
    Handle dataset(H5Dcreate2(parent->get(), dataset_name.c_str(), file_type,
                              space, H5P_DEFAULT, dcpl.get(), H5P_DEFAULT),
                   H5Dclose);
    if (!dataset.valid()) {
      return hdf5_fail("cannot create dataset", path, name());
    }
    // HDF5 converts through a buffer of max_temp_buf bytes (1 MB by
    // default), allocated and zeroed at every write that converts, such as
    // every variable-length string scale: most of the time of writing a
    // small file. Sized to the dataset instead (64 bytes an element covers
    // any type written here, so the conversion is still one pass and the
    // file's bytes are the same), never above the default.
    const hssize_t points = H5Sget_simple_extent_npoints(space);
    const std::size_t conversion_bytes = std::min<std::size_t>(
        std::size_t(1) << 20,
        std::size_t(64) * std::max<std::size_t>(1, std::size_t(points)));
    Handle transfer(H5Pcreate(H5P_DATASET_XFER), H5Pclose);
    if (!transfer.valid() ||
        H5Pset_buffer(transfer.get(), conversion_bytes, nullptr, nullptr) < 0)
      return hdf5_fail("cannot set the transfer buffer of", path, name());
    if (H5Dwrite(dataset.get(), memory_type, H5S_ALL, H5S_ALL, transfer.get(),
                 data) < 0) {
      return hdf5_fail("cannot write dataset", path, name());
    }
    return dataset;
  }

  // A 1-D dimension scale named after its dataset (netCDF takes the
  // dimension name from there), with `units` unless empty.
  Status write_scale(const std::string& group_path,
                     const std::string& scale_name, hid_t file_type,
                     hid_t memory_type, std::size_t count, const void* data,
                     const std::string& units) {
    const hsize_t dims[1] = {count};
    Handle space(H5Screate_simple(1, dims, nullptr), H5Sclose);
    auto scale = write_dataset(group_path, scale_name, file_type, memory_type,
                               space.get(), data);
    if (!scale) return tl::unexpected(scale.error());
    const std::string path = child_path(group_path, scale_name);
    if (H5DSset_scale(scale->get(), scale_name.c_str()) < 0) {
      return hdf5_fail("cannot make a dimension scale of", path, name());
    }
    if (units.empty()) return ok();
    return write_attribute(scale->get(), path, "units", units);
  }

  Status write_attribute(hid_t target, const std::string& path,
                         const std::string& attribute, hid_t file_type,
                         hid_t memory_type, const void* value) {
    if (auto status = check_name(attribute, name()); !status) return status;
    // Replacing keeps set_attribute idempotent (a value set twice wins).
    if (H5Aexists(target, attribute.c_str()) > 0 &&
        H5Adelete(target, attribute.c_str()) < 0) {
      return hdf5_fail("cannot replace attribute '" + attribute + "' of", path,
                       name());
    }
    Handle space(H5Screate(H5S_SCALAR), H5Sclose);
    Handle attr(H5Acreate2(target, attribute.c_str(), file_type, space.get(),
                           H5P_DEFAULT, H5P_DEFAULT),
                H5Aclose);
    if (!attr.valid() || H5Awrite(attr.get(), memory_type, value) < 0) {
      return hdf5_fail("cannot write attribute '" + attribute + "' of", path,
                       name());
    }
    return ok();
  }

  Status write_attribute(hid_t target, const std::string& path,
                         const std::string& attribute,
                         const std::string& value) {
    Handle type = detail::vlen_string_type();
    const char* text = value.c_str();
    return write_attribute(target, path, attribute, type.get(), type.get(),
                           &text);
  }

  // Opens the scales named by `dims` (relative to `group_path` or absolute)
  // and returns them with the dataset shape they imply.
  Result<std::vector<Handle>> open_scales(const std::string& group_path,
                                          const std::vector<std::string>& dims,
                                          std::vector<hsize_t>& shape) {
    std::vector<Handle> scales;
    for (const std::string& dim : dims) {
      const std::string path = !dim.empty() && dim.front() == '/'
                                   ? dim
                                   : child_path(group_path, dim);
      if (!exists(path)) {
        return fail("dimension scale '" + path + "' does not exist", name());
      }
      if (!scale_visible_from(path, group_path)) {
        return fail("dimension scale '" + path + "' is not in '" + group_path +
                        "' or a parent group, so netCDF readers could not "
                        "see it; put the scale in a common parent group",
                    name());
      }
      Handle scale(H5Dopen2(file.get(), path.c_str(), H5P_DEFAULT), H5Dclose);
      if (!scale.valid() || H5DSis_scale(scale.get()) <= 0) {
        detail::hdf5_message();  // clear the stack of the failed open
        return fail("'" + path + "' is not a dimension scale", name());
      }
      Handle space(H5Dget_space(scale.get()), H5Sclose);
      hsize_t length = 0;
      if (H5Sget_simple_extent_ndims(space.get()) != 1 ||
          H5Sget_simple_extent_dims(space.get(), &length, nullptr) < 0) {
        return fail("dimension scale '" + path + "' is not 1-D", name());
      }
      shape.push_back(length);
      scales.push_back(std::move(scale));
    }
    return scales;
  }

  Status add_dataset(const std::string& group_path,
                     const std::string& dataset_name,
                     std::span<const double> data,
                     const std::vector<std::string>& dims,
                     const std::string& units, const std::string& long_name) {
    return add_dataset(group_path, dataset_name, data.data(), data.size(),
                       H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, dims, units,
                       long_name);
  }

  Status add_dataset(const std::string& group_path,
                     const std::string& dataset_name, const void* data,
                     std::size_t data_size, hid_t file_type, hid_t memory_type,
                     const std::vector<std::string>& dims,
                     const std::string& units, const std::string& long_name) {
    if (auto status = check_open(); !status) return status;
    if (auto status = check_absolute(group_path, name()); !status) {
      return status;
    }
    const std::string path = child_path(group_path, dataset_name);
    std::vector<hsize_t> shape;
    auto scales = open_scales(group_path, dims, shape);
    if (!scales) return tl::unexpected(scales.error());
    hsize_t expected = 1;
    for (hsize_t length : shape) expected *= length;
    if (data_size != expected) {
      return fail("dataset '" + path + "' has " + std::to_string(data_size) +
                      " values but its dimensions need " +
                      std::to_string(expected),
                  name());
    }
    // No dimensions: a scalar, which netCDF reads as a 0-d variable.
    Handle space(shape.empty()
                     ? H5Screate(H5S_SCALAR)
                     : H5Screate_simple(static_cast<int>(shape.size()),
                                        shape.data(), nullptr),
                 H5Sclose);
    auto dataset = write_dataset(group_path, dataset_name, file_type,
                                 memory_type, space.get(), data);
    if (!dataset) return tl::unexpected(dataset.error());
    for (std::size_t axis = 0; axis < scales->size(); ++axis) {
      if (H5DSattach_scale(dataset->get(), (*scales)[axis].get(),
                           static_cast<unsigned>(axis)) < 0) {
        return hdf5_fail("cannot attach dimension '" + dims[axis] + "' to",
                         path, name());
      }
    }
    // No units for flags (CF: flag_values and flag_meanings instead).
    if (!units.empty())
      if (auto status = write_attribute(dataset->get(), path, "units", units);
          !status) {
        return status;
      }
    if (long_name.empty()) return ok();
    return write_attribute(dataset->get(), path, "long_name", long_name);
  }

  // A 1-D int8 attribute (CF's flag_values).
  Status write_int8_array_attribute(const std::string& path,
                                    const std::string& attribute,
                                    const std::vector<std::int8_t>& values) {
    auto target = object(path);
    if (!target) return tl::unexpected(target.error());
    const hsize_t length = values.size();
    Handle space(H5Screate_simple(1, &length, nullptr), H5Sclose);
    Handle attr(H5Acreate2(target->get(), attribute.c_str(), H5T_STD_I8LE,
                           space.get(), H5P_DEFAULT, H5P_DEFAULT),
                H5Aclose);
    if (!attr.valid() ||
        H5Awrite(attr.get(), H5T_NATIVE_INT8, values.data()) < 0)
      return hdf5_fail("cannot write attribute '" + attribute + "' of", path,
                       name());
    return ok();
  }

  Status create_chunked_dataset(const std::string& group_path,
                                const std::string& dataset_name,
                                const std::vector<std::string>& dims,
                                const std::vector<std::uint64_t>& chunk,
                                const std::string& units,
                                const std::string& long_name) {
    if (auto status = check_open(); !status) return status;
    if (auto status = check_absolute(group_path, name()); !status)
      return status;
    if (auto status = check_name(dataset_name, name()); !status) return status;
    const std::string path = child_path(group_path, dataset_name);
    std::vector<hsize_t> shape;
    auto scales = open_scales(group_path, dims, shape);
    if (!scales) return tl::unexpected(scales.error());
    const bool contiguous = chunk.empty();
    if ((!contiguous && chunk.size() != shape.size()) || shape.empty())
      return fail("dataset '" + path + "': one chunk length per dimension",
                  name());
    std::vector<hsize_t> chunk_dims;
    for (std::size_t i = 0; i < chunk.size(); ++i)
      chunk_dims.push_back(
          std::max<hsize_t>(1, std::min<hsize_t>(chunk[i], shape[i])));
    auto parent = group(group_path);
    if (!parent) return tl::unexpected(parent.error());
    if (auto status = check_new(path); !status) return status;
    Handle space(
        H5Screate_simple(static_cast<int>(shape.size()), shape.data(), nullptr),
        H5Sclose);
    Handle dcpl = dataset_creation_properties();
    // Contiguous: the same properties as add_dataset's (the default fill
    // value, which HDF5 does not write), storage allocated at the first
    // block.
    if (!contiguous) {
      const double fill = std::numeric_limits<double>::quiet_NaN();
      H5Pset_chunk(dcpl.get(), static_cast<int>(chunk_dims.size()),
                   chunk_dims.data());
      H5Pset_fill_value(dcpl.get(), H5T_NATIVE_DOUBLE, &fill);
      // The caller writes every block; filling chunks first doubled the
      // bytes written.
      H5Pset_fill_time(dcpl.get(), H5D_FILL_TIME_NEVER);
    }
    Handle dataset(
        H5Dcreate2(parent->get(), dataset_name.c_str(), H5T_IEEE_F64LE,
                   space.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT),
        H5Dclose);
    if (!dataset.valid())
      return hdf5_fail("cannot create dataset", path, name());
    for (std::size_t axis = 0; axis < scales->size(); ++axis)
      if (H5DSattach_scale(dataset.get(), (*scales)[axis].get(),
                           static_cast<unsigned>(axis)) < 0)
        return hdf5_fail("cannot attach dimension '" + dims[axis] + "' to",
                         path, name());
    if (auto status = write_attribute(dataset.get(), path, "units", units);
        !status)
      return status;
    if (long_name.empty()) return ok();
    return write_attribute(dataset.get(), path, "long_name", long_name);
  }

  // The open file's descriptor (the sec2 driver's handle), or -1.
  int file_descriptor() const {
    if (!file.valid()) return -1;
    void* handle = nullptr;
    if (H5Fget_vfd_handle(file.get(), H5P_DEFAULT, &handle) < 0 ||
        handle == nullptr)
      return -1;
    return *static_cast<int*>(handle);
  }

  void start_writeback() {
    const int fd = file_descriptor();
    if (fd >= 0) sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
  }

  void write_behind() {
    const int fd = file_descriptor();
    if (fd < 0) return;
    // Wait for the bytes up to the previous call's end, then drop them: the
    // disk writes the block in between while the caller copies the next.
    // The wait reports a write error of those bytes (and marks it seen, so
    // the fsync in commit(), on a new descriptor, might not): kept for
    // commit(). Without support for the calls (EINVAL, ENOSYS), the
    // pages simply stay cached.
    if (written_behind > 0 && writeback_errno == 0) {
      if (sync_file_range(fd, 0, written_behind,
                          SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE |
                              SYNC_FILE_RANGE_WAIT_AFTER) != 0) {
        if (errno != EINVAL && errno != ENOSYS && errno != ESPIPE)
          writeback_errno = errno;
      } else {
        posix_fadvise(fd, 0, written_behind, POSIX_FADV_DONTNEED);
      }
    }
    sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
    struct stat st;
    if (::fstat(fd, &st) == 0) written_behind = st.st_size;
  }

  Status write_block(const std::string& path,
                     const std::vector<std::uint64_t>& offset,
                     const std::vector<std::uint64_t>& count,
                     std::span<const double> data) {
    if (auto status = check_open(); !status) return status;
    Handle dataset(H5Dopen2(file.get(), path.c_str(), H5P_DEFAULT), H5Dclose);
    if (!dataset.valid()) return hdf5_fail("cannot open dataset", path, name());
    Handle file_space(H5Dget_space(dataset.get()), H5Sclose);
    const int rank = H5Sget_simple_extent_ndims(file_space.get());
    if (rank != static_cast<int>(offset.size()) ||
        rank != static_cast<int>(count.size()))
      return fail("block rank differs from dataset '" + path + "'", name());
    std::vector<hsize_t> start(offset.begin(), offset.end()),
        size(count.begin(), count.end());
    hsize_t values = 1;
    for (hsize_t c : size) values *= c;
    if (values != data.size())
      return fail("block of " + std::to_string(data.size()) +
                      " values does not match its shape in '" + path + "'",
                  name());
    if (H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, start.data(),
                            nullptr, size.data(), nullptr) < 0)
      return hdf5_fail("block outside dataset", path, name());
    Handle memory_space(H5Screate_simple(rank, size.data(), nullptr), H5Sclose);
    if (H5Dwrite(dataset.get(), H5T_NATIVE_DOUBLE, memory_space.get(),
                 file_space.get(), H5P_DEFAULT, data.data()) < 0)
      return hdf5_fail("cannot write block of", path, name());
    return ok();
  }

  // Close the file (HDF5 writes everything out), sync its bytes, rename it
  // into place and sync the directory so the rename itself survives a crash.
  Status commit() {
    if (auto status = check_open(); !status) return status;
    if (!file.close()) {
      return discard(hdf5_fail("cannot close (flush) temporary file",
                               temp_path.string(), name()));
    }
    if (writeback_errno != 0) {
      return discard(fail("cannot write '" + temp_path.string() +
                              "' to disk: " + errno_text(writeback_errno),
                          name()));
    }
    if (auto status = fsync_path(temp_path, O_RDONLY, name()); !status) {
      return discard(status);
    }
    if (std::rename(temp_path.c_str(), final_path.c_str()) != 0) {
      return discard(fail("cannot rename '" + temp_path.string() +
                              "' into place: " + errno_text(errno),
                          name()));
    }
    committed = true;
    unregister_temporary(std::exchange(temp_slot, -1));
    fs::path dir = final_path.parent_path();
    if (dir.empty()) dir = ".";
    return fsync_path(dir, O_RDONLY | O_DIRECTORY, name());
  }

  // After a failed commit: remove the temporary file, report `status`.
  Status discard(Status status) {
    file.reset();
    std::error_code ignored;
    fs::remove(temp_path, ignored);
    temp_path.clear();
    unregister_temporary(std::exchange(temp_slot, -1));
    return status;
  }
};

ResultFile::ResultFile(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ResultFile::ResultFile(ResultFile&&) noexcept = default;
ResultFile& ResultFile::operator=(ResultFile&&) noexcept = default;
ResultFile::~ResultFile() = default;

Result<ResultFile> ResultFile::create(const fs::path& final_path) {
  detail::silence_hdf5_errors();
  auto dir = writable_directory(final_path);
  if (!dir) return tl::unexpected(dir.error());

  Handle fcpl = group_creation_properties(H5P_FILE_CREATE);  // root group
  // Strong close degree: closing the file closes any object still open, so
  // commit() never leaves the file half-closed.
  Handle fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
  H5Pset_fclose_degree(fapl.get(), H5F_CLOSE_STRONG);

  // A short hidden name beside the final file (same file system, so the
  // rename in commit() is atomic). H5F_ACC_EXCL opens with O_CREAT|O_EXCL:
  // an existing file or a planted symbolic link is never opened. A name
  // taken by chance is retried with another.
  // The name is registered for removal on SIGINT/SIGTERM before the file
  // exists: a signal between the creation and the registration would
  // otherwise leave it behind (the names are 64 random bits, so the
  // registered name is never another's file).
  fs::path temp;
  Handle file;
  int slot = -1;
  for (int attempt = 0; attempt < 8; ++attempt) {
    temp = short_temporary_name(*dir);
    slot = register_temporary(temp);
    file = Handle(H5Fcreate(temp.c_str(), H5F_ACC_EXCL, fcpl.get(), fapl.get()),
                  H5Fclose);
    std::error_code ec;
    if (file.valid()) break;
    unregister_temporary(std::exchange(slot, -1));
    if (fs::symlink_status(temp, ec).type() == fs::file_type::not_found) break;
    detail::hdf5_message();  // the name was taken: try another
  }
  if (!file.valid()) {
    return hdf5_fail("cannot create temporary file", temp.string(),
                     final_path.string());
  }
  auto impl = std::make_unique<Impl>();
  impl->final_path = final_path;
  impl->temp_path = temp;
  impl->temp_slot = slot;
  impl->file = std::move(file);
  return ResultFile(std::move(impl));
}

Status ResultFile::add_scale(const std::string& group, const std::string& name,
                             const std::vector<std::string>& labels) {
  if (auto status = impl_->check_open(); !status) return status;
  std::vector<const char*> text;
  text.reserve(labels.size());
  for (const std::string& label : labels) text.push_back(label.c_str());
  Handle type = detail::vlen_string_type();
  // Labels carry no units: they are names, not quantities.
  return impl_->write_scale(group, name, type.get(), type.get(), text.size(),
                            text.data(), {});
}

Status ResultFile::add_scale(const std::string& group, const std::string& name,
                             const std::vector<std::int32_t>& values,
                             const std::string& units) {
  if (auto status = impl_->check_open(); !status) return status;
  return impl_->write_scale(group, name, H5T_STD_I32LE, H5T_NATIVE_INT32,
                            values.size(), values.data(), units);
}

Status ResultFile::add_scale(const std::string& group, const std::string& name,
                             const std::vector<double>& values,
                             const std::string& units) {
  if (auto status = impl_->check_open(); !status) return status;
  return impl_->write_scale(group, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE,
                            values.size(), values.data(), units);
}

Status ResultFile::add_dataset(const std::string& group,
                               const std::string& name,
                               std::span<const double> data,
                               const std::vector<std::string>& dims,
                               const std::string& units,
                               const std::string& long_name) {
  return impl_->add_dataset(group, name, data, dims, units, long_name);
}

Status ResultFile::set_attribute(const std::string& object,
                                 const std::string& name,
                                 const std::string& value) {
  if (auto status = impl_->check_open(); !status) return status;
  auto target = impl_->object(object);
  if (!target) return tl::unexpected(target.error());
  return impl_->write_attribute(target->get(), object, name, value);
}

Status ResultFile::set_attribute(const std::string& object,
                                 const std::string& name, double value) {
  if (auto status = impl_->check_open(); !status) return status;
  auto target = impl_->object(object);
  if (!target) return tl::unexpected(target.error());
  return impl_->write_attribute(target->get(), object, name, H5T_IEEE_F64LE,
                                H5T_NATIVE_DOUBLE, &value);
}

Status ResultFile::set_attribute(const std::string& object,
                                 const std::string& name, std::int64_t value) {
  if (auto status = impl_->check_open(); !status) return status;
  auto target = impl_->object(object);
  if (!target) return tl::unexpected(target.error());
  return impl_->write_attribute(target->get(), object, name, H5T_STD_I64LE,
                                H5T_NATIVE_INT64, &value);
}

// Root attributes. `input_files` is one string with a line per file in the
// format of `sha256sum` ("<64 hex digits>  <path>"), so it reads well in
// xarray's and ncdump's attribute listings and `sha256sum -c` can check it.
// Paths are stored as given on the command line.
Status ResultFile::write_provenance(const Provenance& provenance) {
  if (auto status = impl_->check_open(); !status) return status;
  std::string inputs;
  for (const fs::path& input : provenance.input_files) {
    auto digest = sha256_file(input);
    if (!digest) return tl::unexpected(digest.error());
    if (!inputs.empty()) inputs += '\n';
    inputs += *digest + "  " + input.string();
  }
  const std::pair<const char*, std::string> texts[] = {
      // CF metadata conventions (docs/hdf5-layout.md lists where the files
      // depart from them: money units are words, UDUNITS has no currency).
      {"Conventions", "CF-1.8"},
      {"program", "growthcast"},
      {"version", growthcast::version()},
      {"git_commit", growthcast::git_commit()},
      {"instruction_set", growthcast::instruction_set()},
      {"command_line", provenance.command_line},
      {"input_files", inputs},
      {"created", utc_now_iso8601()},
  };
  for (const auto& [attribute, value] : texts) {
    if (auto status = set_attribute("/", attribute, value); !status) {
      return status;
    }
  }
  if (!provenance.seed) return ok();
  return set_attribute("/", "seed", *provenance.seed);
}

Status ResultFile::set_attribute(const std::string& object,
                                 const std::string& name, std::uint64_t value) {
  if (auto status = impl_->check_open(); !status) return status;
  auto target = impl_->object(object);
  if (!target) return tl::unexpected(target.error());
  return impl_->write_attribute(target->get(), object, name, H5T_STD_U64LE,
                                H5T_NATIVE_UINT64, &value);
}

Status ResultFile::add_uint64_dataset(const std::string& group,
                                      const std::string& name,
                                      const std::vector<std::uint64_t>& data,
                                      const std::string& dim,
                                      const std::string& units,
                                      const std::string& long_name) {
  return impl_->add_dataset(group, name, data.data(), data.size(),
                            H5T_STD_U64LE, H5T_NATIVE_UINT64, {dim}, units,
                            long_name);
}

Status ResultFile::add_int64_dataset(const std::string& group,
                                     const std::string& name,
                                     const std::vector<std::int64_t>& data,
                                     const std::vector<std::string>& dims,
                                     const std::string& units,
                                     const std::string& long_name) {
  return impl_->add_dataset(group, name, data.data(), data.size(),
                            H5T_STD_I64LE, H5T_NATIVE_INT64, dims, units,
                            long_name);
}

Status ResultFile::add_flag_dataset(const std::string& group,
                                    const std::string& name,
                                    const std::vector<bool>& data,
                                    const std::vector<std::string>& dims,
                                    const std::string& long_name) {
  std::vector<std::int8_t> bytes(data.begin(), data.end());
  if (auto s = impl_->add_dataset(group, name, bytes.data(), bytes.size(),
                                  H5T_STD_I8LE, H5T_NATIVE_INT8, dims, {},
                                  long_name);
      !s)
    return s;
  const std::string path = group + "/" + name;
  if (auto s = impl_->write_int8_array_attribute(path, "flag_values", {0, 1});
      !s)
    return s;
  return set_attribute(path, "flag_meanings", std::string("false true"));
}

Status ResultFile::commit() { return impl_->commit(); }

Status ResultFile::create_chunked_dataset(
    const std::string& group, const std::string& name,
    const std::vector<std::string>& dims,
    const std::vector<std::uint64_t>& chunk, const std::string& units,
    const std::string& long_name) {
  return impl_->create_chunked_dataset(group, name, dims, chunk, units,
                                       long_name);
}

void ResultFile::start_writeback() { impl_->start_writeback(); }
void ResultFile::write_behind() { impl_->write_behind(); }

Status ResultFile::write_block(const std::string& path,
                               const std::vector<std::uint64_t>& offset,
                               const std::vector<std::uint64_t>& count,
                               std::span<const double> data) {
  return impl_->write_block(path, offset, count, data);
}

const fs::path& ResultFile::final_path() const { return impl_->final_path; }

}  // namespace growthcast::store

// Writing result files in HDF5 that h5py, xarray (h5netcdf) and ncdump open
// with named dimensions. Only this library touches the HDF5 C API.
//
// A ResultFile is created under a temporary name beside the final path and
// renamed into place by commit(); if it is destroyed without a successful
// commit the temporary file is removed, so the final path holds either what it
// held before or a complete file, never a partial one.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace growthcast::store {

// Provenance written as attributes on the root group of every file.
struct Provenance {
  std::string command_line;
  std::vector<std::filesystem::path> input_files;  // each gets a SHA-256
  // Stored as an unsigned 64-bit integer attribute; none: not applicable.
  std::optional<std::uint64_t> seed;
};

class ResultFile {
 public:
  // Fails (without creating anything at final_path) when the directory is
  // missing or not writable.
  static Result<ResultFile> create(const std::filesystem::path& final_path);

  ResultFile(ResultFile&&) noexcept;
  ResultFile& operator=(ResultFile&&) noexcept;
  ~ResultFile();  // removes the temporary file unless committed

  // Groups are created on demand; `group` is an absolute path such as
  // "/calibration" or "/accounting".
  //
  // Dimension scales: a 1-D dataset `group/name` made an HDF5 dimension scale
  // whose dimension name is `name`.
  Status add_scale(const std::string& group, const std::string& name,
                   const std::vector<std::string>& labels);
  Status add_scale(const std::string& group, const std::string& name,
                   const std::vector<std::int32_t>& values,
                   const std::string& units);
  Status add_scale(const std::string& group, const std::string& name,
                   const std::vector<double>& values, const std::string& units);

  // A row-major double dataset `group/name` whose dimensions are the scales
  // named in `dims` (each a scale name in `group`, or an absolute path to a
  // scale elsewhere). The shape is taken from the scales; data.size() must
  // equal their product. Gets attributes `units` and, if given, `long_name`.
  // A scale must live in `group` or one of its parent groups: netCDF readers
  // (ncdump, xarray) cannot resolve a dimension from a sibling group, so
  // e.g. "/calibration/region" used from "/accounting" is an error.
  Status add_dataset(const std::string& group, const std::string& name,
                     std::span<const double> data,
                     const std::vector<std::string>& dims,
                     const std::string& units,
                     const std::string& long_name = {});

  // A large dataset written in blocks: created chunked (`chunk` per
  // dimension), then written by write_block, so no whole-array copy is ever
  // held in memory. Its fill value is NaN, but HDF5 does not write it into
  // new chunks (that doubled the bytes written): the caller writes every
  // block. Same dims and attributes as add_dataset. An empty `chunk`
  // makes it contiguous instead, with add_dataset's storage properties
  // (for an array that exists whole but is written in pieces so the disk
  // can start on each while the next is copied).
  Status create_chunked_dataset(const std::string& group,
                                const std::string& name,
                                const std::vector<std::string>& dims,
                                const std::vector<std::uint64_t>& chunk,
                                const std::string& units,
                                const std::string& long_name = {});
  // Writes the row-major block of shape `count` at `offset` into the
  // dataset `path` (absolute).
  Status write_block(const std::string& path,
                     const std::vector<std::uint64_t>& offset,
                     const std::vector<std::uint64_t>& count,
                     std::span<const double> data);

  // Starts the kernel writing the file's bytes so far to disk, without
  // waiting: the sync in commit() then has less left to wait for. A hint;
  // does nothing where the file system does not support it.
  void start_writeback();

  // start_writeback, after waiting for the bytes written before the
  // previous call to reach the disk and dropping them from the page cache
  // (drop-behind): a large file written in blocks then holds about two
  // blocks of page cache instead of its whole size. On this project's VM,
  // page cache grown into memory the guest had freed (and reported to the
  // host, virtio-balloon free page reporting) costs ~2 us of system time a
  // 4 KiB page at first touch: 0.5-0.7 s for a 308 MB covariance. Readers
  // of the file afterwards read it from disk. A write error seen while
  // waiting fails commit(), which then leaves the old file in place.
  void write_behind();

  // Attributes on a group or dataset (absolute path, created on demand if a
  // group).
  Status set_attribute(const std::string& object, const std::string& name,
                       const std::string& value);
  Status set_attribute(const std::string& object, const std::string& name,
                       double value);
  Status set_attribute(const std::string& object, const std::string& name,
                       std::int64_t value);
  Status set_attribute(const std::string& object, const std::string& name,
                       std::uint64_t value);
  // A 1-D unsigned 64-bit integer dataset over one scale (e.g. seeds, which
  // a double would round above 2^53).
  Status add_uint64_dataset(const std::string& group, const std::string& name,
                            const std::vector<std::uint64_t>& data,
                            const std::string& dim, const std::string& units,
                            const std::string& long_name = {});

  // Counts as signed 64-bit integers over the scales in `dims`.
  Status add_int64_dataset(const std::string& group, const std::string& name,
                           const std::vector<std::int64_t>& data,
                           const std::vector<std::string>& dims,
                           const std::string& units,
                           const std::string& long_name = {});
  // Yes/no flags as CF flags: int8 0/1 with flag_values [0, 1] and
  // flag_meanings "false true", no units (xarray reads integers; a netCDF
  // reader needs no HDF5 enum support).
  Status add_flag_dataset(const std::string& group, const std::string& name,
                          const std::vector<bool>& data,
                          const std::vector<std::string>& dims,
                          const std::string& long_name);

  // Root attributes: program version, git commit, command line, input files
  // with SHA-256, seed, creation time (UTC, ISO 8601).
  Status write_provenance(const Provenance& provenance);

  // Flush, close, fsync and rename into place.
  Status commit();

  const std::filesystem::path& final_path() const;

 private:
  struct Impl;
  explicit ResultFile(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// SHA-256 of a file as lowercase hex.
Result<std::string> sha256_file(const std::filesystem::path& path);
// SHA-256 of a string as lowercase hex.
std::string sha256_text(std::string_view text);

// SHA-256 over a sequence of values, for content digests. Strings and
// arrays are length-prefixed so that different sequences never hash alike.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void bytes(const void* data, std::size_t size);
  void text(std::string_view value);
  void number(double value);  // the exact bits
  void integer(std::uint64_t value);
  void numbers(std::span<const double> values);
  std::string hex();  // finishes; call once

 private:
  void* context_;
};

}  // namespace growthcast::store

namespace growthcast::store {

// Reading back what ResultFile wrote (a calibration used by accounting or a
// forecast, shards being merged). Paths are absolute dataset paths.
class ResultReader {
 public:
  static Result<ResultReader> open(const std::filesystem::path& path);
  ResultReader(ResultReader&&) noexcept;
  ResultReader& operator=(ResultReader&&) noexcept;
  ~ResultReader();

  bool exists(const std::string& object) const;
  // Row-major data; `shape` (if given) receives the dimensions.
  // Every read checks the dataset's shape before reading: with `expected`
  // given, the dimensions must equal it (an error naming the file and the
  // dataset otherwise), so no caller indexes past what was read. Integer
  // datasets are read as doubles too (HDF5 converts).
  Result<std::vector<double>> read_doubles(
      const std::string& dataset, std::vector<std::size_t>* shape = nullptr,
      const std::vector<std::size_t>* expected = nullptr) const;
  Result<std::vector<double>> read_doubles(
      const std::string& dataset,
      const std::vector<std::size_t>& expected) const {
    return read_doubles(dataset, nullptr, &expected);
  }
  // The dimensions of a dataset (empty for a scalar), without reading it.
  Result<std::vector<std::size_t>> shape(const std::string& dataset) const;
  Result<std::vector<std::int32_t>> read_ints(
      const std::string& dataset,
      const std::vector<std::size_t>* expected = nullptr) const;
  // Unsigned 64-bit integers; a floating-point dataset (files written before
  // seeds were integers) is read if every value is a whole number in range.
  Result<std::vector<std::uint64_t>> read_uint64s(
      const std::string& dataset,
      const std::vector<std::size_t>* expected = nullptr) const;
  Result<std::vector<std::string>> read_strings(
      const std::string& dataset,
      const std::vector<std::size_t>* expected = nullptr) const;
  Result<std::string> string_attribute(const std::string& object,
                                       const std::string& name) const;
  Result<double> double_attribute(const std::string& object,
                                  const std::string& name) const;
  Result<std::int64_t> int_attribute(const std::string& object,
                                     const std::string& name) const;
  Result<std::uint64_t> uint_attribute(const std::string& object,
                                       const std::string& name) const;
  // The attribute, if present (no error otherwise): for optional ones.
  bool has_attribute(const std::string& object, const std::string& name) const;

 private:
  struct Impl;
  explicit ResultReader(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace growthcast::store

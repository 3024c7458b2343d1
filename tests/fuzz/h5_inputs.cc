// The HDF5 readers under fuzzing (issue 16): store::read_forecast (merge's
// shards, --resume's checkpoint points) and store::read_calibration with
// store::check_calibration.
//
// The fuzzer does not flip bytes of the HDF5 file itself: that fuzzes
// libhdf5's own parser, whose crashes growthcast cannot fix. Instead the
// input is a list of edits applied through the HDF5 API to a copy of a real
// file growthcast wrote (tests/fuzz/h5/: a calibration, a two-point shard, a
// checkpoint point): any dataset shortened, lengthened, reshaped, retyped,
// deleted or given a hostile value (NaN, infinities, negatives, huge
// counts, empty or repeated labels), any attribute deleted, retyped or
// rewritten. Every file so made is a well-formed HDF5 file whose content
// growthcast did not write, which is what a reader must survive: the heap
// over-read of the issue was such a file.
//
// Input: byte 0 picks the base file; then 4 bytes per edit: object (a
// dataset or attribute of the file, by index in sorted order), action and
// two parameters.
#include <hdf5.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "fuzz/fuzz_inputs.h"
#include "montecarlo/runner.h"
#include "store/result_io.h"

#ifndef GROWTHCAST_FUZZ_NO_CALIBRATION
#include "store/calibration_checks.h"
#endif

namespace growthcast::fuzz {
namespace {

namespace fs = std::filesystem;

const fs::path kBaseDir = fs::path(GROWTHCAST_SOURCE_DIR) / "tests/fuzz/h5";

const std::string& base_bytes(const std::string& name) {
  static std::vector<std::pair<std::string, std::string>> cache;
  for (const auto& [n, bytes] : cache)
    if (n == name) return bytes;
  std::ifstream in(kBaseDir / name, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  cache.emplace_back(name, text.str());
  return cache.back().second;
}

fs::path scratch_file() {
  static const fs::path dir = [] {
    fs::path d = fs::temp_directory_path() /
                 ("growthcast_fuzz_h5_" + std::to_string(::getpid()));
    fs::create_directories(d);
    return d;
  }();
  return dir / "edited.h5";
}

// An object an edit can change: a dataset, or an attribute of an object.
struct Target {
  std::string object;
  std::string attribute;  // empty for a dataset
};

herr_t collect(hid_t, const char* name, const H5O_info_t* info, void* out) {
  if (info->type == H5O_TYPE_DATASET)
    static_cast<std::vector<std::string>*>(out)->push_back(std::string("/") +
                                                           name);
  return 0;
}

herr_t collect_attribute(hid_t, const char* name, const H5A_info_t*,
                         void* out) {
  static_cast<std::vector<std::string>*>(out)->push_back(name);
  return 0;
}

std::vector<Target> targets(hid_t file) {
  std::vector<std::string> datasets;
  H5Ovisit(file, H5_INDEX_NAME, H5_ITER_INC, collect, &datasets);
  std::sort(datasets.begin(), datasets.end());
  std::vector<Target> out;
  for (const auto& d : datasets) out.push_back({d, {}});
  for (const char* group : {"/", "/forecast", "/calibration"}) {
    if (H5Lexists(file, group, H5P_DEFAULT) <= 0 && std::string(group) != "/")
      continue;
    std::vector<std::string> names;
    hsize_t index = 0;
    H5Aiterate_by_name(file, group, H5_INDEX_NAME, H5_ITER_INC, &index,
                       collect_attribute, &names, H5P_DEFAULT);
    for (const auto& n : names) out.push_back({group, n});
  }
  return out;
}

double hostile_number(std::uint8_t pick) {
  constexpr double kValues[] = {std::numeric_limits<double>::quiet_NaN(),
                                std::numeric_limits<double>::infinity(),
                                -std::numeric_limits<double>::infinity(),
                                -1.0,
                                0.0,
                                1e300,
                                -1e300,
                                9007199254740993.0,      // 2^53 + 1 (rounds)
                                18446744073709551616.0,  // 2^64
                                2147483648.0,
                                0.5,
                                1.0,
                                2.0,
                                1e-300,
                                1e18,
                                -2147483649.0};
  return kValues[pick % (sizeof kValues / sizeof kValues[0])];
}

// Writes `values` as a new dataset `path` of class `kind` (0 double, 1
// int32, 2 uint64, 3 string) and shape `dims`, replacing what was there.
void rewrite(hid_t file, const std::string& path, int kind,
             const std::vector<double>& values,
             const std::vector<hsize_t>& dims) {
  H5Ldelete(file, path.c_str(), H5P_DEFAULT);
  hid_t space = dims.empty()
                    ? H5Screate(H5S_SCALAR)
                    : H5Screate_simple(int(dims.size()), dims.data(), nullptr);
  hsize_t count = 1;
  for (hsize_t d : dims) count *= d;
  std::vector<double> data(count);
  for (hsize_t i = 0; i < count; ++i)
    data[i] = values.empty() ? 0.0 : values[i % values.size()];
  hid_t type = H5T_IEEE_F64LE, memory = H5T_NATIVE_DOUBLE;
  std::vector<std::int32_t> ints;
  std::vector<std::uint64_t> uints;
  std::vector<std::string> text;
  std::vector<const char*> text_ptrs;
  const void* buffer = data.data();
  hid_t string_type = -1;
  if (kind == 1) {
    for (double v : data)
      ints.push_back(std::isfinite(v) && std::abs(v) < 2e9 ? std::int32_t(v)
                                                           : -7);
    type = H5T_STD_I32LE;
    memory = H5T_NATIVE_INT32;
    buffer = ints.data();
  } else if (kind == 2) {
    for (double v : data)
      uints.push_back(std::isfinite(v) && v >= 0 && v < 1.8e19
                          ? std::uint64_t(v)
                          : std::numeric_limits<std::uint64_t>::max());
    type = H5T_STD_U64LE;
    memory = H5T_NATIVE_UINT64;
    buffer = uints.data();
  } else if (kind == 3) {
    for (double v : data) text.push_back(std::to_string(v));
    for (const auto& t : text) text_ptrs.push_back(t.c_str());
    string_type = H5Tcopy(H5T_C_S1);
    H5Tset_size(string_type, H5T_VARIABLE);
    type = memory = string_type;
    buffer = text_ptrs.data();
  }
  hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
  H5Pset_create_intermediate_group(lcpl, 1);
  hid_t dataset = H5Dcreate2(file, path.c_str(), type, space, lcpl, H5P_DEFAULT,
                             H5P_DEFAULT);
  if (dataset >= 0) {
    if (count > 0)
      H5Dwrite(dataset, memory, H5S_ALL, H5S_ALL, H5P_DEFAULT, buffer);
    H5Dclose(dataset);
  }
  H5Pclose(lcpl);
  if (string_type >= 0) H5Tclose(string_type);
  H5Sclose(space);
}

void edit_dataset(hid_t file, const std::string& path, std::uint8_t action,
                  std::uint8_t p1, std::uint8_t p2) {
  hid_t dataset = H5Dopen2(file, path.c_str(), H5P_DEFAULT);
  if (dataset < 0) return;
  hid_t space = H5Dget_space(dataset);
  hid_t type = H5Dget_type(dataset);
  const int rank = H5Sget_simple_extent_ndims(space);
  std::vector<hsize_t> dims(std::size_t(std::max(rank, 0)));
  if (rank > 0) H5Sget_simple_extent_dims(space, dims.data(), nullptr);
  const hssize_t points = H5Sget_simple_extent_npoints(space);
  const std::size_t n = points > 0 ? std::size_t(points) : 0;
  const H5T_class_t type_class = H5Tget_class(type);
  std::vector<double> values;
  std::vector<std::string> labels;
  if (type_class == H5T_STRING) {
    if (H5Tis_variable_str(type) > 0 && n > 0) {
      hid_t memory = H5Tcopy(H5T_C_S1);
      H5Tset_size(memory, H5T_VARIABLE);
      std::vector<char*> text(n, nullptr);
      if (H5Dread(dataset, memory, H5S_ALL, H5S_ALL, H5P_DEFAULT,
                  text.data()) >= 0)
        for (char* t : text) {
          labels.emplace_back(t ? t : "");
          H5free_memory(t);
        }
      H5Tclose(memory);
    }
  } else if (n > 0 && n < (1u << 22)) {
    values.resize(n);
    if (H5Dread(dataset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT,
                values.data()) < 0)
      values.assign(n, 0.0);
  }
  const int kind = type_class == H5T_STRING            ? 3
                   : type_class == H5T_FLOAT           ? 0
                   : H5Tget_sign(type) == H5T_SGN_NONE ? 2
                                                       : 1;
  H5Tclose(type);
  H5Sclose(space);
  H5Dclose(dataset);

  switch (action % 7) {
    case 0:  // shorter, one-dimensional
      if (kind != 3) rewrite(file, path, kind, values, {hsize_t(p1) % (n + 1)});
      break;
    case 1:  // longer, one-dimensional
      if (kind != 3) rewrite(file, path, kind, values, {n + 1 + p1});
      break;
    case 2: {  // the same values under another shape
      std::vector<hsize_t> other = dims;
      if (p1 % 3 == 0) other.insert(other.begin(), 1);
      if (p1 % 3 == 1 && !other.empty()) other.pop_back();
      if (p1 % 3 == 2) other = {};
      if (kind != 3) rewrite(file, path, kind, values, other);
      break;
    }
    case 3:  // another class of values
      rewrite(file, path, (kind + 1 + p1 % 3) % 4, values, dims);
      break;
    case 4:
      H5Ldelete(file, path.c_str(), H5P_DEFAULT);
      break;
    case 5:  // one hostile value in place
      if (kind == 3 && !labels.empty()) {
        std::vector<std::string> edited = labels;
        const std::size_t at = p1 % labels.size();
        edited[at] = p2 % 3 == 0   ? std::string()
                     : p2 % 3 == 1 ? labels[(at + 1) % labels.size()]
                                   : std::string(300, 'x');
        dataset = H5Dopen2(file, path.c_str(), H5P_DEFAULT);
        hid_t memory = H5Tcopy(H5T_C_S1);
        H5Tset_size(memory, H5T_VARIABLE);
        std::vector<const char*> ptrs;
        for (const auto& l : edited) ptrs.push_back(l.c_str());
        H5Dwrite(dataset, memory, H5S_ALL, H5S_ALL, H5P_DEFAULT, ptrs.data());
        H5Tclose(memory);
        H5Dclose(dataset);
      } else if (!values.empty()) {
        values[p1 % values.size()] = hostile_number(p2);
        rewrite(file, path, kind == 3 ? 0 : kind, values, dims);
      }
      break;
    case 6:  // every value hostile
      if (kind != 3 && !values.empty()) {
        std::fill(values.begin(), values.end(), hostile_number(p2));
        rewrite(file, path, kind, values, dims);
      }
      break;
  }
}

void edit_attribute(hid_t file, const Target& t, std::uint8_t action,
                    std::uint8_t p1, std::uint8_t p2) {
  H5Adelete_by_name(file, t.object.c_str(), t.attribute.c_str(), H5P_DEFAULT);
  if (action % 4 == 0) return;  // deleted
  hid_t object = H5Oopen(file, t.object.c_str(), H5P_DEFAULT);
  if (object < 0) return;
  hid_t space = H5Screate(H5S_SCALAR);
  if (action % 4 == 1) {  // a number where anything was
    const double v = hostile_number(p2);
    hid_t a = H5Acreate2(object, t.attribute.c_str(), H5T_IEEE_F64LE, space,
                         H5P_DEFAULT, H5P_DEFAULT);
    if (a >= 0) {
      H5Awrite(a, H5T_NATIVE_DOUBLE, &v);
      H5Aclose(a);
    }
  } else if (action % 4 == 2) {  // an integer
    const std::int64_t v = std::int64_t(p1) - 128 + (std::int64_t(p2) << 40);
    hid_t a = H5Acreate2(object, t.attribute.c_str(), H5T_STD_I64LE, space,
                         H5P_DEFAULT, H5P_DEFAULT);
    if (a >= 0) {
      H5Awrite(a, H5T_NATIVE_INT64, &v);
      H5Aclose(a);
    }
  } else {  // a string
    const std::string text = p1 % 4 == 0   ? std::string()
                             : p1 % 4 == 1 ? std::string(p2 + 1, '\n')
                             : p1 % 4 == 2 ? std::string(p2 * 40 + 1, 'n')
                                           : "x\nn\ns";
    hid_t type = H5Tcopy(H5T_C_S1);
    H5Tset_size(type, H5T_VARIABLE);
    const char* ptr = text.c_str();
    hid_t a = H5Acreate2(object, t.attribute.c_str(), type, space, H5P_DEFAULT,
                         H5P_DEFAULT);
    if (a >= 0) {
      H5Awrite(a, type, &ptr);
      H5Aclose(a);
    }
    H5Tclose(type);
  }
  H5Sclose(space);
  H5Oclose(object);
}

// The base file with the input's edits applied, at scratch_file().
bool prepare(std::string_view data, const std::vector<std::string>& bases) {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  if (data.empty()) return false;
  const std::string& bytes =
      base_bytes(bases[std::uint8_t(data[0]) % bases.size()]);
  if (bytes.empty()) return false;
  const fs::path path = scratch_file();
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), std::streamsize(bytes.size()));
  }
  hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  if (file < 0) return false;
  const std::vector<Target> all = targets(file);
  for (std::size_t at = 1; at + 4 <= data.size() && at < 1 + 4 * 16; at += 4) {
    const auto* op = reinterpret_cast<const std::uint8_t*>(data.data() + at);
    if (all.empty()) break;
    const Target& t = all[op[0] % all.size()];
    if (t.attribute.empty())
      edit_dataset(file, t.object, op[1], op[2], op[3]);
    else
      edit_attribute(file, t, op[1], op[2], op[3]);
  }
  H5Fclose(file);
  H5Eclear2(H5E_DEFAULT);
  return true;
}

}  // namespace

bool forecast_h5(std::string_view data) {
  if (!prepare(data, {"shard.h5", "point.h5"})) return false;
  auto read = store::read_forecast(scratch_file());
  if (!read) return false;
  // Touch everything read: a size that disagrees with the run's own
  // dimensions would be an over-read here (ASan).
  double sum = 0;
  for (const auto& run : read->runs) {
    const std::size_t cells = std::size_t(run.cells());
    if (run.mean.size() != cells || run.sd.size() != cells ||
        run.quantiles.size() != cells * montecarlo::kQuantileLevels.size())
      __builtin_trap();
    for (std::size_t c = 0; c < cells; ++c) sum += run.mean[c] + run.sd[c];
    for (double q : run.quantiles) sum += q;
  }
  for (const auto& row : read->history.gdp)
    for (double v : row) sum += v;
  volatile double sink = sum;
  (void)sink;
  return true;
}

bool calibration_h5(std::string_view data) {
#ifdef GROWTHCAST_FUZZ_NO_CALIBRATION
  (void)data;
  return false;
#else
  if (!prepare(data, {"calibration.h5"})) return false;
  auto read = store::read_calibration(scratch_file());
  if (!read) return false;
  if (!store::check_calibration(*read, scratch_file().string())) return false;
  (void)store::calibration_digest(*read);
  return true;
#endif
}

}  // namespace growthcast::fuzz

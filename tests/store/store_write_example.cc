// Writes a small result file to argv[1] for check_netcdf_compat.py: a
// /calibration group with a string scale `parameter`, estimates and a
// covariance over it, a [region, year] dataset with a string and an int32
// scale, group attributes and root provenance.
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "store/result_file.h"

namespace {

using growthcast::Status;
using growthcast::store::ResultFile;

// Values the Python check compares against (keep the two in step).
Status write_example(ResultFile& file) {
  const std::string g = "/calibration";
  const std::vector<std::int32_t> years = {2000, 2001, 2002, 2003};
  const std::vector<double> estimate = {0.3, 0.05, 0.07};
  const std::vector<double> covariance = {1.0, 0.1, 0.2,  //
                                          0.1, 2.0, 0.3,  //
                                          0.2, 0.3, 3.0};
  std::vector<double> fitted;  // [region, year], row-major
  for (int r = 0; r < 2; ++r) {
    for (int y = 0; y < 4; ++y) fitted.push_back(10.0 * r + y + 0.5);
  }
  growthcast::store::Provenance provenance;
  provenance.command_line = "store_write_example out.h5";
  provenance.seed = 42;

  // Each step runs only if the previous one succeeded.
  return file.add_scale(g, "parameter", {"alpha", "beta", "delta"})
      .and_then([&] {
        return file.add_scale(g, "region", {"north", "south"});
      })
      .and_then([&] { return file.add_scale(g, "year", years, "year"); })
      .and_then([&] {
        return file.add_dataset(g, "estimate", estimate, {"parameter"}, "1",
                                "parameter estimate");
      })
      .and_then([&] {
        // The same scale on both axes.
        return file.add_dataset(g, "covariance", covariance,
                                {"parameter", "parameter"}, "1");
      })
      .and_then([&] {
        // An absolute scale path and a relative one.
        return file.add_dataset(g, "fitted", fitted,
                                {"/calibration/region", "year"},
                                "log USD per worker", "fitted log output");
      })
      .and_then([&] { return file.set_attribute(g, "model", "solow"); })
      .and_then([&] { return file.set_attribute(g, "final_cost", 0.125); })
      .and_then(
          [&] { return file.set_attribute(g, "iterations", std::int64_t{17}); })
      .and_then([&] { return file.write_provenance(provenance); });
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUTPUT.h5\n", argv[0]);
    return 2;
  }
  auto file = ResultFile::create(argv[1]);
  if (!file) {
    std::fprintf(stderr, "%s\n", file.error().to_string().c_str());
    return 1;
  }
  Status status = write_example(*file);
  if (status) status = file->commit();
  if (!status) {
    std::fprintf(stderr, "%s\n", status.error().to_string().c_str());
    return 1;
  }
  return 0;
}

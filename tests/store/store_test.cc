// ResultFile / ResultReader round trips, the temporary-file-and-rename
// contract, and error values for bad input.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <span>
#include <sstream>
#include <string>
#include <vector>

#include "closeness.h"
#include "common/version.h"
#include "store/result_file.h"

namespace growthcast::store {
namespace {

namespace fs = std::filesystem;
using growthcast::testing::IsClose;
using growthcast::testing::Tolerance;

// Expected digests come from outside this code base:
//   printf 'growthcast provenance test\n' | sha256sum   (GNU coreutils 9.1)
constexpr char kKnownText[] = "growthcast provenance test\n";
constexpr char kKnownTextSha256[] =
    "b937915481c8670d24bd64015666c3fd6f89e953a4d4b40420ae662d02af7445";
// SHA-256 of the empty message, FIPS 180-2 / NIST test vectors.
constexpr char kEmptySha256[] =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

void write_text(const fs::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// Each test gets its own empty directory, removed afterwards.
class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::path(::testing::TempDir()) /
           ("growthcast_store_" + std::string(info->name()) + "_" +
            std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::vector<std::string> directory_entries() const {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(dir_)) {
      names.push_back(entry.path().filename().string());
    }
    return names;
  }

  fs::path dir_;
};

// A /calibration group as the calibrate stage writes it.
void write_calibration(ResultFile& file) {
  ASSERT_TRUE(
      file.add_scale("/calibration", "parameter", {"alpha", "beta", "delta"}));
  ASSERT_TRUE(file.add_scale("/calibration", "region", {"north", "south"}));
  ASSERT_TRUE(file.add_scale("/calibration", "year",
                             std::vector<std::int32_t>{2000, 2001, 2002},
                             "year"));
  ASSERT_TRUE(file.add_scale("/forecast", "quantile",
                             std::vector<double>{0.05, 0.5, 0.95}, "1"));
  const std::vector<double> estimate = {0.3, 0.05, 0.07};
  ASSERT_TRUE(file.add_dataset("/calibration", "estimate", estimate,
                               {"parameter"}, "1", "parameter estimate"));
  const std::vector<double> covariance = {1, 2, 3, 2, 4, 5, 3, 5, 6};
  ASSERT_TRUE(file.add_dataset("/calibration", "covariance", covariance,
                               {"parameter", "parameter"}, "1"));
  const std::vector<double> fitted = {1.5, 2.5, 3.5, 4.5, 5.5, 6.5};
  ASSERT_TRUE(file.add_dataset("/calibration", "fitted", fitted,
                               {"/calibration/region", "year"}, "log USD"));
  ASSERT_TRUE(file.set_attribute("/calibration", "model", "solow"));
  ASSERT_TRUE(file.set_attribute("/calibration", "final_cost", 0.125));
  ASSERT_TRUE(
      file.set_attribute("/calibration", "iterations", std::int64_t{1} << 40));
}

TEST_F(StoreTest, RoundTripThroughReader) {
  const fs::path input = dir_ / "input.csv";
  write_text(input, kKnownText);
  const fs::path path = dir_ / "result.h5";
  {
    auto file = ResultFile::create(path);
    ASSERT_TRUE(file) << file.error().to_string();
    write_calibration(*file);
    ASSERT_TRUE(file->write_provenance({"growthcast calibrate x", {input}, 7}));
    EXPECT_EQ(file->final_path(), path);
    auto committed = file->commit();
    ASSERT_TRUE(committed) << committed.error().to_string();
  }
  auto reader = ResultReader::open(path);
  ASSERT_TRUE(reader) << reader.error().to_string();

  EXPECT_EQ(*reader->read_strings("/calibration/parameter"),
            (std::vector<std::string>{"alpha", "beta", "delta"}));
  EXPECT_EQ(*reader->read_ints("/calibration/year"),
            (std::vector<std::int32_t>{2000, 2001, 2002}));
  EXPECT_EQ(*reader->read_doubles("/forecast/quantile"),
            (std::vector<double>{0.05, 0.5, 0.95}));

  std::vector<std::size_t> shape;
  auto covariance = reader->read_doubles("/calibration/covariance", &shape);
  ASSERT_TRUE(covariance);
  EXPECT_EQ(shape, (std::vector<std::size_t>{3, 3}));
  EXPECT_EQ(*covariance, (std::vector<double>{1, 2, 3, 2, 4, 5, 3, 5, 6}));
  auto fitted = reader->read_doubles("/calibration/fitted", &shape);
  ASSERT_TRUE(fitted);
  EXPECT_EQ(shape, (std::vector<std::size_t>{2, 3}));
  EXPECT_TRUE(IsClose((*fitted)[4], 5.5, Tolerance::kRoundoff));

  EXPECT_EQ(*reader->string_attribute("/calibration/fitted", "units"),
            "log USD");
  EXPECT_EQ(*reader->string_attribute("/calibration/estimate", "long_name"),
            "parameter estimate");
  EXPECT_FALSE(reader->string_attribute("/calibration/fitted", "long_name"));
  EXPECT_EQ(*reader->string_attribute("/calibration/year", "units"), "year");
  EXPECT_EQ(*reader->string_attribute("/calibration", "model"), "solow");
  EXPECT_EQ(*reader->double_attribute("/calibration", "final_cost"), 0.125);
  EXPECT_EQ(*reader->int_attribute("/calibration", "iterations"),
            std::int64_t{1} << 40);
}

// A dataset created without chunks and written in blocks of rows (what
// write_calibration does with a covariance over 32 MB) holds exactly the
// rows written, with the kernel's writeback started between them.
TEST_F(StoreTest, ContiguousDatasetWrittenInBlocksOfRows) {
  const fs::path path = dir_ / "blocks.h5";
  const std::vector<double> values = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  {
    auto file = ResultFile::create(path);
    ASSERT_TRUE(file) << file.error().to_string();
    ASSERT_TRUE(file->add_scale("/g", "p", {"a", "b", "c"}));
    ASSERT_TRUE(file->create_chunked_dataset("/g", "m", {"p", "p"}, {}, "1"));
    ASSERT_TRUE(file->write_block("/g/m", {0, 0}, {2, 3},
                                  std::span(values).subspan(0, 6)));
    file->start_writeback();
    ASSERT_TRUE(file->write_block("/g/m", {2, 0}, {1, 3},
                                  std::span(values).subspan(6, 3)));
    ASSERT_TRUE(file->commit());
  }
  auto reader = ResultReader::open(path);
  ASSERT_TRUE(reader) << reader.error().to_string();
  std::vector<std::size_t> shape;
  EXPECT_EQ(*reader->read_doubles("/g/m", &shape), values);
  EXPECT_EQ(shape, (std::vector<std::size_t>{3, 3}));
}

// The same written behind (write_behind after each block: the blocks
// before the last waited for and dropped from the page cache while later
// ones are written): every value reads back, whether it came from the page
// cache or, dropped, from the disk. 64 rows of 4096 values (2 MiB) in
// blocks of 5 rows, so the waits and drops cover partial pages too; the
// values are their own flat index.
TEST_F(StoreTest, ContiguousDatasetWrittenBehindHoldsEveryRow) {
  const fs::path path = dir_ / "behind.h5";
  const std::size_t rows = 64, cols = 4096;
  std::vector<double> values(rows * cols);
  for (std::size_t k = 0; k < values.size(); ++k) values[k] = double(k);
  std::vector<std::string> names(rows), columns(cols);
  for (std::size_t r = 0; r < rows; ++r) names[r] = "r" + std::to_string(r);
  for (std::size_t c = 0; c < cols; ++c) columns[c] = "c" + std::to_string(c);
  {
    auto file = ResultFile::create(path);
    ASSERT_TRUE(file) << file.error().to_string();
    ASSERT_TRUE(file->add_scale("/g", "r", names));
    ASSERT_TRUE(file->add_scale("/g", "c", columns));
    ASSERT_TRUE(file->create_chunked_dataset("/g", "m", {"r", "c"}, {}, "1"));
    for (std::size_t first = 0; first < rows; first += 5) {
      const std::size_t count = std::min<std::size_t>(5, rows - first);
      ASSERT_TRUE(file->write_block(
          "/g/m", {first, 0}, {count, cols},
          std::span(values).subspan(first * cols, count * cols)));
      file->write_behind();
    }
    ASSERT_TRUE(file->commit());
  }
  auto reader = ResultReader::open(path);
  ASSERT_TRUE(reader) << reader.error().to_string();
  std::vector<std::size_t> shape;
  EXPECT_EQ(*reader->read_doubles("/g/m", &shape), values);
  EXPECT_EQ(shape, (std::vector<std::size_t>{rows, cols}));
}

TEST_F(StoreTest, ProvenanceOnRoot) {
  const fs::path input = dir_ / "input.csv";
  write_text(input, kKnownText);
  const fs::path path = dir_ / "result.h5";
  {
    auto file = ResultFile::create(path);
    ASSERT_TRUE(file);
    ASSERT_TRUE(
        file->write_provenance({"growthcast calibrate --seed 7", {input}, 7}));
    ASSERT_TRUE(file->commit());
  }
  auto reader = ResultReader::open(path);
  ASSERT_TRUE(reader);
  EXPECT_EQ(*reader->string_attribute("/", "program"), "growthcast");
  EXPECT_EQ(*reader->string_attribute("/", "version"), growthcast::version());
  EXPECT_EQ(*reader->string_attribute("/", "git_commit"),
            growthcast::git_commit());
  EXPECT_EQ(*reader->string_attribute("/", "command_line"),
            "growthcast calibrate --seed 7");
  EXPECT_EQ(*reader->string_attribute("/", "input_files"),
            std::string(kKnownTextSha256) + "  " + input.string());
  // Seeds are unsigned 64-bit integers (issue 16: a double rounds them).
  EXPECT_EQ(*reader->uint_attribute("/", "seed"), 7u);
  auto created = reader->string_attribute("/", "created");
  ASSERT_TRUE(created);
  EXPECT_TRUE(std::regex_match(
      *created, std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)")))
      << *created;
}

TEST_F(StoreTest, NoSeedAttributeWhenNegative) {
  const fs::path path = dir_ / "result.h5";
  {
    auto file = ResultFile::create(path);
    ASSERT_TRUE(file);
    ASSERT_TRUE(
        file->write_provenance({"growthcast report", {}, std::nullopt}));
    ASSERT_TRUE(file->commit());
  }
  auto reader = ResultReader::open(path);
  ASSERT_TRUE(reader);
  EXPECT_FALSE(reader->has_attribute("/", "seed"));
  EXPECT_EQ(*reader->string_attribute("/", "input_files"), "");
}

TEST_F(StoreTest, Sha256MatchesIndependentDigests) {
  write_text(dir_ / "known.txt", kKnownText);
  write_text(dir_ / "empty.txt", "");
  EXPECT_EQ(*sha256_file(dir_ / "known.txt"), kKnownTextSha256);
  EXPECT_EQ(*sha256_file(dir_ / "empty.txt"), kEmptySha256);
  auto missing = sha256_file(dir_ / "missing.txt");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().file.find("missing.txt"), std::string::npos);
}

TEST_F(StoreTest, CreateInMissingDirectoryFailsAndCreatesNothing) {
  const fs::path path = dir_ / "no" / "such" / "result.h5";
  auto file = ResultFile::create(path);
  ASSERT_FALSE(file);
  EXPECT_EQ(file.error().file, path.string());
  EXPECT_NE(file.error().message.find("does not exist"), std::string::npos)
      << file.error().to_string();
  EXPECT_FALSE(fs::exists(dir_ / "no"));
  EXPECT_TRUE(directory_entries().empty());
}

TEST_F(StoreTest, CreateInReadOnlyDirectoryFails) {
  // Root may write into read-only folders, so the check runs in a child
  // process that gives up root for the unprivileged user nobody (65534).
  const fs::path locked = dir_ / "locked";
  fs::create_directory(locked);
  fs::permissions(dir_, fs::perms::all, fs::perm_options::add);
  fs::permissions(locked, fs::perms::owner_read | fs::perms::owner_exec |
                              fs::perms::group_read | fs::perms::group_exec |
                              fs::perms::others_read | fs::perms::others_exec);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0)) _exit(3);
    auto file = ResultFile::create(locked / "result.h5");
    if (file) _exit(1);
    _exit(file.error().message.find("not writable") != std::string::npos ? 0
                                                                         : 2);
  }
  int status = 0;
  waitpid(child, &status, 0);
  fs::permissions(locked, fs::perms::owner_all);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0)
      << "1: created a file, 2: wrong message, 3: could not drop root";
  EXPECT_TRUE(fs::is_empty(locked));
}

TEST_F(StoreTest, TemporaryFileBesideFinalPathUntilCommit) {
  const fs::path path = dir_ / "result.h5";
  auto file = ResultFile::create(path);
  ASSERT_TRUE(file);
  auto entries = directory_entries();
  ASSERT_EQ(entries.size(), 1u);
  // Short and hidden (store/atomic_file.h): ".gc-<16 hex digits>.tmp".
  EXPECT_TRUE(
      std::regex_match(entries[0], std::regex(R"(\.gc-[0-9a-f]{16}\.tmp)")))
      << entries[0];
  EXPECT_FALSE(fs::exists(path));
  ASSERT_TRUE(file->commit());
  EXPECT_EQ(directory_entries(), std::vector<std::string>{"result.h5"});
}

TEST_F(StoreTest, DestructorWithoutCommitLeavesNoFile) {
  const fs::path path = dir_ / "result.h5";
  {
    auto file = ResultFile::create(path);
    ASSERT_TRUE(file);
    write_calibration(*file);
  }
  EXPECT_FALSE(fs::exists(path));
  EXPECT_TRUE(directory_entries().empty());
}

TEST_F(StoreTest, ExistingFileUntouchedUntilCommit) {
  const fs::path path = dir_ / "result.h5";
  write_text(path, "previous run");
  {
    auto abandoned = ResultFile::create(path);
    ASSERT_TRUE(abandoned);
    write_calibration(*abandoned);
    EXPECT_EQ(read_text(path), "previous run");
  }
  EXPECT_EQ(read_text(path), "previous run");
  EXPECT_EQ(directory_entries(), std::vector<std::string>{"result.h5"});

  auto replacement = ResultFile::create(path);
  ASSERT_TRUE(replacement);
  ASSERT_TRUE(replacement->add_scale("/", "x", {"a"}));
  EXPECT_EQ(read_text(path), "previous run");
  ASSERT_TRUE(replacement->commit());
  auto reader = ResultReader::open(path);
  ASSERT_TRUE(reader);
  EXPECT_EQ(*reader->read_strings("/x"), std::vector<std::string>{"a"});
}

TEST_F(StoreTest, FailedCommitLeavesNothingNew) {
  const fs::path path = dir_ / "result.h5";
  auto file = ResultFile::create(path);
  ASSERT_TRUE(file);
  ASSERT_TRUE(file->add_scale("/", "x", {"a"}));
  // A non-empty directory appearing at the final path makes rename() fail.
  fs::create_directory(path);
  write_text(path / "keep.txt", "kept");
  auto status = file->commit();
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().file, path.string());
  EXPECT_EQ(directory_entries(), std::vector<std::string>{"result.h5"});
  EXPECT_EQ(read_text(path / "keep.txt"), "kept");
  EXPECT_FALSE(file->add_scale("/", "y", {"b"}));
}

TEST_F(StoreTest, Hdf5FailureBecomesErrorNamingObject) {
  auto file = ResultFile::create(dir_ / "result.h5");
  ASSERT_TRUE(file);
  ASSERT_TRUE(file->add_scale("/calibration", "parameter", {"a"}));
  // A dataset cannot hold a group.
  auto status = file->add_scale("/calibration/parameter/sub", "x", {"a"});
  ASSERT_FALSE(status);
  EXPECT_NE(status.error().message.find("/calibration/parameter/sub"),
            std::string::npos)
      << status.error().to_string();
}

TEST_F(StoreTest, MovedFileCommitsOnce) {
  const fs::path path = dir_ / "result.h5";
  auto created = ResultFile::create(path);
  ASSERT_TRUE(created);
  ResultFile file = std::move(*created);
  ASSERT_TRUE(file.add_scale("/", "x", {"a", "b"}));
  ASSERT_TRUE(file.commit());
  EXPECT_TRUE(fs::exists(path));
  EXPECT_FALSE(file.commit());
  EXPECT_FALSE(file.add_scale("/", "y", {"a"}));
}

TEST_F(StoreTest, DataSizeMismatchIsAnError) {
  const fs::path path = dir_ / "result.h5";
  auto file = ResultFile::create(path);
  ASSERT_TRUE(file);
  ASSERT_TRUE(file->add_scale("/calibration", "parameter", {"a", "b"}));
  const std::vector<double> three = {1, 2, 3};
  auto status =
      file->add_dataset("/calibration", "estimate", three, {"parameter"}, "1");
  ASSERT_FALSE(status);
  EXPECT_NE(status.error().message.find("/calibration/estimate"),
            std::string::npos)
      << status.error().to_string();
  EXPECT_EQ(status.error().file, path.string());
  ASSERT_TRUE(file->commit());
  EXPECT_FALSE(ResultReader::open(path)->exists("/calibration/estimate"));
}

TEST_F(StoreTest, MissingOrUnreachableScaleIsAnError) {
  auto file = ResultFile::create(dir_ / "result.h5");
  ASSERT_TRUE(file);
  const std::vector<double> two = {1, 2};
  auto missing =
      file->add_dataset("/calibration", "estimate", two, {"parameter"}, "1");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("/calibration/parameter"),
            std::string::npos);
  // A plain dataset is not a dimension.
  ASSERT_TRUE(file->add_scale("/calibration", "region", {"n", "s"}));
  ASSERT_TRUE(file->add_dataset("/calibration", "plain", two, {"region"}, "1"));
  EXPECT_FALSE(file->add_dataset("/calibration", "x", two, {"plain"}, "1"));
  // Sibling groups cannot see each other's dimensions in netCDF.
  auto sibling =
      file->add_dataset("/accounting", "x", two, {"/calibration/region"}, "1");
  ASSERT_FALSE(sibling);
  EXPECT_NE(sibling.error().message.find("parent group"), std::string::npos);
  // Parent groups can.
  ASSERT_TRUE(file->add_scale("/", "factor", {"capital", "labour"}));
  EXPECT_TRUE(file->add_dataset("/accounting/by_factor", "share", two,
                                {"/factor"}, "1"));
  // Names are single components; groups absolute.
  EXPECT_FALSE(file->add_scale("/calibration", "a/b", {"x"}));
  EXPECT_FALSE(file->add_scale("calibration", "c", {"x"}));
  EXPECT_FALSE(file->add_scale("/calibration", "region", {"again"}));
}

TEST_F(StoreTest, AttributesOverwriteAndCreateGroups) {
  const fs::path path = dir_ / "result.h5";
  {
    auto file = ResultFile::create(path);
    ASSERT_TRUE(file);
    ASSERT_TRUE(file->set_attribute("/forecast/gdp", "variable", "gdp"));
    ASSERT_TRUE(file->set_attribute("/forecast/gdp", "variable", 1.5));
    ASSERT_TRUE(file->commit());
  }
  auto reader = ResultReader::open(path);
  ASSERT_TRUE(reader);
  EXPECT_TRUE(reader->exists("/forecast/gdp"));
  EXPECT_EQ(*reader->double_attribute("/forecast/gdp", "variable"), 1.5);
}

TEST_F(StoreTest, ReaderErrorsNameFileAndObject) {
  const fs::path path = dir_ / "result.h5";
  {
    auto file = ResultFile::create(path);
    ASSERT_TRUE(file);
    write_calibration(*file);
    ASSERT_TRUE(file->commit());
  }
  auto reader = ResultReader::open(path);
  ASSERT_TRUE(reader);
  EXPECT_FALSE(reader->exists("/calibration/nothing"));
  EXPECT_FALSE(reader->exists("/nothing/deeper"));

  const auto expect_error = [&](const auto& result, const std::string& word) {
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().file, path.string());
    EXPECT_NE(result.error().message.find(word), std::string::npos)
        << result.error().to_string();
  };
  expect_error(reader->read_doubles("/calibration/nothing"),
               "/calibration/nothing");
  expect_error(reader->read_doubles("/calibration"), "not a dataset");
  expect_error(reader->read_ints("/calibration/fitted"), "integers");
  expect_error(reader->read_doubles("/calibration/parameter"), "floating");
  expect_error(reader->read_strings("/calibration/year"), "strings");
  expect_error(reader->string_attribute("/calibration", "final_cost"),
               "final_cost");
  expect_error(reader->double_attribute("/calibration", "model"), "model");
  expect_error(reader->int_attribute("/calibration", "final_cost"), "integer");
  expect_error(reader->string_attribute("/calibration", "absent"), "absent");
  expect_error(reader->string_attribute("/nowhere", "units"), "/nowhere");
}

TEST_F(StoreTest, OpeningMissingOrForeignFileFails) {
  auto missing = ResultReader::open(dir_ / "missing.h5");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().file, (dir_ / "missing.h5").string());
  write_text(dir_ / "text.h5", "not hdf5");
  auto foreign = ResultReader::open(dir_ / "text.h5");
  ASSERT_FALSE(foreign);
  EXPECT_NE(foreign.error().message.find("HDF5"), std::string::npos);
}

}  // namespace
}  // namespace growthcast::store

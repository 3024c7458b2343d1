// Issue 16 (reliability, round two), store layer: shape checks before every
// read, unsigned 64-bit seeds, the content digests, the atomic text writer
// and its signal cleanup, and check_calibration.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "linalg/arrow_covariance.h"
#include "store/atomic_file.h"
#include "store/calibration_checks.h"
#include "store/result_file.h"
#include "store/result_io.h"

namespace growthcast::store {
namespace {

namespace fs = std::filesystem;

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// ".gc-" + 16 lowercase hex digits + ".tmp" (store/atomic_file.h).
bool is_temporary_name(const std::string& name) {
  if (name.size() != 24 || name.rfind(".gc-", 0) != 0 ||
      name.substr(20) != ".tmp")
    return false;
  return name.find_first_not_of("0123456789abcdef", 4) == 20;
}

class HardeningTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::path(::testing::TempDir()) /
           ("growthcast_hardening_" + std::string(info->name()) + "_" +
            std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::vector<std::string> entries() const {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(dir_))
      names.push_back(entry.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
  }

  fs::path dir_;
};

// ---- reading: shapes are checked before reading ----------------------------

TEST_F(HardeningTest, ReadersCheckTheExpectedShapeBeforeReading) {
  const fs::path path = dir_ / "r.h5";
  {
    auto file = ResultFile::create(path);
    ASSERT_TRUE(file);
    ASSERT_TRUE(file->add_scale("/g", "a", {"x", "y"}));
    ASSERT_TRUE(
        file->add_scale("/g", "b", std::vector<std::int32_t>{1, 2, 3}, "1"));
    ASSERT_TRUE(file->add_dataset("/g", "v", std::vector<double>(6, 1.0),
                                  {"a", "b"}, "1"));
    ASSERT_TRUE(file->commit());
  }
  auto reader = ResultReader::open(path);
  ASSERT_TRUE(reader);
  // What was written: [2, 3] (the scales' lengths).
  EXPECT_EQ(*reader->shape("/g/v"), (std::vector<std::size_t>{2, 3}));
  EXPECT_TRUE(reader->read_doubles("/g/v", {2, 3}));
  auto wrong = reader->read_doubles("/g/v", {3, 3});
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().file, path.string());
  EXPECT_EQ(wrong.error().message,
            "dataset '/g/v' has shape [2, 3], expected [3, 3] from the file's "
            "own dimensions");
  const std::vector<std::size_t> three{3};
  EXPECT_TRUE(reader->read_ints("/g/b", &three));
  const std::vector<std::size_t> two{2};
  EXPECT_FALSE(reader->read_ints("/g/b", &two));
  EXPECT_TRUE(reader->read_strings("/g/a", &two));
  EXPECT_FALSE(reader->read_strings("/g/a", &three));
}

TEST_F(HardeningTest, Uint64RoundTripAndLegacyDoubles) {
  const fs::path path = dir_ / "seeds.h5";
  const std::uint64_t top = std::numeric_limits<std::uint64_t>::max();
  {
    auto file = ResultFile::create(path);
    ASSERT_TRUE(file);
    ASSERT_TRUE(file->add_scale("/f", "scenario", {"a", "b", "c"}));
    ASSERT_TRUE(file->add_uint64_dataset(
        "/f", "seed", {0, (std::uint64_t{1} << 53) + 1, top}, "scenario", "1"));
    // A float64 seed as older files stored it, and a fractional one.
    ASSERT_TRUE(file->add_dataset("/f", "old", std::vector<double>{1, 2, 3},
                                  {"scenario"}, "1"));
    ASSERT_TRUE(file->add_dataset("/f", "bad", std::vector<double>{1, 2.5, 3},
                                  {"scenario"}, "1"));
    ASSERT_TRUE(file->set_attribute("/", "seed", top));
    ASSERT_TRUE(file->commit());
  }
  auto reader = ResultReader::open(path);
  ASSERT_TRUE(reader);
  // 2^53 + 1 is the first integer a double cannot hold.
  EXPECT_EQ(*reader->read_uint64s("/f/seed"),
            (std::vector<std::uint64_t>{0, (std::uint64_t{1} << 53) + 1, top}));
  EXPECT_EQ(*reader->uint_attribute("/", "seed"), top);
  // Read as signed it would be clipped to 2^63-1 by HDF5: refused instead.
  auto clipped = reader->int_attribute("/", "seed");
  ASSERT_FALSE(clipped);
  EXPECT_NE(clipped.error().message.find("18446744073709551615, beyond"),
            std::string::npos)
      << clipped.error().message;
  EXPECT_EQ(*reader->read_uint64s("/f/old"),
            (std::vector<std::uint64_t>{1, 2, 3}));
  EXPECT_FALSE(reader->read_uint64s("/f/bad"));
}

// ---- digests
// -----------------------------------------------------------------

TEST(Sha256Test, StreamingMatchesTheStandardVector) {
  // FIPS 180-2, appendix B.1: SHA-256("abc").
  Sha256 h;
  h.bytes("abc", 3);
  EXPECT_EQ(h.hex(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Sha256Test, LengthPrefixesSeparateSequences) {
  // ("ab", "c") and ("a", "bc") are different sequences.
  Sha256 a, b;
  a.text("ab");
  a.text("c");
  b.text("a");
  b.text("bc");
  EXPECT_NE(a.hex(), b.hex());
}

calibrate::CalibrationResult small_calibration() {
  calibrate::CalibrationResult r;
  r.regions = {"north", "south"};
  r.years = {2010, 2011, 2012};
  r.parameter_names = {"a", "b", "c"};
  r.estimate = Eigen::VectorXd(3);
  r.estimate << 0.1, 0.2, 0.3;
  r.covariance = Eigen::MatrixXd::Identity(3, 3) * 0.01;
  r.covariance(0, 1) = r.covariance(1, 0) = 0.005;
  r.covariance_ok = true;
  const std::vector<std::vector<double>> table(2, std::vector<double>(3, 1.0));
  r.gdp = r.capital = r.labour = r.rd = r.knowledge = table;
  r.fit.shock_sigma = 0.02;
  r.fit.shock_rho = 0.4;
  r.fit.shock_pairs = 4;
  return r;
}

TEST(CalibrationDigestTest, FollowsTheContent) {
  const auto r = small_calibration();
  auto same = r;
  same.source = "/elsewhere/panel.csv";  // where it came from: not content
  EXPECT_EQ(calibration_digest(r), calibration_digest(same));
  auto changed = r;
  changed.estimate[1] = std::nextafter(0.2, 1.0);  // one ulp
  EXPECT_NE(calibration_digest(r), calibration_digest(changed));
  auto renamed = r;
  renamed.regions[0] = "east";
  EXPECT_NE(calibration_digest(r), calibration_digest(renamed));
}

// ---- writing
// -------------------------------------------------------------------

TEST_F(HardeningTest, AtomicTextReplacesALinkNotItsTarget) {
  const fs::path victim = dir_ / "victim.txt";
  std::ofstream(victim) << "precious";
  const fs::path out = dir_ / "out.json";
  fs::create_symlink(victim, out);
  ASSERT_TRUE(write_text_atomically(out, "{\"new\": 1}\n"));
  EXPECT_FALSE(fs::is_symlink(out));
  EXPECT_EQ(read_text(out), "{\"new\": 1}\n");
  EXPECT_EQ(read_text(victim), "precious");
  EXPECT_EQ(entries(), (std::vector<std::string>{"out.json", "victim.txt"}));
}

TEST_F(HardeningTest, NonRegularTargetsRefused) {
  const fs::path fifo = dir_ / "fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  auto status = write_text_atomically(fifo, "x", "--json");
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().to_string(),
            fifo.string() +
                ": field '--json': the output path is a FIFO, not a regular "
                "file: refusing to replace it");
  EXPECT_FALSE(ResultFile::create(fifo));
  // A link to a device node counts as the device.
  const fs::path link = dir_ / "null";
  fs::create_symlink("/dev/null", link);
  auto device = check_output_target(link);
  ASSERT_FALSE(device);
  EXPECT_NE(device.error().message.find("a character device"),
            std::string::npos);
  EXPECT_EQ(entries(), (std::vector<std::string>{"fifo", "null"}));
}

TEST_F(HardeningTest, TemporaryNamesAreShortWhateverTheOutput) {
  // NAME_MAX is 255 bytes: the longest legal output name.
  const fs::path out = dir_ / (std::string(252, 'x') + ".h5");
  auto file = ResultFile::create(out);
  ASSERT_TRUE(file) << file.error().to_string();
  const auto names = entries();
  ASSERT_EQ(names.size(), 1u);
  EXPECT_TRUE(is_temporary_name(names[0])) << names[0];
  ASSERT_TRUE(file->commit());
  EXPECT_TRUE(fs::is_regular_file(out));
  ASSERT_TRUE(write_text_atomically(out, "text"));
  EXPECT_EQ(read_text(out), "text");
}

// A registered temporary is removed when the process gets SIGTERM or SIGINT,
// and the process still dies of the signal.
TEST_F(HardeningTest, SignalsRemoveRegisteredTemporaries) {
  for (int signal_number : {SIGTERM, SIGINT}) {
    const fs::path temp = dir_ / ".gc-0000000000000001.tmp";
    std::ofstream(temp) << "partial";
    ASSERT_TRUE(fs::exists(temp));
    const pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      register_temporary(temp);
      std::raise(signal_number);
      _exit(0);  // not reached
    }
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFSIGNALED(status)) << status;
    EXPECT_EQ(WTERMSIG(status), signal_number);
    EXPECT_FALSE(fs::exists(temp));
  }
}

TEST_F(HardeningTest, UnregisteredTemporariesAreLeftAlone) {
  const fs::path kept = dir_ / "kept";
  std::ofstream(kept) << "x";
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    unregister_temporary(register_temporary(kept));
    std::raise(SIGTERM);
    _exit(0);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFSIGNALED(status));
  EXPECT_TRUE(fs::exists(kept));
}

// ---- check_calibration
// -----------------------------------------------------------

void expect_refused(const calibrate::CalibrationResult& r,
                    const std::string& field, const std::string& words) {
  auto status = check_calibration(r, "cal.h5");
  ASSERT_FALSE(status) << field;
  EXPECT_EQ(status.error().file, "cal.h5");
  EXPECT_EQ(status.error().field, field);
  EXPECT_NE(status.error().message.find(words), std::string::npos)
      << status.error().to_string();
}

TEST(CheckCalibrationTest, AcceptsAValidCalibration) {
  EXPECT_TRUE(check_calibration(small_calibration(), "cal.h5"));
}

TEST(CheckCalibrationTest, Years) {
  auto r = small_calibration();
  r.years = {2012, 2011, 2010};
  expect_refused(r, "/calibration/year", "2012 is followed by 2011");
  r.years = {2010, 2012, 2013};
  expect_refused(r, "/calibration/year", "2010 is followed by 2012");
  r.years = {2010, 2010, 2011};
  expect_refused(r, "/calibration/year", "consecutive");
  r.years.clear();
  expect_refused(r, "/calibration/year", "no years");
}

TEST(CheckCalibrationTest, Regions) {
  auto r = small_calibration();
  r.regions = {"north", "north"};
  expect_refused(r, "/calibration/region", "'north' is listed twice");
  r.regions = {"north", ""};
  expect_refused(r, "/calibration/region", "empty region label");
  r.regions = {"north", std::string(1000, 'n')};
  r.regions[0] = r.regions[1];
  expect_refused(r, "/calibration/region",
                 "'" + std::string(80, 'n') + "...' is listed twice");
}

TEST(CheckCalibrationTest, TablesMatchRegionsAndYears) {
  auto r = small_calibration();
  r.gdp[1].pop_back();
  expect_refused(r, "/calibration/gdp", "3 years for each of 2 regions");
}

TEST(CheckCalibrationTest, Estimates) {
  auto r = small_calibration();
  r.estimate[2] = std::numeric_limits<double>::quiet_NaN();
  expect_refused(r, "/calibration/estimate", "'c' is nan");
  r.estimate[2] = std::numeric_limits<double>::infinity();
  expect_refused(r, "/calibration/estimate", "not a finite number");
  r.estimate.resize(2);
  expect_refused(r, "/calibration/estimate", "2 values for 3 parameters");
}

TEST(CheckCalibrationTest, Shocks) {
  auto r = small_calibration();
  r.fit.shock_sigma = -0.01;
  expect_refused(r, "shock_sigma", "-0.01");
  r.fit.shock_sigma = std::numeric_limits<double>::quiet_NaN();
  expect_refused(r, "shock_sigma", "positive finite");
  r.fit.shock_sigma = 0.0;  // zero with pairs to estimate it from
  expect_refused(r, "shock_sigma", "positive finite");
  r.fit.shock_pairs = 0;  // nothing to estimate from: 0 is what it is
  EXPECT_TRUE(check_calibration(r, "cal.h5"));
  r = small_calibration();
  for (double rho : {1.0, -1.0, 1.5, std::numeric_limits<double>::infinity()}) {
    r.fit.shock_rho = rho;
    expect_refused(r, "shock_rho", "not inside (-1, 1)");
  }
  r.fit.shock_rho = -0.999;
  EXPECT_TRUE(check_calibration(r, "cal.h5"));
}

TEST(CheckCalibrationTest, Covariance) {
  auto r = small_calibration();
  r.covariance(0, 2) = 0.001;  // (2, 0) stays 0
  expect_refused(r, "/calibration/covariance", "not symmetric: entry (2, 0)");
  r = small_calibration();
  // Eigenvalues of [[1, 2], [2, 1]] are 3 and -1: symmetric, not PSD.
  r.covariance.setZero();
  r.covariance(0, 0) = r.covariance(1, 1) = 1.0;
  r.covariance(0, 1) = r.covariance(1, 0) = 2.0;
  expect_refused(r, "/calibration/covariance",
                 "not positive semi-definite: its smallest eigenvalue is -1");
  r = small_calibration();
  r.covariance(1, 1) = std::numeric_limits<double>::quiet_NaN();
  expect_refused(r, "/calibration/covariance", "not finite");
  r.covariance_ok = false;  // a covariance that could not be computed
  EXPECT_TRUE(check_calibration(r, "cal.h5"));
  r = small_calibration();
  r.covariance = Eigen::MatrixXd::Identity(2, 2);
  expect_refused(r, "/calibration/covariance", "2 x 2, not 3 x 3");
  // Rounding: a rank-one PSD matrix v v' has eigenvalues 0 up to rounding,
  // which must not count as negative.
  r = small_calibration();
  Eigen::VectorXd v(3);
  v << 0.3, -0.7, 0.11;
  r.covariance = v * v.transpose();
  EXPECT_TRUE(check_calibration(r, "cal.h5"));
}

}  // namespace
// A calibration of the R&D model's layout (2 regional parameters a region,
// then 5 shared) whose covariance is F F' with F = [[L_D, B], [0, L_s]]:
// regions independent given the shared parameters, the arrow structure
// (linalg/arrow_covariance.h) that check_calibration certifies without the
// dense eigenvalues.
calibrate::CalibrationResult arrow_calibration(int regions) {
  auto r = small_calibration();
  r.model_options.model = "cobb_douglas_rd";
  r.regions.clear();
  for (int i = 0; i < regions; ++i)
    r.regions.push_back("r" + std::to_string(i));
  const std::vector<std::vector<double>> table(std::size_t(regions),
                                               std::vector<double>(3, 1.0));
  r.gdp = r.capital = r.labour = r.rd = r.knowledge = table;
  const int nr = 2 * regions, n = nr + 5;
  r.parameter_names.assign(std::size_t(n), "p");
  r.estimate = Eigen::VectorXd::Constant(n, 0.1);
  Eigen::MatrixXd f = Eigen::MatrixXd::Zero(n, n);
  for (int i = 0; i < regions; ++i) {
    f(2 * i, 2 * i) = 0.1 + 0.01 * i;
    f(2 * i + 1, 2 * i) = 0.02;
    f(2 * i + 1, 2 * i + 1) = 0.05;
    for (int s = 0; s < 5; ++s) f(2 * i + (s % 2), nr + s) = 0.01 * (s + 1);
  }
  for (int a = 0; a < 5; ++a)
    for (int b = 0; b <= a; ++b) f(nr + a, nr + b) = a == b ? 0.2 : 0.03;
  r.covariance = f * f.transpose();
  return r;
}

linalg::ArrowLayout arrow_layout(int regions) {
  linalg::ArrowLayout layout;
  for (int k = 0; k < 2 * regions + 5; ++k) layout.index.push_back(k);
  for (int i = 0; i < regions; ++i)
    layout.blocks.emplace_back(2 * i, 2 * i + 2);
  layout.shared_begin = 2 * regions;
  return layout;
}

TEST(CheckCalibrationTest, ArrowCovariance) {
  constexpr int kRegions = 6;
  auto r = arrow_calibration(kRegions);
  // F F' is positive semidefinite by construction: certified by the
  // structure, and accepted.
  EXPECT_TRUE(
      linalg::arrow_semidefinite(r.covariance, arrow_layout(kRegions), 1e-9));
  EXPECT_TRUE(check_calibration(r, "cal.h5"));
  // A fixed shared parameter (its row and column zero) is left out.
  const int fixed = 2 * kRegions + 4;
  r.covariance.row(fixed).setZero();
  r.covariance.col(fixed).setZero();
  EXPECT_TRUE(check_calibration(r, "cal.h5"));
  // Region 3's conditional block D_3 = Cov_33 - X_3'X_3 made
  // [[1, 2], [2, 1]] x 0.01 (eigenvalues 0.03 and -0.01): not certified,
  // and the dense check refuses it with its message.
  r = arrow_calibration(kRegions);
  auto layout = arrow_layout(kRegions);
  const auto factor = linalg::arrow_factor(r.covariance, layout);
  ASSERT_TRUE(factor);
  const Eigen::MatrixXd d3 =
      linalg::conditional_block(r.covariance, layout, *factor, 3);
  Eigen::Matrix2d bad;
  bad << 0.01, 0.02, 0.02, 0.01;
  r.covariance.block(6, 6, 2, 2) += bad - d3;
  EXPECT_FALSE(linalg::arrow_semidefinite(r.covariance, layout, 1e-9));
  expect_refused(r, "/calibration/covariance",
                 "not positive semi-definite: its smallest eigenvalue is");
  // Regions 0 and 1 coupled beyond the shared parameters (+ v v', still
  // semidefinite): not the structure, so not certified; the dense check
  // accepts it.
  r = arrow_calibration(kRegions);
  Eigen::VectorXd v = Eigen::VectorXd::Zero(2 * kRegions + 5);
  v[0] = v[2] = 0.05;
  r.covariance += v * v.transpose();
  EXPECT_FALSE(linalg::arrow_semidefinite(r.covariance, layout, 1e-9));
  EXPECT_TRUE(check_calibration(r, "cal.h5"));
}

}  // namespace growthcast::store

#include "sweep/work_pool.h"

#include <cstdlib>

#ifdef GROWTHCAST_HAVE_MPI
#include <mpi.h>
#endif

namespace growthcast::sweep {
namespace {

class LocalPool final : public WorkPool {
 public:
  LocalPool(std::int64_t first, std::int64_t last)
      : next_(first), last_(last) {}
  int rank() const override { return 0; }
  int size() const override { return 1; }
  std::optional<std::int64_t> next() override {
    if (next_ >= last_) return std::nullopt;
    return next_++;
  }
  void barrier() override {}
  [[noreturn]] void abort(int code) override { std::exit(code); }
  bool all_ok(bool mine) override { return mine; }

 private:
  std::int64_t next_, last_;
};

#ifdef GROWTHCAST_HAVE_MPI
class MpiPool final : public WorkPool {
 public:
  MpiPool(std::int64_t first, std::int64_t last) : first_(first), last_(last) {
    MPI_Init(nullptr, nullptr);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
    // The shared counter lives on rank 0.
    const MPI_Aint bytes = rank_ == 0 ? MPI_Aint(sizeof(std::int64_t)) : 0;
    MPI_Win_allocate(bytes, sizeof(std::int64_t), MPI_INFO_NULL, MPI_COMM_WORLD,
                     &counter_, &window_);
    if (rank_ == 0) *counter_ = 0;
    MPI_Barrier(MPI_COMM_WORLD);
  }
  ~MpiPool() override {
    MPI_Win_free(&window_);
    MPI_Finalize();
  }
  int rank() const override { return rank_; }
  int size() const override { return size_; }
  std::optional<std::int64_t> next() override {
    const std::int64_t one = 1;
    std::int64_t taken = 0;
    MPI_Win_lock(MPI_LOCK_SHARED, 0, 0, window_);
    MPI_Fetch_and_op(&one, &taken, MPI_INT64_T, 0, 0, MPI_SUM, window_);
    MPI_Win_unlock(0, window_);
    if (first_ + taken >= last_) return std::nullopt;
    return first_ + taken;
  }
  void barrier() override { MPI_Barrier(MPI_COMM_WORLD); }
  [[noreturn]] void abort(int code) override {
    MPI_Abort(MPI_COMM_WORLD, code);
    std::exit(code);
  }
  bool all_ok(bool mine) override {
    int local = mine ? 1 : 0, all = 0;
    MPI_Allreduce(&local, &all, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    return all == 1;
  }

 private:
  std::int64_t first_, last_;
  int rank_ = 0, size_ = 1;
  std::int64_t* counter_ = nullptr;
  MPI_Win window_;
};
#endif

// Launched by mpirun (Open MPI, or a PMI-based launcher such as srun)?
bool launched_by_mpi() {
  return std::getenv("OMPI_COMM_WORLD_SIZE") != nullptr ||
         std::getenv("PMI_SIZE") != nullptr ||
         std::getenv("PMIX_RANK") != nullptr;
}

}  // namespace

bool built_with_mpi() {
#ifdef GROWTHCAST_HAVE_MPI
  return true;
#else
  return false;
#endif
}

std::unique_ptr<WorkPool> WorkPool::create(std::int64_t first,
                                           std::int64_t last) {
#ifdef GROWTHCAST_HAVE_MPI
  if (launched_by_mpi()) return std::make_unique<MpiPool>(first, last);
#endif
  return create_local(first, last);
}

std::unique_ptr<WorkPool> WorkPool::create_local(std::int64_t first,
                                                 std::int64_t last) {
  return std::make_unique<LocalPool>(first, last);
}

}  // namespace growthcast::sweep

// Hands out sweep points to the processes of a run. Under mpirun (and in a
// build with MPI) every rank takes the next point from a shared counter
// (MPI one-sided fetch-and-add: dynamic load balancing with no idle
// master); otherwise one process takes them all. Only this file's
// implementation touches MPI.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>

namespace growthcast::sweep {

class WorkPool {
 public:
  // Points first..last-1. Starts MPI when launched by mpirun.
  static std::unique_ptr<WorkPool> create(std::int64_t first,
                                          std::int64_t last);
  // Points first..last-1 in this process alone, even under mpirun (the
  // Python module's sweep).
  static std::unique_ptr<WorkPool> create_local(std::int64_t first,
                                                std::int64_t last);
  virtual ~WorkPool() = default;

  virtual int rank() const = 0;
  virtual int size() const = 0;
  virtual std::optional<std::int64_t> next() = 0;
  virtual void barrier() = 0;
  // Ends every process of the run with this exit code.
  [[noreturn]] virtual void abort(int code) = 0;
  // Whether every rank reported success (collective).
  virtual bool all_ok(bool mine) = 0;
};

// True when this build can use MPI.
bool built_with_mpi();

}  // namespace growthcast::sweep

// Storage for every draw's values (hundreds of MB in the exact mode): left
// unzeroed, since the runner writes every value before reading it, and
// aligned to 2 MiB so it can be given to transparent huge pages.
#pragma once

#include <sys/mman.h>

#include <cstdlib>
#include <new>
#include <vector>

namespace growthcast::montecarlo {

template <class T>
struct BulkAllocator {
  using value_type = T;
  static constexpr std::size_t kHugePage = std::size_t(2) << 20;

  BulkAllocator() = default;
  template <class U>
  BulkAllocator(const BulkAllocator<U>&) {}

  static std::size_t rounded(std::size_t bytes) {
    return (bytes + kHugePage - 1) / kHugePage * kHugePage;
  }
  T* allocate(std::size_t n) {
    const std::size_t bytes = n * sizeof(T);
    if (bytes < kHugePage) return static_cast<T*>(::operator new(bytes));
    void* p = std::aligned_alloc(kHugePage, rounded(bytes));
    if (p == nullptr) throw std::bad_alloc();
    return static_cast<T*>(p);
  }
  void deallocate(T* p, std::size_t n) {
    if (n * sizeof(T) < kHugePage)
      ::operator delete(p);
    else
      std::free(p);
  }
  // Default-initialise (for double: leave as is) instead of zeroing.
  template <class U>
  void construct(U* p) {
    ::new (static_cast<void*>(p)) U;
  }
  template <class U, class... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
  template <class U>
  bool operator==(const BulkAllocator<U>&) const {
    return true;
  }
};

template <class T>
using BulkVector = std::vector<T, BulkAllocator<T>>;
using DrawValues = BulkVector<double>;

// Asks for transparent huge pages (where the kernel offers them on request,
// THP "madvise") before the values are first touched: one fault per 2 MiB
// instead of per 4 KiB page, half the exact run's time on this project's
// VM when the memory was in use recently. Not for values that are then
// written to a file: there the page cache filled 2x slower after the huge
// pages (bench/SWEEP.md). Advice only: failure changes nothing.
template <class T>
void prefer_huge_pages(BulkVector<T>& values) {
  const std::size_t bytes = values.size() * sizeof(T);
  if (bytes >= BulkAllocator<T>::kHugePage)
    madvise(values.data(), BulkAllocator<T>::rounded(bytes), MADV_HUGEPAGE);
}

}  // namespace growthcast::montecarlo

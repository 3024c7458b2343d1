// Storage for every draw's values (hundreds of MB in the exact mode): left
// unzeroed, since the runner writes every value before reading it, and in
// transparent huge pages where the kernel offers them on request (THP
// "madvise"), so first touch costs one fault per 2 MiB rather than per
// 4 KiB page.
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
    madvise(p, rounded(bytes), MADV_HUGEPAGE);  // advice: failure is harmless
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

using DrawValues = std::vector<double, BulkAllocator<double>>;

}  // namespace growthcast::montecarlo

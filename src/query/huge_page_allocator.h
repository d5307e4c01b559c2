// HugePageAllocator: a std::allocator for the big flat arrays of the group-by
// (hash table slots, per-group states) that backs an allocation of 4 MB or
// more with transparent huge pages.
//
// Why: a table of a million groups is tens of MB probed at random, so with
// 4 KB pages nearly every probe also misses the TLB (a page walk that even a
// prefetch waits for), and filling it takes one page fault per 4 KB. On 2 MB
// pages (madvise(MADV_HUGEPAGE), which this machine's kernel honours in its
// default "madvise" mode) the TLB covers the table and faults drop 512-fold.
// Smaller allocations go to std::allocator unchanged. A kernel without THP
// simply ignores the advice. Benchmark: bench/aggregation_bench.cc
// (BM_FixedKeys* at 2M groups).
//
//   std::vector<Slot, HugePageAllocator<Slot>> slots(1 << 22);
//
// Thread safety: stateless; as std::allocator.
#pragma once

#include <sys/mman.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <vector>

namespace flowlens::query {

inline constexpr size_t kHugePage = size_t{2} << 20;
inline constexpr size_t kHugePageThreshold = size_t{4} << 20;

// Maps `bytes` (a multiple of kHugePage) at a 2 MB-aligned address, with the
// huge-page advice; nullptr when the mapping fails.
inline void* MapHugePages(size_t bytes) {
  // Over-map by one huge page and trim, so the region starts on a 2 MB boundary.
  const size_t span = bytes + kHugePage;
  void* p = mmap(nullptr, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return nullptr;
  const auto start = reinterpret_cast<uintptr_t>(p);
  const uintptr_t aligned = (start + kHugePage - 1) & ~(uintptr_t{kHugePage} - 1);
  if (aligned > start) munmap(p, aligned - start);
  const uintptr_t end = start + span, used_end = aligned + bytes;
  if (end > used_end) munmap(reinterpret_cast<void*>(used_end), end - used_end);
  madvise(reinterpret_cast<void*>(aligned), bytes, MADV_HUGEPAGE);
  return reinterpret_cast<void*>(aligned);
}

template <typename T>
struct HugePageAllocator {
  using value_type = T;
  HugePageAllocator() = default;
  template <typename U>
  HugePageAllocator(const HugePageAllocator<U>&) {}

  T* allocate(size_t n) {
    const size_t bytes = n * sizeof(T);
    if (bytes < kHugePageThreshold) return std::allocator<T>().allocate(n);
    void* p = MapHugePages(RoundUp(bytes));
    if (!p) throw std::bad_alloc();
    return static_cast<T*>(p);
  }
  void deallocate(T* p, size_t n) {
    const size_t bytes = n * sizeof(T);
    if (bytes < kHugePageThreshold) {
      std::allocator<T>().deallocate(p, n);
    } else {
      munmap(p, RoundUp(bytes));
    }
  }
  template <typename U>
  bool operator==(const HugePageAllocator<U>&) const {
    return true;
  }

 private:
  static size_t RoundUp(size_t bytes) { return (bytes + kHugePage - 1) & ~(kHugePage - 1); }
};

// A vector whose big buffers sit on huge pages.
template <typename T>
using HugeVector = std::vector<T, HugePageAllocator<T>>;

}  // namespace flowlens::query

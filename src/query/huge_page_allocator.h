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
// ZeroedArray is the growable array the group-by keeps its slots and states
// in instead: its elements start as all-zero bytes (the empty slot, the empty
// state), which fresh anonymous pages already are, so it never writes a fill
// of its own; and a big array grows by moving its pages (mremap) to the front
// of a bigger mapping, so growing never copies the elements nor faults their
// pages in again. Why: with a vector, a group table of a million groups
// wrote its states three times (the kernel's zeroing, the value-initializing
// fill, the copy at each doubling) and faulted twice the memory it ended with.
//
//   std::vector<Slot, HugePageAllocator<Slot>> slots(1 << 22);
//   ZeroedArray<State> states; states.resize(groups);  // new states all zero
//
// Thread safety: stateless; as std::allocator. ZeroedArray: none.
#pragma once

#include <sys/mman.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>
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

// Makes [p, p + bytes) of a fresh anonymous mapping present and writable.
// Why: a fresh page first read (a probe of an empty slot) maps the shared
// zero page, and the first write then copies it, which flushes the TLB of
// every core running the process (an interrupt to the other worker: 15% of
// a two-thread count_distinct when left to first touch). Populating for
// writing zeroes the pages once, with no such fault. Its contents stay
// zero (fresh pages are); on a kernel before 5.14 a fill does the same.
inline void PopulateForWriting(void* p, size_t bytes) {
  if (bytes == 0) return;
  if (madvise(p, bytes, MADV_POPULATE_WRITE) != 0) std::memset(p, 0, bytes);
}

// A growable array of T whose all-zero bytes are the value a new element
// takes. Invariant: every element from size() up to capacity() is zero, so
// resize() up never writes an element. Buffers of kMapThreshold bytes or
// more are anonymous mappings (huge pages from kHugePageThreshold on) that
// are populated for writing ahead of size() (PopulateForWriting), smaller
// ones calloc'ed.
template <typename T>
class ZeroedArray {
  static_assert(std::is_trivially_copyable_v<T> && std::is_trivially_destructible_v<T>);

 public:
  ZeroedArray() = default;
  explicit ZeroedArray(size_t n) { resize(n); }
  ZeroedArray(const ZeroedArray&) = delete;
  ZeroedArray& operator=(const ZeroedArray&) = delete;
  ZeroedArray(ZeroedArray&& o) noexcept
      : data_(std::exchange(o.data_, nullptr)),
        size_(std::exchange(o.size_, 0)),
        capacity_(std::exchange(o.capacity_, 0)),
        populated_(std::exchange(o.populated_, 0)) {}
  ZeroedArray& operator=(ZeroedArray&& o) noexcept {
    if (this != &o) {
      Free(data_, capacity_);
      data_ = std::exchange(o.data_, nullptr);
      size_ = std::exchange(o.size_, 0);
      capacity_ = std::exchange(o.capacity_, 0);
      populated_ = std::exchange(o.populated_, 0);
    }
    return *this;
  }
  ~ZeroedArray() { Free(data_, capacity_); }

  size_t size() const { return size_; }
  size_t capacity() const { return capacity_; }
  bool empty() const { return size_ == 0; }
  T* data() { return data_; }
  const T* data() const { return data_; }
  T& operator[](size_t i) { return data_[i]; }
  const T& operator[](size_t i) const { return data_[i]; }
  T* begin() { return data_; }
  T* end() { return data_ + size_; }
  const T* begin() const { return data_; }
  const T* end() const { return data_ + size_; }

  // New elements (from size() on) are all-zero; dropped ones are zeroed.
  void resize(size_t n) {
    if (n > capacity_) Grow(std::max(n, capacity_ * 2));
    if (n < size_) std::memset(static_cast<void*>(data_ + n), 0, (size_ - n) * sizeof(T));
    if (n * sizeof(T) > populated_) Populate(n * sizeof(T));
    size_ = n;
  }
  void reserve(size_t n) {
    if (n > capacity_) Grow(n);
  }
  void push_back(const T& v) {
    if (size_ == capacity_) Grow(std::max<size_t>(16, capacity_ * 2));
    if ((size_ + 1) * sizeof(T) > populated_) Populate((size_ + 1) * sizeof(T));
    data_[size_++] = v;
  }

 private:
  static constexpr size_t kMapThreshold = size_t{64} << 10;
  static bool Mapped(size_t bytes) { return bytes >= kMapThreshold; }
  static size_t Granule(size_t bytes) { return bytes >= kHugePageThreshold ? kHugePage : 4096; }
  static size_t MapBytes(size_t bytes) {
    const size_t g = Granule(bytes);
    return (bytes + g - 1) & ~(g - 1);
  }

  static T* Allocate(size_t n) {
    const size_t bytes = n * sizeof(T);
    void* p = nullptr;
    if (bytes >= kHugePageThreshold) {
      p = MapHugePages(MapBytes(bytes));
    } else if (Mapped(bytes)) {
      p = mmap(nullptr, MapBytes(bytes), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
               0);
      if (p == MAP_FAILED) p = nullptr;
    } else {
      p = std::calloc(n, sizeof(T));
    }
    if (!p) throw std::bad_alloc();
    return static_cast<T*>(p);
  }
  static void Free(T* p, size_t n) {
    if (!p) return;
    const size_t bytes = n * sizeof(T);
    if (Mapped(bytes)) {
      munmap(p, MapBytes(bytes));
    } else {
      std::free(p);
    }
  }

  // Populates the mapping up to at least `bytes` (a quarter more than
  // before at least, so appends populate O(log n) times).
  void Populate(size_t bytes) {
    const size_t cap_bytes = capacity_ * sizeof(T);
    if (!Mapped(cap_bytes)) {
      populated_ = cap_bytes;  // calloc'ed: written by calloc or heap pages
      return;
    }
    const size_t g = Granule(cap_bytes);
    size_t want = std::max(bytes, populated_ + populated_ / 4);
    want = std::min((want + g - 1) & ~(g - 1), MapBytes(cap_bytes));
    const size_t from = populated_ & ~(g - 1);
    PopulateForWriting(reinterpret_cast<char*>(data_) + from, want - from);
    populated_ = want;
  }

  void Grow(size_t n) {
    T* fresh = Allocate(n);
    const size_t old_bytes = capacity_ * sizeof(T), new_bytes = n * sizeof(T);
    if (data_ && Mapped(old_bytes) && Granule(old_bytes) == Granule(new_bytes) &&
        mremap(data_, MapBytes(old_bytes), MapBytes(old_bytes), MREMAP_MAYMOVE | MREMAP_FIXED,
               fresh) != MAP_FAILED) {
      // The old pages (zero past size(), as the invariant says; populated
      // up to populated_) now sit at the front of the new mapping; the old
      // range is unmapped.
    } else {
      if (size_ > 0) std::memcpy(static_cast<void*>(fresh), data_, size_ * sizeof(T));
      Free(data_, capacity_);
      populated_ = 0;
    }
    data_ = fresh;
    capacity_ = n;
    if (!Mapped(new_bytes)) populated_ = new_bytes;
  }

  T* data_ = nullptr;
  size_t size_ = 0;
  size_t capacity_ = 0;
  size_t populated_ = 0;  // bytes from data_ known present and writable
};

}  // namespace flowlens::query

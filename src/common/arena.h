// Arena: a bump allocator for values that live as long as a batch or a query
// result (strings made by functions, parsed JSON trees). Everything is freed
// at once when the arena is destroyed; nothing is freed one by one, so only
// trivially destructible objects may be placed in it.
//
//   Arena arena;
//   std::string_view s = arena.Store("copied text");
//
// Thread safety: none; one arena per thread or per batch.
#pragma once

#include <cstddef>
#include <cstring>
#include <memory>
#include <string_view>
#include <type_traits>
#include <vector>

namespace flowlens {

class Arena {
 public:
  Arena() = default;
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;
  Arena(Arena&&) = default;
  Arena& operator=(Arena&&) = default;

  char* Allocate(size_t n, size_t align = 1) {
    size_t pad = (align - (reinterpret_cast<uintptr_t>(ptr_) & (align - 1))) & (align - 1);
    if (n + pad > static_cast<size_t>(end_ - ptr_)) return AllocateSlow(n, align);
    char* p = ptr_ + pad;
    ptr_ = p + n;
    return p;
  }

  std::string_view Store(std::string_view s) {
    if (s.empty()) return {};
    char* p = Allocate(s.size());
    std::memcpy(p, s.data(), s.size());
    return {p, s.size()};
  }

  template <typename T, typename... Args>
  T* New(Args&&... args) {
    static_assert(std::is_trivially_destructible_v<T>, "arena objects are never destroyed");
    void* p = Allocate(sizeof(T), alignof(T));
    return new (p) T(std::forward<Args>(args)...);
  }

  template <typename T>
  T* NewArray(size_t n) {
    static_assert(std::is_trivially_destructible_v<T>, "arena objects are never destroyed");
    T* p = reinterpret_cast<T*>(Allocate(sizeof(T) * n, alignof(T)));
    for (size_t i = 0; i < n; ++i) new (p + i) T();
    return p;
  }

  size_t bytes_reserved() const { return reserved_; }

 private:
  char* AllocateSlow(size_t n, size_t align) {
    size_t block = n + align > kBlockSize ? n + align : kBlockSize;
    blocks_.push_back(std::make_unique<char[]>(block));
    reserved_ += block;
    ptr_ = blocks_.back().get();
    end_ = ptr_ + block;
    return Allocate(n, align);
  }

  static constexpr size_t kBlockSize = 64 * 1024;
  std::vector<std::unique_ptr<char[]>> blocks_;
  char* ptr_ = nullptr;
  char* end_ = nullptr;
  size_t reserved_ = 0;
};

}  // namespace flowlens

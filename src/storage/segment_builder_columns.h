// The compact column types a SegmentBuilder (segment_builder.h) keeps its
// rows in until it writes them: about 70 bytes a default-format row instead
// of the ~230 of the reader's FieldColumn (24-byte addresses, 16-byte string
// views, 8-byte ints, a byte per validity flag). Less memory to fill means
// fewer page faults and cache misses on the bulk loader's hot path.
//
//   RowFlags   a bit per row, all 0 (and no memory) until a row sets one
//   IntValues  32 bits a row until a value needs 64, then 64 bits a row
//   AddrValues IPv4 as its 32 bits; an IPv6 row holds an index into a side
//              vector, flagged in a RowFlags
//   StringDictionary  a value's 4-byte id, the bytes kept once (interned) in
//              an open-addressing table; id 0 is the empty string, which
//              missing rows use
//
// Appends are amortized O(1) and allocate only when a vector grows; Clear()
// keeps capacity, so a reused builder does not fault its pages in again.
//
//   StringDictionary d; Arena a; uint32_t id = d.Intern("ACCEPT", &a); d.at(id) == "ACCEPT"
//
// Thread safety: plain values; one owner at a time.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

#include "common/arena.h"
#include "common/ip_address.h"

namespace flowlens::storage {

// Equality of short strings without a call to memcmp: ids, actions and
// interface names are mostly 2..32 bytes, compared with overlapping loads
// of 4 or 8 bytes (never outside either string).
inline bool SameBytes(std::string_view a, std::string_view b) {
  const size_t n = a.size();
  if (n != b.size()) return false;
  const char *p = a.data(), *q = b.data();
  if (n >= 8 && n <= 16) {
    uint64_t x0, y0, x1, y1;
    std::memcpy(&x0, p, 8), std::memcpy(&y0, q, 8);
    std::memcpy(&x1, p + n - 8, 8), std::memcpy(&y1, q + n - 8, 8);
    return ((x0 ^ y0) | (x1 ^ y1)) == 0;
  }
  if (n > 16 && n <= 32) {  // interface ids ("eni-" and 17 hex digits)
    uint64_t x[4], y[4];
    std::memcpy(&x[0], p, 8), std::memcpy(&y[0], q, 8);
    std::memcpy(&x[1], p + 8, 8), std::memcpy(&y[1], q + 8, 8);
    std::memcpy(&x[2], p + n - 16, 8), std::memcpy(&y[2], q + n - 16, 8);
    std::memcpy(&x[3], p + n - 8, 8), std::memcpy(&y[3], q + n - 8, 8);
    return ((x[0] ^ y[0]) | (x[1] ^ y[1]) | (x[2] ^ y[2]) | (x[3] ^ y[3])) == 0;
  }
  if (n >= 4 && n < 8) {
    uint32_t x0, y0, x1, y1;
    std::memcpy(&x0, p, 4), std::memcpy(&y0, q, 4);
    std::memcpy(&x1, p + n - 4, 4), std::memcpy(&y1, q + n - 4, 4);
    return ((x0 ^ y0) | (x1 ^ y1)) == 0;
  }
  if (n < 4) {
    for (size_t i = 0; i < n; ++i) {
      if (p[i] != q[i]) return false;
    }
    return true;
  }
  return std::memcmp(p, q, n) == 0;
}

// Moves every element of *v to its place: element r to place[r] (a
// permutation of 0..size-1), through *scratch, whose buffer *v then takes
// over (and *v's old one becomes the scratch for the next column: no
// allocation after the first). Why not a gather (out[k] = v[order[k]]): with
// rows grouped by stream, the writes go to one sequential cursor per stream,
// a few hundred cache lines that stay in L1, where a gather missed the cache
// once per row (SegmentBuilder::PlaceRows).
template <typename T>
void MoveToPlaces(std::vector<T>* v, const uint32_t* place, std::vector<T>* scratch) {
  const size_t n = v->size();
  scratch->resize(n);
  T* out = scratch->data();
  const T* in = v->data();
  for (size_t r = 0; r < n; ++r) out[place[r]] = in[r];
  v->swap(*scratch);
}

class RowFlags {
 public:
  // Appends the flag of row `row` (rows are appended in order from 0). A row
  // never appended reads as unset: a writer may skip appending unset flags.
  void Append(size_t row, bool flag) {
    if (!flag && words_.empty()) return;
    if (row / 64 >= words_.size()) words_.resize(row / 64 + 1, 0);
    if (flag) words_[row / 64] |= uint64_t{1} << (row % 64);
  }
  bool any() const { return !words_.empty(); }
  bool at(size_t row) const {
    return row / 64 < words_.size() && ((words_[row / 64] >> (row % 64)) & 1) != 0;
  }
  void Clear() { words_.clear(); }
  // Calls f(row) for each row whose flag is set, in ascending order: a word
  // at a time, so sparse flags cost little.
  template <typename F>
  void ForEachSet(F f) const {
    for (size_t w = 0; w < words_.size(); ++w) {
      for (uint64_t bits = words_[w]; bits != 0; bits &= bits - 1) {
        f(w * 64 + static_cast<size_t>(__builtin_ctzll(bits)));
      }
    }
  }

 private:
  std::vector<uint64_t> words_;  // empty: no flag set yet
};

class IntValues {
 public:
  // Inlined into the builder's per-kind loops; widening is cold.
  [[gnu::always_inline]] void Append(int64_t v) {
    if (!wide_ && v == static_cast<int32_t>(v)) [[likely]] {
      return narrow_.push_back(static_cast<int32_t>(v));
    }
    AppendWide(v);
  }
  int64_t at(size_t row) const { return wide_ ? wide_values_[row] : narrow_[row]; }
  // Reorders the values (MoveToPlaces).
  void MoveToPlaces(const uint32_t* place, std::vector<int32_t>* narrow_scratch,
                    std::vector<int64_t>* wide_scratch) {
    if (wide_) {
      storage::MoveToPlaces(&wide_values_, place, wide_scratch);
    } else {
      storage::MoveToPlaces(&narrow_, place, narrow_scratch);
    }
  }
  bool wide() const { return wide_; }
  const int32_t* narrow() const { return narrow_.data(); }
  const int64_t* wide_data() const { return wide_values_.data(); }
  void Clear() {
    narrow_.clear();
    wide_values_.clear();
    wide_ = false;
  }

 private:
  [[gnu::noinline]] void AppendWide(int64_t v) {
    if (!wide_) {
      wide_values_.assign(narrow_.begin(), narrow_.end());
      narrow_.clear();
      wide_ = true;
    }
    wide_values_.push_back(v);
  }
  std::vector<int32_t> narrow_;
  std::vector<int64_t> wide_values_;
  bool wide_ = false;
};

class AddrValues {
 public:
  [[gnu::always_inline]] void Append(size_t row, const IpAddress& a) {
    if (!a.v6) [[likely]] {
      bits_.push_back(a.v4_bits());
      if (v6_flags_.any()) v6_flags_.Append(row, false);
      return;
    }
    bits_.push_back(static_cast<uint32_t>(v6s_.size()));
    v6s_.push_back(a);
    v6_flags_.Append(row, true);
  }
  IpAddress at(size_t row) const {
    if (v6_flags_.any() && v6_flags_.at(row)) return v6s_[bits_[row]];
    return IpAddress::V4(bits_[row]);
  }
  bool any_v6() const { return v6_flags_.any(); }
  // Reorders the values (MoveToPlaces); only without IPv6 rows, whose flags
  // stay in the input order.
  void MoveV4ToPlaces(const uint32_t* place, std::vector<uint32_t>* scratch) {
    storage::MoveToPlaces(&bits_, place, scratch);
  }
  const uint32_t* bits() const { return bits_.data(); }
  void Clear() {
    bits_.clear();
    v6s_.clear();
    v6_flags_.Clear();
  }

 private:
  std::vector<uint32_t> bits_;
  std::vector<IpAddress> v6s_;
  RowFlags v6_flags_;
};

class StringDictionary {
 public:
  StringDictionary() { Clear(); }
  // The id of `s`, copying it into `arena` the first time it is seen.
  uint32_t Intern(std::string_view s, Arena* arena) {
    // Runs of one value (an account, a stream's interface) skip the hash.
    if (SameBytes(s, values_[last_])) return last_;
    const uint32_t h = Hash(s);
    const size_t mask = slots_.size() - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
      const uint32_t slot = slots_[i];
      if (slot == 0) {
        const auto id = static_cast<uint32_t>(values_.size());
        values_.push_back(arena->Store(s));
        hashes_.push_back(h);
        slots_[i] = id + 1;
        if (values_.size() * 2 > slots_.size()) Grow();
        return last_ = id;
      }
      const uint32_t id = slot - 1;
      if (hashes_[id] == h && SameBytes(values_[id], s)) return last_ = id;
    }
  }
  std::string_view at(uint32_t id) const { return values_[id]; }
  const std::vector<std::string_view>& values() const { return values_; }  // by id
  size_t size() const { return values_.size(); }  // with the empty string, id 0
  void Clear() {
    values_.assign(1, std::string_view());
    hashes_.assign(1, Hash({}));
    slots_.assign(16, 0);
    slots_[hashes_[0] & 15] = 1;
    last_ = 0;
  }

  // A word at a time; the multiply-xorshift mixes the high bits down, so the
  // low bits index the table. The last partial word is read as overlapping
  // fixed-size loads: a memcpy of a variable length was a library call per
  // string hashed (3% of a bulk load's instructions). Ids follow the order
  // values are first seen, so the hash never shows in what is stored.
  static uint32_t Hash(std::string_view s) {
    const size_t n = s.size();
    const char* p = s.data();
    uint64_t h = n * 0x9E3779B97F4A7C15ULL;
    uint64_t w = 0;
    if (n >= 8) {
      for (size_t i = 0; i + 8 < n; i += 8) {
        std::memcpy(&w, p + i, 8);
        h = (h ^ w) * 0xFF51AFD7ED558CCDULL;
        h ^= h >> 32;
      }
      std::memcpy(&w, p + n - 8, 8);
    } else if (n >= 4) {
      uint32_t a, b;
      std::memcpy(&a, p, 4);
      std::memcpy(&b, p + n - 4, 4);
      w = a | (uint64_t{b} << 32);
    } else if (n > 0) {
      w = static_cast<unsigned char>(p[0]) | (uint64_t{static_cast<unsigned char>(p[n / 2])} << 8) |
          (uint64_t{static_cast<unsigned char>(p[n - 1])} << 16);
    }
    h = (h ^ w) * 0xC4CEB9FE1A85EC53ULL;
    h ^= h >> 29;
    return static_cast<uint32_t>(h ^ (h >> 32));
  }

 private:
  void Grow() {
    slots_.assign(slots_.size() * 2, 0);
    const size_t mask = slots_.size() - 1;
    for (uint32_t id = 0; id < values_.size(); ++id) {
      size_t i = hashes_[id] & mask;
      while (slots_[i] != 0) i = (i + 1) & mask;
      slots_[i] = id + 1;
    }
  }

  std::vector<std::string_view> values_;  // by id; views into the caller's arena
  std::vector<uint32_t> hashes_;          // by id
  std::vector<uint32_t> slots_;           // id + 1, 0 = empty; a power of two
  uint32_t last_ = 0;
};

}  // namespace flowlens::storage

// Little-endian fixed-width and LEB128 varint encoding of the store's files,
// and a bounds-checked cursor for decoding them.
//
// Writers append to a std::string. Readers use a Decoder over a byte view: a
// read past the end or a malformed varint sets failed() and returns zero, so
// a decoder of corrupt input checks failed() once at the end instead of after
// every field, and never reads outside its view.
//
//   std::string buf; PutVarint64(&buf, 300); PutString(&buf, "eni-1");
//   Decoder d(buf); uint64_t v = d.Varint64(); std::string_view s = d.String();
//   if (d.failed()) return Status::DataLoss(...);
//
// Thread safety: plain values.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace flowlens::storage {

inline void PutFixed32(std::string* out, uint32_t v) {
  char b[4];
  for (int i = 0; i < 4; ++i) b[i] = static_cast<char>(v >> (8 * i));
  out->append(b, 4);
}
inline void PutFixed64(std::string* out, uint64_t v) {
  char b[8];
  for (int i = 0; i < 8; ++i) b[i] = static_cast<char>(v >> (8 * i));
  out->append(b, 8);
}
inline void PutVarint64(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}
inline uint64_t ZigZag(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ (v >> 63);
}
inline int64_t UnZigZag(uint64_t v) {
  return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1);
}
inline void PutSigned(std::string* out, int64_t v) {
  PutVarint64(out, ZigZag(v));
}
inline void PutString(std::string* out, std::string_view s) {
  PutVarint64(out, s.size());
  out->append(s.data(), s.size());
}

inline uint32_t DecodeFixed32(const char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= uint32_t(static_cast<uint8_t>(p[i])) << (8 * i);
  return v;
}
inline uint64_t DecodeFixed64(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= uint64_t(static_cast<uint8_t>(p[i])) << (8 * i);
  return v;
}

class Decoder {
 public:
  explicit Decoder(std::string_view data) : p_(data.data()), end_(data.data() + data.size()) {}

  bool failed() const { return failed_; }
  size_t remaining() const { return static_cast<size_t>(end_ - p_); }
  bool done() const { return p_ == end_; }
  void Fail() {
    failed_ = true;
    p_ = end_;
  }

  // The next byte without taking it (0 at the end).
  uint8_t Peek() const { return p_ < end_ ? static_cast<uint8_t>(*p_) : 0; }
  uint8_t Byte() {
    if (p_ >= end_) return Fail(), 0;
    return static_cast<uint8_t>(*p_++);
  }
  uint32_t Fixed32() {
    if (remaining() < 4) return Fail(), 0;
    uint32_t v = DecodeFixed32(p_);
    p_ += 4;
    return v;
  }
  uint64_t Fixed64() {
    if (remaining() < 8) return Fail(), 0;
    uint64_t v = DecodeFixed64(p_);
    p_ += 8;
    return v;
  }
  uint64_t Varint64() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (p_ >= end_) return Fail(), 0;
      uint8_t b = static_cast<uint8_t>(*p_++);
      v |= uint64_t(b & 0x7f) << shift;
      if (!(b & 0x80)) return v;
    }
    return Fail(), 0;
  }
  int64_t Signed() { return UnZigZag(Varint64()); }
  // A count that must be at most `limit` (to refuse absurd sizes in corrupt input).
  uint64_t Count(uint64_t limit) {
    uint64_t v = Varint64();
    if (v > limit) return Fail(), 0;
    return v;
  }
  std::string_view Bytes(size_t n) {
    if (remaining() < n) return Fail(), std::string_view();
    std::string_view s(p_, n);
    p_ += n;
    return s;
  }
  std::string_view String() { return Bytes(Count(remaining())); }

 private:
  const char* p_;
  const char* end_;
  bool failed_ = false;
};

}  // namespace flowlens::storage

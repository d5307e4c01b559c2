#include "ingest/content_hash.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstdio>
#include <cstring>

namespace flowlens::ingest {
namespace {

constexpr uint64_t kP1 = 0x9E3779B185EBCA87ULL, kP2 = 0xC2B2AE3D27D4EB4FULL;

}  // namespace

ContentHasher::ContentHasher() : lane_{kP1, kP2, kP1 ^ kP2, kP1 + kP2} {}

// The lanes live in locals while whole groups are mixed: updated through
// lane_[i & 3], each step stored and reloaded them (the bytes read are chars,
// which may alias lane_), a dependency through memory per word
// (bench/ingest_bench.cc BM_ContentHash).
void ContentHasher::Mix(const char* p, size_t words) {
  uint64_t l0 = lane_[0], l1 = lane_[1], l2 = lane_[2], l3 = lane_[3];
  auto step = [](uint64_t l, const char* at) {
    uint64_t w;
    std::memcpy(&w, at, 8);
    return std::rotl(l ^ (w * kP2), 31) * kP1;
  };
  size_t i = 0;
  for (; i + 4 <= words; i += 4) {
    l0 = step(l0, p + 8 * i);
    l1 = step(l1, p + 8 * i + 8);
    l2 = step(l2, p + 8 * i + 16);
    l3 = step(l3, p + 8 * i + 24);
  }
  lane_[0] = l0, lane_[1] = l1, lane_[2] = l2, lane_[3] = l3;
  for (; i < words; ++i) lane_[i & 3] = step(lane_[i & 3], p + 8 * i);
}

// Whole 32-byte groups are mixed as they come, so every word lands in the
// lane its offset in the object gives, whatever the pieces.
void ContentHasher::Update(std::string_view bytes) {
  size_ += bytes.size();
  const char* p = bytes.data();
  size_t n = bytes.size();
  if (pending_n_ > 0) {
    const size_t take = std::min(n, sizeof(pending_) - pending_n_);
    std::memcpy(pending_ + pending_n_, p, take);
    pending_n_ += take;
    p += take;
    n -= take;
    if (pending_n_ < sizeof(pending_)) return;
    Mix(pending_, 4);
    pending_n_ = 0;
  }
  const size_t groups = n / 32;
  Mix(p, groups * 4);
  std::memcpy(pending_, p + groups * 32, n - groups * 32);
  pending_n_ = n - groups * 32;
}

// The tail (under 32 bytes, zero-padded) and the size end the stream as five
// words, the first in lane 0.
std::string ContentHasher::Finish() {
  uint64_t tail[5] = {0, 0, 0, 0, size_};
  std::memcpy(tail, pending_, pending_n_);
  Mix(reinterpret_cast<const char*>(tail), 5);
  uint64_t h =
      lane_[0] ^ std::rotl(lane_[1], 17) ^ std::rotl(lane_[2], 29) ^ std::rotl(lane_[3], 43);
  h = (h ^ (h >> 33)) * kP2;
  h ^= h >> 29;
  char out[48];
  std::snprintf(out, sizeof(out), "x64:%016llx:%llu", static_cast<unsigned long long>(h),
                static_cast<unsigned long long>(size_));
  return std::string(out);
}

Result<std::string> HashFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::IoError(path + ": cannot open: " + std::strerror(errno));
  ContentHasher hasher;
  std::string buf(1 << 20, '\0');
  while (true) {
    ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int e = errno;
      ::close(fd);
      return Status::IoError(path + ": cannot read: " + std::strerror(e));
    }
    if (n == 0) break;
    hasher.Update(std::string_view(buf.data(), static_cast<size_t>(n)));
  }
  ::close(fd);
  return hasher.Finish();
}

}  // namespace flowlens::ingest

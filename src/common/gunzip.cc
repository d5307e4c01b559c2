#include "common/gunzip.h"

#include <libdeflate.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>

namespace flowlens {

Status GunzipBytes(std::string_view packed, const std::string& name, std::string* out) {
  // The last member's trailer gives its size (mod 4 GB): a first guess.
  size_t hint = 0;
  if (packed.size() >= 18) {
    uint32_t isize;
    std::memcpy(&isize, packed.data() + packed.size() - 4, 4);
    hint = isize;
  }
  // Deflate expands at most 1032:1: more output than that means a broken
  // stream (or a broken size field), not a larger buffer.
  const size_t most = packed.size() * 1032 + 64;
  out->resize(std::min(std::max<size_t>(hint, packed.size() * 4) + 64, most));
  std::unique_ptr<libdeflate_decompressor, void (*)(libdeflate_decompressor*)> d(
      libdeflate_alloc_decompressor(), libdeflate_free_decompressor);
  if (!d) return Status::ResourceExhausted(name + ": out of memory for gzip");
  size_t in_pos = 0, out_pos = 0;
  auto is_member = [&](size_t at) {
    return at + 1 < packed.size() && static_cast<unsigned char>(packed[at]) == 0x1f &&
           static_cast<unsigned char>(packed[at + 1]) == 0x8b;
  };
  while (in_pos < packed.size()) {
    if (in_pos > 0 && !is_member(in_pos)) break;  // trailing bytes that are not gzip
    size_t in_used = 0, out_used = 0;
    libdeflate_result r = libdeflate_gzip_decompress_ex(
        d.get(), packed.data() + in_pos, packed.size() - in_pos, out->data() + out_pos,
        out->size() - out_pos, &in_used, &out_used);
    if (r == LIBDEFLATE_INSUFFICIENT_SPACE && out->size() < most) {
      out->resize(std::min(out->size() * 2, most));
      continue;
    }
    if (r != LIBDEFLATE_SUCCESS) {
      out->clear();
      return Status::InvalidArgument(name +
                                     ": cannot read: invalid or truncated compressed data"
                                     " (a broken or truncated gzip file?)");
    }
    in_pos += in_used;
    out_pos += out_used;
  }
  out->resize(out_pos);
  return Status::Ok();
}

}  // namespace flowlens

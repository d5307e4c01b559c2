#include "flowlog/line_splitter.h"

#include <immintrin.h>

#include <algorithm>
#include <cstring>

namespace flowlens {
namespace {

// Bytes classified per refill: small enough that the offsets stay in L1/L2.
constexpr size_t kWindow = 32 << 10;
constexpr size_t kBlocksPerWindow = kWindow / 64;

inline uint64_t Bits16(__m128i v, char c) {
  return static_cast<uint16_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(c))));
}

void ClassifySse2(const char* p, size_t blocks, uint64_t* spaces, uint64_t* newlines,
                  uint64_t* others) {
  for (size_t b = 0; b < blocks; ++b, p += 64) {
    uint64_t sp = 0, nl = 0, ot = 0;
    for (int i = 0; i < 4; ++i) {
      __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * i));
      sp |= Bits16(v, ' ') << (16 * i);
      nl |= Bits16(v, '\n') << (16 * i);
      ot |= (Bits16(v, '\t') | Bits16(v, '\r')) << (16 * i);
    }
    spaces[b] = sp;
    newlines[b] = nl;
    others[b] = ot;
  }
}

__attribute__((target("avx2"))) inline uint64_t Bits32(__m256i v, char c) {
  return static_cast<uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(v, _mm256_set1_epi8(c))));
}

__attribute__((target("avx2"))) void ClassifyAvx2(const char* p, size_t blocks, uint64_t* spaces,
                                                  uint64_t* newlines, uint64_t* others) {
  for (size_t b = 0; b < blocks; ++b, p += 64) {
    __m256i lo = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
    __m256i hi = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 32));
    spaces[b] = Bits32(lo, ' ') | (Bits32(hi, ' ') << 32);
    newlines[b] = Bits32(lo, '\n') | (Bits32(hi, '\n') << 32);
    others[b] =
        (Bits32(lo, '\t') | Bits32(lo, '\r')) | ((Bits32(hi, '\t') | Bits32(hi, '\r')) << 32);
  }
}

size_t CountSse2(const char* p, size_t n) {
  size_t count = 0, i = 0;
  const __m128i nl = _mm_set1_epi8('\n');
  for (; i + 16 <= n; i += 16) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
    count += static_cast<size_t>(
        __builtin_popcount(static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, nl)))));
  }
  for (; i < n; ++i) count += p[i] == '\n';
  return count;
}

__attribute__((target("avx2,popcnt"))) size_t CountAvx2(const char* p, size_t n) {
  size_t count = 0, i = 0;
  const __m256i nl = _mm256_set1_epi8('\n');
  for (; i + 64 <= n; i += 64) {
    __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i));
    __m256i b = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i + 32));
    uint64_t m =
        static_cast<uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(a, nl))) |
        (uint64_t{static_cast<uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(b, nl)))} << 32);
    count += static_cast<size_t>(__builtin_popcountll(m));
  }
  for (; i < n; ++i) count += p[i] == '\n';
  return count;
}

using CountFn = size_t (*)(const char*, size_t);
const CountFn kCount =
    (__builtin_cpu_init(), __builtin_cpu_supports("avx2") ? CountAvx2 : CountSse2);

using ClassifyFn = void (*)(const char*, size_t, uint64_t*, uint64_t*, uint64_t*);

ClassifyFn PickKernel() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") ? ClassifyAvx2 : ClassifySse2;
}

const ClassifyFn kClassify = PickKernel();

// Appends the offsets of the set bits of `mask` (+ base). Writes 8 at a time
// without looking at the count (out needs 8 slots of slack): the common block
// has under 8 spaces, so this is one predictable branch per block.
[[gnu::always_inline]] inline uint32_t* Flatten(uint64_t mask, uint32_t base, uint32_t* out) {
  const int n = __builtin_popcountll(mask);
  uint32_t* o = out;
  for (int i = 0; i < 8; ++i) {
    o[i] = base + static_cast<uint32_t>(__builtin_ctzll(mask | (uint64_t{1} << 63)));
    mask &= mask - 1;
  }
  if (n > 8) {
    o += 8;
    while (mask) {
      *o++ = base + static_cast<uint32_t>(__builtin_ctzll(mask));
      mask &= mask - 1;
    }
  }
  return out + n;
}

// Turns the masks of `blocks` blocks starting at offset `from` into the
// offsets of spaces and events (newlines, and bytes that make a line not
// simple: tabs, '\r', a space after a space or at the start of a line). An
// event also records how many spaces came before it, so a line's spaces are
// found without a search.
[[gnu::always_inline]] inline void FlattenBody(const uint64_t* sp, const uint64_t* nl,
                                               const uint64_t* ot, size_t blocks, uint32_t from,
                                               uint32_t** sp_io, SplitEvent** ev_io) {
  uint32_t* const sp_first = *sp_io;
  uint32_t* sp_out = *sp_io;
  SplitEvent* ev_out = *ev_io;
  uint64_t carry_sp = 0, carry_nl = 1;  // the window starts a line
  for (size_t b = 0; b < blocks; ++b) {
    const uint32_t base = from + static_cast<uint32_t>(64 * b);
    const uint64_t s = sp[b], n = nl[b];
    uint64_t ev = n | ot[b] | (s & ((s << 1) | carry_sp)) | (s & ((n << 1) | carry_nl));
    carry_sp = s >> 63;
    carry_nl = n >> 63;
    const uint32_t before = static_cast<uint32_t>(sp_out - sp_first);
    while (ev) {
      int bit = __builtin_ctzll(ev);
      *ev_out++ = {
          base + static_cast<uint32_t>(bit),
          before + static_cast<uint32_t>(__builtin_popcountll(s & ((uint64_t{1} << bit) - 1))),
          static_cast<uint32_t>((n >> bit) & 1)};
      ev &= ev - 1;
    }
    sp_out = Flatten(s, base, sp_out);
  }
  *sp_io = sp_out;
  *ev_io = ev_out;
}

void FlattenBase(const uint64_t* sp, const uint64_t* nl, const uint64_t* ot, size_t blocks,
                 uint32_t from, uint32_t** sp_io, SplitEvent** ev_io) {
  FlattenBody(sp, nl, ot, blocks, from, sp_io, ev_io);
}

// With popcnt/tzcnt as instructions rather than library calls.
__attribute__((target("popcnt,bmi"))) void FlattenBmi(const uint64_t* sp, const uint64_t* nl,
                                                      const uint64_t* ot, size_t blocks,
                                                      uint32_t from, uint32_t** sp_io,
                                                      SplitEvent** ev_io) {
  FlattenBody(sp, nl, ot, blocks, from, sp_io, ev_io);
}

using FlattenFn = void (*)(const uint64_t*, const uint64_t*, const uint64_t*, size_t, uint32_t,
                           uint32_t**, SplitEvent**);
const FlattenFn kFlatten =
    (__builtin_cpu_init(),
     __builtin_cpu_supports("popcnt") && __builtin_cpu_supports("bmi") ? FlattenBmi : FlattenBase);

}  // namespace

void ClassifyBlocks(const char* p, size_t blocks, uint64_t* spaces, uint64_t* newlines,
                    uint64_t* others) {
  kClassify(p, blocks, spaces, newlines, others);
}

void ClassifyBlocksScalar(const char* p, size_t blocks, uint64_t* spaces, uint64_t* newlines,
                          uint64_t* others) {
  for (size_t b = 0; b < blocks; ++b) {
    uint64_t sp = 0, nl = 0, ot = 0;
    for (int i = 0; i < 64; ++i) {
      char c = p[b * 64 + static_cast<size_t>(i)];
      sp |= uint64_t{c == ' '} << i;
      nl |= uint64_t{c == '\n'} << i;
      ot |= uint64_t{c == '\t' || c == '\r'} << i;
    }
    spaces[b] = sp;
    newlines[b] = nl;
    others[b] = ot;
  }
}

size_t CountNewlines(std::string_view text) {
  return kCount(text.data(), text.size());
}

const char* ClassifyKernelName() {
  return kClassify == ClassifyAvx2 ? "avx2" : "sse2";
}

LineSplitter::LineSplitter(std::string_view text) : text_(text) {
  spaces_.resize(kWindow + 64);
  events_.resize(kWindow + 2);
}

// Classifies the window that starts at the first line not yet handed out, and
// lists its spaces and events (newlines, and bytes that make a line not
// simple: tabs, '\r', a space after a space or at the start of a line).
void LineSplitter::Refill() {
  const size_t from = line_start_;
  const size_t len = std::min(text_.size() - from, kWindow);
  const size_t full = len / 64;
  uint64_t sp[kBlocksPerWindow + 1], nl[kBlocksPerWindow + 1], ot[kBlocksPerWindow + 1];
  kClassify(text_.data() + from, full, sp, nl, ot);
  size_t blocks = full;
  if (len % 64) {
    char tail[64] = {};
    std::memcpy(tail, text_.data() + from + 64 * full, len % 64);
    kClassify(tail, 1, sp + full, nl + full, ot + full);
    uint64_t keep = (uint64_t{1} << (len % 64)) - 1;
    sp[full] &= keep;
    nl[full] &= keep;
    ot[full] &= keep;
    blocks = full + 1;
  }
  uint32_t* sp_out = spaces_.data();
  SplitEvent* ev_out = events_.data();
  kFlatten(sp, nl, ot, blocks, static_cast<uint32_t>(from), &sp_out, &ev_out);
  scanned_ = from + len;
  if (scanned_ == text_.size() && !text_.empty() && text_.back() != '\n') {
    // The last line has no '\n': the end of the text ends it.
    *ev_out++ = {static_cast<uint32_t>(text_.size()),
                 static_cast<uint32_t>(sp_out - spaces_.data()), 1};
  }
  space_count_ = static_cast<size_t>(sp_out - spaces_.data());
  event_count_ = static_cast<size_t>(ev_out - events_.data());
  next_space_ = 0;
  next_event_ = 0;
}

bool LineSplitter::NextSlow(SplitLine* out) {
  if (line_start_ >= text_.size()) return false;
  if (next_event_ == event_count_) Refill();
  if (next_event_ < event_count_ && TakeOrdinary(out)) return true;
  const char* base = text_.data();
  // An odd line (or one longer than a window): find its end the plain way.
  const void* nl = std::memchr(base + line_start_, '\n', text_.size() - line_start_);
  const size_t end = nl ? static_cast<size_t>(static_cast<const char*>(nl) - base) : text_.size();
  out->text = std::string_view(base + line_start_, end - line_start_);
  out->simple = false;
  out->spaces = nullptr;
  out->space_count = 0;
  line_start_ = end + 1;
  if (end < scanned_) {
    while (next_event_ < event_count_ && events_[next_event_].pos <= end) ++next_event_;
    while (next_space_ < space_count_ && spaces_[next_space_] < end) ++next_space_;
  } else {
    next_event_ = event_count_;  // past the window: classify afresh from the next line
  }
  return true;
}

}  // namespace flowlens

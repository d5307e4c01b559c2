// LineSplitter: cuts a buffer of flow-log text into lines, and each ordinary
// line into its space-separated fields, with SIMD byte classification.
//
// A line is "simple" when its fields are separated by single spaces, it has
// no tab or '\r', and it neither starts nor ends with a space: nearly every
// line AWS or the generator writes. For a simple line the splitter gives the
// offsets of its separating spaces, so field i is found without looking at a
// byte; any other line comes back with simple == false and the caller parses
// it the slow, general way (flowlog/record.h ParseRecord), which decides.
//
//   LineSplitter split(text);
//   SplitLine line;
//   while (split.Next(&line)) { if (line.simple) { line.field(text, 3) ... } }
//
// Why it is fast (bench/scan_bench.cc BM_SplitLines, BM_ClassifyBlocks): 64
// bytes at a time are classified into bit masks (spaces, newlines, oddities)
// with AVX2 where the CPU has it (SSE2 otherwise, chosen at run time), and the
// set bits are turned into offsets with tzcnt in a branch-light loop; the
// per-line work is then a few compares, not one branch per byte.
//
// Views point into `text`, which must outlive the splitter. Offsets are
// 32-bit: `text` must be under 4 GB. Thread safety: one splitter per thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace flowlens {

struct SplitLine {
  std::string_view text;             // without its '\n'
  bool simple = false;               // see above; spaces/space_count only then
  const uint32_t* spaces = nullptr;  // offsets in the splitter's text, ascending
  uint32_t space_count = 0;          // fields - 1

  // Field i of a simple line (0 <= i <= space_count), as a view into `base`
  // (the splitter's text).
  std::string_view field(const char* base, uint32_t i) const {
    const char* b = i == 0 ? text.data() : base + spaces[i - 1] + 1;
    const char* e = i == space_count ? text.data() + text.size() : base + spaces[i];
    return std::string_view(b, static_cast<size_t>(e - b));
  }
};

// Inside LineSplitter: a line end or an oddity, with the number of spaces of
// the window before it, and whether it ends a line ('\n' or the end of the
// text: flagged here so that taking a line reads no text byte).
struct SplitEvent {
  uint32_t pos;
  uint32_t space_index : 31;
  uint32_t line_end : 1;
};

class LineSplitter {
 public:
  explicit LineSplitter(std::string_view text);
  // The next line (empty lines included), or false at the end of the text.
  // Inline for the ordinary line (its end and spaces already listed): the
  // caller's loop keeps the line in registers instead of reading back what
  // an out-of-line call stored.
  bool Next(SplitLine* out) {
    if (next_event_ < event_count_ && TakeOrdinary(out)) [[likely]] {
      return true;
    }
    return NextSlow(out);
  }

 private:
  // The line that ends at the next event, when that event is a line end.
  [[gnu::always_inline]] bool TakeOrdinary(SplitLine* out) {
    const SplitEvent e = events_[next_event_];
    if (!e.line_end) return false;
    const char* base = text_.data();
    ++next_event_;
    const uint32_t count = e.space_index - static_cast<uint32_t>(next_space_);
    out->text = std::string_view(base + line_start_, e.pos - line_start_);
    out->spaces = spaces_.data() + next_space_;
    out->space_count = count;
    // A space just before the newline leaves an empty last field.
    out->simple = count == 0 || spaces_[e.space_index - 1] + 1 != e.pos;
    next_space_ = e.space_index;
    line_start_ = e.pos + 1;
    return true;
  }
  bool NextSlow(SplitLine* out);
  void Refill();
  std::string_view text_;
  size_t scanned_ = 0;  // bytes classified so far
  size_t line_start_ = 0;
  std::vector<uint32_t> spaces_;  // offsets of spaces in the window
  std::vector<SplitEvent> events_;
  size_t space_count_ = 0, event_count_ = 0;
  size_t next_space_ = 0, next_event_ = 0;
};

// The classification kernel, exposed for benchmarks and tests: for each
// 64-byte block of `p` (`blocks` of them), bit i of the outputs says whether
// byte i is a space, a '\n', or a tab or '\r'.
void ClassifyBlocks(const char* p, size_t blocks, uint64_t* spaces, uint64_t* newlines,
                    uint64_t* others);
// The same, without SIMD: the reference the kernel is tested against.
void ClassifyBlocksScalar(const char* p, size_t blocks, uint64_t* spaces, uint64_t* newlines,
                          uint64_t* others);
// Number of '\n' in `text` (SIMD like ClassifyBlocks; for line numbers of
// file morsels when a query reads them, query/scan.h MorselLines;
// bench/scan_bench.cc BM_CountNewlines).
size_t CountNewlines(std::string_view text);
// Which kernel ClassifyBlocks uses on this CPU: "avx2" or "sse2".
const char* ClassifyKernelName();

}  // namespace flowlens

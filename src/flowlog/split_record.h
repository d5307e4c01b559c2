// SplitRecordParser: the fast path of record parsing, for simple lines as
// LineSplitter (line_splitter.h) gives them.
//
// Contract: Parse returns true only when ParseRecord (record.h) would accept
// the line, and then every position the parser was told to keep holds the
// same value ParseRecord would give. Fields not kept are still checked (an
// unread bad port still makes the line "not a record", as in the slow path)
// but not stored. False means "not decided here": call ParseRecord, which
// gives the answer and the error. tests/fuzz/record_parser_fuzz.cc checks the
// two against each other.
//
//   SplitRecordParser fast(layout, keep);  // keep[pos]: the caller reads it
//   if (line.simple && fast.Parse(line, base, end, &rec)) ... else ParseRecord(...)
//
// Why it is fast (bench/scan_bench.cc BM_ParseChunk*, bench/record_parser_bench.cc
// BM_SplitParse*): fields come from the splitter's offsets (no blank
// scanning); integers of up to 16 digits are converted 8 bytes at a time
// (SWAR); integers not kept are only validated, with one 16-byte digit
// compare when they are short enough to be in range; dotted-quad IPv4 has its
// own kernels (ip_token.h); strings not kept cost nothing.
//
// Thread safety: immutable after construction; share it between threads.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "flowlog/layout.h"
#include "flowlog/line_splitter.h"
#include "flowlog/record.h"

namespace flowlens {

class SplitRecordParser {
 public:
  // keep[pos] for each layout position (missing entries: not kept).
  SplitRecordParser(const Layout& layout, const std::vector<bool>& keep);
  // `base` is the splitter's text and `end` its end (reads never pass it).
  bool Parse(const SplitLine& line, const char* base, const char* end, FlowRecord* out) const;
  // As Parse, and when it returns true *exact tells whether WriteRecord(out)
  // gives back line.text byte for byte (every field in canonical form): the
  // bulk loader's test for rebuilding @message from the columns, without
  // writing the line again (bench/record_parser_bench.cc BM_SplitParseExact*).
  bool ParseExact(const SplitLine& line, const char* base, const char* end, FlowRecord* out,
                  bool* exact) const;

 private:
  struct FieldOp {
    ValueKind kind;
    bool keep;
    uint32_t safe_digits;  // integers: 1..safe_digits digits are always in range
    uint64_t max_value;
  };
  template <bool kExact, uint32_t... I>
  bool ParseDefault(std::integer_sequence<uint32_t, I...>, const SplitLine& line, const char* base,
                    const char* end, FlowRecord* out, bool* canonical) const;
  template <bool kExact>
  bool ParseAny(const SplitLine& line, const char* base, const char* end, FlowRecord* out,
                bool* canonical) const;
  std::vector<FieldOp> ops_;
  bool default_layout_ = false;  // the kinds of the default layout's 14 fields
};

// Unsigned decimal of `len` digits at `p` (no sign, nothing else), as
// ParseUnsigned; reads up to 16 bytes from p but never at or past `end`.
bool ParseDigitsFast(const char* p, size_t len, const char* end, uint64_t* out);

// Dotted-quad IPv4 exactly as IpAddress::ParseV4 accepts it: a tight scalar
// loop, the fallback of ParseIpv4Ssse3 (ip_token.h) where 16 bytes cannot be
// read or the CPU lacks SSSE3 (bench/record_parser_bench.cc BM_Ipv4).
bool ParseIpv4Fast(const char* p, size_t len, uint32_t* out);

}  // namespace flowlens

// FlowRecord: one flow-log record parsed into typed values, and the parser and
// writer between record lines and FlowRecords.
//
// Values are stored by layout position. A missing value (`-` in the text) has
// present(pos) == false; its slot holds no meaning. String values are views
// into the line that was parsed: they live as long as that line's buffer.
//
//   FlowRecord rec(layout);
//   Status st = ParseRecord(line, layout, &rec);     // no allocation per call
//   int64_t bytes = rec.int_at(layout.PositionOf(fields::kBytes));
//   std::string out; WriteRecord(layout, rec, &out);  // round trip
//
// Thread safety: a FlowRecord is a plain value; parse into one per thread.
#pragma once

#include <emmintrin.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "common/ip_address.h"
#include "common/status.h"
#include "flowlog/layout.h"

namespace flowlens {

class FlowRecord {
 public:
  FlowRecord() = default;
  explicit FlowRecord(const Layout& layout) { Reset(layout.size()); }

  void Reset(size_t n) {
    ints_.assign(n, 0);
    addrs_.assign(n, IpAddress{});
    strs_.assign(n, std::string_view());
    present_.assign(n, 0);
  }
  size_t size() const { return present_.size(); }

  bool present(size_t pos) const { return present_[pos] != 0; }
  int64_t int_at(size_t pos) const { return ints_[pos]; }             // kInt, kTime
  const IpAddress& addr_at(size_t pos) const { return addrs_[pos]; }  // kAddress
  std::string_view str_at(size_t pos) const { return strs_[pos]; }    // kString

  void set_missing(size_t pos) { present_[pos] = 0; }
  void set_int(size_t pos, int64_t v) {
    ints_[pos] = v;
    present_[pos] = 1;
  }
  // Addresses and strings are stored with one 16-byte store: a reader that
  // copies the value whole right after a parse (a 16-byte load) would stall
  // on store forwarding if it had been written as two 8-byte halves.
  void set_addr(size_t pos, const IpAddress& v) {
    Store16(&addrs_[pos], v.hi, v.lo);
    addrs_[pos].v6 = v.v6;
    present_[pos] = 1;
  }
  void set_str(size_t pos, std::string_view v) {
    static_assert(sizeof(std::string_view) == 16);
    uint64_t w[2];
    std::memcpy(w, &v, 16);
    Store16(&strs_[pos], w[0], w[1]);
    present_[pos] = 1;
  }

 private:
  static void Store16(void* to, uint64_t first, uint64_t second) {
    _mm_storeu_si128(static_cast<__m128i*>(to),
                     _mm_set_epi64x(static_cast<long long>(second), static_cast<long long>(first)));
  }
  std::vector<int64_t> ints_;
  std::vector<IpAddress> addrs_;
  std::vector<std::string_view> strs_;
  std::vector<uint8_t> present_;
};

// Why a line was refused, with enough to print "file:line: field 'srcport'
// (6th of 14): '70000' is not a port (0-65535)".
struct RecordError {
  int field_pos = -1;  // -1 when the error is about the whole line
  std::string reason;  // e.g. "'70000' is above 65535"
};

// Parses `line` (without its newline; a trailing '\r' and surrounding blanks
// are ignored) into `out`, which must have been sized for `layout`. Fields are
// separated by runs of spaces or tabs. Returns false and fills `error` when the
// line does not fit the layout. Never allocates on the success path.
bool ParseRecord(std::string_view line, const Layout& layout, FlowRecord* out, RecordError* error);

// Builds the user-facing message for a RecordError: "line 12: field 'srcport'
// (6th of 14): ..." with `where` (a file name) in front when given.
std::string DescribeRecordError(const RecordError& error, const Layout& layout,
                                std::string_view where, int64_t line_number);

// Appends the record as a line (no newline) in `layout`'s field order, single
// spaces between fields and `-` for missing values.
void WriteRecord(const Layout& layout, const FlowRecord& record, std::string* out);

// Parses an unsigned decimal integer (no sign, no blanks); false on overflow
// or any other character.
bool ParseUnsigned(std::string_view text, uint64_t* out);

}  // namespace flowlens

// Fuzzes the flow-log record parser, layouts from header lines and format
// strings, and the record writer: whatever the bytes, parsing never crashes,
// and a record that parses writes back to a line that parses to the same
// values.
//
// Differential part: the text scan's fast path (LineSplitter +
// SplitRecordParser, SIMD) must cut the same lines as a plain search for
// '\n', classify bytes as the scalar kernel does, and accept a line only when
// ParseRecord does, with the same values for every field it keeps, and say a
// line round-trips (ParseExact) exactly when writing its record back gives it.
// And the file scan's parse pushdown (query/scan_captures.h): the captures a
// field-split glob `* * ... *` takes from a simple line's space offsets are
// those MatchGlob finds in the line, for any number of stars.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "flowlog/ip_token.h"
#include "flowlog/line_splitter.h"
#include "flowlog/record.h"
#include "flowlog/split_record.h"
#include "query/operators.h"
#include "query/scan_captures.h"

using namespace flowlens;

namespace {

bool SameField(const Layout& layout, size_t pos, const FlowRecord& a, const FlowRecord& b) {
  if (a.present(pos) != b.present(pos)) return false;
  if (!a.present(pos)) return true;
  switch (layout.field(pos).kind) {
    case ValueKind::kInt:
    case ValueKind::kTime:
      return a.int_at(pos) == b.int_at(pos);
    case ValueKind::kAddress:
      return a.addr_at(pos) == b.addr_at(pos);
    case ValueKind::kString:
      return a.str_at(pos) == b.str_at(pos);
  }
  return false;
}

// The token kernels against the reference parsers.
void CheckTokenParsers(std::string_view f, const char* end) {
  std::optional<IpAddress> want = IpAddress::ParseV4(f);
  uint32_t bits = 0;
  bool got = ParseIpv4Fast(f.data(), f.size(), &bits);
  if (got != want.has_value() || (got && bits != want->v4_bits())) __builtin_trap();
  if (HasIpv4Ssse3() && f.size() >= 7 && f.size() <= 15 && end - f.data() >= 16) {
    bits = 0;
    got = ParseIpv4Ssse3(f.data(), f.size(), &bits);
    if (got != want.has_value() || (got && bits != want->v4_bits())) __builtin_trap();
  }
  // The IPv6 kernel may leave a token undecided, never accept a wrong one.
  IpAddress v6;
  if (ParseIpv6Common(f.data(), f.size(), &v6)) {
    std::optional<IpAddress> ref = IpAddress::Parse(f);
    if (!ref || *ref != v6) __builtin_trap();
  }
  uint64_t a = 0, b = 0;
  bool ok_a = ParseDigitsFast(f.data(), f.size(), end, &a);
  bool ok_b = ParseUnsigned(f, &b);
  if (ok_a != ok_b || (ok_a && a != b)) __builtin_trap();
}

void CheckClassify(std::string_view text) {
  const size_t blocks = text.size() / 64;
  std::vector<uint64_t> a(3 * blocks + 3), b(3 * blocks + 3);
  ClassifyBlocks(text.data(), blocks, a.data(), a.data() + blocks, a.data() + 2 * blocks);
  ClassifyBlocksScalar(text.data(), blocks, b.data(), b.data() + blocks, b.data() + 2 * blocks);
  if (a != b) __builtin_trap();
  size_t newlines = 0;
  for (char c : text) newlines += c == '\n';
  if (CountNewlines(text) != newlines) __builtin_trap();
}

// SplitCaptures against MatchGlob for a glob of `stars` stars, where the
// splitter's offsets serve.
void CheckCaptures(const SplitLine& line, const char* base, size_t stars) {
  std::vector<std::string_view> quick(stars + 1), slow;
  if (!query::SplitCaptures(line, base, stars, quick.data())) return;
  std::vector<std::string> literals(stars + 1, " ");
  literals.front().clear();
  literals.back().clear();
  if (!query::MatchGlob(line.text, literals, &slow) || slow.size() != stars) __builtin_trap();
  for (size_t i = 0; i < stars; ++i) {
    if (quick[i] != slow[i] || quick[i].data() != slow[i].data()) __builtin_trap();
  }
}

// The fast path against ParseRecord on every line of `text`; the fields kept
// follow the bits of `keep_bits`.
void CheckSplitParse(std::string_view text, const Layout& layout, uint64_t keep_bits) {
  std::vector<bool> keep(layout.size());
  for (size_t i = 0; i < keep.size(); ++i) keep[i] = (keep_bits >> (i % 64)) & 1;
  const SplitRecordParser fast(layout, keep);
  // A copy with no bytes after it, so that reads past the end would be caught.
  std::vector<char> exact(text.begin(), text.end());
  std::string_view t(exact.data(), exact.size());
  LineSplitter split(t);
  SplitLine line;
  FlowRecord quick(layout), slow(layout);
  RecordError err;
  size_t pos = 0;
  while (split.Next(&line)) {
    size_t end = t.find('\n', pos);
    if (end == std::string_view::npos) end = t.size();
    if (line.text.data() != t.data() + pos || line.text.size() != end - pos) __builtin_trap();
    pos = end + 1;
    if (line.simple) {
      if (line.text.find_first_of("\t\r\n") != std::string_view::npos) __builtin_trap();
      for (uint32_t i = 0; i <= line.space_count && !line.text.empty(); ++i) {
        std::string_view f = line.field(t.data(), i);
        if (f.empty() || f.find(' ') != std::string_view::npos) __builtin_trap();
        CheckTokenParsers(f, t.data() + t.size());
      }
    }
    for (size_t stars : {size_t{1}, size_t{2}, layout.size(), size_t{line.space_count},
                         size_t{line.space_count} + 1, size_t{line.space_count} + 2}) {
      if (stars > 0) CheckCaptures(line, t.data(), stars);
    }
    bool exact = false;
    const bool decided = fast.ParseExact(line, t.data(), t.data() + t.size(), &slow, &exact);
    if (decided != fast.Parse(line, t.data(), t.data() + t.size(), &quick)) __builtin_trap();
    if (!decided) continue;
    if (!ParseRecord(line.text, layout, &slow, &err)) __builtin_trap();
    for (size_t p = 0; p < layout.size(); ++p) {
      if (keep[p] && !SameField(layout, p, quick, slow)) __builtin_trap();
    }
    // The bulk loader's round-trip decision, against writing the record back.
    std::string back;
    WriteRecord(layout, slow, &back);
    if (exact != (back == line.text)) __builtin_trap();
  }
  if (pos < t.size()) __builtin_trap();  // a line was lost
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  // First line: a format (header or ${...}); the rest: records.
  size_t nl = input.find('\n');
  std::string_view first = input.substr(0, nl);
  std::string_view rest = nl == std::string_view::npos ? std::string_view() : input.substr(nl + 1);
  Result<Layout> parsed = Layout::Parse(first);
  const Layout& layout = parsed.ok() ? *parsed : Layout::Default();
  if (!parsed.ok()) rest = input;
  (void)Layout::IsHeaderLine(first);
  FlowRecord rec(layout), again(layout);
  RecordError err;
  size_t pos = 0;
  while (pos <= rest.size()) {
    size_t end = rest.find('\n', pos);
    if (end == std::string_view::npos) end = rest.size();
    std::string_view line = rest.substr(pos, end - pos);
    if (ParseRecord(line, layout, &rec, &err)) {
      std::string out;
      WriteRecord(layout, rec, &out);
      if (!ParseRecord(out, layout, &again, &err)) __builtin_trap();
      std::string out2;
      WriteRecord(layout, again, &out2);
      if (out != out2) __builtin_trap();
    } else {
      (void)DescribeRecordError(err, layout, "fuzz", 1);
    }
    pos = end + 1;
  }
  CheckClassify(input);
  uint64_t keep_bits = ~uint64_t{0};
  if (size >= 8) std::memcpy(&keep_bits, data + size - 8, 8);
  CheckSplitParse(rest, layout, ~uint64_t{0});
  CheckSplitParse(rest, layout, keep_bits);
  return 0;
}

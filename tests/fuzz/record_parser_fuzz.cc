// Fuzzes the flow-log record parser, layouts from header lines and format
// strings, and the record writer: whatever the bytes, parsing never crashes,
// and a record that parses writes back to a line that parses to the same
// values.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "flowlog/record.h"

using namespace flowlens;

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
  return 0;
}

#include "server/json_writer.h"

#include <simdjson.h>

#include "query/value.h"

namespace flowlens::server {
namespace {

// Length of the valid UTF-8 sequence at the start of `s`, 0 if there is none.
size_t ValidSequence(std::string_view s) {
  const auto b = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  const auto tail = [&](size_t i) { return i < s.size() && (b(i) & 0xc0) == 0x80; };
  const unsigned char c = b(0);
  if (c < 0x80) return 1;
  if (c >= 0xc2 && c <= 0xdf) return tail(1) ? 2 : 0;
  if (c >= 0xe0 && c <= 0xef) {
    if (!tail(1) || !tail(2)) return 0;
    if (c == 0xe0 && b(1) < 0xa0) return 0;   // overlong
    if (c == 0xed && b(1) >= 0xa0) return 0;  // surrogate
    return 3;
  }
  if (c >= 0xf0 && c <= 0xf4) {
    if (!tail(1) || !tail(2) || !tail(3)) return 0;
    if (c == 0xf0 && b(1) < 0x90) return 0;   // overlong
    if (c == 0xf4 && b(1) >= 0x90) return 0;  // past U+10FFFF
    return 4;
  }
  return 0;
}

}  // namespace

void AppendJsonText(std::string_view text, std::string* out) {
  if (simdjson::validate_utf8(text.data(), text.size())) {
    query::AppendJsonQuoted(text, out);
    return;
  }
  std::string valid;
  valid.reserve(text.size() + 16);
  while (!text.empty()) {
    size_t n = ValidSequence(text);
    if (n == 0) {
      valid += "\xEF\xBF\xBD";  // U+FFFD
      n = 1;
    } else {
      valid.append(text.substr(0, n));
    }
    text.remove_prefix(n);
  }
  query::AppendJsonQuoted(valid, out);
}

void JsonWriter::Double(double v) {
  Separator();
  query::AppendDoubleText(v, &out_);
}

}  // namespace flowlens::server

// Encoding functions: urlencode urldecode base64encode base64decode
// hexToAscii hexToDec decToHex. Malformed input gives null, never a guess.
#include <cstdint>

#include "query/functions/function_families.h"

namespace flowlens::query::scalar {
namespace {

constexpr char kHexUpper[] = "0123456789ABCDEF";
constexpr char kHexLower[] = "0123456789abcdef";
constexpr char kBase64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Standard and URL-safe alphabets both decode.
int Base64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+' || c == '-') return 62;
  if (c == '/' || c == '_') return 63;
  return -1;
}

std::string_view StripHexPrefix(std::string_view s) {
  if (s.size() >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) s.remove_prefix(2);
  return s;
}

}  // namespace

Value UrlEncode(Args a, CallContext& ctx) {
  // java.net.URLEncoder (UTF-8): letters, digits and ".-*_" stay, space
  // becomes '+', every other byte %XX.
  std::optional<std::string_view> s = ArgText(a[0], ctx);
  if (!s) return Value::Null();
  std::string& out = Scratch();
  for (unsigned char c : *s) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
        c == '-' || c == '*' || c == '_') {
      out.push_back(static_cast<char>(c));
    } else if (c == ' ') {
      out.push_back('+');
    } else {
      out.push_back('%');
      out.push_back(kHexUpper[c >> 4]);
      out.push_back(kHexUpper[c & 15]);
    }
  }
  return StringResult(out, ctx);
}

Value UrlDecode(Args a, CallContext& ctx) {
  // java.net.URLDecoder: '+' is a space, %XX a byte; a bad escape is null.
  std::optional<std::string_view> s = ArgText(a[0], ctx);
  if (!s) return Value::Null();
  if (s->find_first_of("%+") == std::string_view::npos) return Value::String(*s);
  std::string& out = Scratch();
  for (size_t i = 0; i < s->size(); ++i) {
    char c = (*s)[i];
    if (c == '+') {
      out.push_back(' ');
    } else if (c == '%') {
      if (i + 2 >= s->size()) return Value::Null();
      int hi = HexValue((*s)[i + 1]), lo = HexValue((*s)[i + 2]);
      if (hi < 0 || lo < 0) return Value::Null();
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  return StringResult(out, ctx);
}

Value Base64Encode(Args a, CallContext& ctx) {
  std::optional<std::string_view> s = ArgText(a[0], ctx);
  if (!s) return Value::Null();
  size_t n = s->size();
  size_t out_len = (n + 2) / 3 * 4;
  char* out = ctx.arena->Allocate(out_len);
  const auto* in = reinterpret_cast<const unsigned char*>(s->data());
  size_t o = 0;
  for (size_t i = 0; i < n; i += 3) {
    uint32_t v = in[i] << 16;
    if (i + 1 < n) v |= in[i + 1] << 8;
    if (i + 2 < n) v |= in[i + 2];
    out[o++] = kBase64[v >> 18];
    out[o++] = kBase64[(v >> 12) & 63];
    out[o++] = i + 1 < n ? kBase64[(v >> 6) & 63] : '=';
    out[o++] = i + 2 < n ? kBase64[v & 63] : '=';
  }
  return Value::String(std::string_view(out, out_len));
}

Value Base64Decode(Args a, CallContext& ctx) {
  // Padding is optional; characters outside the alphabet (blanks included)
  // make the input invalid. The decoded bytes are returned as they are.
  std::optional<std::string_view> in = ArgText(a[0], ctx);
  if (!in) return Value::Null();
  std::string_view s = *in;
  if (s.size() % 4 == 0 && s.ends_with("==")) {
    s.remove_suffix(2);
  } else if (s.size() % 4 == 0 && s.ends_with("=")) {
    s.remove_suffix(1);
  }
  if (s.size() % 4 == 1) return Value::Null();
  std::string& out = Scratch();
  uint32_t acc = 0;
  int bits = 0;
  for (char c : s) {
    int v = Base64Value(c);
    if (v < 0) return Value::Null();
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return StringResult(out, ctx);
}

Value HexToAscii(Args a, CallContext& ctx) {
  std::optional<std::string_view> in = ArgText(a[0], ctx);
  if (!in) return Value::Null();
  std::string_view s = StripHexPrefix(*in);
  if (s.size() % 2 != 0) return Value::Null();
  std::string& out = Scratch();
  for (size_t i = 0; i < s.size(); i += 2) {
    int hi = HexValue(s[i]), lo = HexValue(s[i + 1]);
    if (hi < 0 || lo < 0) return Value::Null();
    out.push_back(static_cast<char>(hi * 16 + lo));
  }
  return StringResult(out, ctx);
}

Value HexToDec(Args a, CallContext& ctx) {
  // "ff", "0xFF", "-0x1a"; null beyond the int64 range or for non-hex text.
  std::optional<std::string_view> in = ArgText(a[0], ctx);
  if (!in) return Value::Null();
  std::string_view s = *in;
  bool negative = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  s = StripHexPrefix(s);
  if (s.empty()) return Value::Null();
  uint64_t v = 0;
  for (char c : s) {
    int d = HexValue(c);
    if (d < 0 || v > (UINT64_MAX >> 4)) return Value::Null();
    v = v * 16 + d;
  }
  if (!negative && v > static_cast<uint64_t>(INT64_MAX)) return Value::Null();
  if (negative && v > static_cast<uint64_t>(INT64_MAX) + 1) return Value::Null();
  return Value::Int(negative ? static_cast<int64_t>(0 - v) : static_cast<int64_t>(v));
}

Value DecToHex(Args a, CallContext& ctx) {
  // decToHex(255) = "0xff"; negative numbers as "-0x..."; fractions truncated.
  std::optional<int64_t> n = a[0].type == ValueType::kBool ? std::nullopt : ArgInt(a[0]);
  if (!n) return Value::Null();
  uint64_t u = *n < 0 ? 0 - static_cast<uint64_t>(*n) : static_cast<uint64_t>(*n);
  char buf[24];
  int len = 0;
  do {
    buf[len++] = kHexLower[u & 15];
    u >>= 4;
  } while (u != 0);
  std::string& out = Scratch();
  if (*n < 0) out.push_back('-');
  out.append("0x");
  while (len > 0) out.push_back(buf[--len]);
  return StringResult(out, ctx);
}

}  // namespace flowlens::query::scalar

// String functions: isempty isblank concat ltrim rtrim trim strlen toupper
// tolower substr replace strcontains startsWith endsWith split, and the UTF-8
// helpers they share. Lengths and positions count Unicode code points.
#include <algorithm>

#include "query/functions/function_families.h"
#include "query/json.h"

namespace flowlens::query::scalar {
namespace {

// Default trim set and isblank: space and the ASCII control characters,
// as Java's String.trim.
bool IsTrimSpace(uint32_t cp) {
  return cp <= 0x20;
}

bool InSet(uint32_t cp, std::string_view set) {
  for (size_t p = 0; p < set.size();) {
    if (DecodeUtf8(set, &p) == cp) return true;
  }
  return false;
}

// Where the code point that ends at `end` (exclusive) starts; a stray byte
// is a code point of its own.
size_t PreviousStart(std::string_view s, size_t end) {
  size_t p = end - 1;
  size_t limit = end >= 4 ? end - 4 : 0;
  while (p > limit && (static_cast<unsigned char>(s[p]) & 0xC0) == 0x80) --p;
  size_t q = p;
  DecodeUtf8(s, &q);
  return q == end ? p : end - 1;
}

bool TrimmedAway(uint32_t cp, const std::optional<std::string_view>& set) {
  return set ? InSet(cp, *set) : IsTrimSpace(cp);
}

std::string_view TrimLeft(std::string_view s, const std::optional<std::string_view>& set) {
  size_t p = 0;
  while (p < s.size()) {
    size_t next = p;
    if (!TrimmedAway(DecodeUtf8(s, &next), set)) break;
    p = next;
  }
  return s.substr(p);
}

std::string_view TrimRight(std::string_view s, const std::optional<std::string_view>& set) {
  size_t end = s.size();
  while (end > 0) {
    size_t start = PreviousStart(s, end);
    size_t q = start;
    if (!TrimmedAway(DecodeUtf8(s, &q), set)) break;
    end = start;
  }
  return s.substr(0, end);
}

// Shared shape of ltrim/rtrim/trim: (s [, chars]).
template <bool kLeft, bool kRight>
Value TrimWith(Args a, CallContext& ctx) {
  std::optional<std::string_view> s = ArgText(a[0], ctx);
  if (!s) return Value::Null();
  std::optional<std::string_view> set;
  if (a.size() > 1) {
    set = ArgText(a[1], ctx);
    if (!set) return Value::Null();
  }
  std::string_view out = *s;
  if (kLeft) out = TrimLeft(out, set);
  if (kRight) out = TrimRight(out, set);
  return Value::String(out);
}

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// Maps every code point of `s` through `map`; returns `s` itself when
// nothing changes, so already-cased text costs no copy.
template <uint32_t (*kMap)(uint32_t)>
Value MapCase(Args a, CallContext& ctx) {
  std::optional<std::string_view> s = ArgText(a[0], ctx);
  if (!s) return Value::Null();
  size_t p = 0;
  size_t first_change = s->size();
  while (p < s->size()) {
    size_t start = p;
    uint32_t cp = DecodeUtf8(*s, &p);
    // Stray bytes decode as U+FFFD with length 1; they are kept as they are.
    if (p - start == 1 && static_cast<unsigned char>((*s)[start]) >= 0x80) continue;
    if (kMap(cp) != cp) {
      first_change = start;
      break;
    }
  }
  if (first_change == s->size()) return Value::String(*s);
  std::string& out = Scratch();
  out.append(s->substr(0, first_change));
  for (p = first_change; p < s->size();) {
    size_t start = p;
    uint32_t cp = DecodeUtf8(*s, &p);
    if (p - start == 1 && static_cast<unsigned char>((*s)[start]) >= 0x80) {
      out.push_back((*s)[start]);
    } else {
      AppendUtf8(kMap(cp), &out);
    }
  }
  return StringResult(out, ctx);
}

// Byte offset of code point number `index` (or the end).
size_t OffsetOfCodePoint(std::string_view s, int64_t index) {
  size_t p = 0;
  for (int64_t k = 0; k < index && p < s.size(); ++k) {
    p += std::min(Utf8SequenceLength(static_cast<unsigned char>(s[p])), s.size() - p);
  }
  return p;
}

bool CaseInsensitiveFlag(const Value& v) {
  if (v.type == ValueType::kString) {
    return v.s.size() == 4 && (v.s[0] | 0x20) == 't' && (v.s[1] | 0x20) == 'r' &&
           (v.s[2] | 0x20) == 'u' && (v.s[3] | 0x20) == 'e';
  }
  return IsTrue(v);
}

void AppendLower(std::string_view s, std::string* out) {
  for (size_t p = 0; p < s.size();) {
    size_t start = p;
    uint32_t cp = DecodeUtf8(s, &p);
    if (p - start == 1 && static_cast<unsigned char>(s[start]) >= 0x80) {
      out->push_back(s[start]);
    } else {
      AppendUtf8(ToLowerCodePoint(cp), out);
    }
  }
}

Value Flag(bool b) {
  return Value::Int(b ? 1 : 0);
}

}  // namespace

size_t Utf8SequenceLength(unsigned char lead) {
  if (lead < 0xC2) return 1;
  if (lead < 0xE0) return 2;
  if (lead < 0xF0) return 3;
  if (lead < 0xF5) return 4;
  return 1;
}

uint32_t DecodeUtf8(std::string_view s, size_t* pos) {
  unsigned char lead = s[*pos];
  size_t n = Utf8SequenceLength(lead);
  if (n == 1 || *pos + n > s.size()) {
    ++*pos;
    return lead < 0x80 ? lead : 0xFFFD;
  }
  uint32_t cp = lead & (0x7F >> n);
  for (size_t k = 1; k < n; ++k) {
    unsigned char c = s[*pos + k];
    if ((c & 0xC0) != 0x80) {
      ++*pos;
      return 0xFFFD;
    }
    cp = (cp << 6) | (c & 0x3F);
  }
  *pos += n;
  return cp;
}

uint32_t ToUpperCodePoint(uint32_t cp) {
  if (cp < 0x80) return cp >= 'a' && cp <= 'z' ? cp - 32 : cp;
  if (cp >= 0xE0 && cp <= 0xFE && cp != 0xF7) return cp - 32;
  if (cp == 0xB5) return 0x39C;
  if (cp == 0xFF) return 0x178;
  if ((cp >= 0x100 && cp <= 0x12F) || (cp >= 0x132 && cp <= 0x137) ||
      (cp >= 0x14A && cp <= 0x177)) {
    return cp & ~1u;
  }
  if ((cp >= 0x139 && cp <= 0x148) || (cp >= 0x179 && cp <= 0x17E)) {
    return cp % 2 == 0 ? cp - 1 : cp;
  }
  if (cp >= 0x3B1 && cp <= 0x3C9) return cp == 0x3C2 ? 0x3A3 : cp - 32;
  if (cp >= 0x430 && cp <= 0x44F) return cp - 32;
  if (cp >= 0x450 && cp <= 0x45F) return cp - 80;
  return cp;
}

uint32_t ToLowerCodePoint(uint32_t cp) {
  if (cp < 0x80) return cp >= 'A' && cp <= 'Z' ? cp + 32 : cp;
  if (cp >= 0xC0 && cp <= 0xDE && cp != 0xD7) return cp + 32;
  if (cp == 0x178) return 0xFF;
  if ((cp >= 0x100 && cp <= 0x12F) || (cp >= 0x132 && cp <= 0x137) ||
      (cp >= 0x14A && cp <= 0x177)) {
    return cp | 1u;
  }
  if ((cp >= 0x139 && cp <= 0x148) || (cp >= 0x179 && cp <= 0x17E)) {
    return cp % 2 == 1 ? cp + 1 : cp;
  }
  if (cp >= 0x391 && cp <= 0x3A9 && cp != 0x3A2) return cp + 32;
  if (cp >= 0x410 && cp <= 0x42F) return cp + 32;
  if (cp >= 0x400 && cp <= 0x40F) return cp + 80;
  return cp;
}

Value IsEmpty(Args a, CallContext& ctx) {
  if (a[0].is_null()) return Flag(true);
  std::optional<std::string_view> s = ArgText(a[0], ctx);
  return Flag(s && s->empty());
}

Value IsBlank(Args a, CallContext& ctx) {
  if (a[0].is_null()) return Flag(true);
  std::optional<std::string_view> s = ArgText(a[0], ctx);
  if (!s) return Flag(false);
  for (char c : *s) {
    if (!IsTrimSpace(static_cast<unsigned char>(c))) return Flag(false);
  }
  return Flag(true);
}

Value Concat(Args a, CallContext& ctx) {
  std::string& out = Scratch();
  for (const Value& v : a) {
    if (v.is_null() || v.type == ValueType::kJson) return Value::Null();
    AppendValueText(v, &out);
  }
  return StringResult(out, ctx);
}

Value Ltrim(Args a, CallContext& ctx) {
  return TrimWith<true, false>(a, ctx);
}
Value Rtrim(Args a, CallContext& ctx) {
  return TrimWith<false, true>(a, ctx);
}
Value Trim(Args a, CallContext& ctx) {
  return TrimWith<true, true>(a, ctx);
}

Value Strlen(Args a, CallContext& ctx) {
  std::optional<std::string_view> s = ArgText(a[0], ctx);
  if (!s) return Value::Null();
  int64_t n = 0;
  for (size_t p = 0; p < s->size(); ++n) DecodeUtf8(*s, &p);
  return Value::Int(n);
}

Value ToUpper(Args a, CallContext& ctx) {
  return MapCase<ToUpperCodePoint>(a, ctx);
}
Value ToLower(Args a, CallContext& ctx) {
  return MapCase<ToLowerCodePoint>(a, ctx);
}

Value Substr(Args a, CallContext& ctx) {
  std::optional<std::string_view> s = ArgText(a[0], ctx);
  std::optional<int64_t> start = ArgInt(a[1]);
  if (!s || !start) return Value::Null();
  // A negative start counts from 0 (clamped); a start past the end gives "".
  size_t begin = OffsetOfCodePoint(*s, std::max<int64_t>(*start, 0));
  if (a.size() < 3) return Value::String(s->substr(begin));
  std::optional<int64_t> len = ArgInt(a[2]);
  if (!len) return Value::Null();
  if (*len <= 0) return Value::String({});
  size_t end = begin + OffsetOfCodePoint(s->substr(begin), *len);
  return Value::String(s->substr(begin, end - begin));
}

Value Replace(Args a, CallContext& ctx) {
  std::optional<std::string_view> s = ArgText(a[0], ctx);
  std::optional<std::string_view> search = ArgText(a[1], ctx);
  std::optional<std::string_view> repl = ArgText(a[2], ctx);
  if (!s || !search || !repl) return Value::Null();
  if (search->empty() || s->find(*search) == std::string_view::npos) return Value::String(*s);
  std::string& out = Scratch();
  size_t p = 0;
  for (size_t hit; (hit = s->find(*search, p)) != std::string_view::npos;
       p = hit + search->size()) {
    out.append(s->substr(p, hit - p));
    out.append(*repl);
  }
  out.append(s->substr(p));
  return StringResult(out, ctx);
}

Value StrContains(Args a, CallContext& ctx) {
  std::optional<std::string_view> s = ArgText(a[0], ctx);
  std::optional<std::string_view> x = ArgText(a[1], ctx);
  if (!s || !x) return Value::Null();
  if (a.size() < 3 || !CaseInsensitiveFlag(a[2])) {
    return Flag(s->find(*x) != std::string_view::npos);
  }
  // Fold both sides to lower case (a second per-thread buffer for the needle).
  thread_local std::string needle;
  needle.clear();
  AppendLower(*x, &needle);
  std::string& hay = Scratch();
  AppendLower(*s, &hay);
  return Flag(hay.find(needle) != std::string::npos);
}

Value StartsWith(Args a, CallContext& ctx) {
  std::optional<std::string_view> s = ArgText(a[0], ctx);
  std::optional<std::string_view> x = ArgText(a[1], ctx);
  if (!s || !x) return Value::Null();
  return Flag(s->starts_with(*x));
}

Value EndsWith(Args a, CallContext& ctx) {
  std::optional<std::string_view> s = ArgText(a[0], ctx);
  std::optional<std::string_view> x = ArgText(a[1], ctx);
  if (!s || !x) return Value::Null();
  return Flag(s->ends_with(*x));
}

Value Split(Args a, CallContext& ctx) {
  std::optional<std::string_view> text = ArgText(a[0], ctx);
  std::optional<std::string_view> delim = ArgText(a[1], ctx);
  if (!text || !delim) return Value::Null();
  // The array owns a copy of the text, so it lives wholly in the arena.
  std::string_view s = ctx.arena->Store(*text);
  size_t n = 1;
  if (delim->empty()) {
    n = 0;
    for (size_t p = 0; p < s.size(); ++n) DecodeUtf8(s, &p);
  } else {
    for (size_t p = 0; (p = s.find(*delim, p)) != std::string_view::npos; p += delim->size()) ++n;
  }
  const JsonNode** items = ctx.arena->NewArray<const JsonNode*>(n);
  JsonNode* nodes = ctx.arena->NewArray<JsonNode>(n);
  size_t p = 0;
  for (size_t k = 0; k < n; ++k) {
    size_t end;
    if (delim->empty()) {
      end = p;
      DecodeUtf8(s, &end);
    } else {
      end = k + 1 == n ? s.size() : s.find(*delim, p);
    }
    nodes[k].type = JsonType::kString;
    nodes[k].s = s.substr(p, end - p);
    items[k] = &nodes[k];
    p = end + (delim->empty() ? 0 : delim->size());
  }
  JsonNode* array = ctx.arena->New<JsonNode>();
  array->type = JsonType::kArray;
  array->items = items;
  array->size = n;
  return Value::Json(array);
}

}  // namespace flowlens::query::scalar

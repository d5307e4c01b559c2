// General functions (ispresent, coalesce, case, if, isNumeric, messageSize,
// the query-window functions) and the argument helpers every family shares.
#include <cmath>

#include "query/functions/function_families.h"

namespace flowlens::query::scalar {
namespace {

bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}

// Reads exactly `n` digits at `*pos`.
bool ReadDigits(std::string_view s, size_t* pos, int n, int64_t* out) {
  if (*pos + n > s.size()) return false;
  int64_t v = 0;
  for (int k = 0; k < n; ++k) {
    char c = s[*pos + k];
    if (!IsDigit(c)) return false;
    v = v * 10 + (c - '0');
  }
  *pos += n;
  *out = v;
  return true;
}

// "YYYY-MM-DD[ T]HH:MM:SS[.fff][Z|+hh:mm]" -> epoch ms.
std::optional<int64_t> ParseTimestampText(std::string_view s) {
  size_t p = 0;
  int64_t y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0, ms = 0;
  if (!ReadDigits(s, &p, 4, &y) || p >= s.size() || s[p++] != '-') return std::nullopt;
  if (!ReadDigits(s, &p, 2, &mo) || p >= s.size() || s[p++] != '-') return std::nullopt;
  if (!ReadDigits(s, &p, 2, &d) || p >= s.size() || (s[p] != ' ' && s[p] != 'T')) {
    return std::nullopt;
  }
  ++p;
  if (!ReadDigits(s, &p, 2, &h) || p >= s.size() || s[p++] != ':') return std::nullopt;
  if (!ReadDigits(s, &p, 2, &mi) || p >= s.size() || s[p++] != ':') return std::nullopt;
  if (!ReadDigits(s, &p, 2, &sec)) return std::nullopt;
  if (p < s.size() && s[p] == '.') {
    ++p;
    int scale = 100, digits = 0;
    for (; p < s.size() && IsDigit(s[p]); ++p, ++digits) {
      ms += (s[p] - '0') * scale;
      scale /= 10;
    }
    if (digits == 0) return std::nullopt;
  }
  int64_t offset = 0;
  if (p < s.size()) {
    std::optional<int64_t> z = ParseZoneOffset(s.substr(p));
    if (!z) return std::nullopt;
    offset = *z;
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) return std::nullopt;
  int64_t days = DaysFromCivil(y, mo, d);
  return ((days * 24 + h) * 60 + mi) * 60000 + sec * 1000 + ms - offset;
}

}  // namespace

std::optional<std::string_view> ArgText(const Value& v, CallContext& ctx) {
  if (v.is_null() || v.type == ValueType::kJson) return std::nullopt;
  return ValueAsText(v, ctx.arena);
}

std::optional<int64_t> ArgInt(const Value& v) {
  std::optional<Number> n = AsNumber(v);
  if (!n) return std::nullopt;
  if (n->is_int) return n->i;
  double t = std::trunc(n->d);
  if (!(t >= -9223372036854775808.0 && t < 9223372036854775808.0)) return std::nullopt;
  return static_cast<int64_t>(t);
}

std::optional<int64_t> ArgEpochMs(const Value& v) {
  if (v.type == ValueType::kTimestamp) return v.i;
  if (v.type == ValueType::kBool) return std::nullopt;
  if (std::optional<int64_t> n = ArgInt(v)) return n;
  if (v.type == ValueType::kString) return ParseTimestampText(v.s);
  return std::nullopt;
}

std::string& Scratch() {
  thread_local std::string scratch;
  scratch.clear();
  return scratch;
}

Value StringResult(std::string_view s, CallContext& ctx) {
  return Value::String(ctx.arena->Store(s));
}

Value NumberResult(const Number& n) {
  return n.is_int ? Value::Int(n.i) : Value::Double(n.d);
}

Value FiniteResult(double d) {
  return std::isfinite(d) ? Value::Double(d) : Value::Null();
}

std::optional<int64_t> ParseZoneOffset(std::string_view tz) {
  for (std::string_view prefix : {"UTC", "GMT", "UT"}) {
    if (tz.substr(0, prefix.size()) == prefix) {
      tz.remove_prefix(prefix.size());
      break;
    }
  }
  if (tz.empty() || tz == "Z") return 0;
  if (tz[0] != '+' && tz[0] != '-') return std::nullopt;
  int sign = tz[0] == '-' ? -1 : 1;
  tz.remove_prefix(1);
  size_t p = 0;
  int64_t h = 0, m = 0;
  if (!ReadDigits(tz, &p, 2, &h)) {
    p = 0;
    if (!ReadDigits(tz, &p, 1, &h)) return std::nullopt;
  }
  if (p < tz.size() && tz[p] == ':') ++p;
  if (p < tz.size() && !ReadDigits(tz, &p, 2, &m)) return std::nullopt;
  if (p != tz.size() || h > 18 || m > 59) return std::nullopt;
  return sign * (h * 60 + m) * 60000;
}

Value IsPresent(Args a, CallContext&) {
  return Value::Bool(!a[0].is_null());
}

Value Coalesce(Args a, CallContext&) {
  for (const Value& v : a) {
    if (!v.is_null()) return v;
  }
  return Value::Null();
}

Value Case(Args a, CallContext&) {
  size_t pairs = a.size() / 2;
  for (size_t k = 0; k < pairs; ++k) {
    if (IsTrue(a[2 * k])) return a[2 * k + 1];
  }
  return a.size() % 2 == 1 ? a.back() : Value::Null();
}

Value If(Args a, CallContext&) {
  return IsTrue(a[0]) ? a[1] : a[2];
}

Value IsNumeric(Args a, CallContext&) {
  // A predicate: a missing value is simply not numeric. Bools are not numbers.
  const Value& v = a[0];
  if (v.type == ValueType::kBool) return Value::Bool(false);
  return Value::Bool(AsNumber(v).has_value());
}

Value MessageSize(Args a, CallContext&) {
  const Value& v = a[0];
  if (v.is_null()) return Value::Null();
  if (v.type == ValueType::kString) return Value::Int(static_cast<int64_t>(v.s.size()));
  std::string& buf = Scratch();
  AppendValueText(v, &buf);
  return Value::Int(static_cast<int64_t>(buf.size()));
}

Value QueryStartTime(Args, CallContext& ctx) {
  return ctx.times ? Value::Int(ctx.times->start_ms) : Value::Null();
}

Value QueryEndTime(Args, CallContext& ctx) {
  return ctx.times ? Value::Int(ctx.times->end_ms) : Value::Null();
}

Value QueryTimeRange(Args, CallContext& ctx) {
  return ctx.times ? Value::Int(ctx.times->end_ms - ctx.times->start_ms) : Value::Null();
}

}  // namespace flowlens::query::scalar

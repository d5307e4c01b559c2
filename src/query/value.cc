// Value semantics: number parsing, comparison, the natural sort order and the
// text rendering of every value type (docs/compat.md "Values").
#include "query/value.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <limits>

#include <fmt/format.h>

#include "query/json.h"

namespace flowlens::query {
namespace {

bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}

// Three-way comparison of two doubles with NaN equal to itself and greater
// than every number (Java Double.compare), so that sorting has a total order.
int CompareDoubles(double a, double b) {
  if (a < b) return -1;
  if (a > b) return 1;
  if (a == b) return 0;
  bool a_nan = std::isnan(a), b_nan = std::isnan(b);
  return a_nan == b_nan ? 0 : (a_nan ? 1 : -1);
}

// Exact comparison of an int64 with a double.
int CompareIntDouble(int64_t a, double b) {
  if (std::isnan(b)) return -1;
  if (b >= 9223372036854775808.0) return -1;
  if (b < -9223372036854775808.0) return 1;
  double t = std::trunc(b);
  int64_t bi = static_cast<int64_t>(t);
  if (a != bi) return a < bi ? -1 : 1;
  double frac = b - t;
  return frac > 0 ? -1 : (frac < 0 ? 1 : 0);
}

int CompareNumbers(const Number& a, const Number& b) {
  if (a.is_int && b.is_int) return a.i < b.i ? -1 : (a.i > b.i ? 1 : 0);
  if (a.is_int) return CompareIntDouble(a.i, b.d);
  if (b.is_int) return -CompareIntDouble(b.i, a.d);
  return CompareDoubles(a.d, b.d);
}

int Sign(int c) {
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

int CompareText(std::string_view a, std::string_view b) {
  return Sign(a.compare(b));
}

// Text of a value for comparisons: a string as is, anything else rendered
// into a per-thread buffer (`slot` 0 or 1, one per side), so comparing
// never allocates once the buffers have grown.
std::string_view TextForCompare(const Value& v, int slot) {
  if (v.type == ValueType::kString) return v.s;
  thread_local std::string buffers[2];
  std::string& buf = buffers[slot];
  buf.clear();
  AppendValueText(v, &buf);
  return buf;
}

// Natural order of two texts: digit runs by length, then by value; every
// other character by code point (UTF-8 byte order is code point order).
int NaturalCompareText(std::string_view a, std::string_view b) {
  size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    if (IsDigit(a[i]) && IsDigit(b[j])) {
      size_t ei = i, ej = j;
      while (ei < a.size() && IsDigit(a[ei])) ++ei;
      while (ej < b.size() && IsDigit(b[ej])) ++ej;
      size_t la = ei - i, lb = ej - j;
      if (la != lb) return la < lb ? -1 : 1;
      int c = std::memcmp(a.data() + i, b.data() + j, la);
      if (c != 0) return Sign(c);
      i = ei;
      j = ej;
      continue;
    }
    unsigned char ca = a[i], cb = b[j];
    if (ca != cb) return ca < cb ? -1 : 1;
    ++i;
    ++j;
  }
  if (i < a.size()) return 1;
  if (j < b.size()) return -1;
  return 0;
}

char* WriteDigits(char* p, int64_t v, int width) {
  char tmp[24];
  int n = 0;
  uint64_t u = v < 0 ? 0 - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
  do {
    tmp[n++] = static_cast<char>('0' + u % 10);
    u /= 10;
  } while (u != 0);
  if (v < 0) *p++ = '-';
  for (int k = n; k < width; ++k) *p++ = '0';
  while (n > 0) *p++ = tmp[--n];
  return p;
}

}  // namespace

std::optional<Number> ParseNumber(std::string_view text) {
  const char* p = text.data();
  const char* end = p + text.size();
  if (p == end) return std::nullopt;
  bool negative = false;
  if (*p == '+' || *p == '-') {
    negative = *p == '-';
    ++p;
  }
  const char* mantissa = p;
  const char* q = p;
  while (q < end && IsDigit(*q)) ++q;
  size_t int_digits = q - p;
  size_t frac_digits = 0;
  bool is_int = true;
  if (q < end && *q == '.') {
    is_int = false;
    const char* f = ++q;
    while (q < end && IsDigit(*q)) ++q;
    frac_digits = q - f;
  }
  if (int_digits + frac_digits == 0) return std::nullopt;
  if (q < end && (*q == 'e' || *q == 'E')) {
    is_int = false;
    ++q;
    if (q < end && (*q == '+' || *q == '-')) ++q;
    const char* e = q;
    while (q < end && IsDigit(*q)) ++q;
    if (q == e) return std::nullopt;
  }
  if (q != end) return std::nullopt;

  Number n;
  if (is_int) {
    uint64_t u = 0;
    auto [ptr, ec] = std::from_chars(mantissa, end, u);
    if (ec == std::errc() && ptr == end) {
      if (!negative && u <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        n.i = static_cast<int64_t>(u);
        return n;
      }
      if (negative && u <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) + 1) {
        n.i = static_cast<int64_t>(0 - u);
        return n;
      }
    }
  }
  n.is_int = false;
  double d = 0;
  auto [ptr, ec] = std::from_chars(mantissa, end, d);
  if (ec == std::errc::result_out_of_range) {
    // Beyond the double range: strtod saturates to infinity or underflows to 0.
    std::string copy(mantissa, end);
    d = std::strtod(copy.c_str(), nullptr);
  } else if (ec != std::errc() || ptr != end) {
    return std::nullopt;
  }
  n.d = negative ? -d : d;
  return n;
}

std::optional<Number> AsNumber(const Value& v) {
  Number n;
  switch (v.type) {
    case ValueType::kInt:
    case ValueType::kBool:
    case ValueType::kTimestamp:
      n.i = v.i;
      return n;
    case ValueType::kDouble:
      n.is_int = false;
      n.d = v.d;
      return n;
    case ValueType::kString:
      return ParseNumber(v.s);
    default:
      return std::nullopt;
  }
}

bool IsTrue(const Value& v) {
  switch (v.type) {
    case ValueType::kBool:
    case ValueType::kInt:
    case ValueType::kTimestamp:
      return v.i != 0;
    case ValueType::kDouble:
      return v.d != 0 && !std::isnan(v.d);
    default:
      return false;
  }
}

std::optional<int> CompareValues(const Value& a, const Value& b) {
  if (a.is_null() || b.is_null() || a.type == ValueType::kJson || b.type == ValueType::kJson) {
    return std::nullopt;
  }
  if (a.type == ValueType::kAddress && b.type == ValueType::kAddress && a.ip == b.ip) return 0;
  std::optional<Number> na = AsNumber(a);
  if (na) {
    std::optional<Number> nb = AsNumber(b);
    if (nb) return CompareNumbers(*na, *nb);
  }
  return CompareText(TextForCompare(a, 0), TextForCompare(b, 1));
}

bool ValuesEqual(const Value& a, const Value& b) {
  std::optional<int> c = CompareValues(a, b);
  return c && *c == 0;
}

int NaturalCompare(const Value& a, const Value& b) {
  if (a.is_null() || b.is_null()) return a.is_null() == b.is_null() ? 0 : (a.is_null() ? 1 : -1);
  return NaturalCompareParsed(a, AsNumber(a), b, AsNumber(b));
}

int NaturalCompareParsed(const Value& a, const std::optional<Number>& na, const Value& b,
                         const std::optional<Number>& nb) {
  if (na.has_value() != nb.has_value()) return na ? 1 : -1;
  if (na) {
    int c = CompareNumbers(*na, *nb);
    if (c != 0) return c;
    // Equal numbers: tie-break on the text ("0" < "01") so the order stays a
    // strict weak order; two non-string values of one exact type render alike.
    if (a.type == b.type && a.type != ValueType::kString && a.type != ValueType::kDouble) return 0;
    return CompareText(TextForCompare(a, 0), TextForCompare(b, 1));
  }
  if (a.type == ValueType::kString && b.type == ValueType::kString) {
    return NaturalCompareText(a.s, b.s);
  }
  if (a.type == ValueType::kAddress && b.type == ValueType::kAddress && !a.ip.v6 && !b.ip.v6) {
    // Dotted quads in natural order are in numeric order: skip the text.
    return a.ip < b.ip ? -1 : (b.ip < a.ip ? 1 : 0);
  }
  return NaturalCompareText(TextForCompare(a, 0), TextForCompare(b, 1));
}

void AppendDoubleText(double d, std::string* out) {
  if (std::isnan(d)) {
    out->append("NaN");
  } else if (std::isinf(d)) {
    out->append(d > 0 ? "Infinity" : "-Infinity");
  } else if (d == std::trunc(d) && std::fabs(d) < 1e15) {
    fmt::format_to(std::back_inserter(*out), "{}", static_cast<int64_t>(d));
  } else {
    fmt::format_to(std::back_inserter(*out), "{}", d);
  }
}

void AppendTimestampText(int64_t ms, std::string* out) {
  // Floor division so that negative epochs land on the previous day.
  int64_t days = ms / 86400000;
  int64_t rem = ms % 86400000;
  if (rem < 0) {
    rem += 86400000;
    --days;
  }
  int64_t year, month, day;
  CivilFromDays(days, &year, &month, &day);
  char buf[48];
  char* p = WriteDigits(buf, year, 4);
  *p++ = '-';
  p = WriteDigits(p, month, 2);
  *p++ = '-';
  p = WriteDigits(p, day, 2);
  *p++ = ' ';
  p = WriteDigits(p, rem / 3600000, 2);
  *p++ = ':';
  p = WriteDigits(p, rem / 60000 % 60, 2);
  *p++ = ':';
  p = WriteDigits(p, rem / 1000 % 60, 2);
  *p++ = '.';
  p = WriteDigits(p, rem % 1000, 3);
  out->append(buf, p - buf);
}

void CivilFromDays(int64_t days, int64_t* year, int64_t* month, int64_t* day) {
  // Howard Hinnant's civil_from_days, proleptic Gregorian calendar.
  int64_t z = days + 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  *day = doy - (153 * mp + 2) / 5 + 1;
  *month = mp < 10 ? mp + 3 : mp - 9;
  *year = yoe + era * 400 + (*month <= 2 ? 1 : 0);
}

int64_t DaysFromCivil(int64_t year, int64_t month, int64_t day) {
  year -= month <= 2 ? 1 : 0;
  int64_t era = (year >= 0 ? year : year - 399) / 400;
  int64_t yoe = year - era * 400;
  int64_t doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

void AppendValueText(const Value& v, std::string* out) {
  switch (v.type) {
    case ValueType::kNull:
      return;
    case ValueType::kBool:
      out->append(v.i ? "true" : "false");
      return;
    case ValueType::kInt: {
      char buf[24];
      out->append(buf, WriteDigits(buf, v.i, 1) - buf);
      return;
    }
    case ValueType::kDouble:
      AppendDoubleText(v.d, out);
      return;
    case ValueType::kString:
      out->append(v.s);
      return;
    case ValueType::kTimestamp:
      AppendTimestampText(v.i, out);
      return;
    case ValueType::kAddress: {
      char buf[IpAddress::kMaxTextLength];
      out->append(buf, v.ip.Format(buf));
      return;
    }
    case ValueType::kJson:
      AppendJson(v.json, out);
      return;
  }
}

std::string ValueToText(const Value& v) {
  std::string out;
  AppendValueText(v, &out);
  return out;
}

std::string_view ValueAsText(const Value& v, Arena* arena) {
  if (v.type == ValueType::kString) return v.s;
  if (v.type == ValueType::kNull) return {};
  if (v.type == ValueType::kBool) return v.i ? "true" : "false";
  thread_local std::string scratch;
  scratch.clear();
  AppendValueText(v, &scratch);
  return arena->Store(scratch);
}

}  // namespace flowlens::query

// parseDate(s, javaPattern [, tz]) and formatDate/strftime(ts, format [, tz]).
//
// parseDate understands this subset of java.time.DateTimeFormatter letters:
// y/u (yyyy exactly 4 digits, yy 20xx, y any 1-9), M/MM/MMM/MMMM, d/dd, H/HH,
// h/hh with a, m/mm, s/ss, S.. (fraction, as many digits as letters), E/EEEE
// (day name, checked for form only), Z/X/x (offsets +hh, +hhmm, +hh:mm, and
// "Z" for X), 'quoted literal' and '' for a quote; any other non-letter
// matches itself. Missing date parts default to 1970-01-01, time parts to 0.
// An offset in the text wins over the tz argument, which wins over UTC.
// Zone names (z, VV) are not supported: such patterns give null.
//
// formatDate understands %Y %y %C %m %d %e %H %I %M %S %L (ms) %f (us) %p %j
// %a %A %b %h %B %F %T %D %R %s %z %Z %u %w %n %t %%; others are copied.
#include <algorithm>

#include "query/functions/function_families.h"

namespace flowlens::query::scalar {
namespace {

constexpr std::string_view kMonths[] = {"January",   "February", "March",    "April",
                                        "May",       "June",     "July",     "August",
                                        "September", "October",  "November", "December"};
constexpr std::string_view kDays[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                      "Thursday", "Friday", "Saturday"};

bool IsLetter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if ((a[i] | 0x20) != (b[i] | 0x20)) return false;
  }
  return true;
}

int64_t DaysInMonth(int64_t year, int64_t month) {
  static constexpr int kDaysIn[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDaysIn[month - 1];
}

struct Parser {
  std::string_view in;
  size_t pos = 0;

  // Between min_digits and max_digits digits.
  bool Number(int min_digits, int max_digits, int64_t* out) {
    int64_t v = 0;
    int n = 0;
    while (n < max_digits && pos < in.size() && IsDigit(in[pos])) {
      v = v * 10 + (in[pos++] - '0');
      ++n;
    }
    *out = v;
    return n >= min_digits;
  }

  // A name from `names` in full or by its first three letters; index out.
  bool Name(std::span<const std::string_view> names, bool full, int64_t* out) {
    for (size_t k = 0; k < names.size(); ++k) {
      std::string_view name = full ? names[k] : names[k].substr(0, 3);
      if (EqualsIgnoreCase(in.substr(pos, name.size()), name)) {
        pos += name.size();
        *out = static_cast<int64_t>(k);
        return true;
      }
    }
    return false;
  }

  // +hh, +hhmm, +hh:mm (and "Z" when allow_z).
  bool Offset(bool allow_z, int64_t* out_ms) {
    if (allow_z && pos < in.size() && in[pos] == 'Z') {
      ++pos;
      *out_ms = 0;
      return true;
    }
    if (pos >= in.size() || (in[pos] != '+' && in[pos] != '-')) return false;
    int sign = in[pos++] == '-' ? -1 : 1;
    int64_t h, m = 0;
    if (!Number(2, 2, &h)) return false;
    if (pos < in.size() && in[pos] == ':') ++pos;
    if (pos < in.size() && IsDigit(in[pos]) && !Number(2, 2, &m)) return false;
    if (h > 18 || m > 59) return false;
    *out_ms = sign * (h * 60 + m) * 60000;
    return true;
  }
};

struct Fields {
  int64_t year = 1970, month = 1, day = 1, hour = 0, minute = 0, second = 0, ms = 0;
  int64_t pm = -1;  // -1: no AM/PM field
  bool twelve_hour = false;
  std::optional<int64_t> offset_ms;
};

// Matches one run of `count` copies of pattern letter `letter`.
bool ParseField(char letter, int count, Parser& p, Fields& f) {
  switch (letter) {
    case 'y':
    case 'u':
      if (count == 2) {
        if (!p.Number(2, 2, &f.year)) return false;
        f.year += 2000;
        return true;
      }
      return count == 4 ? p.Number(4, 4, &f.year) : p.Number(1, 9, &f.year);
    case 'M':
      if (count >= 3) {
        if (!p.Name(kMonths, count >= 4, &f.month)) return false;
        ++f.month;
        return true;
      }
      return p.Number(count, 2, &f.month);
    case 'd':
      return p.Number(count, 2, &f.day);
    case 'H':
      return p.Number(count, 2, &f.hour);
    case 'h':
      f.twelve_hour = true;
      return p.Number(count, 2, &f.hour);
    case 'm':
      return p.Number(count, 2, &f.minute);
    case 's':
      return p.Number(count, 2, &f.second);
    case 'S': {
      int64_t frac;
      size_t start = p.pos;
      if (count > 9) return false;
      if (!p.Number(count, count, &frac)) return false;
      std::string_view digits = p.in.substr(start, count);
      f.ms = 0;
      for (int k = 0; k < 3; ++k) f.ms = f.ms * 10 + (k < count ? digits[k] - '0' : 0);
      return true;
    }
    case 'a':
      if (EqualsIgnoreCase(p.in.substr(p.pos, 2), "AM")) {
        f.pm = 0;
      } else if (EqualsIgnoreCase(p.in.substr(p.pos, 2), "PM")) {
        f.pm = 1;
      } else {
        return false;
      }
      p.pos += 2;
      return true;
    case 'E': {
      int64_t ignored;
      return p.Name(kDays, count >= 4, &ignored);
    }
    case 'Z':
    case 'X':
    case 'x': {
      int64_t off;
      if (!p.Offset(letter == 'X' || (letter == 'Z' && count >= 4), &off)) return false;
      f.offset_ms = off;
      return true;
    }
    default:
      return false;  // unsupported letter (zone names and the like)
  }
}

std::optional<int64_t> ParseWithPattern(std::string_view text, std::string_view pattern,
                                        int64_t default_offset) {
  Parser p{text};
  Fields f;
  for (size_t i = 0; i < pattern.size();) {
    char c = pattern[i];
    if (IsLetter(c)) {
      size_t j = i;
      while (j < pattern.size() && pattern[j] == c) ++j;
      if (!ParseField(c, static_cast<int>(j - i), p, f)) return std::nullopt;
      i = j;
    } else if (c == '\'') {
      size_t j = i + 1;
      if (j < pattern.size() && pattern[j] == '\'') {  // '' is a quote
        if (p.pos >= text.size() || text[p.pos++] != '\'') return std::nullopt;
        i = j + 1;
        continue;
      }
      for (; j < pattern.size(); ++j) {
        if (pattern[j] == '\'') {
          if (j + 1 < pattern.size() && pattern[j + 1] == '\'') {
            ++j;  // '' inside a literal is a quote
          } else {
            break;
          }
        }
        if (p.pos >= text.size() || text[p.pos++] != pattern[j]) return std::nullopt;
      }
      i = j + 1;
    } else {
      if (p.pos >= text.size() || text[p.pos++] != c) return std::nullopt;
      ++i;
    }
  }
  if (p.pos != text.size()) return std::nullopt;
  if (f.twelve_hour || f.pm >= 0) {
    if (f.twelve_hour && (f.hour < 1 || f.hour > 12)) return std::nullopt;
    if (f.pm >= 0) f.hour = f.hour % 12 + (f.pm ? 12 : 0);
  }
  if (f.month < 1 || f.month > 12 || f.day < 1 || f.day > DaysInMonth(f.year, f.month) ||
      f.hour > 23 || f.minute > 59 || f.second > 59) {
    return std::nullopt;
  }
  int64_t days = DaysFromCivil(f.year, f.month, f.day);
  int64_t local = ((days * 24 + f.hour) * 60 + f.minute) * 60000 + f.second * 1000 + f.ms;
  return local - f.offset_ms.value_or(default_offset);
}

void AppendPadded(int64_t v, int width, char pad, std::string* out) {
  char buf[24];
  int n = 0;
  bool negative = v < 0;
  uint64_t u = negative ? 0 - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
  do {
    buf[n++] = static_cast<char>('0' + u % 10);
    u /= 10;
  } while (u != 0);
  if (negative) out->push_back('-');
  for (int k = n; k < width; ++k) out->push_back(pad);
  while (n > 0) out->push_back(buf[--n]);
}

void AppendOffset(int64_t offset_ms, bool colon, std::string* out) {
  int64_t minutes = (offset_ms < 0 ? -offset_ms : offset_ms) / 60000;
  out->push_back(offset_ms < 0 ? '-' : '+');
  AppendPadded(minutes / 60, 2, '0', out);
  if (colon) out->push_back(':');
  AppendPadded(minutes % 60, 2, '0', out);
}

void Format(int64_t ms, int64_t offset_ms, std::string_view fmt, std::string* out) {
  int64_t local = ms + offset_ms;
  int64_t days = local / 86400000, rem = local % 86400000;
  if (rem < 0) {
    rem += 86400000;
    --days;
  }
  int64_t y, mo, d;
  CivilFromDays(days, &y, &mo, &d);
  int64_t h = rem / 3600000, milli = rem % 1000;
  int64_t wday = ((days + 4) % 7 + 7) % 7;  // 1970-01-01 was a Thursday
  // Numeric conversions: value, minimum width, padding.
  const struct {
    char conv;
    int64_t value;
    int width;
    char pad;
  } numbers[] = {{'Y', y, 4, '0'},
                 {'y', (y % 100 + 100) % 100, 2, '0'},
                 {'C', y / 100, 2, '0'},
                 {'m', mo, 2, '0'},
                 {'d', d, 2, '0'},
                 {'e', d, 2, ' '},
                 {'H', h, 2, '0'},
                 {'I', h % 12 == 0 ? 12 : h % 12, 2, '0'},
                 {'M', rem / 60000 % 60, 2, '0'},
                 {'S', rem / 1000 % 60, 2, '0'},
                 {'L', milli, 3, '0'},
                 {'f', milli * 1000, 6, '0'},
                 {'j', days - DaysFromCivil(y, 1, 1) + 1, 3, '0'},
                 {'s', ms / 1000 - (ms % 1000 < 0 ? 1 : 0), 1, '0'},
                 {'u', wday == 0 ? 7 : wday, 1, '0'},
                 {'w', wday, 1, '0'}};
  // Text conversions and the composite ones, which expand recursively.
  const struct {
    char conv;
    std::string_view text;
    bool expand;
  } texts[] = {{'p', h < 12 ? "AM" : "PM", false},
               {'a', kDays[wday].substr(0, 3), false},
               {'A', kDays[wday], false},
               {'b', kMonths[mo - 1].substr(0, 3), false},
               {'h', kMonths[mo - 1].substr(0, 3), false},
               {'B', kMonths[mo - 1], false},
               {'n', "\n", false},
               {'t', "\t", false},
               {'%', "%", false},
               {'F', "%Y-%m-%d", true},
               {'T', "%H:%M:%S", true},
               {'D', "%m/%d/%y", true},
               {'R', "%H:%M", true}};
  for (size_t i = 0; i < fmt.size(); ++i) {
    if (fmt[i] != '%' || i + 1 == fmt.size()) {
      out->push_back(fmt[i]);
      continue;
    }
    char c = fmt[++i];
    bool done = false;
    for (const auto& n : numbers) {
      if (n.conv == c) {
        AppendPadded(n.value, n.width, n.pad, out);
        done = true;
      }
    }
    for (const auto& t : texts) {
      if (t.conv != c) continue;
      if (t.expand) {
        Format(ms, offset_ms, t.text, out);
      } else {
        out->append(t.text);
      }
      done = true;
    }
    if (done) continue;
    if (c == 'z' || (c == 'Z' && offset_ms != 0)) {
      AppendOffset(offset_ms, c == 'Z', out);
    } else if (c == 'Z') {
      out->append("UTC");
    } else {
      out->push_back('%');
      out->push_back(c);
    }
  }
}

// The optional third argument, a zone offset in ms (0 when absent); nullopt
// when it is given but not understood.
std::optional<int64_t> ZoneArg(Args a, CallContext& ctx) {
  if (a.size() < 3) return 0;
  std::optional<std::string_view> tz = ArgText(a[2], ctx);
  return tz ? ParseZoneOffset(*tz) : std::nullopt;
}

}  // namespace

Value ParseDate(Args a, CallContext& ctx) {
  std::optional<std::string_view> s = ArgText(a[0], ctx);
  std::optional<std::string_view> pattern = ArgText(a[1], ctx);
  std::optional<int64_t> offset = ZoneArg(a, ctx);
  if (!s || !pattern || !offset) return Value::Null();
  std::optional<int64_t> ms = ParseWithPattern(*s, *pattern, *offset);
  return ms ? Value::Int(*ms) : Value::Null();
}

Value FormatDate(Args a, CallContext& ctx) {
  std::optional<int64_t> ms = ArgEpochMs(a[0]);
  std::optional<std::string_view> fmt = ArgText(a[1], ctx);
  std::optional<int64_t> offset = ZoneArg(a, ctx);
  if (!ms || !fmt || !offset) return Value::Null();
  // Keep the local time computation inside the int64 range.
  if (*ms > INT64_MAX / 2 || *ms < INT64_MIN / 2) return Value::Null();
  std::string& out = Scratch();
  Format(*ms, *offset, *fmt, &out);
  return StringResult(out, ctx);
}

}  // namespace flowlens::query::scalar

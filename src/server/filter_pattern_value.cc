// Filter patterns: numbers, wildcard strings and the comparison of one field
// text with a literal, shared by space-delimited and JSON patterns.
#include <string.h>  // memmem (GNU)

#include <charconv>
#include <cmath>

#include "server/filter_pattern_program.h"

namespace flowlens::server::filter_pattern {

namespace {
bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}
}  // namespace

std::optional<Number> ParseNumber(std::string_view text) {
  size_t i = 0;
  const size_t n = text.size();
  bool negative = false;
  if (i < n && (text[i] == '+' || text[i] == '-')) negative = text[i++] == '-';
  size_t int_begin = i;
  while (i < n && IsDigit(text[i])) ++i;
  size_t int_digits = i - int_begin;
  size_t frac_digits = 0;
  bool is_int = true;
  if (i < n && text[i] == '.') {
    is_int = false;
    size_t frac_begin = ++i;
    while (i < n && IsDigit(text[i])) ++i;
    frac_digits = i - frac_begin;
  }
  if (int_digits + frac_digits == 0) return std::nullopt;
  if (i < n && (text[i] == 'e' || text[i] == 'E')) {
    is_int = false;
    ++i;
    if (i < n && (text[i] == '+' || text[i] == '-')) ++i;
    size_t exp_begin = i;
    while (i < n && IsDigit(text[i])) ++i;
    if (i == exp_begin) return std::nullopt;
  }
  if (i != n) return std::nullopt;

  Number num;
  const char* first = text.data() + int_begin;  // past the sign: from_chars takes no '+'
  const char* last = text.data() + n;
  if (is_int) {
    uint64_t u = 0;
    auto [p, ec] = std::from_chars(first, last, u);
    if (ec == std::errc() && p == last &&
        u <= (negative ? uint64_t{1} << 63 : static_cast<uint64_t>(INT64_MAX))) {
      num.is_int = true;
      num.i = negative ? static_cast<int64_t>(0 - u) : static_cast<int64_t>(u);
      num.d = static_cast<double>(num.i);
      return num;
    }
  }
  double d = 0;
  auto [p, ec] = std::from_chars(first, last, d);
  if (p != last) return std::nullopt;
  if (ec == std::errc::result_out_of_range) {
    // Overflow reads as infinity, underflow as zero (from_chars leaves d unset).
    size_t e = std::string_view(first, static_cast<size_t>(last - first)).find_first_of("eE");
    bool tiny = e != std::string_view::npos && e + 1 < static_cast<size_t>(last - first) &&
                first[e + 1] == '-';
    d = tiny ? 0.0 : HUGE_VAL;
  } else if (ec != std::errc()) {
    return std::nullopt;
  }
  num.d = negative ? -d : d;
  return num;
}

int CompareNumbers(const Number& a, const Number& b) {
  if (a.is_int && b.is_int) return a.i < b.i ? -1 : (a.i > b.i ? 1 : 0);
  return a.d < b.d ? -1 : (a.d > b.d ? 1 : 0);
}

bool Contains(std::string_view text, std::string_view needle) {
  if (needle.empty()) return true;
  if (needle.size() > text.size()) return false;
  return memmem(text.data(), text.size(), needle.data(), needle.size()) != nullptr;
}

bool WildcardMatch(std::string_view text, std::string_view needle, bool any_prefix,
                   bool any_suffix) {
  if (any_prefix && any_suffix) return Contains(text, needle);
  if (any_prefix) return text.ends_with(needle);
  if (any_suffix) return text.starts_with(needle);
  return text == needle;
}

bool CompareText(std::string_view field, Op op, const Literal& value) {
  switch (value.kind) {
    case Literal::Kind::kAny:
      return op == Op::kEq;
    case Literal::Kind::kRegex: {
      bool found = re2::RE2::PartialMatch(field, *value.regex);
      return op == Op::kEq ? found : (op == Op::kNe && !found);
    }
    case Literal::Kind::kText:
      break;
  }
  if (op == Op::kEq || op == Op::kNe) {
    bool equal;
    if (value.number.has_value() && field != value.text) {
      std::optional<Number> f = ParseNumber(field);
      equal = f.has_value() && CompareNumbers(*f, *value.number) == 0;
    } else {
      equal = WildcardMatch(field, value.text, value.any_prefix, value.any_suffix);
    }
    return op == Op::kEq ? equal : !equal;
  }
  // Ordering: both sides must be numbers (the parser guarantees the literal is).
  if (!value.number.has_value()) return false;
  std::optional<Number> f = ParseNumber(field);
  return f.has_value() && CompareNumber(*f, op, *value.number);
}

bool CompareNumber(const Number& field, Op op, const Number& value) {
  int c = CompareNumbers(field, value);
  switch (op) {
    case Op::kEq:
      return c == 0;
    case Op::kNe:
      return c != 0;
    case Op::kLt:
      return c < 0;
    case Op::kLe:
      return c <= 0;
    case Op::kGt:
      return c > 0;
    case Op::kGe:
      return c >= 0;
    default:
      return false;
  }
}

}  // namespace flowlens::server::filter_pattern

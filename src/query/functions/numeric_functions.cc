// Numeric functions: abs ceil floor greatest least log sqrt round haversine
// toNumber toInt toLong toDouble. Integers stay exact where the result is a
// whole number; a result that is not a finite number is null.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "query/functions/function_families.h"

namespace flowlens::query::scalar {
namespace {

constexpr double kTwo63 = 9223372036854775808.0;

// A whole double as an Int when it fits, else as a Double (null if not finite).
Value WholeResult(double d) {
  if (d >= -kTwo63 && d < kTwo63) return Value::Int(static_cast<int64_t>(d));
  return FiniteResult(d);
}

// Rounds `x` to `digits` decimals, half away from zero, on its shortest
// decimal representation, so that round(1.005, 2) is 1.01 as a person
// reading "1.005" expects (BigDecimal semantics rather than binary).
double RoundDecimal(double x, int digits) {
  if (!std::isfinite(x) || x == 0) return x;
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof(buf), std::fabs(x), std::chars_format::scientific);
  // buf holds "D[.DDD]e[+-]XX": mantissa digits and a decimal exponent.
  char mantissa[32];
  int n = 0;
  const char* p = buf;
  for (; p < res.ptr && *p != 'e'; ++p) {
    if (*p != '.') mantissa[n++] = *p;
  }
  int exponent = 0;
  std::from_chars(p + 1 + (p[1] == '+' ? 1 : 0), res.ptr, exponent);
  // value = 0.mantissa * 10^(exponent + 1); keep this many leading digits.
  int keep = exponent + 1 + digits;
  if (keep >= n) return x;
  if (keep < 0) return 0.0;
  uint64_t r = 0;
  for (int k = 0; k < keep; ++k) r = r * 10 + (mantissa[k] - '0');
  if (mantissa[keep] >= '5') ++r;
  if (r == 0) return 0.0;
  char out[64];
  auto end = fmt::format_to(out, "{}e{}", r, -digits);
  double d = 0;
  std::from_chars(out, end, d);
  return x < 0 ? -d : d;
}

Value RoundInt(int64_t x, int64_t digits) {
  if (digits >= 0) return Value::Int(x);
  if (digits < -18) return Value::Int(0);
  int64_t p = 1;
  for (int64_t k = 0; k < -digits; ++k) p *= 10;
  int64_t q = x / p, rem = x % p;
  // |rem| * 2 >= p without overflow: |rem| >= p - |rem|.
  int64_t abs_rem = rem < 0 ? -rem : rem;
  if (abs_rem >= p - abs_rem) q += x < 0 ? -1 : 1;
  int64_t out;
  if (__builtin_mul_overflow(q, p, &out)) return Value::Double(static_cast<double>(q) * p);
  return Value::Int(out);
}

// A numeric argument: numbers, timestamps (ms) and numeric strings; bools
// are not numbers here.
std::optional<Number> ArgNum(const Value& v) {
  if (v.type == ValueType::kBool) return std::nullopt;
  return AsNumber(v);
}

// Fold for greatest/least: null if any argument is null or not a number.
Value Extreme(Args a, int want) {
  Value best;
  for (const Value& v : a) {
    std::optional<Number> n = ArgNum(v);
    if (!n) return Value::Null();
    Value cur = NumberResult(*n);
    if (best.is_null() || *CompareValues(cur, best) * want > 0) best = cur;
  }
  return best;
}

std::optional<double> ArgDouble(const Value& v) {
  std::optional<Number> n = ArgNum(v);
  if (!n) return std::nullopt;
  return n->as_double();
}

}  // namespace

Value Abs(Args a, CallContext&) {
  std::optional<Number> n = ArgNum(a[0]);
  if (!n) return Value::Null();
  if (!n->is_int) return Value::Double(std::fabs(n->d));
  if (n->i == std::numeric_limits<int64_t>::min()) return Value::Double(kTwo63);
  return Value::Int(n->i < 0 ? -n->i : n->i);
}

Value Ceil(Args a, CallContext&) {
  std::optional<Number> n = ArgNum(a[0]);
  if (!n) return Value::Null();
  return n->is_int ? Value::Int(n->i) : WholeResult(std::ceil(n->d));
}

Value Floor(Args a, CallContext&) {
  std::optional<Number> n = ArgNum(a[0]);
  if (!n) return Value::Null();
  return n->is_int ? Value::Int(n->i) : WholeResult(std::floor(n->d));
}

Value Greatest(Args a, CallContext&) {
  return Extreme(a, 1);
}
Value Least(Args a, CallContext&) {
  return Extreme(a, -1);
}

Value Log(Args a, CallContext&) {
  std::optional<double> d = ArgDouble(a[0]);
  if (!d || *d <= 0) return Value::Null();
  return FiniteResult(std::log(*d));
}

Value Sqrt(Args a, CallContext&) {
  std::optional<double> d = ArgDouble(a[0]);
  if (!d || *d < 0) return Value::Null();
  return FiniteResult(std::sqrt(*d));
}

Value Round(Args a, CallContext&) {
  std::optional<Number> n = ArgNum(a[0]);
  if (!n) return Value::Null();
  if (a.size() < 2) return n->is_int ? Value::Int(n->i) : WholeResult(std::round(n->d));
  std::optional<int64_t> digits = ArgInt(a[1]);
  if (!digits) return Value::Null();
  if (n->is_int) return RoundInt(n->i, *digits);
  int d = static_cast<int>(std::clamp<int64_t>(*digits, -400, 400));
  return FiniteResult(RoundDecimal(n->d, d));
}

Value Haversine(Args a, CallContext&) {
  // Great-circle distance in kilometres on a sphere of the mean Earth radius.
  constexpr double kEarthRadiusKm = 6371.0;
  constexpr double kRad = 3.14159265358979323846 / 180.0;
  double c[4];
  for (int k = 0; k < 4; ++k) {
    std::optional<double> d = ArgDouble(a[k]);
    if (!d) return Value::Null();
    c[k] = *d * kRad;
  }
  double dlat = c[2] - c[0], dlon = c[3] - c[1];
  double h = std::sin(dlat / 2) * std::sin(dlat / 2) +
             std::cos(c[0]) * std::cos(c[2]) * std::sin(dlon / 2) * std::sin(dlon / 2);
  h = std::clamp(h, 0.0, 1.0);
  return FiniteResult(2 * kEarthRadiusKm * std::asin(std::sqrt(h)));
}

Value ToNumber(Args a, CallContext&) {
  std::optional<Number> n = ArgNum(a[0]);
  if (!n) return Value::Null();
  return n->is_int ? Value::Int(n->i) : FiniteResult(n->d);
}

Value ToInt(Args a, CallContext&) {
  std::optional<int64_t> i = ArgInt(a[0]);
  if (!i || a[0].type == ValueType::kBool) return Value::Null();
  if (*i < std::numeric_limits<int32_t>::min() || *i > std::numeric_limits<int32_t>::max()) {
    return Value::Null();
  }
  return Value::Int(*i);
}

Value ToLong(Args a, CallContext&) {
  std::optional<int64_t> i = ArgInt(a[0]);
  if (!i || a[0].type == ValueType::kBool) return Value::Null();
  return Value::Int(*i);
}

Value ToDouble(Args a, CallContext&) {
  std::optional<double> d = ArgDouble(a[0]);
  if (!d) return Value::Null();
  return FiniteResult(*d);
}

}  // namespace flowlens::query::scalar

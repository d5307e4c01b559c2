// Value: one dynamically typed query value, as Logs Insights sees values.
//
// Types: null (a missing field), bool, int (64-bit), double, string,
// timestamp (epoch milliseconds), IP address, and JSON (a map or list made by
// jsonParse). Strings and JSON are views: they point into the input buffer or
// an Arena that outlives the Value (the batch's or the query result's).
//
// The dynamic-typing rules (docs/compat.md "Values"):
// - A string that looks like a number (an optional sign, digits, an optional
//   fraction and exponent, nothing else) takes part in arithmetic, numeric
//   comparison and numeric aggregation as that number.
// - Comparing two values: if both are numeric (numbers, numeric-looking
//   strings, timestamps) they compare as numbers; otherwise as text.
// - A comparison or a function over a missing value yields null, and a null
//   condition keeps no event (filter x != 1 drops events without x).
//
// Thread safety: a plain value.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/arena.h"
#include "common/ip_address.h"

namespace flowlens::query {

struct JsonNode;  // json.h

enum class ValueType : uint8_t {
  kNull,
  kBool,
  kInt,
  kDouble,
  kString,
  kTimestamp,
  kAddress,
  kJson
};

struct Value {
  ValueType type = ValueType::kNull;
  union {
    int64_t i = 0;         // kInt, kBool (0/1), kTimestamp (ms)
    double d;              // kDouble
    const JsonNode* json;  // kJson
  };
  std::string_view s;  // kString
  IpAddress ip;        // kAddress

  static Value Null() { return Value(); }
  static Value Bool(bool b) {
    Value v;
    v.type = ValueType::kBool;
    v.i = b;
    return v;
  }
  static Value Int(int64_t x) {
    Value v;
    v.type = ValueType::kInt;
    v.i = x;
    return v;
  }
  static Value Double(double x) {
    Value v;
    v.type = ValueType::kDouble;
    v.d = x;
    return v;
  }
  static Value String(std::string_view x) {
    Value v;
    v.type = ValueType::kString;
    v.s = x;
    return v;
  }
  static Value Timestamp(int64_t ms) {
    Value v;
    v.type = ValueType::kTimestamp;
    v.i = ms;
    return v;
  }
  static Value Address(const IpAddress& a) {
    Value v;
    v.type = ValueType::kAddress;
    v.ip = a;
    return v;
  }
  static Value Json(const JsonNode* n) {
    Value v;
    v.type = ValueType::kJson;
    v.json = n;
    return v;
  }

  bool is_null() const { return type == ValueType::kNull; }
  bool is_numeric_type() const {
    return type == ValueType::kInt || type == ValueType::kDouble || type == ValueType::kTimestamp;
  }
};

// A number parsed from a value: ints stay exact.
struct Number {
  bool is_int = true;
  int64_t i = 0;
  double d = 0;
  double as_double() const { return is_int ? static_cast<double>(i) : d; }
};

// Parses text that looks like a number ("42", "-3.5", "1e3", " 7 " is not).
std::optional<Number> ParseNumber(std::string_view text);
// The number a value stands for: ints, doubles, timestamps (ms), bools, and
// numeric-looking strings. nullopt for anything else.
std::optional<Number> AsNumber(const Value& v);
// Truthiness for filter: bools, non-zero numbers; null and others are false.
bool IsTrue(const Value& v);

// Three-way comparison under the dynamic-typing rules; nullopt when either
// side is null or a JSON value (the comparison is then null).
std::optional<int> CompareValues(const Value& a, const Value& b);
bool ValuesEqual(const Value& a, const Value& b);  // false when either is null

// The Logs Insights "natural" sort order used by sort, sortsFirst/sortsLast and
// min/max on text: non-numbers before numbers; text compared chunk-wise
// (digit runs by length then value, other runs by code point). Nulls sort
// last in ascending order. Returns <0, 0, >0.
int NaturalCompare(const Value& a, const Value& b);
// NaturalCompare of two present values whose AsNumber results are given, for
// callers that compare one value many times (a sort parses each value once).
int NaturalCompareParsed(const Value& a, const std::optional<Number>& na, const Value& b,
                         const std::optional<Number>& nb);

// Renders a value as GetQueryResults does: ints plain, doubles in shortest
// round-trip form (integral doubles without ".0"), timestamps
// "YYYY-MM-DD HH:MM:SS.mmm" UTC, addresses canonical, JSON as compact JSON.
void AppendValueText(const Value& v, std::string* out);
std::string ValueToText(const Value& v);
// The text a string function sees for a value (same as AppendValueText but a
// string value is returned as a view without copying when possible).
std::string_view ValueAsText(const Value& v, Arena* arena);

// "YYYY-MM-DD HH:MM:SS.mmm" for epoch milliseconds (UTC).
void AppendTimestampText(int64_t ms, std::string* out);

// The number text of a double as AppendValueText writes it: integral values
// with |d| < 1e15 without a fraction ("2"), others in shortest round-trip
// form as fmt "{}" writes it ("0.1", "1e+16"), and "NaN", "Infinity", "-Infinity".
void AppendDoubleText(double d, std::string* out);

// Proleptic Gregorian calendar <-> days since 1970-01-01, exact for day
// counts and years within +-2^50 (every int64 of milliseconds); UTC, no table.
void CivilFromDays(int64_t days, int64_t* year, int64_t* month, int64_t* day);
int64_t DaysFromCivil(int64_t year, int64_t month, int64_t day);

}  // namespace flowlens::query

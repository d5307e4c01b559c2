// Internal to src/query/functions: the row-at-a-time implementations of the
// scalar functions, grouped by family (one .cc per family), and the small
// argument helpers they share. Only scalar_function.cc's table and the tests
// call these directly; everyone else goes through FindScalarFunction.
//
// Conventions every implementation follows:
// - A null (missing) argument gives a null result, except where a function's
//   comment says otherwise (ispresent, coalesce, case, if, isempty, isblank,
//   isNumeric and the IP predicates).
// - A result string is either a view into an argument's string (substr,
//   trim: it lives as long as the argument) or stored in ctx.arena.
// - Per-call-site preparation (regexes, CIDR blocks) goes in *ctx.state,
//   keyed by the argument text so that a changed argument recompiles.
//
// Thread safety: the functions are reentrant; scratch buffers are per thread.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "query/functions/scalar_function.h"
#include "query/value.h"

namespace flowlens::query::scalar {

using Args = std::span<const Value>;

// ---- shared helpers (general_functions.cc) ----

// The text a string function sees: nullopt for null and JSON values (maps and
// lists are null for string functions), else ValueAsText.
std::optional<std::string_view> ArgText(const Value& v, CallContext& ctx);
// A whole number from a numeric value (doubles truncated toward zero);
// nullopt for non-numbers and for doubles outside the int64 range.
std::optional<int64_t> ArgInt(const Value& v);
// Epoch milliseconds of a timestamp argument: timestamps, numbers (epoch ms),
// and strings "YYYY-MM-DD[ T]HH:MM:SS[.fff][Z|+hh:mm]" (UTC unless an offset
// is given).
std::optional<int64_t> ArgEpochMs(const Value& v);
// A per-thread scratch string, cleared; valid until the next call.
std::string& Scratch();
// Stores `s` in the arena as a string value.
Value StringResult(std::string_view s, CallContext& ctx);
// A number as a value, and a double that must be finite (else null).
Value NumberResult(const Number& n);
Value FiniteResult(double d);
// The state of a call site as a T, made on first use (or when the slot holds
// another type). `local` is used when the caller gave no state slot.
template <typename T>
T& StateAs(CallContext& ctx, std::unique_ptr<CallState>* local) {
  std::unique_ptr<CallState>* slot = ctx.state != nullptr ? ctx.state : local;
  T* t = dynamic_cast<T*>(slot->get());
  if (t == nullptr) {
    *slot = std::make_unique<T>();
    t = static_cast<T*>(slot->get());
  }
  return *t;
}

// UTF-8: the length of the sequence starting with `lead` (1 for stray bytes),
// decoding one code point at `*pos` (advancing it), and appending one.
size_t Utf8SequenceLength(unsigned char lead);
uint32_t DecodeUtf8(std::string_view s, size_t* pos);
// Simple one-to-one case mapping: ASCII, Latin-1, Latin Extended-A, Greek and
// Cyrillic; other code points map to themselves. Never changes the UTF-8
// length of a code point.
uint32_t ToUpperCodePoint(uint32_t cp);
uint32_t ToLowerCodePoint(uint32_t cp);

// Parses a time zone argument: "UTC", "GMT", "Z", "+hh:mm", "+hhmm", "+hh",
// optionally after "UTC"/"GMT" ("UTC+02:00"). Offset in milliseconds.
std::optional<int64_t> ParseZoneOffset(std::string_view tz);

// ---- numeric_functions.cc ----
Value Abs(Args a, CallContext& ctx);
Value Ceil(Args a, CallContext& ctx);
Value Floor(Args a, CallContext& ctx);
Value Greatest(Args a, CallContext& ctx);
Value Least(Args a, CallContext& ctx);
Value Log(Args a, CallContext& ctx);
Value Sqrt(Args a, CallContext& ctx);
Value Round(Args a, CallContext& ctx);
Value Haversine(Args a, CallContext& ctx);
Value ToNumber(Args a, CallContext& ctx);
Value ToInt(Args a, CallContext& ctx);
Value ToLong(Args a, CallContext& ctx);
Value ToDouble(Args a, CallContext& ctx);

// ---- general_functions.cc ----
Value IsPresent(Args a, CallContext& ctx);
Value Coalesce(Args a, CallContext& ctx);
Value Case(Args a, CallContext& ctx);
Value If(Args a, CallContext& ctx);
Value IsNumeric(Args a, CallContext& ctx);
Value MessageSize(Args a, CallContext& ctx);
Value QueryStartTime(Args a, CallContext& ctx);
Value QueryEndTime(Args a, CallContext& ctx);
Value QueryTimeRange(Args a, CallContext& ctx);

// ---- string_functions.cc ----
Value IsEmpty(Args a, CallContext& ctx);
Value IsBlank(Args a, CallContext& ctx);
Value Concat(Args a, CallContext& ctx);
Value Ltrim(Args a, CallContext& ctx);
Value Rtrim(Args a, CallContext& ctx);
Value Trim(Args a, CallContext& ctx);
Value Strlen(Args a, CallContext& ctx);
Value ToUpper(Args a, CallContext& ctx);
Value ToLower(Args a, CallContext& ctx);
Value Substr(Args a, CallContext& ctx);
Value Replace(Args a, CallContext& ctx);
Value RegexReplace(Args a, CallContext& ctx);
Value StrContains(Args a, CallContext& ctx);
Value StartsWith(Args a, CallContext& ctx);
Value EndsWith(Args a, CallContext& ctx);
Value Split(Args a, CallContext& ctx);

// ---- encoding_functions.cc ----
Value UrlEncode(Args a, CallContext& ctx);
Value UrlDecode(Args a, CallContext& ctx);
Value Base64Encode(Args a, CallContext& ctx);
Value Base64Decode(Args a, CallContext& ctx);
Value HexToAscii(Args a, CallContext& ctx);
Value HexToDec(Args a, CallContext& ctx);
Value DecToHex(Args a, CallContext& ctx);

// ---- datetime_functions.cc ----
Value DateFloor(Args a, CallContext& ctx);
Value DateCeil(Args a, CallContext& ctx);
Value FromMillis(Args a, CallContext& ctx);
Value ToMillis(Args a, CallContext& ctx);
Value Now(Args a, CallContext& ctx);

// ---- date_format_functions.cc ----
Value ParseDate(Args a, CallContext& ctx);
Value FormatDate(Args a, CallContext& ctx);

// ---- ip_functions.cc ----
Value IsValidIp(Args a, CallContext& ctx);
Value IsValidIpV4(Args a, CallContext& ctx);
Value IsValidIpV6(Args a, CallContext& ctx);
Value IsIpInSubnet(Args a, CallContext& ctx);
Value IsIpv4InSubnet(Args a, CallContext& ctx);
Value IsIpv6InSubnet(Args a, CallContext& ctx);
Value Ipv4ToNumber(Args a, CallContext& ctx);
Value IsPrivateIp(Args a, CallContext& ctx);
Value IsPublicIp(Args a, CallContext& ctx);
Value IsReservedIp(Args a, CallContext& ctx);

// ---- json_functions.cc ----
Value JsonParse(Args a, CallContext& ctx);
Value JsonStringify(Args a, CallContext& ctx);
Value JsonArraySize(Args a, CallContext& ctx);
Value JsonArrayContains(Args a, CallContext& ctx);

}  // namespace flowlens::query::scalar

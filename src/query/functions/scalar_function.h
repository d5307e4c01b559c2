// Scalar functions of the query language (numeric, general, string, datetime,
// IP, JSON): one row-at-a-time implementation per function, looked up by name
// in one sorted registration table (scalar_function.cc).
//
// The engine evaluates a call over a whole batch: for each row it gathers the
// argument Values and calls `fn`. Functions with constant arguments that are
// costly to prepare (a regex, a CIDR) keep what they prepared in the call
// site's `state`, which lives as long as the query.
//
//   const ScalarFunction* f = FindScalarFunction("strlen");
//   Value v = f->fn(args, ctx);
//
// Thread safety: the table is immutable; a CallContext belongs to one thread.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "common/arena.h"
#include "query/value.h"

namespace flowlens::query {

// Whatever a function prepares once per call site (compiled regex, subnet).
struct CallState {
  virtual ~CallState() = default;
};

struct QueryTimes {
  int64_t start_ms = 0;  // the query's time window, inclusive
  int64_t end_ms = 0;
  int64_t now_ms = 0;    // when the query started
};

struct CallContext {
  Arena* arena = nullptr;               // where result strings and JSON go
  std::unique_ptr<CallState>* state = nullptr;  // per call site, starts empty
  const QueryTimes* times = nullptr;
};

using ScalarFn = Value (*)(std::span<const Value> args, CallContext& ctx);

struct ScalarFunction {
  std::string_view name;  // lower case
  int min_args;
  int max_args;           // -1: any number
  ScalarFn fn;
  std::string_view signature;  // for error messages, e.g. "substr(s, start [, length])"
};

// Lookup by lower-case name; nullptr when there is no such function.
const ScalarFunction* FindScalarFunction(std::string_view lower_name);
// Every scalar function, sorted by name.
std::span<const ScalarFunction> ScalarFunctions();

// The time period units of bin(), datefloor() and dateceil(): fixed-length
// units are floored on the epoch; week (Monday 00:00 UTC), month, quarter and
// year on the UTC calendar.
int64_t FloorToPeriod(int64_t ms, int64_t amount, int unit);  // unit: query::PeriodUnit
int64_t CeilToPeriod(int64_t ms, int64_t amount, int unit);

}  // namespace flowlens::query

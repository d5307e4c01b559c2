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
  int64_t now_ms = 0;  // when the query started
};

struct CallContext {
  Arena* arena = nullptr;                       // where result strings and JSON go
  std::unique_ptr<CallState>* state = nullptr;  // per call site, starts empty
  const QueryTimes* times = nullptr;
};

using ScalarFn = Value (*)(std::span<const Value> args, CallContext& ctx);

struct ScalarFunction {
  std::string_view name;  // lower case
  int min_args;
  int max_args;  // -1: any number
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
// Both work for any int64 input: amount <= 0 or an unknown unit returns `ms`
// unchanged, and results beyond the int64 range saturate. Multi-unit calendar
// periods are aligned on 1970-01 (3mo: Jan/Apr/Jul/Oct; 5y: 1970, 1975, ...),
// fixed ones on the epoch, weeks on Monday 1969-12-29. Callers apply the
// bin() caps (300s -> 60s) before calling; these functions do not.

// FloorToPeriod for one period over many values (bin() over a column): a
// fixed period (ms to week) of at most 2^61 ms floors values within +-2^61 ms
// in int64 arithmetic, which is several times cheaper than FloorToPeriod's
// 128-bit division; everything else goes through FloorToPeriod, so the two
// always agree.
class PeriodFloor {
 public:
  PeriodFloor(int64_t amount, int unit);
  int64_t operator()(int64_t ms) const {
    if (period_ != 0 && ms > -kSafe && ms < kSafe) {
      int64_t d = ms - origin_;
      int64_t q = d / period_;
      if (d % period_ < 0) --q;
      return q * period_ + origin_;
    }
    return FloorToPeriod(ms, amount_, unit_);
  }
  // The period in ms when it is fixed (ms to week) and takes the fast path
  // above; 0 for calendar periods.
  int64_t fixed_period() const { return period_; }

 private:
  static constexpr int64_t kSafe = int64_t{1} << 61;
  int64_t amount_;
  int unit_;
  int64_t period_ = 0;  // 0: not a fixed period that fits the fast path
  int64_t origin_ = 0;
};

// How the engine passes a period literal (1h, 3mo) as a datefloor/dateceil
// argument: one kInt value holding (unit + 1) in bits 56..62 and the amount
// (1 .. 2^56-1) in the low 56 bits. A plain number 1 .. 2^56-1 has no unit
// bits and so decodes as that many milliseconds.
//
//   args[1] = PeriodValue(5, static_cast<int>(PeriodUnit::kMinute));
Value PeriodValue(int64_t amount, int unit);
// Decodes what PeriodValue made (or a plain positive number of ms); false
// for anything else.
bool DecodePeriod(const Value& v, int64_t* amount, int* unit);

// Result lifetimes: a function's result string is either stored in ctx.arena
// or is a view into one of its argument strings (substr, trim), living as
// long as that argument. JSON results (jsonParse, split) live wholly in
// ctx.arena.

}  // namespace flowlens::query

// Datetime functions: datefloor dateceil fromMillis toMillis now, the period
// arithmetic shared with bin() (FloorToPeriod/CeilToPeriod) and the period
// argument encoding (PeriodValue/DecodePeriod).
#include <limits>

#include "query/ast.h"
#include "query/functions/function_families.h"

namespace flowlens::query {
namespace {

using Wide = __int128;

constexpr int64_t kDayMs = 86400000;
// Monday 1969-12-29 00:00 UTC, the origin of week periods.
constexpr int64_t kWeekOriginMs = -3 * kDayMs;
constexpr int kUnitShift = 56;
constexpr int64_t kAmountMask = (int64_t{1} << kUnitShift) - 1;

Wide FloorDiv(Wide a, Wide b) {
  Wide q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

int64_t Saturate(Wide v) {
  if (v > std::numeric_limits<int64_t>::max()) return std::numeric_limits<int64_t>::max();
  if (v < std::numeric_limits<int64_t>::min()) return std::numeric_limits<int64_t>::min();
  return static_cast<int64_t>(v);
}

// Length of a fixed unit in ms, or 0 for the calendar units.
int64_t FixedUnitMs(PeriodUnit unit) {
  switch (unit) {
    case PeriodUnit::kMillisecond:
      return 1;
    case PeriodUnit::kSecond:
      return 1000;
    case PeriodUnit::kMinute:
      return 60000;
    case PeriodUnit::kHour:
      return 3600000;
    case PeriodUnit::kDay:
      return kDayMs;
    case PeriodUnit::kWeek:
      return 7 * kDayMs;
    default:
      return 0;
  }
}

int64_t CalendarUnitMonths(PeriodUnit unit) {
  switch (unit) {
    case PeriodUnit::kMonth:
      return 1;
    case PeriodUnit::kQuarter:
      return 3;
    case PeriodUnit::kYear:
      return 12;
    default:
      return 0;
  }
}

// Months since 1970-01 of the month holding `ms`.
Wide MonthIndex(int64_t ms) {
  int64_t year, month, day;
  CivilFromDays(static_cast<int64_t>(FloorDiv(ms, kDayMs)), &year, &month, &day);
  return Wide{year - 1970} * 12 + (month - 1);
}

// Epoch ms of the first day of month `index` (months since 1970-01).
Wide MonthStartMs(Wide index) {
  Wide year = 1970 + FloorDiv(index, 12);
  int64_t month = static_cast<int64_t>(index - FloorDiv(index, 12) * 12) + 1;
  // Years beyond +-2^62 cannot come from an int64 of ms; clamp for safety.
  if (year > (Wide{1} << 40)) return Wide{std::numeric_limits<int64_t>::max()} + 1;
  if (year < -(Wide{1} << 40)) return Wide{std::numeric_limits<int64_t>::min()} - 1;
  return Wide{DaysFromCivil(static_cast<int64_t>(year), month, 1)} * kDayMs;
}

bool ValidUnit(int unit) {
  return unit >= static_cast<int>(PeriodUnit::kMillisecond) &&
         unit <= static_cast<int>(PeriodUnit::kYear);
}

}  // namespace

int64_t FloorToPeriod(int64_t ms, int64_t amount, int unit) {
  if (amount <= 0 || !ValidUnit(unit)) return ms;
  auto u = static_cast<PeriodUnit>(unit);
  if (int64_t fixed = FixedUnitMs(u)) {
    Wide period = Wide{amount} * fixed;
    Wide origin = u == PeriodUnit::kWeek ? kWeekOriginMs : 0;
    return Saturate(FloorDiv(Wide{ms} - origin, period) * period + origin);
  }
  Wide months = Wide{amount} * CalendarUnitMonths(u);
  return Saturate(MonthStartMs(FloorDiv(MonthIndex(ms), months) * months));
}

PeriodFloor::PeriodFloor(int64_t amount, int unit) : amount_(amount), unit_(unit) {
  if (amount <= 0 || !ValidUnit(unit)) return;
  auto u = static_cast<PeriodUnit>(unit);
  int64_t fixed = FixedUnitMs(u);
  if (fixed == 0 || amount > kSafe / fixed) return;
  period_ = amount * fixed;
  origin_ = u == PeriodUnit::kWeek ? kWeekOriginMs : 0;
}

int64_t CeilToPeriod(int64_t ms, int64_t amount, int unit) {
  if (amount <= 0 || !ValidUnit(unit)) return ms;
  int64_t floor = FloorToPeriod(ms, amount, unit);
  if (floor == ms) return ms;
  auto u = static_cast<PeriodUnit>(unit);
  if (int64_t fixed = FixedUnitMs(u)) return Saturate(Wide{floor} + Wide{amount} * fixed);
  Wide months = Wide{amount} * CalendarUnitMonths(u);
  return Saturate(MonthStartMs(FloorDiv(MonthIndex(ms), months) * months + months));
}

Value PeriodValue(int64_t amount, int unit) {
  if (amount <= 0 || amount > kAmountMask || !ValidUnit(unit)) return Value::Null();
  return Value::Int((int64_t{unit + 1} << kUnitShift) | amount);
}

bool DecodePeriod(const Value& v, int64_t* amount, int* unit) {
  int64_t bits;
  if (v.type == ValueType::kInt) {
    bits = v.i;
  } else if (v.type == ValueType::kDouble || v.type == ValueType::kString) {
    std::optional<int64_t> n = scalar::ArgInt(v);
    if (!n || *n > kAmountMask) return false;  // plain numbers are milliseconds
    bits = *n;
  } else {
    return false;
  }
  if (bits <= 0) return false;
  int tag = static_cast<int>(bits >> kUnitShift);
  int64_t a = bits & kAmountMask;
  if (a == 0 || (tag != 0 && !ValidUnit(tag - 1))) return false;
  *amount = a;
  *unit = tag == 0 ? static_cast<int>(PeriodUnit::kMillisecond) : tag - 1;
  return true;
}

namespace scalar {

Value DateFloor(Args a, CallContext&) {
  std::optional<int64_t> ms = ArgEpochMs(a[0]);
  int64_t amount;
  int unit;
  if (!ms || !DecodePeriod(a[1], &amount, &unit)) return Value::Null();
  return Value::Timestamp(FloorToPeriod(*ms, amount, unit));
}

Value DateCeil(Args a, CallContext&) {
  std::optional<int64_t> ms = ArgEpochMs(a[0]);
  int64_t amount;
  int unit;
  if (!ms || !DecodePeriod(a[1], &amount, &unit)) return Value::Null();
  return Value::Timestamp(CeilToPeriod(*ms, amount, unit));
}

Value FromMillis(Args a, CallContext&) {
  std::optional<int64_t> ms = ArgEpochMs(a[0]);
  if (!ms) return Value::Null();
  return Value::Timestamp(*ms);
}

Value ToMillis(Args a, CallContext&) {
  std::optional<int64_t> ms = ArgEpochMs(a[0]);
  if (!ms) return Value::Null();
  return Value::Int(*ms);
}

Value Now(Args, CallContext& ctx) {
  if (ctx.times == nullptr) return Value::Null();
  return Value::Int(static_cast<int64_t>(FloorDiv(ctx.times->now_ms, 1000)));
}

}  // namespace scalar
}  // namespace flowlens::query

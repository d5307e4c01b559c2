// Value semantics: number parsing, comparison, natural order, rendering.
#include "query/value.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "query/json.h"

namespace flowlens::query {
namespace {

Value S(std::string_view s) {
  return Value::String(s);
}

TEST(ParseNumberTest, AcceptsSignDigitsFractionExponent) {
  struct Case {
    const char* text;
    bool is_int;
    double value;
  } cases[] = {{"42", true, 42},
               {"-7", true, -7},
               {"+7", true, 7},
               {"0", true, 0},
               {"007", true, 7},
               {"-3.5", false, -3.5},
               {"1e3", false, 1000},
               {"1E-2", false, 0.01},
               {"2.5e+2", false, 250},
               {"1.", false, 1},
               {".5", false, 0.5},
               {"-.5e1", false, -5},
               {"9223372036854775807", true, 9223372036854775807.0},
               {"-9223372036854775808", true, -9223372036854775808.0},
               {"9223372036854775808", false, 9223372036854775808.0},
               {"1e400", false, std::numeric_limits<double>::infinity()},
               {"1e-400", false, 0}};
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    std::optional<Number> n = ParseNumber(c.text);
    ASSERT_TRUE(n.has_value());
    EXPECT_EQ(n->is_int, c.is_int);
    EXPECT_EQ(n->as_double(), c.value);
  }
  EXPECT_EQ(ParseNumber("-9223372036854775808")->i, std::numeric_limits<int64_t>::min());
}

TEST(ParseNumberTest, RejectsEverythingElse) {
  for (const char* text :
       {"",         " 7",  "7 ",  "+",     "-",    ".",     "e5",  "1e", "1e+", "0x10", "inf",
        "Infinity", "nan", "NaN", "1,000", "1..2", "1.2.3", "--1", "1-", "12a", "١٢"}) {
    SCOPED_TRACE(text);
    EXPECT_FALSE(ParseNumber(text).has_value());
  }
}

TEST(AsNumberTest, CoversNumericTypes) {
  EXPECT_EQ(AsNumber(Value::Int(5))->i, 5);
  EXPECT_EQ(AsNumber(Value::Double(2.5))->d, 2.5);
  EXPECT_EQ(AsNumber(Value::Timestamp(1000))->i, 1000);
  EXPECT_EQ(AsNumber(Value::Bool(true))->i, 1);
  EXPECT_EQ(AsNumber(S("443"))->i, 443);
  EXPECT_FALSE(AsNumber(S("ACCEPT")));
  EXPECT_FALSE(AsNumber(Value::Null()));
  EXPECT_FALSE(AsNumber(Value::Address(IpAddress::V4(1))));
}

TEST(IsTrueTest, BoolsAndNonZeroNumbers) {
  EXPECT_TRUE(IsTrue(Value::Bool(true)));
  EXPECT_FALSE(IsTrue(Value::Bool(false)));
  EXPECT_TRUE(IsTrue(Value::Int(-1)));
  EXPECT_FALSE(IsTrue(Value::Int(0)));
  EXPECT_TRUE(IsTrue(Value::Double(0.1)));
  EXPECT_FALSE(IsTrue(Value::Double(std::nan(""))));
  EXPECT_FALSE(IsTrue(Value::Null()));
  EXPECT_FALSE(IsTrue(S("true")));
  EXPECT_FALSE(IsTrue(S("1")));
}

TEST(CompareValuesTest, NumericWhenBothNumeric) {
  EXPECT_EQ(*CompareValues(Value::Int(9), Value::Int(10)), -1);
  EXPECT_EQ(*CompareValues(S("9"), S("10")), -1);  // numeric-looking strings: numbers
  EXPECT_EQ(*CompareValues(S("443"), S("443.0")), 0);
  EXPECT_EQ(*CompareValues(S("9"), S("10a")), 1);  // one is not numeric: text
  EXPECT_EQ(*CompareValues(S("9"), Value::Int(10)), -1);
  EXPECT_EQ(*CompareValues(S("10"), Value::Int(2)), 1);  // stacksim-13: '10' > 2
  EXPECT_EQ(*CompareValues(S("443"), Value::Double(443.0)), 0);
  EXPECT_EQ(*CompareValues(Value::Double(0.5), Value::Int(0)), 1);
  EXPECT_EQ(*CompareValues(Value::Timestamp(5), Value::Int(5)), 0);
  EXPECT_EQ(*CompareValues(Value::Bool(true), Value::Int(1)), 0);
  // Exact int comparison beyond 2^53.
  EXPECT_EQ(*CompareValues(Value::Int(9007199254740993), Value::Int(9007199254740992)), 1);
  EXPECT_EQ(*CompareValues(Value::Int(9007199254740993), Value::Double(9007199254740992.0)), 1);
  EXPECT_EQ(*CompareValues(Value::Int(std::numeric_limits<int64_t>::max()),
                           Value::Double(9223372036854775808.0)),
            -1);
}

TEST(CompareValuesTest, TextOtherwise) {
  EXPECT_EQ(*CompareValues(S("ACCEPT"), S("REJECT")), -1);
  EXPECT_EQ(*CompareValues(S("abc"), Value::Int(5)), 1);  // "abc" vs "5"
  IpAddress a = *IpAddress::Parse("10.0.0.9"), b = *IpAddress::Parse("10.0.0.10");
  EXPECT_EQ(*CompareValues(Value::Address(a), S("10.0.0.9")), 0);
  EXPECT_EQ(*CompareValues(Value::Address(a), Value::Address(a)), 0);
  EXPECT_EQ(*CompareValues(Value::Address(a), Value::Address(b)), 1);  // by text
  EXPECT_EQ(*CompareValues(Value::Bool(true), S("true")), 0);
}

TEST(CompareValuesTest, NullAndJsonGiveNull) {
  Arena arena;
  Value json = Value::Json(ParseJson("[1]", &arena));
  EXPECT_FALSE(CompareValues(Value::Null(), Value::Int(1)));
  EXPECT_FALSE(CompareValues(Value::Int(1), Value::Null()));
  EXPECT_FALSE(CompareValues(Value::Null(), Value::Null()));
  EXPECT_FALSE(CompareValues(json, json));
  EXPECT_FALSE(ValuesEqual(Value::Null(), Value::Null()));
  EXPECT_TRUE(ValuesEqual(S("6"), Value::Int(6)));  // filter protocol = "6"
  EXPECT_TRUE(ValuesEqual(S("7777"), S("7777")));
  EXPECT_FALSE(ValuesEqual(S("7777"), S("7778")));
}

TEST(NaturalCompareTest, SpecExampleOrder) {
  // docs/insights-language.md §3.6, documented ascending example.
  std::vector<std::string> want = {"!:",    "#",  "*%04", "0#", "5A",        "111A",
                                   "2345_", "@",  "@_",   "A",  "A9876fghj", "a12345hfh",
                                   "0",     "01", "1",    "2",  "3"};
  std::vector<std::string> got = want;
  std::mt19937 rng(7);
  for (int round = 0; round < 20; ++round) {
    std::shuffle(got.begin(), got.end(), rng);
    std::sort(got.begin(), got.end(), [](const std::string& a, const std::string& b) {
      return NaturalCompare(S(a), S(b)) < 0;
    });
    ASSERT_EQ(got, want);
  }
}

TEST(NaturalCompareTest, NumbersAfterTextNullsLast) {
  EXPECT_LT(NaturalCompare(S("v2"), S("v10")), 0);
  EXPECT_LT(NaturalCompare(S("zzz"), Value::Int(0)), 0);
  EXPECT_LT(NaturalCompare(Value::Int(9), Value::Int(10)), 0);
  EXPECT_LT(NaturalCompare(S("9"), S("10")), 0);
  EXPECT_LT(NaturalCompare(S("-5"), S("1.5")), 0);
  EXPECT_LT(NaturalCompare(Value::Int(10), Value::Null()), 0);
  EXPECT_GT(NaturalCompare(Value::Null(), S("a")), 0);
  EXPECT_EQ(NaturalCompare(Value::Null(), Value::Null()), 0);
  EXPECT_EQ(NaturalCompare(Value::Int(1), S("1")), 0);
  EXPECT_EQ(NaturalCompare(Value::Int(2), Value::Double(2.0)), 0);
  EXPECT_LT(NaturalCompare(S("0"), S("01")), 0);
  EXPECT_LT(NaturalCompare(S("ab!"), S("ab1")), 0);  // '!' < '1' by code point
  EXPECT_LT(NaturalCompare(Value::Timestamp(1), Value::Timestamp(2)), 0);
  // Addresses as text, digit runs numerically: 10.0.0.9 < 10.0.0.10.
  EXPECT_LT(NaturalCompare(Value::Address(*IpAddress::Parse("10.0.0.9")),
                           Value::Address(*IpAddress::Parse("10.0.0.10"))),
            0);
}

TEST(NaturalCompareTest, Ipv4FastPathMatchesTextOrder) {
  std::mt19937 rng(11);
  for (int i = 0; i < 20000; ++i) {
    // Small octets make equal prefixes and digit-count changes common.
    auto random_v4 = [&] {
      uint32_t bits = 0;
      for (int k = 0; k < 4; ++k) bits = bits << 8 | (rng() % 2 ? rng() % 12 : rng() % 256);
      return IpAddress::V4(bits);
    };
    IpAddress a = random_v4(), b = random_v4();
    std::string ta = a.ToString(), tb = b.ToString();
    ASSERT_EQ(NaturalCompare(Value::Address(a), Value::Address(b)), NaturalCompare(S(ta), S(tb)))
        << ta << " " << tb;
  }
}

TEST(NaturalCompareTest, IsAStrictWeakOrderOnMixedValues) {
  std::vector<Value> values = {S("01"),
                               Value::Int(1),
                               S("1"),
                               Value::Double(1),
                               S("a"),
                               S("A"),
                               Value::Null(),
                               S("1e0"),
                               Value::Bool(true),
                               S(""),
                               Value::Double(-0.0),
                               S("0"),
                               Value::Int(0),
                               S("x10"),
                               S("x9")};
  for (const Value& a : values) {
    EXPECT_EQ(NaturalCompare(a, a), 0);
    for (const Value& b : values) {
      EXPECT_EQ(NaturalCompare(a, b), -NaturalCompare(b, a));
      for (const Value& c : values) {
        if (NaturalCompare(a, b) <= 0 && NaturalCompare(b, c) <= 0) {
          EXPECT_LE(NaturalCompare(a, c), 0)
              << ValueToText(a) << " " << ValueToText(b) << " " << ValueToText(c);
        }
      }
    }
  }
}

TEST(ValueTextTest, Numbers) {
  EXPECT_EQ(ValueToText(Value::Int(6)), "6");
  EXPECT_EQ(ValueToText(Value::Int(-955512908)), "-955512908");
  EXPECT_EQ(ValueToText(Value::Int(std::numeric_limits<int64_t>::min())), "-9223372036854775808");
  EXPECT_EQ(ValueToText(Value::Double(2.0)), "2");
  EXPECT_EQ(ValueToText(Value::Double(-0.0)), "0");
  EXPECT_EQ(ValueToText(Value::Double(14.97)), "14.97");
  EXPECT_EQ(ValueToText(Value::Double(0.1)), "0.1");
  EXPECT_EQ(ValueToText(Value::Double(4200000000.0)), "4200000000");
  EXPECT_EQ(ValueToText(Value::Double(999999999999999.0)), "999999999999999");
  EXPECT_EQ(ValueToText(Value::Double(1e15)), "1000000000000000");  // fmt: fixed below 1e16
  EXPECT_EQ(ValueToText(Value::Double(1e16)), "1e+16");
  EXPECT_EQ(ValueToText(Value::Double(123456789.125)), "123456789.125");
  EXPECT_EQ(ValueToText(Value::Double(1.5e-7)), "1.5e-07");
  EXPECT_EQ(ValueToText(Value::Double(std::nan(""))), "NaN");
  EXPECT_EQ(ValueToText(Value::Double(-INFINITY)), "-Infinity");
  EXPECT_EQ(ValueToText(Value::Double(INFINITY)), "Infinity");
}

TEST(ValueTextTest, TimestampsUtcWithMilliseconds) {
  EXPECT_EQ(ValueToText(Value::Timestamp(0)), "1970-01-01 00:00:00.000");
  EXPECT_EQ(ValueToText(Value::Timestamp(1701814483877)), "2023-12-05 22:14:43.877");
  EXPECT_EQ(ValueToText(Value::Timestamp(1732117500000)), "2024-11-20 15:45:00.000");
  EXPECT_EQ(ValueToText(Value::Timestamp(-1)), "1969-12-31 23:59:59.999");
  EXPECT_EQ(ValueToText(Value::Timestamp(-86400000)), "1969-12-31 00:00:00.000");
  EXPECT_EQ(ValueToText(Value::Timestamp(951782400000)), "2000-02-29 00:00:00.000");
  EXPECT_EQ(ValueToText(Value::Timestamp(-62135596800000)), "0001-01-01 00:00:00.000");
  EXPECT_EQ(ValueToText(Value::Timestamp(253402300799999)), "9999-12-31 23:59:59.999");
  // Extremes do not crash and stay well-formed.
  EXPECT_FALSE(ValueToText(Value::Timestamp(std::numeric_limits<int64_t>::min())).empty());
  EXPECT_FALSE(ValueToText(Value::Timestamp(std::numeric_limits<int64_t>::max())).empty());
}

TEST(ValueTextTest, CivilDaysRoundTrip) {
  for (int64_t days = -800000; days <= 800000; days += 97) {
    int64_t y, m, d;
    CivilFromDays(days, &y, &m, &d);
    ASSERT_EQ(DaysFromCivil(y, m, d), days);
  }
}

TEST(ValueTextTest, OtherTypes) {
  Arena arena;
  EXPECT_EQ(ValueToText(Value::Null()), "");
  EXPECT_EQ(ValueToText(Value::Bool(true)), "true");
  EXPECT_EQ(ValueToText(Value::Bool(false)), "false");
  EXPECT_EQ(ValueToText(S("x y")), "x y");
  EXPECT_EQ(ValueToText(Value::Address(*IpAddress::Parse("2001:DB8:0:0::1"))), "2001:db8::1");
  EXPECT_EQ(ValueToText(Value::Json(ParseJson(R"({ "a" : [1, "x"] })", &arena))),
            R"({"a":[1,"x"]})");
  std::string out = "prefix:";
  AppendValueText(Value::Int(1), &out);
  EXPECT_EQ(out, "prefix:1");
}

TEST(ValueTextTest, ValueAsTextViewsStringsAndStoresOthers) {
  Arena arena;
  std::string text = "abc";
  EXPECT_EQ(ValueAsText(S(text), &arena).data(), text.data());
  EXPECT_EQ(ValueAsText(Value::Int(42), &arena), "42");
  EXPECT_EQ(ValueAsText(Value::Timestamp(0), &arena), "1970-01-01 00:00:00.000");
  EXPECT_EQ(ValueAsText(Value::Null(), &arena), "");
  std::string_view a = ValueAsText(Value::Int(1), &arena);
  std::string_view b = ValueAsText(Value::Int(2), &arena);
  EXPECT_EQ(a, "1");  // still valid after a second call
  EXPECT_EQ(b, "2");
}

}  // namespace
}  // namespace flowlens::query

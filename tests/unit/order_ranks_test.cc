// OrderRanks against NaturalCompare pair by pair: text with digit runs and
// numbers, numeric text equal as numbers ("1" and "01"), mixed types, IPv6
// addresses, missing values, constant and empty columns.
#include "query/order_ranks.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace flowlens::query {
namespace {

void CheckRanks(const Column& c, size_t rows) {
  std::vector<uint32_t> ranks = OrderRanks(c, rows);
  ASSERT_EQ(ranks.size(), rows);
  for (size_t a = 0; a < rows; ++a) {
    for (size_t b = 0; b < rows; ++b) {
      Value x = c.Get(a), y = c.Get(b);
      if (x.is_null() || y.is_null()) {
        EXPECT_EQ(ranks[a] == kMissingRank, x.is_null()) << a;
        EXPECT_EQ(ranks[b] == kMissingRank, y.is_null()) << b;
        continue;
      }
      const int want = NaturalCompare(x, y);
      const int got = ranks[a] < ranks[b] ? -1 : (ranks[a] > ranks[b] ? 1 : 0);
      EXPECT_EQ(got, want) << ValueToText(x) << " vs " << ValueToText(y);
    }
  }
}

TEST(OrderRanks, TextInNaturalOrder) {
  static const char* const kText[] = {"10.0.1.5", "10.0.1.16", "9.1.1.1", "ingress", "egress",
                                      "a10",      "a9",        "a09",     "1",       "01",
                                      "1.0",      "-3",        "1e3",     "",        "ingress",
                                      "10.0.1.5", "b",         "B",       "a9",      "1000"};
  Column c;
  c.kind = ColumnKind::kString;
  for (const char* t : kText) c.strings.push_back(t);
  c.valid.assign(c.strings.size(), 1);
  c.valid[4] = 0;  // missing
  CheckRanks(c, c.strings.size());
}

TEST(OrderRanks, MixedValuesAndIpv6) {
  ColumnBuilder b;
  b.Append(Value::Int(5));
  b.Append(Value::String("5"));
  b.Append(Value::Double(5.0));
  b.Append(Value::Double(2.5));
  b.AppendNull();
  b.Append(Value::Address(IpAddress::V4(0x0A000001)));
  b.Append(Value::Address(IpAddress::V6(0x20010db8ull << 32, 1)));
  b.Append(Value::String("2001:db8::1"));
  b.Append(Value::Timestamp(1700000000000));
  b.Append(Value::Bool(true));
  b.Append(Value::String("zzz"));
  Column c = b.Finish();
  ASSERT_EQ(c.kind, ColumnKind::kMixed);
  CheckRanks(c, 11);
  EXPECT_FALSE(ComparesDirectly(c));
}

TEST(OrderRanks, AddressColumnWithIpv6) {
  Column c;
  c.kind = ColumnKind::kAddress;
  c.addrs = {IpAddress::V4(7), IpAddress::V6(1, 2), IpAddress::V4(3), IpAddress::V6(0, 1),
             IpAddress::V4(7)};
  EXPECT_FALSE(ComparesDirectly(c));
  CheckRanks(c, c.addrs.size());
  c.addrs = {IpAddress::V4(7), IpAddress::V4(3)};
  EXPECT_TRUE(ComparesDirectly(c));
}

TEST(OrderRanks, ConstantNullAndEmpty) {
  Column constant = Column::Constant(Value::String("x"));
  EXPECT_EQ(OrderRanks(constant, 3), (std::vector<uint32_t>{0, 0, 0}));
  EXPECT_EQ(OrderRanks(Column::Null(), 2), (std::vector<uint32_t>{kMissingRank, kMissingRank}));
  Column empty;
  empty.kind = ColumnKind::kString;
  EXPECT_TRUE(OrderRanks(empty, 0).empty());
}

}  // namespace
}  // namespace flowlens::query

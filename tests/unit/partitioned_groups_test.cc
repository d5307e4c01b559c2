// GroupTable's partitioned mode (partitioned_groups.cc): tables past a
// group count spread their groups over child tables. Each case runs the
// same batches through partitioned tables and through one-level ones and
// expects the same Finish() rows in the same order, and the same groups as a
// row-by-row reference: many groups across partitions and two workers,
// missing values and whole missing argument columns, double arguments with
// NaN, a top-N over ties, IPv6 keys, text keys arriving midway (back to one
// level), merges with one-level and empty tables, the memory budget.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "group_table_testing.h"
#include "query/aggregate.h"
#include "query/evaluator.h"
#include "query/operators.h"

namespace flowlens::query {
namespace {

using namespace group_testing;  // NOLINT(build/namespaces)

struct Shape {
  uint32_t sources = 60000;   // distinct IPv4 sources (groups: about sources x 3)
  int holes_every = 0;        // a missing byte count and port every n-th row
  int null_bytes_batch = -1;  // this batch has no byte column at all
  int ipv6_from = -1;         // batches from this one on have IPv6 sources
  int text_batch = -1;        // this batch has text sources
};

// `batches` batches of kBatchSize rows, columns as group_table_testing.h says.
std::vector<Batch> MakeWide(int batches, const Shape& shape, uint64_t seed = 7) {
  std::vector<Batch> out;
  uint64_t x = seed;
  for (int b = 0; b < batches; ++b) {
    Batch batch;
    batch.size = kBatchSize;
    batch.columns.resize(8);
    Column& src = batch.columns[0];
    Column& dst = batch.columns[1];
    Column& port = batch.columns[2];
    Column& bytes = batch.columns[3];
    Column& ts = batch.columns[4];
    const bool text = b == shape.text_batch;
    src.kind = text ? ColumnKind::kString : ColumnKind::kAddress;
    dst.kind = ColumnKind::kAddress;
    port.kind = bytes.kind = ColumnKind::kInt;
    ts.kind = ColumnKind::kTimestamp;
    if (shape.holes_every > 0) {
      port.valid.assign(batch.size, 1);
      bytes.valid.assign(batch.size, 1);
    }
    static const char* const kHosts[] = {"a", "b", "c"};
    for (size_t r = 0; r < batch.size; ++r) {
      x = x * 6364136223846793005ull + 1442695040888963407ull;
      const uint32_t s = static_cast<uint32_t>((x >> 33) % shape.sources);
      if (text) {
        src.strings.push_back(kHosts[s % 3]);
      } else if (shape.ipv6_from >= 0 && b >= shape.ipv6_from && s % 5 == 0) {
        src.addrs.push_back(IpAddress::V6(0x20010db8ull << 32, s));
      } else {
        src.addrs.push_back(IpAddress::V4(0x0A000000u + s));
      }
      dst.addrs.push_back(IpAddress::V4(0xC0A80000u + static_cast<uint32_t>((x >> 20) % 3)));
      port.ints.push_back(static_cast<int64_t>((x >> 12) % 300));
      bytes.ints.push_back(static_cast<int64_t>((x >> 14) % 5));  // small: many tied sums
      ts.ints.push_back(1700000000000 + b);
      if (shape.holes_every > 0 && r % static_cast<size_t>(shape.holes_every) == 0) {
        port.valid[r] = 0;
        bytes.valid[r] = 0;
      }
    }
    if (b == shape.null_bytes_batch) bytes = Column::Null();
    out.push_back(std::move(batch));
  }
  return out;
}

struct Fixture {
  Plan plan;
  QueryTimes times;
  EvalState eval{plan, &times};
};

// How a test table partitions: past `groups` groups (0: never), with
// `pending` rows a child buffer.
struct Split {
  size_t groups = 0;
  size_t pending = GroupTable::kPendingRows;
};
constexpr Split kOneLevel{0};
constexpr Split kEarly{1000, 300};  // partitions early, buffers fill often

// Worker one takes the even batches, two the odd ones. Returns the merged
// table's Finish() rows, and whether worker one's table was partitioned
// before the merge.
std::pair<std::vector<std::string>, bool> RunTables(Fixture& f, const Stage& stage,
                                                    const std::vector<Batch>& batches,
                                                    Split split_one, Split split_two,
                                                    bool order_by_keys = true,
                                                    const GroupTable::TopN& top = {},
                                                    const Stage* sort = nullptr, size_t limit = 0) {
  GroupTable one(stage, -1, &f.eval), two(stage, -1, &f.eval);
  one.SetPartitioning(split_one.groups, split_one.pending);
  two.SetPartitioning(split_two.groups, split_two.pending);
  for (size_t i = 0; i < batches.size(); ++i) (i % 2 ? two : one).Add(batches[i]);
  const bool one_partitioned = one.partitioned();
  one.Merge(std::move(two));
  Batch out = one.Finish(9, &f.eval, order_by_keys, top);
  if (sort) {
    EXPECT_TRUE(ApplySort(*sort, &out, &f.eval, limit, stage.group_slots).ok());
  }
  return {InOrder(out), one_partitioned};
}

// The same rows from one-level tables, partitioned ones (early, at the
// default group count), and a partitioned table merged with a one-level one
// either way; and the groups of the reference.
void CheckSame(const std::vector<Batch>& batches, bool check_reference = true,
               bool expect_partitioned = true) {
  Fixture f;
  const std::vector<int> keys{0, 1};
  Stage stage = MakeStage(keys);
  auto [want, want_partitioned] = RunTables(f, stage, batches, kOneLevel, kOneLevel);
  EXPECT_FALSE(want_partitioned);
  for (auto [one, two] : {std::pair{kEarly, kEarly},
                          {kEarly, kOneLevel},
                          {kOneLevel, kEarly},
                          {Split{GroupTable::kPartitionGroups}, Split{1000}}}) {
    auto [got, partitioned] = RunTables(f, stage, batches, one, two);
    if (one.groups == 1000) {
      EXPECT_EQ(partitioned, expect_partitioned);
    }
    EXPECT_EQ(got, want) << one.groups << " " << two.groups;
  }
  if (!check_reference) return;
  GroupTable t(stage, -1, &f.eval);
  for (const Batch& b : batches) t.Add(b);
  EXPECT_EQ(Rendered(t.Finish(8, &f.eval, true), keys), Reference(batches, keys));
}

TEST(PartitionedGroups, ManyGroupsAcrossPartitions) {
  std::vector<Batch> batches = MakeWide(24, Shape{});
  CheckSame(batches);
  Fixture f;
  const Stage stage = MakeStage({0, 1});  // the table keeps a reference
  GroupTable t(stage, -1, &f.eval);
  // The default switch: one level up to kPartitionGroups groups.
  size_t i = 0;
  for (; i < 8; ++i) t.Add(batches[i]);
  EXPECT_FALSE(t.partitioned());
  for (; i < batches.size(); ++i) t.Add(batches[i]);
  EXPECT_TRUE(t.partitioned());
  EXPECT_GT(t.Finish(8, &f.eval, true).size, GroupTable::kPartitionGroups);
}

TEST(PartitionedGroups, ChildBuffersFillManyTimes) {
  // Few groups a child, many rows: buffers of 50 rows fill and are added
  // many times before the merge.
  Shape shape;
  shape.sources = 2000;
  shape.holes_every = 11;
  std::vector<Batch> batches = MakeWide(40, shape);
  Fixture f;
  Stage stage = MakeStage({0, 1});
  auto [want, flat] = RunTables(f, stage, batches, kOneLevel, kOneLevel);
  EXPECT_FALSE(flat);
  for (Split split : {Split{100, 50}, Split{100, GroupTable::kPendingRows}}) {
    auto [got, partitioned] = RunTables(f, stage, batches, split, split);
    EXPECT_TRUE(partitioned);
    EXPECT_EQ(got, want) << split.pending;
  }
}

TEST(PartitionedGroups, MissingValuesAndMissingColumns) {
  Shape s;
  s.holes_every = 7;
  s.null_bytes_batch = 3;
  CheckSame(MakeWide(12, s));
  s.null_bytes_batch = 0;  // the first batch's argument is missing altogether
  CheckSame(MakeWide(12, s));
}

TEST(PartitionedGroups, DoubleArgumentsWithNaN) {
  std::vector<Batch> batches = MakeWide(10, Shape{});
  for (int b : {4, 5}) {
    Column& bytes = batches[b].columns[3];
    Column d;
    d.kind = ColumnKind::kDouble;
    for (size_t r = 0; r < bytes.ints.size(); ++r) {
      d.doubles.push_back(r % 97 == 0 ? std::numeric_limits<double>::quiet_NaN()
                                      : static_cast<double>(bytes.ints[r]) + 0.25);
    }
    bytes = d;
  }
  CheckSame(batches, /*check_reference=*/false);
}

TEST(PartitionedGroups, Ipv6KeysStayPartitioned) {
  // IPv6 sources before the split (their ids move with the groups) and
  // after, in both workers (which number them differently).
  for (int batch : {0, 4, 7}) {
    Shape s;
    s.ipv6_from = batch;
    CheckSame(MakeWide(10, s));
  }
}

TEST(PartitionedGroups, TextKeysMidwayGoBackToOneLevel) {
  Shape t;
  t.text_batch = 4;  // worker one's
  CheckSame(MakeWide(10, t), true, /*expect_partitioned=*/false);
  t.text_batch = 5;  // worker two's: one stays partitioned until the merge
  CheckSame(MakeWide(10, t));
}

TEST(PartitionedGroups, TopNOverTiesKeepsTheSameRows) {
  std::vector<Batch> batches = MakeWide(12, Shape{});
  Stage stage = MakeStage({0, 1});
  Fixture f;
  for (int slot : {5, 6, 7}) {
    for (bool desc : {true, false}) {
      Stage sort;
      sort.kind = CommandKind::kSort;
      sort.sort_keys.emplace_back(SlotExpr(slot), desc);
      const size_t limit = 15;
      auto [want, p0] = RunTables(f, stage, batches, kOneLevel, kOneLevel, false, {}, &sort, limit);
      auto [got, p1] =
          RunTables(f, stage, batches, kEarly, kEarly, false, {&sort, limit}, &sort, limit);
      EXPECT_FALSE(p0);
      EXPECT_TRUE(p1);
      EXPECT_EQ(got.size(), limit);
      EXPECT_EQ(got, want) << slot << " " << desc;
    }
  }
}

TEST(PartitionedGroups, EmptyAndUndecidedTablesMerge) {
  std::vector<Batch> batches = MakeWide(3, Shape{});
  Fixture f;
  Stage stage = MakeStage({0, 1});
  GroupTable full(stage, -1, &f.eval), empty(stage, -1, &f.eval);
  full.SetPartitioning(1000);
  for (const Batch& b : batches) full.Add(b);
  ASSERT_TRUE(full.partitioned());
  const std::vector<std::string> want = InOrder(full.Finish(8, &f.eval, true));
  full.Merge(std::move(empty));  // no rows: nothing changes
  EXPECT_EQ(InOrder(full.Finish(8, &f.eval, true)), want);
  GroupTable fresh(stage, -1, &f.eval);
  fresh.Merge(std::move(full));  // takes the children
  EXPECT_TRUE(fresh.partitioned());
  EXPECT_EQ(InOrder(fresh.Finish(8, &f.eval, true)), want);
  GroupTable none(stage, -1, &f.eval);
  EXPECT_EQ(none.Finish(8, &f.eval, true).size, 0u);
}

TEST(PartitionedGroups, MemoryBudgetCountsTheChildren) {
  std::vector<Batch> batches = MakeWide(6, Shape{});
  Fixture f;
  const Stage stage = MakeStage({0, 1});  // the table keeps a reference
  GroupTable t(stage, -1, &f.eval);
  t.SetPartitioning(1000);
  for (const Batch& b : batches) t.Add(b);
  ASSERT_TRUE(t.partitioned());
  EXPECT_GT(t.approximate_bytes(), size_t{1} << 20);
  Status st = t.CheckMemory(size_t{1} << 20, 2);
  EXPECT_EQ(st.code(), StatusCode::kResourceExhausted);
  EXPECT_NE(st.message().find(std::to_string(t.group_count()) + " groups"), std::string::npos)
      << st.message();
  EXPECT_TRUE(t.CheckMemory(size_t{4} << 30, 2).ok());
}

}  // namespace
}  // namespace flowlens::query

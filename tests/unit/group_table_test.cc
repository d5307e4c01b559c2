// The group-by kernels on their own: FixedKeyIndex and NarrowKeyIndex (ids in
// insertion order through collisions, growth, Reserve and runs of one key,
// keys by id),
// DistinctPairSet (against std::set), and GroupTable fed batches directly by
// two "workers" then merged: IPv4 pairs in the narrow layout, IPv6 and
// missing keys, a wide (two-lane) layout, and keys that change type so the
// merge meets a generic table. Each result is checked against a reference
// computed here row by row.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "query/aggregate.h"
#include "query/distinct_pair_set.h"
#include "query/evaluator.h"
#include "query/fixed_key_index.h"
#include "query/operators.h"

namespace flowlens::query {
namespace {

template <typename Index>
void CheckIndex(bool narrow, bool dense = false) {
  Index idx;
  if (dense) idx.AllowDenserLoad();  // fills to 3/4 before growing
  std::map<std::pair<uint64_t, uint64_t>, uint32_t> want;
  std::vector<FixedKey> keys;
  // Low bits equal (collide in a small table), then runs of one key.
  for (uint64_t i = 0; i < 50000; ++i) {
    uint64_t a = (i % 20000) << 20;
    uint64_t b = narrow ? 0 : (i % 3);
    keys.push_back(FixedKey{a, b, static_cast<uint32_t>(i % 2)});
    if (i % 5 == 0) keys.push_back(keys.back());
  }
  std::vector<uint32_t> ids(keys.size());
  std::vector<uint8_t> inserted(keys.size());
  std::vector<uint64_t> hashes(keys.size());
  idx.FindOrInsertBatch(keys.data(), keys.size(), ids.data(), inserted.data(), hashes.data());
  for (size_t i = 0; i < keys.size(); ++i) {
    const auto k = std::make_pair(keys[i].a, keys[i].b * 2 + keys[i].tag);
    auto [it, fresh] = want.emplace(k, static_cast<uint32_t>(want.size()));
    EXPECT_EQ(ids[i], it->second) << i;
    EXPECT_EQ(inserted[i], fresh ? 1 : 0) << i;
  }
  EXPECT_EQ(idx.size(), want.size());
  std::vector<FixedKey> by_id = idx.KeysById();
  for (size_t i = 0; i < keys.size(); ++i) {
    EXPECT_EQ(by_id[ids[i]], keys[i]);
    EXPECT_EQ(idx.KeyOf(ids[i]), keys[i]);
  }
  // Reserve keeps the ids (and the keys by id).
  idx.Reserve(idx.size() * 8);
  for (size_t i = 0; i < keys.size(); i += 7) {
    bool ins;
    EXPECT_EQ(idx.FindOrInsert(keys[i], &ins), ids[i]);
    EXPECT_FALSE(ins);
    EXPECT_EQ(idx.KeyOf(ids[i]), keys[i]);
  }
  EXPECT_EQ(idx.KeysById(), by_id);
}

TEST(FixedKeyIndex, IdsInInsertionOrderThroughGrowth) {
  CheckIndex<FixedKeyIndex>(false);
  CheckIndex<NarrowKeyIndex>(true);
  CheckIndex<FixedKeyIndex>(false, /*dense=*/true);
  CheckIndex<NarrowKeyIndex>(true, /*dense=*/true);
}

TEST(DistinctPairSet, MatchesStdSet) {
  DistinctPairSet s;
  std::set<uint64_t> want;
  std::vector<uint64_t> keys;
  uint64_t x = 12345;
  for (int i = 0; i < 200000; ++i) {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    // Few groups, few values: many repeats; value UINT32_MAX included.
    uint32_t g = static_cast<uint32_t>((x >> 40) % 300);
    uint32_t v = i % 1000 == 0 ? UINT32_MAX : static_cast<uint32_t>((x >> 20) % 2000) << 16;
    keys.push_back(DistinctPairSet::Key(g, v));
  }
  std::vector<uint8_t> inserted(keys.size());
  std::vector<uint64_t> hashes(keys.size());
  s.InsertBatch(keys.data(), keys.size() / 2, inserted.data(), hashes.data());
  for (size_t i = keys.size() / 2; i < keys.size(); ++i) inserted[i] = s.Insert(keys[i]);
  for (size_t i = 0; i < keys.size(); ++i) {
    EXPECT_EQ(inserted[i] != 0, want.insert(keys[i]).second) << i;
  }
  EXPECT_EQ(s.size(), want.size());
  std::set<uint64_t> seen;
  s.ForEach([&](uint64_t k) { seen.insert(k); });
  EXPECT_EQ(seen, want);
}

BoundExprPtr SlotExpr(int slot) {
  auto e = std::make_unique<BoundExpr>();
  e->kind = BoundKind::kSlot;
  e->slot = slot;
  return e;
}

// Columns: 0 src (address), 1 dst (address), 2 port (int), 3 bytes (int),
// 4 ts (timestamp); results at 5 (sum), 6 (count), 7 (count_distinct).
struct Rows {
  std::vector<Batch> batches;
};

Stage MakeStage(std::vector<int> key_slots) {
  Stage stage;
  stage.kind = CommandKind::kStats;
  for (int k : key_slots) {
    stage.group_exprs.push_back(SlotExpr(k));
    stage.group_slots.push_back(k);
  }
  AggSpec sum;
  sum.kind = AggKind::kSum;
  sum.arg = SlotExpr(3);
  sum.result_slot = 5;
  AggSpec count;
  count.kind = AggKind::kCountStar;
  count.result_slot = 6;
  AggSpec distinct;
  distinct.kind = AggKind::kCountDistinct;
  distinct.arg = SlotExpr(2);
  distinct.result_slot = 7;
  stage.aggregates.push_back(std::move(sum));
  stage.aggregates.push_back(std::move(count));
  stage.aggregates.push_back(std::move(distinct));
  return stage;
}

// `batches` batches of 1000 rows: IPv4 pairs, every 13th source IPv6, every
// 17th source missing, ports past 32 bits now and then (the wide distinct
// path), negative bytes now and then. With `text_from` >= 0, the source of
// batches from that one on is text (the generic path).
std::vector<Batch> MakeBatches(int batches, int text_from, uint32_t sources = 500) {
  std::vector<Batch> out;
  uint64_t x = 99;
  for (int b = 0; b < batches; ++b) {
    Batch batch;
    batch.size = 1000;
    batch.columns.resize(8);
    Column& src = batch.columns[0];
    Column& dst = batch.columns[1];
    Column& port = batch.columns[2];
    Column& bytes = batch.columns[3];
    Column& ts = batch.columns[4];
    const bool text = text_from >= 0 && b >= text_from;
    src.kind = text ? ColumnKind::kString : ColumnKind::kAddress;
    dst.kind = ColumnKind::kAddress;
    port.kind = bytes.kind = ColumnKind::kInt;
    ts.kind = ColumnKind::kTimestamp;
    src.valid.assign(batch.size, 1);
    static const char* const kHosts[] = {"host0", "host1", "host2", "host3",
                                         "host4", "host5", "host6", ""};
    for (size_t r = 0; r < batch.size; ++r) {
      x = x * 6364136223846793005ull + 1442695040888963407ull;
      const uint32_t s = static_cast<uint32_t>((x >> 33) % sources);
      IpAddress ip = s % 13 == 0 ? IpAddress::V6(0x20010db8ull << 32, s) : IpAddress::V4(s);
      if (text) {
        src.strings.push_back(kHosts[s % 8]);
      } else {
        src.addrs.push_back(ip);
      }
      if (s % 17 == 0) src.valid[r] = 0;
      dst.addrs.push_back(IpAddress::V4(0x0A000000u + static_cast<uint32_t>((x >> 20) % 7)));
      port.ints.push_back((x >> 10) % 50 == 0 ? (int64_t{1} << 40) + (x % 3)
                                              : static_cast<int64_t>((x >> 12) % 40));
      bytes.ints.push_back((x >> 5) % 11 == 0 ? -5 : static_cast<int64_t>((x >> 14) % 1000));
      ts.ints.push_back(1700000000000 + static_cast<int64_t>(b) * 300000);
    }
    out.push_back(std::move(batch));
  }
  return out;
}

// "key1|key2" -> "sum count distinct", from the Finish() batch.
std::map<std::string, std::string> Rendered(const Batch& out, const std::vector<int>& keys) {
  std::map<std::string, std::string> m;
  for (size_t r = 0; r < out.size; ++r) {
    std::string k;
    for (int slot : keys) {
      Value v = out.columns[slot].Get(r);
      k += (v.is_null() ? "NULL" : ValueToText(v)) + "|";
    }
    std::string v;
    for (int slot : {5, 6, 7}) {
      Value x = out.columns[slot].Get(r);
      v += (x.is_null() ? "NULL" : ValueToText(x)) + " ";
    }
    EXPECT_TRUE(m.emplace(k, v).second) << "duplicate group " << k;
  }
  return m;
}

// The same by hand, row by row.
std::map<std::string, std::string> Reference(const std::vector<Batch>& batches,
                                             const std::vector<int>& keys) {
  struct Acc {
    int64_t sum = 0, count = 0;
    std::set<int64_t> ports;
  };
  std::map<std::string, Acc> acc;
  for (const Batch& b : batches) {
    for (size_t r = 0; r < b.size; ++r) {
      std::string k;
      for (int slot : keys) {
        Value v = b.columns[slot].Get(r);
        k += (v.is_null() ? "NULL" : ValueToText(v)) + "|";
      }
      Acc& a = acc[k];
      a.sum += b.columns[3].ints[r];
      a.count += 1;
      a.ports.insert(b.columns[2].ints[r]);
    }
  }
  std::map<std::string, std::string> m;
  for (const auto& [k, a] : acc) {
    m[k] = std::to_string(a.sum) + " " + std::to_string(a.count) + " " +
           std::to_string(a.ports.size()) + " ";
  }
  return m;
}

// MakeStage(keys) over `batches` by two "workers" (one takes the even
// batches, two the odd ones), merged: the Finish() batch, in key order.
Batch RunMerged(const std::vector<Batch>& batches, const std::vector<int>& keys) {
  Stage stage = MakeStage(keys);
  Plan plan;
  QueryTimes times;
  EvalState eval(plan, &times);
  GroupTable one(stage, -1, &eval), two(stage, -1, &eval);
  for (size_t i = 0; i < batches.size(); ++i) (i % 2 ? two : one).Add(batches[i]);
  one.Merge(std::move(two));
  return one.Finish(8, &eval, true);
}

void CheckMerged(const std::vector<int>& keys, int text_from, int batch_count = 40,
                 uint32_t sources = 500) {
  std::vector<Batch> batches = MakeBatches(batch_count, text_from, sources);
  Batch out = RunMerged(batches, keys);
  EXPECT_EQ(Rendered(out, keys), Reference(batches, keys));
  // Rows in key order: the first key ascending, missing last.
  for (size_t r = 1; r < out.size; ++r) {
    Value a = out.columns[keys[0]].Get(r - 1), b = out.columns[keys[0]].Get(r);
    if (b.is_null()) continue;
    ASSERT_FALSE(a.is_null()) << r;
  }
}

TEST(GroupTable, NarrowIpv4PairsWithIpv6AndMissingMerge) {
  CheckMerged({0, 1}, -1);
}

TEST(GroupTable, OneOrTwoAddressKeysInEitherOrder) {
  // BuildAddressKeys: one address, or two with the first in bits 0..31;
  // IPv6 and missing sources among them.
  CheckMerged({0}, -1);
  CheckMerged({1, 0}, -1);
  CheckMerged({1}, -1);
}

TEST(GroupTable, ManyGroupsMerge) {
  // ~22k groups a table, ~38k in the union: the table merged into fills past
  // 1/2 (FixedKeyIndex::AllowDenserLoad), the count_distinct pair sets grow
  // (DistinctPairSet::Grow over many blocks) in the workers and in the merge.
  CheckMerged({0, 1}, -1, 50, 12000);
  CheckMerged({0, 4}, -1, 50, 12000);  // wide layout
}

TEST(GroupTable, WideLayoutMerges) {
  CheckMerged({0, 4}, -1);  // address + timestamp: two lanes
}

TEST(GroupTable, OneTimestampKeyInRuns) {
  CheckMerged({4}, -1);
}

TEST(GroupTable, TextKeysMidwayMergeWithFixedTable) {
  // Worker one turns generic at batch 21, worker two (odd batches) too: and
  // with text only in the last batch, one table stays fixed.
  CheckMerged({0, 1}, 21);
  CheckMerged({0, 1}, 39);
}

// Rows of a Finish() batch in order, every column rendered.
std::vector<std::string> InOrder(const Batch& out) {
  std::vector<std::string> rows;
  for (size_t r = 0; r < out.size; ++r) {
    std::string row;
    for (size_t slot = 0; slot < out.columns.size(); ++slot) {
      Value v = out.columns[slot].Get(r);
      row += (v.is_null() ? "NULL" : ValueToText(v)) + "|";
    }
    rows.push_back(row);
  }
  return rows;
}

// stats ... | sort <slot> [desc] | limit n, with and without the top-N finish:
// the same rows in the same order.
// Returns how many rows the top-N finish handed to the sort, out of how many groups.
std::pair<size_t, size_t> CheckTopN(const std::vector<Batch>& batches, const std::vector<int>& keys,
                                    int sort_slot, bool descending, size_t limit,
                                    bool via_final = false) {
  Stage stage = MakeStage(keys);
  Stage sort;
  sort.kind = CommandKind::kSort;
  if (via_final) {
    // As the analyzer binds `stats sum(x) as p | sort p`: p (slot 8) is a
    // final reading the aggregate's slot.
    stage.finals.emplace_back(8, SlotExpr(sort_slot));
    sort.sort_keys.emplace_back(SlotExpr(8), descending);
  } else {
    sort.sort_keys.emplace_back(SlotExpr(sort_slot), descending);
  }
  sort.sort_keys.emplace_back(SlotExpr(6), false);
  Plan plan;
  QueryTimes times;
  EvalState eval(plan, &times);
  size_t finished = 0;
  auto run = [&](bool top_n) {
    GroupTable one(stage, -1, &eval), two(stage, -1, &eval);
    for (size_t i = 0; i < batches.size(); ++i) (i % 2 ? two : one).Add(batches[i]);
    one.Merge(std::move(two));
    GroupTable::TopN top;
    if (top_n) top = {&sort, limit};
    Batch out = one.Finish(9, &eval, false, top);
    finished = out.size;
    EXPECT_TRUE(ApplySort(sort, &out, &eval, limit, stage.group_slots).ok());
    return InOrder(out);
  };
  std::vector<std::string> want = run(false);
  const size_t groups = finished;
  EXPECT_EQ(want.size(), limit);
  EXPECT_EQ(run(true), want) << "sort slot " << sort_slot << (descending ? " desc" : " asc");
  return {finished, groups};
}

TEST(GroupTable, TopNFinishKeepsTheSameRows) {
  std::vector<Batch> batches = MakeBatches(40, -1);
  for (bool desc : {true, false}) {
    // sum: few ties, so the top-N finish keeps only a few candidates.
    auto [kept, groups] = CheckTopN(batches, {0, 1}, 5, desc, 15);
    EXPECT_LT(kept, groups / 4);
    EXPECT_GE(kept, 15u);
    EXPECT_LT(CheckTopN(batches, {0, 1}, 5, desc, 15, /*via_final=*/true).first, groups / 4);
    CheckTopN(batches, {0, 1}, 6, desc, 15);  // count: many ties
    CheckTopN(batches, {0, 1}, 7, desc, 1);
    // A key: no top-N finish, every group is sorted.
    auto [all, key_groups] = CheckTopN(batches, {0, 1}, 0, desc, 15);
    EXPECT_EQ(all, key_groups);
    CheckTopN(batches, {0, 4}, 5, desc, 40);  // wide layout
  }
  // Sums missing for a fifth of the groups (every byte count of their rows
  // missing): they sort last either way and are never candidates.
  std::vector<Batch> holes = batches;
  for (Batch& b : holes) {
    Column& bytes = b.columns[3];
    bytes.valid.assign(b.size, 1);
    for (size_t r = 0; r < b.size; ++r) bytes.valid[r] = b.columns[0].addrs[r].lo % 5 != 0;
  }
  for (bool desc : {true, false}) {
    auto [kept, groups] = CheckTopN(holes, {0, 1}, 5, desc, 15, /*via_final=*/true);
    EXPECT_LT(kept, groups / 4);
  }
  // Text keys (the generic table), IPv6 and missing sources among them.
  std::vector<Batch> text = MakeBatches(40, 20);
  EXPECT_LT(CheckTopN(text, {0, 1}, 5, true, 15).first, 100u);
  CheckTopN(text, {0, 1}, 5, false, 15);
}

TEST(GroupTable, TopNFinishEdgeCases) {
  Stage stage = MakeStage({0, 1});
  Stage sort;
  sort.kind = CommandKind::kSort;
  sort.sort_keys.emplace_back(SlotExpr(5), true);
  Plan plan;
  QueryTimes times;
  EvalState eval(plan, &times);
  {
    // No rows: no groups.
    GroupTable empty(stage, -1, &eval);
    EXPECT_EQ(empty.Finish(8, &eval, false, {&sort, 15}).size, 0u);
  }
  {
    // One group; a limit above the group count.
    std::vector<Batch> one = MakeBatches(1, -1);
    for (Column& c : one[0].columns) {
      if (!c.addrs.empty()) std::fill(c.addrs.begin(), c.addrs.end(), IpAddress::V4(1));
    }
    one[0].columns[0].valid.clear();
    GroupTable t(stage, -1, &eval);
    t.Add(one[0]);
    Batch out = t.Finish(8, &eval, false, {&sort, 15});
    EXPECT_EQ(out.size, 1u);
    EXPECT_EQ(out.columns[6].Get(0).i, 1000);
  }
}

// An empty batch of `rows` rows for MakeStage({0, 1}): text keys in slots 0
// and 1 (every value present until a test says otherwise), ints in 2 and 3.
Batch TextKeyBatch(size_t rows) {
  Batch batch;
  batch.size = rows;
  batch.columns.resize(8);
  for (int k : {0, 1}) {
    batch.columns[k].kind = ColumnKind::kString;
    batch.columns[k].valid.assign(rows, 1);
  }
  batch.columns[2].kind = batch.columns[3].kind = ColumnKind::kInt;
  return batch;
}

// Text keys come out in the natural order (docs/compat.md), missing last.
TEST(GroupTable, TextKeysInNaturalOrder) {
  static const char* const kText[] = {"10.0.1.16", "10.0.1.5", "9.0.0.1", "ingress", "egress",
                                      "a10",       "a9",       "01",      "1",       "1.5"};
  Batch batch = TextKeyBatch(600);
  Column& a = batch.columns[0];
  Column& b = batch.columns[1];
  b.valid.clear();
  for (size_t r = 0; r < batch.size; ++r) {
    a.strings.push_back(kText[(r * 7) % 10]);
    b.strings.push_back(kText[(r / 10 + r * 3) % 10]);
    if (r % 11 == 0) a.valid[r] = 0;
    batch.columns[2].ints.push_back(static_cast<int64_t>(r % 5));
    batch.columns[3].ints.push_back(static_cast<int64_t>(r));
  }
  Stage stage = MakeStage({0, 1});
  Plan plan;
  QueryTimes times;
  EvalState eval(plan, &times);
  GroupTable t(stage, -1, &eval);
  t.Add(batch);
  Batch out = t.Finish(8, &eval, true);
  ASSERT_GT(out.size, 20u);
  auto before = [](const Value& x, const Value& y) {  // x sorts before or equal to y
    if (y.is_null()) return true;
    if (x.is_null()) return false;
    return NaturalCompare(x, y) <= 0;
  };
  for (size_t r = 1; r < out.size; ++r) {
    Value a0 = out.columns[0].Get(r - 1), a1 = out.columns[0].Get(r);
    ASSERT_TRUE(before(a0, a1)) << r;
    if ((a0.is_null() && a1.is_null()) ||
        (!a0.is_null() && !a1.is_null() && NaturalCompare(a0, a1) == 0)) {
      ASSERT_TRUE(before(out.columns[1].Get(r - 1), out.columns[1].Get(r))) << r;
    }
  }
}


// Text keys in runs (as the store hands them out: rows grouped by log stream,
// values as views of one dictionary): a row whose views are the row before's
// takes its group without its key being hashed. Runs of the same text through
// another view, missing values (whose views say nothing) and runs that
// change in one key only must still group by the texts.
TEST(GroupTable, TextKeyRunsGroupByTheirTexts) {
  static const std::string kCopies[2][4] = {{"eni-1", "eni-2", "ACCEPT", "REJECT"},
                                            {"eni-1", "eni-2", "ACCEPT", "REJECT"}};
  std::vector<Batch> batches;
  for (int bi = 0; bi < 6; ++bi) {
    Batch batch = TextKeyBatch(1000);
    Column& a = batch.columns[0];
    Column& b = batch.columns[1];
    for (size_t r = 0; r < batch.size; ++r) {
      const size_t run = (r + static_cast<size_t>(bi) * 1000) / 37;
      const std::string* copy = kCopies[run % 2];  // the same texts, other views
      a.strings.push_back(copy[(run / 2) % 2]);
      b.strings.push_back(copy[2 + (r / 5) % 2]);  // b changes within a's runs
      if (r % 29 == 0) a.valid[r] = 0;             // its view still says "eni-..."
      if (r % 31 == 0) b.valid[r] = 0, b.strings.back() = std::string_view();
      batch.columns[2].ints.push_back(static_cast<int64_t>(r / 3 % 7));  // runs of 3
      batch.columns[3].ints.push_back(static_cast<int64_t>(r));
    }
    batches.push_back(std::move(batch));
  }
  // Text keys, and a text with an int key (runs of ints compare values).
  for (const std::vector<int>& keys : {std::vector<int>{0, 1}, {0, 2}, {2, 1}}) {
    Batch out = RunMerged(batches, keys);
    EXPECT_EQ(Rendered(out, keys), Reference(batches, keys));
    if (keys[1] == 1) EXPECT_EQ(out.size, keys[0] == 0 ? 9u : 21u);  // 3 x 3 (NULL too); 7 x 3
  }
}

}  // namespace
}  // namespace flowlens::query

// Helpers for the group table tests: a stats stage over fixed slots, and a
// Finish() output rendered for comparison with a row-by-row reference.
// Columns: 0 src (address), 1 dst (address), 2 port (int), 3 bytes (int),
// 4 ts (timestamp); results at 5 (sum of bytes), 6 (count(*)), 7
// (count_distinct of ports).
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "query/aggregate.h"
#include "query/evaluator.h"
#include "query/operators.h"

namespace flowlens::query::group_testing {

inline BoundExprPtr SlotExpr(int slot) {
  auto e = std::make_unique<BoundExpr>();
  e->kind = BoundKind::kSlot;
  e->slot = slot;
  return e;
}

inline Stage MakeStage(std::vector<int> key_slots) {
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

// "key1|key2" -> "sum count distinct", from the Finish() batch.
inline std::map<std::string, std::string> Rendered(const Batch& out, const std::vector<int>& keys) {
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

// The same by hand, row by row (a missing byte count or port is skipped;
// a group with no byte count sums to NULL).
inline std::map<std::string, std::string> Reference(const std::vector<Batch>& batches,
                                                    const std::vector<int>& keys) {
  struct Acc {
    int64_t sum = 0, count = 0, summed = 0;
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
      if (b.columns[3].IsValid(r) && b.columns[3].kind == ColumnKind::kInt) {
        a.sum += b.columns[3].ints[r];
        ++a.summed;
      }
      a.count += 1;
      if (b.columns[2].IsValid(r) && b.columns[2].kind == ColumnKind::kInt) {
        a.ports.insert(b.columns[2].ints[r]);
      }
    }
  }
  std::map<std::string, std::string> m;
  for (const auto& [k, a] : acc) {
    m[k] = (a.summed ? std::to_string(a.sum) : std::string("NULL")) + " " +
           std::to_string(a.count) + " " + std::to_string(a.ports.size()) + " ";
  }
  return m;
}

// Rows of a Finish() batch in order, every column rendered.
inline std::vector<std::string> InOrder(const Batch& out) {
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

}  // namespace flowlens::query::group_testing

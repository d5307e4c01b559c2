// GroupTable's finish (aggregate.h): the stats output rows from the merged
// table. Aggregate columns first; with a top-N (stats | sort agg | limit n)
// only the candidate groups' keys are built; groups come out in key order
// unless a sort follows (text keys ranked once per distinct value,
// order_ranks.h). Benchmarks: bench/aggregation_bench.cc (BM_FinishTopN,
// BM_GroupOrderText).
#include <algorithm>
#include <functional>
#include <numeric>

#include "query/aggregate.h"
#include "query/operators.h"
#include "query/order_ranks.h"

namespace flowlens::query {

std::vector<uint32_t> GroupTable::GroupOrder(size_t groups,
                                             const std::vector<const Column*>& key_columns) {
  std::vector<uint32_t> order(groups);
  std::iota(order.begin(), order.end(), 0);
  // Natural order of each key in turn, missing keys last: typed columns
  // compare their arrays directly (the same order as NaturalCompare), others
  // their OrderRanks (text parsed and compared once per distinct value).
  std::vector<std::vector<uint32_t>> ranks(key_columns.size());
  for (size_t k = 0; k < key_columns.size(); ++k) {
    if (!ComparesDirectly(*key_columns[k])) ranks[k] = OrderRanks(*key_columns[k], groups);
  }
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
    for (size_t k = 0; k < key_columns.size(); ++k) {
      if (!ranks[k].empty()) {
        if (ranks[k][a] != ranks[k][b]) return ranks[k][a] < ranks[k][b];
        continue;
      }
      const Column& c = *key_columns[k];
      const bool va = c.IsValid(a) && c.kind != ColumnKind::kNull;
      const bool vb = c.IsValid(b) && c.kind != ColumnKind::kNull;
      if (!va || !vb) {
        if (va == vb) continue;
        return va;
      }
      if (c.kind == ColumnKind::kAddress) {
        if (c.addrs[a] < c.addrs[b]) return true;
        if (c.addrs[b] < c.addrs[a]) return false;
      } else if (c.ints[a] != c.ints[b]) {
        return c.ints[a] < c.ints[b];
      }
    }
    return a < b;
  });
  return order;
}

std::vector<FixedKey> GroupTable::FixedKeysOf(const std::vector<uint32_t>* ids) const {
  if (!ids) return WithFixedIndex([](const auto& idx) { return idx.KeysById(); });
  std::vector<FixedKey> keys(ids->size());
  WithFixedIndex([&](const auto& idx) {
    for (size_t i = 0; i < ids->size(); ++i) keys[i] = idx.KeyOf((*ids)[i]);
  });
  return keys;
}

std::vector<Column> GroupTable::KeyColumns(const std::vector<uint32_t>* ids, Arena* arena) const {
  const size_t rows = ids ? ids->size() : groups_;
  std::vector<Column> key_columns;
  if (mode_ == Mode::kFixed) {
    // Typed columns straight from the lanes.
    std::vector<FixedKey> keys = FixedKeysOf(ids);
    for (size_t i = 0; i < lanes_.size(); ++i) {
      Column c;
      c.kind = lanes_[i].kind;
      bool any_null = false;
      for (const FixedKey& k : keys) any_null |= (k.tag >> i) & 1;
      if (any_null) c.valid.resize(rows);
      if (c.kind == ColumnKind::kAddress) {
        c.addrs.resize(rows);
      } else {
        c.ints.resize(rows);
      }
      const Lane& l = lanes_[i];
      const uint64_t mask = l.bits == 64 ? ~uint64_t{0} : uint64_t{0xFFFFFFFF};
      const uint32_t v6_bit = uint32_t{1} << (kV6Shift + i);
      for (size_t g = 0; g < rows; ++g) {
        const FixedKey& k = keys[g];
        if (any_null) c.valid[g] = !((k.tag >> i) & 1);
        const uint64_t bits = ((l.lane == 0 ? k.a : k.b) >> l.shift) & mask;
        if (c.kind != ColumnKind::kAddress) {
          c.ints[g] = static_cast<int64_t>(bits);
        } else if (k.tag & v6_bit) {
          if (!((k.tag >> i) & 1)) c.addrs[g] = v6_addrs_[bits];
        } else {
          c.addrs[g] = IpAddress::V4(static_cast<uint32_t>(bits));
        }
      }
      key_columns.push_back(std::move(c));
    }
  } else if (mode_ == Mode::kGeneric) {
    std::vector<ColumnBuilder> builders(stage_.group_exprs.size(), ColumnBuilder(rows));
    for (size_t r = 0; r < rows; ++r) {
      std::string_view k = generic_.key(ids ? (*ids)[r] : static_cast<uint32_t>(r));
      size_t pos = 0;
      for (ColumnBuilder& b : builders) {
        Value v = DecodeKey(k, &pos);
        if (v.type == ValueType::kString) v.s = arena->Store(v.s);
        b.Append(v);
      }
    }
    for (ColumnBuilder& b : builders) key_columns.push_back(b.Finish());
  } else if (mode_ == Mode::kUndecided) {
    key_columns.resize(stage_.group_exprs.size());
  }
  return key_columns;
}

namespace {

// The k-th best present value of an int column (best first by `better`, with
// repeats counted), or nullopt when it has fewer than k present values.
template <typename Better>
std::optional<int64_t> NthBest(const Column& c, size_t k, Better better) {
  std::vector<int64_t> heap;  // the k best so far; heap.front() the worst of them
  heap.reserve(k);
  const size_t n = c.ints.size();
  for (size_t g = 0; g < n; ++g) {
    if (!c.IsValid(g)) continue;
    const int64_t v = c.ints[g];
    if (heap.size() < k) {
      heap.push_back(v);
      std::push_heap(heap.begin(), heap.end(), better);
    } else if (better(v, heap.front())) {
      std::pop_heap(heap.begin(), heap.end(), better);
      heap.back() = v;
      std::push_heap(heap.begin(), heap.end(), better);
    }
  }
  if (heap.size() < k) return std::nullopt;
  return heap.front();
}

}  // namespace

std::optional<std::vector<uint32_t>> GroupTable::TopCandidates(const Batch& out,
                                                               const TopN& top) const {
  // Only a sort whose first key is an aggregate's typed int result, over
  // many more groups than rows kept.
  if (!top.sort || top.sort->sort_keys.empty() || top.limit == 0) return std::nullopt;
  if (out.size <= 4 * top.limit + 64) return std::nullopt;
  const auto& [expr, descending] = top.sort->sort_keys[0];
  if (expr->kind != BoundKind::kSlot) return std::nullopt;
  // `stats sum(x) as p | sort p`: p is a final that reads the aggregate's slot.
  int slot = expr->slot;
  for (const auto& [final_slot, final_expr] : stage_.finals) {
    if (final_slot != slot) continue;
    if (final_expr->kind != BoundKind::kSlot) return std::nullopt;
    slot = final_expr->slot;
    break;
  }
  bool is_result = false;
  for (const AggSpec& a : stage_.aggregates) is_result |= a.result_slot == slot;
  if (!is_result) return std::nullopt;
  const Column& c = out.columns[slot];
  if (c.kind != ColumnKind::kInt) return std::nullopt;
  // The limit-th best present first key: a group whose first key sorts after
  // it (or is missing: missing values sort last) cannot be among the first
  // `limit` rows, whatever the later keys.
  // Found in one pass over the column with a heap of the `limit` best
  // values so far (its top: the worst of them), not by copying and
  // partitioning a million values on the one thread that runs the finish.
  std::optional<int64_t> nth = descending ? NthBest(c, top.limit, std::greater<int64_t>())
                                          : NthBest(c, top.limit, std::less<int64_t>());
  if (!nth) return std::nullopt;
  const int64_t bound = *nth;
  std::vector<uint32_t> ids;
  for (uint32_t g = 0; g < out.size; ++g) {
    if (c.IsValid(g) && (descending ? c.ints[g] >= bound : c.ints[g] <= bound)) ids.push_back(g);
  }
  if (ids.size() * 2 > out.size) return std::nullopt;  // mostly ties: no gain
  return ids;
}

Batch GroupTable::Finish(size_t slot_count, EvalState* state, bool order_by_keys, const TopN& top) {
  Batch out;
  out.columns.resize(slot_count);
  const size_t groups = groups_ == 0 && mode_ == Mode::kGlobal ? 1 : groups_;
  Arena& arena = *out.arena;
  // Aggregate columns first: a top-N keeps only the candidates' keys.
  for (size_t a = 0; a < accs_.size(); ++a) {
    Column c = accs_[a]->FinalColumn(groups);
    // Text (min/max of strings) points into the accumulator: copy it.
    for (std::string_view& t : c.strings) t = arena.Store(t);
    for (Value& v : c.values) {
      if (v.type == ValueType::kString) v.s = arena.Store(v.s);
    }
    out.columns[stage_.aggregates[a].result_slot] = std::move(c);
  }
  out.size = groups;
  std::optional<std::vector<uint32_t>> selected;
  if (mode_ != Mode::kGlobal) selected = TopCandidates(out, top);
  if (selected) {
    // Candidates in group id order: rows keep their relative order, so the
    // sort that follows breaks its last ties the same way.
    out = Gather(out, *selected);
  }
  std::vector<Column> key_columns = KeyColumns(selected ? &*selected : nullptr, &arena);
  for (size_t i = 0; i < stage_.group_slots.size() && i < key_columns.size(); ++i) {
    out.columns[stage_.group_slots[i]] = std::move(key_columns[i]);
  }
  const size_t rows = out.size;
  out.source_ids.assign(rows, 0);
  out.row_ids.assign(rows, 0);
  if (order_by_keys && !stage_.group_slots.empty()) {
    std::vector<const Column*> sort_keys;
    for (int slot : stage_.group_slots) sort_keys.push_back(&out.columns[slot]);
    std::vector<uint32_t> order = GroupOrder(rows, sort_keys);
    bool identity = true;
    for (uint32_t i = 0; i < order.size() && identity; ++i) identity = order[i] == i;
    if (!identity) out = Gather(out, order);
  }
  for (const auto& [slot, expr] : stage_.finals) {
    out.columns[slot] = Evaluate(*expr, out, *state).Release();
    if (out.columns[slot].kind == ColumnKind::kConstant && rows > 0) {
      ColumnBuilder b(rows);
      for (size_t r = 0; r < rows; ++r) b.Append(out.columns[slot].constant);
      out.columns[slot] = b.Finish();
    }
  }
  return out;
}

}  // namespace flowlens::query

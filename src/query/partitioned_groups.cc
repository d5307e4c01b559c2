// GroupTable's partitioned mode (aggregate.h): the merge of two workers'
// tables of many groups, built in parallel.
//
// Why it is fast: a one-level merge of two tables of a million groups each
// probes every key of one table into the other, one at a time on one thread
// while the other core idles, each probe a cache miss in tens of MB. Here
// the keys of both tables go to kPartitions children by the high bits of
// their hash; two threads each build half of the children (so no locks),
// and each child, a 1/kPartitions slice of the groups, is a table small
// enough for the cache. The states follow (Accumulator::MergeInto, each
// thread taking its groups' states). Finish then works child by child: with
// a top-N (stats | sort | limit), only each child's candidates are built.
// Benchmark: bench/aggregation_bench.cc (BM_MergeTables, BM_PartitionedPairs).
//
// A row's group gets the same sums as in the one-level merge: states fold
// in the same order (this table's first, then the other's).
#include <algorithm>
#include <thread>

#include "query/aggregate.h"
#include "query/operators.h"

namespace flowlens::query {

namespace {

bool IntLike(ColumnKind k) {
  return k == ColumnKind::kInt || k == ColumnKind::kTimestamp || k == ColumnKind::kBool;
}

// The children's outputs as one batch: typed columns appended array by
// array, other columns value by value.
Column ConcatColumn(std::vector<Batch>& parts, size_t slot, Arena* arena) {
  ColumnKind kind = ColumnKind::kNull;
  bool typed = true, any_valid = false;
  size_t rows = 0;
  for (const Batch& b : parts) {
    if (b.size == 0) continue;
    rows += b.size;
    const Column& c = b.columns[slot];
    any_valid |= !c.valid.empty() || c.kind == ColumnKind::kNull;
    if (c.kind == ColumnKind::kNull) continue;
    if (kind == ColumnKind::kNull) kind = c.kind;
    typed &= c.kind == kind &&
             (IntLike(kind) || kind == ColumnKind::kDouble || kind == ColumnKind::kAddress);
  }
  Column out;
  if (kind == ColumnKind::kNull) return out;
  if (!typed) {
    ColumnBuilder builder(rows);
    for (const Batch& b : parts) {
      for (size_t r = 0; r < b.size; ++r) {
        Value v = b.columns[slot].Get(r);
        if (v.type == ValueType::kString) v.s = arena->Store(v.s);
        builder.Append(v);
      }
    }
    return builder.Finish();
  }
  out.kind = kind;
  if (any_valid) out.valid.reserve(rows);
  for (const Batch& b : parts) {
    if (b.size == 0) continue;
    const Column& c = b.columns[slot];
    const bool null = c.kind == ColumnKind::kNull;
    if (IntLike(kind)) {
      if (null)
        out.ints.insert(out.ints.end(), b.size, 0);
      else
        out.ints.insert(out.ints.end(), c.ints.begin(), c.ints.begin() + b.size);
    } else if (kind == ColumnKind::kDouble) {
      if (null)
        out.doubles.insert(out.doubles.end(), b.size, 0);
      else
        out.doubles.insert(out.doubles.end(), c.doubles.begin(), c.doubles.begin() + b.size);
    } else {
      if (null)
        out.addrs.insert(out.addrs.end(), b.size, IpAddress{});
      else
        out.addrs.insert(out.addrs.end(), c.addrs.begin(), c.addrs.begin() + b.size);
    }
    if (!any_valid) continue;
    if (null) {
      out.valid.insert(out.valid.end(), b.size, 0);
    } else if (c.valid.empty()) {
      out.valid.insert(out.valid.end(), b.size, 1);
    } else {
      out.valid.insert(out.valid.end(), c.valid.begin(), c.valid.begin() + b.size);
    }
  }
  return out;
}

}  // namespace

uint32_t GroupTable::PartitionOf(const FixedKey& key) const {
  FixedKey k = key;
  if (k.tag >> kV6Shift) {
    // An IPv6 id is this table's own: the address's bits stand in for it,
    // so that both tables of a merge put the address in the same child.
    for (size_t i = 0; i < lanes_.size(); ++i) {
      if (!(k.tag & (uint32_t{1} << (kV6Shift + i)))) continue;
      const Lane& l = lanes_[i];
      uint64_t& lane = l.lane == 0 ? k.a : k.b;
      const IpAddress& ip = V6Addrs()[(lane >> l.shift) & 0xFFFFFFFFu];
      const uint64_t folded = HashFixedKey(FixedKey{ip.hi, ip.lo, 0}) & 0xFFFFFFFFu;
      lane = (lane & ~(uint64_t{0xFFFFFFFF} << l.shift)) | folded << l.shift;
    }
  }
  return static_cast<uint32_t>(HashFixedKey(k) >> (64 - kPartitionBits));
}

bool GroupTable::Partitionable() const {
  if (mode_ != Mode::kFixed || time_bins_ || v6_source_) return false;
  for (const AggSpec& a : stage_.aggregates) {
    if (a.kind == AggKind::kCountDistinct) return false;  // its pairs are not kept by group
  }
  return true;
}

void GroupTable::MergeToPartitions(GroupTable&& other) {
  // The other's IPv6 addresses get our ids (serially), so that every key
  // of both tables is in our numbering.
  const std::vector<uint32_t> v6_map = V6Map(other);
  std::vector<FixedKey> keys[2] = {
      WithFixedIndex([](const auto& idx) { return idx.KeysById(); }),
      other.WithFixedIndex([](const auto& idx) { return idx.KeysById(); })};
  if (!v6_map.empty()) {
    for (FixedKey& k : keys[1]) k = Translate(v6_map, k);
  }
  GroupTable* tables[2] = {this, &other};
  parts_.clear();
  for (size_t p = 0; p < kPartitions; ++p) {
    auto child = std::make_unique<GroupTable>(stage_, -1, state_);
    child->mode_ = Mode::kFixed;
    child->lanes_ = lanes_;
    child->narrow_ = narrow_;
    child->partition_groups_ = 0;
    child->v6_source_ = &v6_addrs_;  // the keys' IPv6 ids are ours
    parts_.push_back(std::move(child));
  }
  // Every group of both tables listed by child (a counting sort), this
  // table's groups first: entry g | t << 31 for group g of table t.
  constexpr uint32_t kTableBit = uint32_t{1} << 31;
  std::vector<uint8_t> part[2];
  uint32_t counts[2][kPartitions] = {};
  for (int t = 0; t < 2; ++t) {
    part[t].resize(keys[t].size());
    for (size_t g = 0; g < keys[t].size(); ++g) {
      part[t][g] = static_cast<uint8_t>(PartitionOf(keys[t][g]));
      ++counts[t][part[t][g]];
    }
  }
  std::vector<uint32_t> start(kPartitions + 1, 0);
  for (size_t p = 0; p < kPartitions; ++p) start[p + 1] = start[p] + counts[0][p] + counts[1][p];
  std::vector<uint32_t> entries(start[kPartitions]);
  {
    std::vector<uint32_t> fill(start.begin(), start.end() - 1);
    for (int t = 0; t < 2; ++t) {
      for (size_t g = 0; g < keys[t].size(); ++g) {
        entries[fill[part[t][g]]++] = static_cast<uint32_t>(g) | (t ? kTableBit : 0);
      }
    }
  }
  // Children [begin, end) on one thread, one child at a time: its keys,
  // then the states of its groups from both tables.
  auto build = [&](size_t begin, size_t end) {
    std::vector<uint32_t> from[2], to[2];
    for (size_t p = begin; p < end; ++p) {
      GroupTable& child = *parts_[p];
      for (int t = 0; t < 2; ++t) {
        from[t].clear();
        to[t].clear();
      }
      child.groups_ = child.WithFixedIndex([&](auto& idx) {
        idx.Reserve(std::max(counts[0][p], counts[1][p]));
        for (uint32_t i = start[p]; i < start[p + 1]; ++i) {
          // The keys are read out of order: the miss of a later one overlaps.
          constexpr uint32_t kAhead = 16;
          if (i + kAhead < start[p + 1]) {
            const uint32_t e = entries[i + kAhead];
            __builtin_prefetch(&keys[e & kTableBit ? 1 : 0][e & ~kTableBit]);
          }
          const int t = entries[i] & kTableBit ? 1 : 0;
          const uint32_t g = entries[i] & ~kTableBit;
          bool inserted;
          from[t].push_back(g);
          to[t].push_back(idx.FindOrInsert(keys[t][g], &inserted));
        }
        return idx.size();
      });
      child.ResizeStates();
      for (size_t a = 0; a < accs_.size(); ++a) {
        for (int t = 0; t < 2; ++t) {
          child.accs_[a]->MergeSome(*tables[t]->accs_[a], from[t].data(), to[t].data(),
                                    from[t].size());
        }
      }
    }
  };
  if (std::thread::hardware_concurrency() > 1) {
    std::thread second(build, kPartitions / 2, kPartitions);
    build(0, kPartitions / 2);
    second.join();
  } else {
    build(0, kPartitions);
  }
  // Our one-level index and states, and the other table, are spent.
  fixed_ = FixedKeyIndex();
  narrow_index_ = NarrowKeyIndex();
  groups_ = 0;
  for (size_t a = 0; a < accs_.size(); ++a) accs_[a] = MakeAccumulator(stage_.aggregates[a]);
  mode_ = Mode::kPartitioned;
  other.mode_ = Mode::kUndecided;
  other.groups_ = 0;
  other.accs_.clear();
  other.fixed_ = FixedKeyIndex();
  other.narrow_index_ = NarrowKeyIndex();
}

void GroupTable::Flatten() {
  if (mode_ != Mode::kPartitioned) return;
  std::vector<std::unique_ptr<GroupTable>> parts = std::move(parts_);
  parts_.clear();
  mode_ = Mode::kFixed;
  fixed_ = FixedKeyIndex();
  narrow_index_ = NarrowKeyIndex();
  groups_ = 0;
  for (auto& p : parts) {
    MergeFixed(std::move(*p), nullptr);  // its keys' IPv6 ids are ours
    p.reset();
  }
}

Batch GroupTable::FinishPartitions(size_t slot_count, EvalState* state, bool order_by_keys,
                                   const TopN& top) {
  std::vector<Batch> outs;
  outs.reserve(parts_.size());
  size_t rows = 0;
  for (auto& p : parts_) {
    outs.push_back(p->Finish(slot_count, state, /*order_by_keys=*/false, top));
    rows += outs.back().size;
  }
  Batch out;
  out.columns.resize(slot_count);
  for (size_t s = 0; s < slot_count; ++s) out.columns[s] = ConcatColumn(outs, s, out.arena.get());
  for (Batch& b : outs) out.keep_alive.push_back(b.arena);
  out.size = rows;
  out.source_ids.assign(rows, 0);
  out.row_ids.assign(rows, 0);
  if (order_by_keys && !stage_.group_slots.empty()) {
    std::vector<const Column*> sort_keys;
    for (int slot : stage_.group_slots) sort_keys.push_back(&out.columns[slot]);
    out = Gather(out, GroupOrder(rows, sort_keys));
  }
  return out;
}

}  // namespace flowlens::query

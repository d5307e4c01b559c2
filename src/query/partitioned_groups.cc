// GroupTable's partitioned mode (aggregate.h): radix-partitioned hash
// aggregation for stats with many groups.
//
// Why it is fast: with a million groups a one-level table (index and states)
// is tens of MB, so every row's probe and state update miss the cache. Here
// a row costs a hash and a copy of its key and arguments into the pending
// buffer of one of kPartitions children (picked by the hash's high bits: a
// few sequential write streams); a child then adds kPendingRows rows at once
// into its own index and states, a 1/kPartitions slice of the groups small
// enough for the L2 cache, so the probes of those rows hit. Two workers'
// tables merge child by child on two threads (no serial merge of a table of
// every group), each child merge again cache-sized; Finish concatenates the
// children's outputs (a top-N keeps a child's candidates only).
// Benchmark: bench/aggregation_bench.cc (BM_PartitionedPairs).
//
// Rows of one group keep their order (a child's buffer is in row order and
// flushes before merges and finishes), so sums of doubles add up as in the
// one-level table.
#include <algorithm>
#include <thread>

#include "query/aggregate.h"
#include "query/operators.h"

namespace flowlens::query {

namespace {

bool Bufferable(ColumnKind k) {
  return k == ColumnKind::kInt || k == ColumnKind::kTimestamp || k == ColumnKind::kBool ||
         k == ColumnKind::kDouble || k == ColumnKind::kAddress || k == ColumnKind::kNull;
}

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
    switch (a.kind) {
      case AggKind::kCount:
      case AggKind::kCountStar:
      case AggKind::kCountDistinct:
      case AggKind::kSum:
      case AggKind::kAvg:
      case AggKind::kMin:
      case AggKind::kMax:
      case AggKind::kStddev:
        break;
      default:
        return false;  // pct keeps samples; the rest need the rows' order
    }
  }
  return true;
}

bool GroupTable::EvaluateBufferable(const Batch& batch, std::vector<ColumnRef>* args) const {
  static const Column kNoArg{};
  args->clear();
  for (const AggSpec& spec : stage_.aggregates) {
    args->push_back(spec.arg ? Evaluate(*spec.arg, batch, *state_) : ColumnRef(&kNoArg));
    if (spec.arg && !Bufferable(args->back()->kind)) return false;
  }
  return true;
}

void GroupTable::Partition() {
  parts_.clear();
  for (size_t p = 0; p < kPartitions; ++p) {
    auto child = std::make_unique<GroupTable>(stage_, -1, state_);
    child->mode_ = Mode::kFixed;
    child->lanes_ = lanes_;
    child->narrow_ = narrow_;
    child->partition_groups_ = 0;
    child->pending_rows_ = pending_rows_;
    child->v6_source_ = &v6_addrs_;  // the keys' IPv6 ids stay ours
    parts_.push_back(std::move(child));
  }
  // Each group to its child, in id order, then the states after them.
  std::vector<FixedKey> keys = WithFixedIndex([](const auto& idx) { return idx.KeysById(); });
  std::vector<uint8_t> part(keys.size());
  std::vector<uint32_t> local(keys.size());
  for (size_t g = 0; g < keys.size(); ++g) {
    part[g] = static_cast<uint8_t>(PartitionOf(keys[g]));
    bool inserted;
    GroupTable& child = *parts_[part[g]];
    local[g] =
        child.WithFixedIndex([&](auto& idx) { return idx.FindOrInsert(keys[g], &inserted); });
  }
  std::vector<Accumulator*> into(kPartitions);
  for (auto& child : parts_) {
    child->groups_ = child->WithFixedIndex([](const auto& idx) { return idx.size(); });
    child->ResizeStates();
  }
  for (size_t a = 0; a < accs_.size(); ++a) {
    for (size_t p = 0; p < kPartitions; ++p) into[p] = parts_[p]->accs_[a].get();
    accs_[a]->Split(into, part.data(), local.data());
    accs_[a] = MakeAccumulator(stage_.aggregates[a]);
  }
  fixed_ = FixedKeyIndex();
  narrow_index_ = NarrowKeyIndex();
  groups_ = 0;
  mode_ = Mode::kPartitioned;
  pending_kinds_.assign(stage_.aggregates.size(), ColumnKind::kNull);
}

bool GroupTable::AddPartitioned(const Batch& batch) {
  const size_t n = batch.size;
  std::vector<ColumnRef> keys;
  keys.reserve(stage_.group_exprs.size());
  for (const auto& g : stage_.group_exprs) keys.push_back(Evaluate(*g, batch, *state_));
  std::vector<ColumnRef> args;
  if (!FitsLayout(keys) || !EvaluateBufferable(batch, &args)) {
    Flatten();
    return false;
  }
  BuildFixedKeys(keys, n);
  Scatter(args, n);
  return true;
}

void GroupTable::Scatter(const std::vector<ColumnRef>& args, size_t n) {
  // An argument whose kind changed: what is buffered goes in first, so a
  // buffer holds rows of one kind (missing values fit any kind).
  const size_t aggs = args.size();
  bool kinds_change = false;
  for (size_t a = 0; a < aggs; ++a) {
    const ColumnKind k = args[a]->kind;
    kinds_change |= k != ColumnKind::kNull && k != pending_kinds_[a];
  }
  if (kinds_change) {
    FlushAllPending();
    for (size_t a = 0; a < aggs; ++a) {
      if (args[a]->kind != ColumnKind::kNull) pending_kinds_[a] = args[a]->kind;
    }
  }
  // Each row's child (in ids_) from the high bits of its hash; room in every child.
  ids_.resize(n);
  uint32_t counts[kPartitions] = {};
  for (size_t r = 0; r < n; ++r) {
    const FixedKey& k = keys_[r];
    const uint32_t p = __builtin_expect(k.tag >> kV6Shift, 0)
                           ? PartitionOf(k)
                           : static_cast<uint32_t>(HashFixedKey(k) >> (64 - kPartitionBits));
    ids_[r] = p;
    ++counts[p];
  }
  FixedKey* key_out[kPartitions];
  for (size_t p = 0; p < kPartitions; ++p) {
    if (counts[p] == 0) continue;
    GroupTable& child = *parts_[p];
    Pending& pend = child.pending_;
    if (pend.size + counts[p] > pending_rows_) child.FlushPending();
    const size_t capacity = std::max(pending_rows_, kBatchSize);
    if (pend.keys.empty()) {
      pend.keys.resize(capacity);
      pend.args.resize(aggs);
      pend.any_invalid.assign(aggs, 0);
    }
    for (size_t a = 0; a < aggs; ++a) {
      // The buffer column takes the kind of the rows it holds.
      Column& c = pend.args[a];
      const ColumnKind k = pending_kinds_[a];
      if (c.kind != k && pend.size == 0) {
        c = Column();
        c.kind = k;
      }
      if (!stage_.aggregates[a].arg) continue;
      if (c.valid.size() < capacity) c.valid.resize(capacity);
      if (IntLike(k) && c.ints.size() < capacity) c.ints.resize(capacity);
      if (k == ColumnKind::kDouble && c.doubles.size() < capacity) {
        c.doubles.resize(capacity);
      }
      if (k == ColumnKind::kAddress && c.addrs.size() < capacity) c.addrs.resize(capacity);
    }
    key_out[p] = pend.keys.data();
  }
  // The rows in child order (a counting sort), then each child's rows
  // appended to its buffer: reads from the batch (in cache), writes
  // sequential in each buffer.
  uint32_t start[kPartitions + 1];
  start[0] = 0;
  for (size_t p = 0; p < kPartitions; ++p) start[p + 1] = start[p] + counts[p];
  std::vector<uint32_t>& order = pos_;
  order.resize(n);
  {
    uint32_t fill[kPartitions];
    std::copy(start, start + kPartitions, fill);
    for (size_t r = 0; r < n; ++r) order[fill[ids_[r]]++] = static_cast<uint32_t>(r);
  }
  for (size_t p = 0; p < kPartitions; ++p) {
    const uint32_t m = counts[p];
    if (m == 0) continue;
    const uint32_t* rows = order.data() + start[p];
    Pending& pend = parts_[p]->pending_;
    const size_t at = pend.size;
    FixedKey* keys = key_out[p] + at;
    for (uint32_t i = 0; i < m; ++i) keys[i] = keys_[rows[i]];
    for (size_t a = 0; a < aggs; ++a) {
      if (!stage_.aggregates[a].arg) continue;
      const Column& src = args[a].get();
      Column& c = pend.args[a];
      uint8_t* valid = c.valid.data() + at;
      if (src.kind == ColumnKind::kNull) {
        std::fill(valid, valid + m, 0);
        pend.any_invalid[a] = 1;
        continue;
      }
      if (IntLike(src.kind)) {
        int64_t* out = c.ints.data() + at;
        for (uint32_t i = 0; i < m; ++i) out[i] = src.ints[rows[i]];
      } else if (src.kind == ColumnKind::kDouble) {
        double* out = c.doubles.data() + at;
        for (uint32_t i = 0; i < m; ++i) out[i] = src.doubles[rows[i]];
      } else {
        IpAddress* out = c.addrs.data() + at;
        for (uint32_t i = 0; i < m; ++i) out[i] = src.addrs[rows[i]];
      }
      if (src.valid.empty()) {
        std::fill(valid, valid + m, 1);
      } else {
        uint8_t all = 1;
        for (uint32_t i = 0; i < m; ++i) all &= valid[i] = src.valid[rows[i]];
        if (!all) pend.any_invalid[a] = 1;
      }
    }
    pend.size = at + m;
  }
}

void GroupTable::FlushPending() {
  Pending& pend = pending_;
  const size_t n = pend.size;
  if (n == 0) return;
  ids_.resize(n);
  hashes_.resize(n);
  groups_ = WithFixedIndex([&](auto& idx) {
    idx.FindOrInsertBatch(pend.keys.data(), n, ids_.data(), nullptr, hashes_.data());
    return idx.size();
  });
  ResizeStates();
  static const Batch kNoBatch;
  for (size_t a = 0; a < accs_.size(); ++a) {
    Column& c = pend.args[a];
    // Every row has its value: the accumulators' no-validity loops.
    std::vector<uint8_t> valid;
    if (!pend.any_invalid[a]) valid.swap(c.valid);
    accs_[a]->Add(ids_.data(), n, c, kNoBatch, nullptr);
    if (!pend.any_invalid[a]) valid.swap(c.valid);
    pend.any_invalid[a] = 0;
  }
  pend.size = 0;
}

void GroupTable::FlushAllPending() {
  for (auto& p : parts_) p->FlushPending();
}

void GroupTable::Flatten() {
  if (mode_ != Mode::kPartitioned) return;
  std::vector<std::unique_ptr<GroupTable>> parts = std::move(parts_);
  parts_.clear();
  pending_kinds_.clear();
  mode_ = Mode::kFixed;
  partition_groups_ = 0;  // one level for good
  fixed_ = FixedKeyIndex();
  narrow_index_ = NarrowKeyIndex();
  groups_ = 0;
  for (auto& p : parts) {
    p->FlushPending();
    MergeFixed(std::move(*p), nullptr);  // its keys' IPv6 ids are ours
    p.reset();
  }
}

void GroupTable::MergePartitions(GroupTable&& other) {
  // Child p of each table holds the same keys' slice: merge slice by slice,
  // half of them on a second thread (IPv6 ids translated read-only).
  const std::vector<uint32_t> v6_map = V6Map(other);
  auto merge = [&](size_t begin, size_t end) {
    for (size_t p = begin; p < end; ++p) {
      parts_[p]->FlushPending();
      other.parts_[p]->FlushPending();
      parts_[p]->MergeFixed(std::move(*other.parts_[p]), v6_map.empty() ? nullptr : &v6_map);
      other.parts_[p].reset();
    }
  };
  if (std::thread::hardware_concurrency() > 1) {
    std::thread second(merge, kPartitions / 2, kPartitions);
    merge(0, kPartitions / 2);
    second.join();
  } else {
    merge(0, kPartitions);
  }
  other.parts_.clear();
  other.mode_ = Mode::kUndecided;
}

Batch GroupTable::FinishPartitions(size_t slot_count, EvalState* state, bool order_by_keys,
                                   const TopN& top) {
  std::vector<Batch> outs;
  outs.reserve(parts_.size());
  size_t rows = 0;
  for (auto& p : parts_) {
    p->FlushPending();
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

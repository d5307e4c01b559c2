#include "query/row_collector.h"

#include <algorithm>

#include "query/evaluator.h"
#include "query/operators.h"

namespace flowlens::query {
namespace {

constexpr size_t kMaxParts = 256;

bool IsBlocking(CommandKind k) {
  return k == CommandKind::kStats || k == CommandKind::kSort || k == CommandKind::kLimit ||
         k == CommandKind::kDedup;
}

// Whether a stage before `end` may change the value in `slot`.
bool Rewrites(const Plan& plan, size_t end, int slot) {
  for (size_t i = 0; i < end; ++i) {
    const Stage& st = plan.stages[i];
    switch (st.kind) {
      case CommandKind::kFilter:
        break;
      case CommandKind::kFields:
      case CommandKind::kDisplay:
        for (const auto& [s, expr] : st.assignments) {
          if (s == slot) return true;
        }
        break;
      case CommandKind::kParse:
        if (std::find(st.parse_slots.begin(), st.parse_slots.end(), slot) != st.parse_slots.end())
          return true;
        break;
      default:
        return true;  // lookup, unnest, ...: not worth the analysis
    }
  }
  return false;
}

// Stages that keep every row, in order, and read no other row: a cap on the
// rows after them caps the rows before them.
bool KeepsEveryRow(CommandKind k) {
  return k == CommandKind::kFields || k == CommandKind::kDisplay || k == CommandKind::kParse ||
         k == CommandKind::kLookup;
}

}  // namespace

size_t FirstBlockingStage(const Plan& plan) {
  for (size_t i = 0; i < plan.stages.size(); ++i) {
    if (IsBlocking(plan.stages[i].kind)) return i;
  }
  return plan.stages.size();
}

OrderKey PlanOrderKey(const Plan& plan) {
  const size_t i = FirstBlockingStage(plan);
  const int ts = plan.scan.timestamp_slot;
  OrderKey key;
  if (i == plan.stages.size()) {
    if (!plan.has_stats) key.slot = ts;
  } else if (const Stage& st = plan.stages[i]; st.kind == CommandKind::kLimit) {
    if (!st.limit_any && !st.limit_tail) key.slot = ts;
  } else if (st.kind == CommandKind::kSort && !st.sort_keys.empty() &&
             st.sort_keys[0].first->kind == BoundKind::kSlot) {
    key = {st.sort_keys[0].first->slot, st.sort_keys[0].second};
  }
  if (key.slot < 0 || Rewrites(plan, i, key.slot)) return {};
  return key;
}

TimeOrder PlanTimeOrder(const Plan& plan) {
  const OrderKey key = PlanOrderKey(plan);
  if (key.slot < 0 || key.slot != plan.scan.timestamp_slot) return TimeOrder::kNone;
  return key.descending ? TimeOrder::kNewestFirst : TimeOrder::kOldestFirst;
}

CollectPlan PlanCollect(const Plan& plan, int64_t cap) {
  CollectPlan c;
  c.ts_slot = plan.scan.timestamp_slot;
  const size_t i = FirstBlockingStage(plan);
  const size_t end = plan.stages.size();
  const size_t capped = cap > 0 ? static_cast<size_t>(cap) : 0;
  const Stage* st = i < end ? &plan.stages[i] : nullptr;
  if (!st) {
    if (capped && c.ts_slot >= 0) c.kind = CollectPlan::Kind::kNewest, c.bound = capped;
  } else if (st->kind == CommandKind::kSort) {
    c.sort = st;
    if (i + 1 < end && plan.stages[i + 1].kind == CommandKind::kLimit &&
        !plan.stages[i + 1].limit_tail && plan.stages[i + 1].limit > 0) {
      c.bound = static_cast<size_t>(plan.stages[i + 1].limit);
    } else if (capped && std::all_of(plan.stages.begin() + static_cast<long>(i) + 1,
                                     plan.stages.end(),
                                     [](const Stage& s) { return KeepsEveryRow(s.kind); })) {
      c.bound = capped;
    }
    if (c.bound) c.kind = CollectPlan::Kind::kSorted;
  } else if (st->kind == CommandKind::kLimit && !st->limit_tail && st->limit > 0) {
    c.bound = static_cast<size_t>(st->limit);
    c.kind = st->limit_any ? CollectPlan::Kind::kAny : CollectPlan::Kind::kNewest;
    if (c.kind == CollectPlan::Kind::kNewest && c.ts_slot < 0) c.kind = CollectPlan::Kind::kAll;
  }
  if (c.kind == CollectPlan::Kind::kSorted || c.kind == CollectPlan::Kind::kNewest) {
    c.key = PlanOrderKey(plan);
  }
  return c;
}

size_t RowCollector::KeyCount() const {
  return plan_->kind == CollectPlan::Kind::kNewest ? 1 : plan_->sort->sort_keys.size();
}

bool RowCollector::KeyDescending(size_t k) const {
  return plan_->kind == CollectPlan::Kind::kNewest || plan_->sort->sort_keys[k].second;
}

int RowCollector::Compare(const Batch& x, size_t a, const Batch& y, size_t b) const {
  const size_t keys = KeyCount();
  for (size_t k = 0; k < keys; ++k) {
    const size_t col = KeyColumn(k);
    const int c = CompareKey(x.columns[col], a, y.columns[col], b, KeyDescending(k));
    if (c) return c;
  }
  return CompareInputOrder(x, a, y, b);
}

void RowCollector::Add(Batch&& batch, EvalState* state) {
  if (batch.size == 0) return;
  const CollectPlan::Kind kind = plan_->kind;
  if (kind == CollectPlan::Kind::kAny && rows_ >= plan_->bound) return;  // enough already
  if (kind == CollectPlan::Kind::kSorted) {
    // The sort keys, evaluated once, ride along as extra columns.
    std::vector<Column> keys;
    for (const auto& [expr, desc] : plan_->sort->sort_keys) {
      keys.push_back(Evaluate(*expr, batch, *state).Release());
    }
    batch.columns.resize(slots_);
    for (Column& k : keys) batch.columns.push_back(std::move(k));
  }
  if (top_) {
    // Why it is fast: once cut, most rows lose to the worst row kept on the
    // first key and are dropped here, before any copy; an int key of the
    // same kind is compared on its array, the rest only on a tie.
    const Batch& top = parts_[0];
    const size_t worst = top.size - 1;
    keep_.resize(batch.size);
    size_t kept = 0;
    const Column& mine = batch.columns[KeyColumn(0)];
    const Column& theirs = top.columns[KeyColumn(0)];
    if (mine.kind == theirs.kind &&
        (mine.kind == ColumnKind::kInt || mine.kind == ColumnKind::kTimestamp) &&
        mine.valid.empty() && theirs.IsValid(worst)) {
      const int64_t t = theirs.ints[worst];
      const bool desc = KeyDescending(0);
      for (size_t r = 0; r < batch.size; ++r) {
        const int64_t v = mine.ints[r];
        keep_[r] = v == t ? Compare(batch, r, top, worst) < 0 : (v > t) == desc;
        kept += keep_[r];
      }
    } else {
      for (size_t r = 0; r < batch.size; ++r) {
        keep_[r] = Compare(batch, r, top, worst) < 0;
        kept += keep_[r];
      }
    }
    if (kept == 0) return;
    if (kept * 2 < batch.size) {
      // A few rows: copied out, so that they do not keep the whole batch's
      // buffers (a store block, a file chunk) alive until the next cut.
      std::vector<RowRef> refs;
      refs.reserve(kept);
      for (uint32_t r = 0; r < batch.size; ++r) {
        if (keep_[r]) refs.push_back({0, r});
      }
      batch = GatherRows({&batch}, refs, batch.columns.size(), /*own_strings=*/true);
    } else {
      batch.Compact(keep_);
    }
  }
  rows_ += batch.size;
  parts_.push_back(std::move(batch));
  MaybeCut();
}

void RowCollector::Merge(RowCollector&& other) {
  if (other.parts_.empty()) return;
  if (parts_.empty()) {
    parts_ = std::move(other.parts_);
    rows_ = other.rows_;
    top_ = other.top_;
  } else {
    for (Batch& b : other.parts_) parts_.push_back(std::move(b));
    rows_ += other.rows_;
  }
  other.parts_.clear();
  other.rows_ = 0;
  other.top_ = false;
  MaybeCut();
}

void RowCollector::MaybeCut() {
  const size_t bound = plan_->bound;
  if (bound == 0 || plan_->kind == CollectPlan::Kind::kAll) return;
  // Cut when holding more than twice the bound plus a batch (amortized: a
  // cut is paid by as many new rows as it keeps), and as soon as the bound
  // is first reached, so that the admission test and the scan's time
  // threshold start early.
  // Many small parts (a few rows each passing the admission test) are cut
  // too, to keep the list short.
  if (rows_ > 2 * bound + kBatchSize || parts_.size() > kMaxParts ||
      (!top_ && rows_ >= bound && Ranked())) {
    Cut();
  }
}

namespace {

// A row's rank under one int key, as plain integers: compared as a tuple in
// the order of CompareKey (missing last, the direction folded into `key`),
// then input order, then position.
struct IntRank {
  uint8_t missing;
  uint64_t key;
  uint32_t source;
  uint64_t row;
  RowRef ref;
  bool operator<(const IntRank& o) const {
    if (missing != o.missing) return missing < o.missing;
    if (key != o.key) return key < o.key;
    if (source != o.source) return source < o.source;
    if (row != o.row) return row < o.row;
    return ref.part != o.ref.part ? ref.part < o.ref.part : ref.row < o.ref.row;
  }
};

}  // namespace

void RowCollector::Cut() {
  std::vector<const Batch*> ptrs;
  std::vector<RowRef> refs;
  refs.reserve(rows_);
  for (const Batch& b : parts_) {
    for (uint32_t r = 0; r < b.size; ++r) refs.push_back({static_cast<uint32_t>(ptrs.size()), r});
    ptrs.push_back(&b);
  }
  const size_t keep = std::min(plan_->bound, refs.size());
  // Only the best `keep` rows are needed, in no order but the worst last
  // (the admission test and the scan's threshold read it): a selection,
  // O(rows), not a sort.
  if (Ranked() && keep > 0) {
    const long nth = static_cast<long>(keep) - 1;
    const Column& first = parts_[0].columns[KeyColumn(0)];
    const bool one_int_key =
        KeyCount() == 1 &&
        (first.kind == ColumnKind::kInt || first.kind == ColumnKind::kTimestamp) &&
        std::all_of(parts_.begin(), parts_.end(),
                    [&](const Batch& b) { return b.columns[KeyColumn(0)].kind == first.kind; });
    if (one_int_key) {
      // Why it is fast: the ranks are flat integers compared in place, not
      // rows looked up through their batches and columns (bench/topn_bench.cc).
      const bool desc = KeyDescending(0);
      std::vector<IntRank> ranks(refs.size());
      for (size_t i = 0; i < refs.size(); ++i) {
        const Batch& b = *ptrs[refs[i].part];
        const size_t r = refs[i].row;
        const Column& c = b.columns[KeyColumn(0)];
        const bool valid = c.IsValid(r);
        const int64_t v = valid ? (desc ? ~c.ints[r] : c.ints[r]) : 0;
        ranks[i] = {static_cast<uint8_t>(!valid), static_cast<uint64_t>(v) ^ (uint64_t{1} << 63),
                    b.source_ids.empty() ? 0 : b.source_ids[r], b.row_ids.empty() ? 0 : b.row_ids[r],
                    refs[i]};
      }
      std::nth_element(ranks.begin(), ranks.begin() + nth, ranks.end());
      for (size_t i = 0; i < keep; ++i) refs[i] = ranks[i].ref;
    } else {
      auto less = [&](const RowRef& a, const RowRef& b) {
        const int c = Compare(*ptrs[a.part], a.row, *ptrs[b.part], b.row);
        if (c) return c < 0;
        return a.part != b.part ? a.part < b.part : a.row < b.row;
      };
      std::nth_element(refs.begin(), refs.begin() + nth, refs.end(), less);
    }
  }
  refs.resize(keep);
  const size_t columns = plan_->kind == CollectPlan::Kind::kSorted ? slots_ + KeyCount() : slots_;
  Batch top = GatherRows(ptrs, refs, columns, /*own_strings=*/true);
  parts_.clear();
  parts_.push_back(std::move(top));
  rows_ = keep;
  top_ = Ranked() && keep == plan_->bound;
}

Batch RowCollector::Build(bool consume) {
  Batch out = Concatenate(parts_, slots_);
  if (consume) {
    parts_.clear();
    rows_ = 0;
    top_ = false;
  }
  return out;
}

std::optional<int64_t> RowCollector::KeyThreshold() const {
  if (!top_ || plan_->key.slot < 0) return std::nullopt;
  const Batch& top = parts_[0];
  const Column& c = top.columns[KeyColumn(0)];
  const size_t worst = top.size - 1;
  if ((c.kind != ColumnKind::kTimestamp && c.kind != ColumnKind::kInt) || !c.IsValid(worst)) {
    return std::nullopt;
  }
  return c.ints[worst];
}

}  // namespace flowlens::query

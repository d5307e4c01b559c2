#include "query/aggregate.h"

#include "query/operators.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace flowlens::query {

void EncodeKey(const Value& v, std::string* out) {
  // Numeric-looking strings group with the numbers they stand for.
  Value x = v;
  if (x.type == ValueType::kString) {
    if (auto n = ParseNumber(x.s)) x = n->is_int ? Value::Int(n->i) : Value::Double(n->d);
  }
  if (x.type == ValueType::kDouble && x.d == std::floor(x.d) && std::fabs(x.d) < 9e15) {
    x = Value::Int(static_cast<int64_t>(x.d));
  }
  out->push_back(static_cast<char>(x.type));
  switch (x.type) {
    case ValueType::kNull:
      break;
    case ValueType::kBool:
    case ValueType::kInt:
    case ValueType::kTimestamp:
      out->append(reinterpret_cast<const char*>(&x.i), 8);
      break;
    case ValueType::kDouble:
      out->append(reinterpret_cast<const char*>(&x.d), 8);
      break;
    case ValueType::kAddress:
      out->append(reinterpret_cast<const char*>(&x.ip.hi), 8);
      out->append(reinterpret_cast<const char*>(&x.ip.lo), 8);
      out->push_back(x.ip.v6 ? 1 : 0);
      break;
    case ValueType::kString:
    case ValueType::kJson: {
      std::string_view s = x.type == ValueType::kString ? x.s : std::string_view();
      uint32_t n = static_cast<uint32_t>(s.size());
      out->append(reinterpret_cast<const char*>(&n), 4);
      out->append(s);
      break;
    }
  }
}

Value DecodeKey(std::string_view key, size_t* pos) {
  auto type = static_cast<ValueType>(key[(*pos)++]);
  Value v;
  switch (type) {
    case ValueType::kNull:
      return v;
    case ValueType::kBool:
    case ValueType::kInt:
    case ValueType::kTimestamp: {
      int64_t i;
      std::memcpy(&i, key.data() + *pos, 8);
      *pos += 8;
      v.type = type;
      v.i = i;
      return v;
    }
    case ValueType::kDouble: {
      double d;
      std::memcpy(&d, key.data() + *pos, 8);
      *pos += 8;
      return Value::Double(d);
    }
    case ValueType::kAddress: {
      IpAddress a;
      std::memcpy(&a.hi, key.data() + *pos, 8);
      std::memcpy(&a.lo, key.data() + *pos + 8, 8);
      a.v6 = key[*pos + 16] != 0;
      *pos += 17;
      return Value::Address(a);
    }
    case ValueType::kString:
    case ValueType::kJson: {
      uint32_t n;
      std::memcpy(&n, key.data() + *pos, 4);
      *pos += 4;
      Value s = Value::String(key.substr(*pos, n));
      *pos += n;
      return s;
    }
  }
  return v;
}

GroupTable::GroupTable(const Stage& stage, int timestamp_slot, EvalState* state)
    : stage_(stage),
      state_(state),
      timestamp_slot_(timestamp_slot),
      states_(stage.aggregates.size()) {}

namespace {

// min/max: numbers numerically, anything else in the natural order.
int OrderValues(const Value& a, const Value& b) {
  auto x = AsNumber(a), y = AsNumber(b);
  if (x && y && a.type != ValueType::kString && b.type != ValueType::kString) {
    double p = x->as_double(), q = y->as_double();
    if (x->is_int && y->is_int) return x->i < y->i ? -1 : (x->i > y->i ? 1 : 0);
    return p < q ? -1 : (p > q ? 1 : 0);
  }
  return NaturalCompare(a, b);
}

}  // namespace

void GroupTable::Update(AggregateState& s, const AggSpec& spec, const Value& v, int64_t ts,
                        uint64_t order) {
  switch (spec.kind) {
    case AggKind::kCountStar:
      ++s.count;
      return;
    case AggKind::kCount:
      if (!v.is_null()) ++s.count;
      return;
    case AggKind::kCountDistinct:
      if (v.is_null()) return;
      if (!s.distinct) s.distinct = std::make_unique<std::unordered_set<std::string>>();
      {
        std::string k;
        EncodeKey(v, &k);
        if (s.distinct->insert(std::move(k)).second) bytes_ += 48;
      }
      return;
    case AggKind::kSum:
    case AggKind::kAvg: {
      auto n = AsNumber(v);
      if (!n) return;
      ++s.count;
      if (n->is_int && !s.sum_is_double) {
        int64_t r;
        if (!__builtin_add_overflow(s.isum, n->i, &r)) {
          s.isum = r;
          return;
        }
        s.sum_is_double = true;
        s.dsum = static_cast<double>(s.isum);
      } else if (!s.sum_is_double) {
        s.sum_is_double = true;
        s.dsum = static_cast<double>(s.isum);
      }
      s.dsum += n->as_double();
      return;
    }
    case AggKind::kStddev: {
      auto n = AsNumber(v);
      if (!n) return;
      ++s.count;
      double x = n->as_double();
      double d = x - s.mean;
      s.mean += d / static_cast<double>(s.count);
      s.m2 += d * (x - s.mean);
      return;
    }
    case AggKind::kPct: {
      auto n = AsNumber(v);
      if (!n) return;
      if (!s.samples) s.samples = std::make_unique<std::vector<double>>();
      s.samples->push_back(n->as_double());
      bytes_ += 8;
      return;
    }
    case AggKind::kMin:
    case AggKind::kMax:
    case AggKind::kSortsFirst:
    case AggKind::kSortsLast: {
      if (v.is_null() || v.type == ValueType::kJson) return;
      if (s.count++ == 0) {
        s.best.Set(v);
        return;
      }
      int c = spec.kind == AggKind::kMin || spec.kind == AggKind::kMax
                  ? OrderValues(v, s.best.value)
                  : NaturalCompare(v, s.best.value);
      bool take = spec.kind == AggKind::kMin || spec.kind == AggKind::kSortsFirst ? c < 0 : c > 0;
      if (take) s.best.Set(v);
      return;
    }
    case AggKind::kEarliest:
    case AggKind::kLatest: {
      if (v.is_null() || v.type == ValueType::kJson) return;
      bool take = s.count++ == 0;
      if (!take) {
        take = spec.kind == AggKind::kEarliest
                   ? (ts < s.best_ts || (ts == s.best_ts && order < s.best_order))
                   : (ts > s.best_ts || (ts == s.best_ts && order > s.best_order));
      }
      if (take) {
        s.best.Set(v);
        s.best_ts = ts;
        s.best_order = order;
      }
      return;
    }
  }
}

void GroupTable::Add(const Batch& batch) {
  const size_t n = batch.size;
  std::vector<ColumnRef> keys;
  keys.reserve(stage_.group_exprs.size());
  for (const auto& g : stage_.group_exprs) keys.push_back(Evaluate(*g, batch, *state_));
  std::vector<ColumnRef> args;
  args.reserve(stage_.aggregates.size());
  for (const AggSpec& a : stage_.aggregates) {
    args.push_back(a.arg ? Evaluate(*a.arg, batch, *state_) : ColumnRef(Column::Null()));
  }
  const Column* ts =
      timestamp_slot_ >= 0 && timestamp_slot_ < static_cast<int>(batch.columns.size())
          ? &batch.columns[timestamp_slot_]
          : nullptr;
  std::string key;
  std::vector<uint32_t> groups(n);
  for (size_t r = 0; r < n; ++r) {
    key.clear();
    for (const ColumnRef& k : keys) EncodeKey(k->Get(r), &key);
    bool inserted;
    uint32_t g = index_.FindOrInsert(key, &inserted);
    if (inserted) {
      for (auto& st : states_) st.emplace_back();
      bytes_ += key.size() + 24 + 96 * states_.size();
    }
    groups[r] = g;
  }
  for (size_t a = 0; a < stage_.aggregates.size(); ++a) {
    const AggSpec& spec = stage_.aggregates[a];
    auto& st = states_[a];
    if (spec.kind == AggKind::kCountStar) {
      for (size_t r = 0; r < n; ++r) ++st[groups[r]].count;
      continue;
    }
    const Column& col = args[a].get();
    if (spec.kind == AggKind::kSum && col.kind == ColumnKind::kInt) {
      // Typed fast path: integer sums (packets, bytes).
      for (size_t r = 0; r < n; ++r) {
        if (!col.IsValid(r)) continue;
        AggregateState& s = st[groups[r]];
        ++s.count;
        int64_t out;
        if (!s.sum_is_double && !__builtin_add_overflow(s.isum, col.ints[r], &out)) {
          s.isum = out;
        } else {
          Update(s, spec, Value::Int(col.ints[r]), 0, 0);
          --s.count;
        }
      }
      continue;
    }
    for (size_t r = 0; r < n; ++r) {
      int64_t t = 0;
      uint64_t order = 0;
      if (spec.kind == AggKind::kEarliest || spec.kind == AggKind::kLatest) {
        if (ts) {
          auto tv = AsNumber(ts->Get(r));
          t = tv ? static_cast<int64_t>(tv->as_double()) : 0;
        }
        order = (static_cast<uint64_t>(batch.source_ids[r]) << 40) | batch.row_ids[r];
      }
      Update(st[groups[r]], spec, col.Get(r), t, order);
    }
  }
}

void GroupTable::MergeState(AggregateState& into, AggregateState&& from, const AggSpec& spec) {
  switch (spec.kind) {
    case AggKind::kCountStar:
    case AggKind::kCount:
      into.count += from.count;
      return;
    case AggKind::kCountDistinct:
      if (from.distinct) {
        if (!into.distinct) {
          into.distinct = std::move(from.distinct);
        } else {
          into.distinct->merge(*from.distinct);
        }
      }
      return;
    case AggKind::kSum:
    case AggKind::kAvg:
      if (from.count == 0) return;
      if (!into.sum_is_double && !from.sum_is_double) {
        int64_t r;
        if (!__builtin_add_overflow(into.isum, from.isum, &r)) {
          into.isum = r;
          into.count += from.count;
          return;
        }
      }
      if (!into.sum_is_double) into.dsum = static_cast<double>(into.isum);
      into.dsum += from.sum_is_double ? from.dsum : static_cast<double>(from.isum);
      into.sum_is_double = true;
      into.count += from.count;
      return;
    case AggKind::kStddev: {
      if (from.count == 0) return;
      if (into.count == 0) {
        into.count = from.count;
        into.mean = from.mean;
        into.m2 = from.m2;
        return;
      }
      double n1 = static_cast<double>(into.count), n2 = static_cast<double>(from.count);
      double d = from.mean - into.mean;
      into.mean += d * n2 / (n1 + n2);
      into.m2 += from.m2 + d * d * n1 * n2 / (n1 + n2);
      into.count += from.count;
      return;
    }
    case AggKind::kPct:
      if (from.samples) {
        if (!into.samples) {
          into.samples = std::move(from.samples);
        } else {
          into.samples->insert(into.samples->end(), from.samples->begin(), from.samples->end());
        }
      }
      return;
    default:
      if (from.count == 0) return;
      if (into.count == 0) {
        into.best.Set(from.best.value);
        into.best_ts = from.best_ts;
        into.best_order = from.best_order;
        into.count = from.count;
        return;
      }
      Update(into, spec, from.best.value, from.best_ts, from.best_order);
      into.count += from.count - 1;
      return;
  }
}

void GroupTable::Merge(GroupTable&& other) {
  for (size_t g = 0; g < other.index_.size(); ++g) {
    bool inserted;
    uint32_t mine = index_.FindOrInsert(other.index_.key(static_cast<uint32_t>(g)), &inserted);
    if (inserted) {
      for (auto& s : states_) s.emplace_back();
    }
    for (size_t a = 0; a < states_.size(); ++a) {
      MergeState(states_[a][mine], std::move(other.states_[a][g]), stage_.aggregates[a]);
    }
  }
  bytes_ += other.bytes_;
}

Value GroupTable::Final(const AggregateState& s, const AggSpec& spec) const {
  switch (spec.kind) {
    case AggKind::kCountStar:
    case AggKind::kCount:
      return Value::Int(s.count);
    case AggKind::kCountDistinct:
      return Value::Int(s.distinct ? static_cast<int64_t>(s.distinct->size()) : 0);
    case AggKind::kSum:
      if (s.count == 0) return Value::Null();
      return s.sum_is_double ? Value::Double(s.dsum) : Value::Int(s.isum);
    case AggKind::kAvg:
      if (s.count == 0) return Value::Null();
      return Value::Double((s.sum_is_double ? s.dsum : static_cast<double>(s.isum)) /
                           static_cast<double>(s.count));
    case AggKind::kStddev:
      if (s.count == 0) return Value::Null();
      if (s.count == 1) return Value::Int(0);
      return Value::Double(std::sqrt(s.m2 / static_cast<double>(s.count - 1)));
    case AggKind::kPct: {
      if (!s.samples || s.samples->empty()) return Value::Null();
      std::vector<double>& v = *s.samples;
      // Nearest rank: the smallest value with at least p% of values at or below it.
      size_t rank =
          static_cast<size_t>(std::ceil(spec.percentile / 100.0 * static_cast<double>(v.size())));
      size_t idx = rank == 0 ? 0 : rank - 1;
      std::nth_element(v.begin(), v.begin() + static_cast<long>(idx), v.end());
      double x = v[idx];
      if (x == std::floor(x) && std::fabs(x) < 9e15) return Value::Int(static_cast<int64_t>(x));
      return Value::Double(x);
    }
    default:
      return s.count == 0 ? Value::Null() : s.best.value;
  }
}

Batch GroupTable::Finish(size_t slot_count, EvalState* state, bool order_by_keys) {
  Batch out;
  out.columns.resize(slot_count);
  bool empty_global = index_.size() == 0 && stage_.group_exprs.empty();
  size_t groups = empty_global ? 1 : index_.size();
  // Order groups by their keys (natural order of each key in turn).
  std::vector<std::vector<Value>> key_values(groups);
  for (size_t g = 0; g < index_.size(); ++g) {
    size_t pos = 0;
    std::string_view k = index_.key(static_cast<uint32_t>(g));
    for (size_t i = 0; i < stage_.group_exprs.size(); ++i)
      key_values[g].push_back(DecodeKey(k, &pos));
  }
  std::vector<uint32_t> order(groups);
  for (uint32_t g = 0; g < groups; ++g) order[g] = g;
  if (!empty_global && order_by_keys) {
    std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
      for (size_t i = 0; i < key_values[a].size(); ++i) {
        const Value& x = key_values[a][i];
        const Value& y = key_values[b][i];
        if (x.is_null() || y.is_null()) {
          if (x.is_null() && y.is_null()) continue;
          return y.is_null();
        }
        int c = OrderCompare(x, y);
        if (c) return c < 0;
      }
      return a < b;
    });
  }
  auto& arena = *out.arena;
  auto own = [&arena](Value v) {
    if (v.type == ValueType::kString) v.s = arena.Store(v.s);
    return v;
  };
  for (size_t i = 0; i < stage_.group_slots.size(); ++i) {
    ColumnBuilder b(groups);
    for (uint32_t g : order) b.Append(own(key_values[g][i]));
    out.columns[stage_.group_slots[i]] = b.Finish();
  }
  AggregateState empty;
  for (size_t a = 0; a < stage_.aggregates.size(); ++a) {
    ColumnBuilder b(groups);
    for (uint32_t g : order) {
      b.Append(own(Final(empty_global ? empty : states_[a][g], stage_.aggregates[a])));
    }
    out.columns[stage_.aggregates[a].result_slot] = b.Finish();
  }
  out.size = groups;
  out.source_ids.assign(groups, 0);
  out.row_ids.assign(groups, 0);
  for (const auto& [slot, expr] : stage_.finals) {
    out.columns[slot] = Evaluate(*expr, out, *state).Release();
    if (out.columns[slot].kind == ColumnKind::kConstant && groups > 0) {
      ColumnBuilder b(groups);
      for (size_t r = 0; r < groups; ++r) b.Append(out.columns[slot].constant);
      out.columns[slot] = b.Finish();
    }
  }
  return out;
}

}  // namespace flowlens::query

#include "query/aggregate.h"

#include <algorithm>
#include <numeric>

#include "query/operators.h"

namespace flowlens::query {

namespace {

constexpr size_t kMaxFixedKeys = 16;

bool IsFixedKind(ColumnKind k) {
  return k == ColumnKind::kInt || k == ColumnKind::kTimestamp || k == ColumnKind::kBool ||
         k == ColumnKind::kAddress;
}

ColumnKind KindOfValue(const Value& v) {
  switch (v.type) {
    case ValueType::kInt:
      return ColumnKind::kInt;
    case ValueType::kTimestamp:
      return ColumnKind::kTimestamp;
    case ValueType::kBool:
      return ColumnKind::kBool;
    case ValueType::kAddress:
      return v.ip.v6 ? ColumnKind::kMixed : ColumnKind::kAddress;  // constant IPv6: generic
    default:
      return ColumnKind::kMixed;
  }
}

uint64_t LaneBits(const Value& v) {
  return v.type == ValueType::kAddress ? v.ip.lo : static_cast<uint64_t>(v.i);
}

}  // namespace

GroupTable::GroupTable(const Stage& stage, int timestamp_slot, EvalState* state)
    : stage_(stage), state_(state), timestamp_slot_(timestamp_slot) {
  for (const AggSpec& a : stage.aggregates) accs_.push_back(MakeAccumulator(a));
  if (stage.group_exprs.empty()) {
    mode_ = Mode::kGlobal;
    groups_ = 1;
    ResizeStates();
  } else if (stage.group_exprs.size() == 1 && stage.group_exprs[0]->kind == BoundKind::kBin) {
    time_bins_.emplace(stage.group_exprs[0]->period_amount, stage.group_exprs[0]->period_unit);
  }
}

GroupTable::~GroupTable() = default;

size_t GroupTable::group_count() const {
  return groups_;
}

size_t GroupTable::approximate_bytes() const {
  size_t b = fixed_.bytes() + narrow_index_.bytes() + v6_ids_.bytes() +
             v6_addrs_.capacity() * sizeof(IpAddress) +
             (mode_ == Mode::kGeneric ? generic_.bytes() : 0);
  for (const auto& a : accs_) b += a->bytes();
  return b;
}

Status GroupTable::CheckMemory(size_t budget_bytes, int tables) const {
  const size_t share = budget_bytes / static_cast<size_t>(std::max(1, tables));
  if (approximate_bytes() <= share) return Status::Ok();
  std::string keys;
  for (const std::string& name : stage_.group_names) keys += (keys.empty() ? " by " : ", ") + name;
  return Status::ResourceExhausted(
      "the stats" + keys + " grew past the memory budget of " +
      (budget_bytes >= (size_t{1} << 20) ? std::to_string(budget_bytes >> 20) + " MB"
                                         : std::to_string(budget_bytes >> 10) + " KB") +
      " after " + std::to_string(groups_) +
      " groups; narrow the query (filter first, group by fewer fields) or raise --memory");
}

void GroupTable::ResizeStates() {
  for (auto& a : accs_) a->Resize(groups_);
}

bool GroupTable::ChooseLayout(const std::vector<ColumnRef>& keys) {
  if (keys.size() > kMaxFixedKeys) return false;
  lanes_.clear();
  unsigned used[2] = {0, 0};
  for (const ColumnRef& k : keys) {
    if (!IsFixedKind(k->kind)) return false;
    const unsigned bits =
        k->kind == ColumnKind::kInt || k->kind == ColumnKind::kTimestamp ? 64 : 32;
    int lane = used[0] + bits <= 64 ? 0 : (used[1] + bits <= 64 ? 1 : -1);
    if (lane < 0) return false;
    lanes_.push_back(Lane{k->kind, static_cast<uint8_t>(lane), static_cast<uint8_t>(used[lane]),
                          static_cast<uint8_t>(bits)});
    used[lane] += bits;
  }
  narrow_ = used[1] == 0;
  return true;
}

bool GroupTable::FitsLayout(const std::vector<ColumnRef>& keys) const {
  for (size_t i = 0; i < keys.size(); ++i) {
    const Column& c = keys[i].get();
    const ColumnKind want = lanes_[i].kind;
    if (c.kind == ColumnKind::kNull) continue;
    if (c.kind == ColumnKind::kConstant) {
      if (KindOfValue(c.constant) != want) return false;
      continue;
    }
    if (c.kind != want) return false;
  }
  return true;
}

void GroupTable::ClearMissing(const Column& c, size_t i, FixedKey* out, size_t n) const {
  if (c.valid.empty()) return;
  // A missing value: no bits, its null bit set.
  const Lane& l = lanes_[i];
  uint64_t FixedKey::*lane = l.lane == 0 ? &FixedKey::a : &FixedKey::b;
  const uint64_t mask = l.bits == 64 ? ~uint64_t{0} : (uint64_t{0xFFFFFFFF} << l.shift);
  const uint32_t null_bit = uint32_t{1} << i;
  for (size_t r = 0; r < n; ++r) {
    if (!c.valid[r]) {
      out[r].*lane &= ~mask;
      out[r].tag = (out[r].tag | null_bit) & ~(uint32_t{1} << (kV6Shift + i));
    }
  }
}

bool GroupTable::BuildAddressKeys(const std::vector<ColumnRef>& keys, size_t n) {
  // `by srcAddr` or `by srcAddr, dstAddr` of typed address columns: lane a
  // holds the first address in bits 0..31 and the second in 32..63.
  if (!narrow_ || keys.empty() || keys.size() > 2) return false;
  for (size_t i = 0; i < keys.size(); ++i) {
    if (keys[i]->kind != ColumnKind::kAddress || lanes_[i].shift != 32 * i) return false;
  }
  keys_.resize(n);
  FixedKey* out = keys_.data();
  const IpAddress* x = keys[0]->addrs.data();
  const IpAddress* y = keys.size() == 2 ? keys[1]->addrs.data() : nullptr;
  constexpr uint32_t kV6First = uint32_t{1} << kV6Shift, kV6Second = kV6First << 1;
  for (size_t r = 0; r < n; ++r) {
    // IPv4 (nearly every row): its 32 bits; IPv6: a 32-bit id in v6_addrs_.
    uint64_t a;
    uint32_t tag = 0;
    if (__builtin_expect(!x[r].v6, 1)) {
      a = x[r].lo & 0xFFFFFFFFu;
    } else {
      a = V6Id(x[r]);
      tag = kV6First;
    }
    if (y) {
      if (__builtin_expect(!y[r].v6, 1)) {
        a |= y[r].lo << 32;
      } else {
        a |= static_cast<uint64_t>(V6Id(y[r])) << 32;
        tag |= kV6Second;
      }
    }
    out[r] = FixedKey{a, 0, tag};
  }
  for (size_t i = 0; i < keys.size(); ++i) ClearMissing(keys[i].get(), i, out, n);
  return true;
}

void GroupTable::BuildFixedKeys(const std::vector<ColumnRef>& keys, size_t n) {
  if (BuildAddressKeys(keys, n)) return;
  keys_.assign(n, FixedKey{});
  FixedKey* out = keys_.data();
  for (size_t i = 0; i < keys.size(); ++i) {
    const Column& c = keys[i].get();
    const Lane& l = lanes_[i];
    uint64_t FixedKey::*lane = l.lane == 0 ? &FixedKey::a : &FixedKey::b;
    const uint32_t null_bit = uint32_t{1} << i;
    const unsigned shift = l.shift;
    if (c.kind == ColumnKind::kNull) {
      for (size_t r = 0; r < n; ++r) out[r].tag |= null_bit;
      continue;
    }
    if (c.kind == ColumnKind::kConstant) {
      const uint64_t v = LaneBits(c.constant) << shift;
      for (size_t r = 0; r < n; ++r) out[r].*lane |= v;
      continue;
    }
    // Typed: the value's bits into its lane, straight from the column array.
    if (c.kind == ColumnKind::kAddress) {
      // IPv4: its 32 bits; IPv6 (rare in flow logs): a 32-bit id in v6_addrs_.
      const IpAddress* x = c.addrs.data();
      const uint32_t v6_bit = uint32_t{1} << (kV6Shift + i);
      for (size_t r = 0; r < n; ++r) {
        if (__builtin_expect(x[r].v6, 0)) {
          out[r].*lane |= static_cast<uint64_t>(V6Id(x[r])) << shift;
          out[r].tag |= v6_bit;
        } else {
          out[r].*lane |= (x[r].lo & 0xFFFFFFFFu) << shift;
        }
      }
    } else {
      const int64_t* x = c.ints.data();
      for (size_t r = 0; r < n; ++r) out[r].*lane |= static_cast<uint64_t>(x[r]) << shift;
    }
    ClearMissing(c, i, out, n);
  }
}

Value GroupTable::KeyValue(const FixedKey& k, size_t i) const {
  if (k.tag & (uint32_t{1} << i)) return Value::Null();
  const Lane& l = lanes_[i];
  uint64_t bits = (l.lane == 0 ? k.a : k.b) >> l.shift;
  if (l.bits == 32) bits &= 0xFFFFFFFFu;
  switch (l.kind) {
    case ColumnKind::kInt:
      return Value::Int(static_cast<int64_t>(bits));
    case ColumnKind::kTimestamp:
      return Value::Timestamp(static_cast<int64_t>(bits));
    case ColumnKind::kBool:
      return Value::Bool(bits != 0);
    default:
      if (k.tag & (uint32_t{1} << (kV6Shift + i))) return Value::Address(v6_addrs_[bits]);
      return Value::Address(IpAddress::V4(static_cast<uint32_t>(bits)));
  }
}

uint32_t GroupTable::V6Id(const IpAddress& ip) {
  bool inserted;
  uint32_t id = v6_ids_.FindOrInsert(FixedKey{ip.hi, ip.lo, 0}, &inserted);
  if (inserted) v6_addrs_.push_back(ip);
  return id;
}

FixedKey GroupTable::Translate(const GroupTable& from, FixedKey k) {
  if ((k.tag >> kV6Shift) == 0) return k;  // no IPv6 id in it
  for (size_t i = 0; i < lanes_.size(); ++i) {
    if (!(k.tag & (uint32_t{1} << (kV6Shift + i)))) continue;
    const Lane& l = lanes_[i];
    uint64_t& lane = l.lane == 0 ? k.a : k.b;
    const uint64_t old_id = (lane >> l.shift) & 0xFFFFFFFFu;
    lane &= ~(uint64_t{0xFFFFFFFF} << l.shift);
    lane |= static_cast<uint64_t>(V6Id(from.v6_addrs_[old_id])) << l.shift;
  }
  return k;
}

void GroupTable::ToGeneric() {
  if (mode_ == Mode::kFixed) {
    std::vector<FixedKey> keys = WithFixedIndex([](auto& idx) { return idx.KeysById(); });
    for (const FixedKey& k : keys) {
      key_.clear();
      for (size_t i = 0; i < lanes_.size(); ++i) EncodeKey(KeyValue(k, i), &key_);
      bool inserted;
      generic_.FindOrInsert(key_, &inserted);  // ids stay: keys go in in id order
    }
    fixed_ = FixedKeyIndex();
    narrow_index_ = NarrowKeyIndex();
    v6_ids_ = FixedKeyIndex();
    v6_addrs_ = {};
  }
  mode_ = Mode::kGeneric;
}

bool GroupTable::AddTimeBinKeys(const Batch& batch) {
  if (!time_bins_) return false;
  const int slot = stage_.group_exprs[0]->slot;
  if (slot < 0 || slot >= static_cast<int>(batch.columns.size())) return false;
  const Column& ts = batch.columns[slot];
  if (!TimeBinKeys::Takes(ts)) return false;
  if (mode_ == Mode::kUndecided) {
    // The layout ChooseLayout gives the evaluated bin() column.
    lanes_ = {Lane{ColumnKind::kTimestamp, 0, 0, 64}};
    narrow_ = true;
    mode_ = Mode::kFixed;
  }
  if (mode_ != Mode::kFixed) return false;
  time_bins_->Assign(ts, batch.size, &narrow_index_, ids_.data(), &runs_);
  groups_ = narrow_index_.size();
  return true;
}

void GroupTable::AddFixedOrGenericKeys(const Batch& batch) {
  const size_t n = batch.size;
  std::vector<ColumnRef> keys;
  keys.reserve(stage_.group_exprs.size());
  for (const auto& g : stage_.group_exprs) keys.push_back(Evaluate(*g, batch, *state_));
  if (mode_ == Mode::kUndecided) mode_ = ChooseLayout(keys) ? Mode::kFixed : Mode::kGeneric;
  if (mode_ == Mode::kFixed && !FitsLayout(keys)) ToGeneric();
  if (mode_ == Mode::kFixed) {
    BuildFixedKeys(keys, n);
    hashes_.resize(n);
    groups_ = WithFixedIndex([&](auto& idx) {
      idx.FindOrInsertBatch(keys_.data(), n, ids_.data(), nullptr, hashes_.data());
      return idx.size();
    });
    return;
  }
  // Why runs are cheap: a row whose key values are those of the row before
  // (texts: the very same views) is in the same group, without encoding or
  // hashing its key. The store hands out dictionary views and its rows come
  // grouped by log stream, so `by interfaceId`, `by action` or `by bin(1h),
  // action` repeat row after row.
  auto runs_apply = [](const Column& k) {
    switch (k.kind) {
      case ColumnKind::kString:
      case ColumnKind::kInt:
      case ColumnKind::kTimestamp:
      case ColumnKind::kBool:
      case ColumnKind::kAddress:
      case ColumnKind::kConstant:
      case ColumnKind::kNull:
        return true;
      default:
        return false;
    }
  };
  const bool texts = std::all_of(keys.begin(), keys.end(),
                                 [&](const ColumnRef& k) { return runs_apply(k.get()); });
  auto same_as_before = [&](size_t r) {
    return std::all_of(keys.begin(), keys.end(), [&](const ColumnRef& k) {
      if (k->kind == ColumnKind::kConstant || k->kind == ColumnKind::kNull) return true;
      const bool present = k->IsValid(r);
      if (present != k->IsValid(r - 1)) return false;
      if (!present) return true;
      switch (k->kind) {
        case ColumnKind::kString: {
          const std::string_view a = k->strings[r], b = k->strings[r - 1];
          return a.data() == b.data() && a.size() == b.size();
        }
        case ColumnKind::kAddress:
          return k->addrs[r] == k->addrs[r - 1];
        default:
          return k->ints[r] == k->ints[r - 1];
      }
    });
  };
  for (size_t r = 0; r < n; ++r) {
    if (texts && r > 0 && same_as_before(r)) {
      ids_[r] = ids_[r - 1];
      continue;
    }
    key_.clear();
    for (const ColumnRef& k : keys) EncodeKey(k->Get(r), &key_);
    bool inserted;
    ids_[r] = generic_.FindOrInsert(key_, &inserted);
  }
  groups_ = generic_.size();
}

void GroupTable::Add(const Batch& batch) {
  const size_t n = batch.size;
  if (n == 0) return;
  ids_.resize(n);
  runs_.clear();
  if (mode_ == Mode::kGlobal) {
    std::fill(ids_.begin(), ids_.end(), 0);
    runs_.push_back(GroupRun{0, 0});
  } else if (!AddTimeBinKeys(batch)) {
    AddFixedOrGenericKeys(batch);
  }
  ResizeStates();
  // Runs long enough on average that adding a run at a time beats a row at a time.
  constexpr size_t kMinAverageRun = 8;
  const bool by_runs = !runs_.empty() && runs_.size() * kMinAverageRun <= n;
  const Column* ts =
      timestamp_slot_ >= 0 && timestamp_slot_ < static_cast<int>(batch.columns.size())
          ? &batch.columns[timestamp_slot_]
          : nullptr;
  static const Column kNoArg{};
  for (size_t a = 0; a < accs_.size(); ++a) {
    const AggSpec& spec = stage_.aggregates[a];
    ColumnRef arg = spec.arg ? Evaluate(*spec.arg, batch, *state_) : ColumnRef(&kNoArg);
    if (by_runs &&
        accs_[a]->AddRun(runs_[0].group, 0, runs_.size() > 1 ? runs_[1].begin : n, arg.get())) {
      for (size_t i = 1; i < runs_.size(); ++i) {
        const size_t end = i + 1 < runs_.size() ? runs_[i + 1].begin : n;
        accs_[a]->AddRun(runs_[i].group, runs_[i].begin, end, arg.get());
      }
      continue;
    }
    accs_[a]->Add(ids_.data(), n, arg.get(), batch, ts);
  }
}

void GroupTable::Merge(GroupTable&& other) {
  if (other.mode_ == Mode::kUndecided) return;  // saw no rows
  if (mode_ == Mode::kUndecided) {
    mode_ = other.mode_;
    lanes_ = other.lanes_;
    narrow_ = other.narrow_;
  }
  std::vector<uint32_t> map(other.groups_);
  auto same_layout = [&] {
    if (lanes_.size() != other.lanes_.size()) return false;
    for (size_t i = 0; i < lanes_.size(); ++i) {
      const Lane &x = lanes_[i], &y = other.lanes_[i];
      if (x.kind != y.kind || x.lane != y.lane || x.shift != y.shift || x.bits != y.bits) {
        return false;
      }
    }
    return true;
  };
  if (mode_ == Mode::kGlobal) {
    map[0] = 0;
  } else if (mode_ == Mode::kFixed && other.mode_ == Mode::kFixed && same_layout()) {
    // The other's keys in id order, a batch at a time (no copy of them all:
    // a million keys are tens of MB of fresh pages on the one thread that
    // merges), probed with prefetches, so map[] is written in order.
    keys_.resize(kBatchSize);
    hashes_.resize(kBatchSize);
    groups_ = WithFixedIndex([&](auto& idx) {
      idx.AllowDenserLoad();
      idx.Reserve(std::max(groups_, other.groups_));
      for (size_t off = 0; off < other.groups_; off += kBatchSize) {
        const size_t m = std::min(kBatchSize, other.groups_ - off);
        other.WithFixedIndex([&](const auto& from) {
          for (size_t j = 0; j < m; ++j) keys_[j] = from.KeyOf(static_cast<uint32_t>(off + j));
        });
        if (!other.v6_addrs_.empty()) {
          for (size_t j = 0; j < m; ++j) keys_[j] = Translate(other, keys_[j]);
        }
        idx.FindOrInsertBatch(keys_.data(), m, map.data() + off, nullptr, hashes_.data());
      }
      return idx.size();
    });
  } else {
    ToGeneric();
    other.ToGeneric();
    for (uint32_t g = 0; g < other.groups_; ++g) {
      bool inserted;
      map[g] = generic_.FindOrInsert(other.generic_.key(g), &inserted);
    }
    groups_ = generic_.size();
  }
  ResizeStates();
  for (size_t a = 0; a < accs_.size(); ++a) accs_[a]->Merge(std::move(*other.accs_[a]), map.data());
}

}  // namespace flowlens::query

#include "query/group_accumulators.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "query/distinct_pair_set.h"
#include "query/fixed_key_index.h"
#include "query/huge_page_allocator.h"
#include "query/key_index.h"
#include "query/operators.h"

namespace flowlens::query {

namespace {

// The value a group key or distinct value stands for: numeric text as its
// number, integral doubles as ints.
Value CanonicalKeyValue(const Value& v) {
  Value x = v;
  if (x.type == ValueType::kString) {
    if (auto n = ParseNumber(x.s)) x = n->is_int ? Value::Int(n->i) : Value::Double(n->d);
  }
  if (x.type == ValueType::kDouble && x.d == std::floor(x.d) && std::fabs(x.d) < 9e15) {
    x = Value::Int(static_cast<int64_t>(x.d));
  }
  return x;
}

}  // namespace

void EncodeKey(const Value& v, std::string* out) {
  Value x = CanonicalKeyValue(v);
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

Column Accumulator::FinalColumn(size_t groups) {
  ColumnBuilder b(groups);
  for (size_t g = 0; g < groups; ++g) b.Append(Final(static_cast<uint32_t>(g)));
  return b.Finish();
}

namespace {

bool IsIntLike(ColumnKind k) {
  return k == ColumnKind::kInt || k == ColumnKind::kTimestamp || k == ColumnKind::kBool;
}

// Calls f(state of group ids[r], r) for r in 0..n-1. Why it is fast: over a
// table larger than the cache (a million pairs of addresses), the state of
// the row kAhead rows on is prefetched, so its miss overlaps the work of the
// rows between instead of stalling each row; small tables skip the prefetch.
template <typename State, typename F>
inline void UpdateStates(State* st, size_t groups, const uint32_t* ids, size_t n, F&& f) {
  constexpr size_t kAhead = 16;
  size_t r = 0;
  if (groups * sizeof(State) > (size_t{1} << 20)) {
    for (; r + kAhead < n; ++r) {
      __builtin_prefetch(&st[ids[r + kAhead]], 1);
      f(st[ids[r]], r);
    }
  }
  for (; r < n; ++r) f(st[ids[r]], r);
}

// count(*) and count(field): one int64 per group.
class CountAccumulator final : public Accumulator {
 public:
  explicit CountAccumulator(bool star) : star_(star) {}
  void Resize(size_t groups) override { counts_.resize(groups); }
  void Add(const uint32_t* ids, size_t n, const Column& arg, const Batch&, const Column*) override {
    int64_t* c = counts_.data();
    const size_t groups = counts_.size();
    if (star_ || arg.kind == ColumnKind::kConstant ||
        (arg.kind != ColumnKind::kMixed && arg.kind != ColumnKind::kNull && arg.valid.empty())) {
      UpdateStates(c, groups, ids, n, [](int64_t& s, size_t) { ++s; });
    } else if (arg.kind == ColumnKind::kMixed) {
      UpdateStates(c, groups, ids, n, [&](int64_t& s, size_t r) { s += !arg.values[r].is_null(); });
    } else if (arg.kind != ColumnKind::kNull) {
      UpdateStates(c, groups, ids, n, [&](int64_t& s, size_t r) { s += arg.valid[r]; });
    }
  }
  bool AddRun(uint32_t group, size_t begin, size_t end, const Column& arg) override {
    int64_t& c = counts_[group];
    if (star_ || arg.kind == ColumnKind::kConstant ||
        (arg.kind != ColumnKind::kMixed && arg.kind != ColumnKind::kNull && arg.valid.empty())) {
      c += static_cast<int64_t>(end - begin);
    } else if (arg.kind == ColumnKind::kMixed) {
      for (size_t r = begin; r < end; ++r) c += !arg.values[r].is_null();
    } else if (arg.kind != ColumnKind::kNull) {
      int64_t k = 0;
      for (size_t r = begin; r < end; ++r) k += arg.valid[r];
      c += k;
    }
    return true;
  }
  void Merge(Accumulator&& other, const uint32_t* map) override {
    auto& o = static_cast<CountAccumulator&>(other);
    for (size_t g = 0; g < o.counts_.size(); ++g) counts_[map[g]] += o.counts_[g];
  }
  Value Final(uint32_t g) override { return Value::Int(counts_[g]); }
  Column FinalColumn(size_t groups) override {
    Column c;
    c.kind = ColumnKind::kInt;
    c.ints.assign(counts_.begin(), counts_.begin() + static_cast<long>(groups));
    return c;
  }
  size_t bytes() const override { return counts_.capacity() * sizeof(int64_t); }

 private:
  bool star_;
  ZeroedArray<int64_t> counts_;
};

// sum and avg: an exact int64 sum that turns double on overflow or on the
// first non-integer value, and the count of numeric values; 16 bytes a
// group (the int and the double sum share a word).
class SumAccumulator final : public Accumulator {
 public:
  explicit SumAccumulator(bool avg) : avg_(avg) {}
  void Resize(size_t groups) override { states_.resize(groups); }
  void Add(const uint32_t* ids, size_t n, const Column& arg, const Batch&, const Column*) override {
    State* st = states_.data();
    const size_t groups = states_.size();
    if (arg.kind == ColumnKind::kInt) {
      const int64_t* x = arg.ints.data();
      if (arg.valid.empty()) {
        UpdateStates(st, groups, ids, n, [x](State& s, size_t r) { AddInt(s, x[r]); });
      } else {
        const uint8_t* valid = arg.valid.data();
        UpdateStates(st, groups, ids, n, [x, valid](State& s, size_t r) {
          if (valid[r]) AddInt(s, x[r]);
        });
      }
      return;
    }
    if (arg.kind == ColumnKind::kDouble) {
      for (size_t r = 0; r < n; ++r) {
        if (!arg.IsValid(r)) continue;
        State& s = st[ids[r]];
        s.bits += kOne;
        AddDouble(s, arg.doubles[r]);
      }
      return;
    }
    if (arg.kind == ColumnKind::kNull) return;
    for (size_t r = 0; r < n; ++r) {
      std::optional<Number> num = AsNumber(arg.Get(r));
      if (num) AddNumber(st[ids[r]], *num, 1);
    }
  }
  // Why it is fast: the state stays in registers for the whole run, and a run
  // of ints small enough that no prefix of it can overflow the int64 sum
  // (the case of bytes and packets) is summed in a loop the compiler
  // vectorizes, then added once: the same exact sum as row by row.
  bool AddRun(uint32_t group, size_t begin, size_t end, const Column& arg) override {
    State s = states_[group];
    if (arg.kind == ColumnKind::kInt) {
      const int64_t* x = arg.ints.data();
      if (arg.valid.empty()) {
        if (!s.is_double() && end - begin <= kBatchSize && s.isum < kSumBound &&
            s.isum > -kSumBound) {
          // |x| <= 2^50 for every value and at most 2^12 values: every prefix
          // of the run sums to less than 2^62 in magnitude, so no row would
          // have overflowed the state.
          uint64_t total = 0, spread = 0;
          for (size_t r = begin; r < end; ++r) {
            total += static_cast<uint64_t>(x[r]);
            spread |= static_cast<uint64_t>(x[r]) + kValueBound;
          }
          if (spread < 2 * kValueBound) {
            s.isum += static_cast<int64_t>(total);
            s.bits += kOne * (end - begin);
            states_[group] = s;
            return true;
          }
        }
        for (size_t r = begin; r < end; ++r) AddInt(s, x[r]);
      } else {
        for (size_t r = begin; r < end; ++r) {
          if (arg.valid[r]) AddInt(s, x[r]);
        }
      }
    } else if (arg.kind == ColumnKind::kDouble) {
      for (size_t r = begin; r < end; ++r) {
        if (!arg.IsValid(r)) continue;
        s.bits += kOne;
        AddDouble(s, arg.doubles[r]);
      }
    } else if (arg.kind != ColumnKind::kNull) {
      return false;
    }
    states_[group] = s;
    return true;
  }
  void Merge(Accumulator&& other, const uint32_t* map) override {
    auto& o = static_cast<SumAccumulator&>(other);
    const State* from_states = o.states_.data();
    UpdateStates(states_.data(), states_.size(), map, o.states_.size(),
                 [from_states](State& into, size_t g) {
                   const State& from = from_states[g];
                   if (from.count() == 0) return;
                   if (from.is_double()) {
                     AddNumber(into, Number{false, 0, from.dsum}, from.count());
                   } else {
                     AddNumber(into, Number{true, from.isum, 0}, from.count());
                   }
                 });
  }
  Value Final(uint32_t g) override {
    const State& s = states_[g];
    if (s.count() == 0) return Value::Null();
    if (avg_) {
      return Value::Double((s.is_double() ? s.dsum : static_cast<double>(s.isum)) /
                           static_cast<double>(s.count()));
    }
    return s.is_double() ? Value::Double(s.dsum) : Value::Int(s.isum);
  }
  Column FinalColumn(size_t groups) override {
    // Sums that stayed exact ints: an int column, nulls where nothing was summed.
    if (avg_) return Accumulator::FinalColumn(groups);
    Column c;
    c.kind = ColumnKind::kInt;
    c.ints.resize(groups);
    bool any_missing = false;
    for (size_t g = 0; g < groups; ++g) {
      const State& s = states_[g];
      if (s.is_double()) return Accumulator::FinalColumn(groups);
      c.ints[g] = s.isum;
      any_missing |= s.count() == 0;
    }
    if (any_missing) {
      c.valid.resize(groups);
      for (size_t g = 0; g < groups; ++g) c.valid[g] = states_[g].count() != 0;
    }
    return c;
  }
  size_t bytes() const override { return states_.capacity() * sizeof(State); }

 private:
  static constexpr uint64_t kOne = 2;  // one more value in State::bits
  // AddRun's bounds: values within +-2^50, sums within +-2^62.
  static constexpr uint64_t kValueBound = uint64_t{1} << 50;
  static constexpr int64_t kSumBound = int64_t{1} << 62;
  struct State {
    union {
      int64_t isum = 0;
      double dsum;  // once is_double()
    };
    uint64_t bits = 0;  // count << 1 | is_double
    int64_t count() const { return static_cast<int64_t>(bits >> 1); }
    bool is_double() const { return bits & 1; }
  };
  static_assert(sizeof(State) == 16);
  static void AddInt(State& s, int64_t x) {
    s.bits += kOne;
    int64_t sum;
    if (!s.is_double() && !__builtin_add_overflow(s.isum, x, &sum)) {
      s.isum = sum;
    } else {
      AddDouble(s, static_cast<double>(x));
    }
  }
  static void AddDouble(State& s, double x) {
    if (!s.is_double()) {
      s.bits |= 1;
      s.dsum = static_cast<double>(s.isum);
    }
    s.dsum += x;
  }
  static void AddNumber(State& s, const Number& x, int64_t count) {
    s.bits += static_cast<uint64_t>(count) * kOne;
    int64_t sum;
    if (x.is_int && !s.is_double() && !__builtin_add_overflow(s.isum, x.i, &sum)) {
      s.isum = sum;
      return;
    }
    AddDouble(s, x.as_double());
  }
  bool avg_;
  ZeroedArray<State> states_;
};

// count_distinct: the set of (group, value) pairs of all groups in shared
// sets, so a group with few values costs a few slots rather than a hash set
// of its own. A fixed-width value (int, timestamp, bool, IPv4) whose bits fit
// 32 goes to the DistinctPairSet of its type as group << 32 | value (8 bytes
// a pair); a wider one to a FixedKeyIndex as {value, type << 32 | group};
// others to a KeyIndex as the group's 4 bytes then the value's key encoding.
// Where a value goes depends on the value alone, so it is counted once.
//
// A group that reaches kPromoteAt distinct ints (a source scanning ports)
// also gets a bitmap of the values 0..65535 (8 KB): from then on its values
// below 65536 are looked up there, a bit in a few MB of bitmaps that stay in
// the cache instead of a slot of a pair set of tens of MB, and are not added
// to the set. Its values from before stay in the set: a value whose bit is
// not set yet is looked up there once (found: seen before, not counted).
// Why: in flow logs a few hundred sources hold most (group, port) pairs and
// most rows (320 of 786k sources: 7M of 10M rows, 1.2M of 2.2M pairs).
class DistinctAccumulator final : public Accumulator {
 public:
  void Resize(size_t groups) override { counts_.resize(groups); }

  void Add(const uint32_t* ids, size_t n, const Column& arg, const Batch&, const Column*) override {
    if (arg.kind == ColumnKind::kNull) return;
    pairs_.resize(n);
    wide_.resize(n);
    size_t m = 0, w = 0;
    ValueType type = ValueType::kAddress;
    if (IsIntLike(arg.kind)) {
      type = arg.kind == ColumnKind::kInt    ? ValueType::kInt
             : arg.kind == ColumnKind::kBool ? ValueType::kBool
                                             : ValueType::kTimestamp;
      const uint64_t wide_type = static_cast<uint64_t>(type) << 32;
      const int64_t* x = arg.ints.data();
      for (size_t r = 0; r < n; ++r) {
        if (!arg.IsValid(r)) continue;
        const uint64_t v = static_cast<uint64_t>(x[r]);
        if (v >> 32 == 0) {
          pairs_[m++] = DistinctPairSet::Key(ids[r], static_cast<uint32_t>(v));
        } else {
          wide_[w++] = FixedKey{v, wide_type | ids[r], 0};
        }
      }
    } else if (arg.kind == ColumnKind::kAddress) {
      for (size_t r = 0; r < n; ++r) {
        if (!arg.IsValid(r)) continue;
        if (arg.addrs[r].v6) {
          AddOne(ids[r], Value::Address(arg.addrs[r]));
        } else {
          pairs_[m++] = DistinctPairSet::Key(ids[r], static_cast<uint32_t>(arg.addrs[r].lo));
        }
      }
    } else {
      for (size_t r = 0; r < n; ++r) {
        Value v = arg.Get(r);
        if (!v.is_null()) AddOne(ids[r], v);
      }
      return;
    }
    inserted_.resize(std::max(m, w));
    hashes_.resize(std::max(m, w));
    if (m > 0) {
      if (type == ValueType::kInt) {
        InsertIntPairs(m);
      } else {
        Narrow(type).InsertBatch(pairs_.data(), m, inserted_.data(), hashes_.data());
        for (size_t i = 0; i < m; ++i) counts_[pairs_[i] >> 32] += inserted_[i];
      }
    }
    if (w > 0) {
      found_.resize(w);
      fixed_.FindOrInsertBatch(wide_.data(), w, found_.data(), inserted_.data(), hashes_.data());
      for (size_t i = 0; i < w; ++i) counts_[static_cast<uint32_t>(wide_[i].b)] += inserted_[i];
    }
  }

  void Merge(Accumulator&& other, const uint32_t* map) override {
    auto& o = static_cast<DistinctAccumulator&>(other);
    MergeBitmaps(o, map);
    for (size_t t = 0; t < kNarrowTypes; ++t) {
      // The other's pairs with our group ids, inserted a batch at a time.
      DistinctPairSet& into = narrow_[t];
      pairs_.resize(kBatchSize);
      inserted_.resize(kBatchSize);
      hashes_.resize(std::max(hashes_.size(), kBatchSize));
      size_t m = 0;
      auto flush = [&] {
        if (t == 0) {
          InsertIntPairs(m);
        } else {
          into.InsertBatch(pairs_.data(), m, inserted_.data(), hashes_.data());
          for (size_t i = 0; i < m; ++i) counts_[pairs_[i] >> 32] += inserted_[i];
        }
        m = 0;
      };
      auto add = [&](uint32_t group, uint32_t value) {
        pairs_[m++] = DistinctPairSet::Key(group, value);
        if (m == kBatchSize) flush();
      };
      if (o.narrow_[t].size() == 0) continue;
      into.Reserve(into.size() + o.narrow_[t].size());
      o.narrow_[t].ForEach([&](uint64_t k) { add(map[k >> 32], static_cast<uint32_t>(k)); });
      flush();
    }
    o.fixed_.ForEach([&](const FixedKey& k, uint32_t) {
      uint32_t g = map[static_cast<uint32_t>(k.b)];
      bool inserted;
      fixed_.FindOrInsert(FixedKey{k.a, (k.b & ~uint64_t{0xFFFFFFFF}) | g, 0}, &inserted);
      counts_[g] += inserted;
    });
    for (size_t i = 0; i < o.text_.size(); ++i) {
      std::string_view k = o.text_.key(static_cast<uint32_t>(i));
      uint32_t g;
      std::memcpy(&g, k.data(), 4);
      g = map[g];
      scratch_.assign(reinterpret_cast<const char*>(&g), 4);
      scratch_.append(k.substr(4));
      bool inserted;
      text_.FindOrInsert(scratch_, &inserted);
      counts_[g] += inserted;
    }
  }

  Value Final(uint32_t g) override { return Value::Int(Count(g)); }
  Column FinalColumn(size_t groups) override {
    Column c;
    c.kind = ColumnKind::kInt;
    c.ints.resize(groups);
    for (size_t g = 0; g < groups; ++g) c.ints[g] = Count(static_cast<uint32_t>(g));
    return c;
  }
  size_t bytes() const override {
    size_t b = counts_.capacity() * sizeof(int64_t) + bitmaps_.capacity() * sizeof(uint64_t) +
               fixed_.bytes() + (text_.size() ? text_.bytes() : 0);
    for (const DistinctPairSet& s : narrow_) b += s.bytes();
    return b;
  }

 private:
  static constexpr size_t kNarrowTypes = 4;
  // counts_[g]: the distinct count in the low kBitmapShift bits; above them
  // the index + 1 of the group's bitmap in bitmaps_ (0: none).
  static constexpr unsigned kBitmapShift = 40;
  static constexpr uint64_t kCountMask = (uint64_t{1} << kBitmapShift) - 1;
  static constexpr uint32_t kBitmapValues = 1 << 16;
  static constexpr uint32_t kBitmapWords = kBitmapValues / 64;
  // About where 8 KB of bitmap costs what the group's pairs cost in the set.
  static constexpr uint64_t kPromoteAt = 512;

  int64_t Count(uint32_t g) const { return static_cast<int64_t>(counts_[g] & kCountMask); }

  void Promote(uint32_t g) {
    const size_t index = bitmap_owner_.size();
    bitmap_owner_.push_back(g);
    bitmaps_.resize(bitmaps_.size() + kBitmapWords);
    counts_[g] |= static_cast<uint64_t>(index + 1) << kBitmapShift;
  }

  // Inserts int pairs pairs_[0..m) (group << 32 | value) and counts the new
  // ones. Rows of groups with a bitmap test and set their bit (a bit newly
  // set: the value is new unless the set holds it from before the bitmap);
  // the others go to narrow_[0], where a group reaching kPromoteAt gets its
  // bitmap. pairs_ is reused for the set's share.
  void InsertIntPairs(size_t m) {
    uint64_t* st = counts_.data();
    uint64_t* bitmaps = bitmaps_.data();  // no group gets a bitmap before the set's share
    check_.resize(m);
    in_set_.resize(m);
    size_t s = 0, c = 0;
    // Two-stage prefetch: the state of the pair kAhead on, then (its state
    // now in the cache) the bitmap word of the pair kAhead / 2 on, so both
    // dependent misses overlap the work of the pairs between.
    constexpr size_t kAhead = 16;
    const bool prefetch = counts_.size() * sizeof(uint64_t) > (size_t{1} << 20) ||
                          bitmaps_.size() * sizeof(uint64_t) > (size_t{1} << 20);
    for (size_t i = 0; i < m; ++i) {
      if (prefetch && i + kAhead < m) {
        __builtin_prefetch(&st[pairs_[i + kAhead] >> 32]);
        const uint64_t k = pairs_[i + kAhead / 2];
        const uint64_t later = st[k >> 32];
        if ((later >> kBitmapShift) != 0) {
          __builtin_prefetch(&bitmaps[((later >> kBitmapShift) - 1) * kBitmapWords +
                                      static_cast<uint16_t>(k) / 64]);
        }
      }
      const uint64_t key = pairs_[i];
      const uint64_t state = st[key >> 32];
      const uint32_t v = static_cast<uint32_t>(key);
      if ((state >> kBitmapShift) != 0 && v < kBitmapValues) {
        uint64_t& word = bitmaps[((state >> kBitmapShift) - 1) * kBitmapWords + v / 64];
        const uint64_t bit = uint64_t{1} << (v % 64);
        if (!(word & bit)) {
          word |= bit;
          check_[c++] = key;
        }
      } else {
        pairs_[s++] = key;
      }
    }
    if (s > 0) {
      narrow_[0].InsertBatch(pairs_.data(), s, inserted_.data(), hashes_.data());
      for (size_t i = 0; i < s; ++i) {
        if (!inserted_[i]) continue;
        const uint32_t g = static_cast<uint32_t>(pairs_[i] >> 32);
        if (++st[g] == kPromoteAt) Promote(g);  // == : no bitmap yet, count reached
      }
    }
    if (c > 0) {
      narrow_[0].FindBatch(check_.data(), c, in_set_.data(), hashes_.data());
      for (size_t i = 0; i < c; ++i) st[check_[i] >> 32] += !in_set_[i];
    }
  }

  // The other's bitmaps OR-ed into ours (a group without one gets one):
  // a bit new to us is a new value unless our set holds it from before our
  // bitmap. Why: a word at a time, and a set lookup only per new bit, where
  // inserting every bit as a pair would probe the set once a value.
  void MergeBitmaps(const DistinctAccumulator& o, const uint32_t* map) {
    check_.resize(kBatchSize);
    in_set_.resize(kBatchSize);
    hashes_.resize(std::max(hashes_.size(), kBatchSize));
    size_t c = 0;
    auto flush = [&] {
      narrow_[0].FindBatch(check_.data(), c, in_set_.data(), hashes_.data());
      for (size_t i = 0; i < c; ++i) counts_[check_[i] >> 32] += !in_set_[i];
      c = 0;
    };
    for (size_t b = 0; b < o.bitmap_owner_.size(); ++b) {
      const uint32_t g = map[o.bitmap_owner_[b]];
      if ((counts_[g] >> kBitmapShift) == 0) Promote(g);
      uint64_t* into = bitmaps_.data() + ((counts_[g] >> kBitmapShift) - 1) * kBitmapWords;
      const uint64_t* from = o.bitmaps_.data() + b * kBitmapWords;
      for (uint32_t w = 0; w < kBitmapWords; ++w) {
        uint64_t fresh = from[w] & ~into[w];
        into[w] |= fresh;
        for (; fresh != 0; fresh &= fresh - 1) {
          const uint32_t v = w * 64 + static_cast<uint32_t>(__builtin_ctzll(fresh));
          check_[c++] = DistinctPairSet::Key(g, v);
          if (c == kBatchSize) flush();
        }
      }
    }
    if (c > 0) flush();
  }

  DistinctPairSet& Narrow(ValueType t) {
    switch (t) {
      case ValueType::kInt:
        return narrow_[0];
      case ValueType::kBool:
        return narrow_[1];
      case ValueType::kTimestamp:
        return narrow_[2];
      default:
        return narrow_[3];  // IPv4 addresses
    }
  }

  // One value of an untyped column (or an IPv6 address).
  void AddOne(uint32_t group, const Value& v) {
    Value x = CanonicalKeyValue(v);
    bool inserted;
    switch (x.type) {
      case ValueType::kInt:
      case ValueType::kBool:
      case ValueType::kTimestamp: {
        const uint64_t bits = static_cast<uint64_t>(x.i);
        if (bits >> 32 == 0 && x.type == ValueType::kInt) {
          pairs_.assign(1, DistinctPairSet::Key(group, static_cast<uint32_t>(bits)));
          inserted_.resize(1);
          hashes_.resize(std::max<size_t>(hashes_.size(), 1));
          InsertIntPairs(1);  // counts it
          return;
        }
        if (bits >> 32 == 0) {
          inserted =
              Narrow(x.type).Insert(DistinctPairSet::Key(group, static_cast<uint32_t>(bits)));
        } else {
          fixed_.FindOrInsert(FixedKey{bits, static_cast<uint64_t>(x.type) << 32 | group, 0},
                              &inserted);
        }
        break;
      }
      case ValueType::kAddress:
        if (!x.ip.v6) {
          inserted = Narrow(ValueType::kAddress)
                         .Insert(DistinctPairSet::Key(group, static_cast<uint32_t>(x.ip.lo)));
          break;
        }
        [[fallthrough]];
      default:
        scratch_.assign(reinterpret_cast<const char*>(&group), 4);
        EncodeKey(x, &scratch_);
        text_.FindOrInsert(scratch_, &inserted);
        break;
    }
    counts_[group] += inserted;
  }

  ZeroedArray<uint64_t> counts_;
  ZeroedArray<uint64_t> bitmaps_;       // kBitmapWords words a bitmap
  std::vector<uint32_t> bitmap_owner_;  // the group of each bitmap
  DistinctPairSet narrow_[kNarrowTypes];
  FixedKeyIndex fixed_;
  KeyIndex text_;
  // Scratch for one batch.
  std::vector<uint64_t> pairs_;
  std::vector<FixedKey> wide_;
  std::vector<uint32_t> found_;
  std::vector<uint64_t> check_;  // pairs whose bit was newly set
  std::vector<uint8_t> in_set_;
  std::vector<uint8_t> inserted_;
  std::vector<uint64_t> hashes_;
  std::string scratch_;
};

// A value that owns its text.
struct OwnedValue {
  Value value;
  std::string text;
  void Set(const Value& v) {
    value = v;
    if (v.type == ValueType::kString) {
      text.assign(v.s);
      value.s = text;
    } else if (v.type == ValueType::kJson) {
      value = Value::Null();  // JSON values are not aggregated
    }
  }
  OwnedValue() = default;
  OwnedValue(const OwnedValue& o) { Set(o.value); }
  OwnedValue& operator=(const OwnedValue& o) {
    if (this != &o) Set(o.value);
    return *this;
  }
};

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

// min, max, pct, stddev, earliest, latest, sortsFirst, sortsLast: a Value
// per group, updated row by row.
class ValueAccumulator final : public Accumulator {
 public:
  explicit ValueAccumulator(const AggSpec& spec) : spec_(spec) {}
  void Resize(size_t groups) override { states_.resize(groups); }

  void Add(const uint32_t* ids, size_t n, const Column& arg, const Batch& batch,
           const Column* ts) override {
    const bool ordered = spec_.kind == AggKind::kEarliest || spec_.kind == AggKind::kLatest;
    for (size_t r = 0; r < n; ++r) {
      int64_t t = 0;
      uint64_t order = 0;
      if (ordered) {
        if (ts) {
          auto tv = AsNumber(ts->Get(r));
          t = tv ? static_cast<int64_t>(tv->as_double()) : 0;
        }
        uint64_t source = r < batch.source_ids.size() ? batch.source_ids[r] : 0;
        uint64_t row = r < batch.row_ids.size() ? batch.row_ids[r] : 0;
        order = (source << 40) | row;
      }
      Update(states_[ids[r]], arg.Get(r), t, order);
    }
  }

  void Merge(Accumulator&& other, const uint32_t* map) override {
    auto& o = static_cast<ValueAccumulator&>(other);
    for (size_t g = 0; g < o.states_.size(); ++g)
      MergeState(states_[map[g]], std::move(o.states_[g]));
  }

  Value Final(uint32_t g) override {
    State& s = states_[g];
    switch (spec_.kind) {
      case AggKind::kStddev:
        if (s.count == 0) return Value::Null();
        if (s.count == 1) return Value::Int(0);
        return Value::Double(std::sqrt(s.m2 / static_cast<double>(s.count - 1)));
      case AggKind::kPct: {
        if (s.samples.empty()) return Value::Null();
        std::vector<double>& v = s.samples;
        // Nearest rank: the smallest value with at least p% of values at or below it.
        size_t rank = static_cast<size_t>(
            std::ceil(spec_.percentile / 100.0 * static_cast<double>(v.size())));
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

  size_t bytes() const override { return states_.capacity() * sizeof(State) + extra_bytes_; }

 private:
  struct State {
    int64_t count = 0;
    double mean = 0, m2 = 0;  // Welford, for stddev
    OwnedValue best;
    int64_t best_ts = 0;
    uint64_t best_order = 0;
    std::vector<double> samples;  // pct
  };

  void Update(State& s, const Value& v, int64_t ts, uint64_t order) {
    switch (spec_.kind) {
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
        s.samples.push_back(n->as_double());
        extra_bytes_ += sizeof(double);
        return;
      }
      case AggKind::kEarliest:
      case AggKind::kLatest: {
        if (v.is_null() || v.type == ValueType::kJson) return;
        bool take = s.count++ == 0;
        if (!take) {
          take = spec_.kind == AggKind::kEarliest
                     ? (ts < s.best_ts || (ts == s.best_ts && order < s.best_order))
                     : (ts > s.best_ts || (ts == s.best_ts && order > s.best_order));
        }
        if (take) {
          TakeText(s, v);
          s.best_ts = ts;
          s.best_order = order;
        }
        return;
      }
      default: {  // min, max, sortsFirst, sortsLast
        if (v.is_null() || v.type == ValueType::kJson) return;
        if (s.count++ == 0) {
          TakeText(s, v);
          return;
        }
        const bool by_number = spec_.kind == AggKind::kMin || spec_.kind == AggKind::kMax;
        int c = by_number ? OrderValues(v, s.best.value) : NaturalCompare(v, s.best.value);
        bool take =
            spec_.kind == AggKind::kMin || spec_.kind == AggKind::kSortsFirst ? c < 0 : c > 0;
        if (take) TakeText(s, v);
        return;
      }
    }
  }

  void TakeText(State& s, const Value& v) {
    size_t before = s.best.text.capacity();
    s.best.Set(v);
    extra_bytes_ += s.best.text.capacity() - std::min(before, s.best.text.capacity());
  }

  void MergeState(State& into, State&& from) {
    switch (spec_.kind) {
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
        if (into.samples.empty()) {
          into.samples = std::move(from.samples);
        } else {
          into.samples.insert(into.samples.end(), from.samples.begin(), from.samples.end());
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
        Update(into, from.best.value, from.best_ts, from.best_order);
        into.count += from.count - 1;
        return;
    }
  }

  const AggSpec& spec_;
  std::vector<State> states_;
  size_t extra_bytes_ = 0;
};

}  // namespace

std::unique_ptr<Accumulator> MakeAccumulator(const AggSpec& spec) {
  switch (spec.kind) {
    case AggKind::kCountStar:
      return std::make_unique<CountAccumulator>(true);
    case AggKind::kCount:
      return std::make_unique<CountAccumulator>(false);
    case AggKind::kSum:
      return std::make_unique<SumAccumulator>(false);
    case AggKind::kAvg:
      return std::make_unique<SumAccumulator>(true);
    case AggKind::kCountDistinct:
      return std::make_unique<DistinctAccumulator>();
    default:
      return std::make_unique<ValueAccumulator>(spec);
  }
}

}  // namespace flowlens::query

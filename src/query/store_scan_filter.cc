#include "query/store_scan_filter.h"

#include <algorithm>

namespace flowlens::query {
namespace {

using View = storage::SegmentReader::ColumnView;

// Calls f(i, side, position) for each row i of the block. The plain
// instantiation has side 0 and position first + i at compile time, so a
// kernel's loop is a straight walk the compiler vectorizes; the mirrored one
// reads the row's side and position from the reader's arrays.
template <typename F>
void ForRows(const View& v, F f) {
  const size_t m = v.rows;
  if (v.pos != nullptr) {
    const uint8_t* reply = v.reply + v.first;
    const uint32_t* pos = v.pos + v.first;
    for (size_t i = 0; i < m; ++i) f(i, size_t{reply[i]}, size_t{pos[i]});
  } else {
    const size_t first = v.first;
    for (size_t i = 0; i < m; ++i) f(i, size_t{0}, first + i);
  }
}

// keep[i] &= the row's value is present.
void KeepPresent(const View& v, uint8_t* keep) {
  if (v.valid[0] == nullptr) return;
  const uint8_t* const va[2] = {v.valid[0], v.valid[1]};
  ForRows(v, [&](size_t i, size_t s, size_t p) { keep[i] &= va[s][p]; });
}

// keep[i] &= the value of row i is present and pred(value), for values in
// arrays `base` (one per side): one pass, the validity read in the same loop.
template <typename T, typename Pred>
void KeepIf(const View& v, const T* const* base, Pred pred, uint8_t* keep) {
  const T* const b[2] = {base[0], base[1]};
  if (v.valid[0] == nullptr) {
    ForRows(v,
            [&](size_t i, size_t s, size_t p) { keep[i] &= static_cast<uint8_t>(pred(b[s][p])); });
    return;
  }
  const uint8_t* const va[2] = {v.valid[0], v.valid[1]};
  ForRows(v, [&](size_t i, size_t s, size_t p) {
    keep[i] &= static_cast<uint8_t>(pred(b[s][p]) & (va[s][p] != 0));
  });
}

bool TestInts(const FieldCondition& c, const View& v, uint8_t* keep) {
  if (c.kind == FieldCondition::Kind::kIntRange) {
    const uint64_t lo = static_cast<uint64_t>(c.lo), span = static_cast<uint64_t>(c.hi) - lo;
    KeepIf(
        v, v.ints, [=](int64_t x) { return static_cast<uint64_t>(x) - lo <= span; }, keep);
  } else if (c.kind == FieldCondition::Kind::kIntSet && c.ints.size() == 1) {
    const int64_t a = c.ints[0];
    KeepIf(
        v, v.ints, [=](int64_t x) { return x == a; }, keep);
  } else if (c.kind == FieldCondition::Kind::kIntSet && c.ints.size() == 2) {
    // `port = 22 or port = 3389`: two compares, no inner loop.
    const int64_t a = c.ints[0], b = c.ints[1];
    KeepIf(
        v, v.ints, [=](int64_t x) { return (x == a) | (x == b); }, keep);
  } else if (c.kind == FieldCondition::Kind::kIntSet) {
    const std::vector<int64_t>& set = c.ints;
    KeepIf(
        v, v.ints, [&](int64_t x) { return std::binary_search(set.begin(), set.end(), x); }, keep);
  } else {
    return false;
  }
  return true;
}

bool TestAddresses(const FieldCondition& c, const View& v, uint8_t* keep) {
  if (c.kind != FieldCondition::Kind::kAddressRange || c.alo.v6 != c.ahi.v6) return false;
  const uint8_t* const v6[2] = {v.v6[0], v.v6[1]};
  if (!c.alo.v6) {
    // IPv4: the 32 bits themselves, and not an IPv6 row's index.
    const uint32_t lo = c.alo.v4_bits(), span = c.ahi.v4_bits() - lo;
    if (v6[0] == nullptr) {
      KeepIf(
          v, v.small, [=](uint32_t x) { return x - lo <= span; }, keep);
      return true;  // KeepIf tested the validity too
    }
    const uint32_t* const small[2] = {v.small[0], v.small[1]};
    ForRows(v, [&](size_t i, size_t s, size_t p) {
      keep[i] &= static_cast<uint8_t>((v6[s][p] == 0) & (small[s][p] - lo <= span));
    });
  } else if (v6[0] == nullptr) {
    std::fill(keep, keep + v.rows, 0);  // no IPv6 value in the chunk
  } else {
    ForRows(v, [&](size_t i, size_t s, size_t p) {
      if (!v6[s][p]) {
        keep[i] = 0;
        return;
      }
      const IpAddress& a = v.v6s[s][v.small[s][p]];
      keep[i] &= static_cast<uint8_t>(!(a < c.alo) && !(c.ahi < a));
    });
  }
  KeepPresent(v, keep);
  return true;
}

}  // namespace

bool TestOnView(const FieldCondition& c, const View& view, uint8_t* keep) {
  switch (view.form) {
    case View::Form::kInts:
      return TestInts(c, view, keep);
    case View::Form::kAddress:
      return TestAddresses(c, view, keep);
    default:
      return false;
  }
}

bool CodesOnView(const View& view, const uint8_t* pass, uint8_t missing, uint8_t* keep) {
  if (view.form != View::Form::kCodes) return false;
  const uint32_t* codes = view.small[0] + view.first;
  const size_t m = view.rows;
  if (view.valid[0] == nullptr) {
    for (size_t i = 0; i < m; ++i) keep[i] &= pass[codes[i]];
  } else {
    const uint8_t* va = view.valid[0] + view.first;
    for (size_t i = 0; i < m; ++i) keep[i] &= va[i] ? pass[codes[i]] : missing;
  }
  return true;
}

}  // namespace flowlens::query

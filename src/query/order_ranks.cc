#include "query/order_ranks.h"

#include <algorithm>
#include <numeric>
#include <optional>
#include <string_view>
#include <unordered_map>

namespace flowlens::query {

bool ComparesDirectly(const Column& c) {
  switch (c.kind) {
    case ColumnKind::kInt:
    case ColumnKind::kTimestamp:
    case ColumnKind::kBool:
    case ColumnKind::kNull:
      return true;
    case ColumnKind::kAddress:
      return std::none_of(c.addrs.begin(), c.addrs.end(), [](const IpAddress& a) { return a.v6; });
    default:
      return false;
  }
}

std::vector<uint32_t> OrderRanks(const Column& c, size_t rows) {
  std::vector<uint32_t> ranks(rows, kMissingRank);
  if (c.kind == ColumnKind::kNull) return ranks;
  if (c.kind == ColumnKind::kConstant) {
    if (!c.constant.is_null()) std::fill(ranks.begin(), ranks.end(), 0);
    return ranks;
  }
  // The distinct values (one per row except for strings, folded by text),
  // each parsed as a number once; ranks[r] first holds row r's value index.
  struct Distinct {
    Value value;
    std::optional<Number> number;
  };
  std::vector<Distinct> values;
  if (c.kind == ColumnKind::kString) {
    std::unordered_map<std::string_view, uint32_t> seen;
    seen.reserve(std::min<size_t>(rows, 1 << 16));
    for (size_t r = 0; r < rows; ++r) {
      if (!c.IsValid(r)) continue;
      auto [it, fresh] = seen.emplace(c.strings[r], static_cast<uint32_t>(values.size()));
      if (fresh) {
        Value v = Value::String(c.strings[r]);
        values.push_back(Distinct{v, AsNumber(v)});
      }
      ranks[r] = it->second;
    }
  } else {
    values.reserve(rows);
    for (size_t r = 0; r < rows; ++r) {
      Value v = c.Get(r);
      if (v.is_null()) continue;
      ranks[r] = static_cast<uint32_t>(values.size());
      values.push_back(Distinct{v, AsNumber(v)});
    }
  }
  auto compare = [&](uint32_t x, uint32_t y) {
    return NaturalCompareParsed(values[x].value, values[x].number, values[y].value,
                                values[y].number);
  };
  std::vector<uint32_t> order(values.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](uint32_t x, uint32_t y) {
    const int cmp = compare(x, y);
    return cmp != 0 ? cmp < 0 : x < y;
  });
  // Dense ranks: values that compare equal share one.
  std::vector<uint32_t> rank_of(values.size());
  uint32_t rank = 0;
  for (size_t i = 0; i < order.size(); ++i) {
    if (i > 0 && compare(order[i - 1], order[i]) != 0) ++rank;
    rank_of[order[i]] = rank;
  }
  for (uint32_t& r : ranks) {
    if (r != kMissingRank) r = rank_of[r];
  }
  return ranks;
}

}  // namespace flowlens::query

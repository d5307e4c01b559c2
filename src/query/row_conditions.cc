#include "query/row_conditions.h"

#include <algorithm>
#include <optional>

#include "flowlog/field_catalog.h"
#include "flowlog/record.h"
#include "flowlog/split_record.h"
#include "query/plan.h"

namespace flowlens::query {
namespace {

using Kind = FieldCondition::Kind;

// The catalog field a slot reads straight from the scan, or -1.
int ScanFieldOf(const Plan& plan, int slot) {
  for (const auto& [name, s] : plan.scan.input_fields) {
    if (s == slot) {
      const FieldInfo* f = FindFieldByQueryName(name);
      return f ? static_cast<int>(f->id) : -1;
    }
  }
  return -1;
}

ValueKind KindOfField(int field) {
  return Catalog()[static_cast<size_t>(field)].kind;
}

// Text that compares as text (not as a number) with any field value.
bool IsPlainText(const Value& v) {
  return v.type == ValueType::kString && !AsNumber(v).has_value();
}

std::optional<FieldCondition> Compare(int field, Op op, const Value& k) {
  FieldCondition c;
  c.field_id = field;
  switch (KindOfField(field)) {
    case ValueKind::kAddress: {
      if (op != Op::kEq || k.type != ValueType::kString) return std::nullopt;
      std::optional<IpAddress> a = IpAddress::Parse(k.s);
      if (!a) return std::nullopt;
      c.kind = Kind::kAddressRange;
      c.alo = c.ahi = *a;
      return c;
    }
    case ValueKind::kString:
      if (op != Op::kEq || !IsPlainText(k)) return std::nullopt;
      c.kind = Kind::kText;
      c.texts.emplace_back(k.s);
      return c;
    case ValueKind::kInt:
    case ValueKind::kTime:
      break;
  }
  if (k.type != ValueType::kInt) return std::nullopt;
  const int64_t v = k.i;
  switch (op) {
    case Op::kEq:
      c.kind = Kind::kIntSet;
      c.ints = {v};
      c.lo = c.hi = v;
      return c;
    case Op::kLt:
      if (v == std::numeric_limits<int64_t>::min()) return std::nullopt;
      c.hi = v - 1;
      return c;
    case Op::kLe:
      c.hi = v;
      return c;
    case Op::kGt:
      if (v == std::numeric_limits<int64_t>::max()) return std::nullopt;
      c.lo = v + 1;
      return c;
    case Op::kGe:
      c.lo = v;
      return c;
    default:
      return std::nullopt;
  }
}

std::optional<FieldCondition> Subnet(int field, bool v4_only, std::string_view cidr) {
  std::optional<IpSubnet> net = IpSubnet::Parse(cidr);
  if (!net || KindOfField(field) != ValueKind::kAddress) return std::nullopt;
  if (v4_only && net->base.v6) return std::nullopt;
  FieldCondition c;
  c.field_id = field;
  c.kind = Kind::kAddressRange;
  c.alo = c.ahi = net->base;
  const int host_bits = (net->base.v6 ? 128 : 32) - net->prefix_length;
  if (!net->base.v6) {
    c.ahi.lo = net->base.lo | (host_bits >= 32 ? 0xffffffffULL : ((1ULL << host_bits) - 1));
  } else if (host_bits >= 64) {
    c.ahi.lo = ~0ULL;
    c.ahi.hi = net->base.hi | (host_bits >= 128 ? ~0ULL : ((1ULL << (host_bits - 64)) - 1));
  } else {
    c.ahi.lo = net->base.lo | (host_bits == 0 ? 0 : ((1ULL << host_bits) - 1));
  }
  return c;
}

// `a or b` on one field: a condition both imply.
std::optional<FieldCondition> Union(FieldCondition a, const FieldCondition& b) {
  if (a.field_id != b.field_id) return std::nullopt;
  if (a.kind == Kind::kText && b.kind == Kind::kText) {
    a.texts.insert(a.texts.end(), b.texts.begin(), b.texts.end());
    return a;
  }
  if (a.kind == Kind::kAddressRange && b.kind == Kind::kAddressRange) {
    if (a.alo.v6 != b.alo.v6) return std::nullopt;
    a.alo = std::min(a.alo, b.alo);
    a.ahi = std::max(a.ahi, b.ahi);
    return a;
  }
  if (a.kind == Kind::kText || b.kind == Kind::kText || a.kind == Kind::kAddressRange ||
      b.kind == Kind::kAddressRange) {
    return std::nullopt;
  }
  const bool sets = a.kind == Kind::kIntSet && b.kind == Kind::kIntSet;
  a.lo = std::min(a.lo, b.lo);
  a.hi = std::max(a.hi, b.hi);
  if (sets) {
    a.ints.insert(a.ints.end(), b.ints.begin(), b.ints.end());
    std::sort(a.ints.begin(), a.ints.end());
    a.ints.erase(std::unique(a.ints.begin(), a.ints.end()), a.ints.end());
  } else {
    a.kind = Kind::kIntRange;  // a range and a set: the hull
    a.ints.clear();
  }
  return a;
}

// One test on one field, or nullopt.
std::optional<FieldCondition> Derive(const Plan& plan, const BoundExpr& e) {
  if (e.kind == BoundKind::kBinary && e.op == Op::kOr) {
    auto a = Derive(plan, *e.children[0]);
    auto b = Derive(plan, *e.children[1]);
    if (!a || !b) return std::nullopt;
    return Union(std::move(*a), *b);
  }
  if (e.kind == BoundKind::kBinary && (e.op == Op::kEq || e.op == Op::kLt || e.op == Op::kLe ||
                                       e.op == Op::kGt || e.op == Op::kGe)) {
    const BoundExpr* l = e.children[0].get();
    const BoundExpr* r = e.children[1].get();
    Op op = e.op;
    if (l->kind == BoundKind::kConstant && r->kind == BoundKind::kSlot) {
      std::swap(l, r);
      op = MirrorComparison(op);
    }
    if (l->kind != BoundKind::kSlot || r->kind != BoundKind::kConstant) return std::nullopt;
    int field = ScanFieldOf(plan, l->slot);
    if (field < 0) return std::nullopt;
    return Compare(field, op, r->constant);
  }
  if (e.kind == BoundKind::kIn && !e.negate && e.children.size() == 1 &&
      e.children[0]->kind == BoundKind::kSlot && !e.list.empty()) {
    int field = ScanFieldOf(plan, e.children[0]->slot);
    if (field < 0) return std::nullopt;
    std::optional<FieldCondition> all;
    for (const Value& k : e.list) {
      std::optional<FieldCondition> one = Compare(field, Op::kEq, k);
      if (!one) return std::nullopt;
      all = all ? Union(std::move(*all), *one) : one;
      if (!all) return std::nullopt;
    }
    return all;
  }
  if (e.kind == BoundKind::kCall && e.children.size() == 2 &&
      (e.function->name == "isipv4insubnet" || e.function->name == "isipinsubnet") &&
      e.children[0]->kind == BoundKind::kSlot && e.children[1]->kind == BoundKind::kConstant &&
      e.children[1]->constant.type == ValueType::kString) {
    int field = ScanFieldOf(plan, e.children[0]->slot);
    if (field < 0) return std::nullopt;
    return Subnet(field, e.function->name == "isipv4insubnet", e.children[1]->constant.s);
  }
  return std::nullopt;
}

}  // namespace

bool FieldCondition::MatchesToken(std::string_view token) const {
  switch (kind) {
    case Kind::kText:
      for (const std::string& t : texts) {
        if (token == t) return true;
      }
      return false;
    case Kind::kAddressRange: {
      uint32_t bits;
      IpAddress a;
      if (ParseIpv4Fast(token.data(), token.size(), &bits)) {
        a = IpAddress::V4(bits);
      } else {
        std::optional<IpAddress> p = IpAddress::Parse(token);
        if (!p) return false;
        a = *p;
      }
      return a.v6 == alo.v6 && !(a < alo) && !(ahi < a);
    }
    case Kind::kIntRange:
    case Kind::kIntSet:
      break;
  }
  uint64_t u;
  if (!ParseUnsigned(token, &u) || u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return false;
  }
  const int64_t v = static_cast<int64_t>(u);
  if (v < lo || v > hi) return false;
  return kind == Kind::kIntRange || std::binary_search(ints.begin(), ints.end(), v);
}

std::vector<FieldCondition> LeadingFilterConditions(const Plan& plan) {
  std::vector<FieldCondition> out;
  std::vector<const BoundExpr*> todo;
  for (const Stage& st : plan.stages) {
    if (st.kind != CommandKind::kFilter) break;
    todo.push_back(st.condition.get());
  }
  while (!todo.empty()) {
    const BoundExpr* e = todo.back();
    todo.pop_back();
    if (e->kind == BoundKind::kBinary && e->op == Op::kAnd) {
      todo.push_back(e->children[0].get());
      todo.push_back(e->children[1].get());
      continue;
    }
    if (std::optional<FieldCondition> c = Derive(plan, *e)) out.push_back(std::move(*c));
  }
  return out;
}

}  // namespace flowlens::query

#include "query/evaluator.h"

#include <cmath>

#include "query/json.h"

namespace flowlens::query {
namespace {

bool IsComparison(Op op) {
  return op == Op::kEq || op == Op::kNe || op == Op::kLt || op == Op::kLe || op == Op::kGt ||
         op == Op::kGe;
}

inline bool ApplyCompare(Op op, int c) {
  switch (op) {
    case Op::kEq:
      return c == 0;
    case Op::kNe:
      return c != 0;
    case Op::kLt:
      return c < 0;
    case Op::kLe:
      return c <= 0;
    case Op::kGt:
      return c > 0;
    case Op::kGe:
      return c >= 0;
    default:
      return false;
  }
}

Value CompareRow(Op op, const Value& a, const Value& b) {
  std::optional<int> c = CompareValues(a, b);
  if (!c) return Value::Bool(false);
  return Value::Bool(ApplyCompare(op, *c));
}

Value Access(const Value& base, const std::vector<PathElem>& path) {
  if (base.type != ValueType::kJson) return Value::Null();
  const JsonNode* n = base.json;
  for (const PathElem& p : path) {
    if (!n) return Value::Null();
    if (p.index >= 0 && n->type == JsonType::kArray) {
      n = n->At(static_cast<size_t>(p.index));
    } else if (n->type == JsonType::kObject) {
      n = n->Get(p.index >= 0 && p.key.empty() ? std::string_view(std::to_string(p.index))
                                               : std::string_view(p.key));
    } else {
      return Value::Null();
    }
  }
  return n ? JsonToValue(n) : Value::Null();
}

bool Like(const BoundExpr& e, const Value& v, Arena* arena) {
  if (v.is_null()) return false;
  std::string_view text = ValueAsText(v, arena);
  bool m = e.regex ? RE2::PartialMatch(text, *e.regex)
                   : text.find(e.like_text) != std::string_view::npos;
  return m != e.negate;
}

bool InList(const BoundExpr& e, const Value& v) {
  if (v.is_null()) return false;
  bool found = false;
  for (const Value& item : e.list) {
    if (ValuesEqual(v, item)) {
      found = true;
      break;
    }
  }
  return found != e.negate;
}

// Fast path: a typed numeric column compared with a numeric constant.
bool TryNumericCompare(Op op, const Column& col, const Value& k, std::vector<uint8_t>* out,
                       size_t n) {
  if (col.kind != ColumnKind::kInt && col.kind != ColumnKind::kTimestamp) return false;
  std::optional<Number> num = AsNumber(k);
  if (!num || k.type == ValueType::kTimestamp) return false;
  out->resize(n);
  uint8_t* o = out->data();
  const int64_t* x = col.ints.data();
  if (num->is_int) {
    int64_t c = num->i;
    switch (op) {
      case Op::kEq:
        for (size_t i = 0; i < n; ++i) o[i] = x[i] == c;
        break;
      case Op::kNe:
        for (size_t i = 0; i < n; ++i) o[i] = x[i] != c;
        break;
      case Op::kLt:
        for (size_t i = 0; i < n; ++i) o[i] = x[i] < c;
        break;
      case Op::kLe:
        for (size_t i = 0; i < n; ++i) o[i] = x[i] <= c;
        break;
      case Op::kGt:
        for (size_t i = 0; i < n; ++i) o[i] = x[i] > c;
        break;
      case Op::kGe:
        for (size_t i = 0; i < n; ++i) o[i] = x[i] >= c;
        break;
      default:
        return false;
    }
  } else {
    double c = num->d;
    for (size_t i = 0; i < n; ++i) {
      double v = static_cast<double>(x[i]);
      o[i] = ApplyCompare(op, v < c ? -1 : (v > c ? 1 : 0));
    }
  }
  if (!col.valid.empty()) {
    for (size_t i = 0; i < n; ++i) o[i] &= col.valid[i];
  }
  return true;
}

// Fast path: a text column tested for (in)equality with a non-numeric string.
bool TryStringEquality(Op op, const Column& col, const Value& k, std::vector<uint8_t>* out,
                       size_t n) {
  if ((op != Op::kEq && op != Op::kNe) || col.kind != ColumnKind::kString ||
      k.type != ValueType::kString || ParseNumber(k.s)) {
    return false;
  }
  out->resize(n);
  uint8_t* o = out->data();
  std::string_view c = k.s;
  bool eq = op == Op::kEq;
  for (size_t i = 0; i < n; ++i) o[i] = (col.strings[i] == c) == eq;
  if (!col.valid.empty()) {
    for (size_t i = 0; i < n; ++i) o[i] &= col.valid[i];
  }
  return true;
}

// Fast path: isIpInSubnet / isIpv4InSubnet / isIpv6InSubnet of an address
// column and a constant CIDR: the CIDR parsed once per batch, IPv4 rows tested
// with a mask and a compare. Same answers as the functions (ip_functions.cc):
// the address and the CIDR must be of the function's family.
bool TrySubnetPredicate(const BoundExpr& e, const Batch& batch, EvalState& state,
                        std::vector<uint8_t>* out) {
  if (e.kind != BoundKind::kCall || e.children.size() != 2 ||
      e.children[1]->kind != BoundKind::kConstant ||
      e.children[1]->constant.type != ValueType::kString) {
    return false;
  }
  const std::string_view name = e.function->name;
  int family;  // 0 any, 4, 6
  if (name == "isipinsubnet") {
    family = 0;
  } else if (name == "isipv4insubnet") {
    family = 4;
  } else if (name == "isipv6insubnet") {
    family = 6;
  } else {
    return false;
  }
  ColumnRef col = Evaluate(*e.children[0], batch, state);
  if (col->kind != ColumnKind::kAddress && col->kind != ColumnKind::kNull) return false;
  const size_t n = batch.size;
  out->assign(n, 0);
  std::optional<IpSubnet> net = IpSubnet::Parse(e.children[1]->constant.s);
  if (!net || col->kind == ColumnKind::kNull) return true;
  if ((family == 4 && net->base.v6) || (family == 6 && !net->base.v6)) return true;
  uint8_t* o = out->data();
  const IpAddress* a = col->addrs.data();
  if (!net->base.v6) {
    const uint32_t mask = net->prefix_length == 0 ? 0 : ~uint32_t{0} << (32 - net->prefix_length);
    const uint32_t base = net->base.v4_bits();
    for (size_t i = 0; i < n; ++i) o[i] = !a[i].v6 && (a[i].v4_bits() & mask) == base;
  } else {
    for (size_t i = 0; i < n; ++i) o[i] = net->Contains(a[i]);
  }
  if (!col->valid.empty()) {
    for (size_t i = 0; i < n; ++i) o[i] &= col->valid[i];
  }
  return true;
}

// Fast path: an int column `in` a list of ints.
bool TryIntInList(const BoundExpr& e, const Column& col, std::vector<uint8_t>* out, size_t n) {
  if (col.kind != ColumnKind::kInt || e.list.empty() || e.list.size() > 16) return false;
  int64_t items[16];
  for (size_t j = 0; j < e.list.size(); ++j) {
    if (e.list[j].type != ValueType::kInt) return false;
    items[j] = e.list[j].i;
  }
  out->resize(n);
  uint8_t* o = out->data();
  const int64_t* x = col.ints.data();
  const size_t m = e.list.size();
  for (size_t i = 0; i < n; ++i) {
    uint8_t hit = 0;
    for (size_t j = 0; j < m; ++j) hit |= x[i] == items[j];
    o[i] = hit;
  }
  if (!col.valid.empty()) {
    for (size_t i = 0; i < n; ++i) o[i] &= col.valid[i];
  }
  if (e.negate) {
    for (size_t i = 0; i < n; ++i) o[i] = !o[i] && col.IsValid(i);
  }
  return true;
}

Column BoolColumn(std::vector<uint8_t>&& flags) {
  Column c;
  c.kind = ColumnKind::kBool;
  c.ints.assign(flags.begin(), flags.end());
  return c;
}

}  // namespace

Value Arithmetic(Op op, const Value& a, const Value& b) {
  std::optional<Number> x = AsNumber(a), y = AsNumber(b);
  if (!x || !y) return Value::Null();
  if (x->is_int && y->is_int) {
    int64_t r;
    switch (op) {
      case Op::kAdd:
        if (!__builtin_add_overflow(x->i, y->i, &r)) return Value::Int(r);
        break;
      case Op::kSub:
        if (!__builtin_sub_overflow(x->i, y->i, &r)) return Value::Int(r);
        break;
      case Op::kMul:
        if (!__builtin_mul_overflow(x->i, y->i, &r)) return Value::Int(r);
        break;
      case Op::kDiv:
        if (y->i == 0) return Value::Null();
        if (y->i != -1 && x->i % y->i == 0) return Value::Int(x->i / y->i);
        break;
      case Op::kMod:
        if (y->i == 0) return Value::Null();
        if (y->i == -1) return Value::Int(0);
        return Value::Int(x->i % y->i);
      default:
        break;
    }
  }
  double p = x->as_double(), q = y->as_double();
  switch (op) {
    case Op::kAdd:
      return Value::Double(p + q);
    case Op::kSub:
      return Value::Double(p - q);
    case Op::kMul:
      return Value::Double(p * q);
    case Op::kDiv:
      return q == 0 ? Value::Null() : Value::Double(p / q);
    case Op::kMod:
      return q == 0 ? Value::Null() : Value::Double(std::fmod(p, q));
    case Op::kPow: {
      double r = std::pow(p, q);
      if (x->is_int && y->is_int && y->i >= 0 && std::fabs(r) < 9.0e15) {
        return Value::Int(static_cast<int64_t>(r));
      }
      return std::isfinite(r) ? Value::Double(r) : Value::Null();
    }
    default:
      return Value::Null();
  }
}

Value EvaluateRow(const BoundExpr& e, const Batch& batch, size_t row, EvalState& state) {
  switch (e.kind) {
    case BoundKind::kConstant:
      return e.constant;
    case BoundKind::kSlot:
      return e.slot < static_cast<int>(batch.columns.size()) ? batch.columns[e.slot].Get(row)
                                                             : Value::Null();
    case BoundKind::kAccess:
      return Access(EvaluateRow(*e.children[0], batch, row, state), e.path);
    case BoundKind::kBin: {
      Value ts = batch.columns[e.slot].Get(row);
      std::optional<Number> n = AsNumber(ts);
      if (!n) return Value::Null();
      return Value::Timestamp(
          FloorToPeriod(static_cast<int64_t>(n->as_double()), e.period_amount, e.period_unit));
    }
    case BoundKind::kLike:
      return Value::Bool(
          Like(e, EvaluateRow(*e.children[0], batch, row, state), batch.arena.get()));
    case BoundKind::kIn:
      return Value::Bool(InList(e, EvaluateRow(*e.children[0], batch, row, state)));
    case BoundKind::kUnary: {
      Value v = EvaluateRow(*e.children[0], batch, row, state);
      if (e.op == Op::kNot) return Value::Bool(!IsTrue(v));
      std::optional<Number> n = AsNumber(v);
      if (!n) return Value::Null();
      if (e.op == Op::kPlus) return n->is_int ? Value::Int(n->i) : Value::Double(n->d);
      if (n->is_int && n->i != INT64_MIN) return Value::Int(-n->i);
      return Value::Double(-n->as_double());
    }
    case BoundKind::kBinary: {
      Value a = EvaluateRow(*e.children[0], batch, row, state);
      if (e.op == Op::kAnd) {
        if (!IsTrue(a)) return Value::Bool(false);
        return Value::Bool(IsTrue(EvaluateRow(*e.children[1], batch, row, state)));
      }
      if (e.op == Op::kOr) {
        if (IsTrue(a)) return Value::Bool(true);
        return Value::Bool(IsTrue(EvaluateRow(*e.children[1], batch, row, state)));
      }
      Value b = EvaluateRow(*e.children[1], batch, row, state);
      if (IsComparison(e.op)) return CompareRow(e.op, a, b);
      return Arithmetic(e.op, a, b);
    }
    case BoundKind::kCall: {
      Value args[16];
      std::vector<Value> many;
      Value* argv = args;
      size_t n = e.children.size();
      if (n > 16) {
        many.resize(n);
        argv = many.data();
      }
      for (size_t i = 0; i < n; ++i) argv[i] = EvaluateRow(*e.children[i], batch, row, state);
      CallContext ctx{batch.arena.get(), &state.call_states[e.call_site], state.times};
      return e.function->fn(std::span<const Value>(argv, n), ctx);
    }
  }
  return Value::Null();
}

ColumnRef Evaluate(const BoundExpr& e, const Batch& batch, EvalState& state) {
  const size_t n = batch.size;
  switch (e.kind) {
    case BoundKind::kConstant:
      return ColumnRef(Column::Constant(e.constant));
    case BoundKind::kSlot:
      if (e.slot < static_cast<int>(batch.columns.size())) return ColumnRef(&batch.columns[e.slot]);
      return ColumnRef(Column::Null());
    case BoundKind::kBin: {
      const Column& ts = batch.columns[e.slot];
      if (ts.kind == ColumnKind::kTimestamp || ts.kind == ColumnKind::kInt) {
        Column out;
        out.kind = ColumnKind::kTimestamp;
        out.ints.resize(n);
        out.valid = ts.valid;
        const PeriodFloor floor(e.period_amount, e.period_unit);
        for (size_t i = 0; i < n; ++i) out.ints[i] = floor(ts.ints[i]);
        return ColumnRef(std::move(out));
      }
      break;
    }
    case BoundKind::kBinary:
    case BoundKind::kLike:
    case BoundKind::kIn:
      if (e.kind != BoundKind::kBinary || IsComparison(e.op) || e.op == Op::kAnd ||
          e.op == Op::kOr) {
        std::vector<uint8_t> keep;
        EvaluatePredicate(e, batch, state, &keep);
        return ColumnRef(BoolColumn(std::move(keep)));
      }
      break;
    default:
      break;
  }
  // General path: children a column at a time, then the node row by row.
  std::vector<ColumnRef> kids;
  kids.reserve(e.children.size());
  bool all_constant = true;
  for (const auto& c : e.children) {
    kids.push_back(Evaluate(*c, batch, state));
    ColumnKind k = kids.back()->kind;
    all_constant &= k == ColumnKind::kConstant || k == ColumnKind::kNull;
  }
  // bin() reads its slot directly (no children): never one row for all.
  size_t rows = all_constant && e.kind != BoundKind::kSlot && e.kind != BoundKind::kBin ? 1 : n;
  ColumnBuilder out(rows);
  Value args[16];
  std::vector<Value> many(e.children.size() > 16 ? e.children.size() : 0);
  Value* argv = many.empty() ? args : many.data();
  for (size_t r = 0; r < rows; ++r) {
    for (size_t i = 0; i < kids.size(); ++i) argv[i] = kids[i]->Get(r);
    Value v;
    switch (e.kind) {
      case BoundKind::kAccess:
        v = Access(argv[0], e.path);
        break;
      case BoundKind::kBin: {
        std::optional<Number> t = AsNumber(batch.columns[e.slot].Get(r));
        v = t ? Value::Timestamp(FloorToPeriod(static_cast<int64_t>(t->as_double()),
                                               e.period_amount, e.period_unit))
              : Value::Null();
        break;
      }
      case BoundKind::kUnary: {
        if (e.op == Op::kNot) {
          v = Value::Bool(!IsTrue(argv[0]));
        } else {
          std::optional<Number> num = AsNumber(argv[0]);
          if (!num) {
            v = Value::Null();
          } else if (e.op == Op::kPlus) {
            v = num->is_int ? Value::Int(num->i) : Value::Double(num->d);
          } else {
            v = num->is_int && num->i != INT64_MIN ? Value::Int(-num->i)
                                                   : Value::Double(-num->as_double());
          }
        }
        break;
      }
      case BoundKind::kBinary:
        v = Arithmetic(e.op, argv[0], argv[1]);
        break;
      case BoundKind::kCall: {
        CallContext ctx{batch.arena.get(), &state.call_states[e.call_site], state.times};
        v = e.function->fn(std::span<const Value>(argv, kids.size()), ctx);
        break;
      }
      default:
        v = Value::Null();
        break;
    }
    out.Append(v);
  }
  if (rows == 1 && n != 1) {
    Column c = out.Finish();
    return ColumnRef(Column::Constant(c.Get(0)));
  }
  return ColumnRef(out.Finish());
}

void EvaluatePredicate(const BoundExpr& e, const Batch& batch, EvalState& state,
                       std::vector<uint8_t>* keep) {
  const size_t n = batch.size;
  if (e.kind == BoundKind::kBinary && (e.op == Op::kAnd || e.op == Op::kOr)) {
    EvaluatePredicate(*e.children[0], batch, state, keep);
    std::vector<uint8_t> rhs;
    EvaluatePredicate(*e.children[1], batch, state, &rhs);
    uint8_t* k = keep->data();
    if (e.op == Op::kAnd) {
      for (size_t i = 0; i < n; ++i) k[i] &= rhs[i];
    } else {
      for (size_t i = 0; i < n; ++i) k[i] |= rhs[i];
    }
    return;
  }
  if (e.kind == BoundKind::kUnary && e.op == Op::kNot) {
    EvaluatePredicate(*e.children[0], batch, state, keep);
    for (size_t i = 0; i < n; ++i) (*keep)[i] ^= 1;
    return;
  }
  if (e.kind == BoundKind::kBinary && IsComparison(e.op)) {
    const BoundExpr& l = *e.children[0];
    const BoundExpr& r = *e.children[1];
    if (r.kind == BoundKind::kConstant || l.kind == BoundKind::kConstant) {
      bool const_right = r.kind == BoundKind::kConstant;
      const BoundExpr& var = const_right ? l : r;
      const Value& k = const_right ? r.constant : l.constant;
      Op op = const_right ? e.op : MirrorComparison(e.op);
      ColumnRef col = Evaluate(var, batch, state);
      if (TryNumericCompare(op, col.get(), k, keep, n)) return;
      if (TryStringEquality(op, col.get(), k, keep, n)) return;
      keep->resize(n);
      for (size_t i = 0; i < n; ++i) {
        std::optional<int> c = CompareValues(col->Get(i), k);
        (*keep)[i] = c && ApplyCompare(op, *c);
      }
      return;
    }
    ColumnRef a = Evaluate(l, batch, state);
    ColumnRef b = Evaluate(r, batch, state);
    keep->resize(n);
    for (size_t i = 0; i < n; ++i) {
      std::optional<int> c = CompareValues(a->Get(i), b->Get(i));
      (*keep)[i] = c && ApplyCompare(e.op, *c);
    }
    return;
  }
  if (e.kind == BoundKind::kLike) {
    ColumnRef col = Evaluate(*e.children[0], batch, state);
    keep->resize(n);
    if (col->kind == ColumnKind::kString) {
      for (size_t i = 0; i < n; ++i) {
        if (!col->IsValid(i)) {
          (*keep)[i] = 0;
          continue;
        }
        std::string_view t = col->strings[i];
        bool m = e.regex ? RE2::PartialMatch(t, *e.regex)
                         : t.find(e.like_text) != std::string_view::npos;
        (*keep)[i] = m != e.negate;
      }
      return;
    }
    for (size_t i = 0; i < n; ++i) (*keep)[i] = Like(e, col->Get(i), batch.arena.get());
    return;
  }
  if (TrySubnetPredicate(e, batch, state, keep)) return;
  if (e.kind == BoundKind::kIn) {
    ColumnRef col = Evaluate(*e.children[0], batch, state);
    if (TryIntInList(e, col.get(), keep, n)) return;
    keep->resize(n);
    for (size_t i = 0; i < n; ++i) (*keep)[i] = InList(e, col->Get(i));
    return;
  }
  ColumnRef col = Evaluate(e, batch, state);
  keep->resize(n);
  if (col->kind == ColumnKind::kBool) {
    for (size_t i = 0; i < n; ++i) (*keep)[i] = col->IsValid(i) && col->ints[i] != 0;
    return;
  }
  for (size_t i = 0; i < n; ++i) (*keep)[i] = IsTrue(col->Get(i));
}

}  // namespace flowlens::query

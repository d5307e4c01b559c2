#include "query/column.h"

namespace flowlens::query {

Value Column::Get(size_t row) const {
  switch (kind) {
    case ColumnKind::kNull:
      return Value::Null();
    case ColumnKind::kConstant:
      return constant;
    case ColumnKind::kMixed:
      return values[row];
    default:
      break;
  }
  if (!IsValid(row)) return Value::Null();
  switch (kind) {
    case ColumnKind::kInt:
      return Value::Int(ints[row]);
    case ColumnKind::kBool:
      return Value::Bool(ints[row] != 0);
    case ColumnKind::kTimestamp:
      return Value::Timestamp(ints[row]);
    case ColumnKind::kDouble:
      return Value::Double(doubles[row]);
    case ColumnKind::kString:
      return Value::String(strings[row]);
    case ColumnKind::kAddress:
      return Value::Address(addrs[row]);
    default:
      return Value::Null();
  }
}

namespace {
template <typename T>
void CompactVector(std::vector<T>& v, const std::vector<uint8_t>& keep) {
  if (v.empty()) return;
  size_t out = 0;
  for (size_t i = 0; i < v.size(); ++i) {
    if (keep[i]) v[out++] = v[i];
  }
  v.resize(out);
}
}  // namespace

void Column::Compact(const std::vector<uint8_t>& keep) {
  CompactVector(ints, keep);
  CompactVector(doubles, keep);
  CompactVector(strings, keep);
  CompactVector(addrs, keep);
  CompactVector(values, keep);
  CompactVector(valid, keep);
}

void Column::Clear() {
  *this = Column();
}

void Batch::Compact(const std::vector<uint8_t>& keep) {
  size_t n = 0;
  for (size_t i = 0; i < size; ++i) n += keep[i] != 0;
  if (n == size) return;
  for (Column& c : columns) c.Compact(keep);
  CompactVector(source_ids, keep);
  CompactVector(row_ids, keep);
  size = n;
}

namespace {
ColumnKind KindOf(ValueType t) {
  switch (t) {
    case ValueType::kInt:
      return ColumnKind::kInt;
    case ValueType::kDouble:
      return ColumnKind::kDouble;
    case ValueType::kString:
      return ColumnKind::kString;
    case ValueType::kTimestamp:
      return ColumnKind::kTimestamp;
    case ValueType::kAddress:
      return ColumnKind::kAddress;
    case ValueType::kBool:
      return ColumnKind::kBool;
    default:
      return ColumnKind::kMixed;
  }
}
}  // namespace

void ColumnBuilder::ToMixed() {
  Column mixed;
  mixed.kind = ColumnKind::kMixed;
  mixed.values.reserve(expected_ > size_ ? expected_ : size_);
  for (size_t i = 0; i < size_; ++i) mixed.values.push_back(col_.Get(i));
  col_ = std::move(mixed);
}

void ColumnBuilder::AppendNull() {
  if (!started_) {
    ++size_;
    return;
  }
  switch (col_.kind) {
    case ColumnKind::kMixed:
      col_.values.push_back(Value::Null());
      break;
    case ColumnKind::kInt:
    case ColumnKind::kBool:
    case ColumnKind::kTimestamp:
      col_.ints.push_back(0);
      break;
    case ColumnKind::kDouble:
      col_.doubles.push_back(0);
      break;
    case ColumnKind::kString:
      col_.strings.emplace_back();
      break;
    case ColumnKind::kAddress:
      col_.addrs.emplace_back();
      break;
    default:
      break;
  }
  if (col_.kind != ColumnKind::kMixed) {
    if (col_.valid.empty()) col_.valid.assign(size_, 1);
    col_.valid.push_back(0);
  }
  ++size_;
}

void ColumnBuilder::Append(const Value& v) {
  if (v.is_null()) {
    AppendNull();
    return;
  }
  ColumnKind k = KindOf(v.type);
  if (!started_) {
    started_ = true;
    col_.kind = k;
    if (k == ColumnKind::kMixed) {
      col_.values.assign(size_, Value::Null());
    } else {
      size_t leading = size_;
      size_ = 0;
      // Re-add the leading nulls in the typed representation.
      if (leading) {
        col_.valid.assign(leading, 0);
        switch (k) {
          case ColumnKind::kInt:
          case ColumnKind::kBool:
          case ColumnKind::kTimestamp:
            col_.ints.assign(leading, 0);
            break;
          case ColumnKind::kDouble:
            col_.doubles.assign(leading, 0);
            break;
          case ColumnKind::kString:
            col_.strings.assign(leading, {});
            break;
          case ColumnKind::kAddress:
            col_.addrs.assign(leading, {});
            break;
          default:
            break;
        }
      }
      size_ = leading;
    }
  } else if (col_.kind != k && col_.kind != ColumnKind::kMixed) {
    ToMixed();
  }
  switch (col_.kind) {
    case ColumnKind::kMixed:
      col_.values.push_back(v);
      break;
    case ColumnKind::kInt:
    case ColumnKind::kBool:
    case ColumnKind::kTimestamp:
      col_.ints.push_back(v.i);
      break;
    case ColumnKind::kDouble:
      col_.doubles.push_back(v.d);
      break;
    case ColumnKind::kString:
      col_.strings.push_back(v.s);
      break;
    case ColumnKind::kAddress:
      col_.addrs.push_back(v.ip);
      break;
    default:
      break;
  }
  if (col_.kind != ColumnKind::kMixed && !col_.valid.empty()) col_.valid.push_back(1);
  ++size_;
}

Column ColumnBuilder::Finish() {
  if (!started_) return Column::Null();
  Column out = std::move(col_);
  col_ = Column();
  started_ = false;
  size_ = 0;
  return out;
}

}  // namespace flowlens::query

#include "storage/flow_columns.h"

namespace flowlens::storage {

FlowColumns::FlowColumns(const Layout& layout) : layout_(layout), record_(layout) {
  columns_.resize(layout.size());
  for (size_t i = 0; i < layout.size(); ++i) {
    columns_[i].field_id = static_cast<int>(layout.field(i).id);
    columns_[i].kind = layout.field(i).kind;
  }
}

void FlowColumns::Clear() {
  for (FieldColumn& c : columns_) c.Clear();
  rows_ = 0;
  parsed_ = 0;
}

bool FlowColumns::Add(std::string_view message, bool* exact) {
  bool ok = ParseRecord(message, layout_, &record_, &error_);
  ++rows_;
  *exact = false;
  for (size_t i = 0; i < columns_.size(); ++i) {
    FieldColumn& c = columns_[i];
    bool present = ok && record_.present(i);
    c.valid.push_back(present ? 1 : 0);
    switch (c.kind) {
      case ValueKind::kInt:
      case ValueKind::kTime:
        c.ints.push_back(present ? record_.int_at(i) : 0);
        break;
      case ValueKind::kAddress:
        c.addrs.push_back(present ? record_.addr_at(i) : IpAddress{});
        break;
      case ValueKind::kString:
        c.strings.push_back(present ? record_.str_at(i) : std::string_view());
        break;
    }
  }
  if (!ok) return false;
  ++parsed_;
  scratch_.clear();
  WriteRecord(layout_, record_, &scratch_);
  *exact = scratch_ == message;
  return true;
}

void RebuildMessage(const Layout& layout, const std::vector<const FieldColumn*>& columns,
                    size_t row, FlowRecord* scratch, std::string* out) {
  out->clear();
  for (size_t i = 0; i < columns.size(); ++i) {
    const FieldColumn& c = *columns[i];
    if (!c.IsValid(row)) {
      scratch->set_missing(i);
      continue;
    }
    switch (c.kind) {
      case ValueKind::kInt:
      case ValueKind::kTime:
        scratch->set_int(i, c.ints[row]);
        break;
      case ValueKind::kAddress:
        scratch->set_addr(i, c.addrs[row]);
        break;
      case ValueKind::kString:
        scratch->set_str(i, c.strings[row]);
        break;
    }
  }
  WriteRecord(layout, *scratch, out);
}

}  // namespace flowlens::storage

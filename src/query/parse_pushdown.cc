#include "query/parse_pushdown.h"

#include <charconv>

#include "query/evaluator.h"
#include "query/operators.h"

namespace flowlens::query {
namespace {

// The text WriteRecord writes for a missing value.
constexpr std::string_view kMissing = "-";

// Formats each present value of `f` (ints or addresses) with `format` into one
// arena block of `width` bytes per row; "-" for the others.
template <typename Format>
void FormatColumn(const storage::FieldColumn& f, size_t n, size_t width, Arena* arena,
                  std::string_view* out, Format format) {
  char* p = arena->Allocate(n * width);
  for (size_t r = 0; r < n; ++r) {
    if (!f.IsValid(r)) {
      out[r] = kMissing;
      continue;
    }
    const size_t len = format(r, p);
    out[r] = std::string_view(p, len);
    p += len;
  }
}

}  // namespace

bool IsFieldSplitGlob(const std::vector<std::string>& literals) {
  if (literals.size() < 2 || !literals.front().empty() || !literals.back().empty()) return false;
  for (size_t i = 1; i + 1 < literals.size(); ++i) {
    if (literals[i] != " ") return false;
  }
  return true;
}

void AppendConjuncts(const BoundExpr* e, std::vector<const BoundExpr*>* out) {
  if (e->kind == BoundKind::kBinary && e->op == Op::kAnd) {
    AppendConjuncts(e->children[0].get(), out);
    AppendConjuncts(e->children[1].get(), out);
  } else {
    out->push_back(e);
  }
}

int ScanFieldSlot(const Plan& plan, std::string_view name) {
  for (const auto& [field, slot] : plan.scan.input_fields) {
    if (field == name) return slot;
  }
  return -1;
}

void FillCaptures(const ParsePushdown& pd, const std::vector<std::string>& literals,
                  const storage::RowBlock& block, const std::vector<int>& field_of, Batch* batch) {
  const size_t n = block.size;
  Arena* arena = batch->arena.get();
  std::vector<size_t> live;
  for (size_t i = 0; i < pd.slots.size(); ++i) {
    if (pd.slots[i] >= 0 && field_of[i] >= 0) live.push_back(i);
  }
  for (size_t i : live) {
    const storage::FieldColumn& f = block.fields[static_cast<size_t>(field_of[i])];
    Column& c = batch->columns[static_cast<size_t>(pd.slots[i])];
    c = Column();
    c.kind = ColumnKind::kString;
    c.strings.resize(n);
    std::string_view* out = c.strings.data();
    switch (f.kind) {
      case ValueKind::kString:
        for (size_t r = 0; r < n; ++r) out[r] = f.IsValid(r) ? f.strings[r] : kMissing;
        break;
      case ValueKind::kInt:
      case ValueKind::kTime:
        // Plain decimal of the unsigned value, as WriteRecord writes it.
        FormatColumn(f, n, 20, arena, out, [&](size_t r, char* p) {
          return static_cast<size_t>(
              std::to_chars(p, p + 20, static_cast<uint64_t>(f.ints[r])).ptr - p);
        });
        break;
      case ValueKind::kAddress:
        FormatColumn(f, n, IpAddress::kMaxTextLength, arena, out,
                     [&](size_t r, char* p) { return f.addrs[r].Format(p); });
        break;
    }
  }
  // Rows that kept their raw line: the parse stage's own match on that line.
  std::vector<std::string_view> parts;
  for (size_t r = 0; r < block.raw_kept.size(); ++r) {
    if (!block.raw_kept[r]) continue;
    const bool matched = MatchGlob(block.messages[r], literals, &parts);
    for (size_t i : live) {
      Column& c = batch->columns[static_cast<size_t>(pd.slots[i])];
      if (matched) {
        c.strings[r] = parts[i];
        continue;
      }
      if (c.valid.empty()) c.valid.assign(n, 1);
      c.valid[r] = 0;
    }
  }
  batch->columns[static_cast<size_t>(pd.done_slot)] = Column::Constant(Value::Bool(true));
}

size_t FilterCaptures(const std::vector<CaptureFilter>& filters, const storage::RowBlock& block,
                      size_t slot_count, EvalState* state, CaptureFilterScratch* s,
                      std::vector<uint8_t>* keep) {
  const size_t m = block.size;
  std::vector<uint8_t>& pass = s->pass;
  pass.assign(m, 1);
  // Rows with a raw line pass: their captures come from the text.
  std::vector<uint8_t> no_raw;
  const uint8_t* raw = block.raw_kept.size() == m ? block.raw_kept.data() : nullptr;
  if (!raw) {
    no_raw.assign(m, 0);
    raw = no_raw.data();
  }
  for (const CaptureFilter& cf : filters) {
    const storage::FieldColumn& f = block.fields[static_cast<size_t>(cf.field_index)];
    if (f.dict.empty() || f.codes.size() != m) continue;
    // The filter on each distinct capture: the dictionary's values, then "-".
    EvaluateOnDictionary(*cf.expr, f.dict, cf.slot, slot_count, &kMissing, *state, &s->codes_batch,
                         &s->part);
    const uint8_t* part = s->part.data();
    const uint8_t missing = s->part.back();
    const uint32_t* codes = f.codes.data();
    if (f.valid.empty()) {
      for (size_t r = 0; r < m; ++r) pass[r] &= raw[r] | part[codes[r]];
    } else {
      for (size_t r = 0; r < m; ++r) pass[r] &= raw[r] | (f.valid[r] ? part[codes[r]] : missing);
    }
  }
  return KeepPassing(pass, keep);
}

void EvaluateOnDictionary(const BoundExpr& expr, const std::vector<std::string_view>& dict,
                          int slot, size_t slot_count, const std::string_view* missing,
                          EvalState& state, Batch* batch, std::vector<uint8_t>* out) {
  batch->size = dict.size() + 1;
  batch->columns.resize(slot_count);
  Column& c = batch->columns[static_cast<size_t>(slot)];
  c.kind = ColumnKind::kString;
  c.strings.assign(dict.begin(), dict.end());
  c.strings.push_back(missing ? *missing : std::string_view());
  if (missing) {
    c.valid.clear();
  } else {
    c.valid.assign(batch->size, 1);
    c.valid.back() = 0;
  }
  EvaluatePredicate(expr, *batch, state, out);
}

size_t KeepPassing(const std::vector<uint8_t>& pass, std::vector<uint8_t>* keep) {
  std::vector<uint8_t>& kp = *keep;
  size_t kept = 0;
  if (pass.size() == kp.size()) {
    for (size_t r = 0; r < kp.size(); ++r) kept += kp[r] &= pass[r];
  } else {
    size_t j = 0;
    for (size_t r = 0; r < kp.size(); ++r) {
      if (kp[r]) kp[r] = pass[j++];
      kept += kp[r];
    }
  }
  return kept;
}

}  // namespace flowlens::query

#include "query/operators.h"

#include <algorithm>
#include <cstring>
#include <numeric>
#include <unordered_set>

#include "query/aggregate.h"
#include "query/evaluator.h"
#include "query/json.h"
#include "query/lookup_table.h"

namespace flowlens::query {

bool MatchGlob(std::string_view text, const std::vector<std::string>& lits,
               std::vector<std::string_view>* out) {
  out->clear();
  const size_t stars = lits.size() - 1;
  size_t pos = 0;
  if (!lits[0].empty()) {
    size_t f = text.find(lits[0]);
    if (f == std::string_view::npos) return false;
    pos = f + lits[0].size();
  }
  for (size_t i = 1; i <= stars; ++i) {
    const std::string& next = lits[i];
    if (i == stars && next.empty()) {
      out->push_back(text.substr(pos));
      return true;
    }
    size_t f;
    if (next.size() == 1) {
      // One-character separators (the usual "* * *" over a record): the
      // captures are short, so a plain loop beats a memchr call per star.
      const char c = next[0];
      f = pos;
      while (f < text.size() && text[f] != c) ++f;
      if (f == text.size()) return false;
    } else {
      f = text.find(next, pos);
      if (f == std::string_view::npos) return false;
    }
    out->push_back(text.substr(pos, f - pos));
    pos = f + next.size();
  }
  return true;
}

Batch Gather(const Batch& src, const std::vector<uint32_t>& rows) {
  Batch out;
  out.size = rows.size();
  out.arena = src.arena;
  out.keep_alive = src.keep_alive;
  out.columns.resize(src.columns.size());
  for (size_t c = 0; c < src.columns.size(); ++c) {
    const Column& in = src.columns[c];
    Column& o = out.columns[c];
    o.kind = in.kind;
    o.constant = in.constant;
    auto gather = [&rows](const auto& from, auto& to) {
      if (from.empty()) return;
      to.resize(rows.size());
      for (size_t i = 0; i < rows.size(); ++i) to[i] = from[rows[i]];
    };
    gather(in.ints, o.ints);
    gather(in.doubles, o.doubles);
    gather(in.strings, o.strings);
    gather(in.addrs, o.addrs);
    gather(in.values, o.values);
    gather(in.valid, o.valid);
  }
  auto gather_ids = [&rows](const auto& from, auto& to) {
    to.resize(rows.size());
    for (size_t i = 0; i < rows.size(); ++i) to[i] = from.empty() ? 0 : from[rows[i]];
  };
  gather_ids(src.source_ids, out.source_ids);
  gather_ids(src.row_ids, out.row_ids);
  return out;
}

namespace {

// Whether two constants are the same value (JSON trees are never compared).
bool SameConstant(const Value& a, const Value& b) {
  if (a.type != b.type) return false;
  switch (a.type) {
    case ValueType::kNull:
      return true;
    case ValueType::kString:
      return a.s == b.s;
    case ValueType::kAddress:
      return a.ip == b.ip;
    case ValueType::kDouble:
      return std::memcmp(&a.d, &b.d, sizeof a.d) == 0;
    case ValueType::kJson:
      return false;
    default:
      return a.i == b.i;
  }
}

// The kind of column c that all non-empty parts share, if they share a
// typed kind (parts where it is null count as missing values of that kind)
// or an equal constant; kMixed when they do not.
ColumnKind SharedKind(const std::vector<const Batch*>& parts, size_t c) {
  ColumnKind kind = ColumnKind::kNull;
  const Value* constant = nullptr;
  for (const Batch* p : parts) {
    if (p->size == 0) continue;
    const ColumnKind k = c < p->columns.size() ? p->columns[c].kind : ColumnKind::kNull;
    if (k == ColumnKind::kMixed) return ColumnKind::kMixed;
    if (k == ColumnKind::kConstant) {
      if (kind != ColumnKind::kNull && kind != ColumnKind::kConstant) return ColumnKind::kMixed;
      if (constant && !SameConstant(*constant, p->columns[c].constant)) return ColumnKind::kMixed;
      constant = &p->columns[c].constant;
      kind = k;
      continue;
    }
    if (k == ColumnKind::kNull) {
      if (kind == ColumnKind::kConstant) return ColumnKind::kMixed;
      continue;
    }
    if (kind != ColumnKind::kNull && kind != k) return ColumnKind::kMixed;
    kind = k;
  }
  return kind;
}

}  // namespace

Batch GatherRows(const std::vector<const Batch*>& parts, const std::vector<RowRef>& rows,
                 size_t column_count, bool own_strings) {
  Batch out;
  const size_t n = rows.size();
  out.size = n;
  out.columns.resize(column_count);
  Arena& arena = *out.arena;
  // Whether the output points into the parts' buffers: shared strings, JSON.
  bool keep_parts = false;
  auto column_of = [&](const RowRef& ref, size_t c) -> const Column* {
    const Batch& p = *parts[ref.part];
    return c < p.columns.size() ? &p.columns[c] : nullptr;
  };
  for (size_t c = 0; c < column_count; ++c) {
    Column& o = out.columns[c];
    const ColumnKind kind = n ? SharedKind(parts, c) : ColumnKind::kNull;
    if (kind == ColumnKind::kNull) continue;  // missing in every row
    if (kind == ColumnKind::kConstant) {
      const Batch* first = nullptr;
      for (const Batch* p : parts) {
        if (p->size && !first) first = p;
      }
      o = first->columns[c];
      if (o.constant.type == ValueType::kString) o.constant.s = arena.Store(o.constant.s);
      keep_parts |= o.constant.type == ValueType::kJson;
      continue;
    }
    if (kind == ColumnKind::kMixed) {
      // Value by value; a run of one string (a constant) is stored once.
      ColumnBuilder builder(n);
      std::string_view last_in, last_out;
      for (const RowRef& ref : rows) {
        const Column* col = column_of(ref, c);
        Value v = col ? col->Get(ref.row) : Value::Null();
        if (v.type == ValueType::kString) {
          if (v.s.data() != last_in.data() || v.s.size() != last_in.size()) {
            last_in = v.s;
            last_out = arena.Store(v.s);
          }
          v.s = last_out;
        }
        keep_parts |= v.type == ValueType::kJson;  // JSON trees live in the parts' arenas
        builder.Append(v);
      }
      o = builder.Finish();
      continue;
    }
    // One typed kind: arrays appended, the validity rebuilt.
    o.kind = kind;
    o.valid.resize(n);
    bool all_valid = true;
    auto fill = [&](auto member, auto& to, auto copy) {
      to.resize(n);
      for (size_t i = 0; i < n; ++i) {
        const Column* col = column_of(rows[i], c);
        const bool ok = col && col->kind == kind && col->IsValid(rows[i].row);
        o.valid[i] = ok;
        all_valid &= ok;
        if (ok) to[i] = copy((col->*member)[rows[i].row]);
      }
    };
    auto same = [](const auto& v) { return v; };
    switch (kind) {
      case ColumnKind::kInt:
      case ColumnKind::kBool:
      case ColumnKind::kTimestamp:
        fill(&Column::ints, o.ints, same);
        break;
      case ColumnKind::kDouble:
        fill(&Column::doubles, o.doubles, same);
        break;
      case ColumnKind::kAddress:
        fill(&Column::addrs, o.addrs, same);
        break;
      case ColumnKind::kString:
        if (own_strings) {
          fill(&Column::strings, o.strings, [&](std::string_view s) { return arena.Store(s); });
        } else {
          fill(&Column::strings, o.strings, same);
          keep_parts = true;
        }
        break;
      default:
        break;
    }
    if (all_valid) o.valid.clear();
  }
  out.source_ids.resize(n);
  out.row_ids.resize(n);
  for (size_t i = 0; i < n; ++i) {
    const Batch& p = *parts[rows[i].part];
    out.source_ids[i] = p.source_ids.empty() ? 0 : p.source_ids[rows[i].row];
    out.row_ids[i] = p.row_ids.empty() ? 0 : p.row_ids[rows[i].row];
  }
  if (keep_parts) {
    for (const Batch* p : parts) {
      out.keep_alive.push_back(p->arena);
      out.keep_alive.insert(out.keep_alive.end(), p->keep_alive.begin(), p->keep_alive.end());
    }
  }
  return out;
}

Batch Concatenate(const std::vector<Batch>& parts, size_t slot_count) {
  std::vector<const Batch*> ptrs;
  std::vector<RowRef> rows;
  for (const Batch& b : parts) {
    for (uint32_t r = 0; r < b.size; ++r) rows.push_back({static_cast<uint32_t>(ptrs.size()), r});
    ptrs.push_back(&b);
  }
  return GatherRows(ptrs, rows, slot_count, /*own_strings=*/false);
}

void SortRows(const std::vector<const Column*>& keys, const std::vector<bool>& descending,
              std::vector<uint32_t>* rows, size_t limit, const Batch* input_order) {
  // Ties fall back to the input order (when asked), then to the row index,
  // so the order is that of a stable sort whether the whole set is sorted or
  // only its top `limit`.
  const Batch* ids = input_order && !(input_order->source_ids.empty() && input_order->row_ids.empty())
                         ? input_order
                         : nullptr;
  auto less = [&](uint32_t a, uint32_t b) {
    for (size_t k = 0; k < keys.size(); ++k) {
      const int c = CompareKey(*keys[k], a, *keys[k], b, descending[k]);
      if (c) return c < 0;
    }
    if (ids) {
      const int c = CompareInputOrder(*ids, a, *ids, b);
      if (c) return c < 0;
    }
    return a < b;
  };
  if (limit > 0 && limit < rows->size()) {
    std::partial_sort(rows->begin(), rows->begin() + static_cast<long>(limit), rows->end(), less);
    rows->resize(limit);
  } else {
    std::sort(rows->begin(), rows->end(), less);
  }
}

void OrderNewestFirst(Batch* batch, int ts_slot) {
  std::vector<uint32_t> rows(batch->size);
  std::iota(rows.begin(), rows.end(), 0);
  SortRows({&batch->columns[static_cast<size_t>(ts_slot)]}, {true}, &rows, 0, batch);
  *batch = Gather(*batch, rows);
}

void OrderByInput(Batch* batch) {
  std::vector<uint32_t> rows(batch->size);
  std::iota(rows.begin(), rows.end(), 0);
  SortRows({}, {}, &rows, 0, batch);
  *batch = Gather(*batch, rows);
}

namespace {

// Glob mode: captures are always text, so each output is a string column
// filled in place (no Value boxing per capture), and an output no later
// command reads is left null without being built.
void ApplyGlobParse(const Stage& st, const Column& src, Batch* batch) {
  const size_t n = batch->size;
  const size_t outs = st.parse_slots.size();
  std::vector<size_t> live;  // indexes of the outputs to build
  for (size_t i = 0; i < outs; ++i) {
    if (st.parse_live.empty() || st.parse_live[i]) live.push_back(i);
  }
  std::vector<Column> cols(outs);
  for (size_t i : live) {
    cols[i].kind = ColumnKind::kString;
    cols[i].strings.resize(n);
    cols[i].valid.assign(n, 0);
  }
  std::vector<std::string_view> parts;
  size_t matched_rows = 0;
  for (size_t r = 0; r < n; ++r) {
    std::string_view text;
    if (src.kind == ColumnKind::kString) {
      if (!src.IsValid(r)) continue;
      text = src.strings[r];
    } else {
      Value v = src.Get(r);
      if (v.is_null()) continue;
      text = ValueAsText(v, batch->arena.get());
    }
    if (!MatchGlob(text, st.glob_literals, &parts)) continue;
    ++matched_rows;
    for (size_t i : live) {
      cols[i].strings[r] = parts[i];
      cols[i].valid[r] = 1;
    }
  }
  for (size_t i = 0; i < outs; ++i) {
    Column& c = cols[i];
    if (matched_rows == 0 || c.kind == ColumnKind::kNull) {
      c = Column::Null();
    } else if (matched_rows == n) {
      c.valid.clear();  // every row present
    }
    batch->columns[st.parse_slots[i]] = std::move(c);
  }
}

Status ApplyParse(const Stage& st, Batch* batch, EvalState* state) {
  // The scan filled the outputs from the stored fields (ParsePushdown).
  if (st.parse_done_slot >= 0 && batch->columns[st.parse_done_slot].kind != ColumnKind::kNull) {
    return Status::Ok();
  }
  ColumnRef src = Evaluate(*st.parse_source, *batch, *state);
  if (st.parse_mode == ParseMode::kGlob) {
    ApplyGlobParse(st, src.get(), batch);
    return Status::Ok();
  }
  const size_t n = batch->size;
  const size_t outs = st.parse_slots.size();
  std::vector<ColumnBuilder> builders(outs, ColumnBuilder(n));
  std::vector<re2::StringPiece> groups;
  int ngroups = st.parse_regex ? st.parse_regex->NumberOfCapturingGroups() + 1 : 0;
  groups.resize(static_cast<size_t>(ngroups));
  for (size_t r = 0; r < n; ++r) {
    Value v = src->Get(r);
    bool matched = false;
    if (!v.is_null()) {
      std::string_view text = ValueAsText(v, batch->arena.get());
      matched =
          st.parse_regex->Match(text, 0, text.size(), RE2::UNANCHORED, groups.data(), ngroups);
      if (matched) {
        for (size_t i = 0; i < outs; ++i) {
          const re2::StringPiece& g = groups[static_cast<size_t>(st.regex_group_index[i])];
          if (g.data() == nullptr) {
            builders[i].AppendNull();
          } else {
            builders[i].Append(Value::String(std::string_view(g.data(), g.size())));
          }
        }
      }
    }
    if (!matched) {
      for (auto& b : builders) b.AppendNull();
    }
  }
  for (size_t i = 0; i < outs; ++i) batch->columns[st.parse_slots[i]] = builders[i].Finish();
  return Status::Ok();
}

Status ApplyDedup(const Stage& st, Batch* batch, EvalState* state) {
  std::vector<ColumnRef> keys;
  for (const auto& e : st.dedup_exprs) keys.push_back(Evaluate(*e, *batch, *state));
  std::unordered_set<std::string> seen;
  std::vector<uint8_t> keep(batch->size, 1);
  std::string key;
  for (size_t r = 0; r < batch->size; ++r) {
    key.clear();
    bool any_null = false;
    for (const ColumnRef& k : keys) {
      Value v = k->Get(r);
      if (v.is_null()) any_null = true;
      EncodeKey(v, &key);
    }
    if (any_null) continue;  // nulls are never duplicates
    if (!seen.insert(key).second) keep[r] = 0;
  }
  batch->Compact(keep);
  return Status::Ok();
}

Status ApplyUnnest(const Stage& st, Batch* batch, EvalState* state) {
  ColumnRef src = Evaluate(*st.unnest_source, *batch, *state);
  std::vector<uint32_t> rows;
  ColumnBuilder out;
  for (size_t r = 0; r < batch->size; ++r) {
    Value v = src->Get(r);
    if (v.is_null()) continue;
    if (v.type == ValueType::kJson && v.json->type == JsonType::kArray) {
      for (size_t i = 0; i < v.json->size; ++i) {
        rows.push_back(static_cast<uint32_t>(r));
        out.Append(JsonToValue(v.json->items[i]));
      }
    } else {
      rows.push_back(static_cast<uint32_t>(r));
      out.Append(v);
    }
  }
  Batch next = Gather(*batch, rows);
  next.columns[st.unnest_slot] = out.Finish();
  *batch = std::move(next);
  return Status::Ok();
}

Status ApplyLookup(const Stage& st, Batch* batch, EvalState* state) {
  if (!state->lookups || !state->lookups->count(st.lookup_table)) {
    return Status::InvalidArgument("lookup table '" + st.lookup_table + "' is not loaded");
  }
  auto it = state->lookups->find(st.lookup_table);
  const LookupTable& table = it->second;
  const size_t n = batch->size;
  std::vector<int> out_columns;
  for (const auto& [column, slot] : st.lookup_outputs)
    out_columns.push_back(table.ColumnIndex(column));
  std::vector<ColumnBuilder> builders(st.lookup_outputs.size(), ColumnBuilder(n));
  std::vector<std::string> key(st.lookup_keys.size());
  for (size_t r = 0; r < n; ++r) {
    bool complete = true;
    for (size_t k = 0; k < st.lookup_keys.size(); ++k) {
      Value v = batch->columns[st.lookup_keys[k].second].Get(r);
      if (v.is_null()) {
        complete = false;
        break;
      }
      key[k] = ValueToText(v);
    }
    const std::vector<std::string>* row =
        complete ? table.Find(st.lookup_key_columns, key) : nullptr;
    for (size_t o = 0; o < builders.size(); ++o) {
      Value existing = batch->columns[st.lookup_outputs[o].second].Get(r);
      if (st.lookup_output_new && !existing.is_null()) {
        builders[o].Append(existing);
      } else if (row) {
        builders[o].Append(
            Value::String(batch->arena->Store((*row)[static_cast<size_t>(out_columns[o])])));
      } else {
        builders[o].Append(st.lookup_output_new ? existing : Value::Null());
      }
    }
  }
  for (size_t o = 0; o < builders.size(); ++o) {
    batch->columns[st.lookup_outputs[o].second] = builders[o].Finish();
  }
  return Status::Ok();
}

}  // namespace

Status ApplySort(const Stage& st, Batch* batch, EvalState* state, size_t limit,
                 const std::vector<int>& tie_break, bool by_input_order) {
  std::vector<Column> owned;
  std::vector<const Column*> keys;
  std::vector<bool> desc;
  owned.reserve(st.sort_keys.size());
  for (const auto& [expr, d] : st.sort_keys) {
    owned.push_back(Evaluate(*expr, *batch, *state).Release());
    keys.push_back(&owned.back());
    desc.push_back(d);
  }
  for (int slot : tie_break) {
    keys.push_back(&batch->columns[static_cast<size_t>(slot)]);
    desc.push_back(false);
  }
  std::vector<uint32_t> rows(batch->size);
  std::iota(rows.begin(), rows.end(), 0);
  SortRows(keys, desc, &rows, limit, by_input_order ? batch : nullptr);
  *batch = Gather(*batch, rows);
  return Status::Ok();
}

Status ApplyStage(const Stage& st, Batch* batch, EvalState* state) {
  switch (st.kind) {
    case CommandKind::kFilter: {
      std::vector<uint8_t> keep;
      EvaluatePredicate(*st.condition, *batch, *state, &keep);
      batch->Compact(keep);
      return Status::Ok();
    }
    case CommandKind::kFields:
    case CommandKind::kDisplay:
      for (const auto& [slot, expr] : st.assignments) {
        batch->columns[slot] = Evaluate(*expr, *batch, *state).Release();
      }
      return Status::Ok();
    case CommandKind::kParse:
      return ApplyParse(st, batch, state);
    case CommandKind::kSort:
      return ApplySort(st, batch, state, 0);
    case CommandKind::kLimit: {
      if (static_cast<int64_t>(batch->size) <= st.limit) return Status::Ok();
      std::vector<uint32_t> rows;
      size_t n = static_cast<size_t>(st.limit);
      size_t first = st.limit_tail ? batch->size - n : 0;
      for (size_t i = first; i < first + n; ++i) rows.push_back(static_cast<uint32_t>(i));
      *batch = Gather(*batch, rows);
      return Status::Ok();
    }
    case CommandKind::kDedup:
      return ApplyDedup(st, batch, state);
    case CommandKind::kUnnest:
      return ApplyUnnest(st, batch, state);
    case CommandKind::kLookup:
      return ApplyLookup(st, batch, state);
    case CommandKind::kStats:
    case CommandKind::kSource:
    case CommandKind::kUnmask:
      break;
  }
  return Status::Ok();
}

}  // namespace flowlens::query

#include "query/store_scan.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <unordered_map>

#include "flowlog/field_catalog.h"
#include "query/evaluator.h"
#include "query/json.h"
#include "query/message_filter.h"
#include "query/parse_pushdown.h"
#include "query/row_collector.h"
#include "query/store_scan_filter.h"
#include "storage/segment_footer.h"
#include "storage/segment_reader.h"

namespace flowlens::query {
namespace {

enum class Src : uint8_t { kMessage, kTimestamp, kIngestion, kLogStream, kLog, kFlow, kJson };

struct Binding {
  int slot;
  Src src;
  int field_index = -1;  // index into RowBlock::fields
  std::string name;
};

// Turns one row block into a batch of the query's slots; source and row ids
// only when the query reads them (ScanRequest::row_ids). Why it is fast: the
// block's vectors are swapped into the batch, not copied, and the batch's
// previous ones go back to the block, whose next read refills them in place
// (SegmentReader::Read): a scan that keeps its block and batch allocates,
// zero-fills and copies nothing here. Operators may have changed the batch
// (a slot computed, rows compacted, the whole batch moved away): every
// column is set anew. Benchmark: bench/segment_bench.cc BM_ScanToBatch.
void ToBatch(storage::RowBlock& block, const std::vector<Binding>& binds, size_t slot_count,
             const std::string& log_name, uint32_t source_id, bool any_json, bool row_ids,
             Batch* out) {
  Batch& b = *out;
  b.size = block.size;
  b.columns.resize(slot_count);
  std::swap(b.arena, block.arena);
  if (!b.arena) b.arena = std::make_shared<Arena>();  // a batch moved away left none
  std::swap(b.keep_alive, block.keep_alive);
  if (row_ids) {
    b.source_ids.assign(block.size, source_id);
    std::swap(b.row_ids, block.row_ids);
  } else {
    b.source_ids.clear();
    b.row_ids.clear();
  }
  // Bound columns keep their vectors (swapped below); the rest start empty.
  thread_local std::vector<uint8_t> bound;
  bound.assign(slot_count, 0);
  for (const Binding& bd : binds) bound[static_cast<size_t>(bd.slot)] = 1;
  for (size_t i = 0; i < slot_count; ++i) {
    Column& c = b.columns[i];
    if (!bound[i]) {
      if (c.kind != ColumnKind::kNull || !c.ints.empty() || !c.strings.empty() ||
          !c.addrs.empty() || !c.valid.empty() || !c.doubles.empty() || !c.values.empty()) {
        c = Column();
      }
      continue;
    }
    c.constant = Value();
    c.doubles.clear();
    c.values.clear();
  }
  // The vector of a column's kind comes from the block; the others are emptied.
  auto take = [](auto* to, auto* from, Column* c) {
    if (static_cast<void*>(to) != &c->ints) c->ints.clear();
    if (static_cast<void*>(to) != &c->strings) c->strings.clear();
    if (static_cast<void*>(to) != &c->addrs) c->addrs.clear();
    std::swap(*to, *from);
  };
  std::unordered_map<std::string_view, size_t> json_slots;
  std::vector<ColumnBuilder> json_builders;
  for (const Binding& bd : binds) {
    Column& c = b.columns[bd.slot];
    c.valid.clear();
    switch (bd.src) {
      case Src::kMessage:
        c.kind = ColumnKind::kString;
        c.ints.clear();
        c.addrs.clear();
        c.strings = block.messages;  // (JSON fields are found in them below)
        break;
      case Src::kTimestamp:
        c.kind = ColumnKind::kTimestamp;
        take(&c.ints, &block.timestamps, &c);
        break;
      case Src::kIngestion:
        c.kind = ColumnKind::kTimestamp;
        take(&c.ints, &block.ingestion_times, &c);
        break;
      case Src::kLogStream:
        c.kind = ColumnKind::kString;
        take(&c.strings, &block.streams, &c);
        break;
      case Src::kLog:
        c = Column::Constant(Value::String(b.arena->Store(log_name)));
        break;
      case Src::kFlow: {
        storage::FieldColumn& f = block.fields[static_cast<size_t>(bd.field_index)];
        if (f.kind == ValueKind::kAddress) {
          c.kind = ColumnKind::kAddress;
          take(&c.addrs, &f.addrs, &c);
        } else if (f.kind == ValueKind::kString) {
          c.kind = ColumnKind::kString;
          take(&c.strings, &f.strings, &c);
        } else {
          c.kind = ColumnKind::kInt;
          take(&c.ints, &f.ints, &c);
        }
        std::swap(c.valid, f.valid);
        break;
      }
      case Src::kJson:
        c.kind = ColumnKind::kNull;
        json_slots.emplace(bd.name, json_builders.size());
        json_builders.emplace_back(block.size);
        break;
    }
  }
  if (!any_json) return;
  // JSON events: discovered fields, as a file scan finds them.
  std::vector<Value> found(json_builders.size());
  for (size_t r = 0; r < block.size; ++r) {
    DiscoverJsonFields(block.messages[r], json_slots, &found, b.arena.get());
    for (size_t k = 0; k < found.size(); ++k) json_builders[k].Append(found[k]);
  }
  size_t k = 0;
  for (const Binding& bd : binds) {
    if (bd.src == Src::kJson) b.columns[bd.slot] = json_builders[k++].Finish();
  }
}

}  // namespace

namespace {

// Whether `e` depends on no field but one slot (set in *slot), through
// operators and functions whose value depends on their arguments alone: such a
// conjunct can be evaluated on that column before the others are read.
bool ReadsOneSlot(const BoundExpr& e, int* slot) {
  switch (e.kind) {
    case BoundKind::kConstant:
      return true;
    case BoundKind::kSlot:
      if (*slot >= 0 && *slot != e.slot) return false;
      *slot = e.slot;
      return true;
    case BoundKind::kCall: {
      const std::string_view f = e.function->name;
      if (f != "isipv4insubnet" && f != "isipinsubnet" && f != "isipv6insubnet") return false;
      break;
    }
    case BoundKind::kUnary:
    case BoundKind::kBinary:
    case BoundKind::kLike:
    case BoundKind::kIn:
      break;
    default:
      return false;
  }
  for (const auto& c : e.children) {
    if (!ReadsOneSlot(*c, slot)) return false;
  }
  return true;
}

// One stage of the single-field prefilters: its conjuncts (each with its
// entry in `binds`) and the columns it reads.
struct FilterStage {
  struct Conjunct {
    const BoundExpr* expr;
    size_t bind;
  };
  std::vector<Conjunct> conjuncts;
  struct Test {
    const FieldCondition* condition;
    size_t bind;
  };
  std::vector<Test> tests;  // tested on the column itself, without the evaluator
  std::vector<Binding> binds;
  storage::ColumnRequest req;
  // Per conjunct: the test that says exactly what it says (CoveringTest), or -1.
  std::vector<int> covered_by;
  // Per block: which tests have been applied to every row, and which
  // conjuncts decided (by a test or on the dictionary codes in place).
  std::vector<uint8_t> applied, decided;

  bool Settled() const {
    return std::all_of(decided.begin(), decided.end(), [](uint8_t d) { return d != 0; }) &&
           std::all_of(applied.begin(), applied.end(), [](uint8_t d) { return d != 0; });
  }
};

// Clears pass[r] for the rows of `f` (m of them) that fail `c`: a missing
// value fails. One tight loop per kind of condition on the typed values.
bool TestCondition(const FieldCondition& c, const storage::FieldColumn& f, size_t m,
                   uint8_t* pass) {
  const bool all_valid = f.valid.empty();
  auto valid = [&](size_t r) { return all_valid || f.valid[r] != 0; };
  if (c.kind == FieldCondition::Kind::kAddressRange) {
    if (f.addrs.size() != m) return false;  // not an address column: leave it to the evaluator
    for (size_t r = 0; r < m; ++r) {
      const IpAddress& a = f.addrs[r];
      pass[r] &= valid(r) && a.v6 == c.alo.v6 && !(a < c.alo) && !(c.ahi < a);
    }
    return true;
  }
  if (f.ints.size() != m) return false;  // not an int column: likewise
  const int64_t* v = f.ints.data();
  // Why it is fast: branch-free loops the compiler vectorizes, the validity
  // applied in its own pass only where some value is missing, and sets of one
  // or two values (`port = 22 or port = 3389`) tested without an inner loop.
  // Measured on benchmark Q4 (bench/peers/queries/q4.insights) with callgrind.
  if (c.kind == FieldCondition::Kind::kIntRange) {
    const uint64_t lo = static_cast<uint64_t>(c.lo), span = static_cast<uint64_t>(c.hi) - lo;
    for (size_t r = 0; r < m; ++r) pass[r] &= static_cast<uint64_t>(v[r]) - lo <= span;
  } else if (c.kind == FieldCondition::Kind::kIntSet) {
    const std::vector<int64_t>& set = c.ints;
    if (set.size() == 1) {
      const int64_t a = set[0];
      for (size_t r = 0; r < m; ++r) pass[r] &= v[r] == a;
    } else if (set.size() == 2) {
      const int64_t a = set[0], b = set[1];
      for (size_t r = 0; r < m; ++r) pass[r] &= (v[r] == a) | (v[r] == b);
    } else {
      for (size_t r = 0; r < m; ++r) {
        pass[r] &= pass[r] && std::binary_search(set.begin(), set.end(), v[r]);
      }
    }
  } else {
    return false;
  }
  if (!all_valid) {
    const uint8_t* ok = f.valid.data();
    for (size_t r = 0; r < m; ++r) pass[r] &= ok[r];
  }
  return true;
}

// The int constants of `e` when it is `slot = k` (either side), `slot in [k,
// ...]`, or an `or` of those, all on `slot` with int constants; false for any
// other shape.
bool IntEqualities(const BoundExpr& e, int slot, std::vector<int64_t>* out) {
  if (e.kind == BoundKind::kBinary && e.op == Op::kOr) {
    return IntEqualities(*e.children[0], slot, out) && IntEqualities(*e.children[1], slot, out);
  }
  if (e.kind == BoundKind::kBinary && e.op == Op::kEq) {
    const BoundExpr* a = e.children[0].get();
    const BoundExpr* k = e.children[1].get();
    if (a->kind == BoundKind::kConstant) std::swap(a, k);
    if (a->kind != BoundKind::kSlot || a->slot != slot || k->kind != BoundKind::kConstant ||
        k->constant.type != ValueType::kInt) {
      return false;
    }
    out->push_back(k->constant.i);
    return true;
  }
  if (e.kind == BoundKind::kIn && !e.negate && e.children.size() == 1 &&
      e.children[0]->kind == BoundKind::kSlot && e.children[0]->slot == slot && !e.list.empty()) {
    for (const Value& k : e.list) {
      if (k.type != ValueType::kInt) return false;
      out->push_back(k.i);
    }
    return true;
  }
  return false;
}

// The index of the int-set test of stage `st` that says exactly what its
// conjunct `cj` says, or -1: once that test has been applied to the int
// column of the same slot, the evaluator has nothing left to drop for the
// conjunct. A missing value fails both (an equality with a missing value is
// not true).
int CoveringTest(const FilterStage& st, const FilterStage::Conjunct& cj) {
  const int slot = st.binds[cj.bind].slot;
  for (size_t t = 0; t < st.tests.size(); ++t) {
    const FieldCondition& c = *st.tests[t].condition;
    if (st.binds[st.tests[t].bind].slot != slot || c.kind != FieldCondition::Kind::kIntSet) {
      continue;
    }
    std::vector<int64_t> constants;
    if (!IntEqualities(*cj.expr, slot, &constants)) return -1;
    std::sort(constants.begin(), constants.end());
    constants.erase(std::unique(constants.begin(), constants.end()), constants.end());
    return constants == c.ints ? static_cast<int>(t) : -1;
  }
  return -1;
}

struct PrefilterScratch {
  std::vector<uint8_t> pass, part;
  Batch codes_batch, rows_batch;
};

// Tests a stage's conjuncts and tests not yet decided (and, when the block
// has timestamps, the time range [lo, hi]) on `block`, which holds the
// block's rows whose `keep` flag is set (or all of them); clears the flags
// of the rows that fail. Returns how many rows are still kept. A conjunct on
// a dictionary-coded string is evaluated once per distinct value (and once
// for a missing one), then looked up by code: no string is made for any row.
size_t Prefilter(FilterStage& st, storage::RowBlock& block, size_t slot_count, EvalState* state,
                 int64_t lo, int64_t hi, PrefilterScratch* s, std::vector<uint8_t>* keep) {
  const size_t m = block.size;
  std::vector<uint8_t>& pass = s->pass;
  pass.assign(m, 1);
  if (!block.timestamps.empty()) {
    for (size_t r = 0; r < m; ++r) pass[r] = block.timestamps[r] >= lo && block.timestamps[r] <= hi;
  }
  for (size_t t = 0; t < st.tests.size(); ++t) {
    if (st.applied[t]) continue;
    const FilterStage::Test& test = st.tests[t];
    const storage::FieldColumn& f =
        block.fields[static_cast<size_t>(st.binds[test.bind].field_index)];
    st.applied[t] = TestCondition(*test.condition, f, m, pass.data());
  }
  bool rows_needed = false;
  for (size_t k = 0; k < st.conjuncts.size(); ++k) {
    const FilterStage::Conjunct& cj = st.conjuncts[k];
    const Binding& bd = st.binds[cj.bind];
    const storage::FieldColumn& f = block.fields[static_cast<size_t>(bd.field_index)];
    const int t = st.covered_by[k];
    if (st.decided[k] || (t >= 0 && st.applied[static_cast<size_t>(t)])) {
      st.decided[k] = 1;  // done: the test dropped exactly its rows
      continue;
    }
    if (f.kind != ValueKind::kString || f.dict.empty() || f.codes.size() != m) {
      rows_needed = true;
      continue;
    }
    st.decided[k] = 1;
    EvaluateOnDictionary(*cj.expr, f.dict, bd.slot, slot_count, nullptr, *state, &s->codes_batch,
                         &s->part);
    const uint8_t missing = s->part.back();
    const uint8_t* part = s->part.data();
    const uint32_t* codes = f.codes.data();
    if (f.valid.empty()) {
      for (size_t r = 0; r < m; ++r) pass[r] &= part[codes[r]];
    } else {
      for (size_t r = 0; r < m; ++r) pass[r] &= f.valid[r] ? part[codes[r]] : missing;
    }
  }
  if (rows_needed) {
    static const std::string kNoLog;
    ToBatch(block, st.binds, slot_count, kNoLog, 0, false, false, &s->rows_batch);
    for (size_t k = 0; k < st.conjuncts.size(); ++k) {
      if (st.decided[k]) continue;
      EvaluatePredicate(*st.conjuncts[k].expr, s->rows_batch, *state, &s->part);
      for (size_t r = 0; r < m; ++r) pass[r] &= s->part[r];
    }
  }
  // Back onto the block's rows: `block` held all of them, or the kept ones in order.
  return KeepPassing(pass, keep);
}

// Decides what it can of the stages' tests and conjuncts in place, on the
// reader's decoded chunks for all the block's rows (store_scan_filter.h):
// string conjuncts by dictionary code, then the int and address tests and
// the conjuncts those say exactly. Clears keep[r] for the rows that fail;
// marks what it decided in the stages, for Prefilter to skip.
Status FilterInPlace(FilterStage* stages, storage::SegmentReader* reader, size_t blk,
                     size_t slot_count, EvalState* state, PrefilterScratch* s,
                     std::vector<uint8_t>* keep) {
  storage::SegmentReader::ColumnView view;
  auto load = [&](const FilterStage& st, size_t bind) {
    const int field = st.req.fields[static_cast<size_t>(st.binds[bind].field_index)];
    return reader->View(blk, static_cast<uint16_t>(field), &view);
  };
  for (FilterStage* st = stages; st != stages + 2; ++st) {
    st->applied.assign(st->tests.size(), 0);
    st->decided.assign(st->conjuncts.size(), 0);
  }
  FilterStage& strings = stages[0];
  for (size_t k = 0; k < strings.conjuncts.size() && state; ++k) {
    const FilterStage::Conjunct& cj = strings.conjuncts[k];
    RETURN_IF_ERROR(load(strings, cj.bind));
    if (view.form != storage::SegmentReader::ColumnView::Form::kCodes) continue;
    EvaluateOnDictionary(*cj.expr, *view.dict, strings.binds[cj.bind].slot, slot_count, nullptr,
                         *state, &s->codes_batch, &s->part);
    strings.decided[k] = CodesOnView(view, s->part.data(), s->part.back(), keep->data());
  }
  FilterStage& typed = stages[1];
  for (size_t t = 0; t < typed.tests.size(); ++t) {
    RETURN_IF_ERROR(load(typed, typed.tests[t].bind));
    typed.applied[t] = TestOnView(*typed.tests[t].condition, view, keep->data());
  }
  for (size_t k = 0; k < typed.conjuncts.size(); ++k) {
    const int t = typed.covered_by[k];
    typed.decided[k] = t >= 0 && typed.applied[static_cast<size_t>(t)];
  }
  return Status::Ok();
}

bool UsesSlot(const BoundExpr& e, int slot) {
  if ((e.kind == BoundKind::kSlot || e.kind == BoundKind::kBin) && e.slot == slot) return true;
  for (const auto& c : e.children) {
    if (UsesSlot(*c, slot)) return true;
  }
  return false;
}

// Whether the query's answer can depend on @timestamp, which the plan always
// binds: it does unless the query is leading filters then stats, none of
// whose expressions reads it (no bin()) and no earliest/latest (which order
// by it). Without it, row groups wholly inside the time range need no time
// column decoded at all.
bool NeedsTimestamp(const Plan& plan) {
  const int ts = plan.scan.timestamp_slot;
  for (const Stage& st : plan.stages) {
    if (st.kind == CommandKind::kFilter) {
      if (UsesSlot(*st.condition, ts)) return true;
      continue;
    }
    if (st.kind == CommandKind::kParse) {  // changes no row's order or count
      if (UsesSlot(*st.parse_source, ts)) return true;
      continue;
    }
    if (st.kind != CommandKind::kStats) return true;
    for (const auto& g : st.group_exprs) {
      if (UsesSlot(*g, ts)) return true;
    }
    for (const AggSpec& a : st.aggregates) {
      if (a.kind == AggKind::kEarliest || a.kind == AggKind::kLatest) return true;
      if (a.arg && UsesSlot(*a.arg, ts)) return true;
    }
    return false;
  }
  return true;
}

// The text that stands in for @message in the rows a segment hands out after
// the message terms (message_filter.h) passed them, when nothing else reads
// @message: the query is leading filters, whose other conjuncts do not read
// it, then stats, whose keys and aggregates do not (after stats only its
// outputs are seen). The text passes every term: it holds each positive
// term's text and no negated one's. Empty when there is no such text.
std::string MessageStandIn(const Plan& plan, int message_slot,
                           const std::vector<MessageTerm>& terms,
                           const std::vector<const BoundExpr*>& term_exprs) {
  if (message_slot < 0 || terms.empty()) return "";
  size_t i = 0;
  for (; i < plan.stages.size() && plan.stages[i].kind == CommandKind::kFilter; ++i) {}
  if (i == plan.stages.size() || plan.stages[i].kind != CommandKind::kStats) return "";
  for (const BoundExpr* e : LeadingFilterConjuncts(plan)) {
    if (std::find(term_exprs.begin(), term_exprs.end(), e) == term_exprs.end() &&
        UsesSlot(*e, message_slot)) {
      return "";
    }
  }
  const Stage& stats = plan.stages[i];
  for (const auto& g : stats.group_exprs) {
    if (UsesSlot(*g, message_slot)) return "";
  }
  for (const AggSpec& a : stats.aggregates) {
    if (a.arg && UsesSlot(*a.arg, message_slot)) return "";
  }
  std::string text;
  for (const MessageTerm& t : terms) {
    if (t.negate) continue;
    if (!text.empty()) text += ' ';
    text += t.text;
  }
  if (text.empty()) text = " ";  // only negated terms: a text none of them is in
  for (const MessageTerm& t : terms) {
    if (t.negate && text.find(t.text) != std::string::npos) return "";
  }
  return text;
}

// The query's fields as this group's rows provide them; fills `req` with the
// columns to read.
std::vector<Binding> BindFields(const ScanRequest& request, const Layout& layout,
                                storage::ColumnRequest* req, bool* any_json) {
  std::vector<Binding> binds;
  *any_json = false;
  for (const auto& [name, slot] : request.input_fields) {
    Binding b{slot, Src::kJson, -1, name};
    if (name == "@message")
      b.src = Src::kMessage, req->message = true;
    else if (name == "@timestamp")
      b.src = Src::kTimestamp, req->timestamp = true;
    else if (name == "@ingestionTime")
      b.src = Src::kIngestion, req->ingestion_time = true;
    else if (name == "@logStream")
      b.src = Src::kLogStream, req->log_stream = true;
    else if (name == "@log")
      b.src = Src::kLog;
    else if (const FieldInfo* f = FindFieldByQueryName(name);
             f && layout.Has(static_cast<int>(f->id))) {
      b.src = Src::kFlow;
      b.field_index = static_cast<int>(req->fields.size());
      req->fields.push_back(static_cast<int>(f->id));
    }
    if (b.src == Src::kJson) {
      *any_json = true;
      req->message = true;
    }
    binds.push_back(b);
  }
  return binds;
}

// How one segment answers the parse pushdown (plan.h ParsePushdown).
struct PushedParse {
  bool on = false;
  size_t stage = 0;
  std::vector<int> field_of;  // per layout position: its column in the final read, or -1
  // The filters right after the parse tested by dictionary code, and what
  // they read.
  std::vector<CaptureFilter> filters;
  storage::ColumnRequest filter_req;
};

// Whether a segment of `layout` (null: raw lines only) does the request's
// parse pushdown; if so, drops @message from `binds` and `req` and adds the
// columns of the captures read (and of the filters on string captures).
PushedParse PlanPushedParse(const ScanRequest& request, const Layout* layout, bool any_json,
                            std::vector<Binding>* binds, storage::ColumnRequest* req) {
  PushedParse push;
  const ParsePushdown& pd = request.parse_pushdown;
  // JSON fields are found in the message: it is read anyway.
  if (pd.stage < 0 || !layout || layout->size() != pd.slots.size() || any_json) return push;
  push.on = true;
  push.stage = static_cast<size_t>(pd.stage);
  std::erase_if(*binds, [](const Binding& b) { return b.src == Src::kMessage; });
  req->message = false;
  req->raw_messages = true;
  push.field_of.assign(pd.slots.size(), -1);
  for (size_t i = 0; i < pd.slots.size(); ++i) {
    if (pd.slots[i] < 0) continue;
    push.field_of[i] = static_cast<int>(req->fields.size());
    req->fields.push_back(static_cast<int>(layout->field(i).id));
  }
  push.filter_req.codes = true;
  push.filter_req.row_ids = false;
  push.filter_req.raw_messages = true;
  for (const BoundExpr* e : pd.filter_conjuncts) {
    int slot = -1;
    if (!ReadsOneSlot(*e, &slot) || slot < 0) continue;
    auto at = std::find(pd.slots.begin(), pd.slots.end(), slot);
    if (at == pd.slots.end()) continue;
    const FieldInfo& f = layout->field(static_cast<size_t>(at - pd.slots.begin()));
    if (f.kind != ValueKind::kString) continue;
    push.filters.push_back({e, slot, static_cast<int>(push.filter_req.fields.size())});
    push.filter_req.fields.push_back(static_cast<int>(f.id));
  }
  return push;
}

}  // namespace

StoreSource::StoreSource(std::shared_ptr<const storage::StoreSnapshot> snapshot,
                         std::vector<const storage::GroupSnapshot*> groups, int64_t start_ms,
                         int64_t end_ms, std::string account_id, StoreScanStats* stats,
                         const Plan* plan)
    : plan_(plan),
      needs_timestamp_(plan == nullptr || NeedsTimestamp(*plan)),
      snapshot_(std::move(snapshot)),
      account_id_(std::move(account_id)),
      stats_(stats) {
  // Only the filters before any other command: nothing can have changed a
  // field's value before them.
  if (plan) {
    for (const BoundExpr* e : LeadingFilterConjuncts(*plan)) {
      int slot = -1;
      if (ReadsOneSlot(*e, &slot) && slot >= 0 && ScanFieldOf(*plan, slot) >= 0) {
        prefilters_.push_back(e);
      }
    }
  }
  // `@message like "text"` conjuncts: tested on the stored columns before any
  // line is rebuilt (message_filter.h).
  if (plan) {
    message_slot_ = ScanFieldSlot(*plan, "@message");
    std::vector<const BoundExpr*> term_exprs;
    for (const BoundExpr* e : LeadingFilterConjuncts(*plan)) {
      if (auto t = MessageTermOf(*e, message_slot_)) {
        message_terms_.push_back(std::move(*t));
        term_exprs.push_back(e);
      }
    }
    message_stand_in_ = MessageStandIn(*plan, message_slot_, message_terms_, term_exprs);
  }
  // Segments and row groups are skipped on the statistics of the fields the
  // leading filters test (row_conditions.h).
  if (plan) {
    for (const FieldCondition& c : LeadingFilterConditions(*plan)) {
      switch (c.kind) {
        case FieldCondition::Kind::kIntRange:
        case FieldCondition::Kind::kIntSet:
          prunes_.push_back({c.field_id, false, c.lo, c.hi, {}, {}});
          tests_.push_back(c);
          break;
        case FieldCondition::Kind::kAddressRange:
          prunes_.push_back({c.field_id, true, 0, 0, c.alo, c.ahi});
          tests_.push_back(c);
          break;
        case FieldCondition::Kind::kText:  // no text ranges: only "every value missing"
          prunes_.push_back({c.field_id, false, INT64_MIN, INT64_MAX, {}, {}});
          break;
      }
    }
  }
  for (const storage::GroupSnapshot* g : groups) {
    uint64_t events = g->unflushed_events;
    for (const auto& seg : g->segments) events += seg->entry.rows;
    double bytes_per_row =
        events ? static_cast<double>(g->info.stored_bytes) / static_cast<double>(events) : 0;
    for (const auto& seg : g->segments) {
      if (seg->entry.max_timestamp_ms < start_ms || seg->entry.min_timestamp_ms > end_ms) {
        if (stats_) ++stats_->segments_skipped;
        continue;
      }
      morsels_.push_back({g, seg.get(), bytes_per_row});
    }
    if (g->unflushed_events > 0) morsels_.push_back({g, nullptr, 0});
  }
  // A query that wants the newest (or oldest) rows reads the segments that
  // hold them first: once it holds enough, the rest are skipped by time (Next).
  // The unflushed events, newest as a rule, come first or last.
  if (plan) {
    const OrderKey key = PlanOrderKey(*plan);
    if (key.slot >= 0 && key.slot == plan->scan.timestamp_slot) {
      order_field_ = kOrderByTime;
    } else if (key.slot >= 0) {
      order_field_ = ScanFieldOf(*plan, key.slot);
    }
  }
  const TimeOrder order = plan ? PlanTimeOrder(*plan) : TimeOrder::kNone;
  if (order == TimeOrder::kNewestFirst) {
    std::stable_sort(morsels_.begin(), morsels_.end(), [](const Morsel& a, const Morsel& b) {
      if (!a.segment || !b.segment) return !a.segment && b.segment;
      return a.segment->entry.max_timestamp_ms > b.segment->entry.max_timestamp_ms;
    });
  } else if (order == TimeOrder::kOldestFirst) {
    std::stable_sort(morsels_.begin(), morsels_.end(), [](const Morsel& a, const Morsel& b) {
      if (!a.segment || !b.segment) return a.segment && !b.segment;
      return a.segment->entry.min_timestamp_ms < b.segment->entry.min_timestamp_ms;
    });
  }
}

std::vector<std::string> StoreSource::warnings() const {
  std::lock_guard<std::mutex> lock(mu_);
  return warnings_;
}

Result<bool> StoreSource::Next(const ScanRequest& request, size_t slot_count, int64_t start_ms,
                               int64_t end_ms, ScanCounters* counters,
                               const std::function<void(Batch&)>& sink) {
  if (counters->stop) return false;
  size_t i = next_++;
  // Segments whose rows are all older (newer) than the query still needs
  // (RowCollector::KeyThreshold), known from the manifest without opening them.
  while (i < morsels_.size() && morsels_[i].segment && order_field_ == kOrderByTime &&
         OutsideNeeded(morsels_[i].segment->entry.min_timestamp_ms,
                       morsels_[i].segment->entry.max_timestamp_ms, *counters)) {
    if (stats_) ++stats_->segments_skipped;
    i = next_++;
  }
  if (i >= morsels_.size()) return false;
  const Morsel& m = morsels_[i];
  if (m.segment) {
    Status st = ScanSegment(m, request, slot_count, start_ms, end_ms, counters, sink);
    if (!st.ok()) {
      std::lock_guard<std::mutex> lock(mu_);
      warnings_.push_back(st.message());
    }
    return true;
  }
  // The unflushed events: parsed from their messages, block by block.
  storage::ColumnRequest req;
  bool any_json;
  std::vector<Binding> binds = BindFields(request, m.group->layout(), &req, &any_json);
  req.timestamp = true;  // for the time range
  const std::string log_name = account_id_ + ":" + m.group->info.name;
  const uint32_t pointer_source = static_cast<uint32_t>(m.group->info.id);
  storage::RowBlock block;
  Batch batch;
  storage::UnflushedReader wal(*m.group);
  std::vector<uint8_t> keep;
  for (size_t blk = 0; blk < wal.num_blocks(); ++blk) {
    RETURN_IF_ERROR(wal.ReadBlock(req, blk, &block));
    counters->records += block.size;
    counters->bytes += block.message_bytes + block.size;
    // The time range, inclusive, on @timestamp (before ToBatch takes it).
    keep.assign(block.size, 1);
    bool all = true;
    for (size_t r = 0; r < block.size; ++r) {
      int64_t ts = block.timestamps[r];
      if (ts < start_ms || ts > end_ms) keep[r] = 0, all = false;
    }
    ToBatch(block, binds, slot_count, log_name, pointer_source, any_json, request.row_ids,
            &batch);
    if (!all) batch.Compact(keep);
    if (batch.size) sink(batch);
  }
  return true;
}

Status StoreSource::ScanSegment(const Morsel& m, const ScanRequest& request, size_t slot_count,
                                int64_t start_ms, int64_t end_ms, ScanCounters* counters,
                                const std::function<void(Batch&)>& sink) {
  // Errors become the warning: what was skipped, and why.
  auto opened = snapshot_->OpenSegment(*m.segment);
  if (!opened.ok()) {
    return Status::DataLoss("skipped " + m.segment->path + ": " + opened.status().message());
  }
  storage::SegmentReader* reader = opened->get();
  auto skipped_rest = [&](const Status& st) {
    return Status::DataLoss("skipped the rest of " + m.segment->path + ": " + st.message());
  };
  const storage::SegmentFooter& footer = reader->footer();
  if (CanSkip(footer, -1) || NotNeeded(footer, -1, *counters)) {
    if (stats_) ++stats_->segments_skipped;
    return Status::Ok();
  }
  if (stats_) ++stats_->segments_read;
  storage::ColumnRequest req;
  bool any_json;
  std::vector<Binding> binds = BindFields(request, m.group->layout(), &req, &any_json);
  if (!needs_timestamp_) {
    std::erase_if(binds, [](const Binding& b) { return b.src == Src::kTimestamp; });
    req.timestamp = false;
  }
  req.row_ids = request.row_ids;
  const bool wants_timestamp = req.timestamp;
  const std::string log_name = account_id_ + ":" + m.group->info.name;
  // @ptr must find the event again: source = group id, row = segment id in
  // the top 24 bits above the row's 40.
  const uint32_t pointer_source = static_cast<uint32_t>(m.group->info.id);
  const uint64_t segment_bits = m.segment->entry.id << 40;

  // The single-field conjuncts of the leading filters that this group's rows
  // can be tested on, in three stages: conjuncts on string fields first, on
  // every row, by dictionary code (with the time range); then the int and
  // address conditions on the typed values of the rows still kept; then the
  // other conjuncts through the evaluator. Each stage reads its columns for
  // the rows still kept only.
  FilterStage stages[3];
  stages[0].req.codes = true;
  for (FilterStage& st : stages) st.req.row_ids = false;
  for (const FieldCondition& c : tests_) {
    auto b = std::find_if(binds.begin(), binds.end(), [&](const Binding& x) {
      return x.src == Src::kFlow && req.fields[static_cast<size_t>(x.field_index)] == c.field_id;
    });
    if (b == binds.end()) continue;
    FilterStage& st = stages[1];
    auto have = std::find_if(st.binds.begin(), st.binds.end(),
                             [&](const Binding& x) { return x.slot == b->slot; });
    st.tests.push_back({&c, static_cast<size_t>(have - st.binds.begin())});
    if (have == st.binds.end()) {
      Binding pb = *b;
      pb.field_index = static_cast<int>(st.req.fields.size());
      st.req.fields.push_back(c.field_id);
      st.binds.push_back(pb);
    }
  }
  for (const BoundExpr* e : prefilters_) {
    int slot = -1;
    ReadsOneSlot(*e, &slot);
    auto b = std::find_if(binds.begin(), binds.end(),
                          [&](const Binding& x) { return x.slot == slot && x.src == Src::kFlow; });
    if (b == binds.end()) continue;
    const int field = req.fields[static_cast<size_t>(b->field_index)];
    FilterStage& st =
        stages[Catalog()[static_cast<size_t>(field)].kind == ValueKind::kString ? 0 : 1];
    auto have = std::find_if(st.binds.begin(), st.binds.end(),
                             [&](const Binding& x) { return x.slot == slot; });
    st.conjuncts.push_back({e, static_cast<size_t>(have - st.binds.begin())});
    if (have == st.binds.end()) {
      Binding pb = *b;
      pb.field_index = static_cast<int>(st.req.fields.size());
      st.req.fields.push_back(field);
      st.binds.push_back(pb);
    }
  }
  for (FilterStage& st : stages) {
    for (const FilterStage::Conjunct& cj : st.conjuncts)
      st.covered_by.push_back(CoveringTest(st, cj));
  }
  // The parse pushdown (parse_pushdown.h), where this segment's layout has
  // as many fields as the pattern has stars.
  PushedParse push = PlanPushedParse(request, reader->layout(), any_json, &binds, &req);
  std::optional<EvalState> state;
  QueryTimes times;
  if (!prefilters_.empty() || !push.filters.empty()) state.emplace(*plan_, &times);
  const int ts_col = footer.ColumnIndex(storage::format::kColTimestamp);
  MessageTermFilter message_filter;
  const bool message_terms =
      reader->layout() && message_filter.Prepare(message_terms_, *reader->layout());
  // When only the terms read @message, the rows that passed them get a text
  // that passes them again instead of their rebuilt lines.
  const bool stand_in = message_terms && !message_stand_in_.empty() && !any_json;
  if (stand_in) {
    std::erase_if(binds, [](const Binding& b) { return b.src == Src::kMessage; });
    req.message = false;
  }

  // The order key when it is a flow field of this segment (see the block loop).
  const bool key_in_segment = order_field_ >= 0 && !footer.format.empty() &&
                              footer.ColumnIndex(static_cast<uint16_t>(order_field_)) >= 0;
  FieldCondition key_test;
  key_test.field_id = order_field_;
  key_test.kind = FieldCondition::Kind::kIntRange;
  storage::RowBlock block;
  Batch batch;
  std::vector<uint8_t> keep;
  PrefilterScratch scratch;
  CaptureFilterScratch capture_scratch;
  for (size_t blk = 0; blk < reader->num_blocks();) {
    // One row group: its blocks share the statistics and the decoded columns.
    const size_t g = reader->block_row_group(blk);
    size_t end = blk;
    while (end < reader->num_blocks() && reader->block_row_group(end) == g) ++end;
    const storage::RowGroupMeta& rg = footer.row_groups[g];
    const storage::ColumnStats* ts =
        ts_col >= 0 ? &rg.chunks[static_cast<size_t>(ts_col)].stats : nullptr;
    if (counters->stop) break;
    // Outside the query's time range, or no row can make the answer by the
    // order key's statistics.
    if (CanSkip(footer, static_cast<int>(g)) ||
        (ts && ts->has_range && (ts->max < start_ms || ts->min > end_ms)) ||
        NotNeeded(footer, static_cast<int>(g), *counters)) {
      if (stats_) ++stats_->row_groups_skipped;
      blk = end;
      continue;
    }
    // Rows outside the time range are tested for only where the row group has some.
    const bool check_time = !ts || !ts->has_range || ts->min < start_ms || ts->max > end_ms;
    counters->records += rg.rows;
    counters->bytes +=
        footer.has_message_bytes
            ? rg.message_bytes + rg.rows
            : static_cast<uint64_t>(std::llround(m.bytes_per_row * rg.rows)) + rg.rows;
    stages[0].req.timestamp = check_time;
    req.timestamp = wants_timestamp;
    for (; blk < end; ++blk) {
      const size_t n = reader->block_rows(blk);
      keep.assign(n, 1);
      if (Status s = FilterInPlace(stages, reader, blk, slot_count, state ? &*state : nullptr,
                                   &scratch, &keep);
          !s.ok()) {
        return skipped_rest(s);
      }
      if (key_in_segment) {
        // Rows whose order key cannot beat the worst row the query keeps
        // (RowCollector::KeyThreshold) go before any other column is read:
        // for `sort bytes desc | limit N`, most rows once the first are in.
        key_test.lo = counters->needed_key_from.load(std::memory_order_relaxed);
        key_test.hi = counters->needed_key_to.load(std::memory_order_relaxed);
        if (key_test.lo != std::numeric_limits<int64_t>::min() ||
            key_test.hi != std::numeric_limits<int64_t>::max()) {
          storage::SegmentReader::ColumnView view;
          if (Status s = reader->View(blk, static_cast<uint16_t>(order_field_), &view); !s.ok()) {
            return skipped_rest(s);
          }
          TestOnView(key_test, view, keep.data());
        }
      }
      size_t kept = static_cast<size_t>(std::count(keep.begin(), keep.end(), 1));
      for (FilterStage& st : stages) {
        if (kept == 0) break;
        if ((st.req.fields.empty() || st.Settled()) && !st.req.timestamp) continue;
        const uint8_t* stage_sel = kept < n ? keep.data() : nullptr;
        if (Status s = reader->ReadBlock(st.req, blk, &block, stage_sel); !s.ok()) {
          return skipped_rest(s);
        }
        kept = Prefilter(st, block, slot_count, state ? &*state : nullptr, start_ms, end_ms,
                         &scratch, &keep);
      }
      if (kept > 0 && message_terms) {
        const uint8_t* stage_sel = kept < n ? keep.data() : nullptr;
        if (Status s = reader->ReadBlock(message_filter.request(), blk, &block, stage_sel);
            !s.ok()) {
          return skipped_rest(s);
        }
        kept = message_filter.Apply(block, &keep);
      }
      if (kept > 0 && !push.filters.empty()) {
        const uint8_t* stage_sel = kept < n ? keep.data() : nullptr;
        if (Status s = reader->ReadBlock(push.filter_req, blk, &block, stage_sel); !s.ok()) {
          return skipped_rest(s);
        }
        kept = FilterCaptures(push.filters, block, slot_count, &*state, &capture_scratch, &keep);
      }
      if (kept == 0) continue;
      const uint8_t* sel = kept < n ? keep.data() : nullptr;
      if (Status st = reader->ReadBlock(req, blk, &block, sel); !st.ok()) return skipped_rest(st);
      for (uint64_t& row : block.row_ids) row |= segment_bits;
      ToBatch(block, binds, slot_count, log_name, pointer_source, any_json, request.row_ids,
              &batch);
      if (stand_in) {
        batch.columns[static_cast<size_t>(message_slot_)] =
            Column::Constant(Value::String(batch.arena->Store(message_stand_in_)));
      }
      if (push.on) {
        FillCaptures(request.parse_pushdown, plan_->stages[push.stage].glob_literals, block,
                     push.field_of, &batch);
      }
      if (batch.size) sink(batch);
    }
  }
  return Status::Ok();
}

bool StoreSource::CanSkip(const storage::SegmentFooter& f, int row_group) const {
  if (f.format.empty()) return false;  // raw events: fields may come from JSON
  const uint64_t rows = row_group < 0 ? f.rows : f.row_groups[static_cast<size_t>(row_group)].rows;
  for (const Prune& p : prunes_) {
    int c = f.ColumnIndex(static_cast<uint16_t>(p.field_id));
    if (c < 0) continue;
    storage::ColumnStats st =
        row_group < 0
            ? f.Stats(static_cast<uint16_t>(p.field_id))
            : f.row_groups[static_cast<size_t>(row_group)].chunks[static_cast<size_t>(c)].stats;
    if (st.nulls >= rows) return true;  // every value missing: no comparison holds
    if (!st.has_range) continue;
    if (p.address) {
      // Ranges of one family only; mixed families are not compared.
      if (st.min_addr.v6 != p.alo.v6 || st.max_addr.v6 != p.alo.v6) continue;
      if (st.max_addr < p.alo || p.ahi < st.min_addr) return true;
    } else if (st.max < p.lo || st.min > p.hi) {
      return true;
    }
  }
  return false;
}

bool StoreSource::OutsideNeeded(int64_t min, int64_t max, const ScanCounters& counters) {
  return max < counters.needed_key_from.load(std::memory_order_relaxed) ||
         min > counters.needed_key_to.load(std::memory_order_relaxed);
}

bool StoreSource::NotNeeded(const storage::SegmentFooter& f, int row_group,
                            const ScanCounters& counters) const {
  if (order_field_ < 0 && order_field_ != kOrderByTime) return false;
  const uint16_t id = order_field_ == kOrderByTime ? storage::format::kColTimestamp
                                                   : static_cast<uint16_t>(order_field_);
  // Raw events: a field may come from JSON, which has no statistics.
  if (order_field_ != kOrderByTime && f.format.empty()) return false;
  const int c = f.ColumnIndex(id);
  if (c < 0) return false;
  const storage::ColumnStats st =
      row_group < 0 ? f.Stats(id)
                    : f.row_groups[static_cast<size_t>(row_group)].chunks[static_cast<size_t>(c)].stats;
  // Missing values rank last: a chunk with a range is skipped when all its
  // values rank after the worst row kept; ints only (strings have no range).
  return st.has_range && OutsideNeeded(st.min, st.max, counters);
}

std::string MakeStorePointer(uint64_t group_id, uint64_t segment_id, uint64_t row) {
  return MakePointer(static_cast<uint32_t>(group_id), (segment_id << 40) | row);
}

bool ParseStorePointer(std::string_view ptr, uint64_t* group_id, uint64_t* segment_id,
                       uint64_t* row) {
  uint32_t source;
  uint64_t packed;
  if (!ParsePointer(ptr, &source, &packed)) return false;
  *group_id = source;
  *segment_id = packed >> 40;
  *row = packed & ((uint64_t{1} << 40) - 1);
  return true;
}

}  // namespace flowlens::query

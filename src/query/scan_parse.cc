// ScanProjection::ParseChunk: a chunk of flow-log text into column batches
// (the contract is in scan.h).
//
// Lines come from LineSplitter (SIMD; flowlog/line_splitter.h) and simple
// ones go through SplitRecordParser (flowlog/split_record.h), which converts
// only the fields the query reads and leaves anything it cannot vouch for to
// ParseRecord, the general parser. Before that, the conditions the query's
// leading filters put on flow fields (row_conditions.h) are tested on the
// raw tokens of the line: a line that fails one could never pass the filters,
// so it is counted and dropped without being parsed or checked (`filter
// action = "REJECT"` parses only the REJECT lines). Flow rows go into typed
// columns sized for a whole batch and written by index, with missing values
// listed and turned into validity at the end of the batch (most batches have
// a few '-' fields; a validity byte per row cost more than the value).
// A query that reads no flow field, start time, stream or JSON field parses
// no record at all; a parse the analyzer pushed down (plan.h ParsePushdown)
// gets its captures from the splitter (scan_captures.h); line numbers are
// counted only for a query that reads row ids (ScanRequest::row_ids); and
// each batch reuses the column memory of the one before.
// Benchmarks: bench/scan_bench.cc BM_ParseChunk*, BM_ParseGlob.
#include <unordered_map>

#include "flowlog/line_splitter.h"
#include "flowlog/record.h"
#include "flowlog/split_record.h"
#include "query/scan.h"
#include "query/scan_captures.h"

namespace flowlens::query {
namespace {

enum class FieldSource : uint8_t {
  kMessage,
  kTimestamp,
  kIngestion,
  kLogStream,
  kLog,
  kFlow,
  kOther
};

struct Binding {
  int slot;
  FieldSource source;
  int flow_pos = -1;
  ValueKind kind = ValueKind::kString;
  std::string name;
};

// Turns a typed column of `rows` rows into a mixed one.
void ToMixed(Column* c, size_t rows) {
  std::vector<Value> values;
  values.reserve(kBatchSize);
  for (size_t r = 0; r < rows; ++r) values.push_back(c->Get(r));
  Column mixed;
  mixed.kind = ColumnKind::kMixed;
  mixed.values = std::move(values);
  *c = std::move(mixed);
}

ColumnKind KindOf(const Binding& b) {
  switch (b.source) {
    case FieldSource::kMessage:
    case FieldSource::kLogStream:
    case FieldSource::kLog:
      return ColumnKind::kString;
    case FieldSource::kTimestamp:
    case FieldSource::kIngestion:
      return ColumnKind::kTimestamp;
    case FieldSource::kFlow:
      return b.kind == ValueKind::kAddress  ? ColumnKind::kAddress
             : b.kind == ValueKind::kString ? ColumnKind::kString
                                            : ColumnKind::kInt;
    case FieldSource::kOther:
      break;
  }
  return ColumnKind::kNull;
}

// Validity stays empty (all present) until the first missing value.
void PushValid(Column& c, bool ok, size_t rows) {
  if (c.valid.empty()) {
    if (ok) return;
    c.valid.assign(rows, 1);
  }
  c.valid.push_back(ok);
}

// Row `row` of a sized typed column: the value, or a zero and the row listed
// as missing.
template <typename T>
[[gnu::always_inline]] inline void PutValue(T* out, size_t row, bool present, const T& value,
                                            std::vector<uint32_t>* missing) {
  if (present) [[likely]] {
    out[row] = value;
  } else {
    out[row] = T{};
    missing->push_back(static_cast<uint32_t>(row));
  }
}

// Makes `batch` an empty batch of `slots` null columns for the next rows,
// keeping the capacity of the vectors the sink left in it (it may have moved
// them out, or replaced columns): a fresh batch would allocate, and fault in,
// a few hundred kilobytes of column memory per kBatchSize rows again. The
// arena and kept buffers are the previous batch's (the sink may share them),
// so they are replaced, not cleared. `sized[slot]` names the vector the
// scan writes by index in that slot's column (1 ints, 2 addrs, 3 strings):
// it keeps its size, so that sizing it again for a batch does not write
// kBatchSize values that every row then overwrites.
void ResetBatch(Batch* batch, size_t slots, const std::vector<uint8_t>& sized) {
  batch->size = 0;
  batch->columns.resize(slots);
  for (size_t i = 0; i < slots; ++i) {
    Column& c = batch->columns[i];
    c.kind = ColumnKind::kNull;
    c.constant = Value();
    if (sized[i] != 1) c.ints.clear();
    c.doubles.clear();
    if (sized[i] != 3) c.strings.clear();
    if (sized[i] != 2) c.addrs.clear();
    c.values.clear();
    c.valid.clear();
  }
  batch->source_ids.clear();
  batch->row_ids.clear();
  batch->arena = std::make_shared<Arena>();
  batch->keep_alive.clear();
}

// Values in a typed flow-field column (int, address or string).
size_t TypedSize(const Column& c) {
  return c.kind == ColumnKind::kAddress  ? c.addrs.size()
         : c.kind == ColumnKind::kString ? c.strings.size()
                                         : c.ints.size();
}

}  // namespace

ScanProjection::ScanProjection(const ScanRequest& request, size_t slot_count)
    : slot_count_(slot_count), request_(request) {}

void ScanProjection::ParseChunk(const Chunk& chunk, int64_t start_ms, int64_t end_ms,
                                ScanCounters* counters,
                                const std::function<void(Batch&)>& sink) const {
  const Layout& layout = *chunk.layout;
  std::vector<Binding> binds;
  std::unordered_map<std::string_view, size_t> json_fields;  // name -> index in binds
  for (const auto& [name, slot] : request_.input_fields) {
    Binding b{slot, FieldSource::kOther, -1, ValueKind::kString, name};
    if (name == "@message")
      b.source = FieldSource::kMessage;
    else if (name == "@timestamp")
      b.source = FieldSource::kTimestamp;
    else if (name == "@ingestionTime")
      b.source = FieldSource::kIngestion;
    else if (name == "@logStream")
      b.source = FieldSource::kLogStream;
    else if (name == "@log")
      b.source = FieldSource::kLog;
    else if (const FieldInfo* f = FindFieldByQueryName(name);
             f && layout.Has(static_cast<int>(f->id))) {
      b.source = FieldSource::kFlow;
      b.flow_pos = layout.PositionOf(static_cast<int>(f->id));
      b.kind = f->kind;
    }
    binds.push_back(b);
  }
  // Any field may also come from a JSON line (a flow-field name such as
  // `version` included, for lines that are not flow records).
  for (size_t i = 0; i < binds.size(); ++i) {
    if (binds[i].source == FieldSource::kOther || binds[i].source == FieldSource::kFlow) {
      json_fields.emplace(binds[i].name, i);
    }
  }
  bool any_json_only = false;
  for (const Binding& b : binds) any_json_only |= b.source == FieldSource::kOther;
  // What each binding takes from a row, decided once per chunk (fills[i] is
  // binds[i]'s): the row loop switches on it without looking at the binding.
  enum class Fill : uint8_t {
    kMessage,
    kTimestamp,
    kIngestion,
    kLog,
    kLogStream,
    kInt,
    kAddr,
    kStr,
    kNone
  };
  struct FlowFill {
    Fill fill;
    int slot;
    int pos;
  };
  std::vector<FlowFill> fills;
  for (const Binding& b : binds) {
    Fill f = Fill::kNone;
    switch (b.source) {
      case FieldSource::kMessage:
        f = Fill::kMessage;
        break;
      case FieldSource::kTimestamp:
        f = Fill::kTimestamp;
        break;
      case FieldSource::kIngestion:
        f = Fill::kIngestion;
        break;
      case FieldSource::kLog:
        f = Fill::kLog;
        break;
      case FieldSource::kLogStream:
        f = Fill::kLogStream;
        break;
      case FieldSource::kFlow:
        f = b.kind == ValueKind::kAddress  ? Fill::kAddr
            : b.kind == ValueKind::kString ? Fill::kStr
                                           : Fill::kInt;
        break;
      case FieldSource::kOther:
        break;
    }
    fills.push_back({f, b.slot, b.flow_pos});
  }
  const int start_pos = layout.PositionOf(fields::kStart);
  const int iface_pos = layout.PositionOf(fields::kInterfaceId);
  // The parse pushdown (scan_captures.h): the scan fills the parse outputs
  // and leaves @message, which nothing else reads, unfilled.
  const ParsePushdown& pd = request_.parse_pushdown;
  std::optional<ScanCaptures> captures;
  if (pd.stage >= 0) {
    captures.emplace(pd);
    for (FlowFill& f : fills) {
      if (f.fill == Fill::kMessage && f.slot == pd.message_slot) f.fill = Fill::kNone;
    }
  }
  // Whether a line must be parsed as a record at all: only when the query
  // reads a flow field, the start time (@timestamp), the interface id
  // (@logStream) or JSON fields (found only on lines that are not records).
  // Otherwise every line is just an event and the parse is skipped.
  bool need_record = start_pos >= 0 || !json_fields.empty();
  for (const FlowFill& f : fills) {
    need_record |= f.fill == Fill::kInt || f.fill == Fill::kAddr || f.fill == Fill::kStr ||
                   (f.fill == Fill::kLogStream && iface_pos >= 0);
  }

  // Projection: the fast parser stores only what the bindings read.
  std::vector<bool> keep(layout.size(), false);
  for (const Binding& b : binds) {
    if (b.source == FieldSource::kFlow) keep[static_cast<size_t>(b.flow_pos)] = true;
    if (b.source == FieldSource::kLogStream && iface_pos >= 0) {
      keep[static_cast<size_t>(iface_pos)] = true;
    }
  }
  if (start_pos >= 0) keep[static_cast<size_t>(start_pos)] = true;
  const SplitRecordParser fast(layout, keep);
  // Row conditions on fields of this layout, by position.
  struct TokenCheck {
    uint32_t pos;
    const FieldCondition* condition;
  };
  std::vector<TokenCheck> checks;
  for (const FieldCondition& c : request_.row_conditions) {
    int pos = layout.PositionOf(c.field_id);
    if (pos >= 0) checks.push_back({static_cast<uint32_t>(pos), &c});
  }

  // Line numbers only when something reads them (most stats queries do not).
  const bool row_ids = request_.row_ids;
  FlowRecord rec(layout);
  RecordError err;
  Batch batch;
  std::vector<ColumnBuilder> json_builders(binds.size());
  std::vector<Value> json_values(binds.size());
  bool json_values_set = false;
  uint64_t records = 0;

  bool batch_mixed = false;  // a column of this batch went mixed (JSON lines)
  // Rows with no value, per flow fill, until the batch is flushed or goes
  // mixed: most batches have a few ('-' fields of NODATA records), and
  // listing them beats pushing a validity byte for every row.
  std::vector<std::vector<uint32_t>> missing(fills.size());
  auto settle_valid = [&]() {
    for (size_t i = 0; i < fills.size(); ++i) {
      if (missing[i].empty()) continue;
      Column& c = batch.columns[fills[i].slot];
      c.valid.assign(TypedSize(c), 1);
      for (uint32_t r : missing[i]) c.valid[r] = 0;
      missing[i].clear();
    }
  };
  // While `sized`, the typed flow-field columns hold kBatchSize slots and
  // plain rows are written by index through `outs` (no capacity check per
  // value); the first row that is not plain sizes them down to the rows so
  // far (`unsize`) and the batch goes on with push_back.
  struct Out {
    int64_t* ints = nullptr;
    IpAddress* addrs = nullptr;
    std::string_view* strs = nullptr;
  };
  std::vector<Out> outs(fills.size());
  bool sized = false;
  std::vector<uint8_t> sized_vector(slot_count_, 0);  // for ResetBatch
  for (const FlowFill& f : fills) {
    sized_vector[static_cast<size_t>(f.slot)] = f.fill == Fill::kInt || f.fill == Fill::kTimestamp
                                                    ? 1
                                                : f.fill == Fill::kAddr ? 2
                                                : f.fill == Fill::kStr  ? 3
                                                                        : 0;
  }
  auto size_columns = [&]() {
    for (size_t i = 0; i < fills.size(); ++i) {
      Column& c = batch.columns[fills[i].slot];
      switch (fills[i].fill) {
        case Fill::kInt:
        case Fill::kTimestamp:
          c.ints.resize(kBatchSize);
          outs[i].ints = c.ints.data();
          break;
        case Fill::kAddr:
          c.addrs.resize(kBatchSize);
          outs[i].addrs = c.addrs.data();
          break;
        case Fill::kStr:
          c.strings.resize(kBatchSize);
          outs[i].strs = c.strings.data();
          break;
        default:
          break;
      }
    }
    sized = true;
  };
  auto unsize = [&]() {
    if (!sized) return;
    for (size_t i = 0; i < fills.size(); ++i) {
      Column& c = batch.columns[fills[i].slot];
      if (fills[i].fill == Fill::kInt || fills[i].fill == Fill::kTimestamp) {
        c.ints.resize(batch.size);
      }
      if (fills[i].fill == Fill::kAddr) c.addrs.resize(batch.size);
      if (fills[i].fill == Fill::kStr) c.strings.resize(batch.size);
    }
    sized = false;
  };
  // Once the batch is mixed, validity is pushed row by row.
  auto mark_valid = [&](size_t i, Column& c, bool ok) {
    if (batch_mixed) [[unlikely]] {
      PushValid(c, ok, batch.size);
    } else if (!ok) [[unlikely]] {
      missing[i].push_back(static_cast<uint32_t>(batch.size));
    }
  };
  auto start_batch = [&]() {
    batch_mixed = false;
    ResetBatch(&batch, slot_count_, sized_vector);
    batch.keep_alive.push_back(chunk.owner);
    if (row_ids) {
      batch.source_ids.reserve(kBatchSize);
      batch.row_ids.reserve(kBatchSize);
    }
    for (const Binding& b : binds) {
      Column& c = batch.columns[b.slot];
      c.valid.clear();
      c.kind = KindOf(b);
      switch (c.kind) {
        case ColumnKind::kString:
          c.strings.reserve(kBatchSize);
          break;
        case ColumnKind::kInt:
        case ColumnKind::kTimestamp:
          c.ints.reserve(kBatchSize);
          break;
        case ColumnKind::kAddress:
          c.addrs.reserve(kBatchSize);
          break;
        default:
          break;
      }
    }
    for (auto& jb : json_builders) jb = ColumnBuilder(kBatchSize);
    if (captures) captures->StartBatch(&batch);
    size_columns();
  };
  auto flush = [&]() {
    if (batch.size == 0) return;
    unsize();
    settle_valid();
    for (size_t i = 0; i < binds.size(); ++i) {
      if (binds[i].source == FieldSource::kOther) {
        batch.columns[binds[i].slot] = json_builders[i].Finish();
      }
    }
    if (captures) captures->Finish(&batch, batch.size);
    sink(batch);
    start_batch();
  };

  start_batch();
  const std::string_view data = chunk.text;
  const char* const base = data.data();
  const char* const end = base + data.size();
  LineSplitter split(data);
  SplitLine sl;
  uint64_t line_no = row_ids ? ChunkFirstLine(chunk) - 1 : 0;
  std::string stream_name;
  while (split.Next(&sl)) {
    ++line_no;
    // A reference, not a copy: a 16-byte copy of what the splitter just
    // stored as two 8-byte halves would stall on store forwarding, per line.
    // (A non-simple line's '\r' is cut from sl.text itself.)
    std::string_view& line = sl.text;
    bool flow;
    if (sl.simple) {
      if (line.empty()) continue;
      // A line of the layout's field count that is not JSON: its flow fields
      // are its tokens or missing, so a failed condition rules it out.
      if (!checks.empty() && sl.space_count + 1 == layout.size() && line[0] != '{') {
        bool pass = true;
        for (const TokenCheck& t : checks) {
          if (!t.condition->MatchesToken(sl.field(base, t.pos))) {
            pass = false;
            break;
          }
        }
        if (!pass) {
          ++records;
          continue;
        }
      }
      flow =
          need_record && (fast.Parse(sl, base, end, &rec) || ParseRecord(line, layout, &rec, &err));
    } else {
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (line.empty()) continue;
      flow = need_record && ParseRecord(line, layout, &rec, &err);
    }
    ++records;
    int64_t ts = chunk.input->mtime_ms;
    if (flow && start_pos >= 0 && rec.present(start_pos)) ts = rec.int_at(start_pos) * 1000;
    if (ts < start_ms || ts > end_ms) continue;

    if (flow || json_fields.empty()) {
      if (json_values_set) std::fill(json_values.begin(), json_values.end(), Value::Null());
      json_values_set = false;
    } else {
      DiscoverJsonFields(line, json_fields, &json_values, batch.arena.get());
      json_values_set = true;
    }
    if (any_json_only) {
      for (size_t i = 0; i < binds.size(); ++i) {
        if (binds[i].source == FieldSource::kOther) json_builders[i].Append(json_values[i]);
      }
    }
    // The fields that do not come from the record (the same for every row).
    auto fill_other = [&](const FlowFill& f, Column& c) {
      switch (f.fill) {
        case Fill::kMessage:
          c.strings.push_back(line);
          break;
        case Fill::kTimestamp:
          c.ints.push_back(ts);
          break;
        case Fill::kIngestion:
          c.ints.push_back(chunk.input->mtime_ms);
          break;
        case Fill::kLog:
          c.strings.push_back(chunk.input->display_name);
          break;
        case Fill::kLogStream:
          if (flow && iface_pos >= 0 && rec.present(iface_pos)) {
            stream_name.assign(rec.str_at(iface_pos));
            stream_name += "-all";
            c.strings.push_back(batch.arena->Store(stream_name));
          } else {
            c.strings.push_back(chunk.input->display_name);
          }
          break;
        default:
          break;
      }
    };
    // A flow row of a batch with no mixed column (nearly every row) goes
    // straight to the typed columns, by index while they are sized; a JSON
    // line's value, or a column already mixed, takes the mixed path.
    // (Without need_record every line is plain: no fill reads the record.)
    const bool plain = (flow || !need_record) && !batch_mixed;
    if (plain && sized) [[likely]] {
      const size_t row = batch.size;
      for (size_t i = 0; i < fills.size(); ++i) {
        const FlowFill& f = fills[i];
        const size_t pos = static_cast<size_t>(f.pos);
        switch (f.fill) {
          case Fill::kInt:
            PutValue(outs[i].ints, row, rec.present(pos), rec.int_at(pos), &missing[i]);
            break;
          case Fill::kAddr:
            PutValue(outs[i].addrs, row, rec.present(pos), rec.addr_at(pos), &missing[i]);
            break;
          case Fill::kStr:
            PutValue(outs[i].strs, row, rec.present(pos), rec.str_at(pos), &missing[i]);
            break;
          case Fill::kTimestamp:
            outs[i].ints[row] = ts;
            break;
          default:
            fill_other(f, batch.columns[f.slot]);
            break;
        }
      }
    } else {
      unsize();
      for (size_t i = 0; i < fills.size(); ++i) {
        const FlowFill& f = fills[i];
        Column& c = batch.columns[f.slot];
        const bool ok = flow && f.pos >= 0 && rec.present(f.pos);
        if (!plain && f.fill >= Fill::kInt && f.fill <= Fill::kStr) {
          const Value& jv = json_values[i];
          if (!jv.is_null() || c.kind == ColumnKind::kMixed) {
            // A JSON line gives this field another type: the column goes mixed.
            if (c.kind != ColumnKind::kMixed) {
              if (!batch_mixed) settle_valid();
              ToMixed(&c, batch.size);
            }
            batch_mixed = true;
            if (!jv.is_null()) {
              c.values.push_back(jv);
            } else if (!ok) {
              c.values.push_back(Value::Null());
            } else if (f.fill == Fill::kAddr) {
              c.values.push_back(Value::Address(rec.addr_at(f.pos)));
            } else if (f.fill == Fill::kStr) {
              c.values.push_back(Value::String(rec.str_at(f.pos)));
            } else {
              c.values.push_back(Value::Int(rec.int_at(f.pos)));
            }
            continue;
          }
        }
        switch (f.fill) {
          case Fill::kInt:
            c.ints.push_back(ok ? rec.int_at(f.pos) : 0);
            mark_valid(i, c, ok);
            break;
          case Fill::kAddr:
            c.addrs.push_back(ok ? rec.addr_at(f.pos) : IpAddress{});
            mark_valid(i, c, ok);
            break;
          case Fill::kStr:
            c.strings.push_back(ok ? rec.str_at(f.pos) : std::string_view());
            mark_valid(i, c, ok);
            break;
          default:
            fill_other(f, c);
            break;
        }
      }
    }
    if (captures) captures->Add(sl, base, line, &batch, batch.size);
    if (row_ids) {
      batch.source_ids.push_back(chunk.source_id);
      batch.row_ids.push_back(line_no);
    }
    ++batch.size;
    if (batch.size == kBatchSize) flush();
  }
  flush();
  counters->records += records;
  counters->bytes += data.size();
}

}  // namespace flowlens::query

#include "query/store_scan.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <unordered_map>

#include "flowlog/field_catalog.h"
#include "query/evaluator.h"
#include "query/json.h"
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

// Turns one row block into a batch of the query's slots.
void ToBatch(storage::RowBlock& block, const std::vector<Binding>& binds, size_t slot_count,
             const std::string& log_name, uint32_t source_id, bool any_json, Batch* out) {
  Batch& b = *out;
  b = Batch();
  b.size = block.size;
  b.columns.resize(slot_count);
  b.arena = block.arena;
  b.keep_alive = block.keep_alive;
  b.source_ids.assign(block.size, source_id);
  b.row_ids = block.row_ids;
  std::unordered_map<std::string_view, size_t> json_slots;
  std::vector<ColumnBuilder> json_builders;
  for (const Binding& bd : binds) {
    Column& c = b.columns[bd.slot];
    switch (bd.src) {
      case Src::kMessage:
        c.kind = ColumnKind::kString;
        c.strings = block.messages;
        break;
      case Src::kTimestamp:
        c.kind = ColumnKind::kTimestamp;
        c.ints = block.timestamps;
        break;
      case Src::kIngestion:
        c.kind = ColumnKind::kTimestamp;
        c.ints = block.ingestion_times;
        break;
      case Src::kLogStream:
        c.kind = ColumnKind::kString;
        c.strings = block.streams;
        break;
      case Src::kLog:
        c = Column::Constant(Value::String(b.arena->Store(log_name)));
        break;
      case Src::kFlow: {
        storage::FieldColumn& f = block.fields[static_cast<size_t>(bd.field_index)];
        if (f.kind == ValueKind::kAddress) {
          c.kind = ColumnKind::kAddress;
          c.addrs = std::move(f.addrs);
        } else if (f.kind == ValueKind::kString) {
          c.kind = ColumnKind::kString;
          c.strings = std::move(f.strings);
        } else {
          c.kind = ColumnKind::kInt;
          c.ints = std::move(f.ints);
        }
        c.valid = std::move(f.valid);
        break;
      }
      case Src::kJson:
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
    std::vector<const BoundExpr*> todo;
    for (const Stage& st : plan->stages) {
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
      int slot = -1;
      if (ReadsOneSlot(*e, &slot) && slot >= 0 && ScanFieldOf(*plan, slot) >= 0) {
        prefilters_.push_back(e);
      }
      if (e->kind == BoundKind::kBinary &&
          (e->op == Op::kEq || e->op == Op::kLt || e->op == Op::kLe || e->op == Op::kGt ||
           e->op == Op::kGe) &&
          e->children[0]->kind == BoundKind::kSlot &&
          e->children[1]->kind == BoundKind::kConstant) {
        int field = ScanFieldOf(*plan, e->children[0]->slot);
        if (field < 0) continue;
        const FieldInfo& info = Catalog()[static_cast<size_t>(field)];
        const Value& k = e->children[1]->constant;
        if (info.kind == ValueKind::kAddress) {
          if (e->op != Op::kEq || k.type != ValueType::kString) continue;
          auto a = IpAddress::Parse(k.s);
          if (a) prunes_.push_back({field, true, 0, 0, *a, *a});
          continue;
        }
        if (k.type != ValueType::kInt) continue;
        int64_t lo = INT64_MIN, hi = INT64_MAX, c = k.i;
        switch (e->op) {
          case Op::kEq:
            lo = hi = c;
            break;
          case Op::kLt:
            hi = c == INT64_MIN ? c : c - 1;
            break;
          case Op::kLe:
            hi = c;
            break;
          case Op::kGt:
            lo = c == INT64_MAX ? c : c + 1;
            break;
          case Op::kGe:
            lo = c;
            break;
          default:
            break;
        }
        prunes_.push_back({field, false, lo, hi, {}, {}});
        continue;
      }
      if (e->kind == BoundKind::kCall && e->children.size() == 2 &&
          (e->function->name == "isipv4insubnet" || e->function->name == "isipinsubnet") &&
          e->children[0]->kind == BoundKind::kSlot &&
          e->children[1]->kind == BoundKind::kConstant &&
          e->children[1]->constant.type == ValueType::kString) {
        int field = ScanFieldOf(*plan, e->children[0]->slot);
        auto net = IpSubnet::Parse(e->children[1]->constant.s);
        if (field < 0 || !net ||
            Catalog()[static_cast<size_t>(field)].kind != ValueKind::kAddress) {
          continue;
        }
        IpAddress hi = net->base;
        int host_bits = (net->base.v6 ? 128 : 32) - net->prefix_length;
        if (!net->base.v6) {
          hi.lo = net->base.lo | (host_bits >= 32 ? 0xffffffffULL : ((1ULL << host_bits) - 1));
        } else {
          if (host_bits >= 64) {
            hi.lo = ~0ULL;
            hi.hi = net->base.hi | (host_bits >= 128 ? ~0ULL : ((1ULL << (host_bits - 64)) - 1));
          } else {
            hi.lo = net->base.lo | (host_bits == 0 ? 0 : ((1ULL << host_bits) - 1));
          }
        }
        prunes_.push_back({field, true, 0, 0, net->base, hi});
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
}

std::vector<std::string> StoreSource::warnings() const {
  std::lock_guard<std::mutex> lock(mu_);
  return warnings_;
}

Result<bool> StoreSource::Next(const ScanRequest& request, size_t slot_count, int64_t start_ms,
                               int64_t end_ms, ScanCounters* counters,
                               const std::function<void(Batch&)>& sink) {
  size_t i = next_++;
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
    ToBatch(block, binds, slot_count, log_name, pointer_source, any_json, &batch);
    // The time range, inclusive, on @timestamp.
    keep.assign(batch.size, 1);
    bool all = true;
    for (size_t r = 0; r < block.size; ++r) {
      int64_t ts = block.timestamps[r];
      if (ts < start_ms || ts > end_ms) keep[r] = 0, all = false;
    }
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
  if (CanSkip(footer, -1)) {
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
  const bool wants_timestamp = req.timestamp;
  const std::string log_name = account_id_ + ":" + m.group->info.name;
  // @ptr must find the event again: source = group id, row = segment id in
  // the top 24 bits above the row's 40.
  const uint32_t pointer_source = static_cast<uint32_t>(m.group->info.id);
  const uint64_t segment_bits = m.segment->entry.id << 40;

  // The single-field conjuncts of the leading filters that this group's rows
  // can be tested on: their slots and what the typed read gives for them.
  std::vector<const BoundExpr*> pre;
  std::vector<size_t> pre_field;  // of each conjunct: its entry in pre_binds
  storage::ColumnRequest pre_req;
  pre_req.codes = true;
  std::vector<Binding> pre_binds;
  for (const BoundExpr* e : prefilters_) {
    int slot = -1;
    ReadsOneSlot(*e, &slot);
    auto b = std::find_if(binds.begin(), binds.end(),
                          [&](const Binding& x) { return x.slot == slot && x.src == Src::kFlow; });
    if (b == binds.end()) continue;
    pre.push_back(e);
    auto have = std::find_if(pre_binds.begin(), pre_binds.end(),
                             [&](const Binding& x) { return x.slot == slot; });
    pre_field.push_back(static_cast<size_t>(have - pre_binds.begin()));
    if (have == pre_binds.end()) {
      Binding pb = *b;
      pb.field_index = static_cast<int>(pre_req.fields.size());
      pre_req.fields.push_back(req.fields[static_cast<size_t>(b->field_index)]);
      pre_binds.push_back(pb);
    }
  }
  std::vector<uint8_t> by_rows(pre.size());
  std::optional<EvalState> state;
  QueryTimes times;
  if (!pre.empty()) state.emplace(*plan_, &times);
  const int ts_col = footer.ColumnIndex(storage::format::kColTimestamp);

  storage::RowBlock block;
  Batch batch;
  std::vector<uint8_t> keep, part;
  for (size_t blk = 0; blk < reader->num_blocks();) {
    // One row group: its blocks share the statistics and the decoded columns.
    const size_t g = reader->block_row_group(blk);
    size_t end = blk;
    while (end < reader->num_blocks() && reader->block_row_group(end) == g) ++end;
    const storage::RowGroupMeta& rg = footer.row_groups[g];
    const storage::ColumnStats* ts =
        ts_col >= 0 ? &rg.chunks[static_cast<size_t>(ts_col)].stats : nullptr;
    if (CanSkip(footer, static_cast<int>(g)) ||
        (ts && ts->has_range && (ts->max < start_ms || ts->min > end_ms))) {
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
    pre_req.timestamp = check_time;
    req.timestamp = wants_timestamp;
    for (; blk < end; ++blk) {
      const uint8_t* sel = nullptr;
      if (check_time || !pre.empty()) {
        if (Status st = reader->ReadBlock(pre_req, blk, &block); !st.ok()) return skipped_rest(st);
        const size_t n = block.size;
        keep.assign(n, 1);
        if (check_time) {
          for (size_t r = 0; r < n; ++r) {
            int64_t t = block.timestamps[r];
            keep[r] = t >= start_ms && t <= end_ms;
          }
        }
        // A conjunct on a dictionary-coded string is evaluated once per
        // distinct value (and once for a missing one), then looked up by code.
        bool rows_needed = false;
        for (size_t k = 0; k < pre.size(); ++k) {
          const storage::FieldColumn& f =
              block.fields[static_cast<size_t>(pre_binds[pre_field[k]].field_index)];
          by_rows[k] = f.kind != ValueKind::kString || f.dict.empty() || f.codes.size() != n;
          if (by_rows[k]) {
            rows_needed = true;
            continue;
          }
          Batch db;
          db.size = f.dict.size() + 1;
          db.columns.resize(slot_count);
          Column& c = db.columns[static_cast<size_t>(pre_binds[pre_field[k]].slot)];
          c.kind = ColumnKind::kString;
          c.strings = f.dict;
          c.strings.emplace_back();
          c.valid.assign(db.size, 1);
          c.valid.back() = 0;
          EvaluatePredicate(*pre[k], db, *state, &part);
          const uint8_t missing = part.back();
          for (size_t r = 0; r < n; ++r) keep[r] &= f.IsValid(r) ? part[f.codes[r]] : missing;
        }
        if (rows_needed) {
          ToBatch(block, pre_binds, slot_count, log_name, pointer_source, false, &batch);
          for (size_t k = 0; k < pre.size(); ++k) {
            if (!by_rows[k]) continue;
            EvaluatePredicate(*pre[k], batch, *state, &part);
            for (size_t r = 0; r < n; ++r) keep[r] &= part[r];
          }
        }
        size_t kept = static_cast<size_t>(std::count(keep.begin(), keep.end(), 1));
        if (kept == 0) continue;
        if (kept < n) sel = keep.data();
      }
      if (Status st = reader->ReadBlock(req, blk, &block, sel); !st.ok()) return skipped_rest(st);
      for (uint64_t& row : block.row_ids) row |= segment_bits;
      ToBatch(block, binds, slot_count, log_name, pointer_source, any_json, &batch);
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

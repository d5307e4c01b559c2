#include "query/store_scan.h"

#include <unordered_map>

#include "flowlog/field_catalog.h"
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

}  // namespace

StoreSource::StoreSource(std::shared_ptr<const storage::StoreSnapshot> snapshot,
                         std::vector<const storage::GroupSnapshot*> groups, int64_t start_ms,
                         int64_t end_ms, std::string account_id, StoreScanStats* stats,
                         const Plan* plan)
    : snapshot_(std::move(snapshot)), account_id_(std::move(account_id)), stats_(stats) {
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
    for (const auto& seg : g->segments) {
      if (seg->entry.max_timestamp_ms < start_ms || seg->entry.min_timestamp_ms > end_ms) {
        if (stats_) ++stats_->segments_skipped;
        continue;
      }
      morsels_.push_back({g, seg.get()});
    }
    if (g->unflushed_events > 0) morsels_.push_back({g, nullptr});
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
  const Layout& layout = m.group->layout();
  storage::ColumnRequest req;
  std::vector<Binding> binds;
  bool any_json = false;
  for (const auto& [name, slot] : request.input_fields) {
    Binding b{slot, Src::kJson, -1, name};
    if (name == "@message")
      b.src = Src::kMessage, req.message = true;
    else if (name == "@timestamp")
      b.src = Src::kTimestamp, req.timestamp = true;
    else if (name == "@ingestionTime")
      b.src = Src::kIngestion, req.ingestion_time = true;
    else if (name == "@logStream")
      b.src = Src::kLogStream, req.log_stream = true;
    else if (name == "@log")
      b.src = Src::kLog;
    else if (const FieldInfo* f = FindFieldByQueryName(name);
             f && layout.Has(static_cast<int>(f->id))) {
      b.src = Src::kFlow;
      b.field_index = static_cast<int>(req.fields.size());
      req.fields.push_back(static_cast<int>(f->id));
    }
    if (b.src == Src::kJson) {
      any_json = true;
      req.message = true;
    }
    binds.push_back(b);
  }
  req.timestamp = true;  // for the time range
  const std::string log_name = account_id_ + ":" + m.group->info.name;
  // @ptr must find the event again: it carries group and segment ids.
  // @ptr must find the event again: source = group id, row = segment id in
  // the top 24 bits above the row's 40.
  const uint32_t pointer_source = static_cast<uint32_t>(m.group->info.id);
  const uint64_t segment_bits = (m.segment ? m.segment->entry.id : 0) << 40;

  storage::RowBlock block;
  Batch batch;
  auto emit = [&]() -> void {
    counters->records += block.size;
    for (const std::string_view s : block.messages) counters->bytes += s.size() + 1;
    for (uint64_t& row : block.row_ids) row |= segment_bits;
    ToBatch(block, binds, slot_count, log_name, pointer_source, any_json, &batch);
    // The time range, inclusive, on @timestamp.
    std::vector<uint8_t> keep(batch.size, 1);
    bool all = true;
    for (size_t r = 0; r < block.size; ++r) {
      int64_t ts = block.timestamps[r];
      if (ts < start_ms || ts > end_ms) {
        keep[r] = 0;
        all = false;
      }
    }
    if (!all) batch.Compact(keep);
    if (batch.size) sink(batch);
  };
  if (m.segment) {
    auto reader = snapshot_->OpenSegment(*m.segment);
    if (!reader.ok()) {
      std::lock_guard<std::mutex> lock(mu_);
      warnings_.push_back("skipped " + m.segment->path + ": " + reader.status().message());
      return true;
    }
    if (CanSkip(**reader)) {
      if (stats_) ++stats_->segments_skipped;
      return true;
    }
    if (stats_) ++stats_->segments_read;
    for (size_t blk = 0; blk < (*reader)->num_blocks(); ++blk) {
      Status st = (*reader)->ReadBlock(req, blk, &block);
      if (!st.ok()) {
        std::lock_guard<std::mutex> lock(mu_);
        warnings_.push_back("skipped the rest of " + m.segment->path + ": " + st.message());
        return true;
      }
      emit();
    }
    return true;
  }
  storage::UnflushedReader wal(*m.group);
  for (size_t blk = 0; blk < wal.num_blocks(); ++blk) {
    RETURN_IF_ERROR(wal.ReadBlock(req, blk, &block));
    emit();
  }
  return true;
}

bool StoreSource::CanSkip(const storage::SegmentReader& reader) const {
  const storage::SegmentFooter& f = reader.footer();
  if (f.format.empty()) return false;  // raw events: fields may come from JSON
  for (const Prune& p : prunes_) {
    if (f.ColumnIndex(static_cast<uint16_t>(p.field_id)) < 0) continue;
    storage::ColumnStats st = f.Stats(static_cast<uint16_t>(p.field_id));
    if (st.nulls >= f.rows) return true;  // every value missing: no comparison holds
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

#include "query/scan.h"

#include <zlib.h>

#include <cstring>
#include <unordered_map>

#include "flowlog/record.h"
#include "query/json.h"

namespace flowlens::query {

ChunkReader::ChunkReader(std::vector<ScanInput>* inputs, std::optional<Layout> forced_layout,
                         size_t chunk_bytes)
    : inputs_(inputs), forced_layout_(std::move(forced_layout)), chunk_bytes_(chunk_bytes) {}

ChunkReader::~ChunkReader() {
  if (gz_) gzclose(static_cast<gzFile>(gz_));
}

Status ChunkReader::OpenNext() {
  if (gz_) {
    gzclose(static_cast<gzFile>(gz_));
    gz_ = nullptr;
  }
  current_ = static_cast<int>(next_input_++);
  ScanInput& in = (*inputs_)[static_cast<size_t>(current_)];
  gzFile f = in.path == "-" ? gzdopen(dup(0), "rb") : gzopen(in.path.c_str(), "rb");
  if (!f) {
    return Status::IoError(in.display_name + ": cannot open: " + std::strerror(errno));
  }
  gzbuffer(f, 1 << 20);
  gz_ = f;
  line_ = 1;
  carry_.clear();
  first_chunk_ = true;
  layout_ = forced_layout_ ? &*forced_layout_ : &Layout::Default();
  return Status::Ok();
}

Result<std::optional<Chunk>> ChunkReader::Next() {
  while (true) {
    if (!gz_) {
      if (next_input_ >= inputs_->size()) return std::optional<Chunk>();
      RETURN_IF_ERROR(OpenNext());
    }
    ScanInput& in = (*inputs_)[static_cast<size_t>(current_)];
    auto data = std::make_shared<std::string>();
    data->reserve(chunk_bytes_ + carry_.size() + 1);
    data->swap(carry_);
    size_t old = data->size();
    data->resize(old + chunk_bytes_);
    int n =
        gzread(static_cast<gzFile>(gz_), data->data() + old, static_cast<unsigned>(chunk_bytes_));
    if (n < 0) {
      int errnum = 0;
      const char* msg = gzerror(static_cast<gzFile>(gz_), &errnum);
      return Status::InvalidArgument(
          in.display_name + ": cannot read: " + (errnum == Z_ERRNO ? std::strerror(errno) : msg) +
          " (a broken or truncated gzip file?)");
    }
    data->resize(old + static_cast<size_t>(n));
    bool eof = n == 0 || gzeof(static_cast<gzFile>(gz_));
    if (eof) {
      // A gzip stream cut short reads as a normal end; zlib says so afterwards.
      int errnum = 0;
      const char* msg = gzerror(static_cast<gzFile>(gz_), &errnum);
      if (errnum != Z_OK && errnum != Z_STREAM_END) {
        return Status::InvalidArgument(in.display_name + ": cannot read: " + msg +
                                       " (a broken or truncated gzip file?)");
      }
    }
    if (!eof) {
      size_t cut = data->rfind('\n');
      if (cut == std::string::npos) {
        carry_.swap(*data);  // a very long line: keep reading
        continue;
      }
      carry_.assign(*data, cut + 1, std::string::npos);
      data->resize(cut + 1);
    } else {
      gzclose(static_cast<gzFile>(gz_));
      gz_ = nullptr;
    }
    if (data->empty()) continue;
    Chunk c;
    c.source_id = static_cast<uint32_t>(current_);
    c.input = &in;
    c.first_line = line_;
    if (first_chunk_) {
      first_chunk_ = false;
      size_t end = data->find('\n');
      std::string_view first(data->data(), end == std::string::npos ? data->size() : end);
      if (Layout::IsHeaderLine(first)) {
        Result<Layout> l = Layout::FromHeader(first);
        if (l.ok()) {
          layouts_.push_back(std::make_unique<Layout>(std::move(*l)));
          layout_ = layouts_.back().get();
          in.layout = *layout_;
          data->erase(0, end == std::string::npos ? data->size() : end + 1);
          ++line_;
          c.first_line = line_;
        }
      }
    }
    c.layout = layout_;
    for (char ch : *data) line_ += ch == '\n';
    c.data = std::move(data);
    return std::optional<Chunk>(std::move(c));
  }
}

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
  const int start_pos = layout.PositionOf(fields::kStart);
  const int iface_pos = layout.PositionOf(fields::kInterfaceId);

  FlowRecord rec(layout);
  RecordError err;
  Batch batch;
  std::vector<ColumnBuilder> json_builders(binds.size());
  std::vector<Value> json_values(binds.size());
  uint64_t records = 0;
  uint64_t non_flow = 0;

  auto start_batch = [&]() {
    batch = Batch();
    batch.columns.resize(slot_count_);
    batch.keep_alive.push_back(chunk.data);
    for (const Binding& b : binds) {
      Column& c = batch.columns[b.slot];
      c.valid.clear();
      switch (b.source) {
        case FieldSource::kMessage:
        case FieldSource::kLogStream:
        case FieldSource::kLog:
          c.kind = ColumnKind::kString;
          break;
        case FieldSource::kTimestamp:
        case FieldSource::kIngestion:
          c.kind = ColumnKind::kTimestamp;
          break;
        case FieldSource::kFlow:
          c.kind = b.kind == ValueKind::kAddress  ? ColumnKind::kAddress
                   : b.kind == ValueKind::kString ? ColumnKind::kString
                                                  : ColumnKind::kInt;
          break;
        case FieldSource::kOther:
          c.kind = ColumnKind::kNull;
          break;
      }
    }
    for (auto& jb : json_builders) jb = ColumnBuilder(kBatchSize);
  };
  auto flush = [&]() {
    if (batch.size == 0) return;
    for (size_t i = 0; i < binds.size(); ++i) {
      if (binds[i].source == FieldSource::kOther) {
        batch.columns[binds[i].slot] = json_builders[i].Finish();
      }
    }
    sink(batch);
    start_batch();
  };
  // Validity stays empty (all present) until the first missing value.
  auto push_valid = [&](Column& c, bool ok) {
    if (c.valid.empty()) {
      if (ok) return;
      c.valid.assign(batch.size, 1);
    }
    c.valid.push_back(ok);
  };

  start_batch();
  const std::string& data = *chunk.data;
  size_t pos = 0;
  uint64_t line_no = chunk.first_line;
  std::string stream_name;
  for (; pos < data.size(); ++line_no) {
    size_t nl = data.find('\n', pos);
    if (nl == std::string::npos) nl = data.size();
    std::string_view line(data.data() + pos, nl - pos);
    pos = nl + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;
    ++records;
    bool flow = ParseRecord(line, layout, &rec, &err);
    if (!flow) ++non_flow;
    int64_t ts = chunk.input->mtime_ms;
    if (flow && start_pos >= 0 && rec.present(start_pos)) ts = rec.int_at(start_pos) * 1000;
    if (ts < start_ms || ts > end_ms) continue;

    if (flow || json_fields.empty()) {
      std::fill(json_values.begin(), json_values.end(), Value::Null());
    } else {
      DiscoverJsonFields(line, json_fields, &json_values, batch.arena.get());
    }
    if (any_json_only) {
      for (size_t i = 0; i < binds.size(); ++i) {
        if (binds[i].source == FieldSource::kOther) json_builders[i].Append(json_values[i]);
      }
    }
    for (const Binding& b : binds) {
      Column& c = batch.columns[b.slot];
      switch (b.source) {
        case FieldSource::kMessage:
          c.strings.push_back(line);
          break;
        case FieldSource::kTimestamp:
          c.ints.push_back(ts);
          break;
        case FieldSource::kIngestion:
          c.ints.push_back(chunk.input->mtime_ms);
          break;
        case FieldSource::kLog:
          c.strings.push_back(chunk.input->display_name);
          break;
        case FieldSource::kLogStream:
          if (flow && iface_pos >= 0 && rec.present(iface_pos)) {
            stream_name.assign(rec.str_at(iface_pos));
            stream_name += "-all";
            c.strings.push_back(batch.arena->Store(stream_name));
          } else {
            c.strings.push_back(chunk.input->display_name);
          }
          break;
        case FieldSource::kFlow: {
          bool ok = flow && rec.present(b.flow_pos);
          const Value& jv = json_values[static_cast<size_t>(&b - binds.data())];
          if (!jv.is_null() || c.kind == ColumnKind::kMixed) {
            // A JSON line gives this field another type: the column goes mixed.
            if (c.kind != ColumnKind::kMixed) ToMixed(&c, batch.size);
            if (!jv.is_null()) {
              c.values.push_back(jv);
            } else if (!ok) {
              c.values.push_back(Value::Null());
            } else if (b.kind == ValueKind::kAddress) {
              c.values.push_back(Value::Address(rec.addr_at(b.flow_pos)));
            } else if (b.kind == ValueKind::kString) {
              c.values.push_back(Value::String(rec.str_at(b.flow_pos)));
            } else {
              c.values.push_back(Value::Int(rec.int_at(b.flow_pos)));
            }
            break;
          }
          if (c.kind == ColumnKind::kInt) {
            c.ints.push_back(ok ? rec.int_at(b.flow_pos) : 0);
          } else if (c.kind == ColumnKind::kAddress) {
            c.addrs.push_back(ok ? rec.addr_at(b.flow_pos) : IpAddress{});
          } else {
            c.strings.push_back(ok ? rec.str_at(b.flow_pos) : std::string_view());
          }
          push_valid(c, ok);
          break;
        }
        case FieldSource::kOther:
          break;
      }
    }
    batch.source_ids.push_back(chunk.source_id);
    batch.row_ids.push_back(line_no);
    ++batch.size;
    if (batch.size == kBatchSize) flush();
  }
  flush();
  counters->records += records;
  counters->bytes += data.size();
  counters->non_flow_lines += non_flow;
}

void DiscoverJsonFields(std::string_view message,
                        const std::unordered_map<std::string_view, size_t>& wanted,
                        std::vector<Value>* values, Arena* arena) {
  std::fill(values->begin(), values->end(), Value::Null());
  if (message.empty() || message[0] != '{') return;
  const JsonNode* json = ParseJson(message, arena);
  if (!json || json->type != JsonType::kObject) return;
  FlattenJson(
      json, 200,
      [&](std::string_view name, const Value& v) {
        auto it = wanted.find(name);
        if (it != wanted.end() && (*values)[it->second].is_null()) (*values)[it->second] = v;
      },
      arena);
}

namespace {
constexpr char kPtrAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
}

std::string MakePointer(uint32_t source_id, uint64_t row_id) {
  // Twelve bytes (source, row) in URL-safe base64: 16 characters.
  unsigned char raw[12];
  for (int i = 0; i < 4; ++i) raw[i] = static_cast<unsigned char>(source_id >> (24 - 8 * i));
  for (int i = 0; i < 8; ++i) raw[4 + i] = static_cast<unsigned char>(row_id >> (56 - 8 * i));
  std::string out;
  for (int i = 0; i < 12; i += 3) {
    uint32_t v = (raw[i] << 16) | (raw[i + 1] << 8) | raw[i + 2];
    for (int k = 3; k >= 0; --k) out += kPtrAlphabet[(v >> (6 * k)) & 63];
  }
  return out;
}

bool ParsePointer(std::string_view ptr, uint32_t* source_id, uint64_t* row_id) {
  if (ptr.size() != 16) return false;
  unsigned char raw[12];
  for (int i = 0; i < 4; ++i) {
    uint32_t v = 0;
    for (int k = 0; k < 4; ++k) {
      const char* p = std::strchr(kPtrAlphabet, ptr[static_cast<size_t>(i * 4 + k)]);
      if (!p || !*p) return false;
      v = (v << 6) | static_cast<uint32_t>(p - kPtrAlphabet);
    }
    raw[i * 3] = static_cast<unsigned char>(v >> 16);
    raw[i * 3 + 1] = static_cast<unsigned char>(v >> 8);
    raw[i * 3 + 2] = static_cast<unsigned char>(v);
  }
  *source_id = 0;
  *row_id = 0;
  for (int i = 0; i < 4; ++i) *source_id = (*source_id << 8) | raw[i];
  for (int i = 0; i < 8; ++i) *row_id = (*row_id << 8) | raw[4 + i];
  return true;
}

}  // namespace flowlens::query

#include "storage/write_batch.h"

#include "storage/coding.h"

namespace flowlens::storage {
namespace {

std::string Start(uint64_t seq) {
  std::string out;
  PutFixed64(&out, seq);
  return out;
}

Decoder Body(std::string_view payload) {
  Decoder d(payload);
  d.Fixed64();
  return d;
}

Status Malformed(std::string_view what) {
  return Status::DataLoss("malformed " + std::string(what) + " record in the write-ahead log");
}

}  // namespace

void WriteBatch::Add(std::string_view group, std::string_view stream, std::span<const Event> events,
                     bool create_stream) {
  Entry e;
  e.group = std::string(group);
  e.create_stream = create_stream;
  e.chunk = std::make_shared<EventChunk>();
  e.chunk->stream = std::string(stream);
  size_t bytes = 0;
  for (const Event& ev : events) bytes += ev.message.size();
  e.chunk->text.reserve(bytes);
  e.chunk->events.reserve(events.size());
  for (const Event& ev : events) e.chunk->Add(ev.timestamp_ms, ev.ingestion_time_ms, ev.message);
  entries_.push_back(std::move(e));
}

size_t WriteBatch::events() const {
  size_t n = 0;
  for (const Entry& e : entries_) n += e.chunk->size();
  return n;
}

size_t WriteBatch::bytes() const {
  size_t n = 0;
  for (const Entry& e : entries_) n += e.chunk->text.size() + 16 * e.chunk->size();
  return n;
}

std::string EncodeEvents(uint64_t seq, const WriteBatch& batch, int64_t now_ms) {
  std::string out = Start(seq);
  out.reserve(batch.bytes() + 64);
  PutVarint64(&out, batch.entries().size());
  for (const WriteBatch::Entry& e : batch.entries()) {
    PutString(&out, e.group);
    PutString(&out, e.chunk->stream);
    out.push_back(e.create_stream ? 1 : 0);
    PutVarint64(&out, e.chunk->size());
    for (size_t i = 0; i < e.chunk->size(); ++i) {
      const EventChunk::Item& item = e.chunk->events[i];
      PutSigned(&out, item.timestamp_ms);
      PutSigned(&out, item.ingestion_time_ms != 0 ? item.ingestion_time_ms : now_ms);
      PutString(&out, e.chunk->message(i));
    }
  }
  PutVarint64(&out, batch.objects().size());
  for (const ObjectKey& k : batch.objects()) PutIngestedObject(&out, {k, now_ms});
  return out;
}

std::string EncodeCreateGroup(uint64_t seq, const CreateGroupRecord& r) {
  std::string out = Start(seq);
  PutString(&out, r.info.name);
  PutVarint64(&out, r.info.id);
  PutSigned(&out, r.info.creation_time_ms);
  PutVarint64(&out, static_cast<uint64_t>(r.info.retention_days));
  PutString(&out, r.info.format);
  return out;
}

std::string EncodePutRetention(uint64_t seq, const PutRetentionRecord& r) {
  std::string out = Start(seq);
  PutString(&out, r.group);
  PutVarint64(&out, static_cast<uint64_t>(r.days));
  return out;
}

std::string EncodeCreateStream(uint64_t seq, const CreateStreamRecord& r) {
  std::string out = Start(seq);
  PutString(&out, r.group);
  PutString(&out, r.stream);
  PutSigned(&out, r.creation_time_ms);
  return out;
}

void PutIngestedObject(std::string* out, const IngestedObject& o) {
  PutString(out, o.key.path);
  PutString(out, o.key.content_hash);
  PutSigned(out, o.ingested_ms);
}

IngestedObject GetIngestedObject(Decoder* d) {
  IngestedObject o;
  o.key.path = std::string(d->String());
  o.key.content_hash = std::string(d->String());
  o.ingested_ms = d->Signed();
  return o;
}

uint64_t PayloadSequence(std::string_view payload) {
  return payload.size() < 8 ? 0 : DecodeFixed64(payload.data());
}

Result<EventsRecord> DecodeEvents(std::string_view payload) {
  Decoder d = Body(payload);
  EventsRecord r;
  size_t entries = d.Count(d.remaining());
  for (size_t i = 0; i < entries && !d.failed(); ++i) {
    WriteBatch::Entry e;
    e.group = std::string(d.String());
    e.chunk = std::make_shared<EventChunk>();
    e.chunk->stream = std::string(d.String());
    e.create_stream = d.Byte() != 0;
    size_t n = d.Count(d.remaining() / 3);
    e.chunk->events.reserve(n);
    for (size_t j = 0; j < n && !d.failed(); ++j) {
      int64_t ts = d.Signed();
      int64_t ingest = d.Signed();
      e.chunk->Add(ts, ingest, d.String());
    }
    r.entries.push_back(std::move(e));
  }
  size_t objects = d.Count(d.remaining());
  for (size_t i = 0; i < objects && !d.failed(); ++i) r.objects.push_back(GetIngestedObject(&d));
  if (d.failed() || !d.done()) return Malformed("events");
  return r;
}

Result<CreateGroupRecord> DecodeCreateGroup(std::string_view payload) {
  Decoder d = Body(payload);
  CreateGroupRecord r;
  r.info.name = std::string(d.String());
  r.info.id = d.Varint64();
  r.info.creation_time_ms = d.Signed();
  r.info.retention_days = static_cast<int>(d.Count(100000));
  r.info.format = std::string(d.String());
  if (d.failed() || !d.done()) return Malformed("create-group");
  return r;
}

Result<PutRetentionRecord> DecodePutRetention(std::string_view payload) {
  Decoder d = Body(payload);
  PutRetentionRecord r;
  r.group = std::string(d.String());
  r.days = static_cast<int>(d.Count(100000));
  if (d.failed() || !d.done()) return Malformed("put-retention");
  return r;
}

Result<CreateStreamRecord> DecodeCreateStream(std::string_view payload) {
  Decoder d = Body(payload);
  CreateStreamRecord r;
  r.group = std::string(d.String());
  r.stream = std::string(d.String());
  r.creation_time_ms = d.Signed();
  if (d.failed() || !d.done()) return Malformed("create-stream");
  return r;
}

}  // namespace flowlens::storage

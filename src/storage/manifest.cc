#include "storage/manifest.h"

#include <fmt/format.h>

#include "storage/coding.h"
#include "storage/crc32c.h"
#include "storage/format.h"
#include "storage/write_batch.h"

namespace flowlens::storage {

std::string EncodeManifest(const Manifest& m) {
  std::string body;
  PutVarint64(&body, m.last_seq);
  PutVarint64(&body, m.log_number);
  PutVarint64(&body, m.next_group_id);
  PutVarint64(&body, m.next_segment_id);
  PutVarint64(&body, m.groups.size());
  for (const ManifestGroup& g : m.groups) {
    PutString(&body, g.info.name);
    PutVarint64(&body, g.info.id);
    PutSigned(&body, g.info.creation_time_ms);
    PutVarint64(&body, static_cast<uint64_t>(g.info.retention_days));
    PutString(&body, g.info.format);
    PutVarint64(&body, g.streams.size());
    for (const LogStreamInfo& s : g.streams) {
      PutString(&body, s.name);
      PutSigned(&body, s.creation_time_ms);
      PutSigned(&body, s.first_event_time_ms);
      PutSigned(&body, s.last_event_time_ms);
      PutSigned(&body, s.last_ingestion_time_ms);
      PutVarint64(&body, s.stored_bytes);
    }
    PutVarint64(&body, g.segments.size());
    for (const SegmentEntry& s : g.segments) {
      PutVarint64(&body, s.id);
      PutVarint64(&body, s.rows);
      PutVarint64(&body, s.file_size);
      PutSigned(&body, s.min_timestamp_ms);
      PutSigned(&body, s.max_timestamp_ms);
    }
  }
  PutVarint64(&body, m.ingested.size());
  for (const IngestedObject& o : m.ingested) PutIngestedObject(&body, o);
  std::string out;
  PutFixed64(&out, format::kManifestMagic);
  PutFixed32(&out, format::kManifestVersion);
  PutFixed32(&out, static_cast<uint32_t>(body.size()));
  out += body;
  PutFixed32(&out, crc32c::Mask(crc32c::Value(out)));
  return out;
}

Result<Manifest> DecodeManifest(std::string_view bytes, const std::string& path) {
  if (bytes.size() < 20) return Status::DataLoss(path + ": manifest too short");
  Decoder h(bytes);
  uint64_t magic = h.Fixed64();
  uint32_t version = h.Fixed32();
  uint32_t length = h.Fixed32();
  if (magic != format::kManifestMagic) return Status::DataLoss(path + ": not a manifest");
  if (length != bytes.size() - 20) return Status::DataLoss(path + ": manifest length mismatch");
  uint32_t crc = DecodeFixed32(bytes.data() + bytes.size() - 4);
  if (crc32c::Mask(crc32c::Value(bytes.data(), bytes.size() - 4)) != crc) {
    return Status::DataLoss(path + ": manifest checksum mismatch");
  }
  if (version != format::kManifestVersion) {
    return Status::Unimplemented(
        fmt::format("{}: manifest version {} is not supported", path, version));
  }
  Decoder d(bytes.substr(16, length));
  Manifest m;
  m.last_seq = d.Varint64();
  m.log_number = d.Varint64();
  m.next_group_id = d.Varint64();
  m.next_segment_id = d.Varint64();
  size_t groups = d.Count(d.remaining());
  for (size_t i = 0; i < groups && !d.failed(); ++i) {
    ManifestGroup g;
    g.info.name = std::string(d.String());
    g.info.id = d.Varint64();
    g.info.creation_time_ms = d.Signed();
    g.info.retention_days = static_cast<int>(d.Count(100000));
    g.info.format = std::string(d.String());
    size_t streams = d.Count(d.remaining());
    for (size_t j = 0; j < streams && !d.failed(); ++j) {
      LogStreamInfo s;
      s.name = std::string(d.String());
      s.creation_time_ms = d.Signed();
      s.first_event_time_ms = d.Signed();
      s.last_event_time_ms = d.Signed();
      s.last_ingestion_time_ms = d.Signed();
      s.stored_bytes = d.Varint64();
      g.info.stored_bytes += s.stored_bytes;
      g.streams.push_back(std::move(s));
    }
    size_t segments = d.Count(d.remaining());
    for (size_t j = 0; j < segments && !d.failed(); ++j) {
      SegmentEntry s;
      s.id = d.Varint64();
      s.rows = d.Varint64();
      s.file_size = d.Varint64();
      s.min_timestamp_ms = d.Signed();
      s.max_timestamp_ms = d.Signed();
      g.segments.push_back(s);
    }
    m.groups.push_back(std::move(g));
  }
  size_t objects = d.Count(d.remaining());
  for (size_t i = 0; i < objects && !d.failed(); ++i) m.ingested.push_back(GetIngestedObject(&d));
  if (d.failed() || !d.done()) return Status::DataLoss(path + ": malformed manifest");
  return m;
}

}  // namespace flowlens::storage

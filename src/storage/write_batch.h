// WriteBatch: events for one or more streams, and ingested-object marks,
// that Store::Append makes durable together: one WAL record, so after a
// crash either all of a batch is there or none of it. An ingester marks an
// object ingested in the same batch as its last events, so a re-run never
// stores them twice.
//
// This file also encodes and decodes the bodies of every WAL record type
// (docs/formats/wal.md); the store applies the decoded records the same way
// live and during recovery.
//
//   WriteBatch b;
//   b.Add("/vpc/flows", "eni-1", events, /*create_stream=*/true);
//   b.MarkIngested({"s3://b/k.log.gz", "sha256:..."});
//   RETURN_IF_ERROR(store->Append(b));
//
// Thread safety: a plain value.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "storage/coding.h"
#include "storage/event_chunk.h"
#include "storage/model.h"

namespace flowlens::storage {

class WriteBatch {
 public:
  struct Entry {
    std::string group;
    bool create_stream = false;
    std::shared_ptr<EventChunk> chunk;  // stream name and events
  };

  // Copies the messages. With create_stream the stream is created if missing
  // (otherwise a missing stream is NotFound, as PutLogEvents does).
  void Add(std::string_view group, std::string_view stream, std::span<const Event> events,
           bool create_stream = false);
  void MarkIngested(ObjectKey key) { objects_.push_back(std::move(key)); }

  const std::vector<Entry>& entries() const { return entries_; }
  const std::vector<ObjectKey>& objects() const { return objects_; }
  size_t events() const;
  size_t bytes() const;

 private:
  std::vector<Entry> entries_;
  std::vector<ObjectKey> objects_;
};

// The decoded body of a kEvents record.
struct EventsRecord {
  std::vector<WriteBatch::Entry> entries;
  std::vector<IngestedObject> objects;
};
struct CreateGroupRecord {
  LogGroupInfo info;  // name, id, creation time, retention, format
};
struct PutRetentionRecord {
  std::string group;
  int days = 0;  // 0 = no retention
};
struct CreateStreamRecord {
  std::string group;
  std::string stream;
  int64_t creation_time_ms = 0;
};

// Each Encode* returns a whole payload: the sequence number, then the body.
// `now_ms` fills ingestion times left at 0 and the objects' ingestion time.
std::string EncodeEvents(uint64_t seq, const WriteBatch& batch, int64_t now_ms);
std::string EncodeCreateGroup(uint64_t seq, const CreateGroupRecord& r);
std::string EncodePutRetention(uint64_t seq, const PutRetentionRecord& r);
std::string EncodeCreateStream(uint64_t seq, const CreateStreamRecord& r);

// An ingested-object entry, as in events records and the manifest.
void PutIngestedObject(std::string* out, const IngestedObject& o);
IngestedObject GetIngestedObject(Decoder* d);

// The sequence number at the start of a payload (0 if it is too short).
uint64_t PayloadSequence(std::string_view payload);
// DataLoss on a malformed body.
Result<EventsRecord> DecodeEvents(std::string_view payload);
Result<CreateGroupRecord> DecodeCreateGroup(std::string_view payload);
Result<PutRetentionRecord> DecodePutRetention(std::string_view payload);
Result<CreateStreamRecord> DecodeCreateStream(std::string_view payload);

}  // namespace flowlens::storage

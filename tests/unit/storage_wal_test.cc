// Byte-level tests of the storage foundations: CRC32C, the WAL framing and
// its torn-tail and corruption handling, names and retention rules, file names.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "storage/coding.h"
#include "storage/crc32c.h"
#include "storage/filenames.h"
#include "storage/model.h"
#include "storage/wal.h"
#include "storage/write_batch.h"

namespace flowlens::storage {
namespace {

using format::WalRecordType;

TEST(StorageCrc32c, KnownValues) {
  EXPECT_EQ(crc32c::Value("123456789"), 0xE3069283u);
  std::string zeros(32, '\0');
  EXPECT_EQ(crc32c::Value(zeros), 0x8A9136AAu);
  std::string data = "The quick brown fox jumps over the lazy dog, twice over.";
  for (size_t split = 0; split <= data.size(); ++split) {
    uint32_t c =
        crc32c::Extend(crc32c::Value(data.data(), split), data.data() + split, data.size() - split);
    EXPECT_EQ(c, crc32c::Value(data));
  }
  EXPECT_EQ(crc32c::Unmask(crc32c::Mask(0x12345678u)), 0x12345678u);
}

// A WAL file image with `n` records of distinct payloads.
std::string WalImage(int n, std::vector<size_t>* record_ends) {
  std::string file = WalHeader(3);
  for (int i = 1; i <= n; ++i) {
    std::string payload;
    PutFixed64(&payload, static_cast<uint64_t>(i));
    payload += std::string(static_cast<size_t>(10 * i), static_cast<char>('a' + i));
    std::string frame;
    PutFixed32(&frame, static_cast<uint32_t>(payload.size()));
    uint8_t type = static_cast<uint8_t>(WalRecordType::kEvents);
    uint32_t c = crc32c::Extend(crc32c::Value(&type, 1), payload.data(), payload.size());
    PutFixed32(&frame, crc32c::Mask(c));
    frame.push_back(static_cast<char>(type));
    file += frame + payload;
    record_ends->push_back(file.size());
  }
  return file;
}

std::vector<uint64_t> Replay(const std::string& data, Result<WalFileReport>* report) {
  std::vector<uint64_t> seqs;
  *report = ReadWal("test.log", data, [&](WalRecordType, std::string_view payload) {
    seqs.push_back(PayloadSequence(payload));
    return Status::Ok();
  });
  return seqs;
}

TEST(StorageWal, ReadsEveryRecord) {
  std::vector<size_t> ends;
  std::string data = WalImage(5, &ends);
  Result<WalFileReport> report = Status::Internal("unset");
  EXPECT_EQ(Replay(data, &report), (std::vector<uint64_t>{1, 2, 3, 4, 5}));
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->records, 5u);
  EXPECT_EQ(report->discarded_bytes, 0u);
}

TEST(StorageWal, TornTailAtEveryByteIsDiscarded) {
  std::vector<size_t> ends;
  std::string data = WalImage(4, &ends);
  for (size_t cut = ends[2] + 1; cut < ends[3]; ++cut) {
    Result<WalFileReport> report = Status::Internal("unset");
    EXPECT_EQ(Replay(data.substr(0, cut), &report).size(), 3u) << cut;
    ASSERT_TRUE(report.ok()) << report.status().ToString();
    EXPECT_EQ(report->discarded_bytes, cut - ends[2]);
    EXPECT_EQ(report->valid_bytes, ends[2]);
  }
}

TEST(StorageWal, BadChecksumOfLastRecordIsATornTail) {
  std::vector<size_t> ends;
  std::string data = WalImage(3, &ends);
  data[ends[2] - 2] ^= 0x40;
  Result<WalFileReport> report = Status::Internal("unset");
  EXPECT_EQ(Replay(data, &report).size(), 2u);
  ASSERT_TRUE(report.ok());
  EXPECT_NE(report->torn_reason.find("checksum"), std::string::npos);
}

TEST(StorageWal, CorruptionInTheMiddleIsDataLoss) {
  std::vector<size_t> ends;
  std::string data = WalImage(4, &ends);
  data[ends[1] - 3] ^= 0x01;  // record 2 of 4
  Result<WalFileReport> report = Status::Internal("unset");
  Replay(data, &report);
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(report.status().message().find("test.log"), std::string::npos);
}

TEST(StorageWal, ShortOrGarbageHeader) {
  Result<WalFileReport> report = Status::Internal("unset");
  EXPECT_TRUE(Replay(WalHeader(1).substr(0, 10), &report).empty());
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->discarded_bytes, 10u);
  std::string newer = WalHeader(1);
  newer[8] = 9;  // version 9, checksum then wrong as well: treated as garbage
  Replay(newer, &report);
  ASSERT_TRUE(report.ok());
}

TEST(StorageWal, EventsRecordRoundTrip) {
  WriteBatch batch;
  Event events[] = {{1000, 0, "first line"}, {2000, 5, ""}, {-5, 7, std::string_view("x\0y", 3)}};
  batch.Add("/g", "s1", events, true);
  batch.MarkIngested({"a/b.log.gz", "h1"});
  std::string payload = EncodeEvents(42, batch, 999);
  EXPECT_EQ(PayloadSequence(payload), 42u);
  Result<EventsRecord> r = DecodeEvents(payload);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->entries.size(), 1u);
  const EventChunk& c = *r->entries[0].chunk;
  EXPECT_EQ(c.stream, "s1");
  EXPECT_TRUE(r->entries[0].create_stream);
  ASSERT_EQ(c.size(), 3u);
  EXPECT_EQ(c.events[0].ingestion_time_ms, 999);  // 0 means "now"
  EXPECT_EQ(c.events[1].ingestion_time_ms, 5);
  EXPECT_EQ(c.message(2), std::string_view("x\0y", 3));
  EXPECT_EQ(c.events[2].timestamp_ms, -5);
  ASSERT_EQ(r->objects.size(), 1u);
  EXPECT_EQ(r->objects[0].key.content_hash, "h1");
  for (size_t cut = 8; cut < payload.size(); ++cut) {
    EXPECT_FALSE(DecodeEvents(payload.substr(0, cut)).ok()) << cut;
  }
}

TEST(StorageNames, GroupStreamAndRetentionRules) {
  EXPECT_TRUE(ValidateGroupName("/aws/vpc/flow-logs_1.#x").ok());
  EXPECT_FALSE(ValidateGroupName("").ok());
  EXPECT_FALSE(ValidateGroupName(std::string(513, 'a')).ok());
  EXPECT_TRUE(ValidateGroupName(std::string(512, 'a')).ok());
  EXPECT_FALSE(ValidateGroupName("a b").ok());
  EXPECT_FALSE(ValidateGroupName("a:b").ok());
  EXPECT_FALSE(ValidateGroupName("a*b").ok());
  EXPECT_TRUE(ValidateStreamName("eni-0123 with spaces/and#").ok());
  EXPECT_FALSE(ValidateStreamName("a:b").ok());
  EXPECT_FALSE(ValidateStreamName("a*").ok());
  EXPECT_FALSE(ValidateStreamName("").ok());
  EXPECT_FALSE(ValidateStreamName(std::string(513, 's')).ok());
  for (int d : kRetentionDays) EXPECT_TRUE(ValidateRetentionDays(d).ok()) << d;
  EXPECT_FALSE(ValidateRetentionDays(2).ok());
  EXPECT_FALSE(ValidateRetentionDays(0).ok());
  EXPECT_FALSE(ValidateRetentionDays(3650).ok());
}

TEST(StorageFileNames, MadeAndParsed) {
  uint64_t n;
  EXPECT_EQ(WalFileName("/d", 7), "/d/wal-000007.log");
  EXPECT_EQ(ParseFileName("wal-000007.log", &n), FileType::kWal);
  EXPECT_EQ(n, 7u);
  EXPECT_EQ(SegmentFileName("/d", 42), "/d/segments/00000042.seg");
  EXPECT_EQ(ParseFileName("00000042.seg", &n), FileType::kSegment);
  EXPECT_EQ(n, 42u);
  EXPECT_EQ(ParseFileName("00000042.seg.tmp", &n), FileType::kTemp);
  EXPECT_EQ(ParseFileName("MANIFEST", &n), FileType::kManifest);
  EXPECT_EQ(ParseFileName("LOCK", &n), FileType::kLock);
  EXPECT_EQ(ParseFileName("wal-x.log", &n), FileType::kUnknown);
}

}  // namespace
}  // namespace flowlens::storage

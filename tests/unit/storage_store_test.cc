// Store behaviour: the catalog API, append/flush/read, recovery (also with a
// torn tail), snapshots during writes, retention, deletions, the ingested
// registry, the LOCK, and Check() finding a corrupted byte.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <tuple>
#include <vector>

#include <fmt/format.h>

#include "storage/filenames.h"
#include "storage/store.h"

namespace flowlens::storage {
namespace {

using Row = std::tuple<std::string, int64_t, std::string>;  // stream, timestamp, message

std::vector<Row> AllEvents(const Store& store, const std::string& group) {
  auto snap = store.Snapshot();
  const GroupSnapshot* g = snap->FindGroup(group);
  std::vector<Row> rows;
  if (g == nullptr) return rows;
  Status s = snap->ScanEvents(*g, [&](const EventView& e) {
    rows.emplace_back(std::string(e.stream), e.timestamp_ms, std::string(e.message));
    return Status::Ok();
  });
  EXPECT_TRUE(s.ok()) << s.ToString();
  std::sort(rows.begin(), rows.end());
  return rows;
}

std::string FlowLine(int i) {
  return fmt::format(
      "2 123456789012 eni-{:04d} 10.0.{}.{} 10.1.0.{} {} 443 6 {} {} {} {} ACCEPT OK", i % 5,
      i % 200, i % 250, i % 7, 40000 + i, i % 30 + 1, 100 * i, 1795737600 + i, 1795737660 + i);
}

class StorageStore : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/flowlens-store-XXXXXX";
    dir_ = mkdtemp(tmpl);
    options_.clock = [this] { return now_; };
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::unique_ptr<Store> OpenStore() {
    auto s = Store::Open(dir_, options_);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? std::move(s).value() : nullptr;
  }
  // Appends events [first, first + n) to streams eni-0000..4, returns what was added.
  std::vector<Row> AppendLines(Store* store, int first, int n) {
    std::vector<Row> rows;
    std::vector<std::string> lines;
    for (int i = first; i < first + n; ++i) lines.push_back(FlowLine(i));
    for (int i = first; i < first + n; ++i) {
      std::string stream = fmt::format("eni-{:04d}", i % 5);
      int64_t ts = (1795737600LL + i) * 1000;
      Event e{ts, 0, lines[static_cast<size_t>(i - first)]};
      EXPECT_TRUE(store->Append("/vpc/flows", stream, {&e, 1}, true).ok());
      rows.emplace_back(stream, ts, lines[static_cast<size_t>(i - first)]);
    }
    std::sort(rows.begin(), rows.end());
    return rows;
  }

  std::string dir_;
  StoreOptions options_;
  int64_t now_ = 1795737600000;
};

TEST_F(StorageStore, GroupsAndStreams) {
  auto store = OpenStore();
  EXPECT_TRUE(store->CreateLogGroup("/vpc/a", {.retention_days = 30}).ok());
  EXPECT_TRUE(store->CreateLogGroup("/vpc/b", {.format = "${srcaddr} ${dstaddr} ${bytes}"}).ok());
  EXPECT_TRUE(store->CreateLogGroup("other").ok());
  EXPECT_EQ(store->CreateLogGroup("/vpc/a").code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(store->CreateLogGroup("bad name").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store->CreateLogGroup("x", {.retention_days = 2}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store->CreateLogGroup("y", {.format = "${nosuchfield}"}).code(),
            StatusCode::kInvalidArgument);
  auto groups = store->ListLogGroups("/vpc/");
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(groups[0].name, "/vpc/a");
  EXPECT_EQ(groups[0].retention_days, 30);
  EXPECT_EQ(groups[0].creation_time_ms, now_);
  EXPECT_EQ(groups[1].format, "${srcaddr} ${dstaddr} ${bytes}");
  EXPECT_TRUE(store->PutRetentionPolicy("/vpc/b", 7).ok());
  EXPECT_FALSE(store->PutRetentionPolicy("/vpc/b", 8).ok());
  EXPECT_EQ(store->PutRetentionPolicy("nope", 7).code(), StatusCode::kNotFound);
  EXPECT_TRUE(store->DeleteRetentionPolicy("/vpc/a").ok());

  EXPECT_TRUE(store->CreateLogStream("/vpc/a", "eni-1").ok());
  EXPECT_TRUE(store->CreateLogStream("/vpc/a", "eni-2").ok());
  EXPECT_EQ(store->CreateLogStream("/vpc/a", "eni-1").code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(store->CreateLogStream("/vpc/a", "a:b").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store->CreateLogStream("nope", "s").code(), StatusCode::kNotFound);
  Event e{1000, 0, "hello"};
  EXPECT_EQ(store->Append("/vpc/a", "eni-3", {&e, 1}).code(), StatusCode::kNotFound);
  EXPECT_TRUE(store->Append("/vpc/a", "eni-1", {&e, 1}).ok());

  // All of it survives a restart, from the WAL and then from the manifest.
  for (int round = 0; round < 2; ++round) {
    store.reset();
    store = OpenStore();
    groups = store->ListLogGroups();
    ASSERT_EQ(groups.size(), 3u);
    EXPECT_EQ(groups[0].retention_days, 0);
    EXPECT_EQ(groups[1].retention_days, 7);
    auto streams = store->ListLogStreams("/vpc/a", "eni-");
    ASSERT_TRUE(streams.ok());
    ASSERT_EQ(streams->size(), 2u);
    EXPECT_EQ((*streams)[0].first_event_time_ms, 1000);
    EXPECT_EQ((*streams)[0].last_ingestion_time_ms, now_);
    EXPECT_EQ((*streams)[0].stored_bytes, 5u);
    EXPECT_EQ(AllEvents(*store, "/vpc/a"), (std::vector<Row>{{"eni-1", 1000, "hello"}}));
    ASSERT_TRUE(store->Flush().ok());
  }
  EXPECT_TRUE(store->DeleteLogGroup("/vpc/a").ok());
  EXPECT_EQ(store->DeleteLogGroup("/vpc/a").code(), StatusCode::kNotFound);
  store.reset();
  store = OpenStore();
  EXPECT_EQ(store->ListLogGroups().size(), 2u);
  EXPECT_EQ(store->ListLogStreams("/vpc/a").status().code(), StatusCode::kNotFound);
}

TEST_F(StorageStore, AppendFlushReadAndRecover) {
  auto store = OpenStore();
  ASSERT_TRUE(store->CreateLogGroup("/vpc/flows").ok());
  std::vector<Row> want = AppendLines(store.get(), 0, 300);
  auto before = store->Snapshot();
  EXPECT_EQ(AllEvents(*store, "/vpc/flows"), want);
  ASSERT_TRUE(store->Flush().ok());
  // The old snapshot still reads the unflushed events; a new one reads segments.
  EXPECT_EQ(before->FindGroup("/vpc/flows")->unflushed_events, 300u);
  auto after = store->Snapshot();
  EXPECT_EQ(after->FindGroup("/vpc/flows")->unflushed_events, 0u);
  EXPECT_FALSE(after->FindGroup("/vpc/flows")->segments.empty());
  EXPECT_EQ(AllEvents(*store, "/vpc/flows"), want);
  std::vector<Row> more = AppendLines(store.get(), 300, 100);
  want.insert(want.end(), more.begin(), more.end());
  std::sort(want.begin(), want.end());
  store.reset();
  store = OpenStore();
  EXPECT_EQ(store->recovery_report().events_replayed, 100u);
  EXPECT_EQ(AllEvents(*store, "/vpc/flows"), want);

  // Typed columns of unflushed and flushed rows agree.
  auto snap = store->Snapshot();
  const GroupSnapshot* g = snap->FindGroup("/vpc/flows");
  ColumnRequest req;
  req.fields = {fields::kSrcPort, fields::kDstAddr};
  UnflushedReader wal(*g);
  RowBlock block;
  ASSERT_TRUE(wal.ReadBlock(req, 0, &block).ok());
  EXPECT_EQ(block.fields[0].ints[0], 40300);
  EXPECT_EQ(block.fields[1].addrs[0].ToString(), "10.1.0.6");
  auto reader = snap->OpenSegment(*g->segments[0]);
  ASSERT_TRUE(reader.ok());
  ASSERT_TRUE((*reader)->ReadBlock(req, 0, &block).ok());
  EXPECT_EQ(block.fields[0].ints[0], 40000);
  EXPECT_TRUE(store->Check().ok());
}

TEST_F(StorageStore, TornTailIsDiscardedAndReported) {
  auto store = OpenStore();
  ASSERT_TRUE(store->CreateLogGroup("/vpc/flows").ok());
  std::vector<Row> want = AppendLines(store.get(), 0, 10);
  store.reset();
  std::string wal = WalFileName(dir_, 1);
  uint64_t size = std::filesystem::file_size(wal);
  std::filesystem::resize_file(wal, size - 7);  // cut into the last record
  store = OpenStore();
  const RecoveryReport& r = store->recovery_report();
  EXPECT_EQ(r.events_replayed, 9u);
  EXPECT_GT(r.bytes_discarded, 0u);
  ASSERT_FALSE(r.notes.empty());
  EXPECT_NE(r.notes[0].find("torn tail"), std::string::npos) << r.notes[0];
  want.erase(
      std::find(want.begin(), want.end(), Row{"eni-0004", (1795737600LL + 9) * 1000, FlowLine(9)}));
  EXPECT_EQ(AllEvents(*store, "/vpc/flows"), want);
  // Appends after recovery are kept; the torn bytes are never seen again.
  std::vector<Row> more = AppendLines(store.get(), 100, 3);
  store.reset();
  store = OpenStore();
  EXPECT_EQ(store->recovery_report().bytes_discarded, 0u);
  EXPECT_EQ(AllEvents(*store, "/vpc/flows").size(), 12u);
}

TEST_F(StorageStore, LockKeepsASecondWriterOut) {
  auto store = OpenStore();
  auto second = Store::Open(dir_, options_);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(second.status().message().find(fmt::format("in use by process {}", getpid())),
            std::string::npos)
      << second.status().message();
  store.reset();
  EXPECT_TRUE(Store::Open(dir_, options_).ok());
}

TEST_F(StorageStore, RetentionDropsWholeSegments) {
  auto store = OpenStore();
  ASSERT_TRUE(store->CreateLogGroup("/vpc/flows", {.retention_days = 1}).ok());
  ASSERT_TRUE(store->CreateLogGroup("/keep").ok());
  // Three hours of events: three segments.
  for (int h = 0; h < 3; ++h) {
    std::string line = FlowLine(h);  // Event holds a view: keep the text alive
    Event e{1'000'000'000'000 + h * 3'600'000LL, 0, line};
    ASSERT_TRUE(store->Append("/vpc/flows", "s", {&e, 1}, true).ok());
    ASSERT_TRUE(store->Append("/keep", "s", {&e, 1}, true).ok());
  }
  ASSERT_TRUE(store->Flush().ok());
  EXPECT_EQ(store->Snapshot()->FindGroup("/vpc/flows")->segments.size(), 3u);
  auto held = store->Snapshot();  // keeps the dropped files readable
  // One day after the end of the second hour: the first two hours expire.
  auto report = store->ApplyRetention(1'000'000'000'000 + 2 * 3'600'000LL - 1 + 86'400'000LL);
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->segments_dropped, 2u);
  EXPECT_EQ(report->events_dropped, 2u);
  EXPECT_EQ(AllEvents(*store, "/vpc/flows").size(), 1u);
  EXPECT_EQ(AllEvents(*store, "/keep").size(), 3u);
  const GroupSnapshot* old = held->FindGroup("/vpc/flows");
  int rows = 0;
  ASSERT_TRUE(held->ScanEvents(*old, [&](const EventView&) { return ++rows, Status::Ok(); }).ok());
  EXPECT_EQ(rows, 3);
  std::string dropped = old->segments[0]->path;
  EXPECT_TRUE(std::filesystem::exists(dropped));
  held.reset();
  EXPECT_FALSE(std::filesystem::exists(dropped));
  store.reset();
  store = OpenStore();
  EXPECT_EQ(AllEvents(*store, "/vpc/flows").size(), 1u);
}

TEST_F(StorageStore, DeleteStreamRewritesSegments) {
  auto store = OpenStore();
  ASSERT_TRUE(store->CreateLogGroup("/vpc/flows").ok());
  std::vector<Row> want = AppendLines(store.get(), 0, 50);
  ASSERT_TRUE(store->Flush().ok());
  std::vector<Row> more = AppendLines(store.get(), 50, 50);
  want.insert(want.end(), more.begin(), more.end());
  ASSERT_TRUE(store->DeleteLogStream("/vpc/flows", "eni-0002").ok());
  EXPECT_EQ(store->DeleteLogStream("/vpc/flows", "eni-0002").code(), StatusCode::kNotFound);
  std::erase_if(want, [](const Row& r) { return std::get<0>(r) == "eni-0002"; });
  std::sort(want.begin(), want.end());
  EXPECT_EQ(AllEvents(*store, "/vpc/flows"), want);
  store.reset();
  store = OpenStore();
  EXPECT_EQ(AllEvents(*store, "/vpc/flows"), want);
  EXPECT_EQ(store->ListLogStreams("/vpc/flows")->size(), 4u);
}

TEST_F(StorageStore, IngestedObjectsRegistry) {
  auto store = OpenStore();
  ASSERT_TRUE(store->CreateLogGroup("/g").ok());
  WriteBatch batch;
  Event e{5, 0, "x"};
  batch.Add("/g", "s", {&e, 1}, true);
  batch.MarkIngested({"AWSLogs/1/a.log.gz", "abc"});
  ASSERT_TRUE(store->Append(batch).ok());
  EXPECT_TRUE(store->IsIngested({"AWSLogs/1/a.log.gz", "abc"}));
  EXPECT_FALSE(store->IsIngested({"AWSLogs/1/a.log.gz", "abd"}));
  store.reset();
  store = OpenStore();
  EXPECT_TRUE(store->IsIngested({"AWSLogs/1/a.log.gz", "abc"}));
  ASSERT_TRUE(store->Flush().ok());
  store.reset();
  store = OpenStore();
  EXPECT_TRUE(store->IsIngested({"AWSLogs/1/a.log.gz", "abc"}));
}

TEST_F(StorageStore, CheckReportsACorruptSegmentByPath) {
  auto store = OpenStore();
  ASSERT_TRUE(store->CreateLogGroup("/vpc/flows").ok());
  AppendLines(store.get(), 0, 200);
  ASSERT_TRUE(store->Flush().ok());
  AppendLines(store.get(), 200, 5);
  EXPECT_TRUE(store->Check().ok());
  auto snap = store->Snapshot();
  std::string path = snap->FindGroup("/vpc/flows")->segments[0]->path;
  {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(40);
    char c;
    f.read(&c, 1);
    f.seekp(40);
    c ^= 0x10;
    f.write(&c, 1);
  }
  CheckReport report = store->Check();
  ASSERT_EQ(report.problems.size(), 1u);
  EXPECT_EQ(report.problems[0].path, path);
  EXPECT_NE(report.problems[0].message.find("checksum"), std::string::npos);
  Status scan = snap->ScanEvents(*snap->FindGroup("/vpc/flows"),
                                 [](const EventView&) { return Status::Ok(); });
  EXPECT_EQ(scan.code(), StatusCode::kDataLoss);
  EXPECT_NE(scan.message().find(path), std::string::npos);
}

}  // namespace
}  // namespace flowlens::storage

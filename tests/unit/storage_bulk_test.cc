// Bulk loads (Store::WriteBulkSegment / CommitBulk, ingest/bulk_loader.h):
// a crash at every file-system step of a load leaves all of the object or
// none of it (and its ingested mark with it); the multi-threaded loader
// stores every record once and numbers rejected lines as a reader of the
// file would, across its 4 MB blocks.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "flowlog/record.h"
#include "ingest/ingester.h"
#include "storage/fault_file_system.h"
#include "storage/segment_builder.h"
#include "storage/store.h"

namespace flowlens::storage {
namespace {

std::string Line(int i) {
  return fmt::format("2 123456789012 eni-{} 10.0.0.{} 10.0.1.{} {} 80 6 1 {} {} {} ACCEPT OK",
                     i % 3, i % 250, i % 200, 1024 + i % 60000, 40 * i, 1795737600 + i * 7,
                     1795737660 + i * 7);
}

class StorageBulk : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/flowlens-bulk-XXXXXX";
    dir_ = mkdtemp(tmpl);
    fault_ = std::make_shared<FaultInjectingFileSystem>(DefaultFileSystem());
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<Store> Open(bool faulty, int64_t partition_ms = 60'000) {
    StoreOptions o;
    o.fs = faulty ? std::shared_ptr<FileSystem>(fault_) : DefaultFileSystem();
    o.partition_ms = partition_ms;
    auto s = Store::Open(dir_ + "/data", o);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? std::move(s).value() : nullptr;
  }
  std::vector<std::string> Messages(Store* store) {
    auto snap = store->Snapshot();
    const GroupSnapshot* g = snap->FindGroup("/g");
    std::vector<std::string> got;
    if (!g) return got;
    EXPECT_TRUE(snap->ScanEvents(*g,
                                 [&](const EventView& e) {
                                   got.emplace_back(e.message);
                                   return Status::Ok();
                                 })
                    .ok());
    std::sort(got.begin(), got.end());
    return got;
  }
  // Loads lines [from, to) as two segments plus an object mark.
  Status Load(Store* store, int from, int to, const ObjectKey& key) {
    const Layout& layout = Layout::Default();
    SegmentBuilder a(layout, 1, "flowlens-x"), b(layout, 1, "flowlens-x");
    FlowRecord rec(layout);
    RecordError err;
    std::string scratch;
    for (int i = from; i < to; ++i) {
      std::string line = Line(i);
      if (!ParseRecord(line, layout, &rec, &err)) return Status::Internal(err.reason);
      scratch.clear();
      WriteRecord(layout, rec, &scratch);
      (i % 2 ? a : b).Add(rec, line, scratch == line, (1795737600LL + i * 7) * 1000);
    }
    BulkLoad load;
    load.group = "/g";
    load.object = key;
    std::map<std::string, StreamLoad> streams;
    for (SegmentBuilder* sb : {&a, &b}) {
      for (const StreamLoad& sl : sb->streams()) {
        StreamLoad& s = streams.try_emplace(sl.name, StreamLoad{sl.name}).first->second;
        s.events += sl.events;
        s.bytes += sl.bytes;
      }
      ASSIGN_OR_RETURN(auto seg, store->WriteBulkSegment("/g", sb));
      load.segments.push_back(std::move(seg));
    }
    for (auto& [n, s] : streams) load.streams.push_back(s);
    return store->CommitBulk(load);
  }

  std::string dir_;
  std::shared_ptr<FaultInjectingFileSystem> fault_;
};

TEST_F(StorageBulk, CrashAtEveryStepOfALoadLeavesAllOrNothing) {
  const ObjectKey key{"/in/a.log", "x64:1:2"};
  std::vector<std::string> before, loaded;
  for (int i = 0; i < 30; ++i) before.push_back(Line(i));
  for (int i = 100; i < 160; ++i) loaded.push_back(Line(i));
  for (int step = 0; step < 1000; ++step) {
    std::filesystem::remove_all(dir_ + "/data");
    fault_->ClearFaults();
    auto store = Open(true);
    ASSERT_TRUE(store);
    ASSERT_TRUE(store->CreateLogGroup("/g").ok());
    // Some events flushed, some only in the WAL: the load's commit keeps both.
    for (int i = 0; i < 30; ++i) {
      std::string line = Line(i);
      Event e{(1795737600LL + i * 7) * 1000, 0, line};
      ASSERT_TRUE(store->Append("/g", fmt::format("eni-{}-all", i % 3), {&e, 1}, true).ok());
      if (i == 19) ASSERT_TRUE(store->Flush().ok());
    }
    fault_->FailAt(step, Fault::kCrash);
    Status s = Load(store.get(), 100, 160, key);
    bool crashed = fault_->crashed();
    store.reset();
    ASSERT_TRUE(fault_->DropUnsyncedData().ok());
    auto reopened = Open(false);
    ASSERT_TRUE(reopened);
    std::vector<std::string> got = Messages(reopened.get());
    std::vector<std::string> want = before;
    bool ingested = reopened->IsIngested(key);
    if (ingested) want.insert(want.end(), loaded.begin(), loaded.end());
    std::sort(want.begin(), want.end());
    EXPECT_EQ(got, want) << "step " << step << (ingested ? " (load committed)" : " (load not)");
    CheckReport check = reopened->Check();
    for (const CheckProblem& p : check.problems) ADD_FAILURE() << p.path << ": " << p.message;
    if (!crashed) {
      ASSERT_TRUE(s.ok()) << s.ToString();
      EXPECT_TRUE(ingested);
      EXPECT_GT(step, 8);
      // Stream counters survive the reopen (they are in the manifest).
      auto streams = reopened->ListLogStreams("/g");
      ASSERT_TRUE(streams.ok());
      uint64_t bytes = 0;
      for (const auto& st : *streams) bytes += st.stored_bytes;
      uint64_t want_bytes = 0;
      for (const auto& l : want) want_bytes += l.size();
      EXPECT_EQ(bytes, want_bytes);
      break;
    }
  }
}

TEST_F(StorageBulk, ParallelIngestStoresEachRecordOnceAndNumbersBadLines) {
  // About 9 MB: three 4 MB blocks, so lines are numbered across blocks and threads.
  std::string path = dir_ + "/in.log";
  std::vector<int> bad = {2, 40000, 77777, 90001};
  std::ofstream out(path);
  out << "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets "
         "bytes start end action log-status\n";
  size_t good = 0;
  for (int n = 2; n <= 95000; ++n) {
    if (std::find(bad.begin(), bad.end(), n) != bad.end()) {
      out << "2 123456789012 eni-1 10.0.0.1 10.0.0.300 1 22 6 1 1 1 2 ACCEPT OK\n";
    } else {
      out << Line(n) << "\n";
      ++good;
    }
  }
  out.close();
  auto store = Open(false, 86'400'000);
  ingest::IngestOptions opts;
  opts.group = "/g";
  opts.threads = 2;
  opts.errors_to_keep = 3;
  auto r = ingest::IngestPaths(*store, {path}, opts);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->records_stored, good);
  EXPECT_EQ(r->lines_rejected, bad.size());
  ASSERT_EQ(r->first_errors.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_NE(r->first_errors[i].find(fmt::format("in.log:{}:", bad[i])), std::string::npos)
        << r->first_errors[i];
  }
  std::vector<std::string> got = Messages(store.get());
  ASSERT_EQ(got.size(), good);
  EXPECT_EQ(std::adjacent_find(got.begin(), got.end()), got.end());
  // A second run skips the object; --strict stops at the first bad line, storing nothing.
  auto again = ingest::IngestPaths(*store, {path}, opts);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->files_skipped, 1u);
  opts.group = "/strict";
  opts.strict = true;
  std::filesystem::copy_file(path, dir_ + "/copy.log");
  auto strict = ingest::IngestPaths(*store, {dir_ + "/copy.log"}, opts);
  ASSERT_FALSE(strict.ok());
  EXPECT_NE(strict.status().message().find("copy.log:2:"), std::string::npos)
      << strict.status().ToString();
  auto streams = store->ListLogStreams("/strict");
  EXPECT_TRUE(!streams.ok() || streams->empty());
  EXPECT_EQ(Messages(store.get()).size(), good);
}

}  // namespace
}  // namespace flowlens::storage

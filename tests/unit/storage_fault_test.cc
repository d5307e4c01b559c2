// Fault injection through FaultInjectingFileSystem: a crash at every step of
// a flush (with the unsynced data lost, as in a machine crash), failing and
// short writes, a full disk and fsync failures during Append. After each,
// reopening finds every acknowledged event exactly once.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "storage/fault_file_system.h"
#include "storage/store.h"

namespace flowlens::storage {
namespace {

std::string Line(int i) {
  return fmt::format("2 123456789012 eni-{} 10.0.0.{} 10.0.1.{} {} 80 6 1 {} {} {} ACCEPT OK",
                     i % 3, i % 250, i % 200, 1024 + i, 40 * i, 1795737600 + i * 7,
                     1795737660 + i * 7);
}

class StorageFault : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/flowlens-fault-XXXXXX";
    dir_ = mkdtemp(tmpl);
    fault_ = std::make_shared<FaultInjectingFileSystem>(DefaultFileSystem());
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<Store> Open(bool faulty) {
    StoreOptions o;
    o.fs = faulty ? std::shared_ptr<FileSystem>(fault_) : DefaultFileSystem();
    o.partition_ms = 60'000;  // several segments per flush
    auto s = Store::Open(dir_, o);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? std::move(s).value() : nullptr;
  }
  // Appends event i; records it when acknowledged.
  Status AppendOne(Store* store, int i) {
    std::string line = Line(i);
    Event e{(1795737600LL + i * 7) * 1000, 0, line};
    Status s = store->Append("/g", fmt::format("eni-{}", i % 3), {&e, 1}, true);
    if (s.ok()) acked_.push_back(line);
    return s;
  }
  // Every acknowledged line is there exactly once; unacknowledged ones at most once.
  void Verify(Store* store, const std::vector<std::string>& maybe = {}) {
    auto snap = store->Snapshot();
    const GroupSnapshot* g = snap->FindGroup("/g");
    ASSERT_NE(g, nullptr);
    std::vector<std::string> got;
    ASSERT_TRUE(snap->ScanEvents(*g,
                                 [&](const EventView& e) {
                                   got.emplace_back(e.message);
                                   return Status::Ok();
                                 })
                    .ok());
    std::sort(got.begin(), got.end());
    EXPECT_EQ(std::adjacent_find(got.begin(), got.end()), got.end()) << "an event is there twice";
    std::vector<std::string> want = acked_;
    std::sort(want.begin(), want.end());
    std::vector<std::string> missing, extra;
    std::set_difference(want.begin(), want.end(), got.begin(), got.end(),
                        std::back_inserter(missing));
    std::set_difference(got.begin(), got.end(), want.begin(), want.end(),
                        std::back_inserter(extra));
    EXPECT_TRUE(missing.empty()) << missing.size() << " acknowledged events lost";
    for (const std::string& e : extra) {
      EXPECT_NE(std::find(maybe.begin(), maybe.end(), e), maybe.end()) << "unexpected " << e;
    }
    CheckReport check = store->Check();
    for (const CheckProblem& p : check.problems) ADD_FAILURE() << p.path << ": " << p.message;
  }

  std::string dir_;
  std::shared_ptr<FaultInjectingFileSystem> fault_;
  std::vector<std::string> acked_;
};

TEST_F(StorageFault, CrashAtEveryStepOfAFlush) {
  for (int step = 0; step < 1000; ++step) {
    // The same history each time: a flushed first batch, then 40 events in the WAL.
    std::filesystem::remove_all(dir_);
    acked_.clear();
    fault_->ClearFaults();
    auto store = Open(true);
    ASSERT_TRUE(store);
    ASSERT_TRUE(store->CreateLogGroup("/g").ok());
    for (int i = 0; i < 20; ++i) ASSERT_TRUE(AppendOne(store.get(), i).ok());
    ASSERT_TRUE(store->Flush().ok());
    for (int i = 20; i < 60; ++i) ASSERT_TRUE(AppendOne(store.get(), i).ok());
    fault_->FailAt(step, Fault::kCrash);
    Status s = store->Flush();
    bool crashed = fault_->crashed();
    store.reset();  // the "process" dies; nothing more reaches the disk
    ASSERT_TRUE(fault_->DropUnsyncedData().ok());  // and the machine loses its page cache
    auto reopened = Open(false);
    ASSERT_TRUE(reopened);
    Verify(reopened.get());
    // (A crash while removing the old WAL files does not fail the flush: it has committed.)
    if (!crashed) {
      EXPECT_TRUE(s.ok()) << s.ToString();
      EXPECT_GT(step, 20);  // segments, manifest and WAL steps were all crashed at
      break;
    }
  }
}

TEST_F(StorageFault, FailedAppendsAreNotAcknowledgedAndNothingBreaks) {
  auto store = Open(true);
  ASSERT_TRUE(store->CreateLogGroup("/g").ok());
  int i = 0;
  std::vector<std::string> maybe;
  struct Case {
    Fault fault;
    uint32_t kinds;
  };
  for (Case c : {Case{Fault::kIoError, kOpAppend}, Case{Fault::kShortWrite, kOpAppend},
                 Case{Fault::kNoSpace, kOpAppend}, Case{Fault::kIoError, kOpSync},
                 Case{Fault::kNoSpace, kOpCreate}}) {
    for (int k = 0; k < 5; ++k) ASSERT_TRUE(AppendOne(store.get(), i++).ok());
    fault_->FailAt(0, c.fault, c.kinds);
    maybe.push_back(Line(i));
    Status s = AppendOne(store.get(), i++);
    if (c.kinds == kOpCreate) {
      // The WAL is healthy: the failure hits the next flush instead.
      EXPECT_TRUE(s.ok());
      EXPECT_FALSE(store->Flush().ok());
      continue;
    }
    EXPECT_FALSE(s.ok());
    if (c.fault == Fault::kNoSpace || c.fault == Fault::kShortWrite) {
      EXPECT_EQ(s.code(), StatusCode::kResourceExhausted) << s.ToString();
    }
    // The store carries on in a new WAL file.
    for (int k = 0; k < 5; ++k) ASSERT_TRUE(AppendOne(store.get(), i++).ok());
  }
  Verify(store.get(), maybe);
  ASSERT_TRUE(store->Flush().ok());
  store.reset();
  auto reopened = Open(false);
  Verify(reopened.get(), maybe);
}

TEST_F(StorageFault, FailedFlushesLeaveTheEventsInTheWal) {
  auto store = Open(true);
  ASSERT_TRUE(store->CreateLogGroup("/g").ok());
  int i = 0;
  for (uint32_t kinds : {kOpAppend, kOpSync, kOpRename, kOpSyncDir, kOpCreate}) {
    for (int k = 0; k < 30; ++k) ASSERT_TRUE(AppendOne(store.get(), i++).ok());
    fault_->FailAt(1, Fault::kNoSpace, kinds);
    (void)store->Flush();  // may succeed if the second such operation never comes
    fault_->ClearFaults();
    Verify(store.get());
  }
  ASSERT_TRUE(store->Flush().ok());
  store.reset();
  auto reopened = Open(false);
  Verify(reopened.get());
  EXPECT_TRUE(reopened->recovery_report().notes.empty() ||
              reopened->recovery_report().bytes_discarded == 0);
}

}  // namespace
}  // namespace flowlens::storage

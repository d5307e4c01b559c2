// Loading many objects side by side (ingest/ingester.h's lanes) and whole-object
// gzip reading (common/gunzip.h, ingest/bulk_loader.h's ObjectReader): every
// record of every object is stored once, a repeated path loads once, a bad
// line is reported with its object and line, --strict stops at the first bad
// line in file order, and each stream's events keep their time order (input
// order among equal times) within a segment.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <zlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "common/gunzip.h"
#include "ingest/bulk_loader.h"
#include "ingest/ingester.h"
#include "ingest_test_util.h"
#include "storage/store.h"

namespace flowlens::ingest {
namespace {

constexpr char kHeader[] =
    "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes "
    "start end action log-status\n";

// Record `i` of object `obj`: unique by (obj, i) through its byte count.
std::string Line(int obj, int i, int64_t start) {
  return fmt::format("2 123456789012 eni-{} 10.0.{}.{} 10.1.0.{} {} 443 6 3 {} {} {} ACCEPT OK",
                     i % 5, obj % 250, i % 250, i % 100, 1024 + i % 50000, obj * 1000000 + i, start,
                     start + 60);
}

using testing_util::Gzip;

void WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out << bytes;
}

// Reads r to its end, handing it the buffers in `blocks` in turn: every block
// but the last ends at a line break, and together they are `text`.
void ExpectWholeLinesThenEverything(ObjectReader* r, std::vector<std::string>* blocks,
                                    const std::string& text) {
  std::string all;
  for (size_t k = 0;; ++k) {
    std::string& block = (*blocks)[k % blocks->size()];
    auto more = r->Next(&block);
    ASSERT_TRUE(more.ok());
    if (!*more) break;
    ASSERT_FALSE(block.empty());
    all += block;
    if (all.size() < text.size()) EXPECT_EQ(block.back(), '\n');
  }
  EXPECT_EQ(all, text);
  EXPECT_EQ(r->bytes_read(), text.size());
}

class IngestLanes : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/flowlens-lanes-XXXXXX";
    dir_ = mkdtemp(tmpl);
    std::filesystem::create_directories(dir_ + "/objs");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<storage::Store> Open() {
    storage::StoreOptions o;
    o.partition_ms = 600'000;
    auto s = storage::Store::Open(dir_ + "/data", o);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? std::move(s).value() : nullptr;
  }
  // (stream, message) of every stored event, in scan order.
  std::vector<std::pair<std::string, std::string>> Events(storage::Store* store,
                                                          const std::string& group) {
    auto snap = store->Snapshot();
    const storage::GroupSnapshot* g = snap->FindGroup(group);
    std::vector<std::pair<std::string, std::string>> got;
    if (!g) return got;
    EXPECT_TRUE(snap->ScanEvents(*g,
                                 [&](const storage::EventView& e) {
                                   got.emplace_back(e.stream, e.message);
                                   return Status::Ok();
                                 })
                    .ok());
    return got;
  }
  // Writes `objects` .gz objects of `lines` records each; a bad line replaces
  // line `bad_line` (numbered from 1, the header being line 1) of object
  // `bad_obj`. Returns the good lines.
  std::vector<std::string> WriteObjects(int objects, int lines, int bad_obj = -1,
                                        int bad_line = 0) {
    std::vector<std::string> good;
    for (int o = 0; o < objects; ++o) {
      std::string text = kHeader;
      for (int i = 0; i < lines; ++i) {
        if (o == bad_obj && i + 2 == bad_line) {
          text += "2 123456789012 eni-1 10.0.0.1 10.0.0.300 1 22 6 1 1 1 2 ACCEPT OK\n";
          continue;
        }
        std::string l = Line(o, i, 1795737600 + i);
        good.push_back(l);
        text += l + "\n";
      }
      WriteFile(fmt::format("{}/objs/o{:03}.log.gz", dir_, o), Gzip(text));
    }
    std::sort(good.begin(), good.end());
    return good;
  }

  std::string dir_;
};

TEST_F(IngestLanes, ManyObjectsStoreEveryRecordOnceAndNameTheBadLine) {
  std::vector<std::string> good = WriteObjects(9, 3000, 6, 1234);
  auto store = Open();
  ASSERT_TRUE(store);
  IngestOptions opts;
  opts.group = "/g";
  opts.threads = 2;
  // The directory and one of its objects again: that object loads once.
  auto r = IngestPaths(*store, {dir_ + "/objs", dir_ + "/objs/o003.log.gz"}, opts);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->files, 10u);
  EXPECT_EQ(r->files_skipped, 1u);
  EXPECT_EQ(r->records_stored, good.size());
  EXPECT_EQ(r->lines_rejected, 1u);
  ASSERT_EQ(r->first_errors.size(), 1u);
  EXPECT_NE(r->first_errors[0].find("o006.log.gz:1234:"), std::string::npos) << r->first_errors[0];
  std::vector<std::string> got;
  for (auto& [s, m] : Events(store.get(), "/g")) got.push_back(m);
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, good);
  // Every object is marked: a second run stores nothing.
  auto again = IngestPaths(*store, {dir_ + "/objs"}, opts);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->files_skipped, 9u);
  EXPECT_EQ(again->records_stored, 0u);
}

TEST_F(IngestLanes, StrictStopsAtTheFirstBadLineInFileOrder) {
  WriteObjects(6, 2000, 2, 777);
  auto store = Open();
  ASSERT_TRUE(store);
  IngestOptions opts;
  opts.group = "/g";
  opts.threads = 2;
  opts.strict = true;
  auto r = IngestPaths(*store, {dir_ + "/objs"}, opts);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("o002.log.gz:777:"), std::string::npos)
      << r.status().ToString();
  // The objects before it are stored whole; the bad one not at all; each
  // stored object is marked, so a run without --strict completes the rest
  // without doubling anything.
  std::map<int, int> per_object;
  for (auto& [s, m] : Events(store.get(), "/g")) {
    int obj = std::stoi(m.substr(m.find(" 3 ") + 3)) / 1000000;
    ++per_object[obj];
  }
  EXPECT_EQ(per_object[0], 2000);
  EXPECT_EQ(per_object[1], 2000);
  EXPECT_EQ(per_object.count(2), 0u);
  for (auto& [obj, n] : per_object) EXPECT_EQ(n, 2000) << "object " << obj;
  opts.strict = false;
  auto rest = IngestPaths(*store, {dir_ + "/objs"}, opts);
  ASSERT_TRUE(rest.ok()) << rest.status().ToString();
  EXPECT_EQ(Events(store.get(), "/g").size(), 6u * 2000 - 1);
}

TEST_F(IngestLanes, StreamsKeepTimeOrderAndInputOrderAmongEqualTimes) {
  // One stream, times going back and forth, many rows sharing a time.
  std::string text = kHeader;
  std::vector<std::string> lines;
  for (int i = 0; i < 20000; ++i) {
    int64_t start = 1795737600 + (i % 7 == 0 ? 300 - i % 300 : i / 100);
    lines.push_back(
        fmt::format("2 123456789012 eni-7 10.0.0.1 10.1.0.2 {} 443 6 3 {} {} {} ACCEPT OK",
                    1024 + i % 9, i, start, start + 60));
    text += lines.back() + "\n";
  }
  WriteFile(dir_ + "/one.log", text);
  auto store = Open();
  ASSERT_TRUE(store);
  IngestOptions opts;
  opts.group = "/g";
  opts.threads = 1;
  ASSERT_TRUE(IngestPaths(*store, {dir_ + "/one.log"}, opts).ok());
  std::vector<std::pair<int64_t, int>> got;  // (start, input position)
  for (auto& [s, m] : Events(store.get(), "/g")) {
    EXPECT_EQ(s, "eni-7-all");
    std::vector<std::string> f;
    size_t pos = 0;
    while (pos <= m.size()) {
      size_t sp = m.find(' ', pos);
      if (sp == std::string::npos) sp = m.size();
      f.push_back(m.substr(pos, sp - pos));
      pos = sp + 1;
    }
    got.emplace_back(std::stoll(f[10]), std::stoi(f[9]));
  }
  ASSERT_EQ(got.size(), lines.size());
  std::vector<std::pair<int64_t, int>> want = got;
  std::sort(want.begin(), want.end());
  EXPECT_EQ(got, want);
}

TEST(Gunzip, ConcatenatedMembersTrailingBytesAndBrokenStreams) {
  std::string a(100000, 'a'), b = "second member\n";
  std::string packed = Gzip(a) + Gzip(b);
  std::string out;
  ASSERT_TRUE(GunzipBytes(packed, "x.gz", &out).ok());
  EXPECT_EQ(out, a + b);
  ASSERT_TRUE(GunzipBytes(packed + "junk", "x.gz", &out).ok());
  EXPECT_EQ(out, a + b);
  Status s = GunzipBytes(packed.substr(0, packed.size() / 3), "x.gz", &out);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("x.gz"), std::string::npos) << s.ToString();
  EXPECT_FALSE(GunzipBytes(Gzip(a).substr(0, 30) + "\x1f\x8b", "y.gz", &out).ok());
}

TEST(ObjectReaderWhole, BlocksEndAtLineBreaksAndLoseNothing) {
  char tmpl[] = "/tmp/flowlens-reader-XXXXXX";
  std::string dir = mkdtemp(tmpl);
  // Lines of every length around the block size, one longer than a block.
  std::string text;
  for (int i = 0; text.size() < 13u << 20; ++i) {
    text += std::string(static_cast<size_t>(i * 7919 % 300000), 'x') + "\n";
    if (i == 5) text += std::string(5u << 20, 'y') + "\n";
  }
  text += "no line end at the end";
  WriteFile(dir + "/t.log.gz", Gzip(text));
  ObjectReader r;
  ASSERT_TRUE(r.Open(dir + "/t.log.gz").ok());
  std::vector<std::string> block(1);
  ExpectWholeLinesThenEverything(&r, &block, text);
  std::filesystem::remove_all(dir);
}

// A plain file streams through zlib: blocks handed back for reuse (as the
// loader's spare buffers, of any size and contents) come back whole lines.
TEST(ObjectReaderStreamed, ReusedBlocksEndAtLineBreaksAndLoseNothing) {
  char tmpl[] = "/tmp/flowlens-reader-XXXXXX";
  std::string dir = mkdtemp(tmpl);
  std::string text;
  for (int i = 0; text.size() < 13u << 20; ++i) {
    text += std::string(static_cast<size_t>(i * 7919 % 300000), 'x') + "\n";
    if (i == 5) text += std::string(5u << 20, 'y') + "\n";
  }
  text += "no line end at the end";
  std::ofstream(dir + "/t.log", std::ios::binary) << text;
  ObjectReader r;
  ASSERT_TRUE(r.Open(dir + "/t.log").ok());
  std::vector<std::string> spare(3);
  spare[1].assign(9u << 20, 'z');  // bigger than a block, stale bytes
  spare[2].assign(100, 'q');
  ExpectWholeLinesThenEverything(&r, &spare, text);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace flowlens::ingest

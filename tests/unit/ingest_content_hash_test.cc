// Content keys of ingested objects (ingest/content_hash.h) and the hash
// taken while loading (ObjectReader, IngestPaths): the streamed hash gives
// the values the one-pass HashFile of earlier versions gave (stores keep
// them in their ingested marks), whatever the pieces; the reader's hash of a
// plain file and of a small .gz object equals HashFile's; a store's marks are
// those HashFile computes, so an object is skipped on re-ingest and a changed
// one loaded again; and a crash at any step of an ingest leaves a store that
// a re-run completes with every record exactly once.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <zlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "ingest/bulk_loader.h"
#include "ingest/content_hash.h"
#include "ingest/ingester.h"
#include "ingest_test_util.h"
#include "storage/fault_file_system.h"
#include "storage/store.h"

namespace flowlens::ingest {
namespace {

namespace fs = std::filesystem;
using testing_util::Gzip;

// Byte i of the golden inputs.
std::string Pattern(size_t len) {
  std::string s(len, '\0');
  for (size_t i = 0; i < len; ++i) s[i] = static_cast<char>((i * 131 + 7) % 251);
  return s;
}

// Computed by the one-pass HashFile of 1e488a8 (before the streamed hasher).
const std::vector<std::pair<size_t, std::string>> kGolden = {
    {0, "x64:d2e427d3cf4ed0fd:0"},
    {1, "x64:6949fe0ae935d72d:1"},
    {31, "x64:d8017d69c8912965:31"},
    {32, "x64:87b7947b833eef7c:32"},
    {33, "x64:48e6385c37dbe5ed:33"},
    {1000, "x64:c79c68bac780b01d:1000"},
    {3000017, "x64:3d35a418c5436bd4:3000017"},
};

std::string Line(int i) {
  return fmt::format("2 123456789012 eni-{} 10.0.0.{} 10.0.1.{} {} 80 6 1 {} {} {} ACCEPT OK",
                     i % 3, i % 250, i % 200, 1024 + i % 60000, 40 * i, 1795737600 + i * 7,
                     1795737660 + i * 7);
}

void WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

class ContentHash : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/flowlens-hash-XXXXXX";
    dir_ = mkdtemp(tmpl);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Reads `path` to its end with a hashing reader; returns its content_hash().
  std::string ReaderHash(const std::string& path) {
    ObjectReader reader;
    EXPECT_TRUE(reader.Open(path, true).ok());
    std::string block;
    while (true) {
      Result<bool> more = reader.Next(&block);
      EXPECT_TRUE(more.ok()) << more.status().ToString();
      if (!more.ok() || !*more) break;
    }
    return reader.content_hash();
  }

  std::string dir_;
};

TEST_F(ContentHash, StreamedHashKeepsTheValuesOfTheOnePassHash) {
  std::mt19937 rng(5);
  for (const auto& [len, want] : kGolden) {
    const std::string bytes = Pattern(len);
    const std::string path = fmt::format("{}/in{}", dir_, len);
    WriteFile(path, bytes);
    auto whole = HashFile(path);
    ASSERT_TRUE(whole.ok());
    EXPECT_EQ(*whole, want) << len;
    for (int trial = 0; trial < 5; ++trial) {  // random pieces, including empty ones
      ContentHasher h;
      for (size_t pos = 0; pos < len;) {
        size_t n = std::min<size_t>(len - pos, rng() % (trial < 3 ? 70 : 100000));
        h.Update(std::string_view(bytes).substr(pos, n));
        pos += n;
      }
      EXPECT_EQ(h.size(), len);
      EXPECT_EQ(h.Finish(), want) << len << " trial " << trial;
    }
  }
  EXPECT_FALSE(HashFile(dir_ + "/missing").ok());
}

TEST_F(ContentHash, ReaderHashesPlainAndSmallGzipObjectsAsStored) {
  std::string text;
  for (int i = 0; i < 100000; ++i) text += Line(i) + "\n";  // three reader blocks
  text += "no line break at the end";
  WriteFile(dir_ + "/a.log", text);
  const std::string packed = Gzip(text);
  WriteFile(dir_ + "/a.log.gz", packed);
  WriteFile(dir_ + "/gzip-named-plain.log", packed);
  for (const char* name : {"/a.log", "/a.log.gz"}) {
    auto want = HashFile(dir_ + name);
    ASSERT_TRUE(want.ok());
    EXPECT_EQ(ReaderHash(dir_ + name), *want) << name;
  }
  // gzip data that zlib streams (not named .gz): its packed bytes are not
  // seen, so no hash (the loader then hashes the file).
  EXPECT_EQ(ReaderHash(dir_ + "/gzip-named-plain.log"), "");
  // Not asked: no hash.
  ObjectReader reader;
  ASSERT_TRUE(reader.Open(dir_ + "/a.log").ok());
  std::string block;
  while (*reader.Next(&block)) {
  }
  EXPECT_EQ(reader.content_hash(), "");
}

TEST_F(ContentHash, MarksAreHashFileKeysSoReingestSkipsAndAChangedFileLoads) {
  std::string text;
  for (int i = 0; i < 5000; ++i) text += Line(i) + "\n";
  const std::string path = dir_ + "/flows.log";
  WriteFile(path, text);
  WriteFile(dir_ + "/other.log.gz", Gzip(Line(9000) + "\n"));
  WriteFile(dir_ + "/packed-plain.log", Gzip(Line(9001) + "\n"));
  auto store = storage::Store::Open(dir_ + "/data", {});
  ASSERT_TRUE(store.ok());
  IngestOptions opts;
  opts.group = "/g";
  opts.threads = 2;
  auto r = IngestPaths(**store, {path, dir_ + "/other.log.gz", dir_ + "/packed-plain.log"}, opts);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->records_stored, 5002u);
  for (const std::string& p : {path, dir_ + "/other.log.gz", dir_ + "/packed-plain.log"}) {
    auto h = HashFile(p);
    ASSERT_TRUE(h.ok());
    EXPECT_TRUE((*store)->IsIngested({fs::absolute(p).lexically_normal().string(), *h})) << p;
    EXPECT_TRUE((*store)->HasIngestedPath(fs::absolute(p).lexically_normal().string()));
  }
  EXPECT_FALSE((*store)->HasIngestedPath(dir_ + "/flows"));
  EXPECT_FALSE((*store)->HasIngestedPath(dir_ + "/flows.log2"));
  // Again, and the same file twice more in one run: all skipped.
  auto again = IngestPaths(**store, {path, path, dir_ + "/other.log.gz", path}, opts);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->records_stored, 0u);
  EXPECT_EQ(again->files_skipped, 4u);
  // Changed under the same path: loaded again, whole.
  WriteFile(path, text + Line(7000) + "\n");
  auto changed = IngestPaths(**store, {path}, opts);
  ASSERT_TRUE(changed.ok());
  EXPECT_EQ(changed->records_stored, 5001u);
  EXPECT_EQ(changed->files_skipped, 0u);
}

TEST_F(ContentHash, NewFileRepeatedInOneRunLoadsOnce) {
  std::string text;
  for (int i = 0; i < 3000; ++i) text += Line(i) + "\n";
  const std::string path = dir_ + "/flows.log";
  WriteFile(path, text);
  auto store = storage::Store::Open(dir_ + "/data", {});
  ASSERT_TRUE(store.ok());
  IngestOptions opts;
  opts.group = "/g";
  opts.threads = 2;  // two lanes: both occurrences may be under way at once
  auto r = IngestPaths(**store, {path, dir_ + "/./flows.log", path}, opts);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->records_stored, 3000u);
  EXPECT_EQ(r->files_skipped, 2u);
  EXPECT_EQ(r->skipped.size(), 2u);
}

// The whole ingest (the hash taken while reading, the claim, the commit),
// crashed at every file-system step: a re-run stores what is missing, once.
TEST_F(ContentHash, CrashAtAnyStepThenRerunStoresEveryRecordOnce) {
  std::string text;
  std::vector<std::string> want;
  for (int i = 0; i < 1500; ++i) {  // three one-hour partitions: three segments
    want.push_back(Line(i));
    text += want.back() + "\n";
  }
  std::sort(want.begin(), want.end());
  const std::string path = dir_ + "/flows.log";
  WriteFile(path, text);
  auto fault = std::make_shared<storage::FaultInjectingFileSystem>(storage::DefaultFileSystem());
  IngestOptions opts;
  opts.group = "/g";
  opts.threads = 2;
  for (int step = 0; step < 1000; ++step) {
    fs::remove_all(dir_ + "/data");
    fault->ClearFaults();
    storage::StoreOptions so;
    so.fs = fault;
    {
      auto store = storage::Store::Open(dir_ + "/data", so);
      ASSERT_TRUE(store.ok());
      fault->FailAt(step, storage::Fault::kCrash);
      (void)IngestPaths(**store, {path}, opts);
    }
    const bool crashed = fault->crashed();
    ASSERT_TRUE(fault->DropUnsyncedData().ok());
    auto store = storage::Store::Open(dir_ + "/data", {});
    ASSERT_TRUE(store.ok()) << "step " << step << ": " << store.status().ToString();
    auto r = IngestPaths(**store, {path}, opts);
    ASSERT_TRUE(r.ok()) << "step " << step << ": " << r.status().ToString();
    EXPECT_EQ(r->records_stored + r->files_skipped * want.size(), want.size()) << step;
    std::vector<std::string> got = testing_util::SortedMessages(**store, "/g");
    ASSERT_EQ(got, want) << "step " << step;
    if (!crashed) {
      EXPECT_EQ(r->files_skipped, 1u);
      EXPECT_GT(step, 3);
      return;
    }
  }
  ADD_FAILURE() << "the ingest never completed without a crash";
}

}  // namespace
}  // namespace flowlens::ingest

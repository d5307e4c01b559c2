// Partial results (QueryOptions::on_partial): while a query runs on two
// workers, each partial result is the whole query over a prefix of the
// input, counts only grow, and the final result is the one a run without
// partial results gives.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>

#include "query/executor.h"

namespace flowlens::query {
namespace {

class PartialResults : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/flowlens-partial-test-XXXXXX";
    dir_ = mkdtemp(tmpl);
    // 8 files (one morsel each) of 1,000 records: file f has sources
    // 10.0.f.0-9 and every tenth record goes to port 22.
    for (int f = 0; f < 8; ++f) {
      std::string text;
      for (int i = 0; i < 1000; ++i) {
        text += "2 123456789010 eni-1 10.0." + std::to_string(f) + "." + std::to_string(i % 10) +
                " 10.1.0.1 40000 " + (i % 10 == 0 ? "22" : "443") + " 6 2 100 " +
                std::to_string(1795850000 + f * 60 + i % 60) + " " +
                std::to_string(1795850060 + f * 60) + " ACCEPT OK\n";
      }
      std::string path = dir_ + "/f" + std::to_string(f) + ".log";
      std::ofstream(path, std::ios::binary) << text;
      ScanInput in;
      in.path = path;
      in.display_name = path;
      inputs_.push_back(in);
    }
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  Result<QueryResult> Run(const std::string& query, std::vector<QueryResult>* partials) {
    QueryOptions o;
    o.threads = 2;
    o.limit = 0;
    if (partials) {
      o.partial_interval_ms = 0;
      o.on_partial = [this, partials](QueryResult&& r) {
        std::lock_guard<std::mutex> lock(mu_);
        partials->push_back(std::move(r));
      };
    }
    return RunQueryOnFiles(query, inputs_, o);
  }

  std::string dir_;
  std::vector<ScanInput> inputs_;
  std::mutex mu_;
};

TEST_F(PartialResults, CountsGrowAndTheEndIsUnchanged) {
  const std::string q = "stats count(*) as n, sum(packets) as p";
  std::vector<QueryResult> partials;
  auto with = Run(q, &partials);
  auto without = Run(q, nullptr);
  ASSERT_TRUE(with.ok()) << with.status().message();
  ASSERT_TRUE(without.ok());
  EXPECT_EQ(with->rows, without->rows);
  ASSERT_EQ(without->rows.at(0).at(0), "8000");
  // The first morsel done makes one; more follow as making one costs little
  // next to the morsels (never more than one per finished morsel).
  ASSERT_GE(partials.size(), 1u);
  ASSERT_LE(partials.size(), 8u);
  // The first is made while the other worker still has files to read: it
  // waits at its next file for the gathering (a gatherer starved by a worker
  // that keeps taking its own lock again would only get in at the end).
  EXPECT_LT(std::stoll(*partials[0].rows[0][0]), 8000);
  int64_t last = 0;
  for (const QueryResult& r : partials) {
    ASSERT_EQ(r.rows.size(), 1u);
    int64_t n = std::stoll(*r.rows[0][0]);
    int64_t p = std::stoll(*r.rows[0][1]);
    EXPECT_GE(n, last);
    EXPECT_LE(n, 8000);
    EXPECT_EQ(n % 1000, 0) << "a partial result covers whole morsels";
    EXPECT_EQ(p, 2 * n);
    EXPECT_EQ(r.statistics.records_matched, static_cast<double>(n));
    last = n;
  }
}

TEST_F(PartialResults, LaterCommandsApplyToEachPartial) {
  const std::string q =
      "filter dstPort = 22 | stats count(*) as n by srcAddr | sort n desc, srcAddr | limit 3";
  std::vector<QueryResult> partials;
  auto with = Run(q, &partials);
  auto without = Run(q, nullptr);
  ASSERT_TRUE(with.ok());
  EXPECT_EQ(with->rows, without->rows);
  ASSERT_FALSE(partials.empty());
  for (const QueryResult& r : partials) {
    EXPECT_LE(r.rows.size(), 3u);
    for (const auto& row : r.rows) EXPECT_EQ(row[1], "100");  // one source per file and digit
  }
}

TEST_F(PartialResults, RowsWithoutStatsAreNewestFirstAndLimited) {
  std::vector<QueryResult> partials;
  QueryOptions o;
  o.threads = 2;
  o.limit = 5;
  o.partial_interval_ms = 0;
  o.on_partial = [&](QueryResult&& r) {
    std::lock_guard<std::mutex> lock(mu_);
    partials.push_back(std::move(r));
  };
  auto with = RunQueryOnFiles("fields @timestamp, srcAddr", inputs_, o);
  o.on_partial = nullptr;
  auto without = RunQueryOnFiles("fields @timestamp, srcAddr", inputs_, o);
  ASSERT_TRUE(with.ok());
  EXPECT_EQ(with->rows, without->rows);
  ASSERT_FALSE(partials.empty());
  for (const QueryResult& r : partials) {
    EXPECT_LE(r.rows.size(), 5u);
    EXPECT_EQ(r.rows.size(), r.pointers.size());
    for (size_t i = 1; i < r.rows.size(); ++i) EXPECT_GE(*r.rows[i - 1][0], *r.rows[i][0]);
  }
}

}  // namespace
}  // namespace flowlens::query

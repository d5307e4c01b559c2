// The store scan (query/store_scan.h) on events still in the WAL and on the
// same events flushed into a segment: the same rows and the same statistics
// (records scanned, and bytes scanned = the messages plus one line end each),
// also when leading filters drop rows before the other columns are read.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "query/store_scan.h"
#include "storage/store.h"

namespace flowlens::query {
namespace {

std::string Line(int i) {
  if (i % 101 == 50) {  // missing values: fail every comparison
    return fmt::format("2 123456789012 eni-{:04d} - - - - - - - {} {} - NODATA", i % 5,
                       1795737600 + i, 1795737660 + i);
  }
  return fmt::format("2 123456789012 eni-{:04d} 10.0.{}.{} 10.1.0.{} {} {} 6 {} {} {} {} {} OK",
                     i % 5, i % 200, i % 250, i % 7, 40000 + i, i % 3 == 0 ? 22 : 443, i % 30 + 1,
                     100 * i, 1795737600 + i, 1795737660 + i, i % 4 == 0 ? "REJECT" : "ACCEPT");
}

class StoreScan : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/flowlens-storescan-XXXXXX";
    dir_ = mkdtemp(tmpl);
    auto s = storage::Store::Open(dir_, {});
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(s).value();
    ASSERT_TRUE(store_->CreateLogGroup("/vpc/flows").ok());
    // One append per stream (each append is a synced WAL record).
    lines_.resize(kEvents);
    std::vector<std::vector<storage::Event>> by_stream(5);
    for (int i = 0; i < kEvents; ++i) {
      lines_[i] = Line(i);
      if (i % 97 == 0) lines_[i] += "  ";  // not rebuilt exactly: kept raw
      by_stream[i % 5].push_back({(1795737600LL + i) * 1000, 0, lines_[i]});
      bytes_ += lines_[i].size() + 1;
    }
    for (int s = 0; s < 5; ++s) {
      ASSERT_TRUE(
          store_->Append("/vpc/flows", fmt::format("eni-{:04d}", s), by_stream[s], true).ok());
    }
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  Result<QueryResult> Run(const std::string& q) {
    auto snap = store_->Snapshot();
    QueryOptions opts;
    opts.limit = 0;
    SourceFactory make = [&](const Plan& plan) -> Result<std::unique_ptr<ScanSource>> {
      std::vector<const storage::GroupSnapshot*> groups{snap->FindGroup("/vpc/flows")};
      return std::unique_ptr<ScanSource>(std::make_unique<StoreSource>(
          snap, groups, opts.start_ms, opts.end_ms, "000000000000", nullptr, &plan));
    };
    return RunQuery(q, make, opts);
  }

  static constexpr int kEvents = 9000;
  std::string dir_;
  std::unique_ptr<storage::Store> store_;
  std::vector<std::string> lines_;
  uint64_t bytes_ = 0;
};

TEST_F(StoreScan, WalAndSegmentGiveTheSameRowsAndStatistics) {
  const std::vector<std::string> queries = {
      "stats count(*) as n by action",
      "filter action = \"REJECT\" | stats count(*) as n by srcAddr | sort n desc, srcAddr",
      "filter dstPort = 22 or dstPort = 3389 | stats sum(bytes) as b by dstAddr | sort dstAddr",
      "filter isIpv4InSubnet(srcAddr, \"10.0.1.0/24\") and action = \"REJECT\" | stats count(*)",
      "filter action = \"NOPE\" | stats count(*)",
      "fields @message | filter srcPort < 40010 | sort @timestamp desc",
      // Every prefilter stage at once: codes, typed tests, the evaluator.
      "filter action = \"REJECT\" and dstPort = 22 and srcPort > 40100 and packets % 2 = 1 "
      "| stats count(*) as n by srcAddr | sort srcAddr",
      "filter (dstPort = 22 or dstPort = 443) and isIpv4InSubnet(srcAddr, \"10.0.0.0/16\") "
      "and bytes >= 5000 | stats count(*) as n, sum(packets) as p",
      "filter dstPort in [22, 3389] and action != \"ACCEPT\" | stats count(*)",
      "filter not isIpv4InSubnet(dstAddr, \"10.1.0.0/30\") | stats count(*) by action",
      // Int sets the typed test applies exactly (no evaluator), in every
      // spelling, and near misses it must not take as exact.
      "filter 443 = dstPort or dstPort = 22 or dstPort = 443 | stats count(*) by dstPort",
      "filter dstPort in [22] | stats count(*) by srcAddr | sort srcAddr",
      "filter dstPort = 22 or dstPort = 443 or dstPort = 3389 | stats count(*) by action",
      "filter dstPort = 22 or dstPort > 400 | stats count(*) by dstPort",
      "filter dstPort = 22 or srcPort = 40004 | stats count(*) by dstPort",
      "filter dstPort >= 22 and dstPort <= 100 | stats count(*) by dstPort",
  };
  std::vector<QueryResult> before;
  for (const std::string& q : queries) {
    auto r = Run(q);
    ASSERT_TRUE(r.ok()) << q << ": " << r.status().ToString();
    EXPECT_EQ(r->statistics.records_scanned, kEvents) << q;
    EXPECT_EQ(r->statistics.bytes_scanned, static_cast<double>(bytes_)) << q;
    before.push_back(std::move(r).value());
  }
  ASSERT_TRUE(store_->Flush().ok());
  ASSERT_TRUE(store_->Snapshot()->FindGroup("/vpc/flows")->unflushed.empty());
  for (size_t i = 0; i < queries.size(); ++i) {
    auto r = Run(queries[i]);
    ASSERT_TRUE(r.ok()) << queries[i] << ": " << r.status().ToString();
    EXPECT_EQ(r->rows, before[i].rows) << queries[i];
    EXPECT_EQ(r->statistics.records_matched, before[i].statistics.records_matched) << queries[i];
    EXPECT_EQ(r->statistics.records_scanned, kEvents) << queries[i];
    EXPECT_EQ(r->statistics.bytes_scanned, static_cast<double>(bytes_)) << queries[i];
  }
  // The filters did select something, and not everything.
  EXPECT_GT(before[1].rows.size(), 10u);
  EXPECT_EQ(before[4].rows.at(0).at(0), "0");
  EXPECT_EQ(before[5].rows.size(), 10u);
  EXPECT_GT(before[6].rows.size(), 2u);
  EXPECT_NE(before[7].rows.at(0).at(0), "0");
  EXPECT_NE(before[8].rows.at(0).at(0), "0");
  EXPECT_EQ(before[10].rows.size(), 2u);  // 22 and 443
  EXPECT_GT(before[11].rows.size(), 10u);
  EXPECT_EQ(before[14].rows.size(), 2u);  // 22, and 443 for srcPort 40004
}

}  // namespace
}  // namespace flowlens::query

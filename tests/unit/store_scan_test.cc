// The store scan (query/store_scan.h) on events still in the WAL and on the
// same events flushed into a segment: the same rows and the same statistics
// (records scanned, and bytes scanned = the messages plus one line end each),
// also when leading filters drop rows before the other columns are read,
// in place on the decoded chunks or on rows copied out (StoreScanFilter).
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "query/store_scan.h"
#include "storage/file_system.h"
#include "storage/format.h"
#include "storage/segment_reader.h"
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
  // The events: event i's line, @timestamp and stream (of five).
  virtual int Events() const { return kEvents; }
  virtual std::string LineOf(int i) const {
    // Not rebuilt exactly from the columns: kept raw.
    return i % 97 == 0 ? Line(i) + "  " : Line(i);
  }
  virtual int64_t TimeOf(int i) const { return (1795737600LL + i) * 1000; }
  virtual int StreamOf(int i) const { return i % 5; }

  void SetUp() override {
    char tmpl[] = "/tmp/flowlens-storescan-XXXXXX";
    dir_ = mkdtemp(tmpl);
    auto s = storage::Store::Open(dir_, {});
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(s).value();
    ASSERT_TRUE(store_->CreateLogGroup("/vpc/flows").ok());
    // One append per stream (each append is a synced WAL record).
    lines_.resize(static_cast<size_t>(Events()));
    std::vector<std::vector<storage::Event>> by_stream(5);
    for (int i = 0; i < Events(); ++i) {
      lines_[i] = LineOf(i);
      by_stream[StreamOf(i)].push_back({TimeOf(i), 0, lines_[i]});
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

  // Runs `queries` on the events in the WAL, flushes them into segments,
  // calls `flushed` (if given), and runs them again: the same rows, matched
  // and scanned records and bytes. Returns the first answers.
  std::vector<QueryResult> RunBeforeAndAfterFlush(const std::vector<std::string>& queries,
                                                  const std::function<void()>& flushed = {}) {
    std::vector<QueryResult> before;
    for (const std::string& q : queries) {
      auto r = Run(q);
      EXPECT_TRUE(r.ok()) << q << ": " << r.status().ToString();
      if (!r.ok()) return {};
      EXPECT_EQ(r->statistics.records_scanned, Events()) << q;
      EXPECT_EQ(r->statistics.bytes_scanned, static_cast<double>(bytes_)) << q;
      before.push_back(std::move(r).value());
    }
    EXPECT_TRUE(store_->Flush().ok());
    EXPECT_TRUE(store_->Snapshot()->FindGroup("/vpc/flows")->unflushed.empty());
    if (flushed) flushed();
    for (size_t i = 0; i < queries.size(); ++i) {
      auto r = Run(queries[i]);
      EXPECT_TRUE(r.ok()) << queries[i] << ": " << r.status().ToString();
      if (!r.ok()) continue;
      EXPECT_EQ(r->rows, before[i].rows) << queries[i];
      EXPECT_EQ(r->statistics.records_matched, before[i].statistics.records_matched) << queries[i];
      EXPECT_EQ(r->statistics.records_scanned, Events()) << queries[i];
      EXPECT_EQ(r->statistics.bytes_scanned, static_cast<double>(bytes_)) << queries[i];
    }
    return before;
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
      // Batches that stages change (a slot computed, rows dropped) or take
      // away whole (no stats), before the scan reuses them for the next
      // block; row ids read (earliest, @ptr) or not.
      "fields bytes * 2 as x | filter x > 500000 | stats count(*) as n, sum(x) by action",
      "fields @timestamp, srcAddr, bytes, @log | filter dstPort = 22 | sort @timestamp",
      "stats earliest(srcAddr) as e, latest(dstPort) as l, count(*) by action",
      "fields concat(action, \"-\", logStatus) as k | stats count(*) by k, bin(1m)",
  };
  std::vector<QueryResult> before = RunBeforeAndAfterFlush(queries);
  ASSERT_EQ(before.size(), queries.size());
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

constexpr int kPairs = 10000;  // 20,000 rows: one segment, five blocks

// Event j: pair p = j / 2; odd j is the reply of the even one before it.
std::string PairLine(int j) {
  const int p = j / 2;
  const bool reply = j % 2 == 1;
  const std::string eni = fmt::format("eni-{:04d}", p % 5);
  if (p % 101 == 50) {  // missing values: fail every comparison
    return fmt::format("2 123456789012 {} - - - - - - - {} {} - NODATA", eni, 1795737600 + p,
                       1795737660 + p);
  }
  std::string a, b;
  if (p % 13 == 5) {
    a = fmt::format("2001:db8::{:x}", p % 50);
    b = "2001:db8:1::1";
  } else {
    a = fmt::format("10.0.{}.{}", p % 200, p % 250);
    b = fmt::format("10.1.0.{}", p % 7);
  }
  int sport = 40000 + p % 1000, dport = p % 3 == 0 ? 22 : (p % 7 == 0 ? 3389 : 443);
  if (reply) {
    std::swap(a, b);
    std::swap(sport, dport);
  }
  // REJECT only in stream 2: the blocks holding streams 0, 3 and 4 have none.
  const char* action = p % 5 == 2 && p % 4 != 0 ? "REJECT" : "ACCEPT";
  return fmt::format("2 123456789012 {} {} {} {} {} 6 {} {} {} {} {} OK", eni, a, b, sport, dport,
                     p % 30 + 1, 100 * p, 1795737600 + p, 1795737660 + p, action);
}

// The in-place filters (query/store_scan_filter.h) on a segment whose
// columns take every path: mirrored src/dst columns (each request row followed
// by its reply), IPv6 and IPv4 addresses in one chunk, missing values, blocks
// where no row passes and blocks where every row does, and a query that
// materializes the columns (@message) so that later blocks fall back to
// testing copied rows.
class StoreScanFilter : public StoreScan {
 protected:
  int Events() const override { return 2 * kPairs; }
  std::string LineOf(int j) const override { return PairLine(j); }
  // One millisecond apart: every event in one hour, so one segment.
  int64_t TimeOf(int j) const override { return 1795737600000LL + j; }
  int StreamOf(int j) const override { return (j / 2) % 5; }
};

TEST_F(StoreScanFilter, InPlaceFiltersGiveTheWalAnswers) {
  const std::vector<std::string> queries = {
      "filter action = \"REJECT\" | stats count(*) as n by srcAddr | sort srcAddr",
      "filter dstPort = 22 or dstPort = 3389 | stats count(*) as n by srcAddr | sort srcAddr",
      "filter srcPort = 22 | stats count(*) as n by dstAddr, dstPort | sort dstAddr, dstPort",
      "filter isIpv4InSubnet(srcAddr, \"10.0.2.0/24\") and action = \"REJECT\" | stats count(*)",
      "filter isIpv4InSubnet(dstAddr, \"10.0.0.0/16\") | stats count(*) by srcAddr | sort srcAddr",
      "filter isIpInSubnet(srcAddr, \"2001:db8::/64\") | stats count(*) by dstAddr | sort dstAddr",
      "filter isIpInSubnet(dstAddr, \"2001:db8:1::/48\") | stats count(*) by srcPort "
      "| sort srcPort",
      "filter srcAddr = \"2001:db8:1::1\" | stats count(*) as n, sum(bytes) as b",
      "filter dstAddr = \"10.1.0.3\" and srcPort >= 40500 | stats count(*)",
      "filter bytes >= 0 | stats count(*) as n by action | sort action",
      "filter action = \"NOPE\" | stats count(*)",
      "filter action = \"REJECT\" and dstPort = 443 and srcPort < 40100 | stats count(*) as n "
      "by srcAddr | sort srcAddr",
      "filter dstPort in [22, 443] and packets % 2 = 1 | stats count(*) by dstPort",
      // Materializes every column of the row groups it reads (@message), so
      // the filters after it test copied rows.
      "fields @message | filter dstPort = 3389 and action = \"ACCEPT\" | sort @timestamp desc "
      "| limit 50",
      "filter dstPort = 3389 and @message like /ACCEPT/ | stats count(*) by srcAddr "
      "| sort srcAddr",
  };
  // After the flush: the segment stores the replies mirrored, in one row
  // group of several blocks.
  auto check_segment = [&] {
    std::vector<std::string> segs;
    for (const auto& e : std::filesystem::directory_iterator(dir_ + "/segments")) {
      segs.push_back(e.path().string());
    }
    ASSERT_EQ(segs.size(), 1u);
    std::shared_ptr<storage::FileSystem> fs = storage::DefaultFileSystem();
    auto reader = storage::SegmentReader::Open(fs.get(), segs[0]);
    ASSERT_TRUE(reader.ok()) << reader.status().ToString();
    const storage::SegmentFooter& f = (*reader)->footer();
    ASSERT_GE(f.ColumnIndex(storage::format::kColMirror), 0);
    int src = f.ColumnIndex(static_cast<uint16_t>(fields::kSrcAddr));
    ASSERT_GE(src, 0);
    EXPECT_EQ(f.columns[static_cast<size_t>(src)].reference,
              storage::format::IntReference::kMirror);
    EXPECT_EQ(f.row_groups.size(), 1u);
    EXPECT_GE((*reader)->num_blocks(), 4u);
  };
  std::vector<QueryResult> before = RunBeforeAndAfterFlush(queries, check_segment);
  ASSERT_EQ(before.size(), queries.size());
  // The filters selected something, and not everything.
  EXPECT_GT(before[0].rows.size(), 10u);
  EXPECT_GT(before[1].rows.size(), 10u);
  EXPECT_GT(before[2].rows.size(), 2u);
  EXPECT_NE(before[3].rows.at(0).at(0), "0");
  EXPECT_GT(before[5].rows.size(), 0u);
  EXPECT_GT(before[6].rows.size(), 10u);
  EXPECT_NE(before[7].rows.at(0).at(0), "0");
  EXPECT_EQ(before[10].rows.at(0).at(0), "0");
  EXPECT_EQ(before[13].rows.size(), 50u);
}

}  // namespace
}  // namespace flowlens::query

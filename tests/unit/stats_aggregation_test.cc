// Stats aggregation across batches and workers: keys whose column types change
// from one batch to the next (the group table leaves its fixed-width path),
// IPv6 keys merged between workers, and the memory budget's error. Each
// result is checked against a reference computed here row by row.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "query/executor.h"

namespace flowlens::query {
namespace {

class StatsAggregation : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/flowlens-stats-test-XXXXXX";
    dir_ = mkdtemp(tmpl);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Write(const std::string& name, const std::string& text) {
    std::string path = dir_ + "/" + name;
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }

  // The query's rows as "key -> remaining columns joined by tabs".
  std::map<std::string, std::string> Run(const std::string& path, const std::string& query,
                                         int threads, Status* status = nullptr) {
    QueryOptions o;
    o.threads = threads;
    o.limit = 0;
    if (budget_) o.memory_budget_bytes = budget_;
    ScanInput in;
    in.path = path;
    in.display_name = "in";
    auto r = RunQueryOnFiles(query, {in}, o);
    if (status) *status = r.ok() ? Status::Ok() : r.status();
    std::map<std::string, std::string> out;
    if (!r.ok()) return out;
    for (const auto& row : r->rows) {
      std::string rest;
      for (size_t c = 1; c < row.size(); ++c) rest += (c > 1 ? "\t" : "") + row[c].value_or("NULL");
      out[row[0].value_or("NULL")] = rest;
    }
    return out;
  }

  std::string dir_;
  size_t budget_ = 0;
};

// 300,000 events with int keys, then as many with the same keys as numeric
// text, then text keys and missing keys: the later batches move the table
// from fixed-width keys to encoded keys, and "7" must stay in group 7. The
// file spans several 8 MB chunks, so with two workers one table may still be
// fixed-width when the other is not, and the merge must reconcile them.
TEST_F(StatsAggregation, KeysChangeTypeBetweenBatches) {
  std::string text;
  std::map<std::string, std::pair<int64_t, int64_t>> want;  // key -> count, sum
  std::map<std::string, std::map<int64_t, bool>> distinct;
  constexpr int kPart = 300000;
  for (int i = 0; i < 2 * kPart + 30000; ++i) {
    std::string key = std::to_string(i % 40);
    int64_t v = i % 97;
    if (i < kPart) {
      text += "{\"k\": " + key + ", \"v\": " + std::to_string(v) + "}\n";
    } else if (i < 2 * kPart) {
      text += "{\"k\": \"" + key + "\", \"v\": \"" + std::to_string(v) + "\"}\n";
    } else if (i % 3 == 0) {
      key = "x" + std::to_string(i % 5);
      text += "{\"k\": \"" + key + "\", \"v\": " + std::to_string(v) + "}\n";
    } else if (i % 3 == 1) {
      key = "NULL";
      text += "{\"v\": " + std::to_string(v) + "}\n";
    } else {
      text += "{\"k\": " + key + ".0, \"v\": " + std::to_string(v) + "}\n";
    }
    want[key].first += 1;
    want[key].second += v;
    distinct[key][v] = true;
  }
  std::string path = Write("events.json", text);
  for (int threads : {1, 2}) {
    auto got = Run(path, "stats count(*) as n, sum(v) as s, count_distinct(v) as d by k", threads);
    ASSERT_EQ(got.size(), want.size()) << threads;
    for (const auto& [key, cs] : want) {
      EXPECT_EQ(got[key], std::to_string(cs.first) + "\t" + std::to_string(cs.second) + "\t" +
                              std::to_string(distinct[key].size()))
          << "key " << key << ", threads " << threads;
    }
  }
}

// Flow records with IPv4 and IPv6 sources over several 8 MB chunks, read by
// two workers whose tables hold different IPv6 ids that the merge reconciles.
TEST_F(StatsAggregation, Ipv6KeysMergeAcrossWorkers) {
  std::string text;
  std::map<std::string, std::pair<int64_t, int64_t>> want;  // src -> count, packets
  for (int i = 0; i < 250000; ++i) {
    std::string src = i % 7 == 0 ? "2001:db8::" + std::to_string(i % 13 + 1)
                      : i % 11 == 0
                          ? "-"
                          : "10.0." + std::to_string(i % 3) + "." + std::to_string(i % 17);
    int64_t packets = i % 23 + 1;
    if (src == "-") {
      text += "2 123456789010 eni-a - - - - - - - 1700000000 1700000060 - NODATA\n";
      want["NULL"].first += 1;
      continue;
    }
    text += "2 123456789010 eni-a " + src + " 10.1.0.1 40000 22 6 " + std::to_string(packets) +
            " 100 1700000000 1700000060 ACCEPT OK\n";
    want[src].first += 1;
    want[src].second += packets;
  }
  std::string path = Write("flows.log", text);
  for (int threads : {1, 2}) {
    auto got = Run(path, "stats count(*) as n, sum(packets) as p by srcAddr", threads);
    ASSERT_EQ(got.size(), want.size()) << threads;
    for (const auto& [src, cp] : want) {
      std::string p = src == "NULL" ? "NULL" : std::to_string(cp.second);
      EXPECT_EQ(got[src], std::to_string(cp.first) + "\t" + p) << src << ", threads " << threads;
    }
  }
}

TEST_F(StatsAggregation, GroupByPastTheMemoryBudgetFailsClearly) {
  std::string text;
  for (int i = 0; i < 50000; ++i) {
    text += "2 123456789010 eni-a 10." + std::to_string(i >> 16) + "." +
            std::to_string((i >> 8) & 255) + "." + std::to_string(i & 255) + " 10.1.0.1 40000 " +
            std::to_string(i % 1000) + " 6 1 100 1700000000 1700000060 ACCEPT OK\n";
  }
  std::string path = Write("flows.log", text);
  budget_ = 256 << 10;
  Status st;
  Run(path, "stats count(*) by srcAddr, dstPort", 1, &st);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), StatusCode::kResourceExhausted);
  const std::string& m = st.message();
  EXPECT_NE(m.find("stats by srcAddr, dstPort grew past the memory budget of 256 KB after"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("--memory"), std::string::npos) << m;
  // count_distinct's sets count too.
  Run(path, "stats count_distinct(srcAddr) as n", 1, &st);
  EXPECT_EQ(st.code(), StatusCode::kResourceExhausted) << st.ToString();
  // Within the budget the same query runs.
  budget_ = 64 << 20;
  auto got = Run(path, "stats count(*) as n by dstPort", 2, &st);
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(got.size(), 1000u);
  EXPECT_EQ(got["7"], "50");
}

}  // namespace
}  // namespace flowlens::query

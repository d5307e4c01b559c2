// Row queries that keep only what they can return (query/row_collector.h):
// `sort ... | limit N` is the full sort's answer (ties in input order, on any
// number of threads), `limit N` is the N newest events, `limit any N` stops
// the scan, a store query ordered by time skips the segments that cannot
// make its answer, and the typed concatenation keeps every value.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <string>

#include <fmt/format.h>

#include "query/analyzer.h"
#include "query/executor.h"
#include "query/operators.h"
#include "query/parser.h"
#include "query/row_collector.h"
#include "query/store_scan.h"
#include "storage/store.h"

namespace flowlens::query {
namespace {

using Rows = std::vector<std::vector<std::optional<std::string>>>;

Rows Head(const QueryResult& r, size_t n) {
  return Rows(r.rows.begin(), r.rows.begin() + static_cast<long>(std::min(n, r.rows.size())));
}

// Record i of file f: bytes repeat every 7 records (many ties); start times
// are shuffled within a file and overlap between files (ties too).
std::string Record(int f, int i) {
  const int start = 1795850000 + (i * 37 + f * 11) % 300;
  return fmt::format("2 123456789010 eni-{} 10.0.{}.{} 10.1.0.1 40000 443 6 2 {} {} {} ACCEPT OK",
                     f % 3, f, i % 250, 100 * (i % 7), start, start + 60);
}

class TopN : public ::testing::Test {
 protected:
  static constexpr int kFiles = 12, kLines = 400;
  void SetUp() override {
    char tmpl[] = "/tmp/flowlens-topn-test-XXXXXX";
    dir_ = mkdtemp(tmpl);
    for (int f = 0; f < kFiles; ++f) {  // one morsel each
      std::string text;
      for (int i = 0; i < kLines; ++i) text += Record(f, i) + "\n";
      const std::string path = fmt::format("{}/f{:02d}.log", dir_, f);
      std::ofstream(path, std::ios::binary) << text;
      ScanInput in;
      in.path = path;
      in.display_name = path;
      inputs_.push_back(in);
    }
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  QueryResult Run(const std::string& query, int threads, int64_t limit = 0,
                  std::vector<QueryResult>* partials = nullptr) {
    QueryOptions o;
    o.threads = threads;
    o.limit = limit;
    if (partials) {
      o.partial_interval_ms = 0;
      o.on_partial = [this, partials](QueryResult&& r) {
        std::lock_guard<std::mutex> lock(mu_);
        partials->push_back(std::move(r));
      };
    }
    auto r = RunQueryOnFiles(query, inputs_, o);
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() ? std::move(*r) : QueryResult{};
  }

  std::string dir_;
  std::vector<ScanInput> inputs_;
  std::mutex mu_;
};

TEST_F(TopN, SortLimitIsTheFullSortsHeadWithTiesInInputOrder) {
  // The full sort (no bound: every row kept) against the bounded top-N, on
  // one and two threads; @ptr makes each row's identity part of the answer.
  const std::string fields = "fields bytes, srcAddr, @timestamp, @ptr";
  const QueryResult full = Run(fields + " | sort bytes desc", 1);
  ASSERT_EQ(full.rows.size(), static_cast<size_t>(kFiles * kLines));
  for (int threads : {1, 2, 3}) {
    for (size_t n : {1, 5, 100, 1000}) {
      const QueryResult top =
          Run(fields + " | sort bytes desc | limit " + std::to_string(n), threads);
      EXPECT_EQ(top.rows, Head(full, n)) << threads << " threads, limit " << n;
    }
    // Under the result cap alone (no limit command), the same head.
    EXPECT_EQ(Run(fields + " | sort bytes desc", threads, 50).rows, Head(full, 50));
    EXPECT_EQ(Run(fields + " | sort @timestamp asc, bytes | limit 30", threads).rows,
              Head(Run(fields + " | sort @timestamp asc, bytes", 1), 30));
  }
  // Ties in input order: the first rows with the top bytes come from the
  // first file, in line order.
  ASSERT_GE(full.rows.size(), 2u);
  EXPECT_EQ(*full.rows[0][0], "600");
  EXPECT_EQ(*full.rows[0][1], "10.0.0.6");
  EXPECT_EQ(*full.rows[1][1], "10.0.0.13");
}

TEST_F(TopN, LimitIsTheNewestEvents) {
  // The default order (no sort): newest first, then input order; `limit N`
  // is its head, whatever the threads.
  const std::string fields = "fields @timestamp, srcAddr, @ptr";
  const QueryResult all = Run(fields, 1);
  ASSERT_EQ(all.rows.size(), static_cast<size_t>(kFiles * kLines));
  for (int threads : {1, 2}) {
    EXPECT_EQ(Run(fields + " | limit 7", threads).rows, Head(all, 7));
    EXPECT_EQ(Run(fields, threads, 25).rows, Head(all, 25));  // the result cap
    // limit before other commands: they see the newest rows.
    EXPECT_EQ(Run("limit 3 | " + fields, threads).rows, Head(all, 3));
    // tail: the end of the default order, the oldest events.
    EXPECT_EQ(Run(fields + " | tail 4", threads).rows, Rows(all.rows.end() - 4, all.rows.end()));
  }
  EXPECT_EQ(*all.rows[0][0], "2026-11-28 07:18:19.000");
}

TEST_F(TopN, LimitAnyStopsTheScan) {
  for (int threads : {1, 2}) {
    const QueryResult r = Run("filter bytes = 0 | limit any 5", threads);
    EXPECT_EQ(r.rows.size(), 5u);
    // One file (morsel) per worker gives 57 matches; the others go unread.
    EXPECT_LE(r.statistics.records_scanned, threads * kLines) << threads;
  }
  // More than any one file holds: the scan goes on until it has them.
  const QueryResult r = Run("limit any 500", 1);
  EXPECT_EQ(r.rows.size(), 500u);
  EXPECT_EQ(r.statistics.records_scanned, 2 * kLines);
}

TEST_F(TopN, DedupAfterSortKeepsTheFirstOfTheSortOrder) {
  const QueryResult full = Run("fields bytes, srcAddr, @ptr | sort bytes desc", 1);
  const QueryResult d = Run("fields bytes, srcAddr, @ptr | sort bytes desc | dedup srcAddr", 2);
  std::set<std::string> seen;
  Rows expect;
  for (const auto& row : full.rows) {
    if (seen.insert(*row[1]).second) expect.push_back(row);
  }
  EXPECT_EQ(d.rows, expect);
}

TEST_F(TopN, PartialResultsOfABoundedSortEndWithTheFullAnswer) {
  const std::string q = "fields bytes, @ptr | sort bytes asc | limit 10";
  std::vector<QueryResult> partials;
  const QueryResult with = Run(q, 2, 0, &partials);
  EXPECT_EQ(with.rows, Run(q, 1).rows);
  ASSERT_GE(partials.size(), 1u);
  for (const QueryResult& p : partials) EXPECT_LE(p.rows.size(), 10u);
}

TEST(RowCollector, HoldsAtMostTwiceTheBoundPlusABatch) {
  // `sort v desc | limit 10` over 100 batches: memory stays O(limit).
  auto parsed = ParseQuery("sort v desc | limit 10");
  ASSERT_TRUE(parsed.ok());
  auto plan = Analyze(*parsed);
  ASSERT_TRUE(plan.ok());
  const CollectPlan cp = PlanCollect(*plan, 0);
  ASSERT_EQ(cp.kind, CollectPlan::Kind::kSorted);
  ASSERT_EQ(cp.bound, 10u);
  const size_t slots = plan->slot_names.size();
  int v_slot = -1;
  for (size_t s = 0; s < slots; ++s) {
    if (plan->slot_names[s] == "v") v_slot = static_cast<int>(s);
  }
  ASSERT_GE(v_slot, 0);
  QueryTimes times;
  EvalState state(*plan, &times);
  RowCollector rows(&cp, slots);
  for (int b = 0; b < 100; ++b) {
    Batch batch;
    batch.size = kBatchSize;
    batch.columns.resize(slots);
    Column& v = batch.columns[static_cast<size_t>(v_slot)];
    v.kind = ColumnKind::kInt;
    for (size_t r = 0; r < kBatchSize; ++r) {
      v.ints.push_back(static_cast<int64_t>((r * 7919 + static_cast<size_t>(b) * 104729) % 100000));
      batch.source_ids.push_back(0);
      batch.row_ids.push_back(static_cast<uint64_t>(b) * kBatchSize + r);
    }
    rows.Add(std::move(batch), &state);
    EXPECT_LE(rows.size(), 2 * 10 + kBatchSize);
  }
  Batch all = rows.Build(true);
  ASSERT_GE(all.size, 10u);
  int64_t best = 0;
  for (size_t r = 0; r < all.size; ++r) best = std::max(best, all.columns[v_slot].ints[r]);
  EXPECT_EQ(best, 99999);
}

TEST(GatherRows, TypedColumnsKeepEveryValue) {
  // Parts of one typed kind, with a part where the column is missing, a
  // constant in every part, and a column that mixes types.
  Batch a, b;
  a.size = 2;
  b.size = 3;
  a.columns.resize(4);
  b.columns.resize(4);
  a.columns[0].kind = ColumnKind::kInt;
  a.columns[0].ints = {1, 2};
  a.columns[0].valid = {1, 0};
  b.columns[0] = Column::Null();
  a.columns[1].kind = b.columns[1].kind = ColumnKind::kString;
  a.columns[1].strings = {"x", "y"};
  b.columns[1].strings = {"z", "w", "v"};
  a.columns[2] = Column::Constant(Value::String("/vpc/flows"));
  b.columns[2] = Column::Constant(Value::String("/vpc/flows"));
  a.columns[3].kind = ColumnKind::kInt;
  a.columns[3].ints = {7, 8};
  b.columns[3].kind = ColumnKind::kString;
  b.columns[3].strings = {"s", "t", "u"};
  a.source_ids = {1, 1};
  a.row_ids = {10, 11};
  b.source_ids = {2, 2, 2};
  b.row_ids = {20, 21, 22};
  const std::vector<const Batch*> parts{&a, &b};
  const std::vector<RowRef> refs{{1, 2}, {0, 0}, {0, 1}, {1, 0}};
  for (bool own : {false, true}) {
    Batch out = GatherRows(parts, refs, 4, own);
    ASSERT_EQ(out.size, 4u);
    EXPECT_EQ(out.columns[0].kind, ColumnKind::kInt);
    EXPECT_EQ(out.columns[1].kind, ColumnKind::kString);
    EXPECT_EQ(out.columns[2].kind, ColumnKind::kConstant);
    for (size_t i = 0; i < refs.size(); ++i) {
      const Batch& src = *parts[refs[i].part];
      for (size_t c = 0; c < 4; ++c) {
        const Value want = src.columns[c].Get(refs[i].row), got = out.columns[c].Get(i);
        EXPECT_EQ(ValueToText(want), ValueToText(got)) << i << " " << c;
        EXPECT_EQ(want.is_null(), got.is_null()) << i << " " << c;
      }
      EXPECT_EQ(out.source_ids[i], src.source_ids[refs[i].row]);
      EXPECT_EQ(out.row_ids[i], src.row_ids[refs[i].row]);
    }
    if (own) {
      EXPECT_TRUE(out.keep_alive.empty());
      EXPECT_NE(out.columns[1].strings[0].data(), b.columns[1].strings[2].data());
    } else {
      EXPECT_EQ(out.columns[1].strings[0].data(), b.columns[1].strings[2].data());
    }
  }
}

// The store: ten segments of ten minutes each, flushed one after another.
class TopNStore : public ::testing::Test {
 protected:
  static constexpr int kSegments = 10, kPerSegment = 500;
  void SetUp() override {
    char tmpl[] = "/tmp/flowlens-topn-store-XXXXXX";
    dir_ = mkdtemp(tmpl);
    auto s = storage::Store::Open(dir_, {});
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(s).value();
    ASSERT_TRUE(store_->CreateLogGroup("/vpc/flows").ok());
    for (int seg = 0; seg < kSegments; ++seg) {
      std::vector<std::string> lines;
      std::vector<storage::Event> events;
      for (int i = 0; i < kPerSegment; ++i) {
        // Times inside the segment's ten minutes, whole seconds (ties).
        const int64_t t = 1795850000 + seg * 600 + (i * 13) % 600;
        lines.push_back(fmt::format(
            "2 123456789010 eni-1 10.0.{}.{} 10.1.0.1 40000 443 6 2 {} {} {} ACCEPT OK", seg,
            i % 250, 100 * (i % 9), t, t + 60));
      }
      for (int i = 0; i < kPerSegment; ++i) {
        const int64_t t = 1795850000 + seg * 600 + (i * 13) % 600;
        events.push_back({t * 1000, 0, lines[static_cast<size_t>(i)]});
      }
      ASSERT_TRUE(store_->Append("/vpc/flows", "eni-1-all", events, true).ok());
      ASSERT_TRUE(store_->Flush().ok());
    }
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  QueryResult Run(const std::string& q, int threads, StoreScanStats* stats, int64_t cap = 0) {
    auto snap = store_->Snapshot();
    QueryOptions opts;
    opts.limit = cap;
    opts.threads = threads;
    SourceFactory make = [&](const Plan& plan) -> Result<std::unique_ptr<ScanSource>> {
      std::vector<const storage::GroupSnapshot*> groups{snap->FindGroup("/vpc/flows")};
      return std::unique_ptr<ScanSource>(std::make_unique<StoreSource>(
          snap, groups, opts.start_ms, opts.end_ms, "000000000000", stats, &plan));
    };
    auto r = RunQuery(q, make, opts);
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() ? std::move(*r) : QueryResult{};
  }

  std::string dir_;
  std::unique_ptr<storage::Store> store_;
};

TEST_F(TopNStore, TimeOrderedQueriesReadTheNewestSegmentsOnly) {
  const uint64_t segments = store_->Snapshot()->FindGroup("/vpc/flows")->segments.size();
  ASSERT_GE(segments, static_cast<uint64_t>(kSegments));
  const std::string fields = "fields @timestamp, @message, @logStream, @log, @ptr";
  StoreScanStats all_stats;
  const QueryResult all = Run(fields + " | sort @timestamp desc", 1, &all_stats);
  ASSERT_EQ(all.rows.size(), static_cast<size_t>(kSegments * kPerSegment));
  EXPECT_EQ(all_stats.segments_read, segments);
  const QueryResult oldest = Run(fields + " | sort @timestamp asc", 1, nullptr);
  for (int threads : {1, 2}) {
    StoreScanStats stats;
    EXPECT_EQ(Run(fields + " | sort @timestamp desc | limit 20", threads, &stats).rows,
              Head(all, 20));
    // The newest segment holds the 20 newest rows; another worker may have
    // opened one more before the threshold was known.
    EXPECT_LE(stats.segments_read, static_cast<uint64_t>(threads)) << threads;
    StoreScanStats limit_stats;
    EXPECT_EQ(Run(fields + " | limit 5", threads, &limit_stats).rows, Head(all, 5));
    EXPECT_LE(limit_stats.segments_read, static_cast<uint64_t>(threads));
    // No blocking command, under the result cap: the newest rows too.
    StoreScanStats cap_stats;
    EXPECT_EQ(Run(fields, threads, &cap_stats, 30).rows, Head(all, 30));
    EXPECT_LE(cap_stats.segments_read, static_cast<uint64_t>(threads));
    StoreScanStats asc_stats;
    EXPECT_EQ(Run(fields + " | sort @timestamp asc | limit 20", threads, &asc_stats).rows,
              Head(oldest, 20));
    EXPECT_LE(asc_stats.segments_read, static_cast<uint64_t>(threads));
    // Any other order reads everything, and gets the full sort's head.
    StoreScanStats bytes_stats;
    EXPECT_EQ(Run(fields + ", bytes | sort bytes desc | limit 20", threads, &bytes_stats).rows,
              Head(Run(fields + ", bytes | sort bytes desc", 1, nullptr), 20));
    EXPECT_EQ(bytes_stats.segments_read, segments);
    if (threads == 1) {
      // Every segment has rows of the top bytes, so each is read; but once
      // 20 are kept, only rows that can beat them leave the scan.
      const QueryResult r = Run(fields + ", bytes | sort bytes desc | limit 20", 1, nullptr);
      EXPECT_LT(r.statistics.records_matched, kSegments * kPerSegment / 4);
    }
    // A first sort key that is a stored int field: segments whose statistics
    // show no value can beat the rows kept go unread.
    StoreScanStats start_stats;
    EXPECT_EQ(Run(fields + ", start | sort start asc | limit 20", threads, &start_stats).rows,
              Head(Run(fields + ", start | sort start asc", 1, nullptr), 20));
    EXPECT_LE(start_stats.segments_read, static_cast<uint64_t>(threads));
  }
}

TEST_F(TopNStore, LimitAnyStopsWithinTheFirstSegment) {
  const QueryResult r = Run("limit any 5", 1, nullptr);
  EXPECT_EQ(r.rows.size(), 5u);
  EXPECT_LE(r.statistics.records_scanned, kPerSegment);
}

}  // namespace
}  // namespace flowlens::query

// The parse pushdown (plan.h ParsePushdown, query/parse_pushdown.h): when a
// query qualifies, and that a store scan answering `parse @message "* * ..."`
// from the stored columns gives exactly what the real parse of the lines
// gives: on the same events still in the WAL (always parsed from the text),
// and on the flushed segments with the pushdown ruled out (the query also
// reads @message). The data has missing values, NODATA/SKIPDATA records,
// lines kept raw (extra blanks, leading zeros, a non-canonical IPv6 address,
// lines that are not records) and a second group whose layout has another
// field count.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "query/analyzer.h"
#include "query/message_filter.h"
#include "query/parse_pushdown.h"
#include "query/parser.h"
#include "query/store_scan.h"
#include "storage/store.h"

namespace flowlens::query {
namespace {

Plan PlanOf(const std::string& query) {
  QueryError qe;
  auto parsed = ParseQuery(query, &qe);
  EXPECT_TRUE(parsed.ok()) << query;
  auto plan = Analyze(*parsed);
  EXPECT_TRUE(plan.ok()) << query << ": " << plan.status().message();
  return plan.ok() ? std::move(plan).value() : Plan();
}

// The pushed parse's stage, or -1.
int PushedStage(const std::string& query) {
  return PlanOf(query).scan.parse_pushdown.stage;
}

TEST(ParsePushdownPlan, OnlyAFieldSplitOfAnUnreadMessage) {
  EXPECT_EQ(PushedStage(R"(parse @message "* * *" as a, b, c | stats count(*) by b)"), 0);
  EXPECT_EQ(PushedStage(R"(parse "* * *" as a, b, c | stats count(*) by b)"), 0);
  EXPECT_EQ(PushedStage(R"(parse @message "*" as a | stats count(*) by a)"), 0);
  // After leading filters that do not read @message.
  EXPECT_EQ(PushedStage(R"(filter bytes > 3 | parse @message "* *" as a, b | display a)"), 1);
  // Not a plain split: literals, other separators, regex mode, another source.
  EXPECT_EQ(PushedStage(R"(parse @message "x * *" as a, b | display a)"), -1);
  EXPECT_EQ(PushedStage(R"(parse @message "* * " as a, b | display a)"), -1);
  EXPECT_EQ(PushedStage(R"(parse @message "*  *" as a, b | display a)"), -1);
  EXPECT_EQ(PushedStage(R"(parse @message "*,*" as a, b | display a)"), -1);
  EXPECT_EQ(PushedStage(R"(parse @message /(?<a>\S+) (?<b>\S+)/ | display a)"), -1);
  EXPECT_EQ(PushedStage(R"(parse @logStream "* *" as a, b | display a)"), -1);
  // @message read elsewhere: shown, filtered on, or parsed again.
  EXPECT_EQ(PushedStage(R"(parse @message "* *" as a, b | filter a = "x")"), -1);
  EXPECT_EQ(PushedStage(R"(filter @message like "x" | parse @message "* *" as a, b | display a)"),
            -1);
  EXPECT_EQ(
      PushedStage(R"(parse @message "* *" as a, b | parse @message "* *" as c, d | display c)"),
      -1);
  // Not the first command after the filters, or after stats.
  EXPECT_EQ(PushedStage(R"(fields bytes | parse @message "* *" as a, b | display a)"), -1);
  // An output that is a scan field, or a name given twice.
  EXPECT_EQ(PushedStage(R"(filter bytes > 3 | parse @message "* *" as bytes, b | display b)"), -1);
  EXPECT_EQ(PushedStage(R"(parse @message "* * *" as a, a, b | display a, b)"), -1);
}

TEST(ParsePushdownPlan, LiveOutputsAndTheFiltersAfterTheParse) {
  Plan p = PlanOf(R"(parse @message "* * *" as a, b, c | filter b = "x" and c like "y"
                     | filter a != "z" | stats count(*) by b)");
  const ParsePushdown& pd = p.scan.parse_pushdown;
  ASSERT_EQ(pd.stage, 0);
  EXPECT_EQ(p.stages[0].parse_done_slot, pd.done_slot);
  EXPECT_EQ(static_cast<size_t>(pd.done_slot) + 1, p.slot_names.size());
  ASSERT_EQ(pd.slots.size(), 3u);
  EXPECT_EQ(pd.slots[0], p.stages[0].parse_slots[0]);
  EXPECT_EQ(pd.slots[1], p.stages[0].parse_slots[1]);
  EXPECT_EQ(pd.slots[2], p.stages[0].parse_slots[2]);
  EXPECT_EQ(pd.filter_conjuncts.size(), 3u);
  // c is read only by the first filter: still live. Dead outputs get -1.
  Plan q = PlanOf(R"(parse @message "* * *" as a, b, c | stats count(*) by b)");
  EXPECT_EQ(q.scan.parse_pushdown.slots, (std::vector<int>{-1, q.stages[0].parse_slots[1], -1}));
  EXPECT_TRUE(q.scan.parse_pushdown.filter_conjuncts.empty());
}

constexpr char kFormat[] =
    "${interface-id} ${srcaddr} ${dstport} ${flow-direction} ${bytes} ${action}";
constexpr char kOtherFormat[] = "${interface-id} ${srcaddr} ${dstport} ${bytes} ${action}";

// Lines of the 6-field group: most round-trip, some are kept raw.
std::string Line(int i) {
  const char* dir = i % 3 ? "ingress" : "egress";
  const char* action = i % 4 == 0 ? "REJECT" : "ACCEPT";
  switch (i % 41) {
    case 3:
      return fmt::format("eni-{} - - - - NODATA", i % 5);
    case 5:
      return fmt::format("eni-{} - - - - SKIPDATA", i % 5);
    case 7:
      return fmt::format("eni-{} 10.0.1.{} - {} {} -", i % 5, i % 9, dir, i);
    case 11:  // two spaces: parses, kept raw; the glob gives an empty capture
      return fmt::format("eni-{} 10.0.1.{}  22 {} {} {}", i % 5, i % 9, dir, i, action);
    case 13:  // leading zeros: kept raw, the capture keeps them
      return fmt::format("eni-{} 10.0.1.{} 0022 {} 00{} {}", i % 5, i % 9, dir, i, action);
    case 17:  // not a record: kept raw, no match
      return "hello world";
    case 19:  // six tokens, not a record: kept raw, matches
      return fmt::format("eni-{} not-an-ip 22 {} {} REJECT", i % 5, dir, i);
    case 23:
      return fmt::format("eni-{} 2001:db8::{:x} 443 {} {} {}", i % 5, i, dir, i, action);
    case 29:  // not the canonical text of the address: kept raw
      return fmt::format("eni-{} 2001:0db8::{:x} 443 {} {} {}", i % 5, i, dir, i, action);
    case 31:  // a trailing tab: kept raw, in the last capture
      return fmt::format("eni-{} 10.0.1.{} 22 {} {} {}\t", i % 5, i % 9, dir, i, action);
    default:
      return fmt::format("eni-{} 10.0.{}.{} {} {} {} {}", i % 5, i % 3, i % 250,
                         i % 7 == 0 ? 22 : 443, dir, int64_t{1000} * i * i, action);
  }
}

// The 5-field group's lines, some with six tokens (not records of it).
std::string OtherLine(int i) {
  if (i % 7 == 0) return fmt::format("eni-9 10.9.0.{} 22 ingress {} REJECT", i % 250, i);
  return fmt::format("eni-9 10.9.0.{} 22 {} {}", i % 250, i, i % 2 ? "REJECT" : "ACCEPT");
}

class ParsePushdownStore : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/flowlens-parsepush-XXXXXX";
    dir_ = mkdtemp(tmpl);
    auto s = storage::Store::Open(dir_, {});
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(s).value();
    ASSERT_TRUE(store_->CreateLogGroup("/vpc/c", {.format = kFormat}).ok());
    ASSERT_TRUE(store_->CreateLogGroup("/vpc/d", {.format = kOtherFormat}).ok());
    std::vector<storage::Event> events, other;
    for (int i = 0; i < kEvents; ++i) {
      lines_.push_back(Line(i));
      if (i % 3 == 0) other_lines_.push_back(OtherLine(i));
    }
    for (int i = 0; i < kEvents; ++i) {
      events.push_back({(1795737600LL + i) * 1000, 0, lines_[i]});
      if (i % 3 == 0) other.push_back({(1795737600LL + i) * 1000 + 1, 0, other_lines_[i / 3]});
    }
    ASSERT_TRUE(store_->Append("/vpc/c", "s", events, true).ok());
    ASSERT_TRUE(store_->Append("/vpc/d", "s", other, true).ok());
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::unique_ptr<StoreSource> Source(const Plan& plan,
                                      std::shared_ptr<const storage::StoreSnapshot> snap) {
    std::vector<const storage::GroupSnapshot*> groups{snap->FindGroup("/vpc/c"),
                                                      snap->FindGroup("/vpc/d")};
    return std::make_unique<StoreSource>(snap, groups, INT64_MIN, INT64_MAX, "000000000000",
                                         nullptr, &plan);
  }

  QueryResult Run(const std::string& q) {
    auto snap = store_->Snapshot();
    QueryOptions opts;
    opts.limit = 0;
    SourceFactory make = [&](const Plan& plan) -> Result<std::unique_ptr<ScanSource>> {
      return std::unique_ptr<ScanSource>(Source(plan, snap));
    };
    auto r = RunQuery(q, make, opts);
    EXPECT_TRUE(r.ok()) << q << ": " << r.status().ToString();
    return r.ok() ? std::move(r).value() : QueryResult();
  }

  static constexpr int kEvents = 9000;
  std::string dir_;
  std::unique_ptr<storage::Store> store_;
  std::vector<std::string> lines_, other_lines_;  // Append takes views
};

const std::vector<std::string>& Queries() {
  static const std::vector<std::string> q = {
      // Every capture, every row: the whole split.
      R"(parse @message "* * * * * *" as a, b, c, d, e, f
         | stats count(*) as n by a, b, c, d, e, f | sort a, b, c, d, e, f)",
      // Q8's shape: filters on string captures (by dictionary code) and on others.
      R"(parse @message "* * * * * *" as a, b, c, d, e, f | filter f = "REJECT"
         | filter (b not like "10.0.1.") and (d like "ingress")
         | stats count(f) as n by d, b, c, e | sort d, b, c, e)",
      R"(parse @message "* * * * * *" as a, b, c, d, e, f
         | filter f in ["NODATA", "SKIPDATA", "-"] or d = "-" | stats count(*) as n by a, f, d
         | sort a, f, d)",
      R"(parse @message "* * * * * *" as a, b, c, d, e, f | filter d != "egress" and c = "22"
         | stats count(*) as n, sum(e) as s by b | sort b)",
      R"(parse @message "* * * * * *" as a, b, c, d, e, f | filter not ispresent(a)
         | stats count(*) as n)",
      R"(parse @message "* * * * * *" as a, b, c, d, e, f | filter f = "NOPE" | stats count(*))",
      // Rows, in the default order, with their @ptr.
      R"(parse @message "* * * * * *" as a, b, c, d, e, f | filter e like "7" | display a, c, f)",
      R"(filter bytes > 1000 | parse @message "* * * * * *" as a, b, c, d, e, f | display b, e)",
      R"(parse @message "* * * * * *" as a, b, c, d, e, f | filter c like /^00/ | display c, e)",
      // Five stars: the 5-field group's layout, not the other's.
      R"(parse @message "* * * * *" as a, b, c, d, e | stats count(*) as n by e, a | sort e, a)",
  };
  return q;
}

TEST_F(ParsePushdownStore, SameAnswersAsTheRealParse) {
  std::vector<QueryResult> wal;
  for (const std::string& q : Queries()) wal.push_back(Run(q));
  ASSERT_TRUE(store_->Flush().ok());
  ASSERT_TRUE(store_->Snapshot()->FindGroup("/vpc/c")->unflushed.empty());
  for (size_t i = 0; i < Queries().size(); ++i) {
    const std::string& q = Queries()[i];
    ASSERT_GE(PushedStage(q), 0) << q;
    QueryResult pushed = Run(q);
    // Reading @message rules the pushdown out; every row has one.
    const std::string plain_q = "filter ispresent(@message) | " + q;
    ASSERT_EQ(PushedStage(plain_q), -1);
    QueryResult plain = Run(plain_q);
    EXPECT_EQ(pushed.rows, wal[i].rows) << q;
    EXPECT_EQ(pushed.rows, plain.rows) << q;
    EXPECT_EQ(pushed.pointers, plain.pointers) << q;
    EXPECT_EQ(pushed.statistics.records_matched, plain.statistics.records_matched) << q;
    EXPECT_EQ(pushed.statistics.records_scanned, plain.statistics.records_scanned) << q;
    EXPECT_EQ(pushed.statistics.bytes_scanned, plain.statistics.bytes_scanned) << q;
    EXPECT_FALSE(pushed.rows.empty()) << q;
  }
  // The data did exercise what it means to.
  const QueryResult all = Run(Queries()[0]);
  auto has = [&](const std::vector<std::optional<std::string>>& want) {
    for (const auto& row : all.rows) {
      if (std::equal(want.begin(), want.end(), row.begin())) return true;
    }
    return false;
  };
  EXPECT_TRUE(has({"eni-3", "-", "-", "-", "-", "NODATA"}));                  // i = 3
  EXPECT_TRUE(has({"eni-1", "10.0.1.2", "", "22", "ingress", "11 ACCEPT"}));  // two spaces
  EXPECT_TRUE(has({"eni-4", "not-an-ip", "22", "ingress", "19", "REJECT"}));
  EXPECT_TRUE(has({"eni-3", "2001:db8::17", "443", "ingress", "23", "ACCEPT"}));
  EXPECT_TRUE(has({"eni-4", "2001:0db8::1d", "443", "ingress", "29", "ACCEPT"}));
  EXPECT_TRUE(has({"eni-1", "10.0.1.4", "22", "ingress", "31", "ACCEPT\t"}));
  EXPECT_TRUE(has({"eni-2", "10.0.1.7", "-", "ingress", "7", "-"}));
  EXPECT_TRUE(has({"eni-4", "10.0.2.14", "22", "ingress", "196000", "ACCEPT"}));  // i = 14
  // Leading zeros are kept (a stats key would show "0022" as the number 22).
  const QueryResult zeros = Run(Queries()[8]);
  ASSERT_FALSE(zeros.rows.empty());
  EXPECT_EQ(zeros.rows.back(), (std::vector<std::optional<std::string>>{"0022", "0013"}));
  // No match: "hello world", and the other group's 5-field lines.
  int unmatched = 0;
  for (int i = 0; i < kEvents; ++i) unmatched += (i % 41 == 17) + (i % 3 == 0 && i % 7 != 0);
  EXPECT_EQ(Run(Queries()[4]).rows.at(0).at(0), std::to_string(unmatched));
}

// The flushed rows of the 6-field group come with the outputs filled (and
// @message not read); the other group's rows come with @message.
TEST_F(ParsePushdownStore, SegmentsOfTheLayoutFillTheOutputs) {
  ASSERT_TRUE(store_->Flush().ok());
  Plan plan = PlanOf(Queries()[1]);
  const ParsePushdown& pd = plan.scan.parse_pushdown;
  ASSERT_GE(pd.stage, 0);
  auto source = Source(plan, store_->Snapshot());
  ScanCounters counters;
  size_t filled = 0, plain = 0;
  for (;;) {
    auto more = source->Next(plan.scan, plan.slot_names.size(), INT64_MIN, INT64_MAX, &counters,
                             [&](Batch& b) {
                               const bool done = b.columns[pd.done_slot].kind != ColumnKind::kNull;
                               const Column& msg = b.columns[pd.message_slot];
                               if (done) {
                                 filled += b.size;
                                 EXPECT_EQ(msg.kind, ColumnKind::kNull);
                               } else {
                                 plain += b.size;
                                 EXPECT_EQ(msg.kind, ColumnKind::kString);
                               }
                             });
    ASSERT_TRUE(more.ok());
    if (!*more) break;
  }
  // The filter on f dropped most 6-field rows before any capture was made;
  // REJECT rows, and rows kept raw, remain.
  EXPECT_GT(filled, 0u);
  EXPECT_LT(filled, kEvents / 3u);
  EXPECT_EQ(plain, kEvents / 3u);
  EXPECT_EQ(counters.records.load(), kEvents + kEvents / 3u);
}


// The message-term prefilter (query/message_filter.h): which conjuncts are
// terms. A term's text must lie inside one field of a line.
TEST(MessageTerms, OnlyPlainTextsThatCannotSpanTwoFields) {
  auto term = [](const std::string& filter) -> std::optional<MessageTerm> {
    Plan p = PlanOf("filter " + filter + " | stats count(*)");
    const int slot = ScanFieldSlot(p, "@message");
    std::vector<const BoundExpr*> conjuncts;
    AppendConjuncts(p.stages[0].condition.get(), &conjuncts);
    EXPECT_EQ(conjuncts.size(), 1u) << filter;
    return MessageTermOf(*conjuncts[0], slot);
  };
  ASSERT_TRUE(term(R"(@message like "REJECT")"));
  EXPECT_EQ(term(R"(@message like "REJECT")")->text, "REJECT");
  EXPECT_FALSE(term(R"(@message like "REJECT")")->negate);
  EXPECT_EQ(term(R"(@message like /eni-0a1b:x/)")->text, "eni-0a1b:x");
  EXPECT_TRUE(term(R"(@message not like "ACCEPT")")->negate);
  EXPECT_EQ(term(R"(@message like "10.0.1.")")->text, "10.0.1.");  // a string: '.' is itself
  // A space can join two fields; "-" is a missing value; empty matches all.
  EXPECT_FALSE(term(R"(@message like "REJECT OK")"));
  EXPECT_FALSE(term(R"(@message like "ACCEPT\t")"));
  EXPECT_FALSE(term(R"(@message like "-")"));
  EXPECT_FALSE(term(R"(@message like "")"));
  // A regex that is more than its text.
  EXPECT_FALSE(term(R"(@message like /10.0.1.7/)"));
  EXPECT_FALSE(term(R"(@message like /^eni/)"));
  EXPECT_FALSE(term(R"(@message like /(?i)reject/)"));
  EXPECT_FALSE(term(R"(@message like /a|b/)"));
  EXPECT_FALSE(term(R"(@message like /x\d/)"));
  // Another field, or not a like.
  EXPECT_FALSE(term(R"(action like "REJECT")"));
  EXPECT_FALSE(term(R"(@message = "REJECT")"));
}

const std::vector<std::string>& MessageFilters() {
  static const std::vector<std::string> f = {
      R"(@message like "REJECT")",   R"(@message like /REJECT/)",
      R"(@message not like "ACCEPT")", R"(@message like "22")",
      R"(@message like "0022")",     R"(@message like "10.0.1.")",
      R"(@message like "db8")",      R"(@message like "NODATA")",
      R"(@message like "world")",    R"(@message like "eni-1" and @message like "ingress")",
      R"(@message like "ACCEPT\t")", R"(@message like "4 1")",
      R"(@message like "-")",        R"(@message like "not-an")",
      R"(@message like "7" and bytes > 1000)",
      // Another conjunct reads @message: the rows must carry their lines.
      R"(@message like "REJECT" and @message like /T$/)",
      R"(@message like "eni-2" and strlen(@message) > 30)",
  };
  return f;
}

// The flushed segments (prefiltered on their columns) give what the same
// events give from the WAL (each line searched as text), and rows, pointers
// and statistics as the same filter after a `fields` command (not a leading
// filter, so the scan does not prefilter: each line rebuilt and searched).
TEST_F(ParsePushdownStore, MessageTermsGiveTheSameAnswersAsTheText) {
  auto queries = [](const std::string& f) {
    return std::vector<std::string>{"filter " + f + " | stats count(*) as n by @logStream",
                                    "filter " + f + " | display @message, bytes"};
  };
  std::vector<QueryResult> wal;
  for (const std::string& f : MessageFilters()) {
    for (const std::string& q : queries(f)) wal.push_back(Run(q));
  }
  ASSERT_TRUE(store_->Flush().ok());
  size_t i = 0;
  for (const std::string& f : MessageFilters()) {
    for (const std::string& q : queries(f)) {
      QueryResult flushed = Run(q);
      QueryResult plain = Run("fields bytes | " + q);
      EXPECT_EQ(flushed.rows, wal[i].rows) << q;
      EXPECT_EQ(flushed.rows, plain.rows) << q;
      EXPECT_EQ(flushed.pointers, plain.pointers) << q;
      EXPECT_EQ(flushed.statistics.records_matched, wal[i].statistics.records_matched) << q;
      EXPECT_FALSE(flushed.rows.empty()) << q;
      ++i;
    }
  }
}

// When nothing but the terms reads @message (leading filters, then stats),
// the rows a flushed segment hands out carry a stand-in text that passes the
// terms, not their rebuilt lines; otherwise the lines.
TEST_F(ParsePushdownStore, MessageTermsAloneNeedNoLines) {
  ASSERT_TRUE(store_->Flush().ok());
  auto message_kinds = [&](const std::string& q) {
    Plan plan = PlanOf(q);
    const int slot = ScanFieldSlot(plan, "@message");
    EXPECT_GE(slot, 0) << q;
    auto source = Source(plan, store_->Snapshot());
    ScanCounters counters;
    std::set<ColumnKind> kinds;
    for (;;) {
      auto more = source->Next(plan.scan, plan.slot_names.size(), INT64_MIN, INT64_MAX, &counters,
                               [&](Batch& b) { kinds.insert(b.columns[slot].kind); });
      EXPECT_TRUE(more.ok());
      if (!more.ok() || !*more) break;
    }
    return kinds;
  };
  using K = std::set<ColumnKind>;
  // The other group's rows (a layout with other fields) are tested on their
  // columns too.
  EXPECT_EQ(message_kinds(R"(filter @message like "REJECT" | stats count(*) by action)"),
            K{ColumnKind::kConstant});
  EXPECT_EQ(message_kinds(R"(filter @message not like "ACCEPT" and bytes > 10
                             | stats sum(bytes) by @logStream | sort @logStream)"),
            K{ColumnKind::kConstant});
  EXPECT_EQ(message_kinds(R"(filter @message like "REJECT" | stats count(*) by @message)"),
            K{ColumnKind::kString});
  EXPECT_EQ(message_kinds(R"(filter @message like "REJECT" | display @message)"),
            K{ColumnKind::kString});
  EXPECT_EQ(message_kinds(R"(filter @message like "REJECT" and @message like /T$/
                             | stats count(*))"),
            K{ColumnKind::kString});
  // No text passes both (a term without a space lies inside another's text
  // only if it is in that text): no row passes either.
  const std::string both = R"(filter @message like "REJECT" and @message not like "EJ"
                              | stats count(*) as n)";
  EXPECT_EQ(message_kinds(both), K{});
  EXPECT_EQ(Run(both).rows.at(0).at(0), "0");
}

// The prefilter is exact: the rows a flushed segment hands out for a term are
// the rows that match, so no other line is rebuilt.
TEST_F(ParsePushdownStore, MessageTermsDropTheOtherRowsBeforeTheLinesAreMade) {
  ASSERT_TRUE(store_->Flush().ok());
  for (const std::string& f : {std::string(R"(@message like "REJECT")"),
                               std::string(R"(@message not like "ACCEPT")"),
                               std::string(R"(@message like "0022")"),
                               std::string(R"(@message like "db8")")}) {
    const std::string q = "filter " + f + " | display @message";
    Plan plan = PlanOf(q);
    auto source = Source(plan, store_->Snapshot());
    ScanCounters counters;
    size_t handed_out = 0;
    for (;;) {
      auto more = source->Next(plan.scan, plan.slot_names.size(), INT64_MIN, INT64_MAX, &counters,
                               [&](Batch& b) { handed_out += b.size; });
      ASSERT_TRUE(more.ok());
      if (!*more) break;
    }
    const QueryResult r = Run(q);
    EXPECT_EQ(handed_out, r.rows.size()) << f;
    EXPECT_GT(handed_out, 0u) << f;
    EXPECT_LT(handed_out, kEvents + kEvents / 3u) << f;
  }
}

}  // namespace
}  // namespace flowlens::query

// MarkLiveParseOutputs (plan.h): which parse captures a later command or the
// output reads. A capture marked dead is not built, so a wrong 0 here would
// lose a value; tests/queries/parse_glob.test checks the answers.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "query/analyzer.h"
#include "query/parser.h"

namespace flowlens::query {
namespace {

// The parse_live vector of each parse stage of `query`, in order.
std::vector<std::vector<uint8_t>> Live(const std::string& query) {
  QueryError qe;
  auto parsed = ParseQuery(query, &qe);
  EXPECT_TRUE(parsed.ok()) << query;
  AnalyzeError ae;
  auto plan = Analyze(*parsed, &ae);
  EXPECT_TRUE(plan.ok()) << query << ": " << plan.status().message();
  std::vector<std::vector<uint8_t>> out;
  if (!plan.ok()) return out;
  for (const Stage& st : plan->stages) {
    if (st.kind == CommandKind::kParse) out.push_back(st.parse_live);
  }
  return out;
}

using L = std::vector<std::vector<uint8_t>>;

TEST(ParseLive, StatsReadsOnlyItsKeysAndArguments) {
  EXPECT_EQ(Live(R"(parse "* * *" as a, b, c | stats count(*) by b)"), L({{0, 1, 0}}));
  EXPECT_EQ(Live(R"(parse "* * *" as a, b, c | stats sum(c) by bin(5m))"), L({{0, 0, 1}}));
  EXPECT_EQ(Live(R"(parse "* * *" as a, b, c | filter a = "x" | stats count(*))"), L({{1, 0, 0}}));
}

TEST(ParseLive, OutputShowsWhatFieldsAndDisplayName) {
  // Without fields, the output is @timestamp and @message only.
  EXPECT_EQ(Live(R"(parse "* * *" as a, b, c)"), L({{0, 0, 0}}));
  EXPECT_EQ(Live(R"(parse "* * *" as a, b, c | fields a)"), L({{1, 0, 0}}));
  EXPECT_EQ(Live(R"(parse "* * *" as a, b, c | sort b | display c)"), L({{0, 1, 1}}));
  EXPECT_EQ(Live(R"(parse "* * *" as a, b, c | fields concat(a, "!") as d)"), L({{1, 0, 0}}));
}

TEST(ParseLive, LaterParsesDedupAndNames) {
  EXPECT_EQ(Live(R"(parse "* *" as x, rest | parse rest "*-*" as d, e | stats count(*) by d)"),
            L({{0, 1}, {1, 0}}));
  EXPECT_EQ(Live(R"(parse "* *" as a, b | dedup b)"), L({{0, 1}}));
  EXPECT_EQ(Live(R"(parse "* *" as a, b | fields a | dedup b)"), L({{1, 1}}));
  // The same name twice: both outputs write the one slot the output reads.
  EXPECT_EQ(Live(R"(parse "* *" as a, a | fields a)"), L({{1, 1}}));
}

}  // namespace
}  // namespace flowlens::query

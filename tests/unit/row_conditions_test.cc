// Row conditions (row_conditions.h): each query below runs twice on lines
// that test the edges (missing values, malformed tokens, leading zeros,
// out-of-range ports, IPv6, JSON events, short lines, CRLF) — once as
// written, where the file scan drops lines on their raw tokens, and once
// behind a leading `fields` command, where no condition applies. The answers
// must be the same.
#include "query/row_conditions.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "query/analyzer.h"
#include "query/executor.h"
#include "query/parser.h"
#include "query/result_format.h"

namespace flowlens::query {
namespace {

constexpr const char* kLines =
    "2 1 eni-a 10.0.1.5 10.0.2.9 40000 22 6 10 840 1795850000 1795850060 REJECT OK\n"
    "2 1 eni-a 10.0.1.5 10.0.2.9 40001 3389 6 12 900 1795850001 1795850060 REJECT OK\n"
    "2 1 eni-a 10.0.1.6 10.0.2.9 40002 443 6 3 120 1795850002 1795850060 ACCEPT OK\n"
    "2 1 eni-a 10.0.3.7 10.0.2.9 40003 22 6 50 5000 1795850003 1795850060 ACCEPT OK\n"
    "2 1 eni-a 10.0.1.8 10.0.2.9 40004 022 6 7 700 1795850004 1795850060 REJECT OK\n"
    "2 1 eni-a 10.0.1.9 10.0.2.9 40005 70000 6 7 700 1795850005 1795850060 REJECT OK\n"
    "2 1 eni-a 10.0.1.10 10.0.2.9 40006 abc 6 7 700 1795850006 1795850060 REJECT OK\n"
    "2 1 eni-a 10.0.1.11 10.0.2.9 - - 6 7 700 1795850007 1795850060 REJECT OK\n"
    "2 1 eni-a - - - - - - - 1795850008 1795850060 - NODATA\n"
    "2 1 eni-a 2001:db8::5 2001:db8::1 40007 22 6 9 90 1795850009 1795850060 REJECT OK\n"
    "2 1 eni-a 10.0.1.012 10.0.2.9 40008 22 6 7 700 1795850010 1795850060 REJECT OK\n"
    "2 1 eni-a 10.0.1.13 10.0.2.9 40009 22 6 7 700 1795850011 1795850060 reject OK\n"
    "2 1 eni-a 10.0.1.14 10.0.2.9 40010 22 6 7 700 1795850012 1795850060 REJECT OK\r\n"
    "2 1 eni-a 10.0.1.15 10.0.2.9 40011 22 6 7 700 1795850013 REJECT OK\n"
    "{\"action\": \"REJECT\", \"dstPort\": 22, \"srcAddr\": \"10.0.1.16\", \"x\": 1, \"y\": 2}\n"
    "{\"action\":\"REJECT\",\"dstPort\":22,\"srcAddr\":\"10.0.1.17\",\"a\":1,\"b\":2,\"c\":3,\"d\":"
    "4,\"e\":5,\"f\":6,\"g\":7,\"h\":8}\n"
    "2 1 eni-a 10.0.1.18 10.0.2.9 40012 22 6 7 700 1795850014 1795850060 REJECT OK\n";

class RowConditions : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/flowlens-rowcond-test-XXXXXX";
    dir_ = mkdtemp(tmpl);
    path_ = dir_ + "/in.log";
    std::ofstream(path_, std::ios::binary) << kLines;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Run(const std::string& query) {
    QueryOptions o;
    o.threads = 1;
    o.limit = 0;
    ScanInput in;
    in.path = path_;
    in.display_name = "in";
    auto r = RunQueryOnFiles(query, {in}, o);
    EXPECT_TRUE(r.ok()) << query << ": " << r.status().message();
    return r.ok() ? FormatJson(*r) : "";
  }
  size_t Conditions(const std::string& query) {
    QueryError qe;
    auto parsed = ParseQuery(query, &qe);
    EXPECT_TRUE(parsed.ok());
    AnalyzeError ae;
    auto plan = Analyze(*parsed, &ae);
    EXPECT_TRUE(plan.ok());
    return plan.ok() ? LeadingFilterConditions(*plan).size() : 0;
  }

  std::string dir_, path_;
};

TEST_F(RowConditions, SameAnswersWithAndWithoutThem) {
  const std::string all_fields =
      "fields @timestamp, @message, srcAddr, dstAddr, srcPort, dstPort, packets, bytes, start, "
      "action | ";
  struct Case {
    const char* query;
    size_t conditions;
  } cases[] = {
      {"filter action = \"REJECT\" | stats count(*) as n by srcAddr | sort srcAddr", 1},
      {"filter dstPort = 22 or dstPort = 3389 | stats count(*) as n by srcAddr | sort srcAddr", 1},
      {"filter dstPort in [22, 3389] | stats count(*) as n by srcAddr | sort srcAddr", 1},
      {"filter 22 = dstPort | stats count(*) as n", 1},
      {"filter isIpv4InSubnet(srcAddr, \"10.0.1.0/24\") and action = \"REJECT\" | stats count(*)",
       2},
      {"filter isIpInSubnet(srcAddr, \"2001:db8::/32\") | stats count(*) as n by srcAddr", 1},
      {"filter srcAddr = \"10.0.1.5\" | stats sum(bytes) as b", 1},
      {"filter dstAddr = \"2001:db8::1\" | stats count(*) as n", 1},
      {"filter packets > 8 and dstPort < 1024 and start >= 1795850001 | stats count(*) as n by "
       "srcAddr | sort srcAddr",
       3},
      {"filter action in [\"REJECT\", \"ACCEPT\"] and packets <= 10 | stats count(*) as n", 2},
      {"filter action = \"REJECT\" | display @message, srcAddr, dstPort", 1},
      {"filter action = \"REJECT\" or dstPort = 22 | stats count(*) as n", 0},  // two fields
      {"filter dstPort != 22 | stats count(*) as n", 0},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(Conditions(c.query), c.conditions) << c.query;
    EXPECT_EQ(Conditions(all_fields + c.query), 0u) << c.query;
    std::string fast = Run(c.query);
    std::string reference = Run(all_fields + c.query);
    EXPECT_EQ(fast, reference) << c.query;
    EXPECT_NE(fast.find("\"results\": [\n"), std::string::npos) << c.query << "\n" << fast;
  }
}

TEST_F(RowConditions, TokensThatDoNotParseFail) {
  FieldCondition port;
  port.kind = FieldCondition::Kind::kIntSet;
  port.ints = {22};
  port.lo = port.hi = 22;
  EXPECT_TRUE(port.MatchesToken("22"));
  EXPECT_FALSE(port.MatchesToken("-"));
  EXPECT_FALSE(port.MatchesToken("abc"));
  EXPECT_FALSE(port.MatchesToken("23"));
  EXPECT_FALSE(port.MatchesToken("99999999999999999999999"));
  FieldCondition net;
  net.kind = FieldCondition::Kind::kAddressRange;
  net.alo = *IpAddress::Parse("10.0.1.0");
  net.ahi = *IpAddress::Parse("10.0.1.255");
  EXPECT_TRUE(net.MatchesToken("10.0.1.77"));
  EXPECT_FALSE(net.MatchesToken("10.0.2.1"));
  EXPECT_FALSE(net.MatchesToken("::ffff:10.0.1.77"));
  EXPECT_FALSE(net.MatchesToken("-"));
  EXPECT_FALSE(net.MatchesToken("10.0.1"));
}

}  // namespace
}  // namespace flowlens::query

// Record parsing and writing against every example record in the AWS VPC
// User Guide page "Flow log record examples"
// (https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-records-examples.html),
// copied verbatim in ../shared/data/aws-vpc-doc-examples.jsonl, and against
// the S3 sample objects of ../shared/data/otel-samples.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <fstream>
#include <map>
#include <sstream>

#include "flowlog/record.h"
#include "vpc_doc_examples.h"

namespace flowlens {
namespace {

using test_data::DocExample;
using test_data::LoadDocExamples;

// Field values by name, as text, for a parsed record.
std::map<std::string, std::string> ByName(const Layout& layout, const FlowRecord& rec) {
  std::map<std::string, std::string> m;
  for (size_t i = 0; i < layout.size(); ++i) {
    const FieldInfo& f = layout.field(i);
    std::string v = "-";
    if (rec.present(i)) {
      switch (f.kind) {
        case ValueKind::kInt:
        case ValueKind::kTime:
          v = std::to_string(rec.int_at(i));
          break;
        case ValueKind::kAddress:
          v = rec.addr_at(i).ToString();
          break;
        case ValueKind::kString:
          v = std::string(rec.str_at(i));
          break;
      }
    }
    m[std::string(f.name)] = v;
  }
  return m;
}

std::string CollapseSpaces(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == ' ' && !out.empty() && out.back() == ' ') continue;
    out += c;
  }
  return out;
}

TEST(DocExamples, AllTwentySevenParseAndRoundTrip) {
  std::vector<DocExample> examples = LoadDocExamples();
  ASSERT_EQ(examples.size(), 27u);
  for (const DocExample& e : examples) {
    SCOPED_TRACE(e.id);
    Result<Layout> layout = Layout::FromHeader(e.format);
    ASSERT_TRUE(layout.ok()) << layout.status().message();
    FlowRecord rec(*layout);
    RecordError err;
    ASSERT_TRUE(ParseRecord(e.record, *layout, &rec, &err))
        << DescribeRecordError(err, *layout, e.id, 1);
    std::string written;
    WriteRecord(*layout, rec, &written);
    // The TCP-flag example on the page has a double space (a typo on the page);
    // the writer emits AWS's single spaces.
    EXPECT_EQ(written, CollapseSpaces(e.record));
  }
}

TEST(DocExamples, DocumentedValues) {
  std::map<std::string, DocExample> by_id;
  for (auto& e : LoadDocExamples()) by_id[e.id] = e;
  auto parse = [&](const std::string& id) {
    const DocExample& e = by_id.at(id);
    Layout layout = *Layout::FromHeader(e.format);
    FlowRecord rec(layout);
    RecordError err;
    EXPECT_TRUE(ParseRecord(e.record, layout, &rec, &err)) << id;
    return ByName(layout, rec);
  };
  // "SSH traffic (destination port 22, TCP protocol) ... was allowed."
  auto ssh = parse("accept-ssh");
  EXPECT_EQ(ssh["srcaddr"], "172.31.16.139");
  EXPECT_EQ(ssh["dstaddr"], "172.31.16.21");
  EXPECT_EQ(ssh["srcport"], "20641");
  EXPECT_EQ(ssh["dstport"], "22");
  EXPECT_EQ(ssh["protocol"], "6");
  EXPECT_EQ(ssh["packets"], "20");
  EXPECT_EQ(ssh["bytes"], "4249");
  EXPECT_EQ(ssh["start"], "1418530010");
  EXPECT_EQ(ssh["end"], "1418530070");
  EXPECT_EQ(ssh["action"], "ACCEPT");
  EXPECT_EQ(ssh["log-status"], "OK");
  EXPECT_EQ(ssh["account-id"], "123456789010");
  EXPECT_EQ(ssh["interface-id"], "eni-1235b8ca123456789");
  // "RDP traffic (destination port 3389, TCP protocol) ... was rejected."
  auto rdp = parse("reject-rdp");
  EXPECT_EQ(rdp["dstport"], "3389");
  EXPECT_EQ(rdp["action"], "REJECT");
  // NODATA / SKIPDATA: the traffic fields and action are missing, not zero.
  for (const char* id : {"nodata", "skipdata"}) {
    auto r = parse(id);
    for (const char* f :
         {"srcaddr", "dstaddr", "srcport", "dstport", "protocol", "packets", "bytes", "action"}) {
      EXPECT_EQ(r[f], "-") << id << " " << f;
    }
    EXPECT_EQ(r["start"], "1431280876");
    EXPECT_EQ(r["end"], "1431280934");
  }
  EXPECT_EQ(parse("nodata")["log-status"], "NODATA");
  EXPECT_EQ(parse("skipdata")["log-status"], "SKIPDATA");
  // ICMP: ports 0, protocol 1.
  auto icmp = parse("icmp-sg-accept");
  EXPECT_EQ(icmp["protocol"], "1");
  EXPECT_EQ(icmp["srcport"], "0");
  EXPECT_EQ(icmp["bytes"], "336");
  // IPv6 addresses are native values.
  auto v6 = parse("ipv6-ssh");
  EXPECT_EQ(v6["srcaddr"], "2001:db8:1234:a100:8d6e:3477:df66:f105");
  EXPECT_EQ(v6["dstaddr"], "2001:db8:1234:a102:3304:8879:34cf:4071");
  // TCP flags: SYN 2, SYN-ACK 18, FIN 1, SYN|FIN 3, SYN-ACK|FIN 19.
  EXPECT_EQ(parse("tcpflags-open-1")["tcp-flags"], "2");
  EXPECT_EQ(parse("tcpflags-open-2")["tcp-flags"], "18");
  EXPECT_EQ(parse("tcpflags-close-1")["tcp-flags"], "1");
  EXPECT_EQ(parse("tcpflags-short-1")["tcp-flags"], "3");
  EXPECT_EQ(parse("tcpflags-short-2")["tcp-flags"], "19");
  // NAT gateway: requester-managed, no instance id; pkt-* show the endpoints.
  auto nat = parse("nat-out");
  EXPECT_EQ(nat["instance-id"], "-");
  EXPECT_EQ(nat["pkt-srcaddr"], "203.0.113.5");
  EXPECT_EQ(nat["srcaddr"], "10.0.0.220");
  // Version 5: service, direction and traffic path.
  auto svc = parse("svc-path-dir-2");
  EXPECT_EQ(svc["version"], "5");
  EXPECT_EQ(svc["flow-direction"], "egress");
  EXPECT_EQ(svc["traffic-path"], "8");
  EXPECT_EQ(svc["pkt-dst-aws-service"], "S3");
  auto svc_in = parse("svc-path-dir-1");
  EXPECT_EQ(svc_in["flow-direction"], "ingress");
  EXPECT_EQ(svc_in["traffic-path"], "-");
  EXPECT_EQ(svc_in["pkt-src-aws-service"], "S3");
}

std::vector<std::string> ReadLines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  std::string l;
  while (std::getline(in, l)) lines.push_back(l);
  return lines;
}

// S3 objects start with a header line naming the format.
TEST(S3Samples, HeaderLineGivesTheLayout) {
  for (const char* name :
       {"valid_vpc_flow_log.log", "valid_tgw_flow_log.log", "valid_vpc_flow_log_ecs.log"}) {
    SCOPED_TRACE(name);
    auto lines = ReadLines(std::string(FLOWLENS_SHARED_DATA) + "/otel-samples/" + name);
    ASSERT_GE(lines.size(), 2u);
    ASSERT_TRUE(Layout::IsHeaderLine(lines[0]));
    Result<Layout> layout = Layout::FromHeader(lines[0]);
    ASSERT_TRUE(layout.ok()) << layout.status().message();
    FlowRecord rec(*layout);
    for (size_t i = 1; i < lines.size(); ++i) {
      if (lines[i].empty()) continue;
      EXPECT_FALSE(Layout::IsHeaderLine(lines[i]));
      RecordError err;
      ASSERT_TRUE(ParseRecord(lines[i], *layout, &rec, &err))
          << DescribeRecordError(err, *layout, name, static_cast<int64_t>(i + 1));
      std::string out;
      WriteRecord(*layout, rec, &out);
      EXPECT_EQ(out, lines[i]);
    }
  }
  auto vpc = ReadLines(std::string(FLOWLENS_SHARED_DATA) + "/otel-samples/valid_vpc_flow_log.log");
  EXPECT_TRUE(Layout::FromHeader(vpc[0])->is_default());
}

TEST(Layout, DefaultFormatIsVersionTwoWithFourteenFields) {
  const Layout& d = Layout::Default();
  EXPECT_EQ(d.size(), 14u);
  EXPECT_EQ(d.version(), 2);
  EXPECT_EQ(d.ToHeaderLine(),
            "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets "
            "bytes start end action log-status");
  EXPECT_EQ(*Layout::FromFormat(d.ToFormatString()), d);
  EXPECT_EQ(Layout::TransitGatewayDefault().size(), 36u);
  EXPECT_EQ(Layout::TransitGatewayDefault().version(), 6);
}

TEST(Layout, VersionIsTheHighestFieldVersion) {
  EXPECT_EQ(Layout::FromFormat("${srcaddr} ${vpc-id}")->version(), 3);
  EXPECT_EQ(Layout::FromFormat("${srcaddr} ${az-id} ${vpc-id}")->version(), 4);
  EXPECT_EQ(Layout::FromFormat("${traffic-path}")->version(), 5);
  EXPECT_EQ(Layout::FromFormat("${ecs-task-id}")->version(), 7);
  EXPECT_EQ(Layout::FromFormat("${reject-reason}")->version(), 8);
  EXPECT_EQ(Layout::FromFormat("${encryption-status}")->version(), 10);
  EXPECT_EQ(Layout::FromFormat("${next-hop-az-id} ${srcaddr}")->version(), 11);
}

TEST(Layout, EveryCatalogFieldParsesInAnyOrder) {
  std::vector<const FieldInfo*> all;
  for (const FieldInfo& f : Catalog()) all.push_back(&f);
  EXPECT_EQ(all.size(), 72u);
  std::reverse(all.begin(), all.end());
  Layout l = *Layout::FromFields(all);
  Result<Layout> again = Layout::FromFormat(l.ToFormatString());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, l);
  EXPECT_EQ(l.PositionOf(fields::kVersion), 71);
}

TEST(Layout, UnknownFieldNamesCloseMatches) {
  Result<Layout> l = Layout::FromFormat("${version} ${srcadr} ${dstaddr}");
  ASSERT_FALSE(l.ok());
  EXPECT_NE(l.status().message().find("'srcadr'"), std::string::npos) << l.status().message();
  EXPECT_NE(l.status().message().find("'srcaddr'"), std::string::npos) << l.status().message();
  Result<Layout> h = Layout::FromHeader("version log_status");
  ASSERT_FALSE(h.ok());
  EXPECT_NE(h.status().message().find("'log-status'"), std::string::npos) << h.status().message();
  EXPECT_FALSE(Layout::FromFormat("${srcaddr} ${srcaddr}").ok());
  EXPECT_FALSE(Layout::FromFormat("${srcaddr").ok());
  EXPECT_FALSE(Layout::FromFormat("srcaddr ${dstaddr}").ok());
  EXPECT_FALSE(Layout::FromFormat("").ok());
}

TEST(Record, ErrorsNameTheFieldAndReason) {
  const Layout& d = Layout::Default();
  FlowRecord rec(d);
  RecordError err;
  auto fails = [&](const std::string& line) {
    bool ok = ParseRecord(line, d, &rec, &err);
    return ok ? std::string() : DescribeRecordError(err, d, "day.log", 7);
  };
  std::string m = fails("2 1 eni-1 10.0.0.1 10.0.0.2 70000 22 6 1 1 1 2 ACCEPT OK");
  EXPECT_NE(m.find("day.log:7"), std::string::npos) << m;
  EXPECT_NE(m.find("'srcport' (6 of 14)"), std::string::npos) << m;
  EXPECT_NE(m.find("'70000'"), std::string::npos) << m;
  m = fails("2 1 eni-1 10.0.0.300 10.0.0.2 1 22 6 1 1 1 2 ACCEPT OK");
  EXPECT_NE(m.find("'srcaddr'"), std::string::npos) << m;
  EXPECT_NE(m.find("not an IP address"), std::string::npos) << m;
  m = fails("2 1 eni-1 10.0.0.1 10.0.0.2 1 22 6 x1 1 1 2 ACCEPT OK");
  EXPECT_NE(m.find("'packets'"), std::string::npos) << m;
  m = fails("2 1 eni-1 10.0.0.1 10.0.0.2 1 22 6 1 1 1 2 ACCEPT");
  EXPECT_NE(m.find("has 13 fields, the format has 14"), std::string::npos) << m;
  m = fails("2 1 eni-1 10.0.0.1 10.0.0.2 1 22 6 1 1 1 2 ACCEPT OK extra");
  EXPECT_NE(m.find("has 15 fields, the format has 14"), std::string::npos) << m;
  m = fails("2 1 eni-1 10.0.0.1 10.0.0.2 1 22 6 1 99999999999999999999999 1 2 ACCEPT OK");
  EXPECT_NE(m.find("'bytes'"), std::string::npos) << m;
  m = fails("2 1 eni-1 10.0.0.1 10.0.0.2 1 22 -6 1 1 1 2 ACCEPT OK");
  EXPECT_NE(m.find("'protocol'"), std::string::npos) << m;
  EXPECT_EQ(fails(""), "day.log:7: record has 0 fields, the format has 14");
  // A carriage return from a Windows file is not part of the last field.
  const std::string crlf = "2 1 eni-1 10.0.0.1 10.0.0.2 1 22 6 1 1 1 2 ACCEPT OK\r";
  EXPECT_EQ(fails(crlf), "");
  EXPECT_EQ(rec.str_at(13), "OK");  // a view into `crlf`, which is still alive
}

TEST(Record, MissingValuesAreNullsInEveryKind) {
  Layout l = *Layout::FromFormat("${srcaddr} ${srcport} ${start} ${action}");
  FlowRecord rec(l);
  RecordError err;
  ASSERT_TRUE(ParseRecord("- - - -", l, &rec, &err));
  for (size_t i = 0; i < 4; ++i) EXPECT_FALSE(rec.present(i));
  ASSERT_TRUE(ParseRecord("10.1.2.3 0 0 ACCEPT", l, &rec, &err));
  for (size_t i = 0; i < 4; ++i) EXPECT_TRUE(rec.present(i));
  EXPECT_EQ(rec.int_at(1), 0);
}

}  // namespace
}  // namespace flowlens

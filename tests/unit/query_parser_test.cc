// Tests of the query lexer, parser and ordering checks (src/query/parser.h).
// Peer cases come from /work/shared/data/peer-cases (see its README.md for
// where each file was taken from).
#include <gtest/gtest.h>
#include <simdjson.h>

#include <string>
#include <vector>

#include "query/parser.h"

namespace flowlens::query {
namespace {

std::string PeerFile(const std::string& name) {
  return std::string(FLOWLENS_SHARED_DATA) + "/peer-cases/" + name;
}

const char* OpName(Op op) {
  switch (op) {
    case Op::kNeg:
      return "neg";
    case Op::kPlus:
      return "pos";
    case Op::kNot:
      return "not";
    case Op::kAdd:
      return "+";
    case Op::kSub:
      return "-";
    case Op::kMul:
      return "*";
    case Op::kDiv:
      return "/";
    case Op::kMod:
      return "%";
    case Op::kPow:
      return "^";
    case Op::kEq:
      return "=";
    case Op::kNe:
      return "!=";
    case Op::kLt:
      return "<";
    case Op::kLe:
      return "<=";
    case Op::kGt:
      return ">";
    case Op::kGe:
      return ">=";
    case Op::kAnd:
      return "and";
    case Op::kOr:
      return "or";
    case Op::kLike:
      return "like";
    case Op::kNotLike:
      return "notlike";
    case Op::kRegexMatch:
      return "=~";
    case Op::kIn:
      return "in";
    case Op::kNotIn:
      return "notin";
    case Op::kNone:
      return "?";
  }
  return "?";
}

// A compact S-expression of an expression tree, for readable assertions:
// (+ 1 (* 2 3)), (count *), [1 2], "str", /re/, field.path.
std::string SExpr(const Expr& e) {
  std::string out;
  auto children = [&] {
    for (const auto& c : e.children) out += " " + SExpr(*c);
  };
  switch (e.kind) {
    case ExprKind::kString:
      return "\"" + e.str + "\"";
    case ExprKind::kNumber:
      return e.text;
    case ExprKind::kBool:
      return e.int_value ? "true" : "false";
    case ExprKind::kPeriod:
      return e.text;
    case ExprKind::kRegex:
      return "/" + e.str + "/";
    case ExprKind::kField:
      return e.name;
    case ExprKind::kStar:
      return "*";
    case ExprKind::kList:
      out = "[";
      for (const auto& c : e.children) out += (out.size() > 1 ? " " : "") + SExpr(*c);
      return out + "]";
    case ExprKind::kCall:
      out = "(" + e.str;
      children();
      return out + ")";
    case ExprKind::kUnary:
    case ExprKind::kBinary:
      out = std::string("(") + OpName(e.op);
      children();
      return out + ")";
  }
  return "?";
}

Query MustParse(std::string_view text) {
  Result<Query> q = ParseQuery(text);
  EXPECT_TRUE(q.ok()) << text << "\n  -> " << q.status().message();
  return q.ok() ? std::move(q).value() : Query{};
}

// The filter condition of "filter <expr>" as an S-expression.
std::string Filter(std::string_view expr) {
  Query q = MustParse("filter " + std::string(expr));
  if (q.commands.empty() || !q.commands[0].condition) return "<no parse>";
  return SExpr(*q.commands[0].condition);
}

// The error of a query that must not parse.
QueryError MustFail(std::string_view text) {
  QueryError error;
  Result<Query> q = ParseQuery(text, &error);
  EXPECT_FALSE(q.ok()) << "parsed but should not: " << text;
  if (!q.ok()) {
    EXPECT_EQ(q.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(q.status().message(), error.message);
  }
  return error;
}

std::vector<std::string> Names(const std::vector<Projection>& projections) {
  std::vector<std::string> names;
  for (const Projection& p : projections) names.push_back(p.name());
  return names;
}

// ---- Peer cases ----

TEST(QueryParserPeers, TreeSitterCorpusParses) {
  // tree-sitter-log-insights-query.corpus.json: 27 queries, all valid.
  simdjson::dom::parser json;
  simdjson::dom::element cases = json.load(PeerFile("tree-sitter-log-insights-query.corpus.json"));
  int count = 0;
  for (simdjson::dom::element c : cases.get_array()) {
    std::string_view query = c["query"].get_string();
    SCOPED_TRACE(std::string(c["name"].get_string().value()));
    MustParse(query);
    ++count;
  }
  EXPECT_EQ(count, 27);
}

TEST(QueryParserPeers, MotoParserCases) {
  // moto-logs-query.json: fields / limit / sort as moto's parser reads them.
  // moto's default direction for a bare `sort x` is its own assumption; the
  // AST only records that no direction was written.
  simdjson::dom::parser json;
  simdjson::dom::element doc = json.load(PeerFile("moto-logs-query.json"));
  for (simdjson::dom::element c : doc["parser_cases"].get_array()) {
    std::string_view text = c["query"].get_string();
    SCOPED_TRACE(std::string(text));
    Query q = MustParse(text);
    std::vector<std::string> fields;
    int64_t limit = -1;
    std::vector<std::pair<std::string, bool>> sort;  // (field, explicit desc)
    for (const Command& cmd : q.commands) {
      if (cmd.kind == CommandKind::kFields) {
        for (const std::string& n : Names(cmd.projections)) fields.push_back(n);
      }
      if (cmd.kind == CommandKind::kLimit) limit = cmd.limit;
      for (const SortKey& k : cmd.sort_keys) sort.emplace_back(k.expr->name, k.descending);
    }
    std::vector<std::string> want_fields;
    for (simdjson::dom::element f : c["fields"].get_array()) {
      want_fields.emplace_back(f.get_string().value());
    }
    EXPECT_EQ(fields, want_fields);
    EXPECT_EQ(limit, c["limit"].is_null() ? -1 : int64_t(c["limit"].get_int64()));
    ASSERT_EQ(sort.size(), c["sort"].get_array().size());
    for (size_t i = 0; i < sort.size(); ++i) {
      simdjson::dom::element key = c["sort"].at(i);
      EXPECT_EQ(sort[i].first, std::string_view(key.at(0).get_string()));
      if (text.find(" asc") != std::string_view::npos ||
          text.find(" desc") != std::string_view::npos) {
        EXPECT_EQ(sort[i].second, std::string_view(key.at(1).get_string()) == "desc");
      }
    }
  }
  for (simdjson::dom::element c : doc["execution_cases"].get_array()) {
    std::string_view text = c["query"].get_string();
    if (text == "test") {
      MustFail(text);  // moto accepts it; AWS raises MalformedQueryException
    } else {
      MustParse(text);
    }
  }
}

TEST(QueryParserPeers, FakecloudCases) {
  // fakecloud-logs-query.json: every query parses; `parsed` is checked where given.
  simdjson::dom::parser json;
  simdjson::dom::element doc = json.load(PeerFile("fakecloud-logs-query.json"));
  for (simdjson::dom::element c : doc["cases"].get_array()) {
    std::string_view text = c["query"].get_string();
    SCOPED_TRACE(std::string(text));
    Query q = MustParse(text);
    simdjson::dom::element parsed;
    if (c["parsed"].get(parsed) != simdjson::SUCCESS) continue;
    const Command& first = q.commands.at(0);
    simdjson::dom::element value;
    if (parsed["fields"].get(value) == simdjson::SUCCESS) {
      EXPECT_EQ(Names(first.projections).size(), value.get_array().size());
    }
    if (parsed["limit"].get(value) == simdjson::SUCCESS) {
      EXPECT_EQ(q.commands.back().limit, int64_t(value.get_int64()));
    }
    if (parsed["filter"].get(value) == simdjson::SUCCESS) {
      std::string_view op = value["op"].get_string();
      EXPECT_EQ(OpName(first.condition->op), op);
      EXPECT_EQ(first.condition->children[0]->name, std::string_view(value["field"].get_string()));
      simdjson::dom::element rhs;
      if (value["regex"].get(rhs) == simdjson::SUCCESS) {
        EXPECT_EQ(first.condition->children[1]->kind, ExprKind::kRegex);
        EXPECT_EQ(first.condition->children[1]->str, std::string_view(rhs.get_string()));
      } else {
        EXPECT_EQ(first.condition->children[1]->str, std::string_view(value["value"].get_string()));
      }
    }
    if (parsed["sort"].get(value) == simdjson::SUCCESS) {
      EXPECT_EQ(first.sort_keys.at(0).expr->name, std::string_view(value.get_string()));
      EXPECT_EQ(first.sort_keys.at(0).descending, bool(parsed["desc"].get_bool()));
    }
  }
}

TEST(QueryParserPeers, StacksimCases) {
  // stacksim-insights.json: queries parse unless the author expects a
  // MalformedQueryException. stacksim-12 (@message after stats) is rejected by
  // the analyzer, not the parser.
  simdjson::dom::parser json;
  simdjson::dom::element doc = json.load(PeerFile("stacksim-insights.json"));
  int rejected = 0;
  auto check = [&](simdjson::dom::element c, std::string_view id) {
    std::string_view text = c["query"].get_string();
    SCOPED_TRACE(std::string(id) + ": " + std::string(text));
    std::string_view expected;
    bool malformed = c["expected"].get(expected) == simdjson::SUCCESS &&
                     expected.starts_with("MalformedQueryException") && id != "stacksim-12";
    if (malformed) {
      MustFail(text);
      ++rejected;
    } else {
      MustParse(text);
    }
  };
  for (simdjson::dom::element c : doc["cases"].get_array()) {
    std::string_view id = c["id"].get_string();
    simdjson::dom::element queries;
    if (c["queries"].get(queries) == simdjson::SUCCESS) {
      for (simdjson::dom::element q : queries.get_array()) check(q, id);
    } else {
      check(c, id);
    }
  }
  EXPECT_EQ(rejected, 4);  // empty command, sort after dedup, three stats, `filter level =`
}

TEST(QueryParserPeers, GrafanaStatsGroupColumns) {
  // grafana-getStatsGroups.json: the output names of the last stats' `by` list.
  simdjson::dom::parser json;
  simdjson::dom::element doc = json.load(PeerFile("grafana-getStatsGroups.json"));
  for (simdjson::dom::element c : doc["cases"].get_array()) {
    std::string_view text = c["query"].get_string();
    if (text.find("$__interval") != std::string_view::npos) continue;  // a Grafana macro
    SCOPED_TRACE(std::string(text));
    Query q = MustParse(text);
    std::vector<std::string> groups;
    for (const Command& cmd : q.commands) {
      if (cmd.kind == CommandKind::kStats) groups = Names(cmd.group_by);
    }
    std::vector<std::string> want;
    for (simdjson::dom::element g : c["expected_group_columns"].get_array()) {
      want.emplace_back(g.get_string().value());
    }
    EXPECT_EQ(groups, want);
  }
}

TEST(QueryParserPeers, UserVpcQueries) {
  for (const char* text : {
           "stats sum(packets) as packetsTransferred by srcAddr, dstAddr | sort packetsTransferred "
           "desc | limit 15",
           "filter action=\"REJECT\" | stats count(*) as numRejections by srcAddr | sort "
           "numRejections desc",
           "filter isIpv4InSubnet(srcAddr, \"10.0.0.0/16\") and not isIpv4InSubnet(dstAddr, "
           "\"10.0.0.0/16\") | stats sum(bytes) as egress by bin(5m)",
           "stats count_distinct(dstPort) as ports by srcAddr, dstAddr | filter ports > 100 | sort "
           "ports desc",
       }) {
    MustParse(text);
  }
  Query q = MustParse(
      "parse @message \"* * * * * * * * * * * * * * * * * * *\" as region, vpc_id, az_id, "
      "subnet_id, instance_id, interface_id, flow_direction, srcaddr, dstaddr, srcport, dstport, "
      "pkt_srcaddr, pkt_dstaddr, pkt_src_aws_service, pkt_dst_aws_service, traffic_path, packets, "
      "bytes, action\n"
      "| filter action=\"REJECT\"\n"
      "| filter (srcaddr not like \"162.142.125.\") and (flow_direction like \"ingress\")\n"
      "| stats count(action) as redjects by flow_direction, srcaddr, dstaddr, pkt_srcaddr, "
      "pkt_dstaddr\n"
      "| sort redjects desc");
  ASSERT_EQ(q.commands.size(), 5u);
  EXPECT_EQ(q.commands[0].parse_names.size(), 19u);
  EXPECT_EQ(q.commands[0].parse_names.back(), "action");
  EXPECT_EQ(SExpr(*q.commands[2].condition),
            "(and (notlike srcaddr \"162.142.125.\") (like flow_direction \"ingress\"))");
  EXPECT_EQ(q.commands[2].span.line, 3);
  EXPECT_EQ(q.commands[3].group_by.size(), 5u);
}

// ---- Expressions ----

TEST(QueryParserExpr, Precedence) {
  EXPECT_EQ(Filter("1 + 2 * 3"), "(+ 1 (* 2 3))");
  EXPECT_EQ(Filter("2 ^ 3 ^ 2"), "(^ 2 (^ 3 2))");
  EXPECT_EQ(Filter("not a = 1 or b = 2"), "(or (not (= a 1)) (= b 2))");
  EXPECT_EQ(Filter("a like \"x\" and b in [1,2]"), "(and (like a \"x\") (in b [1 2]))");
  EXPECT_EQ(Filter("-x ^ 2"), "(^ (neg x) 2)");  // unary binds tighter than ^ (spec §4)
  EXPECT_EQ(Filter("1 - 2 - 3"), "(- (- 1 2) 3)");
  EXPECT_EQ(Filter("8 / 4 % 3 * 2"), "(* (% (/ 8 4) 3) 2)");
  EXPECT_EQ(Filter("(1 + 2) * 3"), "(* (+ 1 2) 3)");
  EXPECT_EQ(Filter("a = 1 and b = 2 or c = 3"), "(or (and (= a 1) (= b 2)) (= c 3))");
  EXPECT_EQ(Filter("a or b and c"), "(or a (and b c))");
  EXPECT_EQ(Filter("a < 1 = b > 2"), "(= (< a 1) (> b 2))");
  EXPECT_EQ(Filter("a + 1 like \"x\""), "(like (+ a 1) \"x\")");
  EXPECT_EQ(Filter("a like \"x\" = true"), "(= (like a \"x\") true)");
  EXPECT_EQ(Filter("not not a"), "(not (not a))");
  EXPECT_EQ(Filter("- - 1"), "(neg (neg 1))");
  EXPECT_EQ(Filter("+a * -b"), "(* (pos a) (neg b))");
  EXPECT_EQ(Filter("2 ^ -1"), "(^ 2 (neg 1))");
  EXPECT_EQ(Filter("a not in [\"x\"] or b =~ /y/"), "(or (notin a [\"x\"]) (=~ b /y/))");
  EXPECT_EQ(Filter("a != 1 and b <= 2 and c >= 3"), "(and (and (!= a 1) (<= b 2)) (>= c 3))");
  EXPECT_EQ(Filter("bytes / 2 > 10"), "(> (/ bytes 2) 10)");  // `/` after an operand divides
  EXPECT_EQ(Filter("(a) / (b)"), "(/ a b)");
  EXPECT_EQ(Filter("f(x) / 2"), "(/ (f x) 2)");
}

TEST(QueryParserExpr, CallsAndStar) {
  EXPECT_EQ(Filter("isIpv4InSubnet(srcAddr, \"10.0.0.0/16\")"),
            "(isipv4insubnet srcAddr \"10.0.0.0/16\")");
  EXPECT_EQ(Filter("concat(a, '-', strlen(b))"), "(concat a \"-\" (strlen b))");
  EXPECT_EQ(Filter("now()"), "(now)");
  EXPECT_EQ(Filter("anyName (1)"), "(anyname 1)");  // any word before `(` is a call
  Query q = MustParse("stats COUNT( * ), count(*), Sum(bytes) by BIN(5m)");
  EXPECT_EQ(Names(q.commands[0].projections),
            (std::vector<std::string>{"COUNT( * )", "count(*)", "Sum(bytes)"}));
  EXPECT_EQ(q.commands[0].projections[0].expr->str, "count");
  EXPECT_EQ(q.commands[0].projections[0].expr->children[0]->kind, ExprKind::kStar);
  EXPECT_EQ(Names(q.commands[0].group_by), std::vector<std::string>{"BIN(5m)"});
  q = MustParse("fields  abs(f3-f4) ,  (a + b)  as  s, `foo-bar`");
  EXPECT_EQ(Names(q.commands[0].projections),
            (std::vector<std::string>{"abs(f3-f4)", "s", "`foo-bar`"}));
  EXPECT_EQ(q.commands[0].projections[1].expr->text, "(a + b)");
  EXPECT_EQ(q.commands[0].projections[1].alias_span.column, 36);
}

TEST(QueryParserExpr, Literals) {
  Query q = MustParse(
      "fields 17, 0.5, 1e3, .5, 2.5E-2, 99999999999999999999, \"a\\\"b\\n\\t\\\\\", 'it\\'s', "
      "\"\\d+\", true, FALSE, [1, 'x', [2]], []");
  const auto& p = q.commands[0].projections;
  ASSERT_EQ(p.size(), 13u);
  EXPECT_TRUE(p[0].expr->is_int);
  EXPECT_EQ(p[0].expr->int_value, 17);
  EXPECT_FALSE(p[1].expr->is_int);
  EXPECT_DOUBLE_EQ(p[1].expr->number, 0.5);
  EXPECT_FALSE(p[2].expr->is_int);
  EXPECT_DOUBLE_EQ(p[2].expr->number, 1000);
  EXPECT_DOUBLE_EQ(p[3].expr->number, 0.5);
  EXPECT_DOUBLE_EQ(p[4].expr->number, 0.025);
  EXPECT_FALSE(p[5].expr->is_int);  // does not fit int64
  EXPECT_DOUBLE_EQ(p[5].expr->number, 1e20);
  EXPECT_EQ(p[6].expr->str, "a\"b\n\t\\");
  EXPECT_EQ(p[7].expr->str, "it's");
  EXPECT_EQ(p[8].expr->str, "\\d+");  // unknown escapes stay as written
  EXPECT_EQ(p[9].expr->kind, ExprKind::kBool);
  EXPECT_EQ(p[9].expr->int_value, 1);
  EXPECT_EQ(p[10].expr->int_value, 0);
  EXPECT_EQ(SExpr(*p[11].expr), "[1 \"x\" [2]]");
  EXPECT_EQ(SExpr(*p[12].expr), "[]");
  // Typographic quotes from web pages delimit strings.
  EXPECT_EQ(Filter("action = \u201cREJECT\u201d or x = \u2018it\u2019"),
            "(or (= action \"REJECT\") (= x \"it\"))");
  EXPECT_EQ(Filter("a = \u201cdon't \"quote\"\u201d"), "(= a \"don't \"quote\"\")");
}

TEST(QueryParserExpr, Regex) {
  Query q = MustParse("filter a like /2\\d\\d/ or b =~ /(?i)x\\/y#z|w/ | limit 1");
  const Expr& c = *q.commands[0].condition;
  EXPECT_EQ(SExpr(c), "(or (like a /2\\d\\d/) (=~ b /(?i)x/y#z|w/))");
  EXPECT_FALSE(c.children[0]->children[1]->case_insensitive);
  EXPECT_TRUE(c.children[1]->children[1]->case_insensitive);
  EXPECT_EQ(c.children[1]->children[1]->text, "/(?i)x\\/y#z|w/");
  EXPECT_EQ(q.commands.size(), 2u);  // `|` and `#` inside the regex are literal
  EXPECT_EQ(Filter("f(/a,b/, /c/)"), "(f /a,b/ /c/)");
  EXPECT_EQ(Filter("a in [/x/]"), "(in a [/x/])");
  EXPECT_EQ(Filter("a like /\\\\/"), "(like a /\\\\/)");  // `\\` then the closing slash
}

TEST(QueryParserExpr, TimePeriods) {
  struct Case {
    const char* text;
    int64_t amount;
    PeriodUnit unit;
  };
  const std::vector<Case> cases = {
      {"100ms", 100, PeriodUnit::kMillisecond},
      {"1msec", 1, PeriodUnit::kMillisecond},
      {"2msecs", 2, PeriodUnit::kMillisecond},
      {"3millisecond", 3, PeriodUnit::kMillisecond},
      {"4milliseconds", 4, PeriodUnit::kMillisecond},
      {"30s", 30, PeriodUnit::kSecond},
      {"1sec", 1, PeriodUnit::kSecond},
      {"2secs", 2, PeriodUnit::kSecond},
      {"3second", 3, PeriodUnit::kSecond},
      {"4seconds", 4, PeriodUnit::kSecond},
      {"5m", 5, PeriodUnit::kMinute},
      {"1min", 1, PeriodUnit::kMinute},
      {"2mins", 2, PeriodUnit::kMinute},
      {"3minute", 3, PeriodUnit::kMinute},
      {"4minutes", 4, PeriodUnit::kMinute},
      {"1h", 1, PeriodUnit::kHour},
      {"2hr", 2, PeriodUnit::kHour},
      {"3hrs", 3, PeriodUnit::kHour},
      {"4hour", 4, PeriodUnit::kHour},
      {"5hours", 5, PeriodUnit::kHour},
      {"1d", 1, PeriodUnit::kDay},
      {"2day", 2, PeriodUnit::kDay},
      {"3days", 3, PeriodUnit::kDay},
      {"2w", 2, PeriodUnit::kWeek},
      {"1week", 1, PeriodUnit::kWeek},
      {"3weeks", 3, PeriodUnit::kWeek},
      {"3mo", 3, PeriodUnit::kMonth},
      {"1mon", 1, PeriodUnit::kMonth},
      {"2mons", 2, PeriodUnit::kMonth},
      {"4month", 4, PeriodUnit::kMonth},
      {"5months", 5, PeriodUnit::kMonth},
      {"1q", 1, PeriodUnit::kQuarter},
      {"2qtr", 2, PeriodUnit::kQuarter},
      {"3qtrs", 3, PeriodUnit::kQuarter},
      {"4quarter", 4, PeriodUnit::kQuarter},
      {"5quarters", 5, PeriodUnit::kQuarter},
      {"1y", 1, PeriodUnit::kYear},
      {"2yr", 2, PeriodUnit::kYear},
      {"3yrs", 3, PeriodUnit::kYear},
      {"4year", 4, PeriodUnit::kYear},
      {"5years", 5, PeriodUnit::kYear},
      {"5M", 5, PeriodUnit::kMinute},
      {"1HR", 1, PeriodUnit::kHour},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    Query q = MustParse("stats count(*) by bin(" + std::string(c.text) + ")");
    if (q.commands.empty()) continue;
    const Projection& by = q.commands[0].group_by.at(0);
    const Expr& period = *by.expr->children.at(0);
    EXPECT_EQ(period.kind, ExprKind::kPeriod);
    EXPECT_EQ(period.period_amount, c.amount);
    EXPECT_EQ(period.period_unit, c.unit);
    EXPECT_EQ(by.name(), "bin(" + std::string(c.text) + ")");
  }
  EXPECT_EQ(Filter("datefloor(@timestamp, 1h) < dateceil(@timestamp, 2d)"),
            "(< (datefloor @timestamp 1h) (dateceil @timestamp 2d))");
  // No blank between amount and unit; the amount is whole.
  EXPECT_NE(MustFail("stats count(*) by bin(5 m)").message.find("unexpected 'm' after '5'"),
            std::string::npos);
  EXPECT_NE(MustFail("stats count(*) by bin(1.5h)").message.find("whole number of units"),
            std::string::npos);
  EXPECT_NE(MustFail("stats count(*) by bin(5xyz)").message.find("'5xyz' is neither"),
            std::string::npos);
}

TEST(QueryParserExpr, FieldNames) {
  Query q = MustParse(
      "fields srcAddr, SRCADDR, @message, @`aws.tag.aws:cloudformation:stack-name`, `foo-bar`, "
      "`a\\`b`, requestParameters.instancesSet.items.0.instanceId, json_message.`user.id`, "
      "json_message.users[1].action, @@example.com");
  const auto& p = q.commands[0].projections;
  ASSERT_EQ(p.size(), 10u);
  std::vector<std::string> names;
  for (const auto& proj : p) names.push_back(proj.expr->name);
  EXPECT_EQ(names, (std::vector<std::string>{
                       "srcAddr", "SRCADDR", "@message", "@aws.tag.aws:cloudformation:stack-name",
                       "foo-bar", "a`b", "requestParameters.instancesSet.items.0.instanceId",
                       "json_message.user.id", "json_message.users.1.action", "@@example.com"}));
  const auto& items = p[6].expr->path;
  ASSERT_EQ(items.size(), 5u);
  EXPECT_EQ(items[3].key, "0");
  EXPECT_EQ(items[3].index, 0);
  EXPECT_FALSE(items[3].bracket);
  EXPECT_EQ(items[1].index, -1);
  const auto& json = p[7].expr->path;
  ASSERT_EQ(json.size(), 2u);
  EXPECT_EQ(json[1].key, "user.id");
  const auto& users = p[8].expr->path;
  ASSERT_EQ(users.size(), 4u);
  EXPECT_TRUE(users[2].bracket);
  EXPECT_EQ(users[2].index, 1);
  EXPECT_EQ(users[3].key, "action");
  EXPECT_EQ(p[8].name(), "json_message.users[1].action");
  // A keyword in backticks is a field; `in[1, 2]` is an operator and a list.
  EXPECT_EQ(Filter("`and` = 1 and `in` in[1]"), "(and (= and 1) (in in [1]))");
  EXPECT_EQ(Filter("asc = desc"), "(= asc desc)");
}

// ---- Commands ----

TEST(QueryParserCommands, CaseInsensitiveKeywordsAndComments) {
  Query q = MustParse(
      "# heading\n"
      "FIELDS @timestamp, Action AS act # trailing comment\n"
      "# | filter disabled = 1\n"
      "| Filter act LIKE 'A#B' AND NOT x IN [1] Or y NOT LIKE /#/\n"
      "| STATS COUNT(*) As n BY BIN(1h) AS t\n"
      "| SORT BY n DESC, t Asc\n"
      "| LIMIT 10 # done");
  ASSERT_EQ(q.commands.size(), 5u);
  EXPECT_EQ(q.commands[0].keyword, "fields");
  EXPECT_EQ(Names(q.commands[0].projections), (std::vector<std::string>{"@timestamp", "act"}));
  EXPECT_EQ(q.commands[0].projections[1].expr->name, "Action");
  EXPECT_EQ(SExpr(*q.commands[1].condition),
            "(or (and (like act \"A#B\") (not (in x [1]))) (notlike y /#/))");
  EXPECT_EQ(q.commands[1].span.line, 4);
  EXPECT_EQ(q.commands[1].span.column, 3);
  EXPECT_EQ(q.commands[2].projections[0].expr->str, "count");
  EXPECT_EQ(Names(q.commands[2].group_by), std::vector<std::string>{"t"});
  ASSERT_EQ(q.commands[3].sort_keys.size(), 2u);
  EXPECT_TRUE(q.commands[3].sort_keys[0].descending);
  EXPECT_FALSE(q.commands[3].sort_keys[1].descending);
  EXPECT_TRUE(q.commands[3].sort_keys[1].explicit_direction);
  EXPECT_EQ(q.commands[4].limit, 10);
  EXPECT_EQ(MustParse("fields a # only a comment | filter x").commands.size(), 1u);
}

TEST(QueryParserCommands, FilterVariants) {
  Query q = MustParse("filter a = 1 | where b = 2 | filterIndex c in ['x']");
  EXPECT_EQ(q.commands[0].keyword, "filter");
  EXPECT_EQ(q.commands[1].keyword, "where");
  EXPECT_EQ(q.commands[2].keyword, "filterindex");
  for (const Command& c : q.commands) EXPECT_EQ(c.kind, CommandKind::kFilter);
  EXPECT_EQ(q.commands[1].span.offset, 15);
  EXPECT_EQ(q.commands[1].span.length, 11);
}

TEST(QueryParserCommands, Parse) {
  Query q = MustParse(
      "parse @message \"[*] *\" as loggingType, loggingMessage | parse 'user=*' as @user "
      "| parse url /(?<ver>v\\d+)\\/(?P<id>[^\\/(?<no>]+)(?:x)(?<=a)/ "
      "| PARSE /(?i)(?<NetworkInterface>eni-.*?) /");
  ASSERT_EQ(q.commands.size(), 4u);
  const Command& glob = q.commands[0];
  EXPECT_EQ(glob.parse_mode, ParseMode::kGlob);
  EXPECT_EQ(glob.parse_source->name, "@message");
  EXPECT_EQ(glob.pattern, "[*] *");
  EXPECT_EQ(glob.parse_names, (std::vector<std::string>{"loggingType", "loggingMessage"}));
  EXPECT_EQ(q.commands[1].parse_source->kind, ExprKind::kField);
  EXPECT_EQ(q.commands[1].parse_source->name, "@message");  // the default source
  EXPECT_EQ(q.commands[1].parse_names, std::vector<std::string>{"@user"});
  const Command& regex = q.commands[2];
  EXPECT_EQ(regex.parse_mode, ParseMode::kRegex);
  EXPECT_EQ(regex.parse_source->name, "url");
  EXPECT_EQ(regex.pattern, "(?<ver>v\\d+)/(?P<id>[^/(?<no>]+)(?:x)(?<=a)");
  EXPECT_EQ(regex.parse_names, (std::vector<std::string>{"ver", "id"}));
  EXPECT_FALSE(regex.pattern_case_insensitive);
  EXPECT_TRUE(q.commands[3].pattern_case_insensitive);
  EXPECT_EQ(q.commands[3].keyword, "parse");
  EXPECT_EQ(q.commands[3].parse_names, std::vector<std::string>{"NetworkInterface"});
}

TEST(QueryParserCommands, StatsSortLimitDedup) {
  Query q = MustParse(
      "stats sum(message_length)/1024/1024 as logs_mb, pct(@duration, 95), "
      "max(a) - min(a) as spread, spread * 2 as double by bin(5m) as @t, dateceil(@t, 10m) "
      "| sort logs_mb | head 5 | tail 3 | limit any 7");
  const Command& stats = q.commands[0];
  EXPECT_EQ(Names(stats.projections),
            (std::vector<std::string>{"logs_mb", "pct(@duration, 95)", "spread", "double"}));
  EXPECT_EQ(SExpr(*stats.projections[0].expr), "(/ (/ (sum message_length) 1024) 1024)");
  EXPECT_EQ(Names(stats.group_by), (std::vector<std::string>{"@t", "dateceil(@t, 10m)"}));
  EXPECT_FALSE(q.commands[1].sort_keys[0].explicit_direction);
  EXPECT_EQ(q.commands[2].keyword, "head");
  EXPECT_EQ(q.commands[2].limit, 5);
  EXPECT_TRUE(q.commands[3].limit_tail);
  EXPECT_TRUE(q.commands[4].limit_any);
  EXPECT_EQ(q.commands[4].limit, 7);
  q = MustParse("sort @timestamp desc | dedup server, severity, a.b | limit 20");
  ASSERT_EQ(q.commands[1].dedup_fields.size(), 3u);
  EXPECT_EQ(q.commands[1].dedup_fields[2]->name, "a.b");
  // Two stats with sort and limit after the second.
  MustParse(
      "FIELDS strlen(@message) AS message_length | STATS sum(message_length)/1024/1024 as logs_mb "
      "BY bin(5m) | STATS max(logs_mb) AS peak, min(logs_mb) AS low | sort peak | limit 1");
}

TEST(QueryParserCommands, SourceUnnestLookupUnmask) {
  Query q = MustParse(
      "SOURCE logGroups(namePrefix: ['vpc-', \"flow\"], accountIdentifiers:['111122223333'], "
      "class: ['INFREQUENT_ACCESS']) | fields jsonParse(@message) as json_message "
      "| unnest json_message.events into event "
      "| lookup known_hosts ip_address as srcAddr, port OUTPUTNEW hostname, region "
      "| lookup `t-2` k OUTPUT v | unmask");
  ASSERT_EQ(q.commands.size(), 6u);
  const Command& source = q.commands[0];
  EXPECT_EQ(source.kind, CommandKind::kSource);
  EXPECT_EQ(source.source_name_prefixes, (std::vector<std::string>{"vpc-", "flow"}));
  EXPECT_EQ(source.source_account_ids, std::vector<std::string>{"111122223333"});
  EXPECT_EQ(source.source_classes, std::vector<std::string>{"INFREQUENT_ACCESS"});
  EXPECT_EQ(q.commands[2].unnest_field->name, "json_message.events");
  EXPECT_EQ(q.commands[2].unnest_into, "event");
  const Command& lookup = q.commands[3];
  EXPECT_EQ(lookup.lookup_table, "known_hosts");
  using Key = std::pair<std::string, std::string>;
  EXPECT_EQ(lookup.lookup_keys, (std::vector<Key>{{"ip_address", "srcAddr"}, {"port", "port"}}));
  EXPECT_TRUE(lookup.lookup_output_new);
  EXPECT_EQ(lookup.lookup_outputs, (std::vector<std::string>{"hostname", "region"}));
  EXPECT_EQ(q.commands[4].lookup_table, "t-2");
  EXPECT_FALSE(q.commands[4].lookup_output_new);
  EXPECT_EQ(q.commands[5].kind, CommandKind::kUnmask);
  EXPECT_TRUE(MustParse("SOURCE logGroups() | limit 1").commands[0].source_name_prefixes.empty());
}

// ---- Errors ----

TEST(QueryParserErrors, MessageAndLocation) {
  QueryError e = MustFail("fields @timestamp, custom_field | count()");
  EXPECT_EQ(e.message,
            "line 1, column 35: unexpected 'count' after '|'; expected a command such as fields, "
            "filter, stats, sort, limit, parse, display, dedup");
  EXPECT_EQ(e.line, 1);
  EXPECT_EQ(e.column, 35);
  EXPECT_EQ(e.start_offset, 34);
  EXPECT_EQ(e.end_offset, 39);
  // Multi-line: positions count lines and characters (not bytes) in the line.
  e = MustFail("fields a\n| filter b = \u201cx\u201d and\n  c ==  1");
  EXPECT_EQ(e.line, 3);
  EXPECT_EQ(e.column, 6);
  EXPECT_EQ(e.start_offset, 39);
  EXPECT_EQ(e.end_offset, 40);
  EXPECT_EQ(e.message,
            "line 3, column 6: unexpected '=' after '='; expected a field, value or expression");
  e = MustFail("fields x\n| filter level =");
  EXPECT_EQ(e.message,
            "line 2, column 17: unexpected end of the query after '='; expected a field, value or "
            "expression");
  EXPECT_EQ(e.start_offset, 25);
  EXPECT_EQ(e.end_offset, 25);
  e = MustFail("filter a = \"abc\n| limit 1");
  EXPECT_EQ(e.message, "line 1, column 12: the string '\"abc...' has no closing quote");
  EXPECT_EQ(e.end_offset, 25);  // an unterminated string runs to the end
}

TEST(QueryParserErrors, Rejections) {
  struct Case {
    const char* query;
    const char* message_part;
  };
  const std::vector<Case> cases = {
      {"", "the query is empty"},
      {"  # nothing\n", "the query is empty"},
      {"fields a | | limit 1", "column 12: unexpected '|' after '|'; expected a command"},
      {"fields a |", "unexpected end of the query after '|'; expected a command"},
      {"| fields a", "column 1: unexpected '|' at the start of the query"},
      {"fields a | frobnicate b", "unexpected 'frobnicate' after '|'"},
      {"fields a | pattern @message", "the command 'pattern' is not supported"},
      {"`fields` a", "unexpected '`fields`' at the start"},
      {"fields", "unexpected end of the query after 'fields'; expected a field, value"},
      {"fields a,", "after ','; expected a field, value or expression"},
      {"fields a b", "unexpected 'b' after 'a'; expected ',', 'as', an operator, '|'"},
      {"filter (a = 1", "expected ')' to close the '(' at line 1, column 8"},
      {"filter a = 1)", "unexpected ')' after '1'"},
      {"filter f(a, b", "expected ',' or ')' to close the '(' at line 1, column 9"},
      {"filter a in [1, 2", "expected ',' or ']' to close the '[' at line 1, column 13"},
      {"filter a in 1", "expected a list such as [1, 2] after 'in'"},
      {"filter a not b", "expected 'like' or 'in' after 'not'"},
      {"filter a like /abc", "the regular expression '/abc' has no closing '/'"},
      {"fields `abc", "the quoted name '`abc' has no closing backtick"},
      {"filter a = 'x", "has no closing quote"},
      {"filter a = \u201cx\"", "has no closing quote"},
      {"filter a ! b", "unexpected '!'; use '!=' or 'not'"},
      {"filter a = $b", "unexpected character '$'"},
      {"filter a = 1e999", "the number '1e999' is out of range"},
      {"filter and = 1", "unexpected 'and' after 'filter'"},
      {"filter @ = 1", "expected a field name after '@'"},
      {"fields a.b[99999999999999999999]", "the index 99999999999999999999 is too large"},
      {"parse @message \"* *\"", "expected 'as' followed by 2 names, one for each '*'"},
      {"parse @message \"* *\" as a", "the parse pattern has 2 '*' but 1 name follows 'as'"},
      {"parse @message \"* *\" as a, b, c", "has 2 '*' but 3 names"},
      {"parse @message \"abc\" as a", "the parse pattern has no '*'"},
      {"parse @message /abc(def)/", "the parse regex '/abc(def)/' has no named group"},
      {"parse /(?<a>x)(?<a>y)/", "names the group 'a' twice"},
      {"parse /(?<a>x)/ as b", "unexpected 'as' after '/(?<a>x)/'"},
      {"parse @message", "expected a quoted pattern"},
      {"parse @message logfmt as m", "parse with 'logfmt' is not supported"},
      {"limit 0", "the count of 'limit' must be a whole number greater than 0, not '0'"},
      {"limit -5", "must be a whole number greater than 0"},
      {"limit 1.5", "not '1.5'"},
      {"limit 100000000000000000000", "the count of 'limit' is too large"},
      {"head 5m", "the count of 'head' must be a whole number greater than 0, not '5m'"},
      {"limit", "expected a whole number greater than 0 after 'limit'"},
      {"limit x", "unexpected 'x' after 'limit'"},
      {"limit 5 10", "unexpected '10' after '5'"},
      {"tail any 5", "unexpected 'any' after 'tail'"},
      {"SOURCE 'group' | fields a", "expected logGroups(...) after 'SOURCE'"},
      {"SOURCE logGroups(prefix: ['a'])", "expected namePrefix, accountIdentifiers or class"},
      {"SOURCE logGroups(namePrefix: 'a')", "expected a list of quoted strings"},
      {"SOURCE logGroups(namePrefix: [a])", "expected a quoted string"},
      {"SOURCE logGroups(class: ['A'], class: ['B'])", "names 'class' twice"},
      {"SOURCE logGroups(namePrefix: ['a'] class: ['B'])", "expected ',' or ')'"},
      {"SOURCE logGroups(namePrefix: ['1','2','3','4','5','6'])", "at most 5 name prefixes, not 6"},
      {"unnest a b", "expected 'into' and the name of the new field"},
      {"lookup t k", "expected ',', 'as', 'OUTPUT' or 'OUTPUTNEW'"},
      {"lookup t OUTPUT x", "expected a lookup table field to match"},
      {"unmask @message", "('unmask' takes no arguments)"},
      {"sort by", "unexpected end of the query after 'by'"},
      {"dedup a + b", "unexpected '+' after 'a'"},
      {"dedup 'a'", "expected a field name"},
      {"stats count(*) by", "unexpected end of the query after 'by'"},
      {"filter x = 1 order by x", "unexpected 'order' after '1'"},
  };
  for (const Case& c : cases) {
    QueryError e = MustFail(c.query);
    EXPECT_NE(e.message.find(c.message_part), std::string::npos)
        << c.query << "\n  message: " << e.message << "\n  wanted: " << c.message_part;
  }
}

TEST(QueryParserErrors, StatsEntries) {
  QueryError e = MustFail("stats sum(count(*)) as x");
  EXPECT_EQ(e.message,
            "line 1, column 11: the aggregate 'count(*)' is inside the aggregate 'sum(count(*))'; "
            "aggregates cannot be nested");
  e = MustFail("stats count(*) as n, bytes");
  EXPECT_NE(e.message.find("column 22: 'bytes' in stats is not an aggregate"), std::string::npos);
  e = MustFail("stats strlen(a) by b");
  EXPECT_NE(e.message.find("'strlen(a)' in stats is not an aggregate"), std::string::npos);
  e = MustFail("stats count(*) by sum(a)");
  EXPECT_NE(e.message.find("'sum(a)' cannot be a 'by' key"), std::string::npos);
  e = MustFail("stats later * 2 as x, count(*) as later");  // aliases only from earlier entries
  EXPECT_NE(e.message.find("'later * 2' in stats is not an aggregate"), std::string::npos);
  MustParse("stats avg(a) + 1, earliest(b), latest(c), sortsFirst(d), SortsLast(e), stddev(f)");
  MustParse("fields count(*) as counted");  // aggregates outside stats: the analyzer's call
}

TEST(QueryParserErrors, OrderingRules) {
  QueryError e = MustFail("stats count(*) as a by b | stats sum(a) as t | stats max(t) as m");
  EXPECT_EQ(e.message,
            "line 1, column 48: a query may have at most two stats commands; this is the third");
  EXPECT_EQ(e.start_offset, 47);
  EXPECT_EQ(e.end_offset, 64);
  e = MustFail("stats count(*) as a by b\n| sort a\n| stats sum(a) as t");
  EXPECT_EQ(e.message,
            "line 2, column 3: 'sort' comes before the second stats command; with two stats, sort "
            "and limit must come after the second");
  e = MustFail("limit 5 | stats count(*) as a by b | stats sum(a) as t");
  EXPECT_NE(e.message.find("column 1: 'limit' comes before the second stats"), std::string::npos);
  MustParse("limit 5 | stats count(*) as a by b");  // one stats: allowed
  e = MustFail("dedup a | sort b");
  EXPECT_EQ(e.message,
            "line 1, column 11: only 'limit' may follow 'dedup' (line 1, column 1), not 'sort'");
  MustFail("dedup a | dedup b");
  MustParse("dedup a | limit 1 | limit 2");
  e = MustFail("fields a | SOURCE logGroups()");
  EXPECT_EQ(e.message, "line 1, column 12: SOURCE must be the first command of the query");
}

TEST(QueryParserErrors, Limits) {
  std::string longest = "fields a" + std::string(kMaxQueryChars - 8, ' ');
  MustParse(longest);
  QueryError e = MustFail(longest + " ");
  EXPECT_NE(e.message.find("longer than the limit of 10,000 characters"), std::string::npos);
  EXPECT_EQ(e.start_offset, kMaxQueryChars);
  // Characters, not bytes: 4,000 three-byte quotes fit.
  std::string curly = "filter a = \u201c";
  for (int i = 0; i < 4000; ++i) curly += "\u2018";
  MustParse(curly + "\u201d");

  auto nested = [](int depth, const std::string& open, const std::string& close) {
    std::string s = "filter ";
    for (int i = 0; i < depth; ++i) s += open;
    s += "1";
    for (int i = 0; i < depth; ++i) s += close;
    return s;
  };
  MustParse(nested(150, "(", ")"));
  MustParse(nested(150, "f(", ")"));
  for (auto [open, close] : std::vector<std::pair<std::string, std::string>>{
           {"(", ")"}, {"[", "]"}, {"f(", ")"}, {"-", ""}, {"not ", ""}, {"2^", ""}}) {
    e = MustFail(nested(2000, open, close));
    EXPECT_NE(e.message.find("nests more than 200 levels deep"), std::string::npos) << open;
  }
  std::string chain = "filter 1";
  for (int i = 0; i < 3000; ++i) chain += "+1";
  EXPECT_NE(MustFail(chain).message.find("nests more than 200 levels deep"), std::string::npos);
  std::string list = "filter a in [1";
  for (int i = 0; i < 3000; ++i) list += ",1";
  MustParse(list + "]");  // wide is fine, only deep is not
}

}  // namespace
}  // namespace flowlens::query

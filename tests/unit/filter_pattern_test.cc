// Filter patterns (src/server/filter_pattern.h): every syntax form, positive
// and negative, parse errors with their columns, and flow-log records.
//
// Examples marked [D1] are the AWS CloudWatch Logs User Guide page "Filter and
// Pattern Syntax"
// (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html, archived
// copy: awsdocs/amazon-cloudwatch-logs-user-guide, doc_source/FilterAndPatternSyntax.md), with its
// sample events and its stated outcome. [D2] marks the examples of the current version of that page
// (regex terms, unstructured log events). Flow-log records are the AWS VPC User Guide examples in
// ../shared/data/aws-vpc-doc-examples.jsonl.
#include "server/filter_pattern.h"
#include "vpc_doc_examples.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace flowlens::server {
namespace {

FilterPattern MustParse(std::string_view pattern) {
  Result<FilterPattern> p = FilterPattern::Parse(pattern);
  EXPECT_TRUE(p.ok()) << "pattern: " << pattern << "\nerror: " << p.status().message();
  if (!p.ok()) return FilterPattern::Parse("").value();
  return std::move(p).value();
}

bool Match(std::string_view pattern, std::string_view message) {
  Result<FilterPattern> p = FilterPattern::Parse(pattern);
  if (!p.ok()) {
    ADD_FAILURE() << "pattern: " << pattern << "\nerror: " << p.status().message();
    return false;
  }
  return p->Matches(message);
}

// The error message of a pattern that must not parse.
std::string ParseError(std::string_view pattern) {
  Result<FilterPattern> p = FilterPattern::Parse(pattern);
  if (p.ok()) return "(parsed)";
  EXPECT_EQ(p.status().code(), StatusCode::kInvalidArgument);
  return p.status().message();
}

// Which of `events` match, as their 1-based numbers.
std::vector<int> Matching(std::string_view pattern, const std::vector<std::string>& events) {
  FilterPattern p = MustParse(pattern);
  std::vector<int> out;
  for (size_t i = 0; i < events.size(); ++i) {
    if (p.Matches(events[i])) out.push_back(static_cast<int>(i) + 1);
  }
  return out;
}
using V = std::vector<int>;

// --- match everything --------------------------------------------------------

TEST(FilterPatternTest, EmptyAndBlankMatchEverything) {
  for (std::string_view p : {"", "   ", "\t", "\"\"", "\" \""}) {  // [D1] "" matches all events
    EXPECT_TRUE(Match(p, "anything at all")) << p;
    EXPECT_TRUE(Match(p, "")) << p;
  }
  EXPECT_EQ(MustParse("").kind(), FilterPattern::Kind::kAll);
  EXPECT_EQ(MustParse("  ").text(), "  ");
}

// --- term patterns ------------------------------------------------------------

TEST(FilterPatternTest, SingleTermIsACaseSensitiveSubstring) {
  // [D1] Example 2: "ERROR" matches both events (ERRORCODE contains ERROR).
  EXPECT_TRUE(Match("ERROR", "[ERROR] A fatal exception has occurred"));
  EXPECT_TRUE(Match("ERROR", "Exiting with ERRORCODE: -1"));
  EXPECT_TRUE(Match("\"ERROR\"", "Exiting with ERRORCODE: -1"));
  EXPECT_FALSE(Match("ERROR", "error: lower case"));
  EXPECT_FALSE(Match("ERROR", ""));
  EXPECT_EQ(MustParse("ERROR").kind(), FilterPattern::Kind::kTerms);
}

TEST(FilterPatternTest, ExcludedTerm) {
  // [D1] Example 3: "ERROR" - "Exiting" drops the second event.
  std::vector<std::string> events = {"[ERROR] A fatal exception has occurred",
                                     "Exiting with ERRORCODE: -1"};
  EXPECT_EQ(Matching("\"ERROR\" - \"Exiting\"", events), V({1}));
  EXPECT_EQ(Matching("ERROR -Exiting", events), V({1}));
  EXPECT_EQ(Matching("-Exiting", events), V({1}));
  EXPECT_EQ(Matching("-ERROR", events), V({}));
}

TEST(FilterPatternTest, AllTermsMustAppear) {
  // [D1] Example 4.
  EXPECT_TRUE(Match("ERROR Exception", "[ERROR] Caught IllegalArgumentException"));
  EXPECT_TRUE(Match("ERROR Exception", "[ERROR] Unhandled Exception"));
  EXPECT_FALSE(Match("ERROR Exception", "[WARN] Unhandled Exception"));
  EXPECT_TRUE(Match("Failed to process the request", "[WARN] Failed to process the request"));
  EXPECT_TRUE(Match("Failed to process the request",
                    "[ERROR] Unable to continue: Failed to process the request"));
  // The terms need not be adjacent or in order.
  EXPECT_TRUE(Match("request Failed", "the request Failed"));
  EXPECT_FALSE(Match("Failed to process the request", "Failed to process"));
}

TEST(FilterPatternTest, OrTerms) {
  // [D1] "OR Pattern Matching": the three events and four patterns.
  std::vector<std::string> events = {"ERROR WARN message", "ERROR message", "WARN message"};
  EXPECT_EQ(Matching("ERROR", events), V({1, 2}));
  EXPECT_EQ(Matching("?ERROR ?WARN", events), V({1, 2, 3}));
  EXPECT_EQ(Matching("ERROR WARN", events), V({1}));
  EXPECT_EQ(Matching("ERROR -WARN", events), V({2}));
}

TEST(FilterPatternTest, OrGroups) {
  // A '?' starts a group; terms after it join that group (AND), as the AWS
  // CDK writes anyTermGroup(["ERROR","MainThread"],["WARN","Deadlock"]).
  std::vector<std::string> events = {"ERROR in MainThread", "ERROR in worker",
                                     "WARN Deadlock found", "WARN slow"};
  EXPECT_EQ(Matching("?\"ERROR\" \"MainThread\" ?\"WARN\" \"Deadlock\"", events), V({1, 3}));
  EXPECT_EQ(Matching("ERROR ?WARN", events), V({1, 2, 3, 4}));
  EXPECT_EQ(Matching("?ERROR -worker ?WARN -slow", events), V({1, 3}));
  EXPECT_EQ(Matching("? ERROR", events), V({1, 2}));
}

TEST(FilterPatternTest, QuotedPhrases) {
  // [D2] an exact phrase in double quotes.
  std::vector<std::string> events = {"[ERROR 400] BAD REQUEST", "[ERROR 401] UNAUTHORIZED REQUEST",
                                     "[ERROR 419] MISSING ARGUMENTS",
                                     "[ERROR 420] INVALID ARGUMENTS",
                                     "[ERROR 500] INTERNAL SERVER ERROR"};
  EXPECT_EQ(Matching("\"INTERNAL SERVER ERROR\"", events), V({5}));
  EXPECT_EQ(Matching("ERROR ARGUMENTS", events), V({3, 4}));
  EXPECT_EQ(Matching("?ARGUMENTS ?REQUEST", events), V({1, 2, 3, 4}));
  EXPECT_EQ(Matching("ERROR -ARGUMENTS", events), V({1, 2, 5}));
  EXPECT_EQ(Matching("\"[ERROR 4\"", events), V({1, 2, 3, 4}));
  EXPECT_EQ(Matching("\"SERVER ERROR\" \"500]\"", events), V({5}));
  // Stars are plain characters in terms; escapes inside quotes.
  EXPECT_TRUE(Match("\"a*b\"", "x a*b y"));
  EXPECT_FALSE(Match("\"a*b\"", "x aXb y"));
  EXPECT_TRUE(Match(R"("say \"hi\"")", R"(they say "hi" twice)"));
  EXPECT_TRUE(Match(R"("C:\\temp")", R"(path C:\temp)"));
  EXPECT_TRUE(Match(R"("a\nb")", R"(literal a\nb)"));  // other backslashes stay
  EXPECT_TRUE(Match("user@example.com", "login user@example.com ok"));
  EXPECT_TRUE(Match("caf\xc3\xa9", "un caf\xc3\xa9 noir"));
}

TEST(FilterPatternTest, RegexTerms) {
  // [D2] %AUTHORIZED% matches both events.
  std::vector<std::string> events = {"[ERROR 401] UNAUTHORIZED REQUEST",
                                     "[SUCCESS 200] AUTHORIZED REQUEST", "[WARN 300] OTHER"};
  EXPECT_EQ(Matching("%AUTHORIZED%", events), V({1, 2}));
  EXPECT_EQ(Matching("%^\\[SUCCESS%", events), V({2}));
  EXPECT_EQ(Matching("%[0-9]{3}\\] UN%", events), V({1}));
}

TEST(FilterPatternTest, RegexTermsOperators) {
  // The operators AWS lists: ^ $ ? [ ] { } | \ * + .
  EXPECT_TRUE(Match("%colou?r%", "the color red"));
  EXPECT_TRUE(Match("%colou?r%", "the colour red"));
  EXPECT_TRUE(Match("%gray|grey%", "a grey cat"));
  EXPECT_TRUE(Match("%10\\.10\\.0\\.1%", "from 10.10.0.1 to"));
  EXPECT_FALSE(Match("%10\\.10\\.0\\.1%", "from 10x10.0.1 to"));
  EXPECT_TRUE(Match("%^ERROR%", "ERROR at start"));
  EXPECT_FALSE(Match("%^ERROR%", "an ERROR"));
  EXPECT_TRUE(Match("%end$%", "the end"));
  EXPECT_TRUE(Match("%a[0-9]+b%", "xa123b"));
  EXPECT_TRUE(Match("%a.{2}b%", "a--b"));
  EXPECT_TRUE(Match("%ERROR% -%DEBUG%", "ERROR x"));
  EXPECT_FALSE(Match("%ERROR% -%DEBUG%", "ERROR DEBUG"));
  EXPECT_TRUE(Match("?%foo% ?%bar%", "has bar"));
}

// --- space-delimited patterns ------------------------------------------------------

// [D1] "Using Metric Filters to Extract Values from Space-Delimited Log Events".
const std::vector<std::string>& ApacheEvents() {
  static const std::vector<std::string> events = {
      "127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] \"GET /apache_pb.gif HTTP/1.0\" 200 1534",
      "127.0.0.1 - frank [10/Oct/2000:13:35:22 -0700] \"GET /apache_pb.gif HTTP/1.0\" 500 5324",
      "127.0.0.1 - frank [10/Oct/2000:13:50:35 -0700] \"GET /apache_pb.gif HTTP/1.0\" 200 4355",
      "127.0.0.1 - frank [10/Oct/2000:13:50:35 -0700] \"GET /index.html HTTP/1.0\" 404 1534",
      "127.0.0.1 - frank [10/Oct/2000:13:50:35 -0700] \"GET /index.html HTTP/1.0\" 403 999"};
  return events;
}

TEST(FilterPatternTest, DelimitedDocExamples) {
  const auto& ev = ApacheEvents();
  EXPECT_EQ(Matching("[ip, user, username, timestamp, request, status_code, bytes]", ev),
            V({1, 2, 3, 4, 5}));
  EXPECT_EQ(Matching("[..., status_code, bytes]", ev), V({1, 2, 3, 4, 5}));
  EXPECT_EQ(Matching("[ip, user, ..., status_code, bytes]", ev), V({1, 2, 3, 4, 5}));
  EXPECT_EQ(Matching("[ip, user, ...]", ev), V({1, 2, 3, 4, 5}));
  EXPECT_EQ(Matching("[ip, user, username, timestamp, request, status_code, bytes > 1000]", ev),
            V({1, 2, 3, 4}));
  EXPECT_EQ(Matching("[ip, user, username, timestamp, request, status_code = 200, bytes]", ev),
            V({1, 3}));
  EXPECT_EQ(Matching("[ip, user, username, timestamp, request, status_code = 4*, bytes]", ev),
            V({4, 5}));
  EXPECT_EQ(
      Matching("[ip, user, username, timestamp, request = *html*, status_code = 4*, bytes]", ev),
      V({4, 5}));
  EXPECT_EQ(Matching("[ip, user, username, timestamp, request, status_code = 4* && "
                     "status_code != 403, bytes]",
                     ev),
            V({4}));
  EXPECT_EQ(Matching("[ip, user, username, timestamp, request, status_code = 403 || "
                     "status_code = 404, bytes]",
                     ev),
            V({4, 5}));
  // Too few or too many elements for a 7-field event.
  EXPECT_EQ(Matching("[ip, user, username, timestamp, request, status_code]", ev), V({}));
  EXPECT_EQ(Matching("[ip, user, username, timestamp, request, status_code, bytes, more]", ev),
            V({}));
}

TEST(FilterPatternTest, DelimitedExtractedValues) {
  // [D1] "[..., request=*.html*, status_code=4*,]": the trailing empty element
  // is an unnamed field ($7), '...' fields are numbered.
  FilterPattern p = MustParse("[..., request=*.html*, status_code=4*,]");
  const std::string event =
      "127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] \"GET /products/index.html HTTP/1.0\" 404 "
      "1534";
  ASSERT_TRUE(p.Matches(event));
  std::vector<std::pair<std::string, std::string>> want = {
      {"$1", "127.0.0.1"},
      {"$2", "-"},
      {"$3", "frank"},
      {"$4", "10/Oct/2000:13:25:15 -0700"},
      {"$request", "GET /products/index.html HTTP/1.0"},
      {"$status_code", "404"},
      {"$7", "1534"}};
  EXPECT_EQ(p.ExtractedValues(event), want);
  EXPECT_TRUE(p.ExtractedValues("a b c").empty());
  std::vector<std::pair<std::string, std::string>> middle = {
      {"$ip", "127.0.0.1"},
      {"$2", "-"},
      {"$3", "frank"},
      {"$4", "10/Oct/2000:13:25:15 -0700"},
      {"$5", "GET /products/index.html HTTP/1.0"},
      {"$status", "404"},
      {"$bytes", "1534"}};
  EXPECT_EQ(MustParse("[ip, ..., status, bytes]").ExtractedValues(event), middle);
  EXPECT_TRUE(MustParse("ERROR").ExtractedValues("ERROR").empty());
  EXPECT_EQ(MustParse("[a, b]").ExtractedValues("x y"),
            (std::vector<std::pair<std::string, std::string>>{{"$a", "x"}, {"$b", "y"}}));
}

TEST(FilterPatternTest, DelimitedOrAndInsideAField) {
  // [D1] w1 is the first word: the three events of the OR section.
  std::vector<std::string> events = {"ERROR WARN message", "ERROR message", "WARN message"};
  EXPECT_EQ(Matching("[w1=ERROR, w2]", events), V({2}));
  EXPECT_EQ(Matching("[w1=ERROR || w1=WARN, w2]", events), V({2, 3}));
  // The doc says this one "matches lines containing both ERROR and WARN
  // (pattern 1)"; literally it cannot: event 1 has three fields for two
  // elements and events 2 and 3 fail the condition. We follow the syntax.
  EXPECT_EQ(Matching("[w1!=ERROR&&w1!=WARN, w2]", events), V({}));
  EXPECT_EQ(Matching("[w1!=ERROR&&w1!=WARN, ...]", {"INFO x", "ERROR x"}), V({1}));
  EXPECT_EQ(Matching("[w1=ERROR, ...]", events), V({1, 2}));
  EXPECT_EQ(Matching("[(w1=ERROR || w1=WARN) && w1!=WARN, w2]", events), V({2}));
}

TEST(FilterPatternTest, DelimitedStringComparisons) {
  EXPECT_TRUE(Match("[a=abc]", "abc"));
  EXPECT_FALSE(Match("[a=abc]", "abcd"));
  EXPECT_TRUE(Match("[a=\"abc\"]", "abc"));
  EXPECT_TRUE(Match("[a != abc]", "abd"));
  EXPECT_FALSE(Match("[a != abc]", "abc"));
  EXPECT_TRUE(Match("[a = ab*]", "abcd"));
  EXPECT_FALSE(Match("[a = ab*]", "xabcd"));
  EXPECT_TRUE(Match("[a = *cd]", "abcd"));
  EXPECT_FALSE(Match("[a = *cd]", "abcdx"));
  EXPECT_TRUE(Match("[a = *bc*]", "abcd"));
  EXPECT_TRUE(Match("[a = \"*bc*\"]", "abcd"));
  EXPECT_TRUE(Match("[a = *]", "anything"));
  EXPECT_FALSE(Match("[a != *]", "anything"));
  EXPECT_TRUE(Match("[a = a*b]", "a*b"));  // a star inside is literal
  EXPECT_FALSE(Match("[a = a*b]", "axb"));
  EXPECT_TRUE(Match(R"([a = "\*x"])", "*x"));  // an escaped star is literal
  EXPECT_FALSE(Match(R"([a = "\*x"])", "yx"));
  EXPECT_TRUE(Match("[a = \"two words\"]", "\"two words\""));
  EXPECT_TRUE(Match("[a = \"two words\", b]", "[two words] x"));
  EXPECT_TRUE(Match("[a=\"\", b]", "\"\" x"));
  EXPECT_TRUE(Match("[a = 10.0.2.*]", "10.0.2.15"));
  EXPECT_FALSE(Match("[a = 10.0.2.*]", "10.0.20.15"));
}

TEST(FilterPatternTest, DelimitedNumericComparisons) {
  EXPECT_TRUE(Match("[a > 1000]", "1001"));
  EXPECT_FALSE(Match("[a > 1000]", "1000"));
  EXPECT_TRUE(Match("[a >= 1000]", "1000"));
  EXPECT_TRUE(Match("[a < 10]", "9.5"));
  EXPECT_TRUE(Match("[a <= -1]", "-1"));
  EXPECT_TRUE(Match("[a > +1000]", "1e4"));
  EXPECT_TRUE(Match("[a < 10e-3]", "0.001"));
  EXPECT_FALSE(Match("[a > 5]", "abc"));  // not a number: never ordered
  EXPECT_FALSE(Match("[a < 5]", "-"));
  EXPECT_TRUE(Match("[a = 22]", "22"));
  EXPECT_TRUE(Match("[a = 22]", "022"));  // equal as numbers
  EXPECT_TRUE(Match("[a = 22]", "22.0"));
  EXPECT_TRUE(Match("[a = \"22\"]", "22"));
  EXPECT_FALSE(Match("[a = 22]", "-"));
  EXPECT_TRUE(Match("[a != 22]", "-"));
  EXPECT_TRUE(Match("[a != 22]", "23"));
  // 64-bit integers compare exactly.
  EXPECT_TRUE(Match("[a > 9007199254740992]", "9007199254740993"));
  EXPECT_FALSE(Match("[a = 9007199254740992]", "9007199254740993"));
}

TEST(FilterPatternTest, DelimitedRegex) {
  std::vector<std::string> events = {"GET /index.html 404", "GET /a.png 200", "POST /b.html 500"};
  EXPECT_EQ(Matching("[method, request = %.*\\.html%, status = %4[0-9]{2}%]", events), V({1}));
  EXPECT_EQ(Matching("[method != %^G%, ...]", events), V({3}));
}

TEST(FilterPatternTest, DelimitedFieldSplitting) {
  // Runs of blanks are one separator; quotes and brackets make one field.
  EXPECT_TRUE(Match("[a, b, c]", "  x \t y   z  "));
  EXPECT_TRUE(Match("[a, b = \"q r\", c]", "x \"q r\" z"));
  EXPECT_TRUE(Match("[a, b = \"q r\", c]", "x [q r] z"));
  EXPECT_TRUE(Match("[a, b = \"x]\"]", "a \"x]\""));
  EXPECT_TRUE(Match("[a, b = \"open to end\"]", "a \"open to end"));
  EXPECT_TRUE(Match("[a = x, b = y]", "\"x\"y"));  // a closing quote ends the field
  EXPECT_FALSE(Match("[a]", ""));
  EXPECT_FALSE(Match("[a]", "   "));
  EXPECT_TRUE(Match("[...]", ""));
  EXPECT_TRUE(Match("[a, ...]", "x"));
  EXPECT_FALSE(Match("[a, ..., b]", "x"));
  EXPECT_TRUE(Match("[a, ..., b]", "x y"));
  EXPECT_TRUE(Match("[a = x, ..., b = y]", "x 1 2 3 y"));
}

TEST(FilterPatternTest, DelimitedUnnamedFields) {
  EXPECT_TRUE(Match("[a, , c]", "1 2 3"));
  EXPECT_FALSE(Match("[a, , c]", "1 2"));
  EXPECT_TRUE(Match("[a,]", "1 2"));
  EXPECT_FALSE(Match("[a,]", "1"));
}

TEST(FilterPatternTest, EllipsisFastPathAgreesWithFullSplit) {
  // Matches() splits the fields after '...' backwards when it can;
  // ExtractedValues() always splits every field. They must agree.
  const char* patterns[] = {"[..., x = a]",  "[x = a, ...]",         "[x, ..., y = 1*, z]",
                            "[...]",         "[x = *, ..., y != a]", "[..., y > 5, z = *2]",
                            "[x, y, ..., z]"};
  const char* pieces[] = {"a", "b", "1", "22", "7", " ", " ", "\t"};
  uint32_t state = 12345;
  for (int k = 0; k < 3000; ++k) {
    std::string m;
    state = state * 1103515245 + 12345;
    int len = static_cast<int>((state >> 16) % 12);
    for (int j = 0; j < len; ++j) {
      state = state * 1103515245 + 12345;
      m += pieces[(state >> 16) % 8];
    }
    if (m.find_first_not_of(" \t") == std::string::npos) continue;
    for (const char* pattern : patterns) {
      FilterPattern p = MustParse(pattern);
      EXPECT_EQ(p.Matches(m), !p.ExtractedValues(m).empty()) << pattern << " on '" << m << "'";
    }
  }
}

TEST(FilterPatternTest, DelimitedConditionsOnOtherFields) {
  // A condition may name another field of the pattern.
  EXPECT_TRUE(Match("[a, b = 4* && a > 1000]", "2000 404"));
  EXPECT_FALSE(Match("[a, b = 4* && a > 1000]", "999 404"));
  EXPECT_TRUE(Match("[a, ..., b = x || a = y]", "y 1 2 z"));
  EXPECT_FALSE(Match("[a, ..., b = x || a = y]", "q 1 2 z"));
}

// --- flow logs ---------------------------------------------------------------

using DocRecord = test_data::DocExample;

std::vector<std::string> Words(const std::string& s) {
  std::istringstream in(s);
  std::vector<std::string> out;
  std::string w;
  while (in >> w) out.push_back(w);
  return out;
}

const char kSshRejectPattern[] =
    "[version, account, eni, source, destination, srcport, destport=\"22\", protocol=\"6\", "
    "packets, bytes, windowstart, windowend, action=\"REJECT\", flowlogstatus]";

TEST(FilterPatternTest, FlowLogDefaultFormat) {
  const std::string accept_ssh =
      "2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 "
      "1418530010 1418530070 ACCEPT OK";
  const std::string reject_ssh =
      "2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 "
      "1418530010 1418530070 REJECT OK";
  EXPECT_FALSE(Match(kSshRejectPattern, accept_ssh));
  EXPECT_TRUE(Match(kSshRejectPattern, reject_ssh));
  EXPECT_TRUE(Match("[..., action=\"REJECT\", status]", reject_ssh));
  EXPECT_FALSE(Match("[..., action=\"REJECT\", status]", accept_ssh));
  EXPECT_TRUE(Match("[version, account, eni, source, ..., action=ACCEPT, status]", accept_ssh));
  EXPECT_TRUE(Match("[v, a, e, src = 172.31.*, dst, sp, dp = 22 || dp = 3389, ...]", accept_ssh));
  EXPECT_TRUE(Match("[v, a, e, s, d, sp, dp, p, packets >= 20, bytes > 4000, ...]", accept_ssh));
  EXPECT_FALSE(Match("[v, a, e, s, d, sp, dp, p, packets, bytes > 5000, ...]", accept_ssh));
  EXPECT_TRUE(Match("REJECT", reject_ssh));
  EXPECT_TRUE(Match("eni-1235b8ca123456789 -ACCEPT", reject_ssh));
}

TEST(FilterPatternTest, FlowLogDocRecords) {
  std::vector<DocRecord> records = test_data::LoadDocExamples();
  ASSERT_EQ(records.size(), 27u);
  int rejects = 0;
  for (const DocRecord& r : records) {
    std::vector<std::string> names = Words(r.format);
    std::vector<std::string> values = Words(r.record);
    ASSERT_EQ(names.size(), values.size()) << r.id;
    // Every field named and required to equal its value: matches.
    std::string exact = "[";
    std::string plain = "[";
    for (size_t i = 0; i < names.size(); ++i) {
      std::string sep = i == 0 ? "" : ", ";
      exact += sep + names[i] + " = \"" + values[i] + "\"";
      plain += sep + names[i];
    }
    exact += "]";
    plain += "]";
    EXPECT_TRUE(Match(exact, r.record)) << r.id << "\n" << exact;
    EXPECT_TRUE(Match(plain, r.record)) << r.id;
    // One field fewer or more: no match.
    std::string shorter = plain.substr(0, plain.rfind(',')) + "]";
    EXPECT_FALSE(Match(shorter, r.record)) << r.id;
    EXPECT_FALSE(Match(plain.substr(0, plain.size() - 1) + ", extra]", r.record)) << r.id;
    // The last field through '...'.
    EXPECT_TRUE(Match("[..., last = \"" + values.back() + "\"]", r.record)) << r.id;
    EXPECT_FALSE(Match("[..., last = \"" + values.back() + "x\"]", r.record)) << r.id;
    // action = REJECT, by name wherever the format puts it.
    for (size_t i = 0; i < names.size(); ++i) {
      if (names[i] != "action") continue;
      std::string pattern = "[";
      for (size_t j = 0; j < names.size(); ++j) {
        pattern += std::string(j == 0 ? "" : ", ") + (j == i ? "action = REJECT" : names[j]);
      }
      pattern += "]";
      bool want = values[i] == "REJECT";
      rejects += want;
      EXPECT_EQ(Match(pattern, r.record), want) << r.id;
    }
  }
  EXPECT_EQ(rejects, 2);  // reject-rdp and icmp-nacl-reject
}

TEST(FilterPatternTest, FlowLogNoData) {
  // NODATA records carry '-' where numbers would be.
  const std::string nodata =
      "2 123456789010 eni-1235b8ca123456789 - - - - - - - 1431280876 1431280934 - NODATA";
  EXPECT_FALSE(Match("[v, a, e, s, d, sp, dp = 22, ...]", nodata));
  EXPECT_TRUE(Match("[v, a, e, s, d, sp, dp != 22, ...]", nodata));
  EXPECT_FALSE(Match("[v, a, e, s, d, sp, dp, p, packets, bytes > 0, ...]", nodata));
  EXPECT_TRUE(Match("[..., status = NODATA]", nodata));
}

// --- JSON patterns ---------------------------------------------------------------

// [D1] "JSON Metric Filter Examples".
const char kJsonEvent[] = R"({
  "eventType": "UpdateTrail",
  "sourceIPAddress": "111.111.111.111",
  "arrayKey": ["value", "another value"],
  "objectList": [{"name": "a", "id": 1}, {"name": "b", "id": 2}],
  "SomeObject": null,
  "ThisFlag": true
})";

TEST(FilterPatternTest, JsonDocExamples) {
  for (std::string_view p : {
           R"({ $.eventType = "UpdateTrail" })",
           R"({ $.sourceIPAddress != 123.123.* })",
           R"({ $.arrayKey[0] = "value" })",
           R"({ $.objectList[1].id = 2 })",
           R"({ $.SomeObject IS NULL })",
           R"({ $.SomeOtherObject NOT EXISTS })",
           R"({ $.ThisFlag IS TRUE })",
       }) {
    EXPECT_TRUE(Match(p, kJsonEvent)) << p;
  }
  EXPECT_EQ(MustParse("{ $.a = 1 }").kind(), FilterPattern::Kind::kJson);
}

TEST(FilterPatternTest, JsonNegatives) {
  for (std::string_view p : {
           R"({ $.eventType = "UpdateTrai" })",
           R"({ $.sourceIPAddress = 123.123.* })",
           R"({ $.arrayKey[2] = "value" })",
           R"({ $.eventType[0] = "UpdateTrail" })",  // not an array
           R"({ $.objectList[0].id = 2 })",
           R"({ $.objectList[1].nope = 2 })",
           R"({ $.eventType IS NULL })",
           R"({ $.Missing IS NULL })",
           R"({ $.SomeObject NOT EXISTS })",
           R"({ $.ThisFlag IS FALSE })",
           R"({ $.eventType IS TRUE })",
           R"({ $.arrayKey = "value" })",  // arrays and objects are not values
           R"({ $.arrayKey != "value" })",
           R"({ $.objectList != 1 })",
           R"({ $.Missing != 1 })",
       }) {
    EXPECT_FALSE(Match(p, kJsonEvent)) << p;
  }
  EXPECT_FALSE(Match("{ $.a = 1 }", "not json"));
  EXPECT_FALSE(Match("{ $.a = 1 }", "{\"a\": 1"));
  EXPECT_FALSE(Match("{ $.a NOT EXISTS }", "not json"));
  EXPECT_TRUE(Match("{ $.a NOT EXISTS }", "[1, 2]"));
  EXPECT_TRUE(Match("{ $.a NOT EXISTS }", "{}"));
}

TEST(FilterPatternTest, JsonOrExamples) {
  // [D1] OR in JSON filters.
  std::vector<std::string> events = {R"({"foo": "bar"})", R"({"foo": "baz"})"};
  EXPECT_EQ(Matching("{$.foo = bar}", events), V({1}));
  EXPECT_EQ(Matching("{$.foo = baz }", events), V({2}));
  EXPECT_EQ(Matching("{$.foo = bar || $.foo = baz }", events), V({1, 2}));
}

// [D1] "JSON Compound Conditions".
const char kCompoundEvent[] = R"({
  "user": {"id": 1, "email": "John.Stiles@example.com"},
  "users": [{"id": 2, "email": "John.Doe@example.com"},
            {"id": 3, "email": "Jane.Doe@example.com"}],
  "actions": ["GET", "PUT", "DELETE"],
  "coordinates": [[0, 1, 2], [4, 5, 6], [7, 8, 9]]
})";

TEST(FilterPatternTest, JsonCompoundDocExamples) {
  EXPECT_TRUE(Match(R"({ ($.user.id = 1) && ($.users[0].email = "John.Doe@example.com") })",
                    kCompoundEvent));
  EXPECT_FALSE(
      Match(R"({ ($.user.id = 2 && $.users[0].email = "nonmatch") || $.actions[2] = "GET" })",
            kCompoundEvent));
  EXPECT_TRUE(Match(R"({ $.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = )"
                    R"(nonmatch && $.actions[2] = nomatch })",
                    kCompoundEvent));
  EXPECT_FALSE(Match(R"({ ($.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = )"
                     R"(nonmatch) && $.actions[2] = nomatch })",
                     kCompoundEvent));
  EXPECT_TRUE(Match("{ $.coordinates[2][0] = 7 }", kCompoundEvent));
  // [D1] a selector on an array matches neither = nor !=.
  EXPECT_FALSE(Match("{$.users = 1}", R"({"users": [1, 2, 3]})"));
  EXPECT_FALSE(Match("{$.users != 1}", R"({"users": [1, 2, 3]})"));
}

TEST(FilterPatternTest, JsonNumericDocExamples) {
  // [D1] "Numeric Comparisons".
  const char event[] =
      R"({"latency": 500, "numbers": [9], "processes": [0,0,0,0,{"averageRuntime": 55.5}],
          "errorCode": 400})";
  for (std::string_view p :
       {"{ $.latency >= 500 }", "{ $.numbers[0] < 10e3 }",
        "{ $.processes[4].averageRuntime <= 55.5 }", "{ $.errorCode = 400 }",
        "{ $.errorCode != 500 }", "{ $.latency > +100 }", "{ $.latency = * }"}) {
    EXPECT_TRUE(Match(p, event)) << p;
  }
  for (std::string_view p : {"{ $.latency > 500 }", "{ $.numbers[0] < 10e-3 }",
                             "{ $.processes[4].averageRuntime < 55.5 }", "{ $.errorCode = 401 }",
                             "{ $.errorCode != 400 }", "{ $.latency > +1000 }", "{ $.nope = * }"}) {
    EXPECT_FALSE(Match(p, event)) << p;
  }
}

TEST(FilterPatternTest, JsonValueTypes) {
  const char event[] =
      R"({"s": "400", "n": 404, "f": 1.5, "b": false, "big": 18446744073709551615,
          "neg": -7, "e": "user@example.com", "k-1": "dash", "t": "PutEvent"})";
  EXPECT_TRUE(Match("{ $.s = 400 }", event));  // a string that reads as the number
  EXPECT_TRUE(Match("{ $.s > 399 }", event));
  EXPECT_TRUE(Match("{ $.n = 4* }", event));  // a number through its text
  EXPECT_TRUE(Match("{ $.n = %^40[0-9]$% }", event));
  EXPECT_TRUE(Match("{ $.f = 1.5 }", event));
  EXPECT_TRUE(Match("{ $.f > 1 }", event));
  EXPECT_TRUE(Match("{ $.b = false }", event));
  EXPECT_TRUE(Match("{ $.b IS FALSE }", event));
  EXPECT_FALSE(Match("{ $.b > 0 }", event));
  EXPECT_TRUE(Match("{ $.big > 1e19 }", event));
  EXPECT_TRUE(Match("{ $.neg < -6 }", event));
  EXPECT_TRUE(Match(R"({ $.e = "user@example.com" })", event));
  EXPECT_TRUE(Match("{ $.k-1 = dash }", event));
  // [D1] the wildcard: *Event, Event*; a star inside is literal.
  EXPECT_TRUE(Match("{ $.t = *Event }", event));
  EXPECT_TRUE(Match("{ $.t = Put* }", event));
  EXPECT_FALSE(Match("{ $.t = Pu*ent }", event));
  EXPECT_TRUE(Match(R"({ $.t = "Pu*ent" })", R"({"t": "Pu*ent"})"));
  EXPECT_TRUE(Match("{ $.t = %Event$% }", event));
  EXPECT_TRUE(Match("{ $.t != %^Get% }", event));
  // Keywords in any case; no blanks needed.
  EXPECT_TRUE(Match("{$.b is false}", event));
  EXPECT_TRUE(Match("{$.zz not exists}", event));
  EXPECT_TRUE(Match("{$.n=404&&$.s=400}", event));
  EXPECT_TRUE(Match("{ (($.n = 1) || ($.n = 404)) }", event));
}

// --- errors --------------------------------------------------------------------

TEST(FilterPatternTest, ErrorsNameTheColumnAndReason) {
  struct Case {
    const char* pattern;
    const char* message;
  };
  const Case cases[] = {
      {"\"unterminated", "Invalid filter pattern: column 1: unterminated quoted string"},
      {"ERROR -", "Invalid filter pattern: column 7: '-' must be followed by a term"},
      {"?", "Invalid filter pattern: column 1: '?' must be followed by a term"},
      {"ab\"c\"",
       "Invalid filter pattern: column 3: a double quote inside an unquoted term; "
       "quote the whole term"},
      {"%abc",
       "Invalid filter pattern: column 1: unterminated regular expression (no closing "
       "'%')"},
      {"%%", "Invalid filter pattern: column 1: empty regular expression '%%'"},
      {"%a(b)%",
       "Invalid filter pattern: column 3: parentheses are not supported in regular "
       "expressions"},
      {"%something!%",
       "Invalid filter pattern: column 11: character '!' is not supported in "
       "regular expressions"},
      {"%caf\xc3\xa9%",
       "Invalid filter pattern: column 5: multi-byte characters are not "
       "supported in regular expressions"},
      {"%a{2,1}%",
       "Invalid filter pattern: column 1: invalid regular expression: invalid repetition "
       "size: {2,1}"},
      {"[a, b", "Invalid filter pattern: column 1: '[' is never closed with ']'"},
      {"[]",
       "Invalid filter pattern: column 2: a space-delimited pattern needs at least one field"},
      {"[a b]",
       "Invalid filter pattern: column 4: expected a comparison operator (=, !=, <, <=, "
       ">, >=), found 'b'"},
      {"[a, ..., b, ...]",
       "Invalid filter pattern: column 13: a space-delimited pattern can "
       "contain only one '...'"},
      {"[a > x]",
       "Invalid filter pattern: column 6: a number is needed after <, <=, > and >=, "
       "found 'x'"},
      {"[a = %x% || a = %y% || a = %z%]",
       "Invalid filter pattern: column 28: a JSON or space-delimited filter pattern can contain "
       "at most 2 regular expressions"},
      {"[a > %x%]",
       "Invalid filter pattern: column 6: a regular expression can only be compared "
       "with = or !="},
      {"[a, b = 1 && c = 2]",
       "Invalid filter pattern: column 14: 'c' is not the name of a field "
       "of this pattern"},
      {"[a = ]", "Invalid filter pattern: column 6: expected a value, found ']'"},
      {"[a] x", "Invalid filter pattern: column 5: unexpected text after ']', found 'x'"},
      {"[a = \"x]", "Invalid filter pattern: column 6: unterminated quoted string"},
      {"[a = x\"y\"]",
       "Invalid filter pattern: column 7: a double quote inside an unquoted "
       "value; quote the whole value"},
      {"[(a = 1]", "Invalid filter pattern: column 8: expected ')', found ']'"},
      {"{",
       "Invalid filter pattern: column 2: expected a selector starting with '$', found the "
       "end of the pattern"},
      {"{ }", "Invalid filter pattern: column 3: a JSON pattern needs a condition inside { }"},
      {"{ $.a = 1", "Invalid filter pattern: column 1: '{' is never closed with '}'"},
      {"{ a = 1 }",
       "Invalid filter pattern: column 3: expected a selector starting with '$', "
       "found 'a'"},
      {"{ $ = 1 }",
       "Invalid filter pattern: column 3: a selector needs a property after '$', "
       "as in $.name"},
      {"{ $. = 1 }",
       "Invalid filter pattern: column 5: expected a property name after '.', "
       "found ' '"},
      {"{ $.a[x] = 1 }", "Invalid filter pattern: column 7: expected an array index, found 'x'"},
      {"{ $.a[1 = 1 }",
       "Invalid filter pattern: column 8: expected ']' after the array index, "
       "found ' '"},
      {"{ $.a IS MAYBE }",
       "Invalid filter pattern: column 10: expected NULL, TRUE or FALSE "
       "after IS, found 'M'"},
      {"{ $.a NOT THERE }",
       "Invalid filter pattern: column 11: expected EXISTS after NOT, "
       "found 'T'"},
      {"{ $.a == 1 }", "Invalid filter pattern: column 7: '==' is not an operator; use '='"},
      {"{ $.a = 1 $.b = 2 }",
       "Invalid filter pattern: column 11: expected '}', '&&' or '||', "
       "found '$'"},
      {"{ $.a = 1 } x", "Invalid filter pattern: column 13: unexpected text after '}', found 'x'"},
      {"{ $.a < \"x\" }",
       "Invalid filter pattern: column 9: a number is needed after <, <=, > "
       "and >=, found '\"x\"'"},
      {"{ \xc3\xa9 }",
       "Invalid filter pattern: column 3: expected a selector starting with '$', "
       "found '\xc3\xa9'"},
      {"{ $.\xc3\xa9 = 1 }",
       "Invalid filter pattern: column 5: expected a property name after "
       "'.', found '\xc3\xa9'"},
  };
  for (const Case& c : cases) EXPECT_EQ(ParseError(c.pattern), c.message) << c.pattern;
}

TEST(FilterPatternTest, DeepNestingIsRefusedNotRecursedInto) {
  std::string deep = "{ " + std::string(40, '(') + "$.a = 1" + std::string(40, ')') + " }";
  EXPECT_EQ(ParseError(deep), "Invalid filter pattern: column 35: parentheses nested too deeply");
  std::string ok = "{ " + std::string(30, '(') + "$.a = 1" + std::string(30, ')') + " }";
  EXPECT_TRUE(Match(ok, R"({"a": 1})"));
  std::string many = "{ $.a = 2";
  for (int i = 0; i < 999; ++i) many += " || $.a = 1";
  EXPECT_TRUE(Match(many + " }", R"({"a": 1})"));
  EXPECT_NE(ParseError(many + " || $.a = 1 }").find("too many conditions (at most 1000)"),
            std::string::npos);
  std::string huge(100000, '(');
  EXPECT_NE(ParseError("[" + huge), "(parsed)");
}

TEST(FilterPatternTest, AdversarialInputsStayLinear) {
  // Substring search, wildcards and regexes must not backtrack: each of these
  // takes quadratic or exponential time in a naive matcher.
  const std::string big(1 << 20, 'a');
  const std::string needle = std::string(2000, 'a') + "b";
  EXPECT_FALSE(Match("\"" + needle + "\"", big));
  EXPECT_FALSE(Match("[f = *" + needle + "*]", big));
  EXPECT_FALSE(Match("%a*a*a*a*a*a*a*a*a*a*a*a*b%", big));
  EXPECT_FALSE(Match("{ $.a = *" + needle + "* }", "{\"a\": \"" + big + "\"}"));
  std::string fields;
  for (int i = 0; i < 100000; ++i) fields += "x ";
  EXPECT_TRUE(Match("[..., a = x, b = x]", fields));
  EXPECT_FALSE(Match("[a = y, ...]", fields));
}

// --- concurrency ---------------------------------------------------------------

TEST(FilterPatternTest, ConcurrentMatchesAgree) {
  const FilterPattern delimited = MustParse(kSshRejectPattern);
  const FilterPattern json = MustParse("{ $.a[1] > 5 && $.b = x* }");
  const FilterPattern terms = MustParse("?REJECT ?%ACC[E]PT%");
  std::vector<std::thread> threads;
  std::vector<int> counts(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      FilterPattern copy = delimited;  // copies share the compiled form
      for (int i = 0; i < 2000; ++i) {
        std::string action = i % 2 ? "REJECT" : "ACCEPT";
        std::string line = "2 1 eni-1 10.0.0.1 10.0.0.2 " + std::to_string(1000 + i) +
                           " 22 6 1 100 1 2 " + action + " OK";
        std::string j = "{\"a\": [0, " + std::to_string(i % 10) + "], \"b\": \"xyz\"}";
        counts[t] += copy.Matches(line) + json.Matches(j) + terms.Matches(line);
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < 4; ++t) EXPECT_EQ(counts[t], 1000 + 800 + 2000);
}

}  // namespace
}  // namespace flowlens::server

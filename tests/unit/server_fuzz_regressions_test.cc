// Regression tests for what the server fuzzers (tests/fuzz/server_request_fuzz.cc,
// sigv4_fuzz.cc, request_reader_fuzz.cc) found, one test per finding.
#include <gtest/gtest.h>

#include "common/arena.h"
#include "query/json.h"
#include "server/api_error.h"
#include "server/json_writer.h"
#include "server_world.h"

namespace flowlens::server {
namespace {

// The body parsed as JSON (our parser rejects invalid UTF-8, as botocore's
// UTF-8 decoding of a response does), or "" when it does not parse.
std::string MessageOf(const std::string& body) {
  Arena arena;
  const query::JsonNode* doc = query::ParseJson(body, &arena);
  const query::JsonNode* m = doc ? doc->Get("message") : nullptr;
  return m && m->type == query::JsonType::kString ? std::string(m->s) : "";
}

TEST(JsonText, InvalidUtf8BecomesReplacementCharacters) {
  std::string out;
  AppendJsonText(
      "a\xff"
      "b\xc3",
      &out);
  EXPECT_EQ(out,
            "\"a\xEF\xBF\xBD"
            "b\xEF\xBF\xBD\"");
  out.clear();
  AppendJsonText("\xed\xa0\x80 \xf4\x90\x80\x80 \xe0\x80\xaf",
                 &out);  // surrogate, > U+10FFFF, overlong
  EXPECT_EQ(out.find('\xed'), std::string::npos) << out;
  EXPECT_EQ(out.find('\xf4'), std::string::npos) << out;
  out.clear();
  AppendJsonText("caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x98\x80", &out);  // valid text is unchanged
  EXPECT_EQ(out, "\"caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x98\x80\"");
}

// Found by server_request_fuzz: the SigV4 errors echo the Authorization
// header, and a byte 0xFF in it made the error body invalid JSON.
TEST(ServerFuzzRegressions, ErrorEchoingABinaryHeaderIsValidJson) {
  ServerWorld world;
  HttpResponse r =
      world.Call("DescribeLogGroups", "{}",
                 {{"authorization",
                   "AWS4-HMAC-SHA256 Credential=AKID/20261128/us-east-1/logs/aws4_reque\xff\xffst, "
                   "SignedHeaders=host, Signature=" +
                       std::string(64, '0')},
                  {"x-amz-date", "20261128T071738Z"}});
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(MessageOf(r.body).find("aws4_reque\xEF\xBF\xBD\xEF\xBF\xBDst"), std::string::npos)
      << r.body;
  r = world.Call("Describe\xc3LogGroups", "{}");
  EXPECT_NE(MessageOf(r.body).find("Describe\xEF\xBF\xBDLogGroups"), std::string::npos) << r.body;
}

// A value shown in a validation message is cut to 100 bytes, which cut a
// two-byte character in half.
TEST(ServerFuzzRegressions, ShortenedValueInAMessageIsValidUtf8) {
  ServerWorld world;
  std::string name = "a";
  for (int i = 0; i < 300; ++i) name += "\xc3\xa9";  // 'é', which the pattern refuses
  HttpResponse r = world.Call("CreateLogGroup", "{\"logGroupName\": \"" + name + "\"}");
  EXPECT_EQ(r.status, 400);
  std::string m = MessageOf(r.body);
  EXPECT_NE(m.find("a\xc3\xa9\xc3\xa9"), std::string::npos) << r.body;
  EXPECT_EQ(m.find("\xEF\xBF\xBD"), std::string::npos) << m;
}

}  // namespace
}  // namespace flowlens::server

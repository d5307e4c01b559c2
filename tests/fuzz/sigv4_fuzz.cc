// libFuzzer target: AWS Signature Version 4 verification (server/sigv4.h) on
// a request in the text form of request_text.h (seeds: the captured aws CLI
// and boto3 requests, which verify as they are). Three checks:
//
// 1. VerifySigV4 of the request as given answers with one of the four AWS
//    error types (or accepts it), under a pinned clock and without clock check.
// 2. The request re-signed the way a client signs it (every header with a
//    valid name signed, a fresh Authorization) verifies: the Authorization
//    parser, header lookup and canonical request agree for any path, query,
//    header names and values and body.
// 3. ParseAmzDate accepts exactly the dates FormatAmzDate prints: a date
//    that parses prints back to the same text.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>

#include "request_text.h"
#include "server/crypto.h"
#include "server/sigv4.h"

namespace {

using namespace flowlens::server;

constexpr int64_t kNowSeconds = 1795850541;  // within the captures' skew window
constexpr std::string_view kKey = "AKIDEXAMPLE";
constexpr std::string_view kSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

std::optional<KeySecret> Lookup(std::string_view id) {
  if (id == kKey) return KeySecret{std::string(kSecret), ""};
  if (id == "AKIDTOKEN") return KeySecret{"secret", "FQoGZXIvYXdzEXAMPLETOKEN"};
  return std::nullopt;
}

[[noreturn]] void Finding(const std::string& what, const HttpRequest& r) {
  fprintf(stderr, "FINDING: %s\nrequest: %s %s?%s\n", what.c_str(), r.method.c_str(),
          r.path.c_str(), r.query.c_str());
  for (const auto& [k, v] : r.headers) fprintf(stderr, "  %s: %s\n", k.c_str(), v.c_str());
  abort();
}

void CheckError(const std::optional<ApiError>& e, const HttpRequest& r) {
  if (!e) return;
  static const std::set<std::string> kTypes = {
      "MissingAuthenticationTokenException", "IncompleteSignatureException",
      "InvalidSignatureException", "UnrecognizedClientException"};
  if (!kTypes.count(e->type) || e->message.empty() || e->http_status != 400) {
    Finding("unexpected error " + e->type + ": " + e->message, r);
  }
}

// A header name a client can sign: an HTTP token without the characters the
// Authorization header uses as separators.
bool SignableName(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](unsigned char c) {
    return c > ' ' && c < 127 && !std::isupper(c) &&
           std::string_view("\"(),/:;<=>?@[\\]{}").find(static_cast<char>(c)) ==
               std::string_view::npos;
  });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  HttpRequest r =
      flowlens::fuzz::ParseRequestText(std::string_view(reinterpret_cast<const char*>(data), size));

  // 1. As given.
  SigV4Request sr{r.method, r.path, r.query, &r.headers, r.body};
  SigV4Options opts;
  opts.region = "us-east-1";
  opts.now_seconds = kNowSeconds;
  std::string who;
  CheckError(VerifySigV4(sr, Lookup, opts, &who), r);
  opts.max_skew_seconds = -1;
  opts.region.clear();
  CheckError(VerifySigV4(sr, Lookup, opts), r);

  // 3. Dates.
  std::string amz_date = FindHeader(r.headers, "x-amz-date").value_or("");
  if (std::optional<int64_t> t = ParseAmzDate(amz_date)) {
    if (FormatAmzDate(*t) != amz_date) {
      Finding(
          "ParseAmzDate accepts '" + amz_date + "', which prints as '" + FormatAmzDate(*t) + "'",
          r);
    }
  } else {
    amz_date = FormatAmzDate(kNowSeconds);
  }

  // 2. Re-signed.
  HeaderList headers;
  for (auto& [k, v] : r.headers) {
    if (k != "authorization" && k != "x-amz-date" && k != "x-amz-security-token") {
      headers.emplace_back(k, v);
    }
  }
  headers.emplace_back("x-amz-date", amz_date);
  if (!FindHeader(headers, "host")) headers.emplace_back("host", "127.0.0.1:4590");
  std::vector<std::string> names;
  for (const auto& [k, v] : headers) {
    if (SignableName(k)) names.push_back(k);
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  std::string signed_list;
  for (const std::string& n : names) signed_list += (signed_list.empty() ? "" : ";") + n;
  SigV4Request resigned{r.method, r.path, r.query, &headers, r.body};
  const std::string day = amz_date.substr(0, 8);
  const std::string scope = day + "/us-east-1/logs/aws4_request";
  const std::string to_sign = "AWS4-HMAC-SHA256\n" + amz_date + "\n" + scope + "\n" +
                              Sha256Hex(CanonicalRequest(resigned, names));
  const std::string signature =
      HexEncode(HmacSha256(SigningKey(kSecret, day, "us-east-1", "logs"), to_sign));
  headers.emplace_back("authorization", "AWS4-HMAC-SHA256 Credential=" + std::string(kKey) + "/" +
                                            scope + ", SignedHeaders=" + signed_list +
                                            ", Signature=" + signature);
  HttpRequest shown = r;
  shown.headers = headers;
  if (auto err = VerifySigV4(resigned, Lookup, opts, &who)) {
    Finding("a correctly signed request is refused: " + err->type + ": " + err->message, shown);
  }
  if (who != kKey) Finding("accepted, but not as " + std::string(kKey), shown);
  return 0;
}

// AWS Signature Version 4 verification of a request, as CloudWatch Logs does
// it (docs: /work/shared/docs/cwlogs-api.md §2): parse Authorization, check
// scope (date, region, service), the clock skew of X-Amz-Date, look up the
// secret of the access key, rebuild the canonical request from the signed
// headers and the raw body, and compare signatures in constant time.
//
//   SigV4Request r{"POST", "/", "", &headers, body};
//   std::optional<ApiError> err = VerifySigV4(r, lookup, opts, &who);
//   if (err) reply(*err);  // MissingAuthenticationToken, InvalidSignature, ...
//
// Thread safety: pure function (the lookup must be safe to call concurrently).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "server/api_error.h"

namespace flowlens::server {

// Header names lower case; a repeated header appears several times.
using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct SigV4Request {
  std::string_view method;
  std::string_view path;   // without the query string
  std::string_view query;  // after '?', may be empty
  const HeaderList* headers = nullptr;
  std::string_view body;
};

struct SigV4Options {
  std::string service = "logs";
  std::string region;              // empty: any region
  int64_t max_skew_seconds = 300;  // negative: no clock check
  int64_t now_seconds = 0;         // Unix time to check X-Amz-Date against
};

// What the server knows of an access key.
struct KeySecret {
  std::string secret_access_key;
  std::string session_token;  // empty: requests must not carry one
};

// Finds the secret of an access key id; nullopt when the key is unknown.
using SecretLookup = std::function<std::optional<KeySecret>(std::string_view access_key_id)>;

// nullopt when the request is correctly signed by a known key (its id goes
// to *access_key_id), otherwise the error AWS gives.
std::optional<ApiError> VerifySigV4(const SigV4Request& request, const SecretLookup& lookup,
                                    const SigV4Options& options,
                                    std::string* access_key_id = nullptr);

// Pieces exposed for tests and for clients in tests.
std::string CanonicalRequest(const SigV4Request& request,
                             const std::vector<std::string>& signed_headers);
std::string SigningKey(std::string_view secret, std::string_view date, std::string_view region,
                       std::string_view service);
// Value of a header (name lower case); repeated headers joined with ','.
std::optional<std::string> FindHeader(const HeaderList& headers, std::string_view name);
// Parses "20261128T071738Z" to Unix seconds.
std::optional<int64_t> ParseAmzDate(std::string_view text);
std::string FormatAmzDate(int64_t unix_seconds);

}  // namespace flowlens::server

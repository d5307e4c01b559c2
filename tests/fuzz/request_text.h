// The text form of an API request used by the server fuzzers and their seeds
// (tests/fuzz/make_server_seeds.py writes it from the captured requests):
//
//   POST /?query            <- method, then the request target (path and query)
//   X-Amz-Target: Logs_20140328.CreateLogGroup
//   Authorization: AWS4-HMAC-SHA256 Credential=...
//                           <- an empty line ends the headers
//   {"logGroupName": "g"}   <- the body, verbatim, up to the end
//
// Lines end with "\n" (a "\r" before it is dropped). Header names are lower
// cased, as the HTTP server hands them to the Service; a line without ':' is
// skipped. A fuzz input may hold several requests separated by kRequestSeparator.
//
// Thread safety: pure functions.
#pragma once

#include <algorithm>
#include <cctype>
#include <string>
#include <string_view>
#include <vector>

#include "server/service.h"

namespace flowlens::fuzz {

inline constexpr std::string_view kRequestSeparator = "\n=====\n";

// Takes the next line off `text` (without its "\n" or "\r\n").
inline std::string_view NextLine(std::string_view* text) {
  size_t nl = text->find('\n');
  std::string_view line = text->substr(0, nl);
  *text = nl == std::string_view::npos ? std::string_view() : text->substr(nl + 1);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

inline server::HttpRequest ParseRequestText(std::string_view text) {
  server::HttpRequest r;
  std::string_view first = NextLine(&text);
  size_t sp = first.find(' ');
  r.method = std::string(first.substr(0, sp));
  std::string_view target = sp == std::string_view::npos ? "/" : first.substr(sp + 1);
  size_t q = target.find('?');
  r.path = std::string(target.substr(0, q));
  if (q != std::string_view::npos) r.query = std::string(target.substr(q + 1));
  while (!text.empty()) {
    std::string_view line = NextLine(&text);
    if (line.empty()) break;
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string name(line.substr(0, colon));
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) {
      value.remove_prefix(1);
    }
    r.headers.emplace_back(std::move(name), std::string(value));
  }
  r.body = std::string(text);
  return r;
}

// Splits a fuzz input into its requests (at most max_requests).
inline std::vector<std::string_view> SplitRequests(std::string_view input, size_t max_requests) {
  std::vector<std::string_view> out;
  while (out.size() < max_requests) {
    size_t at = input.find(kRequestSeparator);
    out.push_back(input.substr(0, at));
    if (at == std::string_view::npos) break;
    input.remove_prefix(at + kRequestSeparator.size());
  }
  return out;
}

}  // namespace flowlens::fuzz

// RequestReader: the JSON body of an API request, read member by member with
// the model's constraints (required, type, length, range, pattern), giving
// the errors AWS gives: SerializationException for a body that is not a JSON
// object, InvalidParameterException "1 validation error detected: Value 'x'
// at 'member' failed to satisfy constraint: ..." otherwise. Unknown members
// are ignored (newer SDKs send members this server does not know).
//
//   RequestReader in;
//   if (auto e = in.Parse(body)) return *e;
//   auto name = in.String("logGroupName", kRequired, 1, 512, NamePattern::kLogGroup);
//   auto limit = in.Int("limit", kOptional, 1, 50);
//   if (auto e = in.error()) return *e;   // first problem found
//
// Views returned live as long as the reader.
// Thread safety: one reader per request.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/arena.h"
#include "query/json.h"
#include "server/api_error.h"

namespace flowlens::server {

enum class NamePattern {
  kNone,
  kLogGroup,            // [\.\-_/#A-Za-z0-9]+
  kLogStream,           // [^:*]*
  kLogGroupIdentifier,  // [\w#+=/:,.@-]*
};

inline constexpr bool kRequired = true;
inline constexpr bool kOptional = false;

class RequestReader {
 public:
  // Parses the body; an error when it is not a JSON object.
  std::optional<ApiError> Parse(std::string_view body);

  std::optional<std::string_view> String(std::string_view member, bool required, int64_t min_len,
                                         int64_t max_len, NamePattern pattern = NamePattern::kNone);
  std::optional<int64_t> Int(std::string_view member, bool required, int64_t min, int64_t max);
  std::optional<bool> Bool(std::string_view member);
  // A list of strings, each checked as String() checks one.
  std::optional<std::vector<std::string_view>> StringList(std::string_view member, bool required,
                                                          int64_t min_items, int64_t max_items,
                                                          int64_t min_len, int64_t max_len,
                                                          NamePattern pattern);
  // An array member (nullptr when absent or on error), with its item count checked.
  const query::JsonNode* Array(std::string_view member, bool required, int64_t min_items,
                               int64_t max_items);
  bool Has(std::string_view member) const;

  // Records a violation found by the caller (first one wins).
  void Fail(std::string_view member, std::string_view value_text, std::string_view constraint);
  const std::optional<ApiError>& error() const { return error_; }

  // Checks a string against a pattern and length as String() does.
  std::optional<std::string> Violation(std::string_view value, int64_t min_len, int64_t max_len,
                                       NamePattern pattern) const;

 private:
  const query::JsonNode* Member(std::string_view member, bool required);
  Arena arena_;
  const query::JsonNode* root_ = nullptr;
  std::optional<ApiError> error_;
};

// Number of Unicode code points in UTF-8 text (AWS lengths count characters).
size_t CharCount(std::string_view utf8);

}  // namespace flowlens::server

// The operation table and what the handlers share.
#include <algorithm>
#include <array>
#include <utility>

#include "server/crypto.h"
#include "server/operations.h"

namespace flowlens::server {

Handler FindOperation(std::string_view name) {
  // Sorted by name for the binary search.
  static constexpr std::array<std::pair<std::string_view, Handler>, 19> kOps = {{
      {"CreateLogGroup", CreateLogGroup},
      {"CreateLogStream", CreateLogStream},
      {"DeleteLogGroup", DeleteLogGroup},
      {"DeleteLogStream", DeleteLogStream},
      {"DeleteQueryDefinition", DeleteQueryDefinition},
      {"DeleteRetentionPolicy", DeleteRetentionPolicy},
      {"DescribeLogGroups", DescribeLogGroups},
      {"DescribeLogStreams", DescribeLogStreams},
      {"DescribeQueries", DescribeQueries},
      {"DescribeQueryDefinitions", DescribeQueryDefinitions},
      {"FilterLogEvents", FilterLogEvents},
      {"GetLogEvents", GetLogEvents},
      {"GetLogRecord", GetLogRecord},
      {"GetQueryResults", GetQueryResults},
      {"PutLogEvents", PutLogEvents},
      {"PutQueryDefinition", PutQueryDefinition},
      {"PutRetentionPolicy", PutRetentionPolicy},
      {"StartQuery", StartQuery},
      {"StopQuery", StopQuery},
  }};
  auto it = std::lower_bound(kOps.begin(), kOps.end(), name,
                             [](const auto& op, std::string_view n) { return op.first < n; });
  return it != kOps.end() && it->first == name ? it->second : nullptr;
}

std::string GroupFromIdentifier(std::string_view id) {
  // arn:aws:logs:REGION:ACCOUNT:log-group:NAME[:*]
  if (!id.starts_with("arn:")) return std::string(id);
  size_t pos = id.find(":log-group:");
  if (pos == std::string_view::npos) return std::string(id);
  std::string_view name = id.substr(pos + 11);
  if (name.ends_with(":*")) name.remove_suffix(2);
  return std::string(name);
}

std::string GroupArn(const ServiceContext& ctx, std::string_view group) {
  return "arn:aws:logs:" + ctx.region + ":" + ctx.account_id + ":log-group:" + std::string(group);
}

std::optional<std::string> GroupOfRequest(RequestReader& in, const ServiceContext& ctx) {
  auto name = in.String("logGroupName", kOptional, 1, 512, NamePattern::kLogGroup);
  auto ident =
      in.String("logGroupIdentifier", kOptional, 1, 2048, NamePattern::kLogGroupIdentifier);
  if (in.error()) return std::nullopt;
  if (name && ident) {
    in.Fail("logGroupIdentifier", "'" + std::string(*ident) + "'",
            "You must include either logGroupIdentifier or logGroupName, but not both.");
    return std::nullopt;
  }
  if (!name && !ident) {
    in.Fail("logGroupName", "null", "Member must not be null");
    return std::nullopt;
  }
  return name ? std::string(*name) : GroupFromIdentifier(*ident);
}

ApiError NoSuchGroup() {
  return ApiError::ResourceNotFound("The specified log group does not exist.");
}
ApiError NoSuchStream() {
  return ApiError::ResourceNotFound("The specified log stream does not exist.");
}
ApiError FromStoreError(const Status& st) {
  if (st.code() == StatusCode::kNotFound) {
    return st.message().starts_with("log stream") ? NoSuchStream() : NoSuchGroup();
  }
  if (st.is_user_error()) return ApiError::InvalidParameter(st.message());
  return ApiError::Internal(st.message());
}

ApiError BadToken() {
  return ApiError::InvalidParameter("The specified nextToken is invalid.");
}

bool Pager::Resume(std::optional<std::string_view> token) {
  if (!token) return true;
  after_ = DecodeToken(prefix_, *token);
  return after_.has_value();
}

Pager::Step Pager::Next(const std::string& key) {
  if (after_ && (descending_ ? key >= *after_ : key <= *after_)) return Step::kSkip;
  if (taken_ == page_size_) {
    more_ = true;
    return Step::kStop;
  }
  ++taken_;
  last_ = key;
  return Step::kTake;
}

void Pager::WriteNextToken(JsonWriter* w) const {
  if (more_) w->Member("nextToken", EncodeToken(prefix_, last_));
}

std::string EncodeToken(std::string_view prefix, std::string_view text) {
  return std::string(prefix) + HexEncode(text);
}

std::optional<std::string> DecodeToken(std::string_view prefix, std::string_view token) {
  if (!token.starts_with(prefix)) return std::nullopt;
  token.remove_prefix(prefix.size());
  if (token.size() % 2) return std::nullopt;
  std::string out;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  for (size_t i = 0; i < token.size(); i += 2) {
    int hi = nibble(token[i]), lo = nibble(token[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
  }
  return out;
}

}  // namespace flowlens::server

#include "server/request_reader.h"

#include <cctype>

namespace flowlens::server {
namespace {

bool GroupChar(unsigned char c) {
  return std::isalnum(c) || c == '.' || c == '-' || c == '_' || c == '/' || c == '#';
}
bool IdentifierChar(unsigned char c) {
  return std::isalnum(c) || c == '_' || c == '#' || c == '+' || c == '=' || c == '/' || c == ':' ||
         c == ',' || c == '.' || c == '@' || c == '-';
}

const char* PatternText(NamePattern p) {
  switch (p) {
    case NamePattern::kLogGroup:
      return "[\\.\\-_/#A-Za-z0-9]+";
    case NamePattern::kLogStream:
      return "[^:*]*";
    case NamePattern::kLogGroupIdentifier:
      return "[\\w#+=/:,.@-]*";
    case NamePattern::kNone:
      break;
  }
  return "";
}

// Shortens a value for an error message (at a character boundary).
std::string Shown(std::string_view v) {
  if (v.size() <= 100) return std::string(v);
  size_t cut = 100;
  while (cut > 0 && (static_cast<unsigned char>(v[cut]) & 0xc0) == 0x80) --cut;
  return std::string(v.substr(0, cut)) + "...";
}

std::string TypeText(const query::JsonNode* n) {
  std::string out;
  query::AppendJson(n, &out);
  return Shown(out);
}

}  // namespace

size_t CharCount(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xc0) != 0x80;
  return n;
}

std::optional<ApiError> RequestReader::Parse(std::string_view body) {
  if (body.empty()) body = "{}";
  root_ = query::ParseJson(body, &arena_, 32);
  if (!root_) {
    return ApiError::Serialization(
        "The request body is not valid JSON (or is nested deeper than "
        "32 levels).");
  }
  if (root_->type != query::JsonType::kObject) {
    return ApiError::Serialization("The request body must be a JSON object.");
  }
  return std::nullopt;
}

void RequestReader::Fail(std::string_view member, std::string_view value_text,
                         std::string_view constraint) {
  if (error_) return;
  error_ = ApiError::InvalidParameter("1 validation error detected: Value " +
                                      std::string(value_text) + " at '" + std::string(member) +
                                      "' failed to satisfy constraint: " + std::string(constraint));
}

bool RequestReader::Has(std::string_view member) const {
  const query::JsonNode* n = root_ ? root_->Get(member) : nullptr;
  return n && n->type != query::JsonType::kNull;
}

const query::JsonNode* RequestReader::Member(std::string_view member, bool required) {
  const query::JsonNode* n = root_ ? root_->Get(member) : nullptr;
  if (n && n->type == query::JsonType::kNull) n = nullptr;
  if (!n && required) Fail(member, "null", "Member must not be null");
  return n;
}

std::optional<std::string> RequestReader::Violation(std::string_view v, int64_t min_len,
                                                    int64_t max_len, NamePattern pattern) const {
  int64_t len = static_cast<int64_t>(CharCount(v));
  if (len < min_len) {
    return "Member must have length greater than or equal to " + std::to_string(min_len);
  }
  if (max_len >= 0 && len > max_len) {
    return "Member must have length less than or equal to " + std::to_string(max_len);
  }
  bool ok = true;
  for (unsigned char c : v) {
    if (pattern == NamePattern::kLogGroup) ok &= GroupChar(c);
    if (pattern == NamePattern::kLogStream) ok &= c != ':' && c != '*';
    if (pattern == NamePattern::kLogGroupIdentifier) ok &= IdentifierChar(c);
  }
  if (!ok)
    return std::string("Member must satisfy regular expression pattern: ") + PatternText(pattern);
  return std::nullopt;
}

std::optional<std::string_view> RequestReader::String(std::string_view member, bool required,
                                                      int64_t min_len, int64_t max_len,
                                                      NamePattern pattern) {
  const query::JsonNode* n = Member(member, required);
  if (!n) return std::nullopt;
  if (n->type != query::JsonType::kString) {
    Fail(member, "'" + TypeText(n) + "'", "Member must be a string");
    return std::nullopt;
  }
  if (auto why = Violation(n->s, min_len, max_len, pattern)) {
    Fail(member, "'" + Shown(n->s) + "'", *why);
    return std::nullopt;
  }
  return n->s;
}

std::optional<int64_t> RequestReader::Int(std::string_view member, bool required, int64_t min,
                                          int64_t max) {
  const query::JsonNode* n = Member(member, required);
  if (!n) return std::nullopt;
  if (n->type != query::JsonType::kNumber || !n->is_int) {
    Fail(member, "'" + TypeText(n) + "'", "Member must be an integer");
    return std::nullopt;
  }
  if (n->i < min) {
    Fail(member, "'" + std::to_string(n->i) + "'",
         "Member must have value greater than or equal to " + std::to_string(min));
    return std::nullopt;
  }
  if (n->i > max) {
    Fail(member, "'" + std::to_string(n->i) + "'",
         "Member must have value less than or equal to " + std::to_string(max));
    return std::nullopt;
  }
  return n->i;
}

std::optional<bool> RequestReader::Bool(std::string_view member) {
  const query::JsonNode* n = Member(member, false);
  if (!n) return std::nullopt;
  if (n->type != query::JsonType::kBool) {
    Fail(member, "'" + TypeText(n) + "'", "Member must be a boolean");
    return std::nullopt;
  }
  return n->b;
}

const query::JsonNode* RequestReader::Array(std::string_view member, bool required,
                                            int64_t min_items, int64_t max_items) {
  const query::JsonNode* n = Member(member, required);
  if (!n) return nullptr;
  if (n->type != query::JsonType::kArray) {
    Fail(member, "'" + TypeText(n) + "'", "Member must be a list");
    return nullptr;
  }
  int64_t size = static_cast<int64_t>(n->size);
  if (size < min_items) {
    Fail(member, "'" + TypeText(n) + "'",
         "Member must have length greater than or equal to " + std::to_string(min_items));
    return nullptr;
  }
  if (max_items >= 0 && size > max_items) {
    Fail(member, "'[...]'",
         "Member must have length less than or equal to " + std::to_string(max_items));
    return nullptr;
  }
  return n;
}

std::optional<std::vector<std::string_view>> RequestReader::StringList(
    std::string_view member, bool required, int64_t min_items, int64_t max_items, int64_t min_len,
    int64_t max_len, NamePattern pattern) {
  const query::JsonNode* a = Array(member, required, min_items, max_items);
  if (!a) return std::nullopt;
  std::vector<std::string_view> out;
  for (size_t i = 0; i < a->size; ++i) {
    const query::JsonNode* item = a->items[i];
    std::string where = std::string(member) + "." + std::to_string(i + 1) + ".member";
    if (item->type != query::JsonType::kString) {
      Fail(where, "'" + TypeText(item) + "'", "Member must be a string");
      return std::nullopt;
    }
    if (auto why = Violation(item->s, min_len, max_len, pattern)) {
      Fail(where, "'" + Shown(item->s) + "'", *why);
      return std::nullopt;
    }
    out.push_back(item->s);
  }
  return out;
}

}  // namespace flowlens::server

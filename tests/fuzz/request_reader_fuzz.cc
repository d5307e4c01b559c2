// libFuzzer target: RequestReader (server/request_reader.h), the JSON body
// reader every operation uses, on an arbitrary body with arbitrary
// constraints. The first 4 bytes choose the constraints (required, length or
// value bounds, item bounds, name pattern); the rest is the body. Every
// member of the body (and one absent member) is read with every accessor,
// each on a fresh reader.
//
// Checks: a body that is not a JSON object is a SerializationException; a
// value handed back satisfies the constraints asked for (type, length in
// characters, range, pattern); a refusal records exactly one
// InvalidParameterException naming the member in the AWS wording, in valid
// UTF-8 (the body was).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include <simdjson.h>

#include "common/arena.h"
#include "query/json.h"
#include "server/request_reader.h"

namespace {

using flowlens::server::ApiError;
using flowlens::server::CharCount;
using flowlens::server::NamePattern;
using flowlens::server::RequestReader;
namespace query = flowlens::query;

[[noreturn]] void Finding(const std::string& what) {
  fprintf(stderr, "FINDING: %s\n", what.c_str());
  abort();
}

bool Matches(std::string_view v, NamePattern p) {
  for (unsigned char c : v) {
    bool word = std::isalnum(c) || c == '_';
    switch (p) {
      case NamePattern::kLogGroup:
        if (!(word || c == '.' || c == '-' || c == '/' || c == '#')) return false;
        break;
      case NamePattern::kLogStream:
        if (c == ':' || c == '*') return false;
        break;
      case NamePattern::kLogGroupIdentifier:
        if (!(word || std::string_view("#+=/:,.@-").find(c) != std::string_view::npos)) {
          return false;
        }
        break;
      case NamePattern::kNone:
        break;
    }
  }
  return true;  // (an empty value is a matter of min_len, as in the reader)
}

// A refusal must be recorded, once, in the AWS wording, naming the member.
void CheckRefusal(const RequestReader& in, std::string_view member) {
  const std::optional<ApiError>& e = in.error();
  if (!e) Finding("a value was refused without an error for '" + std::string(member) + "'");
  if (!simdjson::validate_utf8(e->message)) {
    Finding("refusal message is not UTF-8 (the body was): " + e->message);
  }
  if (e->type != "InvalidParameterException" ||
      !e->message.starts_with("1 validation error detected: Value ") ||
      e->message.find(" at '" + std::string(member)) == std::string::npos ||
      e->message.find("' failed to satisfy constraint: Member must ") == std::string::npos) {
    Finding("malformed refusal for '" + std::string(member) + "': " + e->message);
  }
}

void CheckString(std::string_view v, int64_t min_len, int64_t max_len, NamePattern p) {
  int64_t n = static_cast<int64_t>(CharCount(v));
  if (n < min_len || (max_len >= 0 && n > max_len) || !Matches(v, p)) {
    Finding("a string outside its constraints was accepted: '" + std::string(v) + "'");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 4) return 0;
  const bool required = data[0] & 1;
  const NamePattern pattern = static_cast<NamePattern>((data[0] >> 1) % 4);
  const int64_t min_len = data[1] % 8;
  const int64_t max_len = data[2] == 255 ? -1 : min_len + data[2] % 64;
  const int64_t min_value = static_cast<int8_t>(data[3]) * int64_t{1000};
  const int64_t max_value = min_value + data[3] * int64_t{997};
  std::string_view body(reinterpret_cast<const char*>(data) + 4, size - 4);

  RequestReader probe;
  if (auto e = probe.Parse(body)) {
    if (e->type != "SerializationException") Finding("bad body gave " + e->type);
    return 0;
  }
  flowlens::Arena arena;
  const query::JsonNode* root = query::ParseJson(body.empty() ? "{}" : body, &arena, 32);
  if (!root || root->type != query::JsonType::kObject) Finding("reader accepted a non-object");
  std::vector<std::string_view> members(root->keys, root->keys + root->size);
  members.push_back("absentMember");

  for (std::string_view m : members) {
    const query::JsonNode* node = root->Get(m);
    const bool present = node && node->type != query::JsonType::kNull;
    if (probe.Has(m) != present) Finding("Has disagrees for '" + std::string(m) + "'");
    {
      RequestReader in;
      in.Parse(body);
      auto v = in.String(m, required, min_len, max_len, pattern);
      if (v) {
        if (node->type != query::JsonType::kString || *v != node->s) Finding("String mismatch");
        CheckString(*v, min_len, max_len, pattern);
        if (in.error()) Finding("a value and an error");
      } else if (present || required) {
        CheckRefusal(in, m);
      }
    }
    {
      RequestReader in;
      in.Parse(body);
      auto v = in.Int(m, required, min_value, max_value);
      if (v) {
        if (!node->is_int || *v != node->i || *v < min_value || *v > max_value) {
          Finding("Int outside its range: " + std::to_string(*v));
        }
      } else if (present || required) {
        CheckRefusal(in, m);
      }
    }
    {
      RequestReader in;
      in.Parse(body);
      auto v = in.Bool(m);
      if (v && (node->type != query::JsonType::kBool || *v != node->b)) Finding("Bool mismatch");
      if (!v && present) CheckRefusal(in, m);
    }
    {
      RequestReader in;
      in.Parse(body);
      auto v = in.StringList(m, required, min_len, max_len, min_len, max_len, pattern);
      if (v) {
        int64_t n = static_cast<int64_t>(v->size());
        if (n < min_len || (max_len >= 0 && n > max_len)) Finding("list size outside bounds");
        for (std::string_view s : *v) CheckString(s, min_len, max_len, pattern);
      } else if (present || required) {
        CheckRefusal(in, m);
      }
    }
    {
      RequestReader in;
      in.Parse(body);
      const query::JsonNode* a = in.Array(m, required, min_len, max_len);
      if (a) {
        if (a->type != query::JsonType::kArray) Finding("Array gave a non-array");
        int64_t n = static_cast<int64_t>(a->size);
        if (n < min_len || (max_len >= 0 && n > max_len)) Finding("array size outside bounds");
      } else if (present || required) {
        CheckRefusal(in, m);
      }
    }
  }
  return 0;
}

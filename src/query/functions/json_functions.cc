// JSON functions: jsonParse jsonStringify jsonArraySize jsonArrayContains.
// Arguments may be JSON values (from jsonParse or split) or JSON text.
#include <cmath>

#include "query/functions/function_families.h"
#include "query/json.h"

namespace flowlens::query::scalar {
namespace {

// The JSON tree of an argument: a JSON value as is, text parsed into the
// arena; nullptr for anything else or invalid JSON.
const JsonNode* ArgJson(const Value& v, CallContext& ctx) {
  if (v.type == ValueType::kJson) return v.json;
  if (v.type != ValueType::kString) return nullptr;
  return ParseJson(v.s, ctx.arena);
}

bool ItemMatches(const JsonNode* item, const Value& v, CallContext& ctx) {
  switch (item->type) {
    case JsonType::kNull:
      return false;
    case JsonType::kBool:
      if (v.type == ValueType::kBool) return (v.i != 0) == item->b;
      return v.type == ValueType::kString && v.s == (item->b ? "true" : "false");
    case JsonType::kNumber: {
      if (v.type == ValueType::kBool) return false;
      std::optional<int> c = CompareValues(JsonToValue(item), v);
      return c && *c == 0 && AsNumber(v).has_value();
    }
    case JsonType::kString: {
      std::optional<std::string_view> text = ArgText(v, ctx);
      return text && *text == item->s;
    }
    case JsonType::kArray:
    case JsonType::kObject: {
      if (v.type != ValueType::kJson) return false;
      thread_local std::string other;
      other.clear();
      AppendJson(v.json, &other);
      std::string& mine = Scratch();
      AppendJson(item, &mine);
      return mine == other;
    }
  }
  return false;
}

}  // namespace

Value JsonParse(Args a, CallContext& ctx) {
  const JsonNode* n = ArgJson(a[0], ctx);
  if (n == nullptr || (n->type != JsonType::kObject && n->type != JsonType::kArray)) {
    return Value::Null();
  }
  return Value::Json(n);
}

Value JsonStringify(Args a, CallContext& ctx) {
  const Value& v = a[0];
  std::string& out = Scratch();
  switch (v.type) {
    case ValueType::kNull:
      return Value::Null();
    case ValueType::kJson:
      AppendJson(v.json, &out);
      break;
    case ValueType::kBool:
    case ValueType::kInt:
      AppendValueText(v, &out);
      break;
    case ValueType::kDouble:
      if (!std::isfinite(v.d)) return Value::Null();
      AppendValueText(v, &out);
      break;
    default: {
      // Strings, timestamps and addresses become JSON strings of their text.
      std::string_view text = ValueAsText(v, ctx.arena);
      AppendJsonQuoted(text, &out);
    }
  }
  return StringResult(out, ctx);
}

Value JsonArraySize(Args a, CallContext& ctx) {
  const JsonNode* n = ArgJson(a[0], ctx);
  if (n == nullptr || n->type != JsonType::kArray) return Value::Null();
  return Value::Int(static_cast<int64_t>(n->size));
}

Value JsonArrayContains(Args a, CallContext& ctx) {
  if (a[0].is_null() || a[1].is_null()) return Value::Null();
  const JsonNode* n = ArgJson(a[0], ctx);
  if (n == nullptr || n->type != JsonType::kArray) return Value::Bool(false);
  for (size_t k = 0; k < n->size; ++k) {
    if (ItemMatches(n->items[k], a[1], ctx)) return Value::Bool(true);
  }
  return Value::Bool(false);
}

}  // namespace flowlens::query::scalar

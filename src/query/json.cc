// JSON trees in an arena: parsing with the simdjson DOM parser, compact
// printing, and the field discovery of docs/insights-language.md §6.3.
#include "query/json.h"

#include <simdjson.h>

#include <cmath>
#include <cstring>
#include <string>

namespace flowlens::query {
namespace {

namespace dom = simdjson::dom;

// Converts a simdjson element to arena nodes; nullptr past `depth_left`.
const JsonNode* Build(dom::element e, Arena* arena, int depth_left) {
  JsonNode* node = arena->New<JsonNode>();
  switch (e.type()) {
    case dom::element_type::NULL_VALUE:
      node->type = JsonType::kNull;
      return node;
    case dom::element_type::BOOL:
      node->type = JsonType::kBool;
      node->b = e.get_bool().value_unsafe();
      return node;
    case dom::element_type::INT64:
      node->type = JsonType::kNumber;
      node->is_int = true;
      node->i = e.get_int64().value_unsafe();
      node->d = static_cast<double>(node->i);
      return node;
    case dom::element_type::UINT64:  // only values above INT64_MAX land here
      node->type = JsonType::kNumber;
      node->d = static_cast<double>(e.get_uint64().value_unsafe());
      return node;
    case dom::element_type::DOUBLE:
      node->type = JsonType::kNumber;
      node->d = e.get_double().value_unsafe();
      return node;
    case dom::element_type::STRING:
      node->type = JsonType::kString;
      node->s = arena->Store(e.get_string().value_unsafe());
      return node;
    case dom::element_type::ARRAY: {
      if (depth_left <= 0) return nullptr;
      dom::array arr = e.get_array().value_unsafe();
      size_t n = 0;
      for (auto it = arr.begin(); it != arr.end(); ++it) ++n;
      const JsonNode** items = arena->NewArray<const JsonNode*>(n);
      size_t k = 0;
      for (dom::element child : arr) {
        if ((items[k++] = Build(child, arena, depth_left - 1)) == nullptr) return nullptr;
      }
      node->type = JsonType::kArray;
      node->items = items;
      node->size = n;
      return node;
    }
    case dom::element_type::OBJECT: {
      if (depth_left <= 0) return nullptr;
      dom::object obj = e.get_object().value_unsafe();
      size_t n = 0;
      for (auto it = obj.begin(); it != obj.end(); ++it) ++n;
      const JsonNode** items = arena->NewArray<const JsonNode*>(n);
      std::string_view* keys = arena->NewArray<std::string_view>(n);
      size_t k = 0;
      for (dom::key_value_pair kv : obj) {
        keys[k] = arena->Store(kv.key);
        if ((items[k++] = Build(kv.value, arena, depth_left - 1)) == nullptr) return nullptr;
      }
      node->type = JsonType::kObject;
      node->items = items;
      node->keys = keys;
      node->size = n;
      return node;
    }
  }
  return nullptr;
}

void AppendJsonString(std::string_view s, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->push_back('"');
  size_t run = 0;  // start of the pending run of bytes that need no escape
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = s[i];
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out->append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\b':
        out->append("\\b");
        break;
      case '\f':
        out->append("\\f");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      default: {
        char esc[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
        out->append(esc, 6);
      }
    }
  }
  out->append(s.data() + run, s.size() - run);
  out->push_back('"');
}

struct Flattener {
  size_t max_fields;
  const std::function<void(std::string_view, const Value&)>& emit;
  Arena* arena;
  std::string path;
  size_t emitted = 0;

  void Walk(const JsonNode* node) {
    if (emitted >= max_fields) return;
    if (node->type != JsonType::kArray && node->type != JsonType::kObject) {
      ++emitted;
      emit(arena->Store(path), JsonToValue(node));
      return;
    }
    size_t base = path.size();
    for (size_t k = 0; k < node->size && emitted < max_fields; ++k) {
      if (base != 0) path.push_back('.');
      if (node->type == JsonType::kObject) {
        if (base == 0 && !node->keys[k].empty() && node->keys[k][0] == '@') path.push_back('@');
        path.append(node->keys[k]);
      } else {
        path.append(std::to_string(k));
      }
      Walk(node->items[k]);
      path.resize(base);
    }
  }
};

}  // namespace

const JsonNode* JsonNode::Get(std::string_view key) const {
  if (type != JsonType::kObject) return nullptr;
  // Duplicate keys: the last one wins, as in most JSON libraries.
  for (size_t k = size; k-- > 0;) {
    if (keys[k] == key) return items[k];
  }
  return nullptr;
}

const JsonNode* JsonNode::At(size_t index) const {
  if (type != JsonType::kArray || index >= size) return nullptr;
  return items[index];
}

const JsonNode* ParseJson(std::string_view text, Arena* arena, int max_depth) {
  // One parser and padded buffer per thread: the parser keeps its capacity,
  // so parsing a row allocates only in the arena.
  thread_local dom::parser parser;
  thread_local std::string padded;
  if (padded.size() < text.size() + simdjson::SIMDJSON_PADDING) {
    padded.resize(text.size() + simdjson::SIMDJSON_PADDING);
  }
  std::memcpy(padded.data(), text.data(), text.size());
  dom::element root;
  if (parser.parse(padded.data(), text.size(), false).get(root) != simdjson::SUCCESS) {
    return nullptr;
  }
  return Build(root, arena, max_depth);
}

Value JsonToValue(const JsonNode* node) {
  if (node == nullptr) return Value::Null();
  switch (node->type) {
    case JsonType::kNull:
      return Value::Null();
    case JsonType::kBool:
      return Value::Bool(node->b);
    case JsonType::kNumber:
      return node->is_int ? Value::Int(node->i) : Value::Double(node->d);
    case JsonType::kString:
      return Value::String(node->s);
    case JsonType::kArray:
    case JsonType::kObject:
      return Value::Json(node);
  }
  return Value::Null();
}

void AppendJson(const JsonNode* node, std::string* out) {
  if (node == nullptr) {
    out->append("null");
    return;
  }
  switch (node->type) {
    case JsonType::kNull:
      out->append("null");
      return;
    case JsonType::kBool:
      out->append(node->b ? "true" : "false");
      return;
    case JsonType::kNumber:
      if (node->is_int) {
        AppendValueText(Value::Int(node->i), out);
      } else if (std::isfinite(node->d)) {
        AppendDoubleText(node->d, out);
      } else {
        out->append("null");  // JSON has no NaN or infinity
      }
      return;
    case JsonType::kString:
      AppendJsonString(node->s, out);
      return;
    case JsonType::kArray:
      out->push_back('[');
      for (size_t k = 0; k < node->size; ++k) {
        if (k != 0) out->push_back(',');
        AppendJson(node->items[k], out);
      }
      out->push_back(']');
      return;
    case JsonType::kObject:
      out->push_back('{');
      for (size_t k = 0; k < node->size; ++k) {
        if (k != 0) out->push_back(',');
        AppendJsonString(node->keys[k], out);
        out->push_back(':');
        AppendJson(node->items[k], out);
      }
      out->push_back('}');
      return;
  }
}

void AppendJsonQuoted(std::string_view s, std::string* out) {
  AppendJsonString(s, out);
}

void FlattenJson(const JsonNode* root, size_t max_fields,
                 const std::function<void(std::string_view name, const Value& value)>& emit,
                 Arena* arena) {
  if (root == nullptr || (root->type != JsonType::kObject && root->type != JsonType::kArray)) {
    return;
  }
  Flattener f{max_fields, emit, arena, {}};
  f.Walk(root);
}

}  // namespace flowlens::query

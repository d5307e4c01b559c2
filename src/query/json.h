// JSON values for jsonParse, unnest, JSON field discovery and jsonStringify.
//
// A JsonNode tree lives in an Arena (all nodes trivially destructible): keys
// and string values are views into the arena.
//
//   const JsonNode* n = ParseJson(text, &arena);   // nullptr if not JSON
//   const JsonNode* v = n->Get("users");           // object member
//
// Thread safety: immutable once built.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "common/arena.h"
#include "query/value.h"

namespace flowlens::query {

enum class JsonType : uint8_t { kNull, kBool, kNumber, kString, kArray, kObject };

struct JsonNode {
  JsonType type = JsonType::kNull;
  bool b = false;
  bool is_int = false;  // a number written without fraction/exponent that fits int64
  int64_t i = 0;
  double d = 0;
  std::string_view s;  // kString value
  // kArray: items[0..size); kObject: keys[k] -> items[k], in document order.
  const JsonNode* const* items = nullptr;
  const std::string_view* keys = nullptr;
  size_t size = 0;

  const JsonNode* Get(std::string_view key) const;  // object member, or nullptr
  const JsonNode* At(size_t index) const;           // array element, or nullptr
};

// Parses a JSON document (object, array or scalar). Returns nullptr when the
// text is not valid JSON. `max_depth` bounds nesting.
const JsonNode* ParseJson(std::string_view text, Arena* arena, int max_depth = 64);

// The query value of a JSON node: objects and arrays stay kJson, strings are
// kString, numbers kInt/kDouble, booleans kBool, null kNull.
Value JsonToValue(const JsonNode* node);

// Compact JSON text of a node (keys in document order).
void AppendJson(const JsonNode* node, std::string* out);

// Logs Insights JSON field discovery: calls `emit(name, value)` for every leaf
// of the document in document order, with nested objects joined by '.', array
// elements by their index ("a.b.0.c"), and a top-level key starting with '@'
// getting another '@'. At most `max_fields` leaves are emitted.
void FlattenJson(const JsonNode* root, size_t max_fields,
                 const std::function<void(std::string_view name, const Value& value)>& emit,
                 Arena* arena);
// (Leaves are scalars, JSON null included as a null Value; empty objects and
// arrays have no leaves and emit nothing. Names live in `arena`.)

// Appends `s` as a JSON string literal (quoted, escaped).
void AppendJsonQuoted(std::string_view s, std::string* out);

}  // namespace flowlens::query

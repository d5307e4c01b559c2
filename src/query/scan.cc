#include "query/scan.h"

#include <cstring>
#include <unordered_map>

#include "query/json.h"

namespace flowlens::query {

void DiscoverJsonFields(std::string_view message,
                        const std::unordered_map<std::string_view, size_t>& wanted,
                        std::vector<Value>* values, Arena* arena) {
  std::fill(values->begin(), values->end(), Value::Null());
  if (message.empty() || message[0] != '{') return;
  const JsonNode* json = ParseJson(message, arena);
  if (!json || json->type != JsonType::kObject) return;
  FlattenJson(
      json, 200,
      [&](std::string_view name, const Value& v) {
        auto it = wanted.find(name);
        if (it != wanted.end() && (*values)[it->second].is_null()) (*values)[it->second] = v;
      },
      arena);
}

namespace {
constexpr char kPtrAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
}

std::string MakePointer(uint32_t source_id, uint64_t row_id) {
  // Twelve bytes (source, row) in URL-safe base64: 16 characters.
  unsigned char raw[12];
  for (int i = 0; i < 4; ++i) raw[i] = static_cast<unsigned char>(source_id >> (24 - 8 * i));
  for (int i = 0; i < 8; ++i) raw[4 + i] = static_cast<unsigned char>(row_id >> (56 - 8 * i));
  std::string out;
  for (int i = 0; i < 12; i += 3) {
    uint32_t v = (raw[i] << 16) | (raw[i + 1] << 8) | raw[i + 2];
    for (int k = 3; k >= 0; --k) out += kPtrAlphabet[(v >> (6 * k)) & 63];
  }
  return out;
}

bool ParsePointer(std::string_view ptr, uint32_t* source_id, uint64_t* row_id) {
  if (ptr.size() != 16) return false;
  unsigned char raw[12];
  for (int i = 0; i < 4; ++i) {
    uint32_t v = 0;
    for (int k = 0; k < 4; ++k) {
      const char* p = std::strchr(kPtrAlphabet, ptr[static_cast<size_t>(i * 4 + k)]);
      if (!p || !*p) return false;
      v = (v << 6) | static_cast<uint32_t>(p - kPtrAlphabet);
    }
    raw[i * 3] = static_cast<unsigned char>(v >> 16);
    raw[i * 3 + 1] = static_cast<unsigned char>(v >> 8);
    raw[i * 3 + 2] = static_cast<unsigned char>(v);
  }
  *source_id = 0;
  *row_id = 0;
  for (int i = 0; i < 4; ++i) *source_id = (*source_id << 8) | raw[i];
  for (int i = 0; i < 8; ++i) *row_id = (*row_id << 8) | raw[4 + i];
  return true;
}

}  // namespace flowlens::query

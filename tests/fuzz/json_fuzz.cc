// libFuzzer target: ParseJson on arbitrary bytes, then FlattenJson and
// AppendJson on whatever parsed. Checks that printing is a fixed point
// (print(parse(print(x))) == print(x)) and that flattening respects its limit.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "common/arena.h"
#include "query/json.h"

using flowlens::Arena;
using flowlens::query::AppendJson;
using flowlens::query::FlattenJson;
using flowlens::query::JsonNode;
using flowlens::query::ParseJson;
using flowlens::query::Value;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  // The first byte picks the depth limit, so shallow limits get exercised too.
  int max_depth = data[0] % 80;
  std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  Arena arena;
  const JsonNode* root = ParseJson(text, &arena, max_depth);
  if (root == nullptr) return 0;

  std::string printed;
  AppendJson(root, &printed);
  const JsonNode* again = ParseJson(printed, &arena, max_depth);
  if (again == nullptr) abort();  // what we print must parse
  std::string reprinted;
  AppendJson(again, &reprinted);
  if (reprinted != printed) abort();

  size_t limit = data[0] % 7 == 0 ? 0 : 200;
  size_t count = 0;
  size_t name_bytes = 0;
  FlattenJson(
      root, limit,
      [&](std::string_view name, const Value& v) {
        ++count;
        name_bytes += name.size();
        if (v.type == flowlens::query::ValueType::kJson) abort();  // only leaves
      },
      &arena);
  if (count > limit) abort();
  return 0;
}

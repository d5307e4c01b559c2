// libFuzzer target: ParseQuery on arbitrary bytes must return a Query or an
// InvalidArgument error with a position inside the text, never crash, hang or
// leak. A parsed query is checked for spans inside the text.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "query/parser.h"

namespace {

using flowlens::query::Expr;

// Spans lie inside the text, and the tree is no deeper than the parser's
// nesting bound, so that consumers may recurse over it.
void CheckSpans(const Expr& e, size_t size, int depth = 1) {
  if (e.span.offset < 0 || static_cast<size_t>(e.span.offset + e.span.length) > size) abort();
  if (e.span.line < 1 || e.span.column < 1) abort();
  if (depth > flowlens::query::kMaxExpressionDepth + 1) abort();
  for (const auto& child : e.children) CheckSpans(*child, size, depth + 1);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  flowlens::query::QueryError error;
  auto result = flowlens::query::ParseQuery(text, &error);
  if (!result.ok()) {
    if (result.status().code() != flowlens::StatusCode::kInvalidArgument) abort();
    if (error.message != result.status().message() || error.message.empty()) abort();
    if (error.start_offset < 0 || error.start_offset > error.end_offset ||
        static_cast<size_t>(error.end_offset) > size || error.line < 1 || error.column < 1) {
      abort();
    }
    return 0;
  }
  if (result->commands.empty()) abort();
  for (const auto& cmd : result->commands) {
    if (static_cast<size_t>(cmd.span.offset + cmd.span.length) > size) abort();
    if (cmd.condition) CheckSpans(*cmd.condition, size);
    for (const auto& p : cmd.projections) CheckSpans(*p.expr, size);
    for (const auto& p : cmd.group_by) CheckSpans(*p.expr, size);
    for (const auto& k : cmd.sort_keys) CheckSpans(*k.expr, size);
  }
  return 0;
}

// The parser of the Logs Insights query language: query text -> Query (ast.h),
// or a user error that says where and what is wrong.
//
//   QueryError error;
//   Result<Query> q = ParseQuery("filter action = 'REJECT' | stats count(*) by srcAddr", &error);
//   if (!q.ok()) return q.status();  // InvalidArgument "line 1, column 31: ..."
//
// Contract:
// - Syntax only, plus the ordering rules of validate.h (at most two stats,
//   sort/limit after the second stats, only limit after dedup, SOURCE first)
//   and the shape of stats entries (each holds an aggregate call or refers to
//   an alias made earlier in the same stats; no aggregate inside an aggregate
//   or in a `by` key). Which functions exist, their arity, and which fields
//   exist after a stats are the analyzer's business: any word followed by `(`
//   is a call.
// - On error the Status is InvalidArgument with one sentence, "line L,
//   column C: <what is wrong>; expected <what would fit>", and *error (when
//   not null) gets the same sentence and its span (query_error.h).
// - Queries over 10,000 characters and expressions nested more than 200 levels
//   (parentheses, unary operators, operator chains) are rejected, so deep
//   input cannot exhaust the stack. Time and memory are linear in the text
//   times that depth bound.
// - The Query owns all its strings; `text` need not outlive it.
// Thread safety: a pure function; call from any thread.
#pragma once

#include <string_view>

#include "common/status.h"
#include "query/ast.h"
#include "query/query_error.h"

namespace flowlens::query {

inline constexpr int kMaxQueryChars = 10000;
inline constexpr int kMaxExpressionDepth = 200;

Result<Query> ParseQuery(std::string_view text);
Result<Query> ParseQuery(std::string_view text, QueryError* error);

}  // namespace flowlens::query

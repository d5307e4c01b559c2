// Checks on a parsed Query that the grammar alone does not express: the
// ordering rules of Logs Insights (spec §2) and the shape of stats entries.
//
//   RETURN_IF_ERROR(ValidateQuery(query, &error));
//
// Rules, each reported at the offending command (or expression) in the same
// style as syntax errors (query_error.h):
// - SOURCE may only be the first command;
// - at most two stats commands;
// - with two stats, no sort or limit (head, tail) before the second one;
// - only limit may follow dedup;
// - each stats entry contains an aggregate call (avg count count_distinct max
//   min pct stddev sum earliest latest sortsFirst sortsLast) or refers to an
//   alias defined earlier in the same stats; no aggregate call inside another
//   one; no aggregate call in a `by` key.
// Field availability after stats is the analyzer's business, not checked here.
// Thread safety: a pure function.
#pragma once

#include <string_view>

#include "common/status.h"
#include "query/ast.h"
#include "query/query_error.h"

namespace flowlens::query {

// True for the names of the stats aggregate functions (lower case).
bool IsAggregateFunction(std::string_view lower_name);

// OK, or InvalidArgument with *error (when not null) filled.
Status ValidateQuery(const Query& query, QueryError* error);

}  // namespace flowlens::query

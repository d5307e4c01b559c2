// The analyzer: binds a parsed Query into a Plan before any data is read.
//
// It resolves field names to slots, functions to implementations (with their
// argument counts checked), compiles regexes, applies the bin() unit caps, and
// enforces the rules a parser cannot see: after stats only its output fields
// exist; aggregates only inside stats; periods only where a period is meant.
// Errors name the line and column of the offending text.
#pragma once

#include "common/status.h"
#include "query/ast.h"
#include "query/plan.h"
#include "query/validate.h"  // IsAggregateFunction

namespace flowlens::query {

struct AnalyzeError {
  SourceSpan span;
  std::string message;  // without the position
};

// Returns the plan, or an InvalidArgument status whose message starts with
// "line L, column C: ". When `error` is given it also gets the span.
Result<Plan> Analyze(const Query& query, AnalyzeError* error = nullptr);

}  // namespace flowlens::query

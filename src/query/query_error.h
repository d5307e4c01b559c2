// A malformed query, located: what the parser and the ordering checks report
// besides the Status, so that the HTTP API can answer MalformedQueryException
// with queryCompileError.location {startCharOffset, endCharOffset}.
//
//   QueryError error;
//   Result<Query> q = ParseQuery("fields a | | limit 1", &error);
//   // !q.ok(), error.line == 1, error.column == 12, error.start_offset == 11
//
// Offsets are byte offsets into the query text, end exclusive; an error at the
// end of the query has start_offset == end_offset == text size. line and
// column are 1-based, the column counted in characters (UTF-8 code points).
// `message` is the whole sentence, position included, exactly the Status
// message: "line 1, column 12: unexpected '|' after '|'; expected a command ...".
//
// Thread safety: a value; copy freely.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"
#include "query/ast.h"

namespace flowlens::query {

struct QueryError {
  int line = 0;
  int column = 0;
  int start_offset = 0;
  int end_offset = 0;
  std::string message;
};

// Builds the user-facing error "line L, column C: <detail>" for the text at
// `where`, fills *error when it is non-null, and returns it as InvalidArgument.
inline Status MakeQueryError(const SourceSpan& where, std::string_view detail, QueryError* error) {
  std::string message = "line " + std::to_string(where.line) + ", column " +
                        std::to_string(where.column) + ": " + std::string(detail);
  if (error != nullptr) {
    error->line = where.line;
    error->column = where.column;
    error->start_offset = where.offset;
    error->end_offset = where.offset + where.length;
    error->message = message;
  }
  return Status::InvalidArgument(std::move(message));
}

}  // namespace flowlens::query

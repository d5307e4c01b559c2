// Renders a QueryResult for people (an aligned table), for programs (JSON in
// the GetQueryResults shape) and for spreadsheets (CSV).
#pragma once

#include <string>
#include <string_view>

#include "query/executor.h"

namespace flowlens::query {

std::string FormatTable(const QueryResult& r);
// {"results": [[{"field","value"}...]], "statistics", "status"}; `status` is
// the GetQueryResults status to report (the server passes Running etc.).
std::string FormatJson(const QueryResult& r, std::string_view status = "Complete");
// One page of it: rows [first_row, first_row + max_rows), and a "nextToken"
// member when `next_token` is not empty.
std::string FormatJson(const QueryResult& r, std::string_view status, size_t first_row,
                       size_t max_rows, std::string_view next_token);
std::string FormatCsv(const QueryResult& r);

}  // namespace flowlens::query

// Renders a QueryResult for people (an aligned table), for programs (JSON in
// the GetQueryResults shape) and for spreadsheets (CSV).
#pragma once

#include <string>

#include "query/executor.h"

namespace flowlens::query {

std::string FormatTable(const QueryResult& r);
std::string FormatJson(
    const QueryResult& r);  // {"results": [[{"field","value"}...]], "statistics", "status"}
std::string FormatCsv(const QueryResult& r);

}  // namespace flowlens::query

#include "query/result_format.h"

#include <fmt/core.h>

#include <algorithm>

#include "query/json.h"

namespace flowlens::query {
namespace {

size_t DisplayWidth(std::string_view s) {
  size_t w = 0;
  for (unsigned char c : s) w += (c & 0xc0) != 0x80;
  return w;
}

void AppendCsvField(std::string_view s, std::string* out) {
  if (s.find_first_of(",\"\n\r") == std::string_view::npos) {
    out->append(s);
    return;
  }
  out->push_back('"');
  for (char c : s) {
    if (c == '"') out->push_back('"');
    out->push_back(c);
  }
  out->push_back('"');
}

std::string NumberText(double d) {
  std::string s;
  AppendDoubleText(d, &s);
  return s;
}

}  // namespace

std::string FormatTable(const QueryResult& r) {
  const size_t cols = r.columns.size();
  std::vector<size_t> width(cols);
  constexpr size_t kMaxWidth = 120;
  for (size_t c = 0; c < cols; ++c) width[c] = DisplayWidth(r.columns[c]);
  for (const auto& row : r.rows) {
    for (size_t c = 0; c < cols; ++c) {
      if (row[c]) width[c] = std::max(width[c], std::min(kMaxWidth, DisplayWidth(*row[c])));
    }
  }
  std::string out;
  auto cell = [&](std::string_view s, size_t c, bool last) {
    if (DisplayWidth(s) > kMaxWidth) {
      out.append(s.substr(0, kMaxWidth - 3));
      out.append("...");
    } else {
      out.append(s);
      if (!last) out.append(width[c] - DisplayWidth(s), ' ');
    }
    if (!last) out.append("  ");
  };
  for (size_t c = 0; c < cols; ++c) cell(r.columns[c], c, c + 1 == cols);
  out.push_back('\n');
  for (size_t c = 0; c < cols; ++c) {
    out.append(width[c], '-');
    if (c + 1 < cols) out.append("  ");
  }
  out.push_back('\n');
  for (const auto& row : r.rows) {
    for (size_t c = 0; c < cols; ++c) cell(row[c] ? *row[c] : "", c, c + 1 == cols);
    out.push_back('\n');
  }
  return out;
}

std::string FormatJson(const QueryResult& r, std::string_view status) {
  return FormatJson(r, status, 0, r.rows.size(), {});
}

std::string FormatJson(const QueryResult& r, std::string_view status, size_t first_row,
                       size_t max_rows, std::string_view next_token) {
  std::string out = "{\n  \"results\": [";
  const size_t end =
      first_row + std::min(max_rows, r.rows.size() - std::min(first_row, r.rows.size()));
  for (size_t i = first_row; i < end; ++i) {
    out += i > first_row ? ",\n    [" : "\n    [";
    bool first = true;
    for (size_t c = 0; c < r.columns.size(); ++c) {
      if (!r.rows[i][c]) continue;
      out += first ? "" : ", ";
      first = false;
      out += "{\"field\": ";
      AppendJsonQuoted(r.columns[c], &out);
      out += ", \"value\": ";
      AppendJsonQuoted(*r.rows[i][c], &out);
      out += "}";
    }
    if (i < r.pointers.size()) {
      out += first ? "" : ", ";
      out += "{\"field\": \"@ptr\", \"value\": ";
      AppendJsonQuoted(r.pointers[i], &out);
      out += "}";
    }
    out += "]";
  }
  out += end <= first_row ? "],\n" : "\n  ],\n";
  if (!next_token.empty()) {
    out += "  \"nextToken\": ";
    AppendJsonQuoted(next_token, &out);
    out += ",\n";
  }
  out += fmt::format(
      "  \"statistics\": {{\"recordsMatched\": {}, \"recordsScanned\": {}, \"bytesScanned\": "
      "{}}},\n  \"status\": \"{}\"\n}}\n",
      NumberText(r.statistics.records_matched), NumberText(r.statistics.records_scanned),
      NumberText(r.statistics.bytes_scanned), status);
  return out;
}

std::string FormatCsv(const QueryResult& r) {
  std::string out;
  for (size_t c = 0; c < r.columns.size(); ++c) {
    if (c) out.push_back(',');
    AppendCsvField(r.columns[c], &out);
  }
  out.push_back('\n');
  for (const auto& row : r.rows) {
    for (size_t c = 0; c < r.columns.size(); ++c) {
      if (c) out.push_back(',');
      if (row[c]) AppendCsvField(*row[c], &out);
    }
    out.push_back('\n');
  }
  return out;
}

}  // namespace flowlens::query

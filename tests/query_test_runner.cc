// Runs the data-driven query tests (tests/queries/*.test), sqllogictest style.
//
// A .test file is a sequence of blocks separated by blank lines:
//
//   # a comment
//   data [format=<header line>]      the records the next queries run on,
//   <record line>                    one a line, until a blank line
//   ...
//
//   query [rowsort] [limit=N]         a query, then ---- and the expected
//   <query text, any number of lines> result: a header line of column names,
//   ----                              then one line per row, values separated
//   col1<TAB>col2                     by tabs, a missing value as NULL
//   v1<TAB>v2
//
//   table NAME                        a lookup table (CSV lines until a blank
//   <csv lines>                       line) for the lookup command
//
//   error                             a query that must fail; the lines after
//   <query text>                      ---- must each appear in the message
//   ----
//   line 1, column 8
//
// Usage: query_test_runner FILE.test...
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "query/executor.h"

namespace {

using flowlens::query::QueryOptions;
using flowlens::query::QueryResult;
using flowlens::query::RunQueryOnFiles;
using flowlens::query::ScanInput;

std::vector<std::string> Lines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> out;
  std::string l;
  while (std::getline(in, l)) out.push_back(l);
  return out;
}

std::string Render(const QueryResult& r, bool rowsort) {
  std::vector<std::string> rows;
  for (const auto& row : r.rows) {
    std::string line;
    for (size_t c = 0; c < row.size(); ++c) {
      if (c) line += '\t';
      line += row[c] ? *row[c] : "NULL";
    }
    rows.push_back(line);
  }
  if (rowsort) std::sort(rows.begin(), rows.end());
  std::string out;
  for (size_t c = 0; c < r.columns.size(); ++c) {
    if (c) out += '\t';
    out += r.columns[c];
  }
  out += '\n';
  for (const auto& l : rows) out += l + '\n';
  return out;
}

int RunFile(const std::string& path) {
  std::vector<std::string> lines = Lines(path);
  std::string data_path = "/tmp/flowlens_qt_" + std::to_string(getpid()) + ".log";
  std::string format;
  std::map<std::string, std::string> tables;
  int failures = 0, count = 0;
  size_t i = 0;
  auto at_block_end = [&](size_t k) { return k >= lines.size() || lines[k].empty(); };
  while (i < lines.size()) {
    const std::string& head = lines[i];
    if (head.empty() || head[0] == '#') {
      ++i;
      continue;
    }
    size_t block_line = i + 1;
    if (head.rfind("data", 0) == 0) {
      format.clear();
      size_t f = head.find("format=");
      if (f != std::string::npos) format = head.substr(f + 7);
      std::ofstream out(data_path);
      for (++i; !at_block_end(i); ++i) out << lines[i] << '\n';
      continue;
    }
    if (head.rfind("table ", 0) == 0) {
      std::string name = head.substr(6);
      std::string path = data_path + "." + name + ".csv";
      std::ofstream out(path);
      for (++i; !at_block_end(i); ++i) out << lines[i] << '\n';
      tables[name] = path;
      continue;
    }
    bool is_error = head.rfind("error", 0) == 0;
    if (!is_error && head.rfind("query", 0) != 0) {
      std::cerr << path << ":" << block_line << ": unknown block '" << head << "'\n";
      return 1;
    }
    bool rowsort = head.find("rowsort") != std::string::npos;
    int64_t limit = 10000;
    size_t lp = head.find("limit=");
    if (lp != std::string::npos) limit = std::stoll(head.substr(lp + 6));
    std::string query;
    for (++i; i < lines.size() && lines[i] != "----"; ++i) query += lines[i] + '\n';
    std::string expected;
    for (++i; !at_block_end(i); ++i) expected += lines[i] + '\n';
    ++count;
    QueryOptions opts;
    opts.limit = limit;
    opts.threads = 2;
    opts.lookup_tables = tables;
    if (!format.empty()) opts.format = *flowlens::Layout::Parse(format);
    ScanInput in;
    in.path = data_path;
    in.display_name = "test.log";
    in.mtime_ms = 1700000000000;
    auto r = RunQueryOnFiles(query, {in}, opts);
    if (is_error) {
      if (r.ok()) {
        std::cerr << path << ":" << block_line << ": expected an error, the query succeeded:\n"
                  << query;
        ++failures;
        continue;
      }
      std::istringstream want(expected);
      std::string piece;
      while (std::getline(want, piece)) {
        if (r.status().message().find(piece) == std::string::npos) {
          std::cerr << path << ":" << block_line << ": error message\n  " << r.status().message()
                    << "\nlacks '" << piece << "'\n";
          ++failures;
        }
      }
      continue;
    }
    if (!r.ok()) {
      std::cerr << path << ":" << block_line << ": query failed: " << r.status().message() << "\n"
                << query;
      ++failures;
      continue;
    }
    std::string got = Render(*r, rowsort);
    if (rowsort) {
      // Sort the expected rows too (header stays first).
      std::istringstream e(expected);
      std::string header, l;
      std::getline(e, header);
      std::vector<std::string> rows;
      while (std::getline(e, l)) rows.push_back(l);
      std::sort(rows.begin(), rows.end());
      expected = header + '\n';
      for (auto& x : rows) expected += x + '\n';
    }
    if (got != expected) {
      std::cerr << path << ":" << block_line << ": wrong result for\n"
                << query << "expected:\n"
                << expected << "got:\n"
                << got;
      ++failures;
    }
  }
  std::remove(data_path.c_str());
  for (const auto& [name, path] : tables) std::remove(path.c_str());
  std::cout << path << ": " << count - failures << " passed, " << failures << " failed\n";
  return failures ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  int rc = 0;
  for (int a = 1; a < argc; ++a) rc |= RunFile(argv[a]);
  return rc;
}

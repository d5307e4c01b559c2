// Lookup tables for the `lookup` command: a CSV file with a header row
// (RFC 4180 quoting, UTF-8, at most 10 MB as in CloudWatch Logs), indexed by
// the columns a query matches on.
//
//   Result<LookupTable> t = LookupTable::Load("known_hosts", "hosts.csv");
//   const std::vector<std::string>* row = t->Find({0}, {"10.0.1.7"});
//
// Thread safety: immutable after Load; share read-only.
#pragma once

#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/status.h"

namespace flowlens::query {

class LookupTable {
 public:
  static constexpr size_t kMaxBytes = 10 << 20;

  static Result<LookupTable> Load(const std::string& name, const std::string& path);
  static Result<LookupTable> Parse(const std::string& name, std::string_view csv);

  const std::string& name() const { return name_; }
  // Index of a column, or -1.
  int ColumnIndex(std::string_view column) const;
  const std::vector<std::string>& columns() const { return columns_; }
  // Builds the index for a set of key columns; call before Find, from one thread.
  void Prepare(const std::vector<int>& key_columns);
  // The first row whose `key_columns` equal `key_values`, or nullptr. The
  // index must have been prepared; safe from many threads.
  const std::vector<std::string>* Find(const std::vector<int>& key_columns,
                                       const std::vector<std::string>& key_values) const;

 private:
  std::string name_;
  std::vector<std::string> columns_;
  std::vector<std::vector<std::string>> rows_;
  // Per set of key columns (joined as "1,3"), key text -> first row.
  std::map<std::string, std::unordered_map<std::string, size_t>> indexes_;
};

using LookupTables = std::map<std::string, LookupTable>;

}  // namespace flowlens::query

// QueryDefinitions: the saved queries of PutQueryDefinition /
// DescribeQueryDefinitions / DeleteQueryDefinition, kept in one JSON file in
// the data directory (written to a temporary file, fsync'd and renamed, so a
// crash leaves the old or the new set, never a mix).
//
//   ASSIGN_OR_RETURN(auto defs, QueryDefinitions::Open(dir + "/query-definitions.json"));
//   ASSIGN_OR_RETURN(std::string id, defs->Put(def));
//
// Thread safety: all methods may be called from any thread.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/status.h"

namespace flowlens::server {

struct QueryDefinition {
  std::string id;  // empty in Put: a new definition
  std::string name;
  std::string query_string;
  std::vector<std::string> log_group_names;
  int64_t last_modified_ms = 0;
};

class JsonWriter;
// A definition as DescribeQueryDefinitions shows it (and as the file keeps it).
void WriteQueryDefinition(const QueryDefinition& d, JsonWriter* w);

class QueryDefinitions {
 public:
  static Result<std::unique_ptr<QueryDefinitions>> Open(std::string path);

  // Creates (no id) or replaces (known id; NotFound for an unknown one).
  Result<std::string> Put(QueryDefinition def);
  Status Delete(const std::string& id);
  // Sorted by name, then id.
  std::vector<QueryDefinition> List() const;

 private:
  explicit QueryDefinitions(std::string path) : path_(std::move(path)) {}
  Status Save() const;  // caller holds mu_

  std::string path_;
  mutable std::mutex mu_;
  std::map<std::string, QueryDefinition> defs_;  // by id
};

}  // namespace flowlens::server

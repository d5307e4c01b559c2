// The AWS VPC User Guide's example flow-log records ("Flow log record examples"), copied
// verbatim in ../shared/data/aws-vpc-doc-examples.jsonl: one loader for every test that
// uses them. An unreadable file gives an empty list; callers assert on the count.
#pragma once

#include <simdjson.h>

#include <fstream>
#include <string>
#include <string_view>
#include <vector>

namespace flowlens::test_data {

struct DocExample {
  std::string id, format, record;
};

inline std::vector<DocExample> LoadDocExamples() {
  std::vector<DocExample> out;
  std::ifstream in(std::string(FLOWLENS_SHARED_DATA) + "/aws-vpc-doc-examples.jsonl");
  std::string line;
  simdjson::ondemand::parser parser;
  while (std::getline(in, line)) {
    simdjson::padded_string json(line);
    auto doc = parser.iterate(json);
    DocExample e;
    e.id = std::string(std::string_view(doc["id"]));
    e.format = std::string(std::string_view(doc["format"]));
    e.record = std::string(std::string_view(doc["record"]));
    out.push_back(e);
  }
  return out;
}

}  // namespace flowlens::test_data

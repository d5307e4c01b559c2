// The flow-log generator: realistic, deterministic VPC flow-log traffic for
// one simulated VPC (three AZs, ~280 network interfaces, the internet around
// it), with injected incident scenarios and an exact ground truth.
//
// Same options => byte-identical records and truth, on any platform: all
// randomness is an integer PRNG seeded from `seed` (generator_random.h).
// Exactly `records` records are written, spread over [start, start +
// duration) in 60-second aggregation windows with a daily rhythm, each
// interface's traffic from its own point of view (a flow between two VPC
// interfaces is logged by both). The truth (PATH.truth.json) gives the VPC
// layout, global totals and, per scenario, its actors, time window, selector
// and exact counts; see generator_truth.h for how they are counted.
//
//   GeneratorOptions o;
//   o.records = 1'000'000; o.seed = 7; o.output_path = "/tmp/flows.log";
//   Result<GeneratorSummary> s = Generate(o);  // writes flows.log and flows.log.truth.json
//
// The library never prints; progress goes to the optional callback.
// Thread safety: Generate may run concurrently with distinct outputs.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace flowlens {

// 2026-11-27T00:00:00Z
inline constexpr int64_t kDefaultGeneratorStart = 1795737600;

struct GeneratorOptions {
  uint64_t records = 0;  // exactly this many records; must be > 0
  uint64_t seed = 0;
  std::string format;  // a ${field} format string; empty = the default format
  // Scenario names (see GeneratorScenarioNames()); the default is all of them.
  std::vector<std::string> scenarios = DefaultScenarios();
  bool s3 = false;                         // output_path is a directory of S3-style gzip objects
  int64_t start = kDefaultGeneratorStart;  // Unix seconds; truncated to the minute
  int64_t duration_seconds = 86400;        // a whole number of minutes
  std::string output_path;
  std::string truth_path;                       // empty = TruthPathFor(output_path)
  uint64_t s3_object_limit_bytes = 75'000'000;  // uncompressed size that splits an object
  std::string account_id = "123456789012";
  // Called every 65,536 records and at the end with (records written, total).
  std::function<void(uint64_t done, uint64_t total)> progress;

  static std::vector<std::string> DefaultScenarios();
};

struct GeneratorSummary {
  uint64_t records = 0;
  uint64_t scenario_records = 0;  // of which injected by scenarios
  uint64_t objects = 0;           // S3 objects written
  std::string truth_path;
};

// Writes the records to options.output_path (a file, or with s3 a directory)
// and the truth JSON to the truth path. User errors (bad options, an
// unwritable output, a format with unknown fields, too few records for the
// chosen scenarios) are InvalidArgument and are detected before any record is
// written; failures while writing are IoError.
Result<GeneratorSummary> Generate(const GeneratorOptions& options);

// The same run into memory: plain-text records (no header) and the truth
// JSON. options.output_path and s3 are ignored.
Result<GeneratorSummary> GenerateInMemory(const GeneratorOptions& options, std::string* records,
                                          std::string* truth_json);

// The scenario names, in injection order: port-scan, horizontal-sweep,
// ssh-brute-force, rdp-probe, exfiltration, cross-az, nat-heavy.
std::vector<std::string_view> GeneratorScenarioNames();

// "all", "none" or a comma-separated list of names (duplicates removed,
// returned in the canonical order).
Result<std::vector<std::string>> ParseScenarioList(std::string_view text);

// ISO 8601 UTC ("2026-11-27T00:00:00Z", "2026-11-27T00:00Z", "2026-11-27") or
// Unix seconds ("1795737600").
Result<int64_t> ParseStartTime(std::string_view text);

// PATH.truth.json; a trailing '/' of a directory path is dropped first.
std::string TruthPathFor(std::string_view output_path);

}  // namespace flowlens

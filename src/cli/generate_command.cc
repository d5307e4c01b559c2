// `flowlens generate`: writes realistic, deterministic VPC flow-log traffic
// with injected scenarios and its ground truth (see flowlog/generator.h).
#include <fmt/core.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <memory>

#include "cli/commands.h"
#include "cli/progress_bar.h"
#include "flowlog/generator.h"
#include "flowlog/record.h"

namespace flowlens::cli {
namespace {

constexpr int kExitUsage = 2;
constexpr int kExitFailure = 1;

constexpr const char* kFooter = R"(Output:
  Plain (default): PATH gets one record a line, no header, as in CloudWatch Logs.
  --s3: PATH is a directory (created if needed) of gzip objects, each starting
  with the header line, one per 5 minutes of record end time (split above 75 MB):
  AWSLogs/<account>/vpcflowlogs/us-east-1/<yyyy>/<mm>/<dd>/
    <account>_vpcflowlogs_us-east-1_fl-<id>_<YYYYMMDDTHHmmZ>_<hash8>.log.gz
  The ground truth always goes to PATH.truth.json (a trailing '/' dropped):
  the VPC layout, global totals and, for each scenario, its actors, time
  window, selector and exact counts.

Scenarios (each at a seeded time; together they need about 2,000-7,000 records):
  port-scan         an internet source probes > 500 ports of one instance (REJECT)
  horizontal-sweep  an internal instance probes one port on > 100 hosts
  ssh-brute-force   an internet source opens hundreds of SSH connections to a bastion
  rdp-probe         an internet source knocks on 3389 of every public host (REJECT)
  exfiltration      a public instance uploads gigabytes to one internet address
  cross-az          database replication between two availability zones
  nat-heavy         private instances download from one address via the NAT gateway

The same arguments always give byte-identical output.
)";

struct Args {
  std::string records, seed, format, scenarios = "all", start, output;
  bool s3 = false;
};

// Turns the flag values into options; a non-OK status is a usage error.
Status ToOptions(const Args& a, GeneratorOptions* o) {
  uint64_t v = 0;
  if (a.records.empty()) return Status::InvalidArgument("--records is required");
  if (!ParseUnsigned(a.records, &v) || v == 0) {
    return Status::InvalidArgument("--records must be a whole number of at least 1, not '" +
                                   a.records + "'");
  }
  o->records = v;
  if (a.seed.empty()) return Status::InvalidArgument("--seed is required");
  if (!ParseUnsigned(a.seed, &v)) {
    return Status::InvalidArgument("--seed must be a whole number (0 to 2^64-1), not '" + a.seed +
                                   "'");
  }
  o->seed = v;
  if (a.output.empty()) return Status::InvalidArgument("-o/--output is required");
  o->output_path = a.output;
  o->format = a.format;
  o->s3 = a.s3;
  Result<std::vector<std::string>> scenarios = ParseScenarioList(a.scenarios);
  if (!scenarios.ok()) return scenarios.status().WithContext("--scenarios");
  o->scenarios = *scenarios;
  if (!a.start.empty()) {
    Result<int64_t> start = ParseStartTime(a.start);
    if (!start.ok()) return start.status().WithContext("--start");
    o->start = *start;
  }
  return Status::Ok();
}

}  // namespace

void AddGenerateCommand(CLI::App& app, int* exit_code) {
  CLI::App* cmd = app.add_subcommand(
      "generate",
      "Write realistic VPC flow-log traffic with injected scenarios and its ground truth");
  cmd->footer(kFooter);
  auto args = std::make_shared<Args>();
  cmd->add_option("--records", args->records,
                  "Number of records to write, exactly (required, >= 1)")
      ->type_name("N");
  cmd->add_option("--seed", args->seed,
                  "Seed of the pseudo-random generator (required); same arguments, same bytes")
      ->type_name("S");
  cmd->add_option("--format", args->format,
                  "Custom format string such as '${version} ${srcaddr} ${dstaddr} ${bytes}' "
                  "(default: the 14-field default format; `flowlens formats` lists the fields)")
      ->type_name("FORMAT");
  cmd->add_option("--scenarios", args->scenarios,
                  "Scenarios to inject: all (default), none, or a comma-separated list of names "
                  "(see below)")
      ->type_name("all|none|NAME,...");
  cmd->add_flag("--s3", args->s3,
                "Write S3-style gzip objects with a header line under the AWSLogs/ key layout; "
                "PATH is then a directory");
  cmd->add_option("--start", args->start,
                  "Start of the day of traffic: ISO 8601 UTC (2026-11-27T00:00:00Z) or Unix "
                  "seconds, truncated to the minute (default 2026-11-27T00:00:00Z)")
      ->type_name("TIME");
  cmd->add_option("-o,--output", args->output,
                  "Output file (or directory with --s3); the truth goes to PATH.truth.json "
                  "(required)")
      ->type_name("PATH");
  cmd->callback([args, exit_code] {
    GeneratorOptions options;
    if (Status st = ToOptions(*args, &options); !st.ok()) {
      fmt::print(stderr, "flowlens generate: {}\n", st.message());
      *exit_code = kExitUsage;
      return;
    }
    auto bar = std::make_shared<ProgressBar>("M records", 1e6);
    options.progress = [bar](uint64_t done, uint64_t total) { bar->Update(done, total); };
    Result<GeneratorSummary> summary = Generate(options);
    bar->Finish();
    if (!summary.ok()) {
      fmt::print(stderr, "flowlens generate: {}\n", summary.status().message());
      *exit_code =
          summary.status().code() == StatusCode::kInvalidArgument ? kExitUsage : kExitFailure;
      return;
    }
    fmt::print("wrote {} records ({} from scenarios){} to {}; truth in {}\n", summary->records,
               summary->scenario_records,
               options.s3 ? fmt::format(" in {} objects", summary->objects) : "",
               options.output_path, summary->truth_path);
    *exit_code = 0;
  });
}

}  // namespace flowlens::cli

// `flowlens query`: runs a Logs Insights query on flow-log files.
#include <fmt/core.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "cli/commands.h"
#include "cli/data_dir.h"
#include "cli/progress_bar.h"
#include "cli/time_arg.h"
#include "query/executor.h"
#include "query/result_format.h"
#include "query/store_scan.h"

namespace flowlens::cli {
namespace {

struct QueryArgs {
  std::vector<std::string> files;
  std::string format;
  std::string start, end;
  int64_t limit = 10000;
  bool no_limit = false;
  std::string output = "table";
  std::string query_file;
  std::string query;
  int threads = 0;
  std::string memory;  // --memory: the query's memory budget
  bool stats = false;
  std::vector<std::string> lookup_tables;
  std::vector<std::string> groups;
  std::string data_dir;
  bool explain = false;
};

// Runs the query on log groups of the store: --group names, or the query's
// SOURCE logGroups(namePrefix: [...]).
Result<query::QueryResult> RunOnStore(const QueryArgs& a, const std::string& text,
                                      const query::QueryOptions& opts, query::QueryErrorInfo* where,
                                      query::StoreScanStats* scan_stats) {
  ASSIGN_OR_RETURN(auto store, OpenStore(ResolveDataDir(a.data_dir), false));
  std::shared_ptr<const storage::StoreSnapshot> snap = store->Snapshot();
  query::SourceFactory make =
      [&](const query::Plan& plan) -> Result<std::unique_ptr<query::ScanSource>> {
    std::vector<const storage::GroupSnapshot*> groups;
    for (const std::string& name : a.groups) {
      const storage::GroupSnapshot* g = snap->FindGroup(name);
      if (!g) return Status::NotFound("log group '" + name + "' does not exist");
      groups.push_back(g);
    }
    if (a.groups.empty()) {
      if (!plan.has_source) {
        return Status::InvalidArgument(
            "say which log groups to query: --group NAME, or SOURCE logGroups(namePrefix: "
            "[...]) in the query");
      }
      for (const auto& g : snap->groups()) {
        bool match = plan.source_name_prefixes.empty();
        for (const std::string& p : plan.source_name_prefixes) match |= g.info.name.starts_with(p);
        if (match) groups.push_back(&g);
      }
    }
    return std::unique_ptr<query::ScanSource>(std::make_unique<query::StoreSource>(
        snap, groups, opts.start_ms, opts.end_ms, "000000000000", scan_stats, &plan));
  };
  return query::RunQuery(text, make, opts, where);
}

int RunQuery(const QueryArgs& a) {
  std::string text = a.query;
  if (!a.query_file.empty()) {
    std::ifstream in(a.query_file);
    if (!in) {
      fmt::print(stderr, "flowlens query: cannot read the query file {}\n", a.query_file);
      return 2;
    }
    std::stringstream ss;
    ss << in.rdbuf();
    text = ss.str();
  }
  if (text.empty()) {
    fmt::print(stderr, "flowlens query: give a query, or --query-file FILE\n");
    return 2;
  }
  const bool on_store = !a.groups.empty() || a.files.empty();
  query::QueryOptions opts;
  opts.limit = a.no_limit ? 0 : a.limit;
  opts.threads = a.threads;
  if (!a.memory.empty()) {
    // A whole number of megabytes, or with a K, M or G suffix.
    size_t used = 0;
    unsigned long long n = 0;
    try {
      n = std::stoull(a.memory, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    std::string unit = used ? a.memory.substr(used) : "";
    int shift = unit.empty() || unit == "M" || unit == "m" ? 20
                : unit == "G" || unit == "g"               ? 30
                : unit == "K" || unit == "k"               ? 10
                                                           : -1;
    if (used == 0 || shift < 0 || n == 0 || n > (~0ull >> shift)) {
      fmt::print(stderr,
                 "flowlens query: --memory: '{}' is not a size; give megabytes (512) or a size "
                 "with K, M or G (512M, 2G)\n",
                 a.memory);
      return 2;
    }
    opts.memory_budget_bytes = static_cast<size_t>(n) << shift;
  }
  int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  if (!a.start.empty()) {
    Result<int64_t> t = ParseTimeArg(a.start, now_ms, false);
    if (!t.ok()) {
      fmt::print(stderr, "flowlens query: --start: {}\n", t.status().message());
      return 2;
    }
    opts.start_ms = *t;
  }
  if (!a.end.empty()) {
    Result<int64_t> t = ParseTimeArg(a.end, now_ms, true);
    if (!t.ok()) {
      fmt::print(stderr, "flowlens query: --end: {}\n", t.status().message());
      return 2;
    }
    opts.end_ms = *t;
  }
  if (!a.format.empty()) {
    Result<Layout> l = Layout::Parse(a.format);
    if (!l.ok()) {
      fmt::print(stderr, "flowlens query: --format: {}\n", l.status().message());
      return 2;
    }
    opts.format = *l;
  }
  for (const std::string& spec : a.lookup_tables) {
    size_t eq = spec.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == spec.size()) {
      fmt::print(stderr, "flowlens query: --lookup-table wants NAME=FILE.csv, got '{}'\n", spec);
      return 2;
    }
    opts.lookup_tables[spec.substr(0, eq)] = spec.substr(eq + 1);
  }
  std::vector<query::ScanInput> inputs;
  for (const std::string& f : a.files) {
    query::ScanInput in;
    in.path = f;
    in.display_name = f == "-" ? "stdin" : f;
    struct stat st;
    if (f != "-") {
      if (::stat(f.c_str(), &st) != 0) {
        fmt::print(stderr, "flowlens query: {}: no such file\n", f);
        return 2;
      }
      if (S_ISDIR(st.st_mode)) {
        fmt::print(stderr, "flowlens query: {} is a directory; give its files\n", f);
        return 2;
      }
      in.mtime_ms = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1000000;
    }
    inputs.push_back(std::move(in));
  }
  // Progress on a terminal: bytes read of the plain files' total size (a
  // gzip file counts its compressed size, so its bar runs ahead).
  uint64_t total_bytes = 0;
  for (const auto& in : inputs) {
    struct stat st;
    if (in.path != "-" && ::stat(in.path.c_str(), &st) == 0) total_bytes += st.st_size;
  }
  query::ScanCounters counters;
  opts.counters = &counters;
  std::atomic<bool> done{false};
  std::thread progress([&] {
    ProgressBar bar("MB", 1e6);
    // Wakes every 10 ms so a short query does not wait for it; draws when due.
    while (!done) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      if (total_bytes) bar.Update(std::min<uint64_t>(counters.bytes, total_bytes), total_bytes);
    }
    bar.Finish();
  });
  query::QueryErrorInfo where;
  query::StoreScanStats scan_stats;
  Result<query::QueryResult> r =
      on_store ? RunOnStore(a, text, opts, &where, &scan_stats)
               : query::RunQueryOnFiles(text, std::move(inputs), opts, &where);
  done = true;
  progress.join();
  if (!r.ok()) {
    fmt::print(stderr, "flowlens query: {}\n", r.status().message());
    return r.status().is_user_error() ? 2 : 1;
  }
  std::string out;
  if (a.output == "json") {
    out = query::FormatJson(*r);
  } else if (a.output == "csv") {
    out = query::FormatCsv(*r);
  } else {
    out = query::FormatTable(*r);
  }
  fwrite(out.data(), 1, out.size(), stdout);
  for (const std::string& w : r->warnings) fmt::print(stderr, "warning: {}\n", w);
  if (a.explain) {
    fmt::print(
        stderr,
        "plan: {} scan; {} segment(s) read, {} skipped by their time range or column statistics\n",
        on_store ? "store" : "file", scan_stats.segments_read.load(),
        scan_stats.segments_skipped.load());
  }
  if (a.stats || (a.output == "table" && isatty(1))) {
    fmt::print(stderr, "{} rows; {} records matched, {} scanned, {:.1f} MB scanned\n",
               r->rows.size(), static_cast<uint64_t>(r->statistics.records_matched),
               static_cast<uint64_t>(r->statistics.records_scanned),
               r->statistics.bytes_scanned / 1e6);
  }
  return 0;
}

}  // namespace

void AddQueryCommand(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<QueryArgs>();
  CLI::App* cmd = app.add_subcommand(
      "query",
      "Run a CloudWatch Logs Insights query on flow-log files (plain or .gz) or on log groups of "
      "the store");
  cmd->add_option("query", args->query, "The query, e.g. 'stats sum(bytes) by srcAddr'");
  cmd->add_option("--file,-f", args->files,
                  "Flow-log file to query (repeat for several; - for "
                  "stdin)")
      ->allow_extra_args(false);
  cmd->add_option("--query-file", args->query_file, "Read the query from this file");
  cmd->add_option("--format", args->format,
                  "Record format of files without a header line (${field} ... or field names); "
                  "default: the AWS default format");
  cmd->add_option("--start", args->start,
                  "Only events at or after this time: epoch seconds, ISO 8601, or relative (-1h)");
  cmd->add_option("--end", args->end, "Only events at or before this time");
  cmd->add_option("--limit", args->limit, "Most rows to return (default 10000, as AWS)")
      ->check(CLI::PositiveNumber);
  cmd->add_flag("--no-limit", args->no_limit, "Return every row");
  cmd->add_option("--output,-o", args->output, "table, json (the GetQueryResults shape) or csv")
      ->check(CLI::IsMember({"table", "json", "csv"}));
  cmd->add_option("--threads", args->threads, "Worker threads (default: every core)");
  cmd->add_option("--memory", args->memory,
                  "Memory budget of the query, in MB or with K, M, G (default 4G); a stats "
                  "whose groups outgrow it stops with an error");
  cmd->add_flag("--stats", args->stats, "Print the query statistics on stderr");
  cmd->add_option("--group,-g", args->groups,
                  "A log group of the store to query (repeat for "
                  "several)")
      ->allow_extra_args(false);
  AddDataDirOption(cmd, &args->data_dir);
  cmd->add_flag("--explain", args->explain,
                "Print how the query ran: the scan, segments read and skipped");
  cmd->add_option("--lookup-table", args->lookup_tables,
                  "A table for the lookup command: NAME=FILE.csv (CSV with a header row)")
      ->allow_extra_args(false);
  cmd->callback([args, exit_code] { *exit_code = RunQuery(*args); });
}

}  // namespace flowlens::cli

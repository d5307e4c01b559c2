// Subcommands over the store: ingest, groups, streams, check.
#include <fmt/core.h>
#include <fmt/ranges.h>

#include <csignal>
#include <ctime>

#include "cli/commands.h"
#include "cli/data_dir.h"
#include "cli/progress_bar.h"
#include "ingest/ingester.h"
#include "query/value.h"

namespace flowlens::cli {
namespace {

std::string TimeText(int64_t ms) {
  if (ms == 0) return "-";
  std::string s;
  query::AppendTimestampText(ms, &s);
  return s;
}

int Fail(const char* cmd, const Status& st) {
  fmt::print(stderr, "flowlens {}: {}\n", cmd, st.message());
  return st.is_user_error() ? 2 : 1;
}

}  // namespace

void AddIngestCommand(CLI::App& app, int* exit_code) {
  struct Args {
    std::string data_dir, group, format;
    std::vector<std::string> paths;
    bool strict = false;
    bool follow = false;
  };
  auto a = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand(
      "ingest",
      "Store flow-log files (plain, .gz, directories, S3 layouts, - for stdin) in a log "
      "group");
  AddDataDirOption(cmd, &a->data_dir);
  cmd->add_option("--group,-g", a->group, "The log group (made when missing)")->required();
  cmd->add_option("--format", a->format,
                  "Record format of files without a header line (default: the AWS default)");
  cmd->add_flag("--strict", a->strict, "Stop at the first line that is not a flow record");
  cmd->add_flag("--follow,-F", a->follow,
                "After the files, keep ingesting what is appended to them (and new .gz objects in "
                "the directories) until interrupted");
  cmd->add_option("paths", a->paths, "Files or directories to ingest")->required();
  cmd->callback([a, exit_code] {
    ingest::IngestOptions opts;
    opts.group = a->group;
    opts.strict = a->strict;
    if (!a->format.empty()) {
      auto l = Layout::Parse(a->format);
      if (!l.ok()) {
        *exit_code = Fail("ingest", l.status().WithContext("--format"));
        return;
      }
      opts.format = *l;
    }
    auto store = OpenStore(ResolveDataDir(a->data_dir), true);
    if (!store.ok()) {
      *exit_code = Fail("ingest", store.status());
      return;
    }
    ProgressBar bar("MB", 1e6);
    opts.progress = [&bar](uint64_t done, uint64_t total) { bar.Update(done, total); };
    auto t0 = std::chrono::steady_clock::now();
    auto r = ingest::IngestPaths(**store, a->paths, opts);
    bar.Finish();
    if (!r.ok()) {
      *exit_code = Fail("ingest", r.status());
      return;
    }
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    fmt::print(
        "{} records stored in {} from {} file(s), {:.1f} MB of text in {:.2f}s ({:.0f} "
        "records/s)\n",
        r->records_stored, a->group, r->files - r->files_skipped, r->bytes_read / 1e6, secs,
        secs > 0 ? r->records_stored / secs : 0.0);
    for (const std::string& s : r->skipped) fmt::print("skipped (already ingested): {}\n", s);
    if (r->lines_rejected) {
      fmt::print("{} line(s) rejected; the first:\n", r->lines_rejected);
      for (const std::string& e : r->first_errors) fmt::print("  {}\n", e);
    }
    if (a->follow) {
      std::fflush(stdout);
      static std::atomic<bool> stop{false};
      std::signal(SIGINT, [](int) { stop = true; });
      std::signal(SIGTERM, [](int) { stop = true; });
      fmt::print(stderr, "following {} (Ctrl-C to stop)\n", fmt::join(a->paths, ", "));
      Status st = ingest::FollowPaths(
          **store, a->paths, opts, r->plain_offsets, stop, [](const ingest::IngestReport& rep) {
            fmt::print("{} records stored while following\n", rep.records_stored);
            std::fflush(stdout);
          });
      if (!st.ok()) *exit_code = Fail("ingest", st);
    }
  });
}

void AddGroupsCommand(CLI::App& app, int* exit_code) {
  struct Args {
    std::string data_dir, name, prefix, format;
    int retention = 0;
  };
  auto a = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand("groups", "Create, list and delete log groups; set retention");
  cmd->require_subcommand(1);
  AddDataDirOption(cmd, &a->data_dir);

  CLI::App* create = cmd->add_subcommand("create", "Create a log group");
  create->add_option("name", a->name, "Group name: 1-512 of [.-_/#A-Za-z0-9]")->required();
  create->add_option("--retention", a->retention, "Days to keep events (AWS values; 0 = forever)");
  create->add_option("--format", a->format, "The flow-log format of its records");
  create->fallthrough();  // --data-dir may come after the subcommand
  create->callback([a, exit_code] {
    auto store = OpenStore(ResolveDataDir(a->data_dir), true);
    if (!store.ok()) return void(*exit_code = Fail("groups create", store.status()));
    storage::LogGroupOptions go;
    go.retention_days = a->retention;
    if (!a->format.empty()) {
      auto l = Layout::Parse(a->format);
      if (!l.ok()) return void(*exit_code = Fail("groups create", l.status()));
      go.format = l->ToFormatString();
    }
    Status st = (*store)->CreateLogGroup(a->name, go);
    if (!st.ok()) return void(*exit_code = Fail("groups create", st));
    fmt::print("created log group {}\n", a->name);
  });

  CLI::App* list = cmd->add_subcommand("list", "List log groups");
  list->add_option("--prefix", a->prefix, "Only groups whose name starts with this");
  list->fallthrough();  // --data-dir may come after the subcommand
  list->callback([a, exit_code] {
    auto store = OpenStore(ResolveDataDir(a->data_dir), false);
    if (!store.ok()) return void(*exit_code = Fail("groups list", store.status()));
    fmt::print("{:<40} {:>9} {:>14}  {:<23}  {}\n", "NAME", "RETENTION", "STORED BYTES", "CREATED",
               "FORMAT");
    for (const auto& g : (*store)->ListLogGroups(a->prefix)) {
      fmt::print("{:<40} {:>9} {:>14}  {:<23}  {}\n", g.name,
                 g.retention_days ? std::to_string(g.retention_days) + "d" : "never",
                 g.stored_bytes, TimeText(g.creation_time_ms),
                 g.format.empty() ? "default" : g.format);
    }
  });

  CLI::App* del = cmd->add_subcommand("delete", "Delete a log group and its events");
  del->add_option("name", a->name, "Group name")->required();
  del->fallthrough();  // --data-dir may come after the subcommand
  del->callback([a, exit_code] {
    auto store = OpenStore(ResolveDataDir(a->data_dir), false);
    if (!store.ok()) return void(*exit_code = Fail("groups delete", store.status()));
    Status st = (*store)->DeleteLogGroup(a->name);
    if (!st.ok()) return void(*exit_code = Fail("groups delete", st));
    fmt::print("deleted log group {}\n", a->name);
  });

  CLI::App* ret = cmd->add_subcommand("retention", "Set (or with 0, remove) a group's retention");
  ret->add_option("name", a->name, "Group name")->required();
  ret->add_option("days", a->retention, "Days: 1,3,5,7,14,30,60,90,... as AWS allows; 0 = never")
      ->required();
  ret->fallthrough();  // --data-dir may come after the subcommand
  ret->callback([a, exit_code] {
    auto store = OpenStore(ResolveDataDir(a->data_dir), false);
    if (!store.ok()) return void(*exit_code = Fail("groups retention", store.status()));
    Status st = a->retention == 0 ? (*store)->DeleteRetentionPolicy(a->name)
                                  : (*store)->PutRetentionPolicy(a->name, a->retention);
    if (!st.ok()) return void(*exit_code = Fail("groups retention", st));
    auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count();
    auto dropped = (*store)->ApplyRetention(now);
    if (!dropped.ok()) return void(*exit_code = Fail("groups retention", dropped.status()));
    fmt::print("retention of {} set to {}; {} expired segment(s) dropped ({} events)\n", a->name,
               a->retention ? std::to_string(a->retention) + " days" : "never",
               dropped->segments_dropped, dropped->events_dropped);
  });
}

void AddStreamsCommand(CLI::App& app, int* exit_code) {
  struct Args {
    std::string data_dir, group, prefix;
  };
  auto a = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand("streams", "List the log streams of a group");
  cmd->require_subcommand(1);
  AddDataDirOption(cmd, &a->data_dir);
  CLI::App* list = cmd->add_subcommand("list", "List log streams");
  list->add_option("--group,-g", a->group, "The log group")->required();
  list->add_option("--prefix", a->prefix, "Only streams whose name starts with this");
  list->fallthrough();  // --data-dir may come after the subcommand
  list->callback([a, exit_code] {
    auto store = OpenStore(ResolveDataDir(a->data_dir), false);
    if (!store.ok()) return void(*exit_code = Fail("streams list", store.status()));
    auto streams = (*store)->ListLogStreams(a->group, a->prefix);
    if (!streams.ok()) return void(*exit_code = Fail("streams list", streams.status()));
    fmt::print("{:<32} {:<23}  {:<23}  {:>12}\n", "NAME", "FIRST EVENT", "LAST EVENT",
               "STORED BYTES");
    for (const auto& s : *streams) {
      fmt::print("{:<32} {:<23}  {:<23}  {:>12}\n", s.name, TimeText(s.first_event_time_ms),
                 TimeText(s.last_event_time_ms), s.stored_bytes);
    }
  });
}

void AddCheckCommand(CLI::App& app, int* exit_code) {
  auto dir = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand("check", "Verify every checksum of the store");
  AddDataDirOption(cmd, dir.get());
  cmd->callback([dir, exit_code] {
    auto store = OpenStore(ResolveDataDir(*dir), false);
    if (!store.ok()) return void(*exit_code = Fail("check", store.status()));
    const auto& rec = (*store)->recovery_report();
    if (rec.events_replayed || rec.bytes_discarded) {
      fmt::print(
          "recovery: {} events replayed from the write-ahead log, {} bytes of a torn tail "
          "discarded\n",
          rec.events_replayed, rec.bytes_discarded);
    }
    storage::CheckReport r = (*store)->Check();
    fmt::print("{} segment(s), {} write-ahead log file(s) with {} record(s) checked\n",
               r.segments_checked, r.wal_files_checked, r.wal_records_checked);
    for (const auto& p : r.problems) fmt::print("PROBLEM {}: {}\n", p.path, p.message);
    if (!r.ok())
      *exit_code = 1;
    else
      fmt::print("no problems\n");
  });
}

}  // namespace flowlens::cli

#include "ingest/ingester.h"

#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "flowlog/record.h"
#include "ingest/bulk_loader.h"
#include "storage/write_batch.h"

namespace flowlens::ingest {
namespace {

namespace fs = std::filesystem;

constexpr size_t kEventsPerAppend = 50000;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct Pending {
  std::map<std::string, std::vector<storage::Event>> by_stream;
  size_t events = 0;
};

Status Commit(storage::Store& store, const std::string& group, Pending* p,
              const storage::ObjectKey* done) {
  storage::WriteBatch batch;
  for (auto& [stream, events] : p->by_stream) {
    if (!events.empty()) batch.Add(group, stream, events, /*create_stream=*/true);
  }
  if (done) batch.MarkIngested(*done);
  if (batch.entries().empty() && !done) return Status::Ok();
  RETURN_IF_ERROR(store.Append(batch));
  p->by_stream.clear();
  p->events = 0;
  return Status::Ok();
}

}  // namespace

Result<std::vector<std::string>> ExpandPaths(const std::vector<std::string>& paths) {
  std::vector<std::string> out;
  for (const std::string& p : paths) {
    if (p == "-") {
      out.push_back(p);
      continue;
    }
    std::error_code ec;
    fs::file_status st = fs::status(p, ec);
    if (ec || !fs::exists(st)) return Status::NotFound(p + ": no such file or directory");
    if (fs::is_directory(st)) {
      std::vector<std::string> found;
      for (auto it = fs::recursive_directory_iterator(p, ec); !ec && it != fs::end(it);
           it.increment(ec)) {
        if (it->is_regular_file()) {
          std::string name = it->path().filename().string();
          if (name.empty() || name[0] == '.' || name.ends_with(".truth.json")) continue;
          found.push_back(it->path().string());
        }
      }
      if (ec) return Status::IoError(p + ": " + ec.message());
      std::sort(found.begin(), found.end());
      out.insert(out.end(), found.begin(), found.end());
    } else {
      out.push_back(p);
    }
  }
  return out;
}

namespace {

// Takes the layout from a header line at the start of `text` (removing it and
// advancing *line_no), else --format, else the default.
Result<Layout> TakeLayout(std::string_view* text, size_t* line_no, const IngestOptions& options) {
  Layout layout = options.format ? *options.format : Layout::Default();
  size_t first_nl = text->find('\n');
  std::string_view first = text->substr(0, first_nl);
  if (Layout::IsHeaderLine(first)) {
    ASSIGN_OR_RETURN(layout, Layout::FromHeader(first));
    text->remove_prefix(first_nl == std::string_view::npos ? text->size() : first_nl + 1);
    ++*line_no;
  }
  return layout;
}

// Makes the group on first use with this layout; refuses another layout (a
// log group has one format).
Status EnsureGroup(storage::Store& store, const std::string& group, const Layout& layout,
                   const std::string& path) {
  const storage::LogGroupInfo* info = nullptr;
  auto groups = store.ListLogGroups(group);
  for (const auto& g : groups) {
    if (g.name == group) info = &g;
  }
  if (!info) {
    storage::LogGroupOptions go;
    if (!layout.is_default()) go.format = layout.ToFormatString();
    return store.CreateLogGroup(group, go);
  }
  Layout group_layout = Layout::Default();
  if (!info->format.empty()) {
    ASSIGN_OR_RETURN(group_layout, Layout::Parse(info->format));
  }
  if (!(group_layout == layout)) {
    return Status::InvalidArgument(path + ": its records are in the format '" +
                                   layout.ToHeaderLine() + "' but log group " + group +
                                   " holds the format '" + group_layout.ToHeaderLine() +
                                   "'; ingest it into another group");
  }
  return Status::Ok();
}

// Stores the records of `text` (whole lines) as events; `mark` (when given)
// goes into the same durable batch as the last events.
Status IngestText(storage::Store& store, const IngestOptions& options, const Layout& layout,
                  std::string_view text, const std::string& name, size_t line_no,
                  const storage::ObjectKey* mark, IngestReport* report) {
  const int start_pos = layout.PositionOf(fields::kStart);
  const int iface_pos = layout.PositionOf(fields::kInterfaceId);
  const std::string fallback_stream = "flowlens-" + fs::path(name).filename().string();
  FlowRecord rec(layout);
  RecordError err;
  Pending pending;
  std::string stream;
  const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  for (size_t pos = 0; pos < text.size(); ++line_no) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = text.substr(pos, nl - pos);
    pos = nl + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;
    if (!ParseRecord(line, layout, &rec, &err)) {
      ++report->lines_rejected;
      std::string msg = DescribeRecordError(err, layout, name, static_cast<int64_t>(line_no));
      if (options.strict) return Status::InvalidArgument(msg + " (stopped: --strict)");
      if (report->first_errors.size() < options.errors_to_keep) {
        report->first_errors.push_back(msg);
      }
      continue;
    }
    int64_t ts = start_pos >= 0 && rec.present(start_pos) ? rec.int_at(start_pos) * 1000 : now_ms;
    if (iface_pos >= 0 && rec.present(iface_pos)) {
      stream.assign(rec.str_at(iface_pos));
      stream += "-all";
    } else {
      stream = fallback_stream;
    }
    pending.by_stream[stream].push_back(storage::Event{ts, 0, line});
    ++report->records_stored;
    if (++pending.events >= kEventsPerAppend) {
      RETURN_IF_ERROR(Commit(store, options.group, &pending, nullptr));
    }
  }
  return Commit(store, options.group, &pending, mark);
}

}  // namespace

namespace {

// How a load is marked ingested: `none` (standard input); `key`, hashed
// before loading (and already claimed); else `claim`, which gets the key
// hashed from the bytes as they were read and says whether this load may
// store it (false: another one did meanwhile; the load is then dropped and
// reported skipped).
struct Marking {
  bool none = false;
  const storage::ObjectKey* key = nullptr;
  std::function<Result<bool>(const storage::ObjectKey&)> claim;
};

std::string AbsolutePath(const std::string& path) {
  return fs::absolute(path).lexically_normal().string();
}

// Stores one whole object with the bulk loader: its header line (if any)
// gives the layout. `group_mu` (may be null) serializes the group's creation
// between objects loaded side by side.
Status LoadFile(storage::Store& store, const IngestOptions& options, const std::string& path,
                const Marking& marking, std::mutex* group_mu, IngestReport* report) {
  ObjectReader reader;
  const bool hash_as_read = !marking.none && marking.key == nullptr;
  RETURN_IF_ERROR(reader.Open(path, hash_as_read));
  std::string first;
  ASSIGN_OR_RETURN(bool any, reader.Next(&first));
  (void)any;
  std::string_view text = first;
  size_t line_no = 1;
  ASSIGN_OR_RETURN(Layout layout, TakeLayout(&text, &line_no, options));
  {
    std::unique_lock<std::mutex> lock;
    if (group_mu) lock = std::unique_lock(*group_mu);
    RETURN_IF_ERROR(EnsureGroup(store, options.group, layout, path));
  }
  std::string rest(text);
  first.clear();
  auto decide = [&]() -> Result<CommitDecision> {
    CommitDecision d;
    if (marking.none) return d;
    if (marking.key) {
      d.mark = *marking.key;
      return d;
    }
    storage::ObjectKey key{AbsolutePath(path), reader.content_hash()};
    if (key.content_hash.empty()) {  // a large .gz stream: hashed now, read again
      ASSIGN_OR_RETURN(key.content_hash, HashFile(path));
    }
    ASSIGN_OR_RETURN(d.commit, marking.claim(key));
    if (!d.commit) {
      ++report->files_skipped;
      report->skipped.push_back(path);
      return d;
    }
    d.mark = std::move(key);
    return d;
  };
  RETURN_IF_ERROR(LoadObject(store, options, layout, &reader, std::move(rest),
                             path == "-" ? "stdin" : path, line_no, decide, report));
  report->bytes_read += reader.bytes_read();
  return Status::Ok();
}

Result<storage::ObjectKey> KeyOf(const std::string& path) {
  ASSIGN_OR_RETURN(std::string hash, HashFile(path));
  return storage::ObjectKey{AbsolutePath(path), std::move(hash)};
}

}  // namespace

namespace {

// Merges the report of one object into the whole ingest's (in file order).
void MergeReport(const IngestReport& one, const IngestOptions& options, IngestReport* into) {
  into->files += one.files;
  into->files_skipped += one.files_skipped;
  into->records_stored += one.records_stored;
  into->bytes_read += one.bytes_read;
  into->lines_rejected += one.lines_rejected;
  for (const std::string& e : one.first_errors) {
    if (into->first_errors.size() < options.errors_to_keep) into->first_errors.push_back(e);
  }
  into->skipped.insert(into->skipped.end(), one.skipped.begin(), one.skipped.end());
  into->plain_offsets.insert(one.plain_offsets.begin(), one.plain_offsets.end());
}

}  // namespace

Result<IngestReport> IngestPaths(storage::Store& store, const std::vector<std::string>& paths,
                                 const IngestOptions& options) {
  ASSIGN_OR_RETURN(std::vector<std::string> files, ExpandPaths(paths));
  uint64_t total_bytes = 0;
  for (const std::string& f : files) {
    struct stat st;
    if (f != "-" && ::stat(f.c_str(), &st) == 0) total_bytes += static_cast<uint64_t>(st.st_size);
  }
  // Several objects (S3 delivers many of a few MB each) load side by side,
  // one lane per core, each with one parsing thread beside its reader: one
  // object's gzip stream can only be decompressed by one thread, and a small
  // object gives a pool of parsers too little to share. A lone file gets all
  // the parsing threads.
  const size_t cores = options.threads > 0
                           ? static_cast<size_t>(options.threads)
                           : std::clamp<size_t>(std::thread::hardware_concurrency(), 1, 8);
  const size_t lanes = std::min(cores, files.size());
  IngestOptions lane_options = options;
  if (lanes > 1) lane_options.threads = static_cast<int>(std::max<size_t>(1, cores / lanes));

  std::vector<IngestReport> reports(files.size());
  std::vector<Status> failures(files.size());
  std::mutex mu;  // guards what follows, the group's creation and the progress callback
  size_t next = 0;
  bool stop = false;
  uint64_t compressed_done = 0;
  std::set<storage::ObjectKey> claimed;  // keys loaded in this run: a repeated path loads once
  std::set<std::string> started;         // absolute paths whose load began in this run
  // A key may be stored by this run unless it was claimed or is marked already.
  auto claim = [&](const storage::ObjectKey& key) -> Result<bool> {
    {
      std::lock_guard lock(mu);
      if (!claimed.insert(key).second) return false;
    }
    return !store.IsIngested(key);
  };
  auto load_one = [&](size_t i) -> Status {
    const std::string& path = files[i];
    IngestReport& report = reports[i];
    ++report.files;
    if (path == "-") {
      Marking none;
      none.none = true;
      return LoadFile(store, lane_options, path, none, &mu, &report);
    }
    struct stat st;
    uint64_t size = ::stat(path.c_str(), &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
    if (!path.ends_with(".gz")) report.plain_offsets[path] = size;
    // A path the store (or this run) has seen is hashed first: most likely
    // the same object again, skipped without parsing it. Any other object is
    // hashed as it is read (ObjectReader) and claimed once read, before its
    // commit: no serial pass over the file before the load.
    const std::string abs = AbsolutePath(path);
    bool known;
    {
      std::lock_guard lock(mu);
      known = !started.insert(abs).second;
    }
    known = known || store.HasIngestedPath(abs);
    Marking marking;
    std::optional<storage::ObjectKey> key;
    if (known) {
      ASSIGN_OR_RETURN(key, KeyOf(path));
      ASSIGN_OR_RETURN(bool mine, claim(*key));
      if (!mine) {
        ++report.files_skipped;
        report.skipped.push_back(path);
        return Status::Ok();
      }
      marking.key = &*key;
    } else {
      marking.claim = claim;
    }
    const uint64_t skipped_before = report.files_skipped;
    RETURN_IF_ERROR(LoadFile(store, lane_options, path, marking, &mu, &report));
    if (report.files_skipped != skipped_before) return Status::Ok();
    std::lock_guard lock(mu);
    compressed_done += size;
    if (options.progress) options.progress(compressed_done, total_bytes);
    return Status::Ok();
  };
  auto lane = [&] {
    while (true) {
      size_t i;
      {
        std::lock_guard lock(mu);
        if (stop || next == files.size()) return;
        i = next++;
      }
      Status s = load_one(i);
      if (!s.ok()) {
        std::lock_guard lock(mu);
        failures[i] = std::move(s);
        stop = true;  // no new objects; those under way finish (each commits or not, whole)
      }
    }
  };
  std::vector<std::thread> pool;
  for (size_t t = 1; t < lanes; ++t) pool.emplace_back(lane);
  lane();
  for (std::thread& t : pool) t.join();
  // The first failure in file order, as a one-by-one ingest would have stopped at.
  for (const Status& s : failures) RETURN_IF_ERROR(s);

  IngestReport report;
  for (const IngestReport& r : reports) MergeReport(r, options, &report);
  RETURN_IF_ERROR(store.Flush());
  // Retention runs whenever an ingest ends: events past their group's
  // retention go by whole segments.
  RETURN_IF_ERROR(store.ApplyRetention(NowMs()).status());
  return report;
}

Status FollowPaths(storage::Store& store, const std::vector<std::string>& paths,
                   const IngestOptions& options,
                   const std::map<std::string, uint64_t>& start_offsets,
                   const std::atomic<bool>& stop,
                   const std::function<void(const IngestReport&)>& on_progress) {
  // Per plain file: bytes consumed (whole lines only) and its layout.
  struct Tail {
    uint64_t offset = 0;
    size_t line_no = 1;
    std::optional<Layout> layout;
  };
  std::map<std::string, Tail> tails;
  for (const auto& [path, offset] : start_offsets) {
    Tail& t = tails[path];
    t.offset = offset;
    // The layout that file's records are in: its header line, if any.
    std::ifstream in(path, std::ios::binary);
    std::string first;
    std::getline(in, first);
    std::string_view text = first;
    ASSIGN_OR_RETURN(t.layout, TakeLayout(&text, &t.line_no, options));
    std::ifstream again(path, std::ios::binary);
    std::string prefix(offset, '\0');
    again.read(prefix.data(), static_cast<std::streamsize>(offset));
    t.line_no = 1 + static_cast<size_t>(std::count(prefix.begin(), prefix.end(), '\n'));
  }
  IngestReport report;
  auto last_flush = std::chrono::steady_clock::now();
  auto last_retention = last_flush;
  while (!stop) {
    ASSIGN_OR_RETURN(std::vector<std::string> files, ExpandPaths(paths));
    bool any = false;
    for (const std::string& path : files) {
      if (path == "-") return Status::InvalidArgument("--follow needs files or directories, not -");
      if (path.ends_with(".gz")) {
        // Compressed objects arrive whole: ingest each new one once.
        ASSIGN_OR_RETURN(storage::ObjectKey key, KeyOf(path));
        if (store.IsIngested(key)) continue;
        Marking marking;
        marking.key = &key;
        RETURN_IF_ERROR(LoadFile(store, options, path, marking, nullptr, &report));
        any = true;
        continue;
      }
      Tail& t = tails[path];
      std::error_code ec;
      uint64_t size = fs::file_size(path, ec);
      if (ec) continue;
      if (size < t.offset) t = Tail();  // truncated or replaced: start over
      if (size == t.offset) continue;
      std::ifstream in(path, std::ios::binary);
      in.seekg(static_cast<std::streamoff>(t.offset));
      std::string data(size - t.offset, '\0');
      in.read(data.data(), static_cast<std::streamsize>(data.size()));
      data.resize(static_cast<size_t>(in.gcount()));
      size_t last_nl = data.rfind('\n');
      if (last_nl == std::string::npos) continue;  // no whole line yet
      data.resize(last_nl + 1);
      std::string_view text = data;
      if (!t.layout) {
        ASSIGN_OR_RETURN(t.layout, TakeLayout(&text, &t.line_no, options));
        RETURN_IF_ERROR(EnsureGroup(store, options.group, *t.layout, path));
      }
      size_t lines = static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
      RETURN_IF_ERROR(
          IngestText(store, options, *t.layout, text, path, t.line_no, nullptr, &report));
      t.line_no += lines;
      t.offset += data.size();
      report.bytes_read += data.size();
      any = true;
    }
    if (any && on_progress) on_progress(report);
    // Events are durable in the write-ahead log at once; segments every few seconds.
    if (std::chrono::steady_clock::now() - last_flush > std::chrono::seconds(5)) {
      RETURN_IF_ERROR(store.Flush());
      last_flush = std::chrono::steady_clock::now();
    }
    // Retention in the background while following: once a minute.
    if (std::chrono::steady_clock::now() - last_retention > std::chrono::minutes(1)) {
      RETURN_IF_ERROR(store.ApplyRetention(NowMs()).status());
      last_retention = std::chrono::steady_clock::now();
    }
    for (int i = 0; i < 10 && !stop; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return store.Flush();
}

}  // namespace flowlens::ingest

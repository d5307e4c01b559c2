#include "ingest/ingester.h"

#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <map>

#include "flowlog/record.h"
#include "storage/write_batch.h"

namespace flowlens::ingest {
namespace {

namespace fs = std::filesystem;

constexpr size_t kEventsPerAppend = 50000;

// Reads a whole file (gzip or plain; "-" is standard input).
Result<std::string> ReadAll(const std::string& path) {
  gzFile f = path == "-" ? gzdopen(dup(0), "rb") : gzopen(path.c_str(), "rb");
  if (!f) return Status::IoError(path + ": cannot open: " + std::strerror(errno));
  gzbuffer(f, 1 << 20);
  std::string data;
  char buf[1 << 16];
  while (true) {
    int n = gzread(f, buf, sizeof(buf));
    if (n < 0) {
      int err = 0;
      std::string msg = gzerror(f, &err);
      gzclose(f);
      return Status::InvalidArgument(path + ": cannot read: " + msg +
                                     " (a broken or truncated gzip file?)");
    }
    if (n == 0) break;
    data.append(buf, static_cast<size_t>(n));
  }
  // A gzip stream cut short reads as a normal end; zlib says so afterwards.
  int err = 0;
  const char* msg = gzerror(f, &err);
  if (err != Z_OK && err != Z_STREAM_END) {
    std::string m = msg ? msg : "unknown error";
    gzclose(f);
    return Status::InvalidArgument(path + ": cannot read: " + m +
                                   " (a broken or truncated gzip file?)");
  }
  gzclose(f);
  return data;
}

std::string ContentHash(std::string_view data) {
  // std::hash of a string_view is a 64-bit MurmurHash in libstdc++: fast and
  // stable across runs of the same build.
  char buf[32];
  snprintf(buf, sizeof(buf), "h64:%016zx:%zu", std::hash<std::string_view>{}(data), data.size());
  return buf;
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

Result<IngestReport> IngestPaths(storage::Store& store, const std::vector<std::string>& paths,
                                 const IngestOptions& options) {
  ASSIGN_OR_RETURN(std::vector<std::string> files, ExpandPaths(paths));
  IngestReport report;
  uint64_t total_bytes = 0;
  for (const std::string& f : files) {
    struct stat st;
    if (f != "-" && ::stat(f.c_str(), &st) == 0) total_bytes += static_cast<uint64_t>(st.st_size);
  }
  uint64_t compressed_done = 0;
  for (const std::string& path : files) {
    ASSIGN_OR_RETURN(std::string data, ReadAll(path));
    storage::ObjectKey key{path == "-" ? "stdin" : fs::absolute(path).lexically_normal().string(),
                           ContentHash(data)};
    ++report.files;
    if (path != "-" && store.IsIngested(key)) {
      ++report.files_skipped;
      report.skipped.push_back(path);
      continue;
    }
    // The layout: the object's header line, else --format, else the default.
    std::string_view text = data;
    size_t line_no = 1;
    Layout layout = options.format ? *options.format : Layout::Default();
    size_t first_nl = text.find('\n');
    std::string_view first = text.substr(0, first_nl);
    if (Layout::IsHeaderLine(first)) {
      ASSIGN_OR_RETURN(layout, Layout::FromHeader(first));
      text.remove_prefix(first_nl == std::string_view::npos ? text.size() : first_nl + 1);
      ++line_no;
    }
    // The group: made on first use with this layout; a later object in
    // another layout is refused (a log group has one format).
    auto groups = store.ListLogGroups(options.group);
    const storage::LogGroupInfo* info = nullptr;
    for (const auto& g : groups) {
      if (g.name == options.group) info = &g;
    }
    if (!info) {
      storage::LogGroupOptions go;
      if (!layout.is_default()) go.format = layout.ToFormatString();
      RETURN_IF_ERROR(store.CreateLogGroup(options.group, go));
    } else {
      Layout group_layout = Layout::Default();
      if (!info->format.empty()) {
        ASSIGN_OR_RETURN(group_layout, Layout::Parse(info->format));
      }
      if (!(group_layout == layout)) {
        return Status::InvalidArgument(path + ": its records are in the format '" +
                                       layout.ToHeaderLine() + "' but log group " + options.group +
                                       " holds the format '" + group_layout.ToHeaderLine() +
                                       "'; ingest it into another group");
      }
    }
    const int start_pos = layout.PositionOf(fields::kStart);
    const int iface_pos = layout.PositionOf(fields::kInterfaceId);
    const std::string fallback_stream =
        "flowlens-" + (path == "-" ? std::string("stdin") : fs::path(path).filename().string());
    FlowRecord rec(layout);
    RecordError err;
    Pending pending;
    std::string stream;
    size_t pos = 0;
    const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
    for (; pos < text.size(); ++line_no) {
      size_t nl = text.find('\n', pos);
      if (nl == std::string_view::npos) nl = text.size();
      std::string_view line = text.substr(pos, nl - pos);
      pos = nl + 1;
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (line.empty()) continue;
      if (!ParseRecord(line, layout, &rec, &err)) {
        ++report.lines_rejected;
        std::string msg = DescribeRecordError(err, layout, path == "-" ? "stdin" : path,
                                              static_cast<int64_t>(line_no));
        if (options.strict) return Status::InvalidArgument(msg + " (stopped: --strict)");
        if (report.first_errors.size() < options.errors_to_keep) report.first_errors.push_back(msg);
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
      ++report.records_stored;
      if (++pending.events >= kEventsPerAppend) {
        RETURN_IF_ERROR(Commit(store, options.group, &pending, nullptr));
      }
    }
    // The object's last events and its mark go in one durable batch.
    RETURN_IF_ERROR(Commit(store, options.group, &pending, path == "-" ? nullptr : &key));
    report.bytes_read += data.size();
    struct stat st;
    if (path != "-" && ::stat(path.c_str(), &st) == 0)
      compressed_done += static_cast<uint64_t>(st.st_size);
    if (options.progress) options.progress(compressed_done, total_bytes);
  }
  RETURN_IF_ERROR(store.Flush());
  return report;
}

}  // namespace flowlens::ingest

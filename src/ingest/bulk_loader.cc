#include "ingest/bulk_loader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "common/gunzip.h"
#include "flowlog/line_splitter.h"
#include "flowlog/record.h"
#include "flowlog/split_record.h"
#include "ingest/segment_write_pool.h"
#include "storage/segment_builder.h"

namespace flowlens::ingest {
namespace {

namespace fs = std::filesystem;

constexpr size_t kBlockBytes = 4u << 20;
// Rows a worker holds in builders before it hands its largest one to the
// writers (about 70 bytes each): bounds the loader's memory whatever the file
// size. A worker parses on while its builder is written, so this is 2/3 of
// the 600'000 it was when it wrote in place: peak RSS on 10M records 0.23 GB
// as then (0.28 GB at 600'000), 8.13 bytes/record (8.12).
constexpr size_t kMaxBufferedRows = 400'000;
// Builders are not reused across segments (SegmentBuilder::Reset): measured
// on 10M records, a kept builder per worker raised peak RSS from 0.23 to 0.92
// GB and cost more CPU (0.4 s more, most in the kernel), not less.
// Blocks at least this long (one giant line) are cut without LineSplitter,
// whose offsets are 32-bit.
constexpr size_t kMaxSplitBytes = size_t{1} << 31;

int64_t FloorDiv(int64_t a, int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

gzFile AsGz(void* f) {
  return static_cast<gzFile>(f);
}

void MergeStream(std::map<std::string, storage::StreamLoad>* into, const storage::StreamLoad& sl) {
  auto [s, inserted] = into->try_emplace(sl.name, sl);
  if (inserted) return;
  s->second.events += sl.events;
  s->second.bytes += sl.bytes;
  s->second.first_event_ms = std::min(s->second.first_event_ms, sl.first_event_ms);
  s->second.last_event_ms = std::max(s->second.last_event_ms, sl.last_event_ms);
}

Status ReadWholeFile(const std::string& path, std::string* out) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::IoError(path + ": cannot open: " + std::strerror(errno));
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    int e = errno;
    ::close(fd);
    return Status::IoError(path + ": cannot read: " + std::strerror(e));
  }
  out->resize(static_cast<size_t>(st.st_size));
  size_t got = 0;
  while (got < out->size()) {
    ssize_t n = ::read(fd, out->data() + got, out->size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int e = errno;
      ::close(fd);
      return Status::IoError(
          path + ": cannot read: " + (n == 0 ? std::string("the file shrank") : std::strerror(e)));
    }
    got += static_cast<size_t>(n);
  }
  ::close(fd);
  return Status::Ok();
}

}  // namespace

ObjectReader::~ObjectReader() {
  if (file_) gzclose(AsGz(file_));
}

Status ObjectReader::Open(const std::string& path, bool hash) {
  path_ = path;
  struct stat st;
  if (path != "-" && path.ends_with(".gz") && ::stat(path.c_str(), &st) == 0 &&
      S_ISREG(st.st_mode) && static_cast<uint64_t>(st.st_size) <= kWholeGzipBytes) {
    std::string packed;
    RETURN_IF_ERROR(ReadWholeFile(path, &packed));
    if (hash) {
      ContentHasher h;
      h.Update(packed);
      hash_ = h.Finish();
    }
    if (packed.size() >= 2 && static_cast<unsigned char>(packed[0]) == 0x1f &&
        static_cast<unsigned char>(packed[1]) == 0x8b) {
      RETURN_IF_ERROR(GunzipBytes(packed, path, &whole_));
    } else {
      whole_ = std::move(packed);  // not gzip after all: read as it is, as zlib does
    }
    is_whole_ = true;
    bytes_ = whole_.size();
    return Status::Ok();
  }
  gzFile f = path == "-" ? gzdopen(dup(0), "rb") : gzopen(path.c_str(), "rb");
  if (!f) return Status::IoError(path + ": cannot open: " + std::strerror(errno));
  gzbuffer(f, 1 << 20);
  file_ = f;
  // A file that is not gzip is read as it is (zlib's transparent mode): its
  // bytes as stored are those read, hashed as they come. gzdirect reads the
  // first buffer to tell.
  if (hash && path != "-" && gzdirect(f) == 1) hasher_.emplace();
  return Status::Ok();
}

Result<bool> ObjectReader::Next(std::string* block) {
  if (is_whole_) {
    // Blocks of whole lines out of the decompressed object.
    if (whole_pos_ >= whole_.size()) {
      block->clear();
      return false;
    }
    size_t end = std::min(whole_.size(), whole_pos_ + kBlockBytes);
    if (end < whole_.size()) {
      size_t nl = whole_.rfind('\n', end - 1);
      if (nl == std::string::npos || nl < whole_pos_) nl = whole_.find('\n', end);  // a giant line
      end = nl == std::string::npos ? whole_.size() : nl + 1;
    }
    block->assign(whole_, whole_pos_, end - whole_pos_);
    whole_pos_ = end;
    return true;
  }
  // Copies the partial line (rather than swapping buffers) so that a block
  // handed back for reuse keeps its capacity, and keeps the block's size
  // while it is filled: growing a string zero-fills the new bytes, 4 MB a
  // block (2% of a load's instructions) when it was cut down to the carry.
  size_t used = carry_.size();
  if (block->size() < used) block->resize(used);
  std::memcpy(block->data(), carry_.data(), used);
  carry_.clear();
  if (eof_ && used == 0) {
    block->clear();
    return false;
  }
  while (!eof_) {
    const size_t old = used;
    if (block->size() < old + kBlockBytes) block->resize(old + kBlockBytes);
    int n = gzread(AsGz(file_), block->data() + old, static_cast<unsigned>(kBlockBytes));
    if (n < 0) {
      int err = 0;
      std::string msg = gzerror(AsGz(file_), &err);
      return Status::InvalidArgument(path_ + ": cannot read: " + msg +
                                     " (a broken or truncated gzip file?)");
    }
    used = old + static_cast<size_t>(n);
    bytes_ += static_cast<uint64_t>(n);
    if (hasher_) hasher_->Update(std::string_view(block->data() + old, static_cast<size_t>(n)));
    if (n == 0) {
      if (hasher_) {
        hash_ = hasher_->Finish();
        hasher_.reset();
      }
      eof_ = true;
      // A gzip stream cut short reads as a normal end; zlib says so afterwards.
      int err = 0;
      const char* msg = gzerror(AsGz(file_), &err);
      if (err != Z_OK && err != Z_STREAM_END) {
        return Status::InvalidArgument(path_ + ": cannot read: " + (msg ? msg : "unknown error") +
                                       " (a broken or truncated gzip file?)");
      }
      break;
    }
    const size_t nl = std::string_view(block->data(), used).rfind('\n');
    if (nl != std::string::npos && nl >= old) {
      carry_.assign(block->data() + nl + 1, used - nl - 1);
      used = nl + 1;
      break;
    }
  }
  block->resize(used);
  return !block->empty() || !carry_.empty() || !eof_;
}

namespace {

struct Rejected {
  size_t block;
  size_t line;  // within the block, from 0
  RecordError error;
};

// Work shared by the reader and the workers.
struct Shared {
  std::mutex mu;
  std::condition_variable cv;
  std::deque<std::pair<size_t, std::string>> queue;
  std::vector<std::string> spare;  // parsed blocks, for the reader to fill again
  bool done = false;               // no more blocks will come
  bool stop = false;               // an error: workers drop what is queued
  Status status;                   // the first worker failure
  std::vector<size_t> lines;       // per block
};

// One worker: parses blocks into per-partition builders and writes segments.
class Worker {
 public:
  Worker(storage::Store& store, const IngestOptions& options, const Layout& layout,
         const std::string& fallback_stream, int64_t now_ms, Shared* shared,
         SegmentWritePool* writer)
      : options_(options),
        layout_(layout),
        fallback_stream_(fallback_stream),
        now_ms_(now_ms),
        shared_(shared),
        writer_(writer),
        record_(layout),
        fast_(layout, std::vector<bool>(layout.size(), true)),
        start_pos_(layout.PositionOf(fields::kStart)),
        partition_ms_(store.options().partition_ms),
        max_rows_(std::clamp<uint64_t>(store.options().max_segment_rows, 1,
                                       storage::SegmentBuilder::kMaxRows)) {}

  void Run() {
    while (true) {
      std::pair<size_t, std::string> item;
      {
        std::unique_lock lock(shared_->mu);
        shared_->cv.wait(lock,
                         [&] { return !shared_->queue.empty() || shared_->done || shared_->stop; });
        if (shared_->stop || shared_->queue.empty()) break;
        item = std::move(shared_->queue.front());
        shared_->queue.pop_front();
      }
      shared_->cv.notify_all();  // room in the queue
      Status s = Parse(item.first, item.second);
      if (!s.ok()) return Fail(s);
      {
        // The buffer goes back to the reader: 4 MB blocks allocated afresh
        // would each be page-faulted in again.
        std::lock_guard lock(shared_->mu);
        shared_->spare.push_back(std::move(item.second));
      }
    }
    bool stopped;
    {
      std::lock_guard lock(shared_->mu);
      stopped = shared_->stop;
    }
    if (stopped) return;
    while (!builders_.empty()) {
      Status s = WriteOut(builders_.begin());
      if (!s.ok()) return Fail(s);
    }
  }

  uint64_t records = 0, rejected = 0;
  std::vector<Rejected> errors;  // the first few, in this worker's (file) order
  std::map<std::string, storage::StreamLoad> streams;

 private:
  using Builders = std::map<int64_t, std::unique_ptr<storage::SegmentBuilder>>;

  void Fail(const Status& s) {
    std::lock_guard lock(shared_->mu);
    if (shared_->status.ok()) shared_->status = s;
    shared_->stop = true;
    shared_->cv.notify_all();
  }

  // Lines come from the SIMD splitter; an ordinary line is parsed by the
  // fast parser, which also tells whether it round-trips (its fields are all
  // in canonical form), so no line is written back to be compared. Other
  // lines (tabs, '\r', runs of blanks, anything the fast parser does not
  // decide) take the general parser and the write-back comparison in Take.
  Status Parse(size_t block_no, std::string_view text) {
    size_t line_no = 0;
    bool stop = false;
    if (text.size() < kMaxSplitBytes) {
      LineSplitter split(text);
      SplitLine sl;
      const char* const end = text.data() + text.size();
      for (; !stop && split.Next(&sl); ++line_no) {
        bool exact = false;
        const bool parsed = fast_.ParseExact(sl, text.data(), end, &record_, &exact);
        RETURN_IF_ERROR(Take(block_no, line_no, sl.text, parsed, exact, &stop));
      }
    } else {  // a block of one giant line: past the splitter's 32-bit offsets
      for (size_t pos = 0; !stop && pos < text.size(); ++line_no) {
        size_t nl = text.find('\n', pos);
        if (nl == std::string_view::npos) nl = text.size();
        RETURN_IF_ERROR(Take(block_no, line_no, text.substr(pos, nl - pos), false, false, &stop));
        pos = nl + 1;
      }
    }
    if (stop) --line_no;  // the line --strict stopped at was not counted as read
    std::lock_guard lock(shared_->mu);
    shared_->lines[block_no] = line_no;
    return Status::Ok();
  }

  // Stores one line (line_no within block block_no) in its builder. `parsed`:
  // record_ holds it already and `exact` says whether it round-trips; else
  // the general parser decides. Sets *stop at a rejected line under --strict.
  Status Take(size_t block_no, size_t line_no, std::string_view line, bool parsed, bool exact,
              bool* stop) {
    if (!parsed) {
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (line.empty()) return Status::Ok();
      if (!ParseRecord(line, layout_, &record_, &error_)) {
        ++rejected;
        if (errors.size() < std::max<size_t>(options_.errors_to_keep, 1)) {
          errors.push_back({block_no, line_no, error_});
        }
        if (options_.strict) {
          std::lock_guard lock(shared_->mu);
          shared_->stop = true;
          shared_->cv.notify_all();
          *stop = true;
        }
        return Status::Ok();
      }
      scratch_.clear();
      WriteRecord(layout_, record_, &scratch_);
      exact = scratch_ == line;
    }
    int64_t ts = start_pos_ >= 0 && record_.present(start_pos_) ? record_.int_at(start_pos_) * 1000
                                                                : now_ms_;
    int64_t part = FloorDiv(ts, partition_ms_);
    if (part != last_part_ || last_builder_ == nullptr) {
      auto& b = builders_[part];
      if (!b) b = std::make_unique<storage::SegmentBuilder>(layout_, now_ms_, fallback_stream_);
      last_part_ = part;
      last_builder_ = b.get();
    }
    last_builder_->Add(record_, line, exact, ts);
    ++records;
    if (++buffered_ >= kMaxBufferedRows || last_builder_->rows() >= max_rows_) {
      // The full builder, else the largest.
      auto it = builders_.find(part);
      if (it->second->rows() < max_rows_) {
        it = std::max_element(builders_.begin(), builders_.end(),
                              [](auto& a, auto& b) { return a.second->rows() < b.second->rows(); });
      }
      RETURN_IF_ERROR(WriteOut(it));
    }
    return Status::Ok();
  }

  Status WriteOut(Builders::iterator it) {
    std::unique_ptr<storage::SegmentBuilder> b = std::move(it->second);
    builders_.erase(it);
    last_builder_ = nullptr;
    buffered_ -= b->rows();
    for (const storage::StreamLoad& sl : b->streams()) MergeStream(&streams, sl);
    return writer_->Submit(std::move(b));
  }

  const IngestOptions& options_;
  const Layout& layout_;
  const std::string& fallback_stream_;
  const int64_t now_ms_;
  Shared* shared_;
  SegmentWritePool* writer_;
  FlowRecord record_;
  const SplitRecordParser fast_;
  RecordError error_;
  std::string scratch_;
  const int start_pos_;
  const int64_t partition_ms_;
  const uint64_t max_rows_;
  Builders builders_;
  storage::SegmentBuilder* last_builder_ = nullptr;
  int64_t last_part_ = 0;
  size_t buffered_ = 0;
};

}  // namespace

Status LoadObject(storage::Store& store, const IngestOptions& options, const Layout& layout,
                  ObjectReader* reader, std::string first_block, const std::string& name,
                  size_t line_no, const DecideCommit& decide, IngestReport* report) {
  const std::string fallback_stream = "flowlens-" + fs::path(name).filename().string();
  const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  size_t threads = options.threads > 0
                       ? static_cast<size_t>(options.threads)
                       : std::clamp<size_t>(std::thread::hardware_concurrency(), 1, 8);
  Shared shared;
  // Full builders are written (and synced) beside the parse: as many writing
  // threads as parsing ones, none waiting beyond those being written
  // (measured on 10M records: one more waiting builder per writer raised
  // peak RSS from 0.22 to 0.31 GB). A load on one parsing thread (a lane of
  // IngestPaths, beside other objects' loads) writes in place.
  const size_t writers = threads > 1 ? threads : 0;
  SegmentWritePool writer(store, options.group, writers, threads);
  std::vector<std::unique_ptr<Worker>> workers;
  std::vector<std::thread> pool;
  for (size_t i = 0; i < threads; ++i) {
    workers.push_back(std::make_unique<Worker>(store, options, layout, fallback_stream, now_ms,
                                               &shared, &writer));
  }
  for (auto& w : workers) pool.emplace_back([&w] { w->Run(); });

  // This thread reads; at most two blocks per worker wait in the queue.
  Status read_status;
  auto push = [&](std::string&& block) {
    std::unique_lock lock(shared.mu);
    shared.cv.wait(lock, [&] { return shared.queue.size() < 2 * threads || shared.stop; });
    if (shared.stop) return false;
    shared.lines.push_back(0);
    shared.queue.emplace_back(shared.lines.size() - 1, std::move(block));
    shared.cv.notify_all();
    return true;
  };
  bool go = first_block.empty() || push(std::move(first_block));
  while (go) {
    std::string block;
    {
      std::lock_guard lock(shared.mu);
      if (!shared.spare.empty()) {
        block = std::move(shared.spare.back());
        shared.spare.pop_back();
      }
    }
    Result<bool> more = reader->Next(&block);
    if (!more.ok()) {
      read_status = more.status();
      break;
    }
    if (!*more) break;
    if (!block.empty()) go = push(std::move(block));
  }
  {
    std::lock_guard lock(shared.mu);
    shared.done = true;
    if (!read_status.ok()) shared.stop = true;
  }
  shared.cv.notify_all();
  for (auto& t : pool) t.join();
  if (!shared.status.ok()) return shared.status;

  // Rejected lines in file order, numbered.
  std::vector<Rejected> errors;
  uint64_t rejected = 0, records = 0;
  for (auto& w : workers) {
    errors.insert(errors.end(), w->errors.begin(), w->errors.end());
    rejected += w->rejected;
    records += w->records;
  }
  std::sort(errors.begin(), errors.end(), [](const Rejected& a, const Rejected& b) {
    return a.block != b.block ? a.block < b.block : a.line < b.line;
  });
  std::vector<size_t> block_start(shared.lines.size() + 1, line_no);
  for (size_t b = 0; b < shared.lines.size(); ++b)
    block_start[b + 1] = block_start[b] + shared.lines[b];
  auto describe = [&](const Rejected& r) {
    return DescribeRecordError(r.error, layout, name,
                               static_cast<int64_t>(block_start[r.block] + r.line));
  };
  if (options.strict && !errors.empty()) {
    return Status::InvalidArgument(describe(errors.front()) + " (stopped: --strict)");
  }
  RETURN_IF_ERROR(read_status);
  storage::BulkLoad load;
  ASSIGN_OR_RETURN(load.segments, writer.Finish());
  ASSIGN_OR_RETURN(CommitDecision decision, decide());
  if (!decision.commit) return Status::Ok();
  report->lines_rejected += rejected;
  for (const Rejected& r : errors) {
    if (report->first_errors.size() >= options.errors_to_keep) break;
    report->first_errors.push_back(describe(r));
  }

  load.group = options.group;
  std::map<std::string, storage::StreamLoad> streams;
  for (auto& w : workers) {
    for (auto& [n, sl] : w->streams) MergeStream(&streams, sl);
  }
  for (auto& [n, sl] : streams) load.streams.push_back(sl);
  load.object = std::move(decision.mark);
  if (load.segments.empty() && !load.object) return Status::Ok();
  RETURN_IF_ERROR(store.CommitBulk(load));
  report->records_stored += records;
  return Status::Ok();
}

}  // namespace flowlens::ingest

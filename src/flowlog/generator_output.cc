#include "flowlog/generator_output.h"

#include <libdeflate.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "flowlog/generator_random.h"

namespace flowlens::gen {
namespace {

constexpr size_t kFlushBytes = 4 << 20;  // plain text goes out in 4 MiB writes
constexpr int kGzipLevel = 1;            // 2x faster than 6 for ~12% larger objects

std::string ErrnoText() {
  return std::strerror(errno);
}

Status WriteWholeFile(const std::string& path, const void* data, size_t size) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return Status::IoError("cannot write '" + path + "': " + ErrnoText());
  const bool ok = std::fwrite(data, 1, size, f) == size;
  const bool closed = std::fclose(f) == 0;
  if (!ok || !closed) return Status::IoError("writing '" + path + "' failed: " + ErrnoText());
  return Status::Ok();
}

class FileSink final : public OutputSink {
 public:
  explicit FileSink(std::string path) : path_(std::move(path)) {}
  ~FileSink() override {
    if (file_) std::fclose(file_);
  }

  Status Open() override {
    file_ = std::fopen(path_.c_str(), "wb");
    if (!file_) return Status::InvalidArgument("cannot write '" + path_ + "': " + ErrnoText());
    buf_.reserve(kFlushBytes + (64 << 10));
    return Status::Ok();
  }
  bool Begin(int64_t) override { return true; }
  bool End() override { return buf_.size() < kFlushBytes || Flush(); }
  Status Finish() override {
    if (!Flush()) return status_;
    const int rc = std::fclose(file_);
    file_ = nullptr;
    if (rc != 0) return Status::IoError("closing '" + path_ + "' failed: " + ErrnoText());
    return Status::Ok();
  }

 private:
  bool Flush() {
    if (std::fwrite(buf_.data(), 1, buf_.size(), file_) != buf_.size()) {
      status_ = Status::IoError("writing '" + path_ + "' failed: " + ErrnoText());
      return false;
    }
    buf_.clear();
    return true;
  }

  std::string path_;
  std::FILE* file_ = nullptr;
};

class MemorySink final : public OutputSink {
 public:
  explicit MemorySink(std::string* out) : out_(out) {}
  Status Open() override { return Status::Ok(); }
  bool Begin(int64_t) override { return true; }
  bool End() override { return true; }
  Status Finish() override {
    *out_ = std::move(buf_);
    return Status::Ok();
  }

 private:
  std::string* out_;
};

class S3Sink final : public OutputSink {
 public:
  explicit S3Sink(S3Layout layout) : layout_(std::move(layout)) {}
  ~S3Sink() override {
    if (compressor_) libdeflate_free_compressor(compressor_);
  }

  Status Open() override {
    std::error_code ec;
    std::filesystem::create_directories(layout_.root, ec);
    if (ec || ::access(layout_.root.c_str(), W_OK) != 0) {
      return Status::InvalidArgument("cannot write to directory '" + layout_.root +
                                     "': " + (ec ? ec.message() : ErrnoText()));
    }
    compressor_ = libdeflate_alloc_compressor(kGzipLevel);
    if (!compressor_) return Status::ResourceExhausted("cannot allocate a gzip compressor");
    return Status::Ok();
  }

  bool Begin(int64_t end_time) override {
    const int64_t bucket = end_time - ((end_time % 300) + 300) % 300;
    if (bucket != bucket_) {
      if (bucket_ != kNone && !FinishObject()) return false;
      bucket_ = bucket;
      part_ = 0;
      StartObject();
    }
    line_start_ = buf_.size();
    return true;
  }

  bool End() override {
    ++lines_;
    if (buf_.size() <= layout_.object_limit_bytes || lines_ == 1) return true;
    // The object is full: it ends before this line, which opens the next part.
    std::string last = buf_.substr(line_start_);
    buf_.resize(line_start_);
    --lines_;
    if (!FinishObject()) return false;
    ++part_;
    StartObject();
    buf_ += last;
    lines_ = 1;
    return true;
  }

  Status Finish() override {
    if (bucket_ != kNone && !FinishObject()) return status_;
    bucket_ = kNone;
    return Status::Ok();
  }

 private:
  static constexpr int64_t kNone = INT64_MIN;

  void StartObject() {
    buf_.assign(layout_.header);
    buf_.push_back('\n');
    lines_ = 0;
  }

  bool FinishObject() {
    const std::string key = S3ObjectKey(layout_, bucket_, part_);
    const std::filesystem::path path = std::filesystem::path(layout_.root) / key;
    std::error_code ec;
    std::filesystem::create_directories(path.parent_path(), ec);
    if (ec) {
      status_ =
          Status::IoError("cannot create '" + path.parent_path().string() + "': " + ec.message());
      return false;
    }
    gz_.resize(libdeflate_gzip_compress_bound(compressor_, buf_.size()));
    const size_t n =
        libdeflate_gzip_compress(compressor_, buf_.data(), buf_.size(), gz_.data(), gz_.size());
    if (n == 0) {
      status_ = Status::Internal("gzip compression failed for '" + key + "'");
      return false;
    }
    status_ = WriteWholeFile(path.string(), gz_.data(), n);
    if (!status_.ok()) return false;
    objects_.push_back(ObjectInfo{key, lines_, buf_.size()});
    return true;
  }

  S3Layout layout_;
  libdeflate_compressor* compressor_ = nullptr;
  std::vector<uint8_t> gz_;
  int64_t bucket_ = kNone;
  int part_ = 0;
  uint64_t lines_ = 0;
  size_t line_start_ = 0;
};

}  // namespace

std::unique_ptr<OutputSink> MakeFileSink(std::string path) {
  return std::make_unique<FileSink>(std::move(path));
}
std::unique_ptr<OutputSink> MakeMemorySink(std::string* out) {
  return std::make_unique<MemorySink>(out);
}
std::unique_ptr<OutputSink> MakeS3Sink(S3Layout layout) {
  return std::make_unique<S3Sink>(std::move(layout));
}

std::string S3ObjectKey(const S3Layout& l, int64_t bucket_start, int part) {
  const int64_t days = (bucket_start >= 0 ? bucket_start : bucket_start - 86399) / 86400;
  const int64_t secs = bucket_start - days * 86400;
  int y, m, d;
  CivilFromDays(days, &y, &m, &d);
  const uint32_t hash = static_cast<uint32_t>(
      Mix(l.seed, static_cast<uint64_t>(bucket_start) * 131 + static_cast<uint64_t>(part)));
  char date[16], stamp[32], hash8[16];
  std::snprintf(date, sizeof(date), "%04d/%02d/%02d", y, m, d);
  std::snprintf(stamp, sizeof(stamp), "%04d%02d%02dT%02d%02dZ", y, m, d,
                static_cast<int>(secs / 3600), static_cast<int>(secs / 60 % 60));
  std::snprintf(hash8, sizeof(hash8), "%08x", hash);
  const std::string prefix = l.account_id + "_vpcflowlogs_" + l.region + "_" + l.flow_log_id;
  return "AWSLogs/" + l.account_id + "/vpcflowlogs/" + l.region + "/" + date + "/" + prefix + "_" +
         stamp + "_" + hash8 + ".log.gz";
}

}  // namespace flowlens::gen

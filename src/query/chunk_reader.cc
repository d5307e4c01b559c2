// ChunkReader and LoadChunk (scan.h): files into chunks of whole lines.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <cstring>

#include "common/gunzip.h"
#include "flowlog/line_splitter.h"
#include "query/scan.h"

namespace flowlens::query {
namespace {

// Gzip files up to this size are decompressed whole by a worker.
constexpr int64_t kWholeGzipMaxBytes = int64_t{64} << 20;

struct MappedFile {
  void* addr = nullptr;
  size_t size = 0;
  ~MappedFile() {
    if (addr) munmap(addr, size);
  }
};

// A morsel's hold on the mapping: when the last batch that points into the
// morsel is gone, its whole pages leave the process's resident set (they stay
// in the page cache), so a scan of a large file holds only the morsels in
// flight, not the whole file.
struct MorselPages {
  std::shared_ptr<const void> mapping;
  const char* begin = nullptr;
  const char* end = nullptr;
  ~MorselPages() {
    const uintptr_t page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
    uintptr_t b = (reinterpret_cast<uintptr_t>(begin) + page - 1) & ~(page - 1);
    uintptr_t e = reinterpret_cast<uintptr_t>(end) & ~(page - 1);
    if (e > b) ::madvise(reinterpret_cast<void*>(b), e - b, MADV_DONTNEED);
  }
};

Status OpenError(const ScanInput& in) {
  return Status::IoError(in.display_name + ": cannot open: " + std::strerror(errno));
}

Status GzipError(const ScanInput& in, const std::string& why) {
  return Status::InvalidArgument(in.display_name + ": cannot read: " + why +
                                 " (a broken or truncated gzip file?)");
}

// The first line of `text` if it is an S3 header line of known fields.
std::optional<Layout> HeaderLayout(std::string_view text, size_t* length) {
  size_t end = text.find('\n');
  std::string_view first = text.substr(0, end);
  if (!Layout::IsHeaderLine(first)) return std::nullopt;
  Result<Layout> l = Layout::FromHeader(first);
  if (!l.ok()) return std::nullopt;
  *length = end == std::string_view::npos ? text.size() : end + 1;
  return std::move(*l);
}

}  // namespace

ChunkReader::ChunkReader(std::vector<ScanInput>* inputs, std::optional<Layout> forced_layout,
                         size_t chunk_bytes)
    : inputs_(inputs), forced_layout_(std::move(forced_layout)), chunk_bytes_(chunk_bytes) {}

ChunkReader::~ChunkReader() {
  if (gz_) gzclose(static_cast<gzFile>(gz_));
}

Status ChunkReader::OpenNext() {
  if (gz_) {
    gzclose(static_cast<gzFile>(gz_));
    gz_ = nullptr;
  }
  mapped_.reset();
  morsel_lines_.reset();
  current_ = static_cast<int>(next_input_++);
  ScanInput& in = (*inputs_)[static_cast<size_t>(current_)];
  line_ = 1;
  carry_.clear();
  first_chunk_ = true;
  layout_ = forced_layout_ ? &*forced_layout_ : &Layout::Default();
  if (in.path != "-") {
    int fd = ::open(in.path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return OpenError(in);
    struct stat st;
    unsigned char magic[2] = {0, 0};
    bool regular = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0;
    bool gzip = regular && ::pread(fd, magic, 2, 0) == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
    if (regular && gzip && st.st_size <= kWholeGzipMaxBytes) {
      ::close(fd);
      mode_ = Mode::kWholeGzip;
      return Status::Ok();
    }
    if (regular && !gzip) {
      void* addr = ::mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
      ::close(fd);
      if (addr != MAP_FAILED) {
        ::madvise(addr, static_cast<size_t>(st.st_size), MADV_SEQUENTIAL);
        ::madvise(addr, static_cast<size_t>(st.st_size), MADV_WILLNEED);
        auto m = std::make_shared<MappedFile>();
        m->addr = addr;
        m->size = static_cast<size_t>(st.st_size);
        mapped_text_ = std::string_view(static_cast<const char*>(addr), m->size);
        mapped_ = std::move(m);
        mapped_pos_ = DetectHeader(mapped_text_, in);
        line_ += mapped_pos_ > 0;
        morsel_lines_ = std::make_shared<MorselLines>(mapped_, line_);
        mode_ = Mode::kMapped;
        return Status::Ok();
      }
    } else {
      ::close(fd);
    }
  }
  gzFile f = in.path == "-" ? gzdopen(dup(0), "rb") : gzopen(in.path.c_str(), "rb");
  if (!f) return OpenError(in);
  gzbuffer(f, 1 << 20);
  gz_ = f;
  mode_ = Mode::kStream;
  return Status::Ok();
}

size_t ChunkReader::DetectHeader(std::string_view text, ScanInput& in) {
  size_t length = 0;
  std::optional<Layout> l = HeaderLayout(text, &length);
  if (!l) return 0;
  layouts_.push_back(std::make_unique<Layout>(std::move(*l)));
  layout_ = layouts_.back().get();
  in.layout = *layout_;
  return length;
}

Result<std::optional<Chunk>> ChunkReader::Next() {
  while (true) {
    if (mode_ == Mode::kNone) {
      if (next_input_ >= inputs_->size()) return std::optional<Chunk>();
      RETURN_IF_ERROR(OpenNext());
    }
    ScanInput& in = (*inputs_)[static_cast<size_t>(current_)];
    std::optional<Chunk> c;
    switch (mode_) {
      case Mode::kMapped:
        c = NextMapped(in);
        break;
      case Mode::kWholeGzip:
        c.emplace();
        c->deferred = true;
        mode_ = Mode::kNone;
        break;
      case Mode::kStream: {
        ASSIGN_OR_RETURN(c, NextStreamed(in));
        break;
      }
      case Mode::kNone:
        break;
    }
    if (!c) continue;
    c->source_id = static_cast<uint32_t>(current_);
    c->input = &in;
    if (!c->layout) c->layout = layout_;
    return c;
  }
}

std::optional<Chunk> ChunkReader::NextMapped(ScanInput& in) {
  const std::string_view all = mapped_text_;
  if (mapped_pos_ >= all.size()) {
    mapped_.reset();
    morsel_lines_.reset();
    mapped_text_ = {};
    mode_ = Mode::kNone;
    return std::nullopt;
  }
  size_t end = all.size();
  if (all.size() - mapped_pos_ > chunk_bytes_) {
    const void* nl = std::memchr(all.data() + mapped_pos_ + chunk_bytes_, '\n',
                                 all.size() - mapped_pos_ - chunk_bytes_);
    if (nl) end = static_cast<size_t>(static_cast<const char*>(nl) - all.data()) + 1;
  }
  Chunk c;
  c.text = all.substr(mapped_pos_, end - mapped_pos_);
  auto pages = std::make_shared<MorselPages>();
  pages->mapping = mapped_;
  pages->begin = c.text.data();
  pages->end = c.text.data() + c.text.size();
  c.owner = std::move(pages);
  c.lines = morsel_lines_;
  c.morsel = morsel_lines_->Add(c.text);
  mapped_pos_ = end;
  return c;
}

Result<std::optional<Chunk>> ChunkReader::NextStreamed(ScanInput& in) {
  auto data = std::make_shared<std::string>();
  data->reserve(chunk_bytes_ + carry_.size() + 1);
  data->swap(carry_);
  size_t old = data->size();
  data->resize(old + chunk_bytes_);
  int n = gzread(static_cast<gzFile>(gz_), data->data() + old, static_cast<unsigned>(chunk_bytes_));
  if (n < 0) {
    int errnum = 0;
    const char* msg = gzerror(static_cast<gzFile>(gz_), &errnum);
    return GzipError(in, errnum == Z_ERRNO ? std::strerror(errno) : msg);
  }
  data->resize(old + static_cast<size_t>(n));
  bool eof = n == 0 || gzeof(static_cast<gzFile>(gz_));
  if (eof) {
    // A gzip stream cut short reads as a normal end; zlib says so afterwards.
    int errnum = 0;
    const char* msg = gzerror(static_cast<gzFile>(gz_), &errnum);
    if (errnum != Z_OK && errnum != Z_STREAM_END) return GzipError(in, msg);
  }
  if (!eof) {
    size_t cut = data->rfind('\n');
    if (cut == std::string::npos) {
      carry_.swap(*data);  // a very long line: keep reading
      return std::optional<Chunk>();
    }
    carry_.assign(*data, cut + 1, std::string::npos);
    data->resize(cut + 1);
  } else {
    gzclose(static_cast<gzFile>(gz_));
    gz_ = nullptr;
    mode_ = Mode::kNone;
  }
  if (data->empty()) return std::optional<Chunk>();
  Chunk c;
  c.text = *data;
  if (first_chunk_) {
    first_chunk_ = false;
    size_t skip = DetectHeader(c.text, in);
    c.text.remove_prefix(skip);
    line_ += skip > 0;
  }
  c.first_line = line_;
  line_ += CountNewlines(c.text);
  c.owner = std::move(data);
  return std::optional<Chunk>(std::move(c));
}

uint32_t MorselLines::Add(std::string_view text) {
  std::lock_guard<std::mutex> lock(mu_);
  texts_.push_back(text);
  return static_cast<uint32_t>(texts_.size() - 1);
}

uint64_t MorselLines::FirstLine(uint32_t index) {
  std::lock_guard<std::mutex> lock(mu_);
  while (firsts_.size() <= index) {
    firsts_.push_back(firsts_.back() + CountNewlines(texts_[firsts_.size() - 1]));
  }
  return firsts_[index];
}

uint64_t ChunkFirstLine(const Chunk& chunk) {
  return chunk.lines ? chunk.lines->FirstLine(chunk.morsel) : chunk.first_line;
}

Status LoadChunk(Chunk* chunk) {
  const ScanInput& in = *chunk->input;
  std::string packed;
  {
    int fd = ::open(in.path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return OpenError(in);
    struct stat st;
    if (::fstat(fd, &st) != 0) {
      ::close(fd);
      return OpenError(in);
    }
    packed.resize(static_cast<size_t>(st.st_size));
    size_t got = 0;
    while (got < packed.size()) {
      ssize_t n = ::pread(fd, packed.data() + got, packed.size() - got, static_cast<off_t>(got));
      if (n <= 0) {
        int e = errno;
        ::close(fd);
        return Status::IoError(in.display_name + ": cannot read: " +
                               (n == 0 ? std::string("the file shrank") : std::strerror(e)));
      }
      got += static_cast<size_t>(n);
    }
    ::close(fd);
  }
  auto text = std::make_shared<std::string>();
  RETURN_IF_ERROR(GunzipBytes(packed, in.display_name, text.get()));
  chunk->text = *text;
  chunk->owner = std::move(text);
  chunk->first_line = 1;
  size_t skip = 0;
  if (std::optional<Layout> l = HeaderLayout(chunk->text, &skip)) {
    chunk->owned_layout = std::make_shared<const Layout>(std::move(*l));
    chunk->layout = chunk->owned_layout.get();
    chunk->text.remove_prefix(skip);
    chunk->first_line = 2;
  }
  chunk->deferred = false;
  return Status::Ok();
}

}  // namespace flowlens::query

#include "ingest/segment_write_pool.h"

#include <algorithm>

namespace flowlens::ingest {

SegmentWritePool::SegmentWritePool(storage::Store& store, std::string group, size_t threads,
                                   size_t max_queued)
    : store_(store), group_(std::move(group)), max_queued_(std::max<size_t>(max_queued, 1)) {
  for (size_t i = 0; i < threads; ++i) threads_.emplace_back([this] { Run(); });
}

SegmentWritePool::~SegmentWritePool() {
  Stop();
  for (std::thread& t : threads_) {
    if (t.joinable()) t.join();
  }
}

Status SegmentWritePool::Submit(std::unique_ptr<storage::SegmentBuilder> builder) {
  if (threads_.empty()) {  // no threads of its own: written here and now
    {
      std::lock_guard lock(mu_);
      RETURN_IF_ERROR(status_);
    }
    Result<std::shared_ptr<const storage::SegmentFile>> seg =
        store_.WriteBulkSegment(group_, builder.get());
    std::lock_guard lock(mu_);
    if (!seg.ok()) {
      if (status_.ok()) status_ = seg.status();
      return status_;
    }
    segments_.push_back(std::move(seg).value());
    return Status::Ok();
  }
  std::unique_lock lock(mu_);
  cv_.wait(lock,
           [&] { return queue_.size() + writing_ < max_queued_ || !status_.ok() || closing_; });
  if (!status_.ok()) return status_;
  if (closing_) return Status::Internal("segment write pool: a builder came after Finish");
  queue_.push_back(std::move(builder));
  cv_.notify_all();
  return Status::Ok();
}

void SegmentWritePool::Stop() {
  std::lock_guard lock(mu_);
  closing_ = true;
  queue_.clear();
  cv_.notify_all();
}

Result<SegmentWritePool::Segments> SegmentWritePool::Finish() {
  {
    std::lock_guard lock(mu_);
    closing_ = true;
    cv_.notify_all();
  }
  for (std::thread& t : threads_) t.join();
  threads_.clear();
  RETURN_IF_ERROR(status_);
  return std::move(segments_);
}

void SegmentWritePool::Run() {
  while (true) {
    std::unique_ptr<storage::SegmentBuilder> b;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return !queue_.empty() || closing_ || !status_.ok(); });
      if (queue_.empty() || !status_.ok()) return;
      b = std::move(queue_.front());
      queue_.pop_front();
      ++writing_;
    }
    Result<std::shared_ptr<const storage::SegmentFile>> seg =
        store_.WriteBulkSegment(group_, b.get());
    b.reset();  // its memory goes before the next one is taken
    std::lock_guard lock(mu_);
    --writing_;
    cv_.notify_all();  // room for another builder
    if (!seg.ok()) {
      if (status_.ok()) status_ = seg.status();
      queue_.clear();
      cv_.notify_all();
      return;
    }
    segments_.push_back(std::move(seg).value());
  }
}

}  // namespace flowlens::ingest

// ScanCaptures (scan_captures.h): parse-pushdown captures of a file scan.
#include "query/scan_captures.h"

#include "query/operators.h"

namespace flowlens::query {

ScanCaptures::ScanCaptures(const ParsePushdown& pd) : pd_(pd), stars_(pd.slots.size()) {
  const size_t stars = stars_;
  literals_.assign(stars + 1, " ");
  literals_.front().clear();
  literals_.back().clear();
  for (size_t i = 0; i < stars; ++i) {
    if (pd.slots[i] >= 0) live_.push_back(i);
  }
  parts_.resize(stars);
}

void ScanCaptures::StartBatch(Batch* batch) {
  for (size_t i : live_) {
    Column& c = batch->columns[static_cast<size_t>(pd_.slots[i])];
    c.kind = ColumnKind::kString;
    c.strings.clear();  // keeping the capacity the batch before left
    c.valid.clear();
    c.strings.reserve(kBatchSize);
  }
  unmatched_.clear();
}

void ScanCaptures::Add(const SplitLine& sl, const char* base, std::string_view message,
                       Batch* batch, size_t row) {
  if (CapturesFromSpaces(sl, stars_)) [[likely]] {
    for (size_t i : live_) {
      batch->columns[static_cast<size_t>(pd_.slots[i])].strings.push_back(
          SplitCapture(sl, base, stars_, i));
    }
    return;
  }
  if (!MatchGlob(message, literals_, &parts_)) {
    unmatched_.push_back(static_cast<uint32_t>(row));
    parts_.assign(stars_, std::string_view());
  }
  for (size_t i : live_) {
    batch->columns[static_cast<size_t>(pd_.slots[i])].strings.push_back(parts_[i]);
  }
}

void ScanCaptures::Finish(Batch* batch, size_t rows) {
  for (size_t i : live_) {
    Column& c = batch->columns[static_cast<size_t>(pd_.slots[i])];
    if (unmatched_.size() == rows) {
      c = Column::Null();  // as the parse stage leaves a batch with no match
      continue;
    }
    if (unmatched_.empty()) continue;
    c.valid.assign(rows, 1);
    for (uint32_t r : unmatched_) c.valid[r] = 0;
  }
  batch->columns[static_cast<size_t>(pd_.message_slot)] = Column::Null();
  batch->columns[static_cast<size_t>(pd_.done_slot)] = Column::Constant(Value::Bool(true));
}

}  // namespace flowlens::query

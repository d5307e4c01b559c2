// The scan of log groups in the embedded store, for the query engine: each
// segment (and the not-yet-flushed events) of each chosen group is a morsel;
// its row blocks become batches with the same fields a file scan gives
// (scan.h): system fields, flow-log fields of the group's layout under their
// query names, and JSON fields of JSON events. Segments whose time range
// misses the query's are skipped without being opened. A query that wants
// the newest (oldest) rows reads the newest (oldest) segments first; once it
// holds enough rows, segments and row groups whose order key (row_collector.h)
// cannot beat them are skipped.
//
// Thread safety: Next() is called by several workers at once.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "query/executor.h"
#include "query/message_filter.h"
#include "query/row_conditions.h"
#include "storage/segment_reader.h"
#include "storage/snapshot.h"

namespace flowlens::query {

struct StoreScanStats {
  std::atomic<uint64_t> segments_read{0};
  std::atomic<uint64_t> segments_skipped{0};
  std::atomic<uint64_t> row_groups_skipped{0};  // in segments read: by statistics or time
};

class StoreSource : public ScanSource {
 public:
  // `groups` are the snapshot's groups to read; `account_id` makes @log.
  // The plan's leading filters on typed flow-log fields (comparisons with a
  // number, address equality, isIpv4InSubnet/isIpInSubnet with a constant
  // CIDR, joined by `and`) let whole segments and row groups go unread when
  // their column statistics show no row can match. Their conjuncts that read
  // one flow-log field are evaluated first, on that column alone, and the
  // other columns are then copied for the passing rows only (the executor
  // still applies the whole filter: this only drops rows it would drop):
  // string conjuncts by dictionary code on every row, then int and address
  // conditions tested on the typed column for the rows left, then the other
  // conjuncts through the evaluator for the rows left after that.
  //
  // Statistics: records and bytes scanned count every row of each row group
  // read (bytes: its messages plus one line end each, as a file scan counts
  // its lines), whether or not the row is in the time range.
  StoreSource(std::shared_ptr<const storage::StoreSnapshot> snapshot,
              std::vector<const storage::GroupSnapshot*> groups, int64_t start_ms, int64_t end_ms,
              std::string account_id, StoreScanStats* stats, const Plan* plan = nullptr);

  Result<bool> Next(const ScanRequest& request, size_t slot_count, int64_t start_ms, int64_t end_ms,
                    ScanCounters* counters, const std::function<void(Batch&)>& sink) override;
  std::vector<std::string> warnings() const override;

 private:
  struct Morsel {
    const storage::GroupSnapshot* group;
    const storage::SegmentFile* segment;  // nullptr: the unflushed events
    // Estimated message bytes per row, for segments whose footer lacks them
    // (before version 3): the group's stored bytes over its events.
    double bytes_per_row = 0;
  };
  // A range a stored column must reach for a row to pass the filters.
  struct Prune {
    int field_id;
    bool address;
    int64_t lo, hi;
    IpAddress alo, ahi;
  };
  // `row_group` < 0: the whole segment.
  bool CanSkip(const storage::SegmentFooter& f, int row_group) const;
  // Whether no row of the segment (row group) can make the answer any more,
  // by the statistics of the query's order key (PlanOrderKey) against what
  // the query still needs (ScanCounters::needed_key_from/_to).
  bool NotNeeded(const storage::SegmentFooter& f, int row_group,
                 const ScanCounters& counters) const;
  static bool OutsideNeeded(int64_t min, int64_t max, const ScanCounters& counters);
  Status ScanSegment(const Morsel& m, const ScanRequest& request, size_t slot_count,
                     int64_t start_ms, int64_t end_ms, ScanCounters* counters,
                     const std::function<void(Batch&)>& sink);

  const Plan* plan_;
  // The stored column of the query's order key: kOrderByTime for
  // @timestamp, a flow field id, or -1 (none).
  static constexpr int kOrderByTime = -2;
  int order_field_ = -1;
  bool needs_timestamp_;  // false: the answer does not depend on @timestamp
  std::vector<Prune> prunes_;
  // The leading filters' int and address conditions (row_conditions.h),
  // tested on the typed columns before the conjuncts that need the evaluator.
  std::vector<FieldCondition> tests_;
  // The leading filters' `@message like "text"` conjuncts (message_filter.h).
  std::vector<MessageTerm> message_terms_;
  int message_slot_ = -1;
  // Non-empty when nothing but the terms reads @message: the text its column
  // holds in the rows of segments the terms were tested on (store_scan.cc).
  std::string message_stand_in_;
  // Conjuncts of the leading filters that read a single slot (see above).
  std::vector<const BoundExpr*> prefilters_;
  std::shared_ptr<const storage::StoreSnapshot> snapshot_;
  std::vector<Morsel> morsels_;
  std::atomic<size_t> next_{0};
  std::string account_id_;
  StoreScanStats* stats_;
  mutable std::mutex mu_;
  std::vector<std::string> warnings_;
};

// Encodes and decodes @ptr for stored events: group id (32 bits), segment id
// (0 for unflushed events; 24 bits) and row within it (40 bits).
std::string MakeStorePointer(uint64_t group_id, uint64_t segment_id, uint64_t row);
bool ParseStorePointer(std::string_view ptr, uint64_t* group_id, uint64_t* segment_id,
                       uint64_t* row);

}  // namespace flowlens::query

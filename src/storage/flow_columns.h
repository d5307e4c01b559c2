// FlowColumns: parses event messages with a flow-log layout into one typed
// column per layout field (row_block.h's FieldColumn), and rebuilds messages
// from such columns. Used by the segment writer (flush) and by the reader of
// unflushed events, so both hand out the same values.
//
// A row that does not parse gets a missing value in every column. `exact`
// tells whether WriteRecord(ParseRecord(message)) == message, i.e. whether
// the message can be rebuilt from the columns instead of being stored.
// String values are views into the messages, which must outlive the columns.
//
//   FlowColumns cols(layout);
//   bool exact; bool parsed = cols.Add(line, &exact);
//   cols.columns()[layout.PositionOf(fields::kBytes)].ints.back();
//
// Thread safety: one object per thread.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "flowlog/layout.h"
#include "flowlog/record.h"
#include "storage/row_block.h"

namespace flowlens::storage {

class FlowColumns {
 public:
  explicit FlowColumns(const Layout& layout);

  // Appends one row; returns whether `message` parsed as a record of the layout.
  bool Add(std::string_view message, bool* exact);
  void Clear();
  size_t rows() const { return rows_; }
  size_t parsed() const { return parsed_; }
  std::vector<FieldColumn>& columns() { return columns_; }

 private:
  const Layout& layout_;
  FlowRecord record_;
  RecordError error_;
  std::string scratch_;
  std::vector<FieldColumn> columns_;
  size_t rows_ = 0;
  size_t parsed_ = 0;
};

// Writes row `row` of `columns` (one per layout position) as a record line
// into `out` (cleared first).
void RebuildMessage(const Layout& layout, const std::vector<const FieldColumn*>& columns,
                    size_t row, FlowRecord* scratch, std::string* out);

}  // namespace flowlens::storage

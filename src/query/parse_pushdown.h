// Parse pushdown: `parse @message "* * ... *"` answered from the stored
// flow-log columns instead of from the text (plan.h ParsePushdown says when
// a query qualifies; store_scan.cc applies it to the segments whose layout
// has as many fields as the pattern has stars).
//
// Why it is fast: a segment keeps most lines only as typed columns, so the
// plain way rebuilds each row's whole line from every column, then splits it
// again. Here capture i is written straight from layout field i, for the
// captures someone reads and the rows still kept: strings as stored views,
// numbers and addresses formatted into the batch's arena; and a filter right
// after the parse that tests one string capture is evaluated once per
// dictionary value, by code, before any capture is made. Benchmark: the Q8
// store query of bench/peers (bench/RESULTS.md).
//
// Exactness: a stored row either round-trips (its line is what WriteRecord
// makes of its columns: fields in layout order, single spaces, "-" for a
// missing value, numbers in plain decimal) or keeps its raw line. Capture i of
// a round-tripping row is therefore exactly field i's text; a row that kept
// its raw line is matched by MatchGlob on that line, as the parse stage would.
//
// Thread safety: functions of their arguments; each caller owns its scratch.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "query/column.h"
#include "query/plan.h"
#include "storage/row_block.h"

namespace flowlens::query {

// Whether glob literals (plan.h Stage::glob_literals) are N >= 1 stars with a
// single space between each two and nothing before the first or after the last.
bool IsFieldSplitGlob(const std::vector<std::string>& literals);

// Appends the conjuncts (`and` operands, recursively) of `e` to *out, left first.
void AppendConjuncts(const BoundExpr* e, std::vector<const BoundExpr*>* out);

// The slot the scan fills for field `name`, or -1 when the scan is not asked for it.
int ScanFieldSlot(const Plan& plan, std::string_view name);

// Fills the parse outputs of `batch` (whose rows are those of `block`, in
// order) and sets the pushdown's done slot. `field_of[i]` is the index in
// block.fields of layout position i's column, read for every position whose
// output is read (pd.slots[i] >= 0); `block` must have been read with
// ColumnRequest::raw_messages. Rows that kept their raw line are matched
// with `literals` (the stage's glob literals).
void FillCaptures(const ParsePushdown& pd, const std::vector<std::string>& literals,
                  const storage::RowBlock& block, const std::vector<int>& field_of, Batch* batch);

// A conjunct of the filters right after the parse that reads one capture of a
// string field: tested once per dictionary value.
struct CaptureFilter {
  const BoundExpr* expr;
  int slot;         // the capture's output slot
  int field_index;  // its column in the blocks the filter is given
};

struct CaptureFilterScratch {
  std::vector<uint8_t> pass, part;
  Batch codes_batch;
};

// Tests `filters` on `block` (read with ColumnRequest::codes and
// raw_messages), which holds the rows whose `keep` flag is set (or all of
// them, when it has keep->size() rows); clears the flags of the rows that
// fail and returns how many are still kept. A row that kept its raw line, or
// whose column has no dictionary, is left for the filter stage to decide.
size_t FilterCaptures(const std::vector<CaptureFilter>& filters, const storage::RowBlock& block,
                      size_t slot_count, EvalState* state, CaptureFilterScratch* s,
                      std::vector<uint8_t>* keep);

// Clears keep[r] for the rows that failed a test: `pass` has one flag per
// row of a block that held every row (pass.size() == keep->size()) or only
// the kept ones, in order. Returns how many rows are still kept.
size_t KeepPassing(const std::vector<uint8_t>& pass, std::vector<uint8_t>* keep);

// Evaluates `expr` once per value of a string dictionary: `batch` gets dict.size() + 1 rows
// in column `slot` (of `slot_count`), the dictionary's values and then one row for a
// missing value — the text `missing` when it has one, else null. Leaves one pass byte per
// row in *out (so (*out)[code] for a code, out->back() for a missing value).
void EvaluateOnDictionary(const BoundExpr& expr, const std::vector<std::string_view>& dict,
                          int slot, size_t slot_count, const std::string_view* missing,
                          EvalState& state, Batch* batch, std::vector<uint8_t>* out);

}  // namespace flowlens::query

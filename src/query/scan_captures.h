// The file scan's side of the parse pushdown (plan.h ParsePushdown): for a
// query whose first command after its leading filters is
// `parse @message "* * ... *"` (N stars, single spaces) and that reads
// @message nowhere else, the scan fills the parse outputs itself and leaves
// @message out, so the parse stage skips those batches.
//
// Exactness: MatchGlob (operators.h), which the parse stage runs, gives for
// such a pattern the text up to the first space, then up to the next, ...,
// N-1 times, and the rest of the line as the last capture; a line with fewer
// than N-1 spaces does not match. A simple line of LineSplitter (single
// spaces between non-empty fields, no tab or '\r') with at least N fields
// therefore has captures its space offsets give directly: fields 0..N-2 and
// the rest of the line from field N-1 on. Every other line (not simple, or
// fewer fields) is matched with MatchGlob itself. tests/fuzz/
// record_parser_fuzz.cc checks SplitCaptures against MatchGlob.
//
// Why it is fast: no @message column, no second pass over each line's bytes
// to find the separators the splitter has already found (bench/scan_bench.cc
// BM_ParseChunkParsePushdown against BM_ParseChunkParseGlob).
//
// Thread safety: one ScanCaptures per ParseChunk call.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "flowlog/line_splitter.h"
#include "query/column.h"
#include "query/plan.h"

namespace flowlens::query {

// Whether the captures of a field-split glob of `stars` stars on `sl` come
// from its space offsets: a simple, non-empty line with at least `stars`
// fields.
inline bool CapturesFromSpaces(const SplitLine& sl, size_t stars) {
  return sl.simple && !sl.text.empty() && stars > 0 && sl.space_count + 1 >= stars;
}

// Capture i (< stars) of such a line: between spaces i-1 and i, the last one
// to the end of the line. `base` is the splitter's text.
[[gnu::always_inline]] inline std::string_view SplitCapture(const SplitLine& sl, const char* base,
                                                            size_t stars, size_t i) {
  const char* b = i == 0 ? sl.text.data() : base + sl.spaces[i - 1] + 1;
  const char* e = i + 1 == stars ? sl.text.data() + sl.text.size() : base + sl.spaces[i];
  return std::string_view(b, static_cast<size_t>(e - b));
}

// All N captures into out[0..N) when CapturesFromSpaces (else false).
inline bool SplitCaptures(const SplitLine& sl, const char* base, size_t stars,
                          std::string_view* out) {
  if (!CapturesFromSpaces(sl, stars)) return false;
  for (size_t i = 0; i < stars; ++i) out[i] = SplitCapture(sl, base, stars, i);
  return true;
}

class ScanCaptures {
 public:
  // `pd` must be a planned pushdown (pd.stage >= 0).
  explicit ScanCaptures(const ParsePushdown& pd);
  // Readies the capture columns of a fresh batch.
  void StartBatch(Batch* batch);
  // Appends the captures of row `row` (the batch's next): from the splitter
  // when the line allows it (as SplitCaptures, for the outputs read), else
  // from MatchGlob on `message` (the line as @message holds it).
  void Add(const SplitLine& sl, const char* base, std::string_view message, Batch* batch,
           size_t row);
  // Marks the rows that did not match, sets the done slot and clears the
  // @message column (left unfilled) of a batch of `rows` rows.
  void Finish(Batch* batch, size_t rows);

 private:
  const ParsePushdown& pd_;
  size_t stars_;
  std::vector<std::string> literals_;  // the glob's, for MatchGlob
  std::vector<size_t> live_;           // stars whose output someone reads
  std::vector<std::string_view> parts_;
  std::vector<uint32_t> unmatched_;  // rows of the batch
};

}  // namespace flowlens::query

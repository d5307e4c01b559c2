// Message-term prefilter of the store scan: `filter @message like "REJECT"`
// (or `like /REJECT/`, `not like`) answered from the stored flow-log columns,
// so the rows that cannot match are dropped before any line is rebuilt.
//
// Why it is fast: a segment keeps most lines only as typed columns, and the
// plain way rebuilds every row's whole line (14 numbers, addresses and
// strings formatted) to search it. A search text without a space lies inside
// one field of the line, so it is enough to test the fields whose text can
// hold it: a string field once per dictionary value (looked up by code), a
// number only when the text is all digits, an address only when the text is
// made of address characters. `like /REJECT/` reads the `action` and
// `log-status` dictionaries and nothing else. Benchmark: the `@message like`
// queries of bench/scan_bench.cc and bench/RESULTS.md.
//
// Exactness (as for the parse pushdown, parse_pushdown.h): a stored row
// either round-trips (its line is WriteRecord of its columns: fields in
// layout order, single spaces, "-" for a missing value, numbers in plain
// decimal) or keeps its raw line, which is searched as it is. A text with a
// space, an empty text, "-" (a missing value's text) or a regex that is not
// a plain literal is not a message term: the evaluator alone decides it. The
// executor still applies the whole filter to the rows kept, so this only
// drops rows it would drop.
//
//   std::optional<MessageTerm> t = MessageTermOf(*conjunct, message_slot);
//   MessageTermFilter f;
//   if (f.Prepare(terms, layout)) { reader->ReadBlock(f.request(), blk, &block, sel);
//                                kept = f.Apply(block, &keep); }
//
// Thread safety: a MessageTermFilter belongs to one scan of one segment.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "flowlog/layout.h"
#include "query/plan.h"
#include "storage/row_block.h"

namespace flowlens::query {

struct MessageTerm {
  std::string text;     // searched for as a substring
  bool negate = false;  // `not like`: the rows that hold it fail
};

// The term of `e` when it is `@message like "text"` or `@message like
// /literal/` (or `not like`), with `message_slot` the slot of @message, and
// the text can only lie inside one field of a line (see above); else nullopt.
std::optional<MessageTerm> MessageTermOf(const BoundExpr& e, int message_slot);

class MessageTermFilter {
 public:
  // Chooses, for rows of `layout`, the fields each term must look at; false
  // when there is nothing to do (no terms).
  bool Prepare(const std::vector<MessageTerm>& terms, const Layout& layout);
  // The columns Apply needs: the fields chosen (strings as dictionary codes
  // where the segment has them) and the raw lines of the rows that kept one.
  const storage::ColumnRequest& request() const { return request_; }
  // `block` holds, read with request(), the rows whose `keep` flag is set
  // (in order) or all of them. Clears the flags of the rows that fail a
  // term; returns how many are still set.
  size_t Apply(const storage::RowBlock& block, std::vector<uint8_t>* keep);

 private:
  struct TermColumns {
    MessageTerm term;
    std::vector<size_t> columns;  // indexes into request_.fields / block.fields
  };
  // Sets found[r] where field column `c` holds the text in row r.
  void FindInColumn(const std::string& text, const storage::FieldColumn& c, size_t rows,
                    const std::vector<uint8_t>& raw_kept, uint8_t* found);

  std::vector<TermColumns> terms_;
  storage::ColumnRequest request_;
  std::vector<uint8_t> found_, pass_, dict_found_;
};

}  // namespace flowlens::query

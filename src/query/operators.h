// The query commands as operations on a batch: filter, fields/display,
// parse, sort, limit, dedup, unnest. The executor applies them to each scanned
// batch (streaming commands) or to the materialized rows after a blocking
// command (stats, sort, limit, dedup).
//
// Thread safety: each call works on the batch it is given.
#pragma once

#include <cstdint>
#include <vector>

#include "common/status.h"
#include "query/column.h"
#include "query/plan.h"

namespace flowlens::query {

// Applies one non-stats stage to the batch in place.
Status ApplyStage(const Stage& stage, Batch* batch, EvalState* state);

// A new batch holding rows `rows` of `src` in that order (strings keep
// pointing into src's buffers, which the new batch keeps alive).
Batch Gather(const Batch& src, const std::vector<uint32_t>& rows);

// Concatenates batches into one (strings copied into the result's arena).
Batch Concatenate(std::vector<Batch>& parts, size_t slot_count);

// Sorts row indices of `batch` by the given key columns (natural order;
// missing values last in either direction), stable.
void SortRows(const std::vector<Column>& keys, const std::vector<bool>& descending,
              std::vector<uint32_t>* rows);

// Matches a glob parse pattern (literal chunks between the stars) against
// `text`; on success `out` gets one view per star. The first literal may be
// found anywhere; each star takes the shortest text up to the next literal,
// and the last star (when the pattern ends with one) takes the rest.
bool MatchGlob(std::string_view text, const std::vector<std::string>& literals,
               std::vector<std::string_view>* out);

}  // namespace flowlens::query

// The bound form of a query: every field name resolved to a slot, every
// function to its implementation, every command to a Stage. The analyzer
// (analyzer.cc) builds a Plan from a parsed Query; the executor (executor.cc)
// runs it over batches from a scan.
//
// Slots: each distinct field name the query touches gets one slot index; a
// Batch carries one Column per slot. The scan fills the slots of fields it
// knows (system fields, flow-log fields, JSON fields); commands fill the rest.
//
// Thread safety: a Plan is immutable while it runs; per-thread mutable state
// (compiled regexes of functions) lives in an EvalState.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include <re2/re2.h>

#include "query/ast.h"
#include "query/functions/scalar_function.h"
#include "query/row_conditions.h"
#include "query/value.h"

namespace flowlens::query {

enum class BoundKind : uint8_t {
  kConstant,  // value (strings owned by the plan)
  kSlot,      // a field
  kAccess,    // children[0] then `path` steps into JSON
  kCall,      // scalar function
  kBin,       // bin(period) over @timestamp (slot of @timestamp in `slot`)
  kUnary,
  kBinary,
  kLike,  // children[0] like constant text / regex (negated for not like)
  kIn,    // children[0] in constants (negated for not in)
};

struct BoundExpr {
  BoundKind kind = BoundKind::kConstant;
  Op op = Op::kNone;
  Value constant;
  std::string constant_text;  // owns constant.s
  int slot = -1;
  std::vector<PathElem> path;  // kAccess
  const ScalarFunction* function = nullptr;
  int call_site = -1;         // kCall: index into EvalState::call_states
  int64_t period_amount = 0;  // kBin
  int period_unit = 0;
  bool negate = false;               // kLike, kIn
  std::string like_text;             // kLike with a string: substring
  std::shared_ptr<const RE2> regex;  // kLike with a regex, kBinary kRegexMatch
  std::vector<Value> list;           // kIn
  std::vector<std::string> list_storage;
  std::vector<std::unique_ptr<BoundExpr>> children;
};
using BoundExprPtr = std::unique_ptr<BoundExpr>;

enum class AggKind : uint8_t {
  kCount,
  kCountStar,
  kCountDistinct,
  kSum,
  kAvg,
  kMin,
  kMax,
  kPct,
  kStddev,
  kEarliest,
  kLatest,
  kSortsFirst,
  kSortsLast
};

struct AggSpec {
  AggKind kind;
  BoundExprPtr arg;       // null for count(*)
  double percentile = 0;  // kPct
  int result_slot = -1;   // where the finalized value goes in the stats output
};

struct Stage {
  CommandKind kind;
  SourceSpan span;
  // kFilter
  BoundExprPtr condition;
  // kFields / kDisplay: computed fields (expr -> slot); plain field
  // references need no computing and are left out.
  std::vector<std::pair<int, BoundExprPtr>> assignments;
  // kParse
  BoundExprPtr parse_source;
  ParseMode parse_mode = ParseMode::kGlob;
  std::vector<std::string> glob_literals;  // literal chunks between the stars (size = stars + 1)
  std::shared_ptr<const RE2> parse_regex;
  std::vector<int> parse_slots;        // output slot of each star / named group
  std::vector<int> regex_group_index;  // RE2 group number of each output (regex mode)
  // Per output: 1 when a later command or the query's output reads it. In
  // glob mode an output no one reads is left null instead of built
  // (MarkLiveParseOutputs); regex mode still builds every output.
  std::vector<uint8_t> parse_live;
  // Glob mode, when the scan may fill the outputs itself (ParsePushdown): a
  // hidden slot the scan sets on the batches whose outputs it filled; the
  // stage then leaves those batches alone. -1: always parse.
  int parse_done_slot = -1;
  // kStats
  std::vector<BoundExprPtr> group_exprs;  // evaluated on input rows
  std::vector<int> group_slots;           // output slot of each group key
  std::vector<std::string> group_names;   // each key as written, for messages
  std::vector<AggSpec> aggregates;
  std::vector<std::pair<int, BoundExprPtr>> finals;  // projection slot <- expr over agg slots
  // kSort
  std::vector<std::pair<BoundExprPtr, bool>> sort_keys;  // expr, descending
  // kLimit
  int64_t limit = 0;
  bool limit_tail = false;
  bool limit_any = false;  // `limit any N`: any N rows; the scan may stop once it has them
  // kDedup
  std::vector<BoundExprPtr> dedup_exprs;
  // kUnnest
  BoundExprPtr unnest_source;
  int unnest_slot = -1;
  // kLookup
  std::string lookup_table;
  std::vector<std::pair<std::string, int>> lookup_keys;     // table column, log slot
  std::vector<int> lookup_key_columns;                      // filled when the table is loaded
  std::vector<std::pair<std::string, int>> lookup_outputs;  // table column, slot
  bool lookup_output_new = false;
};

// A `parse @message "* * ... *"` (N stars, single spaces, nothing before
// the first or after the last) that only splits a flow-log line into its N
// fields: where @message is rebuilt from the typed columns of a layout of N
// fields, capture i is exactly the text of layout field i ("-" when missing),
// so a scan that has those columns can fill the outputs without making the
// line (store_scan.cc). Planned by PlanParsePushdown when the parse is the
// first command after the leading filters, its outputs are not scan fields,
// and nothing else reads @message. A scan that fills the outputs of a batch
// sets `done_slot` (a constant) in it; one that does not just provides
// @message as usual, and the parse stage runs.
struct ParsePushdown {
  int stage = -1;  // index into Plan::stages; -1: none
  int message_slot = -1;
  int done_slot = -1;
  // Per star (layout position): its output slot, -1 when no one reads it.
  std::vector<int> slots;
  // The conjuncts of the filters right after the parse (`and` operands),
  // for a scan that can test some of them on the stored columns first.
  std::vector<const BoundExpr*> filter_conjuncts;
};

// What the scan must produce for the query.
struct ScanRequest {
  // slot of each field name the query reads before it is written; the scan
  // fills those it knows and leaves others null.
  std::vector<std::pair<std::string, int>> input_fields;
  int timestamp_slot = -1;  // always bound (default order, bin, time range)
  // What the leading filters demand of flow fields (row_conditions.h); the
  // executor fills it after planning.
  std::vector<FieldCondition> row_conditions;
  ParsePushdown parse_pushdown;
  // Whether anything reads the batches' source_ids/row_ids (the order of the
  // events of a query without stats, @ptr, earliest/latest): a file scan
  // that is told no skips numbering the lines (PlanRowIds).
  bool row_ids = true;
};

struct Plan {
  std::vector<std::string> slot_names;  // by slot
  ScanRequest scan;
  std::vector<Stage> stages;
  // The output: columns in order as (name, slot). Rows of a non-stats query
  // also carry @ptr.
  std::vector<std::pair<std::string, int>> output;
  bool has_stats = false;
  int call_sites = 0;
  // SOURCE logGroups(...) of the query, if any.
  std::vector<std::string> source_name_prefixes;
  bool has_source = false;
};

// Fills each parse stage's `parse_live`. Conservative: a slot counts as read
// if any expression of a later stage reads it or the output shows it.
void MarkLiveParseOutputs(Plan* plan);

// Fills plan->scan.parse_pushdown (and the stage's parse_done_slot) when the
// query has a parse the scan may do (see ParsePushdown); call after
// MarkLiveParseOutputs.
void PlanParsePushdown(Plan* plan);

// Sets plan->scan.row_ids: false only for a query with stats none of whose
// aggregations is earliest() or latest() (nothing then reads row ids).
void PlanRowIds(Plan* plan);

class LookupTable;

// Mutable per-thread state for evaluating a plan.
struct EvalState {
  explicit EvalState(const Plan& plan, const QueryTimes* times)
      : call_states(static_cast<size_t>(plan.call_sites)), times(times) {}
  std::vector<std::unique_ptr<CallState>> call_states;
  const QueryTimes* times;
  // The lookup table of each lookup stage, by table name (prepared).
  const std::map<std::string, LookupTable>* lookups = nullptr;
};

}  // namespace flowlens::query

#include "query/validate.h"

#include <algorithm>
#include <string>
#include <unordered_set>
#include <vector>

#include "query/lexer.h"

namespace flowlens::query {
namespace {

constexpr std::string_view kAggregates[] = {
    "avg", "count", "count_distinct", "earliest",  "latest", "max",
    "min", "pct",   "sortsfirst",     "sortslast", "stddev", "sum",
};

// What a stats entry holds: the first aggregate call, or a problem.
struct AggregateScan {
  const Expr* first_aggregate = nullptr;
  bool refers_to_alias = false;
  const Expr* nested = nullptr;  // an aggregate call inside another one
  const Expr* outer = nullptr;   // ... and that other one
};

void Scan(const Expr& e, const Expr* enclosing, const std::unordered_set<std::string>& aliases,
          AggregateScan* scan) {
  const Expr* inside = enclosing;
  if (e.kind == ExprKind::kCall && IsAggregateFunction(e.str)) {
    if (enclosing != nullptr && scan->nested == nullptr) {
      scan->nested = &e;
      scan->outer = enclosing;
    }
    if (scan->first_aggregate == nullptr) scan->first_aggregate = &e;
    inside = &e;
  }
  if (e.kind == ExprKind::kField && enclosing == nullptr && aliases.count(e.name) > 0) {
    scan->refers_to_alias = true;
  }
  for (const auto& child : e.children) Scan(*child, inside, aliases, scan);
}

Status CheckStats(const Command& stats, QueryError* error) {
  std::unordered_set<std::string> names;  // of the entries so far
  for (const Projection& p : stats.projections) {
    AggregateScan scan;
    Scan(*p.expr, nullptr, names, &scan);
    if (scan.nested != nullptr) {
      return MakeQueryError(scan.nested->span,
                            "the aggregate " + QuoteText(scan.nested->text) +
                                " is inside the aggregate " + QuoteText(scan.outer->text) +
                                "; aggregates cannot be nested",
                            error);
    }
    if (scan.first_aggregate == nullptr && !scan.refers_to_alias) {
      return MakeQueryError(p.expr->span,
                            QuoteText(p.expr->text) +
                                " in stats is not an aggregate; expected a function such as "
                                "count, sum, avg, min, max, pct, stddev, count_distinct, or an "
                                "alias made earlier in the same stats",
                            error);
    }
    names.insert(p.name());
  }
  for (const Projection& p : stats.group_by) {
    AggregateScan scan;
    Scan(*p.expr, nullptr, {}, &scan);
    if (scan.first_aggregate != nullptr) {
      return MakeQueryError(scan.first_aggregate->span,
                            "the aggregate " + QuoteText(scan.first_aggregate->text) +
                                " cannot be a 'by' key of stats; expected a field or "
                                "an expression such as bin(5m)",
                            error);
    }
  }
  return Status::Ok();
}

}  // namespace

bool IsAggregateFunction(std::string_view lower_name) {
  return std::find(std::begin(kAggregates), std::end(kAggregates), lower_name) !=
         std::end(kAggregates);
}

Status ValidateQuery(const Query& query, QueryError* error) {
  const std::vector<Command>& commands = query.commands;
  int stats_seen = 0;
  size_t second_stats = commands.size();
  for (size_t i = 0; i < commands.size(); ++i) {
    if (commands[i].kind == CommandKind::kStats && ++stats_seen == 2) second_stats = i;
  }
  const Command* dedup = nullptr;
  stats_seen = 0;
  for (size_t i = 0; i < commands.size(); ++i) {
    const Command& cmd = commands[i];
    std::string keyword = QuoteText(cmd.keyword);
    if (cmd.kind == CommandKind::kSource && i > 0) {
      return MakeQueryError(cmd.span, "SOURCE must be the first command of the query", error);
    }
    if (dedup != nullptr && cmd.kind != CommandKind::kLimit) {
      return MakeQueryError(cmd.span,
                            "only 'limit' may follow 'dedup' (line " +
                                std::to_string(dedup->span.line) + ", column " +
                                std::to_string(dedup->span.column) + "), not " + keyword,
                            error);
    }
    if (cmd.kind == CommandKind::kDedup) dedup = &cmd;
    if ((cmd.kind == CommandKind::kSort || cmd.kind == CommandKind::kLimit) && i < second_stats &&
        second_stats < commands.size()) {
      return MakeQueryError(cmd.span,
                            keyword +
                                " comes before the second stats command; with two stats, "
                                "sort and limit must come after the second",
                            error);
    }
    if (cmd.kind == CommandKind::kStats) {
      if (++stats_seen > 2) {
        return MakeQueryError(
            cmd.span, "a query may have at most two stats commands; this is the third", error);
      }
      RETURN_IF_ERROR(CheckStats(cmd, error));
    }
  }
  return Status::Ok();
}

}  // namespace flowlens::query

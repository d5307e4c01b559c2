// The syntax tree of a Logs Insights query, as the parser produces it and the
// analyzer consumes it. Nodes own their children (unique_ptr); text views point
// nowhere: every string is owned, so a Query outlives the query text.
//
//   Result<Query> q = ParseQuery("filter action = 'REJECT' | stats count(*) by srcAddr");
//   q->commands[1].kind == CommandKind::kStats
//
// Thread safety: immutable after parsing; share read-only.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace flowlens::query {

// Where a piece of the query sits: byte offsets into the query text (as the
// API's queryCompileError wants them) and 1-based line and column (for people).
struct SourceSpan {
  int32_t offset = 0;  // first byte
  int32_t length = 0;  // bytes
  int32_t line = 1;
  int32_t column = 1;
};

enum class ExprKind : uint8_t {
  kString,  // 'text' or "text", escapes resolved: str
  kNumber,  // 17, 0.5, 1e3: number (and int_value when is_int)
  kBool,    // true / false: int_value 1 / 0
  kPeriod,  // 5m, 1h, 30s: period_amount + period_unit (and period_ms for fixed units)
  kRegex,   // /re/: str is the pattern without the slashes, `\/` unescaped to `/`
  kList,    // [a, b, c]: children
  kField,   // srcAddr, @message, `foo-bar`, a.b.c, m.k[1]: name + path
  kStar,    // the * in count(*)
  kCall,    // name(args...): str is the function name lowercased; children are args
  kUnary,   // op, children[0]
  kBinary,  // op, children[0] op children[1]
};

enum class Op : uint8_t {
  kNone,
  // unary
  kNeg,
  kPlus,
  kNot,
  // arithmetic
  kAdd,
  kSub,
  kMul,
  kDiv,
  kMod,
  kPow,
  // comparison
  kEq,
  kNe,
  kLt,
  kLe,
  kGt,
  kGe,
  // boolean
  kAnd,
  kOr,
  // matching
  kLike,
  kNotLike,
  kRegexMatch,  // like "s" / like /re/, not like, =~ /re/
  kIn,
  kNotIn,  // children[1] is a kList
};

// The comparison with its operands swapped (a < b is b > a); other
// operators are their own mirror.
constexpr Op MirrorComparison(Op op) {
  return op == Op::kLt   ? Op::kGt
         : op == Op::kLe ? Op::kGe
         : op == Op::kGt ? Op::kLt
         : op == Op::kGe ? Op::kLe
                         : op;
}

enum class PeriodUnit : uint8_t {
  kMillisecond,
  kSecond,
  kMinute,
  kHour,
  kDay,
  kWeek,
  kMonth,
  kQuarter,
  kYear
};

// One step of a field path: `.key`, `.\`odd key\``, `.0` or `[1]`.
struct PathElem {
  std::string key;       // for a key step
  int64_t index = -1;    // for an index step ([i] or a .N step), else -1
  bool bracket = false;  // written as [i]
};

struct Expr {
  ExprKind kind;
  Op op = Op::kNone;
  SourceSpan span;
  // The source text of this expression exactly as written (minus surrounding
  // blanks); it names unaliased result columns, e.g. "count(*)", "bin(5m)".
  std::string text;
  // kString, kRegex: the value; kCall: function name in lower case.
  std::string str;
  // kField: the whole name as one flat field name ("a.b.c", "@message",
  // "foo-bar" for `foo-bar`), and `path` = the first identifier followed by
  // each further step, for access into jsonParse maps and lists.
  std::string name;
  std::vector<PathElem> path;
  // kNumber: value; is_int when written without '.', 'e' and fits int64.
  double number = 0;
  int64_t int_value = 0;
  bool is_int = false;
  // kPeriod
  int64_t period_amount = 0;
  PeriodUnit period_unit = PeriodUnit::kSecond;
  // kRegex: true when the pattern starts with (?i)
  bool case_insensitive = false;
  std::vector<std::unique_ptr<Expr>> children;
};

using ExprPtr = std::unique_ptr<Expr>;

// `expr [as alias]` in fields, display and stats.
struct Projection {
  ExprPtr expr;
  std::string alias;  // empty when not aliased
  SourceSpan alias_span;
  // The result column name: the alias, or the expression's source text.
  const std::string& name() const { return alias.empty() ? expr->text : alias; }
};

struct SortKey {
  ExprPtr expr;
  bool descending = false;
  bool explicit_direction = false;  // asc/desc was written
};

enum class CommandKind : uint8_t {
  kSource,
  kFields,
  kDisplay,
  kFilter,
  kParse,
  kStats,
  kSort,
  kLimit,
  kDedup,
  kUnnest,
  kLookup,
  kUnmask,
};

enum class ParseMode : uint8_t { kGlob, kRegex };

struct Command {
  CommandKind kind;
  SourceSpan span;      // the whole command, keyword included
  std::string keyword;  // as written, lower-cased: "filter", "where", "filterindex", "head", ...

  // kFields, kDisplay, kStats (aggregates)
  std::vector<Projection> projections;
  // kStats: the `by` list
  std::vector<Projection> group_by;
  // kFilter (filter, where, filterIndex)
  ExprPtr condition;
  // kParse: source (a kField; @message when omitted), pattern and names.
  ExprPtr parse_source;
  ParseMode parse_mode = ParseMode::kGlob;
  std::string pattern;  // glob text (quotes removed) or regex (slashes removed)
  bool pattern_case_insensitive = false;
  std::vector<std::string> parse_names;  // `as` names (glob), or the regex's named groups in order
  // kSort
  std::vector<SortKey> sort_keys;
  // kLimit (limit, head, tail): count, `limit any`, tail takes from the end.
  int64_t limit = 0;
  bool limit_any = false;
  bool limit_tail = false;
  // kDedup: field expressions
  std::vector<ExprPtr> dedup_fields;
  // kSource: logGroups(namePrefix: [...], accountIdentifiers: [...], class: [...])
  std::vector<std::string> source_name_prefixes;
  std::vector<std::string> source_account_ids;
  std::vector<std::string> source_classes;
  // kUnnest: unnest <field> into <name>
  ExprPtr unnest_field;
  std::string unnest_into;
  // kLookup: lookup <table> <key> [as <field>], ... (OUTPUT|OUTPUTNEW) out, ...
  std::string lookup_table;
  std::vector<std::pair<std::string, std::string>> lookup_keys;  // (table column, log field)
  bool lookup_output_new = false;
  std::vector<std::string> lookup_outputs;
};

struct Query {
  std::string text;
  std::vector<Command> commands;
};

}  // namespace flowlens::query

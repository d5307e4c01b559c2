// The compiled form of a filter pattern (private to src/server/filter_pattern*):
// what the parser (filter_pattern_parse.cc) builds and the matchers
// (filter_pattern_match.cc, filter_pattern_json.cc) run.
//
// Expressions (JSON patterns and the conditions of space-delimited elements)
// are one flat vector of nodes; a node names its children by index, the root
// is the last node. Every comparison holds a Literal: the right-hand side of
// `= != < <= > >=`, with its wildcards, number and regex resolved at parse time.
//
// Thread safety: immutable once parsed.
#pragma once

#include <re2/re2.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace flowlens::server::filter_pattern {

// A number as filter patterns compare them: exact for integers that fit 64
// bits, double otherwise.
struct Number {
  bool is_int = false;
  int64_t i = 0;
  double d = 0;
};

// Reads the whole of `text` as a number: optional sign, digits with an
// optional fraction, optional exponent ("-12", "+1000", "55.5", "10e-3").
std::optional<Number> ParseNumber(std::string_view text);

// -1, 0 or 1 as a is less than, equal to or greater than b.
int CompareNumbers(const Number& a, const Number& b);

// True when the whole of `text` equals `needle`, or starts with, ends with or
// contains it as the wildcards ask ('*' allowed only at either end). Linear.
bool WildcardMatch(std::string_view text, std::string_view needle, bool any_prefix,
                   bool any_suffix);

// True when `needle` occurs in `text` (linear time: glibc's two-way memmem).
bool Contains(std::string_view text, std::string_view needle);

enum class Op : uint8_t {
  kEq,
  kNe,
  kLt,
  kLe,
  kGt,
  kGe,
  kIsNull,     // JSON only
  kIsTrue,     // JSON only
  kIsFalse,    // JSON only
  kNotExists,  // JSON only
};

// The value a field is compared with.
struct Literal {
  enum class Kind : uint8_t { kAny, kText, kRegex };
  Kind kind = Kind::kText;
  std::string text;                       // kText: unescaped, without the wildcard stars
  bool any_prefix = false;                // kText: a leading '*'
  bool any_suffix = false;                // kText: a trailing '*'
  std::optional<Number> number;           // kText without wildcards that reads as a number
  std::shared_ptr<const re2::RE2> regex;  // kRegex
};

// One node of an expression.
struct Node {
  enum class Kind : uint8_t { kCompare, kAnd, kOr };
  Kind kind = Kind::kCompare;
  Op op = Op::kEq;
  int field = 0;  // kCompare: element index (delimited) or selector index (JSON)
  Literal value;  // kCompare with a value operator
  int lhs = -1;   // kAnd / kOr
  int rhs = -1;
};

struct Expr {
  std::vector<Node> nodes;  // the root is nodes.back()
  bool empty() const { return nodes.empty(); }
};

// Evaluates the expression; `compare(node)` decides each comparison.
template <typename Compare>
bool Evaluate(const Expr& e, int index, const Compare& compare) {
  const Node& n = e.nodes[static_cast<size_t>(index)];
  switch (n.kind) {
    case Node::Kind::kCompare:
      return compare(n);
    case Node::Kind::kAnd:
      return Evaluate(e, n.lhs, compare) && Evaluate(e, n.rhs, compare);
    case Node::Kind::kOr:
      return Evaluate(e, n.lhs, compare) || Evaluate(e, n.rhs, compare);
  }
  return false;
}
template <typename Compare>
bool Evaluate(const Expr& e, const Compare& compare) {
  return !e.empty() && Evaluate(e, static_cast<int>(e.nodes.size()) - 1, compare);
}

// True when the number `field` satisfies `op value` (one of = != < <= > >=).
bool CompareNumber(const Number& field, Op op, const Number& value);

// True when a field's text satisfies `op value` (space-delimited fields, and
// JSON strings, numbers and booleans through their text).
bool CompareText(std::string_view field, Op op, const Literal& value);

// --- term patterns ---------------------------------------------------------
struct Term {
  std::string text;                       // substring to look for
  std::shared_ptr<const re2::RE2> regex;  // or a regular expression
  bool exclude = false;                   // '-': must not occur
};
// All terms of a group must hold; a pattern matches when any group does. A
// group without terms (only blank quoted terms) matches everything.
struct TermGroup {
  std::vector<Term> terms;
};

// --- space-delimited patterns ---------------------------------------------
struct Element {
  enum class Kind : uint8_t { kField, kEllipsis };
  Kind kind = Kind::kField;
  std::string name;  // empty for an unnamed field
  Expr condition;    // empty when the field is unconditional
  // True when the condition reads only this element's field, so it can be
  // checked as soon as the field is split off.
  bool local = true;
};

// --- JSON patterns ---------------------------------------------------------
struct Step {
  bool is_index = false;
  std::string key;
  size_t index = 0;
};
using Selector = std::vector<Step>;

struct Program {
  enum class Kind : uint8_t { kAll, kTerms, kJson, kDelimited };
  Kind kind = Kind::kAll;
  std::string text;
  std::vector<TermGroup> groups;    // kTerms
  std::vector<Element> elements;    // kDelimited
  int ellipsis = -1;                // kDelimited: index of '...' or -1
  bool all_local = true;            // kDelimited: no condition reads another field
  std::vector<Selector> selectors;  // kJson: what Node::field indexes
  Expr json;                        // kJson
};

// Matchers (filter_pattern_match.cc, filter_pattern_json.cc). MatchDelimited
// uses *fields as scratch; after a match it holds every field of the event.
bool MatchTerms(const Program& p, std::string_view message);
bool MatchDelimited(const Program& p, std::string_view message,
                    std::vector<std::string_view>* fields);
bool MatchJson(const Program& p, std::string_view message);
// The same as MatchDelimited for a pattern with '...' whose conditions are all
// local, on an event without '"' or '[': splits the fields after '...' from
// the end instead of splitting every field. Needs no scratch.
bool MatchDelimitedFromBothEnds(const Program& p, std::string_view message);

// Splits a space-delimited event: fields are separated by runs of spaces and
// tabs; a field that starts with '"' runs to the next '"' and one that starts
// with '[' to the next ']', without the quotes or brackets (to the end of the
// event when unclosed).
class FieldSplitter {
 public:
  explicit FieldSplitter(std::string_view message) : s_(message) {}
  bool Next(std::string_view* field) {
    while (pos_ < s_.size() && IsBlank(s_[pos_])) ++pos_;
    if (pos_ >= s_.size()) return false;
    char open = s_[pos_];
    if (open == '"' || open == '[') {
      char close = open == '"' ? '"' : ']';
      size_t begin = pos_ + 1;
      size_t end = s_.find(close, begin);
      if (end == std::string_view::npos) end = s_.size();
      *field = s_.substr(begin, end - begin);
      pos_ = end + 1;
      return true;
    }
    size_t begin = pos_;
    while (pos_ < s_.size() && !IsBlank(s_[pos_])) ++pos_;
    *field = s_.substr(begin, pos_ - begin);
    return true;
  }
  // Where the next field's search starts (just past the last field returned).
  size_t pos() const { return pos_; }
  static bool IsBlank(char c) { return c == ' ' || c == '\t'; }

 private:
  std::string_view s_;
  size_t pos_ = 0;
};

}  // namespace flowlens::server::filter_pattern

// CloudWatch Logs filter patterns: the language of FilterLogEvents, metric
// filters and subscription filters (docs/compat.md "Filter patterns" lists
// the choices made where AWS documents nothing).
//
// Four forms, chosen by the first non-blank character of the pattern:
//   ""  or blanks           every event
//   ERROR ?WARN -"x y" %re% term pattern: substrings (AND), '?' starts an OR
//                           group, '-' excludes, %...% is a regular expression
//   { $.a.b[0] = "x*" }     JSON pattern: selectors, = != < <= > >=, IS NULL,
//                           IS TRUE, IS FALSE, NOT EXISTS, && || ( )
//   [a, ..., b = 4*, c > 9] space-delimited pattern: one element per field of
//                           the event, '...' for any number of fields
//
//   Result<FilterPattern> p = FilterPattern::Parse("[..., action=\"REJECT\", status]");
//   if (p.ok() && p->Matches(message)) ...
//
// Parse errors are InvalidArgument with the message
// "Invalid filter pattern: column C: <why>", C being the 1-based character
// column in the pattern, ready for an InvalidParameterException.
//
// Thread safety: a parsed pattern is immutable; Matches may be called from
// any number of threads at once. Copies share the compiled form.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace flowlens::server {

namespace filter_pattern {
struct Program;
}

class FilterPattern {
 public:
  enum class Kind { kAll, kTerms, kJson, kDelimited };

  // Parses a filter pattern; an empty or all-blank pattern matches everything.
  static Result<FilterPattern> Parse(std::string_view pattern);

  // True when `message` (one log event) matches. Allocates nothing per call
  // once a thread has matched a message of that size: JSON and
  // space-delimited patterns keep per-thread scratch buffers (RE2 may still
  // grow its shared DFA cache). Time is linear in the message for every form.
  bool Matches(std::string_view message) const;

  // For TestMetricFilter and metric values: when `message` matches a
  // space-delimited pattern, the value of every field by name ("$status")
  // or, for unnamed and '...' fields, by 1-based position ("$7"), in field
  // order. Empty for other kinds of pattern and for events that do not match.
  std::vector<std::pair<std::string, std::string>> ExtractedValues(std::string_view message) const;

  Kind kind() const;
  // The pattern text as given to Parse.
  const std::string& text() const;

 private:
  explicit FilterPattern(std::shared_ptr<const filter_pattern::Program> program)
      : program_(std::move(program)) {}
  // Shared and immutable: copies are cheap and safe to use across threads.
  std::shared_ptr<const filter_pattern::Program> program_;
};

}  // namespace flowlens::server

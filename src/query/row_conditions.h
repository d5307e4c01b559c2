// Row conditions: what the leading `filter` commands of a query demand of a
// flow record's own fields, in a form a scan can test before it builds rows.
//
// Only filters before any other command count (nothing can have changed a
// field before them), and only conjuncts of the simple shapes users write for
// flow logs: `field <op> constant` with an int constant on an int field,
// `field = "text"` and `field in ["a", "b"]` on a text field, an IPv4/IPv6
// constant compared for equality with an address field,
// isIpv4InSubnet/isIpInSubnet(field, "cidr"), and `or` of such tests on the
// same field (`dstPort = 22 or dstPort = 3389`). Everything else is left out.
//
// Each condition is necessary, not sufficient: a row that fails one cannot
// pass the filters (a missing or malformed value fails every comparison), so
// a scan may drop it unread; a row that passes still goes through the
// filters. The file scan tests them on the raw tokens of a line and parses
// only the lines that pass (scan_parse.cc); tests/unit/row_conditions_test.cc
// checks every shape against the same query written so that no condition
// applies.
//
//   for (const FieldCondition& c : LeadingFilterConditions(plan)) ...
//
// Thread safety: plain values.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "common/ip_address.h"

namespace flowlens::query {

struct Plan;

struct FieldCondition {
  enum class Kind : uint8_t {
    kIntRange,      // lo <= value <= hi
    kIntSet,        // value in `ints` (sorted); lo/hi are its ends
    kAddressRange,  // alo <= value <= ahi, same family as alo
    kText,          // value is one of `texts` (exact bytes)
  };
  int field_id = -1;  // catalog field id
  Kind kind = Kind::kIntRange;
  int64_t lo = std::numeric_limits<int64_t>::min();
  int64_t hi = std::numeric_limits<int64_t>::max();
  std::vector<int64_t> ints;
  IpAddress alo, ahi;
  std::vector<std::string> texts;

  // The tests on a raw token of a flow-log line ("-" is a missing value and
  // fails). Int and address tokens that do not parse fail too: their line is
  // not a record, and the field is missing.
  bool MatchesToken(std::string_view token) const;
};

std::vector<FieldCondition> LeadingFilterConditions(const Plan& plan);

}  // namespace flowlens::query

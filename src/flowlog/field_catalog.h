// The catalog of every flow-log field AWS defines, versions 2 through 11,
// VPC and Transit Gateway (see docs/flowlog-fields.md for the sources).
//
// Each field has a stable id (its index in the catalog), the name used in
// format strings and S3 header lines (`srcaddr`), the version that introduced
// it, how its value is typed once parsed, a one-line meaning, and the name the
// query language knows it by (`srcAddr`).
//
//   const FieldInfo* f = FindField("pkt-srcaddr");
//   f->kind == ValueKind::kAddress; f->insights_name == "pktSrcAddr"
//
// Thread safety: immutable after static initialisation.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace flowlens {

// How a field's value is typed after parsing. Every kind also has a missing
// value (`-` in the text), which is a null, never a zero.
enum class ValueKind : uint8_t {
  kInt,      // unsigned decimal integer within [min_value, max_value]
  kTime,     // unsigned decimal integer: Unix seconds
  kAddress,  // IPv4 or IPv6 address
  kString,   // any text without spaces (ids, enums such as ACCEPT/REJECT)
};

enum class FieldId : uint8_t;  // index into Catalog()

struct FieldInfo {
  FieldId id;
  std::string_view name;  // as in ${name} and in S3 header lines
  int version;            // flow-log version that introduced the field
  ValueKind kind;
  int64_t max_value;               // for kInt: largest valid value
  bool tgw_only;                   // exists only in Transit Gateway flow logs
  std::string_view insights_name;  // field name in queries
  std::string_view meaning;        // one line for `flowlens formats`
};

// All fields, ordered as the AWS documentation's tables (v2 first).
std::span<const FieldInfo> Catalog();

// Looks a field up by its format name; nullptr if there is none.
const FieldInfo* FindField(std::string_view name);

// Looks a field up by the name queries use (srcAddr, logStatus, ...); the
// discoverable-fields names startTime and endTime also find start and end.
const FieldInfo* FindFieldByQueryName(std::string_view name);

// The names of catalog fields closest to `name` (edit distance), best first,
// for "did you mean" messages.
std::vector<std::string_view> CloseFieldNames(std::string_view name, size_t max_results = 3);

// Well-known fields, by id, for code that needs a particular one.
namespace fields {
inline constexpr int kVersion = 0, kAccountId = 1, kInterfaceId = 2, kSrcAddr = 3, kDstAddr = 4,
                     kSrcPort = 5, kDstPort = 6, kProtocol = 7, kPackets = 8, kBytes = 9,
                     kStart = 10, kEnd = 11, kAction = 12, kLogStatus = 13, kVpcId = 14,
                     kSubnetId = 15, kInstanceId = 16, kTcpFlags = 17, kType = 18, kPktSrcAddr = 19,
                     kPktDstAddr = 20, kRegion = 21, kAzId = 22, kSublocationType = 23,
                     kSublocationId = 24, kPktSrcAwsService = 25, kPktDstAwsService = 26,
                     kFlowDirection = 27, kTrafficPath = 28;
}  // namespace fields

}  // namespace flowlens

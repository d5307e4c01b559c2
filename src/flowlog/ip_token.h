// Address tokens of flow-log lines into values, fast: the kernels the text
// scan's record parser (split_record.h) runs on every srcaddr/dstaddr.
//
// Contract: each kernel accepts a token only when IpAddress::Parse
// (common/ip_address.h) accepts it, and then gives the same value. A false
// from ParseIpv6Common means "not decided here" (forms it does not handle: an
// embedded dotted quad, anything malformed): call IpAddress::Parse, which
// decides. tests/unit/ip_token_test.cc and tests/fuzz/record_parser_fuzz.cc
// check them against IpAddress::Parse.
//
//   uint32_t bits;
//   if (HasIpv4Ssse3() && end - p >= 16 && ParseIpv4Ssse3(p, len, &bits)) ...
//
// Why they are fast (bench/record_parser_bench.cc BM_Ipv4, BM_Ipv6):
// - ParseIpv4Ssse3: one 16-byte load classifies the bytes; the dots and the
//   token's end form a pattern that a perfect hash maps to one of the 81
//   octet-length layouts, whose byte shuffle lines the digits up so that two
//   multiply-adds give the four octets; range and leading-zero checks are two
//   compares against the layout's bounds. No branch per byte or per octet.
// - ParseIpv6Common: one pass over the text with a table for hex digits,
//   straight into the 128 bits (the generic parser cuts the text into parts
//   with find and substr, about ten times the instructions).
//
// Thread safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>

#include "common/ip_address.h"

namespace flowlens {

// True when the CPU runs ParseIpv4Ssse3 (checked once).
bool HasIpv4Ssse3();
// Dotted quad as IpAddress::ParseV4 accepts it. Needs 16 readable bytes at p
// and HasIpv4Ssse3().
bool ParseIpv4Ssse3(const char* p, size_t len, uint32_t* out);
// IPv6 text of hex groups with at most one "::" (no dotted quad): true and
// the address when it is valid; false when not decided (see above).
bool ParseIpv6Common(const char* p, size_t len, IpAddress* out);

}  // namespace flowlens

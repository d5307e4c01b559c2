// The address token kernels (flowlog/ip_token.h) against IpAddress::Parse:
// the edges one by one, then every dotted-quad shape and random tokens.
#include "flowlog/ip_token.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "flowlog/split_record.h"

namespace flowlens {
namespace {

// The token in a buffer padded with bytes that look like more of it (so
// that a kernel reading past the token would take them for digits).
struct Padded {
  explicit Padded(const std::string& t) : token(t) {
    buf.assign(t.begin(), t.end());
    buf.resize(t.size() + 32, '1');
  }
  const char* data() const { return buf.data(); }
  std::string token;
  std::vector<char> buf;
};

// Checks both IPv4 kernels and the IPv6 one against IpAddress::Parse.
void ExpectAgrees(const std::string& t) {
  SCOPED_TRACE("token '" + t + "'");
  const std::optional<IpAddress> want = IpAddress::Parse(t);
  const std::optional<IpAddress> want4 = IpAddress::ParseV4(t);
  Padded p(t);
  uint32_t bits = 0;
  EXPECT_EQ(ParseIpv4Fast(p.data(), t.size(), &bits), want4.has_value());
  if (want4) EXPECT_EQ(bits, want4->v4_bits());
  if (HasIpv4Ssse3()) {
    bits = 0;
    EXPECT_EQ(ParseIpv4Ssse3(p.data(), t.size(), &bits), want4.has_value());
    if (want4) EXPECT_EQ(bits, want4->v4_bits());
  }
  IpAddress a;
  if (ParseIpv6Common(p.data(), t.size(), &a)) {
    ASSERT_TRUE(want.has_value()) << "accepted what IpAddress::Parse refuses";
    EXPECT_EQ(a, *want);
  }
}

// True when ParseIpv6Common decides the token itself (no fallback).
bool DecidesV6(const std::string& t) {
  Padded p(t);
  IpAddress a;
  return ParseIpv6Common(p.data(), t.size(), &a);
}

TEST(IpToken, Ipv4Edges) {
  for (const char* t :
       {"0.0.0.0", "255.255.255.255", "10.0.1.7", "1.2.3.4", "192.168.100.200", "9.99.199.255",
        // leading zeros
        "01.2.3.4", "1.02.3.4", "1.2.003.4", "1.2.3.04", "00.0.0.0", "1.2.3.00",
        // out of range
        "256.1.1.1", "1.1.1.256", "999.1.1.1", "1.300.1.1",
        // shape
        "1.2.3", "1.2.3.4.5", "1..2.3", ".1.2.3", "1.2.3.", "1234.1.1.1", "1.2.3.4444", "1.2.3.4 ",
        " 1.2.3.4", "1.2.3.a", "1.2.3.-", "1.2.3.4/8", "", "1", "1.2.3.4\n", "255.255.255.2555",
        "1.1.1.1.", "1.1.1.11111111"}) {
    ExpectAgrees(t);
  }
}

TEST(IpToken, Ipv4EveryShape) {
  // Every octet length (1..3) in every place, with a leading zero, the
  // largest and a too-large value.
  const char* octets[] = {"0", "7", "10", "99", "09", "100", "255", "256", "010"};
  for (const char* a : octets)
    for (const char* b : octets)
      for (const char* c : octets)
        for (const char* d : octets) {
          ExpectAgrees(std::string(a) + "." + b + "." + c + "." + d);
        }
}

TEST(IpToken, Ipv6Edges) {
  const char* valid[] = {"::",
                         "::1",
                         "1::",
                         "2001:db8::1",
                         "2001:DB8::A:b",
                         "fe80::1:2:3:4",
                         "1:2:3:4:5:6:7:8",
                         "1:2:3:4:5:6:7::",
                         "::2:3:4:5:6:7:8",
                         "1:2:3::6:7:8",
                         "0000:0000:0000:0000:0000:0000:0000:0001",
                         "ffff:FFFF::ffff",
                         "1::8"};
  for (const char* t : valid) {
    ExpectAgrees(t);
    EXPECT_TRUE(DecidesV6(t)) << t;
  }
  // Invalid ones, and embedded dotted quads: never accepted by the kernel
  // (the generic parser decides).
  for (const char* t : {":",
                        ":::",
                        "1:::2",
                        ":1",
                        "1:",
                        "1::2::3",
                        "1:2:3:4:5:6:7:8:9",
                        "1:2:3:4:5:6:7",
                        "1:2:3:4:5:6:7:8::",
                        "::1:2:3:4:5:6:7:8",
                        "12345::1",
                        "g::1",
                        "1:2:3:4:5:6:7:8 ",
                        "::ffff:10.0.0.1",
                        "64:ff9b::192.0.2.33",
                        "1:2:3:4:5:6:1.2.3.4",
                        "::1.2.3",
                        "1::2:",
                        "-",
                        "1.2.3.4"}) {
    ExpectAgrees(t);
    EXPECT_FALSE(DecidesV6(t)) << t;
  }
  // Too long for the kernel (more than 39 bytes): left to the generic parser.
  EXPECT_FALSE(DecidesV6("0000:0000:0000:0000:0000:0000:0000:00001"));
}

TEST(IpToken, RandomTokensAgree) {
  std::mt19937 rng(5);
  const char alphabet[] = "0123456789abcdefABCDEF.:";
  for (int i = 0; i < 200000; ++i) {
    std::string t;
    const int len = static_cast<int>(rng() % 20);
    for (int k = 0; k < len; ++k) t += alphabet[rng() % (sizeof(alphabet) - 1)];
    ExpectAgrees(t);
  }
  // Random valid addresses, formatted canonically and as full groups.
  for (int i = 0; i < 20000; ++i) {
    IpAddress v6 = IpAddress::V6(uint64_t{rng()} << 32 | rng(), rng() % 4 ? 0 : uint64_t{rng()});
    ExpectAgrees(v6.ToString());
    EXPECT_TRUE(DecidesV6(v6.ToString()) || v6.ToString().find('.') != std::string::npos);
    ExpectAgrees(IpAddress::V4(static_cast<uint32_t>(rng())).ToString());
  }
}

}  // namespace
}  // namespace flowlens

#include <gtest/gtest.h>

#include "common/ip_address.h"

namespace flowlens {
namespace {

TEST(IpAddress, ParsesAndFormatsIpv4) {
  auto a = IpAddress::Parse("172.31.16.139");
  ASSERT_TRUE(a);
  EXPECT_FALSE(a->v6);
  EXPECT_EQ(a->v4_bits(), (172u << 24) | (31u << 16) | (16u << 8) | 139u);
  EXPECT_EQ(a->ToString(), "172.31.16.139");
  EXPECT_EQ(IpAddress::Parse("0.0.0.0")->ToString(), "0.0.0.0");
  EXPECT_EQ(IpAddress::Parse("255.255.255.255")->v4_bits(), 0xffffffffu);
  for (const char* bad : {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.04", "1..2.3", "a.b.c.d",
                          "1.2.3.4 ", "-", "1.2.3.", "01.2.3.4", "1.2.3.1234"}) {
    EXPECT_FALSE(IpAddress::Parse(bad)) << bad;
  }
}

TEST(IpAddress, ParsesAndFormatsIpv6) {
  struct Case {
    const char* in;
    const char* out;
  } cases[] = {
      {"2001:db8:1234:a100:8d6e:3477:df66:f105", "2001:db8:1234:a100:8d6e:3477:df66:f105"},
      {"::", "::"},
      {"::1", "::1"},
      {"1::", "1::"},
      {"2001:DB8::1", "2001:db8::1"},
      {"2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"},
      {"2001:db8:0:1:0:0:0:1", "2001:db8:0:1::1"},
      {"2001:0:0:1:0:0:0:1", "2001:0:0:1::1"},
      {"1:0:0:2:0:0:0:3", "1:0:0:2::3"},
      {"::ffff:10.0.0.1", "::ffff:a00:1"},
      {"fe80::1:2", "fe80::1:2"},
      {"1:2:3:4:5:6:7:0", "1:2:3:4:5:6:7:0"},
  };
  for (const Case& c : cases) {
    auto a = IpAddress::Parse(c.in);
    ASSERT_TRUE(a) << c.in;
    EXPECT_TRUE(a->v6);
    EXPECT_EQ(a->ToString(), c.out) << c.in;
    EXPECT_EQ(*IpAddress::Parse(a->ToString()), *a);
  }
  for (const char* bad : {":", ":::", "1:2:3:4:5:6:7:8:9", "1::2::3", "12345::", "g::1",
                          "1:2:3:4:5:6:7", "1:2:3:4:5:6:7:8::", ":1:2", "1:", "::1.2.3"}) {
    EXPECT_FALSE(IpAddress::Parse(bad)) << bad;
  }
}

TEST(IpSubnet, ContainsAndNormalises) {
  auto net = IpSubnet::Parse("10.0.0.5/16");
  ASSERT_TRUE(net);
  EXPECT_EQ(net->ToString(), "10.0.0.0/16");
  EXPECT_TRUE(net->Contains(*IpAddress::Parse("10.0.255.1")));
  EXPECT_FALSE(net->Contains(*IpAddress::Parse("10.1.0.1")));
  EXPECT_FALSE(net->Contains(*IpAddress::Parse("2001:db8::1")));
  EXPECT_TRUE(IpSubnet::Parse("0.0.0.0/0")->Contains(*IpAddress::Parse("8.8.8.8")));
  auto v6 = IpSubnet::Parse("2001:db8::/32");
  EXPECT_TRUE(v6->Contains(*IpAddress::Parse("2001:db8:1234::1")));
  EXPECT_FALSE(v6->Contains(*IpAddress::Parse("2001:db9::1")));
  EXPECT_TRUE(IpSubnet::Parse("2001:db8::1/128")->Contains(*IpAddress::Parse("2001:db8::1")));
  EXPECT_TRUE(IpSubnet::Parse("2001:db8::/100")->Contains(*IpAddress::Parse("2001:db8::fff")));
  for (const char* bad : {"10.0.0.0", "10.0.0.0/33", "10.0.0.0/", "x/8", "::/129", "1.2.3.4/-1"}) {
    EXPECT_FALSE(IpSubnet::Parse(bad)) << bad;
  }
}

TEST(IpAddress, Classes) {
  EXPECT_TRUE(IsPrivateAddress(*IpAddress::Parse("10.1.2.3")));
  EXPECT_TRUE(IsPrivateAddress(*IpAddress::Parse("172.31.0.1")));
  EXPECT_FALSE(IsPrivateAddress(*IpAddress::Parse("172.32.0.1")));
  EXPECT_TRUE(IsPrivateAddress(*IpAddress::Parse("192.168.9.9")));
  EXPECT_TRUE(IsReservedAddress(*IpAddress::Parse("127.0.0.1")));
  EXPECT_TRUE(IsReservedAddress(*IpAddress::Parse("203.0.113.12")));
  EXPECT_TRUE(IsPublicAddress(*IpAddress::Parse("52.213.180.42")));
  EXPECT_FALSE(IsPublicAddress(*IpAddress::Parse("10.0.0.1")));
}

}  // namespace
}  // namespace flowlens

// IP address functions. Arguments may be address values or text; anything
// that is not a valid address (VPC "-", a missing field) makes a predicate
// false. CIDR arguments are parsed once per call site.
#include "query/functions/function_families.h"

namespace flowlens::query::scalar {
namespace {

enum class Family { kAny, kV4, kV6 };

std::optional<IpAddress> ArgAddress(const Value& v) {
  if (v.type == ValueType::kAddress) return v.ip;
  if (v.type == ValueType::kString) return IpAddress::Parse(v.s);
  return std::nullopt;
}

bool InFamily(const IpAddress& a, Family f) {
  return f == Family::kAny || (f == Family::kV6) == a.v6;
}

struct SubnetState final : CallState {
  std::string text;
  std::optional<IpSubnet> subnet;
  bool parsed = false;
};

// The subnet of a CIDR argument, reparsed only when its text changes.
std::optional<IpSubnet> ArgSubnet(const Value& v, CallContext& ctx) {
  if (v.type != ValueType::kString) return std::nullopt;
  std::unique_ptr<CallState> local;
  SubnetState& st = StateAs<SubnetState>(ctx, &local);
  if (!st.parsed || st.text != v.s) {
    st.text.assign(v.s);
    st.subnet = IpSubnet::Parse(v.s);
    st.parsed = true;
  }
  return st.subnet;
}

Value Valid(Args a, Family f) {
  std::optional<IpAddress> ip = ArgAddress(a[0]);
  return Value::Bool(ip && InFamily(*ip, f));
}

Value InSubnet(Args a, CallContext& ctx, Family f) {
  std::optional<IpAddress> ip = ArgAddress(a[0]);
  if (!ip || !InFamily(*ip, f)) return Value::Bool(false);
  std::optional<IpSubnet> net = ArgSubnet(a[1], ctx);
  return Value::Bool(net && InFamily(net->base, f) && net->Contains(*ip));
}

}  // namespace

Value IsValidIp(Args a, CallContext&) {
  return Valid(a, Family::kAny);
}
Value IsValidIpV4(Args a, CallContext&) {
  return Valid(a, Family::kV4);
}
Value IsValidIpV6(Args a, CallContext&) {
  return Valid(a, Family::kV6);
}

Value IsIpInSubnet(Args a, CallContext& ctx) {
  return InSubnet(a, ctx, Family::kAny);
}
Value IsIpv4InSubnet(Args a, CallContext& ctx) {
  return InSubnet(a, ctx, Family::kV4);
}
Value IsIpv6InSubnet(Args a, CallContext& ctx) {
  return InSubnet(a, ctx, Family::kV6);
}

Value Ipv4ToNumber(Args a, CallContext&) {
  std::optional<IpAddress> ip = ArgAddress(a[0]);
  if (!ip || ip->v6) return Value::Null();
  return Value::Int(ip->v4_bits());
}

Value IsPrivateIp(Args a, CallContext&) {
  std::optional<IpAddress> ip = ArgAddress(a[0]);
  return Value::Bool(ip && IsPrivateAddress(*ip));
}

Value IsPublicIp(Args a, CallContext&) {
  std::optional<IpAddress> ip = ArgAddress(a[0]);
  return Value::Bool(ip && IsPublicAddress(*ip));
}

Value IsReservedIp(Args a, CallContext&) {
  std::optional<IpAddress> ip = ArgAddress(a[0]);
  return Value::Bool(ip && IsReservedAddress(*ip));
}

}  // namespace flowlens::query::scalar

#include "flowlog/generator_world.h"

#include <unordered_set>

namespace flowlens::gen {
namespace {

constexpr uint64_t kStreamWorld = 1;

struct ServiceRange {
  const char* cidr;
  const char* name;
};
// A few real us-east-1 ranges from ip-ranges.json, one per service we use.
constexpr ServiceRange kServiceRanges[] = {
    {"52.216.0.0/15", "S3"},
    {"3.218.180.0/22", "DYNAMODB"},
    {"44.192.0.0/11", "EC2"},
    {"13.32.0.0/15", "CLOUDFRONT"},
    {"107.23.255.0/26", "ROUTE53_HEALTHCHECKS"},
};
constexpr int kServiceCount = sizeof(kServiceRanges) / sizeof(kServiceRanges[0]);

const std::vector<IpSubnet>& ServiceSubnets() {
  static const std::vector<IpSubnet> kSubnets = [] {
    std::vector<IpSubnet> v;
    for (const ServiceRange& r : kServiceRanges) v.push_back(*IpSubnet::Parse(r.cidr));
    return v;
  }();
  return kSubnets;
}

uint8_t ServiceOf(const IpAddress& a) {
  const std::vector<IpSubnet>& s = ServiceSubnets();
  for (int i = 0; i < kServiceCount; ++i) {
    if (s[i].Contains(a)) return static_cast<uint8_t>(i + 1);
  }
  return 0;
}

std::string Hex(Rng& rng, int digits) {
  static const char kHex[] = "0123456789abcdef";
  std::string s;
  while (static_cast<int>(s.size()) < digits) {
    uint64_t v = rng.Next();
    for (int i = 0; i < 16 && static_cast<int>(s.size()) < digits; ++i, v >>= 4) {
      s.push_back(kHex[v & 15]);
    }
  }
  return s;
}

// AWS resource ids: a prefix, "0" and 16 hex digits.
std::string AwsId(Rng& rng, const char* prefix) {
  return std::string(prefix) + "-0" + Hex(rng, 16);
}

std::string TwoDigits(int v) {
  return (v < 10 ? "0" : "") + std::to_string(v);
}

// Builds the world in a fixed order; every draw comes from one stream.
class Builder {
 public:
  Builder(World& w, uint64_t seed) : w_(w), rng_(seed, kStreamWorld) {}

  void Layout() {
    w_.vpc_id = AwsId(rng_, "vpc");
    w_.flow_log_id = AwsId(rng_, "fl");
    w_.nat_gateway_id = AwsId(rng_, "nat");
    w_.az_ids = {"use1-az1", "use1-az2", "use1-az4"};
    w_.cidr = *IpSubnet::Parse("10.0.0.0/16");
    const uint64_t v6_hi =
        0x26001f1800000000ULL | (rng_.Below(0x10000) << 16) | (rng_.Below(0x100) << 8);
    w_.cidr6 = IpSubnet{IpAddress::V6(v6_hi, 0), 56};
    // Per AZ: public 10.0.{1,2,3}.0/24 (with IPv6), app 10.0.{11,12,13}.0/24,
    // data 10.0.{21,22,23}.0/24, Kubernetes 10.0.{32,48,64}.0/20.
    for (int az = 0; az < 3; ++az) {
      AddSubnet(az, Tier::kPublic, (1 + az) << 8, 24,
                IpSubnet{IpAddress::V6(v6_hi | (az + 1), 0), 64});
      AddSubnet(az, Tier::kApp, (11 + az) << 8, 24, {});
      AddSubnet(az, Tier::kData, (21 + az) << 8, 24, {});
      AddSubnet(az, Tier::kK8s, (32 + 16 * az) << 8, 20, {});
    }
    AddInterface(Role::kNatGateway, SubnetOf(0, Tier::kPublic), "nat-gateway");
    for (int az = 0; az < 3; ++az) {
      for (int i = 0; i < 2; ++i)
        AddInterface(Role::kLoadBalancer, SubnetOf(az, Tier::kPublic), "lb");
      if (az < 2) AddInterface(Role::kBastion, SubnetOf(az, Tier::kPublic), "bastion");
      for (int i = 0; i < 4; ++i)
        AddInterface(Role::kWebPublic, SubnetOf(az, Tier::kPublic), "web");
      for (int i = 0; i < 20; ++i) AddInterface(Role::kApp, SubnetOf(az, Tier::kApp), "app");
      for (int i = 0; i < 10; ++i) AddInterface(Role::kBatch, SubnetOf(az, Tier::kApp), "batch");
      for (int i = 0; i < 2; ++i) AddInterface(Role::kDatabase, SubnetOf(az, Tier::kData), "pg");
      for (int i = 0; i < 2; ++i) AddInterface(Role::kCache, SubnetOf(az, Tier::kData), "redis");
      AddInterface(Role::kDns, SubnetOf(az, Tier::kData), "dns");
      for (int i = 0; i < 50; ++i)
        AddInterface(Role::kK8sNode, SubnetOf(az, Tier::kK8s), "k8s-node");
    }
  }

  void Internet() {
    w_.reserved.clear();
    for (const char* c :
         {"45.155.205.0/24", "218.92.0.0/24", "194.165.16.0/24", "185.243.115.0/24",
          "140.82.112.0/24", "92.63.197.0/24", "193.142.146.0/24", "5.188.206.0/24"}) {
      w_.reserved.push_back(*IpSubnet::Parse(c));
    }
    w_.clients4 = V4Pool(50000, /*ec2_share_per_million=*/30000);
    w_.clients6 = V6Pool(5000);
    w_.scanners = V4Pool(20000, 20000);
    w_.destinations = V4Pool(5000, 0);
    w_.destinations6 = V6Pool(500);
    w_.s3 = RangePool("52.216.0.0/15", 256);
    w_.dynamodb = RangePool("3.218.180.0/22", 64);
    w_.cloudfront = RangePool("13.32.0.0/15", 128);
    w_.healthchecks = RangePool("107.23.255.0/26", 16);
    w_.admins = V4Pool(4, 0);
    w_.clients_zipf = ZipfTable(w_.clients4.count);
    w_.scanners_zipf = ZipfTable(w_.scanners.count);
    w_.destinations_zipf = ZipfTable(w_.destinations.count);
  }

 private:
  void AddSubnet(int az, Tier tier, uint32_t third_octet_bits, int prefix, IpSubnet v6) {
    Subnet s;
    s.id = AwsId(rng_, "subnet");
    s.cidr = IpSubnet{IpAddress::V4((10u << 24) | third_octet_bits), prefix};
    s.cidr6 = v6;
    s.az = az;
    s.tier = tier;
    w_.subnets.push_back(std::move(s));
    next_host_.push_back(10);
  }

  int SubnetOf(int az, Tier tier) const {
    for (size_t i = 0; i < w_.subnets.size(); ++i) {
      if (w_.subnets[i].az == az && w_.subnets[i].tier == tier) return static_cast<int>(i);
    }
    return 0;
  }

  // The next free address of the subnet, in small random steps, skipping
  // x.x.x.0 and x.x.x.255 (valid inside a /20, but they look like mistakes).
  IpAddress NextHost(int subnet) {
    uint32_t bits;
    do {
      bits = w_.subnets[subnet].cidr.base.v4_bits() + next_host_[subnet];
      next_host_[subnet] += static_cast<uint32_t>(rng_.Range(1, 3));
    } while ((bits & 0xff) == 0 || (bits & 0xff) == 255);
    return IpAddress::V4(bits);
  }

  void AddInterface(Role role, int subnet, const char* base_name) {
    const int index = static_cast<int>(w_.interfaces.size());
    int& seq = role_seq_[static_cast<int>(role)];
    ++seq;
    Interface f;
    f.role = role;
    f.subnet = subnet;
    f.az = w_.subnets[subnet].az;
    f.eni_id = AwsId(rng_, "eni");
    const bool managed = role == Role::kNatGateway || role == Role::kLoadBalancer;
    f.instance_id = managed ? "-" : AwsId(rng_, "i");
    f.name = std::string(base_name) + (role == Role::kNatGateway ? "" : "-" + TwoDigits(seq));
    f.interface_type = role == Role::kNatGateway     ? "nat_gateway"
                       : role == Role::kLoadBalancer ? "network_load_balancer"
                                                     : "-";
    f.resource_id = role == Role::kNatGateway ? w_.nat_gateway_id : w_.vpc_id;
    f.ep4 = AddEndpoint(w_, NextHost(subnet), index);
    const Subnet& sn = w_.subnets[subnet];
    if (sn.cidr6.prefix_length != 0 && role != Role::kNatGateway) {
      f.ep6 = static_cast<int32_t>(
          AddEndpoint(w_, IpAddress::V6(sn.cidr6.base.hi, rng_.Next()), index));
    }
    if (role == Role::kK8sNode) {
      f.pod_count = static_cast<uint32_t>(rng_.Range(6, 10));
      f.pod_first = static_cast<uint32_t>(w_.endpoints.size());
      for (uint32_t p = 0; p < f.pod_count; ++p) AddEndpoint(w_, NextHost(subnet), index);
    }
    SetTags(f, seq);
    f.ecs.fill("-");
    if (role == Role::kApp && seq <= 24) SetEcs(f, seq);
    w_.by_role[static_cast<int>(role)].push_back(static_cast<uint16_t>(index));
    w_.interfaces.push_back(std::move(f));
  }

  void SetTags(Interface& f, int seq) {
    static const char* kTeams[] = {"edge",
                                   "edge",
                                   "edge",
                                   "edge",
                                   "payments",
                                   "data%20platform",
                                   "data%20platform",
                                   "platform",
                                   "platform",
                                   "analytics"};
    const bool managed = f.instance_id == "-";
    f.tags[0] = managed ? "-" : f.name;                                   // instance Name
    f.tags[1] = managed ? "-" : (seq % 7 == 0 ? "staging" : "prod");      // instance env
    f.tags[2] = kTeams[static_cast<int>(f.role)];                         // interface team
    f.tags[3] = seq % 3 == 0 ? "cc-" + std::to_string(1000 + seq) : "-";  // interface cost-center
    f.tags[4] = f.role == Role::kK8sNode ? "eks-ng-general-" + w_.az_ids[f.az]
                : f.role == Role::kApp   ? "app-asg"
                : f.role == Role::kBatch ? "batch-asg"
                                         : "-";
    f.tags[5] = f.tags[4] == "-" ? "-" : (seq % 2 ? "blue" : "green");
  }

  void SetEcs(Interface& f, int seq) {
    static const char* kServices[] = {"checkout", "catalog", "search", "auth"};
    const std::string arn = "arn:aws:ecs:" + std::string(w_.region) + ":" + w_.account_id + ":";
    const std::string svc = kServices[seq % 4];
    const std::string ci = Hex(rng_, 32), task = Hex(rng_, 32);
    f.ecs = {arn + "cluster/prod-ecs",
             "prod-ecs",
             arn + "container-instance/prod-ecs/" + ci,
             ci,
             Hex(rng_, 64),
             seq % 2 ? Hex(rng_, 64) : "-",
             svc,
             arn + "task-definition/" + svc + ":" + std::to_string(10 + seq % 5),
             arn + "task/prod-ecs/" + task,
             task};
  }

  bool Fresh(const IpAddress& a) { return seen4_.insert(a.v4_bits()).second; }

  Pool V4Pool(uint32_t n, uint32_t ec2_per_million) {
    static const IpSubnet kEc2 = *IpSubnet::Parse("44.192.0.0/11");
    Pool p{static_cast<uint32_t>(w_.endpoints.size()), n};
    for (uint32_t i = 0; i < n; ++i) {
      IpAddress a;
      do {
        a = rng_.Chance(ec2_per_million)
                ? IpAddress::V4(kEc2.base.v4_bits() + static_cast<uint32_t>(rng_.Below(1u << 21)))
                : RandomInternetV4(w_, rng_);
      } while (!Fresh(a));
      AddEndpoint(w_, a);
    }
    return p;
  }

  Pool V6Pool(uint32_t n) {
    static const uint16_t kPrefixes[] = {0x2a02, 0x2a01, 0x2409, 0x2603, 0x2804, 0x2001};
    Pool p{static_cast<uint32_t>(w_.endpoints.size()), n};
    for (uint32_t i = 0; i < n; ++i) {
      IpAddress a;
      do {
        uint64_t hi = (uint64_t{kPrefixes[rng_.Below(6)]} << 48) | (rng_.Next() >> 16);
        a = IpAddress::V6(hi, rng_.Next());
      } while (!IsPublicAddress(a));
      AddEndpoint(w_, a);
    }
    return p;
  }

  Pool RangePool(const char* cidr, uint32_t n) {
    IpSubnet s = *IpSubnet::Parse(cidr);
    Pool p{static_cast<uint32_t>(w_.endpoints.size()), n};
    const uint64_t size = uint64_t{1} << (32 - s.prefix_length);
    for (uint32_t i = 0; i < n; ++i) {
      IpAddress a;
      do {
        a = IpAddress::V4(s.base.v4_bits() + static_cast<uint32_t>(rng_.Below(size)));
      } while (!Fresh(a));
      AddEndpoint(w_, a);
    }
    return p;
  }

  World& w_;
  Rng rng_;
  std::vector<uint32_t> next_host_;
  int role_seq_[kRoleCount] = {};
  std::unordered_set<uint32_t> seen4_;
};

}  // namespace

std::string_view RoleName(Role role) {
  static constexpr std::string_view kNames[kRoleCount] = {
      "nat_gateway", "load_balancer", "bastion", "web_public", "app",
      "database",    "cache",         "dns",     "k8s_node",   "batch"};
  return kNames[static_cast<int>(role)];
}

std::string_view AwsServiceName(uint8_t service) {
  if (service == 0 || service > kServiceCount) return "-";
  return kServiceRanges[service - 1].name;
}

uint32_t AddEndpoint(World& world, const IpAddress& addr, int32_t iface) {
  world.endpoints.push_back(Endpoint{addr, ServiceOf(addr)});
  world.iface_of_endpoint.push_back(iface);
  return static_cast<uint32_t>(world.endpoints.size() - 1);
}

IpAddress RandomInternetV4(const World& world, Rng& rng) {
  while (true) {
    IpAddress a = IpAddress::V4(static_cast<uint32_t>(rng.Next() >> 32));
    if (!IsPublicAddress(a) || ServiceOf(a) != 0) continue;
    bool reserved = false;
    for (const IpSubnet& s : world.reserved) reserved = reserved || s.Contains(a);
    if (!reserved) return a;
  }
}

World BuildWorld(uint64_t seed, const std::string& account_id) {
  World w;
  w.account_id = account_id;
  Builder b(w, seed);
  b.Layout();
  b.Internet();
  return w;
}

}  // namespace flowlens::gen

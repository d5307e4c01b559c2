// The simulated world of the flow-log generator: one VPC (10.0.0.0/16 plus an
// IPv6 /56) across three availability zones, its network interfaces, and the
// internet around it (clients, scanners, destinations, AWS service ranges).
//
// Every address that can appear in a record is an Endpoint, named by its index
// in World::endpoints, so that per-address counters are plain arrays. The
// world is built once from the seed; string fields (ids, tags, ECS metadata)
// live in it and are what the records' string_views point at.
//
//   World world = BuildWorld(seed, "123456789012");
//   const Interface& nat = world.interfaces[world.by_role[Role::kNatGateway][0]];
//
// Thread safety: immutable after BuildWorld (AddEndpoint is for setup only).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/ip_address.h"
#include "flowlog/generator_random.h"

namespace flowlens::gen {

enum class Role : uint8_t {
  kNatGateway,
  kLoadBalancer,
  kBastion,
  kWebPublic,  // instances with public addresses serving 80/443 directly
  kApp,        // behind the load balancers; some are ECS container instances
  kDatabase,   // PostgreSQL 5432
  kCache,      // Redis 6379
  kDns,        // the VPC's own DNS resolvers, 53/udp
  kK8sNode,    // Kubernetes nodes; pods hold secondary addresses
  kBatch,      // mostly idle workers
};
inline constexpr int kRoleCount = 10;
std::string_view RoleName(Role role);

enum class Tier : uint8_t { kPublic, kApp, kData, kK8s };

// Indexes into the ECS string array of an Interface, in catalog order.
inline constexpr int kEcsFieldCount = 10;

struct Subnet {
  std::string id;
  IpSubnet cidr;
  IpSubnet cidr6;  // prefix_length 0 when the subnet has no IPv6 block
  int az = 0;
  Tier tier = Tier::kApp;
};

struct Interface {
  std::string eni_id;
  std::string instance_id;  // "-" for requester-managed interfaces (NAT gateway, ELB)
  std::string name;
  Role role = Role::kApp;
  int subnet = 0;
  int az = 0;
  uint32_t ep4 = 0;                       // primary private IPv4 address
  int32_t ep6 = -1;                       // IPv6 address, -1 if none
  uint32_t pod_first = 0, pod_count = 0;  // Kubernetes pod addresses (endpoints)
  std::string interface_type;  // v11 interface-type: nat_gateway, network_load_balancer or "-"
  std::string resource_id;
  std::array<std::string, 6>
      tags;  // instance-tag(-2), interface-tag(-2), asg-tag(-2); "-" if unset
  std::array<std::string, kEcsFieldCount> ecs;  // all "-" unless an ECS container instance
};

// An address that can appear in a record, and the AWS service range it is in.
struct Endpoint {
  IpAddress addr;
  uint8_t aws_service = 0;  // index into AwsServiceName(); 0 = not an AWS service
};
std::string_view AwsServiceName(uint8_t service);  // "-" for 0

// A run of endpoint ids: the members of one internet population.
struct Pool {
  uint32_t first = 0, count = 0;
  uint32_t at(uint64_t i) const { return first + static_cast<uint32_t>(i); }
};

struct World {
  std::string account_id, vpc_id, flow_log_id, nat_gateway_id;
  std::string_view region = "us-east-1";
  IpSubnet cidr, cidr6;
  std::vector<std::string> az_ids;  // use1-az1, use1-az2, use1-az4
  std::vector<Subnet> subnets;
  std::vector<Interface> interfaces;
  std::vector<Endpoint> endpoints;
  std::array<std::vector<uint16_t>, kRoleCount> by_role;  // interface indexes per role
  std::vector<int32_t> iface_of_endpoint;                 // owning interface of an address, or -1

  // Internet populations. Zipf tables give the heavy-tailed popularity.
  Pool clients4, clients6, scanners, destinations, destinations6, s3, dynamodb, cloudfront,
      healthchecks, admins;
  ZipfTable clients_zipf{1}, scanners_zipf{1}, destinations_zipf{1};

  // /24 blocks no background address is drawn from: scenario actors live there.
  std::vector<IpSubnet> reserved;

  const std::vector<uint16_t>& role(Role r) const { return by_role[static_cast<int>(r)]; }
  const Endpoint& ep(uint32_t id) const { return endpoints[id]; }
};

World BuildWorld(uint64_t seed, const std::string& account_id);

// Appends an endpoint (classifying its AWS service range) and returns its id.
uint32_t AddEndpoint(World& world, const IpAddress& addr, int32_t iface = -1);

// A random public IPv4 address outside the VPC, the AWS service ranges and the
// reserved blocks.
IpAddress RandomInternetV4(const World& world, Rng& rng);

}  // namespace flowlens::gen

#include "flowlog/field_catalog.h"

#include <algorithm>
#include <array>

namespace flowlens {
namespace {

constexpr int64_t kU8 = 255, kU16 = 65535, kU32 = 4294967295LL, kI64 = INT64_MAX;
using K = ValueKind;

#define F(i, name, ver, kind, max, tgw, iname, meaning)                \
  FieldInfo {                                                          \
    static_cast<FieldId>(i), name, ver, kind, max, tgw, iname, meaning \
  }

// Sources: AWS VPC User Guide "Flow log records" (flow-log-records.html),
// Transit Gateway guide "Flow log records" (tgw-flow-logs.html), and the
// 2026-06 launch notes for version 11 fields.
constexpr std::array kCatalog = {
    F(0, "version", 2, K::kInt, kU8, false, "version",
      "Flow log version: 2 for the default format, else the highest version among the fields"),
    F(1, "account-id", 2, K::kString, 0, false, "accountId",
      "AWS account ID of the owner of the source network interface ('unknown' for some AWS "
      "services)"),
    F(2, "interface-id", 2, K::kString, 0, false, "interfaceId",
      "ID of the network interface whose traffic is recorded"),
    F(3, "srcaddr", 2, K::kAddress, 0, false, "srcAddr",
      "Source address (for outgoing traffic, the interface's private IPv4 or IPv6 address)"),
    F(4, "dstaddr", 2, K::kAddress, 0, false, "dstAddr",
      "Destination address (for incoming traffic, the interface's private IPv4 or IPv6 address)"),
    F(5, "srcport", 2, K::kInt, kU16, false, "srcPort", "Source port"),
    F(6, "dstport", 2, K::kInt, kU16, false, "dstPort", "Destination port"),
    F(7, "protocol", 2, K::kInt, kU8, false, "protocol",
      "IANA protocol number (1 ICMP, 6 TCP, 17 UDP, 58 IPv6-ICMP)"),
    F(8, "packets", 2, K::kInt, kI64, false, "packets", "Packets transferred during the flow"),
    F(9, "bytes", 2, K::kInt, kI64, false, "bytes", "Bytes transferred during the flow"),
    F(10, "start", 2, K::kTime, kI64, false, "start",
      "Unix seconds when the first packet of the flow was seen in the aggregation interval"),
    F(11, "end", 2, K::kTime, kI64, false, "end",
      "Unix seconds when the last packet of the flow was seen in the aggregation interval"),
    F(12, "action", 2, K::kString, 0, false, "action",
      "ACCEPT or REJECT (by security groups or network ACLs)"),
    F(13, "log-status", 2, K::kString, 0, false, "logStatus",
      "OK, NODATA (no traffic in the interval) or SKIPDATA (records were skipped)"),
    F(14, "vpc-id", 3, K::kString, 0, false, "vpcId", "ID of the VPC of the network interface"),
    F(15, "subnet-id", 3, K::kString, 0, false, "subnetId",
      "ID of the subnet of the network interface"),
    F(16, "instance-id", 3, K::kString, 0, false, "instanceId",
      "ID of the instance of the network interface, if you own it ('-' for requester-managed)"),
    F(17, "tcp-flags", 3, K::kInt, kU8, false, "tcpFlags",
      "OR of TCP flags seen in the interval: FIN 1, SYN 2, RST 4, SYN-ACK 18"),
    F(18, "type", 3, K::kString, 0, false, "type", "Traffic type: IPv4, IPv6 or EFA"),
    F(19, "pkt-srcaddr", 3, K::kAddress, 0, false, "pktSrcAddr",
      "Packet-level (original) source address"),
    F(20, "pkt-dstaddr", 3, K::kAddress, 0, false, "pktDstAddr",
      "Packet-level (original) destination address"),
    F(21, "region", 4, K::kString, 0, false, "region", "Region of the network interface"),
    F(22, "az-id", 4, K::kString, 0, false, "azId",
      "Availability Zone ID of the network interface ('-' for sublocations)"),
    F(23, "sublocation-type", 4, K::kString, 0, false, "sublocationType",
      "wavelength, outpost or localzone ('-' otherwise)"),
    F(24, "sublocation-id", 4, K::kString, 0, false, "sublocationId",
      "ID of the sublocation ('-' otherwise)"),
    F(25, "pkt-src-aws-service", 5, K::kString, 0, false, "pktSrcAwsService",
      "AWS service of pkt-srcaddr's address range (S3, EC2, ROUTE53, ...)"),
    F(26, "pkt-dst-aws-service", 5, K::kString, 0, false, "pktDstAwsService",
      "AWS service of pkt-dstaddr's address range"),
    F(27, "flow-direction", 5, K::kString, 0, false, "flowDirection",
      "ingress or egress, relative to the interface"),
    F(28, "traffic-path", 5, K::kInt, kU8, false, "trafficPath",
      "Path of egress traffic: 1 same VPC, 2 IGW or gateway endpoint, 3 VGW, 4 intra-region "
      "peering, 5 inter-region peering, 6 local gateway, 7 gateway endpoint (Nitro), 8 IGW "
      "(Nitro)"),
    F(29, "ecs-cluster-arn", 7, K::kString, 0, false, "ecsClusterArn", "ARN of the ECS cluster"),
    F(30, "ecs-cluster-name", 7, K::kString, 0, false, "ecsClusterName", "Name of the ECS cluster"),
    F(31, "ecs-container-instance-arn", 7, K::kString, 0, false, "ecsContainerInstanceArn",
      "ARN of the ECS container instance ('-' on Fargate)"),
    F(32, "ecs-container-instance-id", 7, K::kString, 0, false, "ecsContainerInstanceId",
      "ID of the ECS container instance ('-' on Fargate)"),
    F(33, "ecs-container-id", 7, K::kString, 0, false, "ecsContainerId",
      "Docker runtime ID of the task's first container"),
    F(34, "ecs-second-container-id", 7, K::kString, 0, false, "ecsSecondContainerId",
      "Docker runtime ID of the task's second container"),
    F(35, "ecs-service-name", 7, K::kString, 0, false, "ecsServiceName",
      "Name of the ECS service that started the task ('-' otherwise)"),
    F(36, "ecs-task-definition-arn", 7, K::kString, 0, false, "ecsTaskDefinitionArn",
      "ARN of the ECS task definition"),
    F(37, "ecs-task-arn", 7, K::kString, 0, false, "ecsTaskArn", "ARN of the ECS task"),
    F(38, "ecs-task-id", 7, K::kString, 0, false, "ecsTaskId", "ID of the ECS task"),
    F(39, "reject-reason", 8, K::kString, 0, false, "rejectReason",
      "Why traffic was rejected: BPA (VPC Block Public Access), '-' otherwise"),
    F(40, "resource-id", 9, K::kString, 0, false, "resourceId",
      "ID of the monitored resource (for example a regional NAT gateway)"),
    F(41, "encryption-status", 10, K::kInt, kU8, false, "encryptionStatus",
      "0 clear text, 1 Nitro L3 encryption, 2 TLS, 3 both ('-' if controls are off)"),
    F(42, "instance-tag", 11, K::kString, 0, false, "instanceTag",
      "Value of the first configured instance tag (percent-encoded)"),
    F(43, "instance-tag-2", 11, K::kString, 0, false, "instanceTag2",
      "Value of the second configured instance tag"),
    F(44, "interface-tag", 11, K::kString, 0, false, "interfaceTag",
      "Value of the first configured network-interface tag"),
    F(45, "interface-tag-2", 11, K::kString, 0, false, "interfaceTag2",
      "Value of the second configured network-interface tag"),
    F(46, "asg-tag", 11, K::kString, 0, false, "asgTag",
      "Value of the first configured Auto Scaling group tag"),
    F(47, "asg-tag-2", 11, K::kString, 0, false, "asgTag2",
      "Value of the second configured Auto Scaling group tag"),
    F(48, "interface-type", 11, K::kString, 0, false, "interfaceType",
      "Type of the capturing interface: nat_gateway, network_load_balancer, transit_gateway, ..."),
    F(49, "next-hop-interface-id", 11, K::kString, 0, false, "nextHopInterfaceId",
      "Next-hop network interface of the flow"),
    F(50, "next-hop-subnet-id", 11, K::kString, 0, false, "nextHopSubnetId",
      "Subnet of the next-hop interface"),
    F(51, "next-hop-az-id", 11, K::kString, 0, false, "nextHopAzId",
      "Availability Zone ID of the next-hop interface"),
    F(52, "next-hop-vpc-id", 11, K::kString, 0, false, "nextHopVpcId",
      "VPC of the next-hop interface"),
    F(53, "next-hop-interface-type", 11, K::kString, 0, false, "nextHopInterfaceType",
      "Type of the next-hop interface"),
    // Transit Gateway flow logs (version 6).
    F(54, "resource-type", 6, K::kString, 0, true, "resourceType", "Always TransitGateway"),
    F(55, "tgw-id", 6, K::kString, 0, true, "tgwId", "ID of the transit gateway"),
    F(56, "tgw-attachment-id", 6, K::kString, 0, true, "tgwAttachmentId",
      "ID of the transit gateway attachment"),
    F(57, "tgw-src-vpc-account-id", 6, K::kString, 0, true, "tgwSrcVpcAccountId",
      "Account ID of the source VPC"),
    F(58, "tgw-dst-vpc-account-id", 6, K::kString, 0, true, "tgwDstVpcAccountId",
      "Account ID of the destination VPC"),
    F(59, "tgw-src-vpc-id", 6, K::kString, 0, true, "tgwSrcVpcId", "ID of the source VPC"),
    F(60, "tgw-dst-vpc-id", 6, K::kString, 0, true, "tgwDstVpcId", "ID of the destination VPC"),
    F(61, "tgw-src-subnet-id", 6, K::kString, 0, true, "tgwSrcSubnetId", "ID of the source subnet"),
    F(62, "tgw-dst-subnet-id", 6, K::kString, 0, true, "tgwDstSubnetId",
      "ID of the destination subnet"),
    F(63, "tgw-src-eni", 6, K::kString, 0, true, "tgwSrcEni",
      "Source transit gateway attachment interface"),
    F(64, "tgw-dst-eni", 6, K::kString, 0, true, "tgwDstEni",
      "Destination transit gateway attachment interface"),
    F(65, "tgw-src-az-id", 6, K::kString, 0, true, "tgwSrcAzId",
      "Availability Zone ID of the source ('-' for sublocations)"),
    F(66, "tgw-dst-az-id", 6, K::kString, 0, true, "tgwDstAzId",
      "Availability Zone ID of the destination"),
    F(67, "tgw-pair-attachment-id", 6, K::kString, 0, true, "tgwPairAttachmentId",
      "The egress or ingress attachment of the flow, depending on its direction"),
    F(68, "packets-lost-no-route", 6, K::kInt, kI64, true, "packetsLostNoRoute",
      "Packets lost because no route matched"),
    F(69, "packets-lost-blackhole", 6, K::kInt, kI64, true, "packetsLostBlackhole",
      "Packets lost to a black-hole route"),
    F(70, "packets-lost-mtu-exceeded", 6, K::kInt, kI64, true, "packetsLostMtuExceeded",
      "Packets lost because they exceeded the MTU"),
    F(71, "packets-lost-ttl-expired", 6, K::kInt, kI64, true, "packetsLostTtlExpired",
      "Packets lost because their time to live expired"),
};
#undef F

static_assert(kU32 > 0);

size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

}  // namespace

std::span<const FieldInfo> Catalog() {
  return kCatalog;
}

const FieldInfo* FindField(std::string_view name) {
  for (const FieldInfo& f : kCatalog) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

const FieldInfo* FindFieldByQueryName(std::string_view name) {
  if (name == "startTime") name = "start";
  if (name == "endTime") name = "end";
  for (const FieldInfo& f : kCatalog) {
    if (f.insights_name == name) return &f;
  }
  return nullptr;
}

std::vector<std::string_view> CloseFieldNames(std::string_view name, size_t max_results) {
  std::vector<std::pair<size_t, std::string_view>> scored;
  for (const FieldInfo& f : kCatalog) {
    size_t d = EditDistance(name, f.name);
    bool contains = f.name.find(name) != std::string_view::npos ||
                    (name.size() >= 3 && name.find(f.name) != std::string_view::npos);
    if (contains) d = std::min<size_t>(d, 1);
    if (d <= std::max<size_t>(2, name.size() / 3)) scored.emplace_back(d, f.name);
  }
  std::stable_sort(scored.begin(), scored.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::string_view> out;
  for (size_t i = 0; i < scored.size() && i < max_results; ++i) out.push_back(scored[i].second);
  return out;
}

}  // namespace flowlens

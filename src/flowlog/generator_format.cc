#include "flowlog/generator_format.h"

#include <string_view>

namespace flowlens::gen {

enum class RecordFormatter::Source : uint8_t {
  kMissing,  // always '-'
  kVersion,
  kAccountId,
  kInterfaceId,
  kSrcAddr,
  kDstAddr,
  kSrcPort,
  kDstPort,
  kProtocol,
  kPackets,
  kBytes,
  kStart,
  kEnd,
  kAction,
  kLogStatus,
  kVpcId,
  kSubnetId,
  kInstanceId,
  kTcpFlags,
  kType,
  kPktSrcAddr,
  kPktDstAddr,
  kRegion,
  kAzId,
  kPktSrcAwsService,
  kPktDstAwsService,
  kFlowDirection,
  kTrafficPath,
  kEcs0,  // kEcs0 + k: the k-th ECS field
  kRejectReason = kEcs0 + kEcsFieldCount,
  kResourceId,
  kEncryptionStatus,
  kTag0,  // kTag0 + k: instance-tag, instance-tag-2, interface-tag, interface-tag-2, asg-tag,
          // asg-tag-2
  kInterfaceType = kTag0 + 6,
  kNextHopInterfaceId,
  kNextHopSubnetId,
  kNextHopAzId,
  kNextHopVpcId,
  kNextHopInterfaceType,
};

namespace {

using S = RecordFormatter::Source;
constexpr S At(S base, int k) {
  return static_cast<S>(static_cast<int>(base) + k);
}

struct Mapping {
  std::string_view field;
  S source;
};
// Every VPC field of the catalog; anything not listed (sublocations, Transit
// Gateway fields) is written as '-'.
constexpr Mapping kMappings[] = {
    {"version", S::kVersion},
    {"account-id", S::kAccountId},
    {"interface-id", S::kInterfaceId},
    {"srcaddr", S::kSrcAddr},
    {"dstaddr", S::kDstAddr},
    {"srcport", S::kSrcPort},
    {"dstport", S::kDstPort},
    {"protocol", S::kProtocol},
    {"packets", S::kPackets},
    {"bytes", S::kBytes},
    {"start", S::kStart},
    {"end", S::kEnd},
    {"action", S::kAction},
    {"log-status", S::kLogStatus},
    {"vpc-id", S::kVpcId},
    {"subnet-id", S::kSubnetId},
    {"instance-id", S::kInstanceId},
    {"tcp-flags", S::kTcpFlags},
    {"type", S::kType},
    {"pkt-srcaddr", S::kPktSrcAddr},
    {"pkt-dstaddr", S::kPktDstAddr},
    {"region", S::kRegion},
    {"az-id", S::kAzId},
    {"pkt-src-aws-service", S::kPktSrcAwsService},
    {"pkt-dst-aws-service", S::kPktDstAwsService},
    {"flow-direction", S::kFlowDirection},
    {"traffic-path", S::kTrafficPath},
    {"ecs-cluster-arn", S::kEcs0},
    {"ecs-cluster-name", At(S::kEcs0, 1)},
    {"ecs-container-instance-arn", At(S::kEcs0, 2)},
    {"ecs-container-instance-id", At(S::kEcs0, 3)},
    {"ecs-container-id", At(S::kEcs0, 4)},
    {"ecs-second-container-id", At(S::kEcs0, 5)},
    {"ecs-service-name", At(S::kEcs0, 6)},
    {"ecs-task-definition-arn", At(S::kEcs0, 7)},
    {"ecs-task-arn", At(S::kEcs0, 8)},
    {"ecs-task-id", At(S::kEcs0, 9)},
    {"reject-reason", S::kRejectReason},
    {"resource-id", S::kResourceId},
    {"encryption-status", S::kEncryptionStatus},
    {"instance-tag", S::kTag0},
    {"instance-tag-2", At(S::kTag0, 1)},
    {"interface-tag", At(S::kTag0, 2)},
    {"interface-tag-2", At(S::kTag0, 3)},
    {"asg-tag", At(S::kTag0, 4)},
    {"asg-tag-2", At(S::kTag0, 5)},
    {"interface-type", S::kInterfaceType},
    {"next-hop-interface-id", S::kNextHopInterfaceId},
    {"next-hop-subnet-id", S::kNextHopSubnetId},
    {"next-hop-az-id", S::kNextHopAzId},
    {"next-hop-vpc-id", S::kNextHopVpcId},
    {"next-hop-interface-type", S::kNextHopInterfaceType},
};

}  // namespace

RecordFormatter::RecordFormatter(const World& world, const Layout& layout)
    : w_(world), layout_(layout), rec_(layout) {
  for (size_t pos = 0; pos < layout.size(); ++pos) {
    Source s = Source::kMissing;
    for (const Mapping& m : kMappings) {
      if (m.field == layout.field(pos).name) s = m.source;
    }
    sources_.push_back(s);
  }
}

// Inlined into Append's loop: one switch per field and no call.
[[gnu::always_inline]] inline void RecordFormatter::Set(size_t pos, Source source, const Rec& r,
                                                        const Interface& f, bool traffic,
                                                        const Interface* hop) {
  // Values that may be '-' go through these; the hot default-format fields
  // (ids, action, log-status, numbers) are set directly.
  auto str = [&](std::string_view v) {
    if (v.size() == 1 && v[0] == '-') {
      rec_.set_missing(pos);
    } else {
      rec_.set_str(pos, v);
    }
  };
  auto num = [&](int64_t v) {
    if (traffic) {
      rec_.set_int(pos, v);
    } else {
      rec_.set_missing(pos);
    }
  };
  auto addr = [&](uint32_t ep) {
    if (traffic) {
      rec_.set_addr(pos, w_.ep(ep).addr);
    } else {
      rec_.set_missing(pos);
    }
  };
  switch (source) {
    case Source::kVersion:
      return rec_.set_int(pos, layout_.version());
    case Source::kAccountId:
      return rec_.set_str(pos, w_.account_id);
    case Source::kInterfaceId:
      return rec_.set_str(pos, f.eni_id);
    case Source::kSrcAddr:
      return addr(r.src);
    case Source::kDstAddr:
      return addr(r.dst);
    case Source::kSrcPort:
      return num(r.sport);
    case Source::kDstPort:
      return num(r.dport);
    case Source::kProtocol:
      return num(r.proto);
    case Source::kPackets:
      return num(static_cast<int64_t>(r.packets));
    case Source::kBytes:
      return num(static_cast<int64_t>(r.bytes));
    case Source::kStart:
      return rec_.set_int(pos, r.start);
    case Source::kEnd:
      return rec_.set_int(pos, r.end);
    case Source::kAction:
      if (r.action == Action::kNone) return rec_.set_missing(pos);
      return rec_.set_str(pos, r.action == Action::kAccept ? "ACCEPT" : "REJECT");
    case Source::kLogStatus:
      return rec_.set_str(pos, r.status == LogStatus::kOk       ? "OK"
                               : r.status == LogStatus::kNoData ? "NODATA"
                                                                : "SKIPDATA");
    case Source::kVpcId:
      return rec_.set_str(pos, w_.vpc_id);
    case Source::kSubnetId:
      return rec_.set_str(pos, w_.subnets[f.subnet].id);
    case Source::kInstanceId:
      return str(f.instance_id);
    case Source::kTcpFlags:
      return num(r.proto == 6 ? r.tcp_flags : 0);
    case Source::kType:
      return str(!traffic ? "-" : w_.ep(r.src).addr.v6 ? "IPv6" : "IPv4");
    case Source::kPktSrcAddr:
      return addr(r.pkt_src);
    case Source::kPktDstAddr:
      return addr(r.pkt_dst);
    case Source::kRegion:
      return rec_.set_str(pos, w_.region);
    case Source::kAzId:
      return rec_.set_str(pos, w_.az_ids[f.az]);
    case Source::kPktSrcAwsService:
      return str(traffic ? AwsServiceName(w_.ep(r.pkt_src).aws_service) : "-");
    case Source::kPktDstAwsService:
      return str(traffic ? AwsServiceName(w_.ep(r.pkt_dst).aws_service) : "-");
    case Source::kFlowDirection:
      return str(r.direction == Direction::kIngress  ? "ingress"
                 : r.direction == Direction::kEgress ? "egress"
                                                     : "-");
    case Source::kTrafficPath:
      if (traffic && r.traffic_path != 0) return rec_.set_int(pos, r.traffic_path);
      return rec_.set_missing(pos);
    case Source::kRejectReason:
      return str(r.reject_bpa ? "BPA" : "-");
    case Source::kResourceId:
      return str(f.resource_id);
    case Source::kEncryptionStatus:
      return num(r.encryption);
    case Source::kInterfaceType:
      return str(f.interface_type);
    case Source::kNextHopInterfaceId:
      return str(hop ? std::string_view(hop->eni_id) : "-");
    case Source::kNextHopSubnetId:
      return str(hop ? std::string_view(w_.subnets[hop->subnet].id) : "-");
    case Source::kNextHopAzId:
      return str(hop ? std::string_view(w_.az_ids[hop->az]) : "-");
    case Source::kNextHopVpcId:
      return str(hop ? std::string_view(w_.vpc_id) : "-");
    case Source::kNextHopInterfaceType:
      return str(hop ? std::string_view(hop->interface_type) : "-");
    default:
      break;
  }
  const int s = static_cast<int>(source);
  if (s >= static_cast<int>(Source::kEcs0) && s < static_cast<int>(Source::kRejectReason)) {
    return str(f.ecs[s - static_cast<int>(Source::kEcs0)]);
  }
  if (s >= static_cast<int>(Source::kTag0) && s < static_cast<int>(Source::kInterfaceType)) {
    return str(f.tags[s - static_cast<int>(Source::kTag0)]);
  }
  rec_.set_missing(pos);
}

void RecordFormatter::Append(const Rec& r, std::string* out) {
  const Interface& f = w_.interfaces[r.iface];
  const bool traffic = r.status == LogStatus::kOk;
  const Interface* hop = traffic && r.next_hop >= 0 ? &w_.interfaces[r.next_hop] : nullptr;
  for (size_t pos = 0; pos < sources_.size(); ++pos) Set(pos, sources_[pos], r, f, traffic, hop);
  WriteRecord(layout_, rec_, out);
}

}  // namespace flowlens::gen

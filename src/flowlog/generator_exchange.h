// Exchanges and the records they leave: how one request/response between two
// parties shows up in the flow logs of every VPC interface it crosses.
//
// A Rec is one flow-log record in generator terms (endpoint ids, interface
// index), independent of any format. An Exchange is one conversation (TCP
// connection, UDP query, ICMP echo) seen over one aggregation window;
// ExpandExchange turns it into 1 to 6 Recs following the AWS rules:
//   * every interface logs what it sends (egress) and receives (ingress);
//   * egress: srcaddr = the interface's own primary address, dstaddr = the
//     packet's destination; ingress: srcaddr = the packet's source, dstaddr =
//     the interface's primary address; pkt-srcaddr/pkt-dstaddr = the packet's;
//   * through the NAT gateway a connection is logged on the client's interface
//     (2 records) and on the NAT gateway's (4 records, source port translated);
//   * a rejected request is logged where it was rejected and gets no response.
//
//   Exchange x = ...;  Rec recs[kMaxRecordsPerExchange];
//   int n = ExpandExchange(world, x, recs);
//
// Thread safety: pure functions over an immutable World.
#pragma once

#include <cstdint>

#include "flowlog/generator_world.h"

namespace flowlens::gen {

enum class LogStatus : uint8_t { kOk, kNoData, kSkipData };
enum class Action : uint8_t { kNone, kAccept, kReject };
enum class Direction : uint8_t { kNone, kIngress, kEgress };

inline constexpr uint32_t kNoEndpoint = 0xffffffffu;

struct Rec {
  int64_t start = 0, end = 0;
  uint64_t packets = 0, bytes = 0;
  uint32_t src = kNoEndpoint, dst = kNoEndpoint;  // srcaddr, dstaddr
  uint32_t pkt_src = kNoEndpoint, pkt_dst = kNoEndpoint;
  uint16_t iface = 0;     // the interface whose log holds the record
  int16_t next_hop = -1;  // v11 next-hop interface, -1 if none
  uint16_t sport = 0, dport = 0;
  uint8_t proto = 0;
  uint8_t tcp_flags = 0;
  LogStatus status = LogStatus::kOk;
  Action action = Action::kNone;
  Direction direction = Direction::kNone;
  uint8_t traffic_path = 0;  // 0 = '-'
  uint8_t encryption = 0;    // encryption-status 0..3
  bool reject_bpa = false;   // reject-reason BPA
};

// One side of an exchange: a VPC interface (iface >= 0) or an internet host.
struct Party {
  int32_t iface = -1;
  uint32_t ep = 0;  // the address in the packets (a pod's own address for pods)
};

struct Exchange {
  Party client, server;
  bool via_nat = false;  // private client to an internet server through the NAT gateway
  uint8_t proto = 6;
  uint16_t sport = 0, dport = 0;
  uint16_t nat_port = 0;  // the NAT gateway's translated source port
  uint64_t req_packets = 1, req_bytes = 40, resp_packets = 1, resp_bytes = 40;
  int64_t start = 0, end = 0;            // request direction
  int64_t resp_start = 0, resp_end = 0;  // response direction
  uint8_t req_flags = 0, resp_flags = 0;
  bool rejected = false;  // the server's security group drops the request
  bool respond = true;    // false: one-way traffic
  bool reject_bpa = false;
};

inline constexpr int kMaxRecordsPerExchange = 6;

// Writes the exchange's records to `out` (room for kMaxRecordsPerExchange) in
// the order they happen and returns how many.
int ExpandExchange(const World& world, const Exchange& x, Rec* out);

// A NODATA or SKIPDATA record of interface `iface` over [start, end].
Rec StatusRecord(uint16_t iface, LogStatus status, int64_t start, int64_t end);

}  // namespace flowlens::gen

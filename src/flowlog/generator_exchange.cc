#include "flowlog/generator_exchange.h"

namespace flowlens::gen {
namespace {

// traffic-path values (egress only).
constexpr uint8_t kPathSameVpc = 1, kPathGatewayEndpoint = 7, kPathInternetGateway = 8;

// One direction of packets of the exchange, as it crosses one place.
struct Leg {
  uint32_t psrc, pdst;  // packet addresses
  uint16_t sport, dport;
  uint64_t packets, bytes;
  int64_t start, end;
  uint8_t flags;
};

class Expander {
 public:
  Expander(const World& w, const Exchange& x, Rec* out) : w_(w), x_(x), out_(out) {}

  int Run() {
    const bool client_vpc = x_.client.iface >= 0, server_vpc = x_.server.iface >= 0;
    const int32_t nat = x_.via_nat ? w_.role(Role::kNatGateway)[0] : -1;
    const uint32_t nat_ep = nat >= 0 ? w_.interfaces[nat].ep4 : 0;
    const uint8_t tls = (x_.sport == 443 || x_.dport == 443) ? 2 : 0;
    enc_ = static_cast<uint8_t>(tls | (client_vpc && server_vpc ? 1 : 0));

    Leg req{x_.client.ep, x_.server.ep, x_.sport, x_.dport,    x_.req_packets,
            x_.req_bytes, x_.start,     x_.end,   x_.req_flags};
    const int32_t client_next = x_.via_nat ? nat : x_.server.iface;
    if (client_vpc) Add(x_.client.iface, Direction::kEgress, req, Action::kAccept, client_next);
    if (x_.via_nat) {
      Add(nat, Direction::kIngress, req, Action::kAccept, x_.client.iface);
      Leg out = req;
      out.psrc = nat_ep;
      out.sport = x_.nat_port;
      Add(nat, Direction::kEgress, out, Action::kAccept, -1);
    }
    if (server_vpc) {
      Add(x_.server.iface, Direction::kIngress, req,
          x_.rejected ? Action::kReject : Action::kAccept, x_.client.iface);
      if (x_.rejected) out_[n_ - 1].reject_bpa = x_.reject_bpa;
    }
    if (x_.rejected || !x_.respond) return n_;

    Leg resp{x_.server.ep,  x_.client.ep,  x_.dport,    x_.sport,     x_.resp_packets,
             x_.resp_bytes, x_.resp_start, x_.resp_end, x_.resp_flags};
    if (server_vpc)
      Add(x_.server.iface, Direction::kEgress, resp, Action::kAccept, x_.client.iface);
    if (x_.via_nat) {
      Leg in = resp;
      in.pdst = nat_ep;
      in.dport = x_.nat_port;
      Add(nat, Direction::kIngress, in, Action::kAccept, -1);
      Add(nat, Direction::kEgress, resp, Action::kAccept, x_.client.iface);
    }
    if (client_vpc) {
      Add(x_.client.iface, Direction::kIngress, resp, Action::kAccept,
          x_.via_nat ? nat : x_.server.iface);
    }
    return n_;
  }

 private:
  // The interface's own address in the family of the exchange.
  uint32_t Primary(int32_t iface, uint32_t like) const {
    const Interface& f = w_.interfaces[iface];
    return w_.ep(like).addr.v6 ? static_cast<uint32_t>(f.ep6) : f.ep4;
  }

  uint8_t PathTo(int32_t next_hop, uint32_t pdst) const {
    if (next_hop >= 0) return kPathSameVpc;
    const std::string_view svc = AwsServiceName(w_.ep(pdst).aws_service);
    if (svc == "S3" || svc == "DYNAMODB") return kPathGatewayEndpoint;
    return kPathInternetGateway;
  }

  void Add(int32_t iface, Direction dir, const Leg& leg, Action action, int32_t next_hop) {
    Rec& r = out_[n_++];
    r = Rec{};
    r.start = leg.start;
    r.end = leg.end;
    r.packets = leg.packets;
    r.bytes = leg.bytes;
    r.pkt_src = leg.psrc;
    r.pkt_dst = leg.pdst;
    if (dir == Direction::kEgress) {
      r.src = Primary(iface, leg.psrc);
      r.dst = leg.pdst;
      r.traffic_path = PathTo(next_hop, leg.pdst);
    } else {
      r.src = leg.psrc;
      r.dst = Primary(iface, leg.pdst);
    }
    r.iface = static_cast<uint16_t>(iface);
    r.next_hop = static_cast<int16_t>(next_hop);
    r.sport = leg.sport;
    r.dport = leg.dport;
    r.proto = x_.proto;
    r.tcp_flags = leg.flags;
    r.status = LogStatus::kOk;
    r.action = action;
    r.direction = dir;
    r.encryption = enc_;
  }

  const World& w_;
  const Exchange& x_;
  Rec* out_;
  int n_ = 0;
  uint8_t enc_ = 0;
};

}  // namespace

int ExpandExchange(const World& world, const Exchange& x, Rec* out) {
  return Expander(world, x, out).Run();
}

Rec StatusRecord(uint16_t iface, LogStatus status, int64_t start, int64_t end) {
  Rec r;
  r.iface = iface;
  r.status = status;
  r.start = start;
  r.end = end;
  return r;
}

}  // namespace flowlens::gen

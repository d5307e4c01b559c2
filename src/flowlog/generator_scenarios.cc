#include "flowlog/generator_scenarios.h"

#include <algorithm>

namespace flowlens::gen {
namespace {

constexpr uint64_t kStreamScenarioBase = 100;
constexpr std::string_view kNames[kScenarioCount] = {
    "port-scan",    "horizontal-sweep", "ssh-brute-force", "rdp-probe",
    "exfiltration", "cross-az",         "nat-heavy"};

// Ports a lateral-movement sweep looks for; none is ever a background port.
constexpr uint16_t kSweepPorts[] = {445, 23, 2375, 3306, 5985, 9200, 27017};

constexpr uint8_t kFin = 1, kSyn = 2, kSynFin = 3, kRst = 4, kSynAck = 18, kSynAckFin = 19;

class Planner {
 public:
  Planner(ScenarioId id, World& w, uint64_t seed, int64_t start, int64_t windows)
      : w_(w),
        rng_(seed, kStreamScenarioBase + static_cast<uint64_t>(id)),
        start_(start),
        windows_(windows) {
    plan_.id = id;
  }

  ScenarioPlan Run() {
    switch (plan_.id) {
      case ScenarioId::kPortScan:
        PortScan();
        break;
      case ScenarioId::kHorizontalSweep:
        Sweep();
        break;
      case ScenarioId::kSshBruteForce:
        SshBruteForce();
        break;
      case ScenarioId::kRdpProbe:
        RdpProbe();
        break;
      case ScenarioId::kExfiltration:
        Exfiltration();
        break;
      case ScenarioId::kCrossAz:
        CrossAz();
        break;
      case ScenarioId::kNatHeavy:
        NatHeavy();
        break;
    }
    return std::move(plan_);
  }

 private:
  // The first window of a scenario `length` windows long, away from the edges.
  int64_t Place(int64_t length) {
    if (length >= windows_) return 0;
    const int64_t margin = windows_ / 24;
    const int64_t lo = std::min(margin, windows_ - length);
    const int64_t hi = std::max(lo, windows_ - length - margin);
    return lo + static_cast<int64_t>(rng_.Below(static_cast<uint64_t>(hi - lo + 1)));
  }
  int64_t WindowStart(int64_t w) const { return start_ + 60 * std::min(w, windows_ - 1); }

  // A fresh address in reserved block `block` (no background traffic there).
  uint32_t ReservedAddress(size_t block) {
    const uint32_t base = w_.reserved[block].base.v4_bits();
    return AddEndpoint(w_, IpAddress::V4(base + static_cast<uint32_t>(rng_.Range(2, 254))));
  }
  Party Pick(Role role) {
    const std::vector<uint16_t>& v = w_.role(role);
    const uint16_t i = v[rng_.Below(v.size())];
    return Party{i, w_.interfaces[i].ep4};
  }
  uint16_t Ephemeral() { return static_cast<uint16_t>(rng_.Range(32768, 60999)); }
  void Actor(std::string role, const Party& p) {
    plan_.actors.push_back({std::move(role), p.ep, p.iface});
  }
  void Param(std::string name, int64_t v) { plan_.parameters.emplace_back(std::move(name), v); }

  void ProbeTimes(Exchange& x, int64_t w) {
    x.start = WindowStart(w) + static_cast<int64_t>(rng_.Below(60));
    x.end = x.resp_start = x.resp_end = x.start;
  }
  void StreamTimes(Exchange& x, int64_t w) {
    x.start = x.resp_start = WindowStart(w) + static_cast<int64_t>(rng_.Below(3));
    x.end = x.resp_end = WindowStart(w) + 57 + static_cast<int64_t>(rng_.Below(3));
  }
  void Emit(const Exchange& x) {
    Rec recs[kMaxRecordsPerExchange];
    const int n = ExpandExchange(w_, x, recs);
    plan_.records.insert(plan_.records.end(), recs, recs + n);
  }
  // A TCP SYN probe from client to server:port; open ports answer SYN-ACK (or RST).
  void Probe(const Party& client, const Party& server, uint16_t sport, uint16_t port, int64_t w,
             bool rejected, uint8_t answer_flags) {
    Exchange x;
    x.client = client;
    x.server = server;
    x.sport = sport;
    x.dport = port;
    ProbeTimes(x, w);
    x.req_packets = rng_.Range(1, 2);
    x.req_bytes = x.req_packets * rng_.Range(40, 60);
    x.req_flags = kSyn;
    x.resp_packets = 1;
    x.resp_bytes = answer_flags == kRst ? 40 : 44;
    x.resp_flags = answer_flags;
    x.rejected = rejected;
    Emit(x);
  }

  void PortScan() {
    const Party attacker{-1, ReservedAddress(0)};
    const Party target = Pick(Role::kWebPublic);
    std::vector<uint16_t> ports(1024);
    for (size_t i = 0; i < ports.size(); ++i) ports[i] = static_cast<uint16_t>(i + 1);
    for (size_t i = ports.size() - 1; i > 0; --i) std::swap(ports[i], ports[rng_.Below(i + 1)]);
    ports.resize(rng_.Range(520, 900));
    for (size_t i = 0, n = ports.size(); i < n; ++i) {
      if (rng_.Chance(30000)) ports.push_back(ports[i]);  // retries at the end
    }
    const int64_t rate = static_cast<int64_t>(rng_.Range(80, 200));
    const int64_t len = (static_cast<int64_t>(ports.size()) + rate - 1) / rate;
    const int64_t w0 = Place(len);
    const uint16_t sport = Ephemeral();
    for (size_t i = 0; i < ports.size(); ++i) {
      const bool open = ports[i] == 80 || ports[i] == 443;
      Probe(attacker, target, sport, ports[i], w0 + static_cast<int64_t>(i) / rate, !open, kSynAck);
    }
    plan_.description = "vertical port scan: one internet source probes many ports of one instance";
    plan_.selector = {Selector::Kind::kAddress, attacker.ep};
    plan_.forward = {attacker.ep, kNoEndpoint, 0};
    Actor("attacker", attacker);
    Actor("target", target);
    Param("source_port", sport);
    Param("probes_per_minute", rate);
  }

  void Sweep() {
    const Party source = Pick(Role::kApp);
    const uint16_t port = kSweepPorts[rng_.Below(std::size(kSweepPorts))];
    std::vector<uint16_t> hosts;
    for (size_t i = 0; i < w_.interfaces.size(); ++i) {
      const Role r = w_.interfaces[i].role;
      if (static_cast<int32_t>(i) != source.iface && r != Role::kNatGateway &&
          r != Role::kLoadBalancer) {
        hosts.push_back(static_cast<uint16_t>(i));
      }
    }
    for (size_t i = hosts.size() - 1; i > 0; --i) std::swap(hosts[i], hosts[rng_.Below(i + 1)]);
    hosts.resize(std::min<size_t>(hosts.size(), rng_.Range(110, 170)));
    const int64_t rate = static_cast<int64_t>(rng_.Range(10, 25));
    const int64_t w0 = Place((static_cast<int64_t>(hosts.size()) + rate - 1) / rate);
    for (size_t i = 0; i < hosts.size(); ++i) {
      const Party target{hosts[i], w_.interfaces[hosts[i]].ep4};
      const bool accepted = rng_.Chance(50000);  // allowed, but nothing listens: RST
      Probe(source, target, Ephemeral(), port, w0 + static_cast<int64_t>(i) / rate, !accepted,
            kRst);
    }
    plan_.description = "horizontal sweep: one internal instance probes one port across the VPC";
    plan_.selector = {Selector::Kind::kAddressPort, source.ep, kNoEndpoint, port};
    plan_.forward = {source.ep, kNoEndpoint, port};
    Actor("source", source);
    Param("port", port);
    Param("hosts_per_minute", rate);
  }

  void SshBruteForce() {
    const Party attacker{-1, ReservedAddress(1)};
    const Party target = Pick(Role::kBastion);
    const int64_t connections = static_cast<int64_t>(rng_.Range(300, 700));
    const int64_t len = static_cast<int64_t>(rng_.Range(20, 60));
    const int64_t w0 = Place(len);
    for (int64_t i = 0; i < connections; ++i) {
      Exchange x;
      x.client = attacker;
      x.server = target;
      x.sport = Ephemeral();
      x.dport = 22;
      ProbeTimes(x, w0 + i * len / connections);
      x.end = x.resp_end = std::min(WindowStart(w0 + i * len / connections) + 59,
                                    x.start + static_cast<int64_t>(rng_.Range(1, 6)));
      x.req_packets = rng_.Range(12, 30);
      x.req_bytes = x.req_packets * rng_.Range(70, 140);
      x.resp_packets = rng_.Range(10, 25);
      x.resp_bytes = x.resp_packets * rng_.Range(90, 300);
      x.req_flags = kSynFin;
      x.resp_flags = kSynAckFin;
      Emit(x);
    }
    plan_.description =
        "SSH brute force: one internet source, many connections to port 22 of a bastion";
    plan_.selector = {Selector::Kind::kAddress, attacker.ep};
    plan_.forward = {attacker.ep, kNoEndpoint, 22};
    Actor("attacker", attacker);
    Actor("target", target);
    Param("port", 22);
  }

  void RdpProbe() {
    const Party attacker{-1, ReservedAddress(2)};
    std::vector<Party> targets;
    for (Role r : {Role::kWebPublic, Role::kBastion}) {
      for (uint16_t i : w_.role(r)) targets.push_back(Party{i, w_.interfaces[i].ep4});
    }
    const int rounds = static_cast<int>(rng_.Range(3, 6));
    std::vector<int64_t> offsets{0};
    for (int i = 1; i < rounds; ++i)
      offsets.push_back(offsets.back() + static_cast<int64_t>(rng_.Range(5, 30)));
    const int64_t w0 = Place(offsets.back() + 1);
    for (int64_t off : offsets) {
      for (const Party& t : targets) Probe(attacker, t, Ephemeral(), 3389, w0 + off, true, 0);
    }
    plan_.description = "RDP probing: one internet source knocks on port 3389 of every public host";
    plan_.selector = {Selector::Kind::kAddress, attacker.ep};
    plan_.forward = {attacker.ep, kNoEndpoint, 3389};
    Actor("attacker", attacker);
    for (const Party& t : targets) Actor("target", t);
    Param("port", 3389);
    Param("rounds", rounds);
  }

  void Exfiltration() {
    const Party source = Pick(Role::kWebPublic);
    const Party dest{-1, ReservedAddress(3)};
    const int64_t len = static_cast<int64_t>(rng_.Range(8, 20));
    const int streams = static_cast<int>(rng_.Range(1, 3));
    std::vector<uint16_t> ports;
    for (int s = 0; s < streams; ++s) ports.push_back(Ephemeral());
    const int64_t w0 = Place(len);
    for (int64_t w = 0; w < len; ++w) {
      for (uint16_t sport : ports) {
        Exchange x;
        x.client = source;
        x.server = dest;
        x.sport = sport;
        x.dport = 443;
        StreamTimes(x, w0 + w);
        x.req_packets = rng_.Range(150000, 400000);
        x.req_bytes = x.req_packets * rng_.Range(1380, 1460) + rng_.Below(x.req_packets);
        x.resp_packets = x.req_packets / 2 + rng_.Below(1000);
        x.resp_bytes = x.resp_packets * rng_.Range(52, 66);
        const bool first = w == 0, last = w == len - 1;
        x.req_flags = static_cast<uint8_t>((first ? kSyn : 0) | (last ? kFin : 0));
        x.resp_flags = static_cast<uint8_t>((first ? kSynAck : 0) | (last ? kFin : 0));
        Emit(x);
      }
    }
    plan_.description =
        "data exfiltration: one public instance uploads gigabytes to one internet address";
    plan_.selector = {Selector::Kind::kAddress, dest.ep};
    plan_.forward = {source.ep, dest.ep, 0};
    Actor("source", source);
    Actor("destination", dest);
    Param("port", 443);
    Param("streams", streams);
  }

  void CrossAz() {
    const Party primary = Pick(Role::kDatabase);
    Party replica;
    do {
      replica = Pick(Role::kDatabase);
    } while (w_.interfaces[replica.iface].az == w_.interfaces[primary.iface].az);
    const int64_t len = static_cast<int64_t>(rng_.Range(120, 240));
    const int64_t w0 = Place(len);
    const uint16_t sport = Ephemeral();
    for (int64_t w = 0; w < len; ++w) {
      Exchange x;
      x.client = replica;  // the replica streams WAL from the primary
      x.server = primary;
      x.sport = sport;
      x.dport = 5432;
      StreamTimes(x, w0 + w);
      x.req_packets = rng_.Range(2000, 6000);
      x.req_bytes = x.req_packets * rng_.Range(60, 90);
      x.resp_packets = rng_.Range(20000, 60000);
      x.resp_bytes = x.resp_packets * rng_.Range(1300, 1448) + rng_.Below(x.resp_packets);
      x.req_flags = w == 0 ? kSyn : 0;
      x.resp_flags = w == 0 ? kSynAck : 0;
      Emit(x);
    }
    plan_.description =
        "heavy cross-AZ traffic: database replication between two availability zones";
    plan_.selector = {Selector::Kind::kPair, primary.ep, replica.ep};
    plan_.forward = {primary.ep, replica.ep, 0};
    Actor("primary", primary);
    Actor("replica", replica);
    Param("port", 5432);
  }

  void NatHeavy() {
    const Party dest{-1, ReservedAddress(4)};
    const uint16_t nat = w_.role(Role::kNatGateway)[0];
    const Party nat_party{nat, w_.interfaces[nat].ep4};
    std::vector<Party> clients;
    const size_t n = rng_.Range(3, 6);
    while (clients.size() < n) {
      Party c = Pick(rng_.Chance(600000) ? Role::kK8sNode : Role::kBatch);
      bool dup = false;
      for (const Party& o : clients) dup = dup || o.iface == c.iface;
      if (!dup) clients.push_back(c);
    }
    const int64_t len = static_cast<int64_t>(rng_.Range(20, 45));
    const int64_t w0 = Place(len);
    for (int64_t w = 0; w < len; ++w) {
      for (const Party& c : clients) {
        for (uint64_t k = rng_.Range(1, 2); k > 0; --k) {
          Exchange x;
          x.client = c;
          x.server = dest;
          x.via_nat = true;
          x.sport = Ephemeral();
          x.nat_port = Ephemeral();
          x.dport = 443;
          StreamTimes(x, w0 + w);
          x.req_packets = rng_.Range(20, 200);
          x.req_bytes = x.req_packets * rng_.Range(80, 400);
          x.resp_packets = rng_.Range(2000, 20000);
          x.resp_bytes = x.resp_packets * rng_.Range(1200, 1448) + rng_.Below(x.resp_packets);
          x.req_flags = kSynFin;
          x.resp_flags = kSynAckFin;
          Emit(x);
        }
      }
    }
    plan_.description =
        "NAT gateway traffic to one destination: private instances download through the NAT";
    plan_.selector = {Selector::Kind::kAddress, dest.ep, kNoEndpoint, 0, /*match_pkt=*/true};
    plan_.forward = {nat_party.ep, dest.ep, 0};
    Actor("destination", dest);
    Actor("nat_gateway", nat_party);
    for (const Party& c : clients) Actor("client", c);
    Param("port", 443);
  }

  World& w_;
  Rng rng_;
  int64_t start_, windows_;
  ScenarioPlan plan_;
};

}  // namespace

std::string_view ScenarioName(ScenarioId id) {
  return kNames[static_cast<int>(id)];
}

std::optional<ScenarioId> FindScenario(std::string_view name) {
  for (int i = 0; i < kScenarioCount; ++i) {
    if (kNames[i] == name) return static_cast<ScenarioId>(i);
  }
  return std::nullopt;
}

bool Selector::MatchesByAddress(const Rec& r) const {
  switch (kind) {
    case Kind::kAddress:
      return r.src == a || r.dst == a;
    case Kind::kAddressPort:
      return (r.src == a && r.dport == port) || (r.dst == a && r.sport == port);
    case Kind::kPair:
      return (r.src == a && r.dst == b) || (r.src == b && r.dst == a);
  }
  return false;
}

bool Selector::Matches(const Rec& r) const {
  if (MatchesByAddress(r)) return true;
  return kind == Kind::kAddress && match_pkt && (r.pkt_src == a || r.pkt_dst == a);
}

ScenarioPlan PlanScenario(ScenarioId id, World& world, uint64_t seed, int64_t start,
                          int64_t windows) {
  return Planner(id, world, seed, start, windows).Run();
}

}  // namespace flowlens::gen

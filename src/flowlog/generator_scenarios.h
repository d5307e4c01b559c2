// Scenarios: incidents injected into the background traffic at seeded times,
// each with the selector a query uses to find exactly its records.
//
//   port-scan         one internet source probes > 500 ports of one instance (mostly REJECT)
//   horizontal-sweep  one internal instance probes one port on > 100 hosts (lateral movement)
//   ssh-brute-force   one internet source opens hundreds of SSH connections to a bastion
//   rdp-probe         one internet source knocks on 3389 of every public host (REJECT)
//   exfiltration      one public instance sends gigabytes to one internet address in minutes
//   cross-az          PostgreSQL replication between two databases in different AZs
//   nat-heavy         private instances pull from one internet address through the NAT gateway
//
// A scenario is planned before any record is written: PlanScenario returns
// all its records (each inside one 60-second window) so that the background
// budget can be N minus their count. Selectors are exact because scenario
// actors never appear in background traffic: internet actors come from
// World::reserved, the sweep port is never a background port, and background
// traffic never flows between two databases.
//
//   ScenarioPlan p = PlanScenario(ScenarioId::kPortScan, world, seed, start, windows);
//   bool mine = p.selector.Matches(rec);
//
// Thread safety: plain values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "flowlog/generator_exchange.h"
#include "flowlog/generator_world.h"

namespace flowlens::gen {

enum class ScenarioId : uint8_t {
  kPortScan,
  kHorizontalSweep,
  kSshBruteForce,
  kRdpProbe,
  kExfiltration,
  kCrossAz,
  kNatHeavy,
};
inline constexpr int kScenarioCount = 7;

std::string_view ScenarioName(ScenarioId id);
std::optional<ScenarioId> FindScenario(std::string_view name);

// Which records belong to a scenario, in terms of the written fields.
struct Selector {
  enum class Kind : uint8_t {
    kAddress,      // srcaddr = a or dstaddr = a (or pkt-srcaddr/pkt-dstaddr = a when match_pkt)
    kAddressPort,  // (srcaddr = a and dstport = port) or (dstaddr = a and srcport = port)
    kPair,         // (srcaddr = a and dstaddr = b) or (srcaddr = b and dstaddr = a)
  };
  Kind kind = Kind::kAddress;
  uint32_t a = kNoEndpoint, b = kNoEndpoint;
  uint16_t port = 0;
  bool match_pkt = false;

  bool Matches(const Rec& r) const;
  bool MatchesByAddress(const Rec& r) const;  // ignoring pkt-srcaddr/pkt-dstaddr
};

// The initiator's side of the selected records (requests, probes, the big
// direction): srcaddr = src [and dstaddr = dst] [and dstport = port].
struct ForwardFilter {
  uint32_t src = kNoEndpoint;
  uint32_t dst = kNoEndpoint;  // kNoEndpoint: any
  uint16_t port = 0;           // 0: any

  bool Matches(const Rec& r) const {
    return r.src == src && (dst == kNoEndpoint || r.dst == dst) && (port == 0 || r.dport == port);
  }
};

struct Actor {
  std::string role;    // "attacker", "target", "source", ...
  uint32_t endpoint;   // its address
  int32_t iface = -1;  // its interface, -1 for internet hosts
};

struct ScenarioPlan {
  ScenarioId id;
  std::string description;
  Selector selector;
  ForwardFilter forward;
  std::vector<Actor> actors;
  std::vector<std::pair<std::string, int64_t>> parameters;  // port, planned sizes, ...
  std::vector<Rec> records;                                 // window-ascending
};

// Plans one scenario in the run [start, start + 60 * windows). Internet actor
// addresses are added to `world` as new endpoints.
ScenarioPlan PlanScenario(ScenarioId id, World& world, uint64_t seed, int64_t start,
                          int64_t windows);

}  // namespace flowlens::gen

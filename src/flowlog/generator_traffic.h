// Background traffic: the everyday conversations of the simulated VPC, drawn
// one at a time from a fixed mix (internet clients to the load balancers,
// load balancers to the app tier, app and pods to PostgreSQL and Redis, DNS,
// pod to pod, egress through the NAT gateway and the S3/DynamoDB gateway
// endpoints, scanners hitting closed ports, admin SSH, NODATA and SKIPDATA).
//
// Every source port of background traffic is ephemeral (32768-60999) or a
// service port (22, 53, 80, 443, 5432, 6379), and no background address is
// drawn from World::reserved: scenario selectors rely on both.
//
//   BackgroundTraffic bg(world, seed);
//   Rec recs[kMaxRecordsPerExchange];
//   int n = bg.Next(window_start, /*max_records=*/budget_left, recs);
//
// Thread safety: a mutable value; one per generator run.
#pragma once

#include <cstdint>

#include "flowlog/generator_exchange.h"
#include "flowlog/generator_random.h"
#include "flowlog/generator_world.h"

namespace flowlens::gen {

class BackgroundTraffic {
 public:
  BackgroundTraffic(const World& world, uint64_t seed);

  // Draws one conversation in the window starting at `window_start` (60 s)
  // that leaves at most `max_records` (>= 1) records, writes them to `out`
  // (room for kMaxRecordsPerExchange) and returns how many.
  int Next(int64_t window_start, int max_records, Rec* out);

  Rng& rng() { return rng_; }

  enum class Kind : uint8_t;  // the conversation kinds (defined in the .cc)

  // Packet and byte shape of one direction: each further doubling of the
  // packet count has chance tail_q/1024 (Rng::HeavyTail); lo..hi bytes a packet.
  struct SizeShape {
    uint32_t tail_q;
    int max_octave;
    uint64_t lo, hi;
  };
  struct SizeProfile {
    SizeShape request, response;
  };

 private:
  int Make(Kind kind, int64_t ws, Rec* out);

  Party Instance(Role role);
  Party AnyOf(std::initializer_list<Role> roles);
  Party Pod();
  Party PodOrInstance(Role other);
  uint32_t Client4();
  uint16_t Ephemeral() { return static_cast<uint16_t>(rng_.Range(32768, 60999)); }
  uint16_t PooledPort(const Party& c, const Party& s);
  void ShortTimes(Exchange& x, int64_t ws);
  void LongTimes(Exchange& x, int64_t ws);
  void Sizes(Exchange& x, const SizeProfile& profile);
  void TcpFlags(Exchange& x, bool pooled);

  int HttpFromInternet(Role server, int64_t ws, Rec* out);
  int ServiceCall(Party client, Role server, uint16_t port, int64_t ws, Rec* out);
  int Egress(Party client, bool via_nat, int64_t ws, Rec* out);
  int ScannerProbe(int64_t ws, Rec* out);

  const World& w_;
  Rng rng_;
  uint64_t seed_;
};

}  // namespace flowlens::gen

#include "flowlog/generator_traffic.h"

#include <algorithm>

namespace flowlens::gen {

enum class BackgroundTraffic::Kind : uint8_t {
  kInternetToLb,
  kLbToApp,
  kInternetToWeb,
  kAppToDb,
  kAppToCache,
  kDns,
  kPodToPod,
  kViaNat,
  kGatewayEndpoint,
  kPublicEgress,
  kScanner,
  kAdminSsh,
  kBastionHop,
  kInternalReject,
  kIcmpEcho,
  kNoData,
  kSkipData,
};

namespace {

constexpr uint64_t kStreamTraffic = 2;

struct MixEntry {
  BackgroundTraffic::Kind kind;
  uint32_t weight;  // conversations per ~10,000
  int records;      // records each conversation leaves
};
using K = BackgroundTraffic::Kind;
// One explicit, sorted table: the share of each conversation kind. Rejects
// come mostly from kScanner (~3% of records); NODATA ~0.15%, SKIPDATA ~0.02%.
constexpr MixEntry kMix[] = {
    {K::kInternetToLb, 1800, 2}, {K::kLbToApp, 700, 4},       {K::kInternetToWeb, 600, 2},
    {K::kAppToDb, 600, 4},       {K::kAppToCache, 500, 4},    {K::kDns, 400, 4},
    {K::kPodToPod, 500, 4},      {K::kViaNat, 300, 6},        {K::kGatewayEndpoint, 400, 2},
    {K::kPublicEgress, 300, 2},  {K::kScanner, 600, 1},       {K::kAdminSsh, 20, 2},
    {K::kBastionHop, 20, 4},     {K::kInternalReject, 40, 2}, {K::kIcmpEcho, 60, 2},
    {K::kNoData, 30, 1},         {K::kSkipData, 4, 1},
};
constexpr uint32_t MixTotal() {
  uint32_t t = 0;
  for (const MixEntry& e : kMix) t += e.weight;
  return t;
}

// Ports internet scanners knock on (besides random ones).
constexpr uint16_t kScannedPorts[] = {23,   445,  3389, 8080, 1433, 3306, 5900, 25,    21,  8443,
                                      9200, 6379, 5432, 2375, 8888, 81,   7547, 11211, 110, 139};
constexpr uint16_t kUdpScannedPorts[] = {53, 123, 161, 1900, 5060, 11211};

// Packet and byte shapes of each kind of conversation. tail_q/1024 is the
// chance of each further doubling of the packet count (Rng::HeavyTail).
constexpr BackgroundTraffic::SizeProfile kHttp{{430, 14, 60, 700}, {450, 16, 400, 1448}};
constexpr BackgroundTraffic::SizeProfile kInternalHttp{{440, 14, 60, 900}, {460, 16, 300, 1448}};
constexpr BackgroundTraffic::SizeProfile kPostgres{{460, 14, 80, 400}, {480, 16, 200, 1400}};
constexpr BackgroundTraffic::SizeProfile kRedis{{460, 14, 60, 300}, {460, 14, 60, 600}};
constexpr BackgroundTraffic::SizeProfile kSsh{{500, 12, 60, 200}, {500, 14, 80, 1200}};
constexpr BackgroundTraffic::SizeProfile kDownload{{420, 12, 60, 500}, {470, 17, 500, 1448}};
constexpr BackgroundTraffic::SizeProfile kSynOnly{{100, 2, 40, 60}, {0, 0, 40, 40}};

// TCP flag values AWS reports: SYN 2, SYN-ACK 18, SYN+FIN 3, SYN-ACK+FIN 19, FIN 1, RST 4.
constexpr uint8_t kSyn = 2, kSynAck = 18, kSynFin = 3, kSynAckFin = 19;

}  // namespace

BackgroundTraffic::BackgroundTraffic(const World& world, uint64_t seed)
    : w_(world), rng_(seed, kStreamTraffic), seed_(seed) {}

int BackgroundTraffic::Next(int64_t ws, int max_records, Rec* out) {
  uint64_t pick = rng_.Below(MixTotal());
  const MixEntry* e = kMix;
  while (pick >= e->weight) pick -= (e++)->weight;
  Kind kind = e->kind;
  if (e->records > max_records) kind = max_records >= 2 ? K::kInternetToLb : K::kScanner;
  return Make(kind, ws, out);
}

int BackgroundTraffic::Make(Kind kind, int64_t ws, Rec* out) {
  switch (kind) {
    case K::kInternetToLb:
      return HttpFromInternet(Role::kLoadBalancer, ws, out);
    case K::kInternetToWeb:
      return HttpFromInternet(Role::kWebPublic, ws, out);
    case K::kLbToApp:
      return ServiceCall(Instance(Role::kLoadBalancer), Role::kApp, rng_.Chance(700000) ? 80 : 443,
                         ws, out);
    case K::kAppToDb:
      return ServiceCall(PodOrInstance(Role::kApp), Role::kDatabase, 5432, ws, out);
    case K::kAppToCache:
      return ServiceCall(PodOrInstance(Role::kApp), Role::kCache, 6379, ws, out);
    case K::kDns: {
      Party c = AnyOf({Role::kApp, Role::kK8sNode, Role::kBatch, Role::kWebPublic, Role::kBastion});
      return ServiceCall(c, Role::kDns, 53, ws, out);
    }
    case K::kPodToPod:
      return ServiceCall(Pod(), Role::kK8sNode, rng_.Chance(800000) ? 443 : 80, ws, out);
    case K::kViaNat:
      return Egress(AnyOf({Role::kApp, Role::kK8sNode, Role::kBatch}), true, ws, out);
    case K::kGatewayEndpoint:
      return Egress(AnyOf({Role::kApp, Role::kK8sNode, Role::kBatch, Role::kDatabase}), false, ws,
                    out);
    case K::kPublicEgress:
      return Egress(AnyOf({Role::kWebPublic, Role::kBastion}), false, ws, out);
    case K::kScanner:
      return ScannerProbe(ws, out);
    case K::kAdminSsh: {
      Exchange x;
      x.client = Party{-1, w_.admins.at(rng_.Below(w_.admins.count))};
      x.server = Instance(Role::kBastion);
      x.sport = Ephemeral();
      x.dport = 22;
      LongTimes(x, ws);
      Sizes(x, kSsh);
      TcpFlags(x, rng_.Chance(600000));
      return ExpandExchange(w_, x, out);
    }
    case K::kBastionHop:
      return ServiceCall(Instance(Role::kBastion),
                         rng_.Chance(500000) ? Role::kApp : Role::kK8sNode, 22, ws, out);
    case K::kInternalReject: {
      Exchange x;
      x.client = Instance(rng_.Chance(500000) ? Role::kBatch : Role::kK8sNode);
      x.server = Instance(rng_.Chance(500000) ? Role::kCache : Role::kDatabase);
      x.sport = Ephemeral();
      x.dport = w_.interfaces[x.server.iface].role == Role::kCache ? 6379 : 5432;
      ShortTimes(x, ws);
      Sizes(x, kSynOnly);
      x.req_flags = kSyn;
      x.rejected = true;
      return ExpandExchange(w_, x, out);
    }
    case K::kIcmpEcho: {
      Exchange x;
      x.client = Party{-1, Client4()};
      x.server = Instance(Role::kWebPublic);
      x.proto = 1;
      ShortTimes(x, ws);
      x.req_packets = x.resp_packets = rng_.Range(1, 4);
      x.req_bytes = x.resp_bytes = 84 * x.req_packets;
      return ExpandExchange(w_, x, out);
    }
    case K::kNoData:
    case K::kSkipData: {
      const bool idle = rng_.Chance(700000);
      const uint16_t iface = idle ? w_.role(Role::kBatch)[rng_.Below(w_.role(Role::kBatch).size())]
                                  : static_cast<uint16_t>(rng_.Below(w_.interfaces.size()));
      const int64_t s = ws + static_cast<int64_t>(rng_.Below(10));
      const int64_t e = ws + 50 + static_cast<int64_t>(rng_.Below(10));
      out[0] =
          StatusRecord(iface, kind == K::kNoData ? LogStatus::kNoData : LogStatus::kSkipData, s, e);
      return 1;
    }
  }
  return 0;
}

Party BackgroundTraffic::Instance(Role role) {
  const std::vector<uint16_t>& v = w_.role(role);
  const uint16_t i = v[rng_.Below(v.size())];
  return Party{i, w_.interfaces[i].ep4};
}

Party BackgroundTraffic::AnyOf(std::initializer_list<Role> roles) {
  return Instance(roles.begin()[rng_.Below(roles.size())]);
}

// A Kubernetes pod: the node's interface, the pod's own (secondary) address.
Party BackgroundTraffic::Pod() {
  Party p = Instance(Role::kK8sNode);
  const Interface& f = w_.interfaces[p.iface];
  p.ep = f.pod_first + static_cast<uint32_t>(rng_.Below(f.pod_count));
  return p;
}

// Half the callers of a service are Kubernetes pods.
Party BackgroundTraffic::PodOrInstance(Role other) {
  return rng_.Chance(500000) ? Instance(other) : Pod();
}

uint32_t BackgroundTraffic::Client4() {
  return w_.clients4.at(w_.clients_zipf.Sample(rng_));
}

// Pooled connections keep their source port: a few slots per client/server pair.
uint16_t BackgroundTraffic::PooledPort(const Party& c, const Party& s) {
  const uint64_t key = (uint64_t{c.ep} << 32) ^ (uint64_t{s.ep} << 3) ^ rng_.Below(6);
  return static_cast<uint16_t>(32768 + Mix(seed_, key) % (60999 - 32768 + 1));
}

void BackgroundTraffic::ShortTimes(Exchange& x, int64_t ws) {
  x.start = ws + static_cast<int64_t>(rng_.Below(60));
  int64_t d = static_cast<int64_t>(rng_.Below(8));
  if (rng_.Below(4) == 0) d += static_cast<int64_t>(rng_.Below(40));
  x.end = std::min(ws + 59, x.start + d);
  x.resp_start = std::min(x.end, x.start + static_cast<int64_t>(rng_.Below(2)));
  x.resp_end = x.end;
}

void BackgroundTraffic::LongTimes(Exchange& x, int64_t ws) {
  x.start = ws + static_cast<int64_t>(rng_.Below(4));
  x.end = ws + 56 + static_cast<int64_t>(rng_.Below(4));
  x.resp_start = x.start;
  x.resp_end = x.end;
}

// Heavy-tailed packet counts; bytes = packets x [lo, hi] (+ < 1 byte per
// packet), so 40 <= bytes/packets < 1500 always holds.
void BackgroundTraffic::Sizes(Exchange& x, const SizeProfile& p) {
  x.req_packets = rng_.HeavyTail(p.request.tail_q, p.request.max_octave);
  x.req_bytes = x.req_packets * rng_.Range(p.request.lo, p.request.hi) + rng_.Below(x.req_packets);
  x.resp_packets = rng_.HeavyTail(p.response.tail_q, p.response.max_octave) + x.req_packets / 2;
  x.resp_bytes =
      x.resp_packets * rng_.Range(p.response.lo, p.response.hi) + rng_.Below(x.resp_packets);
}

void BackgroundTraffic::TcpFlags(Exchange& x, bool pooled) {
  if (x.proto != 6 || pooled) {
    x.req_flags = x.resp_flags = 0;  // mid-connection (ACK/PSH only): AWS reports 0
  } else if (rng_.Chance(700000)) {
    x.req_flags = kSynFin;  // opened and closed within the window
    x.resp_flags = kSynAckFin;
  } else {
    x.req_flags = kSyn;
    x.resp_flags = kSynAck;
  }
}

int BackgroundTraffic::HttpFromInternet(Role server, int64_t ws, Rec* out) {
  Exchange x;
  x.server = Instance(server);
  const Interface& f = w_.interfaces[x.server.iface];
  const uint64_t r = rng_.Below(1000);
  if (r < 100 && f.ep6 >= 0) {
    x.client.ep = w_.clients6.at(w_.clients_zipf.Sample(rng_) % w_.clients6.count);
    x.server.ep = static_cast<uint32_t>(f.ep6);
  } else if (r < 120 && server == Role::kLoadBalancer) {
    x.client.ep = w_.cloudfront.at(rng_.Below(w_.cloudfront.count));
  } else if (r < 130) {
    x.client.ep = w_.healthchecks.at(rng_.Below(w_.healthchecks.count));
  } else {
    x.client.ep = Client4();
  }
  x.sport = Ephemeral();
  x.dport = rng_.Chance(880000) ? 443 : 80;
  ShortTimes(x, ws);
  Sizes(x, kHttp);
  TcpFlags(x, false);
  return ExpandExchange(w_, x, out);
}

int BackgroundTraffic::ServiceCall(Party client, Role server_role, uint16_t port, int64_t ws,
                                   Rec* out) {
  Exchange x;
  x.client = client;
  do {
    x.server = server_role == Role::kK8sNode && port != 22 ? Pod() : Instance(server_role);
  } while (x.server.iface == x.client.iface);
  x.dport = port;
  if (port == 53) {
    x.proto = 17;
    x.sport = Ephemeral();
    ShortTimes(x, ws);
    x.req_packets = rng_.Range(1, 2);
    x.req_bytes = x.req_packets * rng_.Range(60, 110);
    x.resp_packets = x.req_packets;
    x.resp_bytes = x.resp_packets * rng_.Range(80, 400);
    return ExpandExchange(w_, x, out);
  }
  const bool pooled = port != 22 && rng_.Chance(800000);
  x.sport = pooled ? PooledPort(x.client, x.server) : Ephemeral();
  if (pooled) {
    LongTimes(x, ws);
  } else {
    ShortTimes(x, ws);
  }
  if (port == 6379) {
    Sizes(x, kRedis);
  } else if (port == 5432) {
    Sizes(x, kPostgres);
  } else {
    Sizes(x, kInternalHttp);
  }
  TcpFlags(x, pooled);
  return ExpandExchange(w_, x, out);
}

int BackgroundTraffic::Egress(Party client, bool via_nat, int64_t ws, Rec* out) {
  Exchange x;
  x.client = client;
  x.via_nat = via_nat;
  const Role role = w_.interfaces[client.iface].role;
  const bool public_client = role == Role::kWebPublic || role == Role::kBastion;
  if (!via_nat && !public_client) {
    x.server.ep = rng_.Chance(800000) ? w_.s3.at(rng_.Below(w_.s3.count))
                                      : w_.dynamodb.at(rng_.Below(w_.dynamodb.count));
  } else if (public_client && rng_.Chance(150000)) {
    x.client.ep = static_cast<uint32_t>(w_.interfaces[client.iface].ep6);
    x.server.ep = w_.destinations6.at(rng_.Below(w_.destinations6.count));
  } else {
    x.server.ep = w_.destinations.at(w_.destinations_zipf.Sample(rng_));
  }
  x.sport = Ephemeral();
  x.nat_port = Ephemeral();
  x.dport = rng_.Chance(900000) ? 443 : 80;
  ShortTimes(x, ws);
  Sizes(x, kDownload);
  TcpFlags(x, false);
  return ExpandExchange(w_, x, out);
}

// An internet host knocking on a closed port of a public instance: REJECT.
int BackgroundTraffic::ScannerProbe(int64_t ws, Rec* out) {
  Exchange x;
  x.server = Instance(rng_.Chance(800000) ? Role::kWebPublic : Role::kBastion);
  const Interface& f = w_.interfaces[x.server.iface];
  x.client.ep = w_.scanners.at(w_.scanners_zipf.Sample(rng_));
  const bool v6 = rng_.Chance(50000);
  if (v6) {
    x.client.ep = w_.clients6.at(rng_.Below(w_.clients6.count));
    x.server.ep = static_cast<uint32_t>(f.ep6);
  }
  const uint64_t r = rng_.Below(100);
  if (r < 4) {
    x.proto = v6 ? 58 : 1;  // ICMP echo to a host that drops it
  } else if (r < 11) {
    x.proto = 17;
    x.sport = Ephemeral();
    x.dport = kUdpScannedPorts[rng_.Below(std::size(kUdpScannedPorts))];
  } else {
    x.sport = Ephemeral();
    const bool web = f.role == Role::kWebPublic;
    do {
      x.dport = rng_.Chance(600000) ? kScannedPorts[rng_.Below(std::size(kScannedPorts))]
                                    : static_cast<uint16_t>(rng_.Range(1, 65535));
    } while (web ? (x.dport == 80 || x.dport == 443) : x.dport == 22);
    x.req_flags = kSyn;
  }
  ShortTimes(x, ws);
  x.req_packets = rng_.Range(1, 3);
  x.req_bytes = x.req_packets * rng_.Range(40, 60);
  x.rejected = true;
  x.reject_bpa = rng_.Chance(20000);
  return ExpandExchange(w_, x, out);
}

}  // namespace flowlens::gen

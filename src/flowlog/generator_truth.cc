#include "flowlog/generator_truth.h"

#include <algorithm>
#include <cstdio>
#include <string_view>

namespace flowlens::gen {
namespace {

// A small pretty-printing JSON writer: one member or element per line.
class JsonWriter {
 public:
  void Begin(std::string_view key, char bracket) {
    Prefix(key);
    out_ += bracket;
    first_.push_back(true);
  }
  void End(char bracket) {
    first_.pop_back();
    out_ += '\n';
    out_.append(2 * first_.size(), ' ');
    out_ += bracket;
  }
  void Str(std::string_view key, std::string_view v) {
    Prefix(key);
    Quoted(v);
  }
  void Int(std::string_view key, int64_t v) {
    Prefix(key);
    out_ += std::to_string(v);
  }
  void UInt(std::string_view key, uint64_t v) {
    Prefix(key);
    out_ += std::to_string(v);
  }
  void Bool(std::string_view key, bool v) {
    Prefix(key);
    out_ += v ? "true" : "false";
  }
  std::string Take() { return std::move(out_) + "\n"; }

 private:
  // Inside an array, pass an empty key.
  void Prefix(std::string_view key) {
    if (!first_.empty()) {
      if (!first_.back()) out_ += ',';
      first_.back() = false;
      out_ += '\n';
      out_.append(2 * first_.size(), ' ');
    }
    if (!key.empty()) {
      Quoted(key);
      out_ += ": ";
    }
  }
  void Quoted(std::string_view v) {
    out_ += '"';
    for (char c : v) {
      if (c == '"' || c == '\\') {
        out_ += '\\';
        out_ += c;
      } else if (static_cast<unsigned char>(c) < 0x20) {
        char buf[8];
        std::snprintf(buf, sizeof(buf), "\\u%04x", static_cast<unsigned>(c));
        out_ += buf;
      } else {
        out_ += c;
      }
    }
    out_ += '"';
  }

  std::string out_;
  std::vector<bool> first_;
};

std::string_view SelectorKindName(Selector::Kind k) {
  switch (k) {
    case Selector::Kind::kAddress:
      return "address";
    case Selector::Kind::kAddressPort:
      return "address_port";
    case Selector::Kind::kPair:
      return "pair";
  }
  return "?";
}

}  // namespace

void CivilFromDays(int64_t z, int* year, int* month, int* day) {
  // Howard Hinnant's civil_from_days.
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  *day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  *month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  *year = static_cast<int>(yoe + era * 400 + (*month <= 2 ? 1 : 0));
}

int64_t DaysFromCivil(int y, int m, int d) {
  y -= m <= 2 ? 1 : 0;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

std::string FormatIsoTime(int64_t t) {
  const int64_t days = (t >= 0 ? t : t - 86399) / 86400;
  const int64_t secs = t - days * 86400;
  int y, m, d;
  CivilFromDays(days, &y, &m, &d);
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02dZ", y, m, d,
                static_cast<int>(secs / 3600), static_cast<int>(secs / 60 % 60),
                static_cast<int>(secs % 60));
  return buf;
}

TruthCollector::TruthCollector(const World& world, const std::vector<ScenarioPlan>& plans)
    : w_(world), plans_(plans) {
  by_iface_.assign(world.interfaces.size(), 0);
  bytes_by_src_.assign(world.endpoints.size(), 0);
  marks_.assign(world.endpoints.size(), 0);
  tallies_.resize(plans.size());
  for (size_t i = 0; i < plans.size(); ++i) {
    const Selector& s = plans[i].selector;
    for (uint32_t ep : {s.a, s.b}) {
      if (ep != kNoEndpoint) marks_[ep] |= static_cast<uint8_t>(1u << i);
    }
    tallies_[i].port_bits.assign(65536 / 64, 0);
    tallies_[i].host_seen.assign(world.endpoints.size(), 0);
  }
}

void TruthCollector::Counts::Add(const Rec& r) {
  ++records;
  packets += r.packets;
  bytes += r.bytes;
  accept += r.action == Action::kAccept ? 1 : 0;
  reject += r.action == Action::kReject ? 1 : 0;
  first_start = std::min(first_start, r.start);
  last_end = std::max(last_end, r.end);
}

void TruthCollector::AddToScenarios(const Rec& r, uint8_t marks) {
  for (size_t i = 0; i < plans_.size(); ++i) {
    if (!(marks & (1u << i))) continue;
    const ScenarioPlan& p = plans_[i];
    Tally& t = tallies_[i];
    if (p.selector.Matches(r)) t.all.Add(r);
    if (p.selector.MatchesByAddress(r)) t.by_address.Add(r);
    if (p.forward.Matches(r)) {
      t.forward.Add(r);
      uint64_t& word = t.port_bits[r.dport / 64];
      const uint64_t bit = uint64_t{1} << (r.dport % 64);
      t.distinct_ports += (word & bit) ? 0 : 1;
      word |= bit;
      t.distinct_hosts += t.host_seen[r.dst] ? 0 : 1;
      t.host_seen[r.dst] = 1;
    }
  }
}

namespace {

void WriteCounts(JsonWriter& j, std::string_view key, uint64_t records, uint64_t packets,
                 uint64_t bytes) {
  j.Begin(key, '{');
  j.UInt("records", records);
  j.UInt("packets", packets);
  j.UInt("bytes", bytes);
}

}  // namespace

std::string TruthCollector::ToJson(const RunInfo& run) const {
  JsonWriter j;
  auto addr = [&](uint32_t ep) { return w_.ep(ep).addr.ToString(); };
  j.Begin("", '{');
  j.Str("schema", "flowlens-generator-truth/1");

  j.Begin("run", '{');
  j.UInt("records", run.records);
  j.UInt("seed", run.seed);
  j.Str("format", run.format);
  j.Int("version", run.version);
  j.Bool("s3", run.s3);
  j.Int("start", run.start);
  j.Int("end", run.end);
  j.Str("start_iso", FormatIsoTime(run.start));
  j.Str("end_iso", FormatIsoTime(run.end));
  j.Int("window_seconds", 60);
  j.Str("output", run.output_path);
  j.Begin("scenarios", '[');
  for (const ScenarioPlan& p : plans_) j.Str("", ScenarioName(p.id));
  j.End(']');
  if (run.s3) {
    j.Begin("objects", '[');
    for (const ObjectInfo& o : run.objects) {
      j.Begin("", '{');
      j.Str("key", o.key);
      j.UInt("records", o.records);
      j.UInt("text_bytes", o.text_bytes);
      j.End('}');
    }
    j.End(']');
  }
  j.End('}');

  j.Begin("vpc", '{');
  j.Str("account_id", w_.account_id);
  j.Str("region", w_.region);
  j.Str("vpc_id", w_.vpc_id);
  j.Str("cidr", w_.cidr.ToString());
  j.Str("ipv6_cidr", w_.cidr6.ToString());
  j.Str("flow_log_id", w_.flow_log_id);
  j.Str("nat_gateway_id", w_.nat_gateway_id);
  j.Begin("subnets", '[');
  static constexpr std::string_view kTiers[] = {"public", "app", "data", "kubernetes"};
  for (const Subnet& s : w_.subnets) {
    j.Begin("", '{');
    j.Str("subnet_id", s.id);
    j.Str("cidr", s.cidr.ToString());
    j.Str("ipv6_cidr", s.cidr6.prefix_length ? s.cidr6.ToString() : "-");
    j.Str("az_id", w_.az_ids[s.az]);
    j.Str("tier", kTiers[static_cast<int>(s.tier)]);
    j.End('}');
  }
  j.End(']');
  j.Begin("interfaces", '[');
  for (const Interface& f : w_.interfaces) {
    j.Begin("", '{');
    j.Str("interface_id", f.eni_id);
    j.Str("instance_id", f.instance_id);
    j.Str("name", f.name);
    j.Str("role", RoleName(f.role));
    j.Str("private_ip", addr(f.ep4));
    j.Str("ipv6", f.ep6 >= 0 ? addr(static_cast<uint32_t>(f.ep6)) : "-");
    j.Str("subnet_id", w_.subnets[f.subnet].id);
    j.Str("az_id", w_.az_ids[f.az]);
    j.Str("interface_type", f.interface_type);
    if (f.pod_count > 0) {
      j.Begin("pod_addresses", '[');
      for (uint32_t p = 0; p < f.pod_count; ++p) j.Str("", addr(f.pod_first + p));
      j.End(']');
    }
    j.End('}');
  }
  j.End(']');
  j.End('}');

  j.Begin("totals", '{');
  j.UInt("records", records_);
  j.UInt("packets", packets_);
  j.UInt("bytes", bytes_);
  j.Begin("by_log_status", '{');
  j.UInt("OK", by_status_[0]);
  j.UInt("NODATA", by_status_[1]);
  j.UInt("SKIPDATA", by_status_[2]);
  j.End('}');
  j.Begin("by_action", '{');
  j.UInt("ACCEPT", by_action_[static_cast<int>(Action::kAccept)]);
  j.UInt("REJECT", by_action_[static_cast<int>(Action::kReject)]);
  j.UInt("-", by_action_[static_cast<int>(Action::kNone)]);
  j.End('}');
  j.Begin("by_type", '{');
  j.UInt("IPv4", by_type_[0]);
  j.UInt("IPv6", by_type_[1]);
  j.End('}');
  j.Begin("by_interface", '{');
  for (size_t i = 0; i < by_iface_.size(); ++i) j.UInt(w_.interfaces[i].eni_id, by_iface_[i]);
  j.End('}');
  // Summed by address (not endpoint), ties broken by address order.
  std::vector<std::pair<IpAddress, uint64_t>> sources;
  for (size_t e = 0; e < bytes_by_src_.size(); ++e) {
    if (bytes_by_src_[e] > 0) sources.emplace_back(w_.endpoints[e].addr, bytes_by_src_[e]);
  }
  std::sort(sources.begin(), sources.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::pair<IpAddress, uint64_t>> merged;
  for (const auto& s : sources) {
    if (!merged.empty() && merged.back().first == s.first) {
      merged.back().second += s.second;
    } else {
      merged.push_back(s);
    }
  }
  const size_t top = std::min<size_t>(10, merged.size());
  std::partial_sort(merged.begin(), merged.begin() + top, merged.end(),
                    [](const auto& a, const auto& b) {
                      return a.second != b.second ? a.second > b.second : a.first < b.first;
                    });
  j.Begin("top_sources_by_bytes", '[');
  for (size_t i = 0; i < top; ++i) {
    j.Begin("", '{');
    j.Str("address", merged[i].first.ToString());
    j.UInt("bytes", merged[i].second);
    j.End('}');
  }
  j.End(']');
  j.End('}');

  j.Begin("scenarios", '[');
  for (size_t i = 0; i < plans_.size(); ++i) {
    const ScenarioPlan& p = plans_[i];
    const Tally& t = tallies_[i];
    j.Begin("", '{');
    j.Str("name", ScenarioName(p.id));
    j.Str("description", p.description);
    j.Begin("window", '{');
    j.Int("start", t.all.records ? t.all.first_start : 0);
    j.Int("end", t.all.records ? t.all.last_end : 0);
    j.Str("start_iso", FormatIsoTime(t.all.records ? t.all.first_start : 0));
    j.Str("end_iso", FormatIsoTime(t.all.records ? t.all.last_end : 0));
    j.End('}');
    j.Begin("actors", '[');
    for (const Actor& a : p.actors) {
      j.Begin("", '{');
      j.Str("role", a.role);
      j.Str("address", addr(a.endpoint));
      if (a.iface >= 0) {
        const Interface& f = w_.interfaces[a.iface];
        j.Str("interface_id", f.eni_id);
        j.Str("instance_id", f.instance_id);
        j.Str("az_id", w_.az_ids[f.az]);
      }
      j.End('}');
    }
    j.End(']');
    j.Begin("parameters", '{');
    for (const auto& [name, value] : p.parameters) j.Int(name, value);
    j.End('}');
    j.Begin("selector", '{');
    j.Str("kind", SelectorKindName(p.selector.kind));
    j.Str("address", addr(p.selector.a));
    if (p.selector.b != kNoEndpoint) j.Str("other_address", addr(p.selector.b));
    if (p.selector.port != 0) j.Int("port", p.selector.port);
    j.Bool("match_pkt_addresses", p.selector.match_pkt);
    j.End('}');
    WriteCounts(j, "counts", t.all.records, t.all.packets, t.all.bytes);
    j.UInt("accept", t.all.accept);
    j.UInt("reject", t.all.reject);
    j.End('}');
    WriteCounts(j, "address_counts", t.by_address.records, t.by_address.packets,
                t.by_address.bytes);
    j.End('}');
    j.Begin("forward", '{');
    j.Str("srcaddr", addr(p.forward.src));
    j.Str("dstaddr", p.forward.dst == kNoEndpoint ? "*" : addr(p.forward.dst));
    j.Int("dstport", p.forward.port);
    j.UInt("records", t.forward.records);
    j.UInt("packets", t.forward.packets);
    j.UInt("bytes", t.forward.bytes);
    j.UInt("distinct_dstports", t.distinct_ports);
    j.UInt("distinct_dstaddrs", t.distinct_hosts);
    j.End('}');
    j.End('}');
  }
  j.End(']');
  j.End('}');
  return j.Take();
}

}  // namespace flowlens::gen

// TruthCollector: the ground truth of a generator run, counted from the
// records as they are written, and its JSON form (PATH.truth.json).
//
// Global totals (records by log-status, action and type, packets, bytes,
// records per interface, the top 10 source addresses by bytes) and, for each
// scenario, the counts of the records its selector picks out of the whole
// output (background included, so a query over the data must reproduce them
// exactly). Add() is the hot path: a few counter updates and one lookup of
// the scenario marks of the record's addresses.
//
//   TruthCollector truth(world, plans);
//   for (const Rec& r : written) truth.Add(r);
//   std::string json = truth.ToJson(run);
//
// Thread safety: a mutable value; one per run. `world` and `plans` must
// outlive it.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "flowlog/generator_exchange.h"
#include "flowlog/generator_scenarios.h"
#include "flowlog/generator_world.h"

namespace flowlens::gen {

// One S3 object written by the run.
struct ObjectInfo {
  std::string key;
  uint64_t records = 0;
  uint64_t text_bytes = 0;  // uncompressed, header line included
};

// What the truth file records about the run itself.
struct RunInfo {
  uint64_t records = 0;
  uint64_t seed = 0;
  std::string format;  // the format string used
  int version = 2;
  bool s3 = false;
  int64_t start = 0, end = 0;  // [start, end) in Unix seconds
  std::string output_path;
  std::vector<ObjectInfo> objects;
};

class TruthCollector {
 public:
  TruthCollector(const World& world, const std::vector<ScenarioPlan>& plans);

  void Add(const Rec& r) {
    ++records_;
    ++by_status_[static_cast<int>(r.status)];
    ++by_iface_[r.iface];
    if (r.status != LogStatus::kOk) {
      ++by_action_[static_cast<int>(Action::kNone)];
      return;
    }
    ++by_action_[static_cast<int>(r.action)];
    ++by_type_[w_.endpoints[r.src].addr.v6 ? 1 : 0];
    packets_ += r.packets;
    bytes_ += r.bytes;
    bytes_by_src_[r.src] += r.bytes;
    const uint8_t m = marks_[r.src] | marks_[r.dst] | marks_[r.pkt_src] | marks_[r.pkt_dst];
    if (m != 0) AddToScenarios(r, m);
  }

  std::string ToJson(const RunInfo& run) const;

 private:
  struct Counts {
    uint64_t records = 0, packets = 0, bytes = 0, accept = 0, reject = 0;
    int64_t first_start = std::numeric_limits<int64_t>::max();
    int64_t last_end = std::numeric_limits<int64_t>::min();
    void Add(const Rec& r);
  };
  struct Tally {
    Counts all, by_address, forward;
    std::vector<uint64_t> port_bits;  // distinct dstport of forward records
    std::vector<uint8_t> host_seen;   // distinct dstaddr of forward records, by endpoint
    uint64_t distinct_ports = 0, distinct_hosts = 0;
  };

  void AddToScenarios(const Rec& r, uint8_t marks);

  const World& w_;
  const std::vector<ScenarioPlan>& plans_;
  uint64_t records_ = 0, packets_ = 0, bytes_ = 0;
  uint64_t by_status_[3] = {}, by_action_[3] = {}, by_type_[2] = {};
  std::vector<uint64_t> by_iface_;
  std::vector<uint64_t> bytes_by_src_;  // by endpoint
  std::vector<uint8_t> marks_;          // by endpoint: bit i = scenario plans_[i] selects it
  std::vector<Tally> tallies_;
};

// "2026-11-27T00:00:00Z"
std::string FormatIsoTime(int64_t unix_seconds);
// Days since 1970-01-01 to civil year/month/day (proleptic Gregorian), and back.
void CivilFromDays(int64_t days, int* year, int* month, int* day);
int64_t DaysFromCivil(int year, int month, int day);

}  // namespace flowlens::gen

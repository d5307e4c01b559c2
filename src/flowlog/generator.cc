#include "flowlog/generator.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "flowlog/generator_format.h"
#include "flowlog/generator_output.h"
#include "flowlog/generator_scenarios.h"
#include "flowlog/generator_traffic.h"
#include "flowlog/generator_truth.h"
#include "flowlog/generator_world.h"
#include "flowlog/layout.h"
#include "flowlog/record.h"

namespace flowlens {
namespace {

using gen::Rec;

constexpr uint64_t kProgressEvery = 1 << 16;

// Relative traffic of the window starting at `ws`: a daily rhythm, lowest at
// 03:00 UTC and about 3.4 times higher at 15:00 UTC. Integers only.
uint64_t DiurnalWeight(int64_t ws) {
  const int64_t minute = ((ws / 60) % 1440 + 1440) % 1440;
  const int64_t d = std::abs(minute - 180);
  return 300 + static_cast<uint64_t>(std::min(d, 1440 - d));
}

// Background records due by the end of each window: `total` split by
// DiurnalWeight, cumulative and exact (due[windows - 1] == total).
std::vector<uint64_t> CumulativeBudgets(uint64_t total, int64_t start, int64_t windows) {
  std::vector<uint64_t> cum(static_cast<size_t>(windows) + 1, 0);
  for (int64_t w = 0; w < windows; ++w) cum[w + 1] = cum[w] + DiurnalWeight(start + 60 * w);
  std::vector<uint64_t> due(static_cast<size_t>(windows));
  for (int64_t w = 0; w < windows; ++w) {
    due[w] =
        static_cast<uint64_t>(static_cast<unsigned __int128>(total) * cum[w + 1] / cum[windows]);
  }
  return due;
}

Status Validate(const GeneratorOptions& o) {
  if (o.records == 0) return Status::InvalidArgument("the number of records must be at least 1");
  if (o.start < 0) return Status::InvalidArgument("the start time must not be before 1970");
  if (o.duration_seconds < 60 || o.duration_seconds % 60 != 0) {
    return Status::InvalidArgument("the duration must be a positive whole number of minutes");
  }
  for (const std::string& s : o.scenarios) {
    if (!gen::FindScenario(s)) {
      return Status::InvalidArgument("unknown scenario '" + s + "'");
    }
  }
  return Status::Ok();
}

class Run {
 public:
  Run(const GeneratorOptions& o, const Layout& layout)
      : o_(o),
        layout_(layout),
        start_(o.start - o.start % 60),
        windows_(o.duration_seconds / 60),
        world_(gen::BuildWorld(o.seed, o.account_id)) {}

  // Plans the scenarios; fails when they need more records than asked for.
  Status Plan() {
    for (std::string_view name : GeneratorScenarioNames()) {
      if (std::find(o_.scenarios.begin(), o_.scenarios.end(), name) == o_.scenarios.end()) continue;
      plans_.push_back(
          gen::PlanScenario(*gen::FindScenario(name), world_, o_.seed, start_, windows_));
      for (const Rec& r : plans_.back().records) scenario_records_.push_back(r);
    }
    // Stable: each scenario keeps its order within a window.
    std::stable_sort(scenario_records_.begin(), scenario_records_.end(),
                     [](const Rec& a, const Rec& b) { return a.start / 60 < b.start / 60; });
    if (scenario_records_.size() > o_.records) {
      return Status::InvalidArgument(
          std::to_string(o_.records) + " records are too few for the selected scenarios, which " +
          "inject " + std::to_string(scenario_records_.size()) +
          " records with this seed; ask for more records or fewer scenarios");
    }
    return Status::Ok();
  }

  Result<GeneratorSummary> Write(gen::OutputSink& out, std::string* truth_json) {
    gen::TruthCollector truth(world_, plans_);
    gen::RecordFormatter formatter(world_, layout_);
    gen::BackgroundTraffic background(world_, o_.seed);
    const uint64_t background_total = o_.records - scenario_records_.size();
    const std::vector<uint64_t> due = CumulativeBudgets(background_total, start_, windows_);
    uint64_t background_written = 0;
    uint64_t written = 0;
    size_t next_scenario = 0;
    Rec recs[gen::kMaxRecordsPerExchange];
    auto emit = [&](const Rec& r) {
      truth.Add(r);
      if (!out.Begin(r.end)) return false;
      formatter.Append(r, &out.buffer());
      out.buffer().push_back('\n');
      if (!out.End()) return false;
      if (++written % kProgressEvery == 0 && o_.progress) o_.progress(written, o_.records);
      return true;
    };
    for (int64_t w = 0; w < windows_; ++w) {
      const int64_t ws = start_ + 60 * w;
      size_t scenario_end = next_scenario;
      while (scenario_end < scenario_records_.size() &&
             scenario_records_[scenario_end].start < ws + 60) {
        ++scenario_end;
      }
      // A conversation may overshoot its window's share by a few records (the
      // next window makes up for it) but never the total, so every kind keeps
      // its share however small the windows are.
      while (background_written < due[w] || next_scenario < scenario_end) {
        const uint64_t left = due[w] > background_written ? due[w] - background_written : 0;
        const uint64_t pending = scenario_end - next_scenario;
        if (pending > 0 && (left == 0 || background.rng().Below(left + pending) < pending)) {
          if (!emit(scenario_records_[next_scenario++])) return out.status();
          continue;
        }
        const uint64_t room =
            std::min<uint64_t>(background_total - background_written, gen::kMaxRecordsPerExchange);
        const int n = background.Next(ws, static_cast<int>(room), recs);
        for (int i = 0; i < n; ++i) {
          if (!emit(recs[i])) return out.status();
        }
        background_written += static_cast<uint64_t>(n);
      }
    }
    RETURN_IF_ERROR(out.Finish());
    if (o_.progress) o_.progress(written, o_.records);
    if (written != o_.records) {
      return Status::Internal("wrote " + std::to_string(written) + " records instead of " +
                              std::to_string(o_.records));
    }

    gen::RunInfo run;
    run.records = written;
    run.seed = o_.seed;
    run.format = layout_.ToFormatString();
    run.version = layout_.version();
    run.s3 = o_.s3;
    run.start = start_;
    run.end = start_ + 60 * windows_;
    run.output_path = o_.output_path;
    run.objects = out.objects();
    *truth_json = truth.ToJson(run);

    GeneratorSummary summary;
    summary.records = written;
    summary.scenario_records = scenario_records_.size();
    summary.objects = out.objects().size();
    return summary;
  }

  const gen::World& world() const { return world_; }

 private:
  const GeneratorOptions& o_;
  const Layout& layout_;
  int64_t start_, windows_;
  gen::World world_;
  std::vector<gen::ScenarioPlan> plans_;
  std::vector<Rec> scenario_records_;
};

Result<Layout> LayoutFor(const GeneratorOptions& o) {
  if (o.format.empty()) return Layout::Default();
  Result<Layout> layout = Layout::FromFormat(o.format);
  if (!layout.ok()) return layout.status().WithContext("--format");
  return layout;
}

}  // namespace

std::vector<std::string> GeneratorOptions::DefaultScenarios() {
  std::vector<std::string> v;
  for (std::string_view n : GeneratorScenarioNames()) v.emplace_back(n);
  return v;
}

std::vector<std::string_view> GeneratorScenarioNames() {
  std::vector<std::string_view> v;
  for (int i = 0; i < gen::kScenarioCount; ++i) {
    v.push_back(gen::ScenarioName(static_cast<gen::ScenarioId>(i)));
  }
  return v;
}

Result<GeneratorSummary> Generate(const GeneratorOptions& o) {
  RETURN_IF_ERROR(Validate(o));
  ASSIGN_OR_RETURN(Layout layout, LayoutFor(o));
  if (o.output_path.empty()) return Status::InvalidArgument("no output path given");
  Run run(o, layout);
  RETURN_IF_ERROR(run.Plan());
  const std::string truth_path = o.truth_path.empty() ? TruthPathFor(o.output_path) : o.truth_path;
  std::unique_ptr<gen::OutputSink> out;
  if (o.s3) {
    gen::S3Layout s3;
    s3.root = o.output_path;
    s3.account_id = o.account_id;
    s3.region = std::string(run.world().region);
    s3.flow_log_id = run.world().flow_log_id;
    s3.header = layout.ToHeaderLine();
    s3.seed = o.seed;
    s3.object_limit_bytes = o.s3_object_limit_bytes;
    out = gen::MakeS3Sink(std::move(s3));
  } else {
    out = gen::MakeFileSink(o.output_path);
  }
  RETURN_IF_ERROR(out->Open());
  // Fail on an unwritable truth path before the long part.
  std::FILE* truth_file = std::fopen(truth_path.c_str(), "wb");
  if (!truth_file) {
    return Status::InvalidArgument("cannot write '" + truth_path + "': " + std::strerror(errno));
  }
  std::string truth_json;
  Result<GeneratorSummary> summary = run.Write(*out, &truth_json);
  if (summary.ok()) {
    const bool ok =
        std::fwrite(truth_json.data(), 1, truth_json.size(), truth_file) == truth_json.size();
    if (std::fclose(truth_file) != 0 || !ok) {
      return Status::IoError("writing '" + truth_path + "' failed: " + std::strerror(errno));
    }
    summary->truth_path = truth_path;
  } else {
    std::fclose(truth_file);
    std::remove(truth_path.c_str());
  }
  return summary;
}

Result<GeneratorSummary> GenerateInMemory(const GeneratorOptions& o, std::string* records,
                                          std::string* truth_json) {
  RETURN_IF_ERROR(Validate(o));
  ASSIGN_OR_RETURN(Layout layout, LayoutFor(o));
  Run run(o, layout);
  RETURN_IF_ERROR(run.Plan());
  std::unique_ptr<gen::OutputSink> out = gen::MakeMemorySink(records);
  RETURN_IF_ERROR(out->Open());
  return run.Write(*out, truth_json);
}

}  // namespace flowlens

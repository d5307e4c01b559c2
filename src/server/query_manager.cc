#include "server/query_manager.h"

#include <algorithm>
#include <chrono>
#include <random>

#include "query/result_format.h"
#include "query/store_scan.h"

namespace flowlens::server {
namespace {

// The store scan, stopped between morsels (and its batches dropped) once the
// query is cancelled or past its deadline.
class GuardedSource : public query::ScanSource {
 public:
  GuardedSource(std::unique_ptr<query::ScanSource> inner, std::function<bool()> stop)
      : inner_(std::move(inner)), stop_(std::move(stop)) {}

  Result<bool> Next(const query::ScanRequest& request, size_t slot_count, int64_t start_ms,
                    int64_t end_ms, query::ScanCounters* counters,
                    const std::function<void(query::Batch&)>& sink) override {
    if (stop_()) return Status::Cancelled("the query was stopped");
    return inner_->Next(request, slot_count, start_ms, end_ms, counters, [&](query::Batch& b) {
      if (!stop_()) sink(b);
    });
  }
  std::vector<std::string> warnings() const override { return inner_->warnings(); }

 private:
  std::unique_ptr<query::ScanSource> inner_;
  std::function<bool()> stop_;
};

}  // namespace

const char* QueryStatusName(QueryStatus s) {
  switch (s) {
    case QueryStatus::kScheduled:
      return "Scheduled";
    case QueryStatus::kRunning:
      return "Running";
    case QueryStatus::kComplete:
      return "Complete";
    case QueryStatus::kFailed:
      return "Failed";
    case QueryStatus::kCancelled:
      return "Cancelled";
    case QueryStatus::kTimeout:
      return "Timeout";
  }
  return "Unknown";
}

std::optional<QueryStatus> ParseQueryStatus(std::string_view name) {
  for (QueryStatus s : {QueryStatus::kScheduled, QueryStatus::kRunning, QueryStatus::kComplete,
                        QueryStatus::kFailed, QueryStatus::kCancelled, QueryStatus::kTimeout}) {
    if (name == QueryStatusName(s)) return s;
  }
  return std::nullopt;
}

std::string NewUuid() {
  static std::mutex mu;
  static std::mt19937_64 rng{std::random_device{}()};
  uint64_t a, b;
  {
    std::lock_guard<std::mutex> lock(mu);
    a = rng();
    b = rng();
  }
  a = (a & ~0xf000ULL) | 0x4000ULL;        // version 4
  b = (b & ~(3ULL << 62)) | (2ULL << 62);  // variant 10
  char buf[40];
  snprintf(buf, sizeof buf, "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(a >> 32),
           static_cast<unsigned>((a >> 16) & 0xffff), static_cast<unsigned>(a & 0xffff),
           static_cast<unsigned>(b >> 48), static_cast<unsigned long long>(b & 0xffffffffffffULL));
  return buf;
}

QueryManager::QueryManager(storage::Store* store, QueryManagerOptions options)
    : store_(store), options_(std::move(options)) {
  options_.max_concurrent = std::max(1, options_.max_concurrent);
  for (int i = 0; i < options_.max_concurrent; ++i) workers_.emplace_back([this] { Worker(); });
}

QueryManager::~QueryManager() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    for (auto& [id, q] : queries_) q->cancel = true;
  }
  cv_.notify_all();
  for (auto& t : workers_) t.join();
}

int64_t QueryManager::Now() const {
  if (options_.clock) return options_.clock();
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Result<std::string> QueryManager::Start(QuerySpec spec) {
  auto q = std::make_shared<Query>();
  std::lock_guard<std::mutex> lock(mu_);
  Expire();
  if (active_ >= options_.max_concurrent) {
    return Status::ResourceExhausted("The maximum number of concurrent queries (" +
                                     std::to_string(options_.max_concurrent) +
                                     ") has been reached.");
  }
  q->info.id = NewUuid();
  q->info.spec = std::move(spec);
  q->info.create_time_ms = Now();
  q->deadline_ms = q->info.create_time_ms + options_.timeout_ms;
  q->serial = next_serial_++;
  if (next_serial_ == 0) next_serial_ = 1;
  queries_[q->info.id] = q;
  by_serial_[q->serial] = q;
  queue_.push_back(q);
  ++active_;
  cv_.notify_one();
  return q->info.id;
}

void QueryManager::Worker() {
  for (;;) {
    std::shared_ptr<Query> q;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      q = queue_.front();
      queue_.pop_front();
      if (q->info.status != QueryStatus::kScheduled) continue;  // stopped while waiting
      q->info.status = QueryStatus::kRunning;
    }
    Run(q.get());
  }
}

void QueryManager::Run(Query* q) {
  const int64_t started = Now();
  std::shared_ptr<const storage::StoreSnapshot> snap = store_->Snapshot();
  auto stop = [q, this] { return q->cancel.load() || Now() > q->deadline_ms; };
  const QuerySpec& spec = q->info.spec;
  query::SourceFactory make =
      [&](const query::Plan& plan) -> Result<std::unique_ptr<query::ScanSource>> {
    std::vector<const storage::GroupSnapshot*> groups;
    for (const std::string& name : spec.group_names) {
      const storage::GroupSnapshot* g = snap->FindGroup(name);
      if (!g) return Status::NotFound("log group '" + name + "' does not exist");
      groups.push_back(g);
    }
    auto inner = std::make_unique<query::StoreSource>(snap, groups, spec.start_ms, spec.end_ms,
                                                      options_.account_id, nullptr, &plan);
    return std::unique_ptr<query::ScanSource>(
        std::make_unique<GuardedSource>(std::move(inner), stop));
  };
  query::QueryOptions opts;
  opts.start_ms = spec.start_ms;
  opts.end_ms = spec.end_ms;
  opts.limit = spec.limit;
  opts.threads = options_.threads_per_query;
  opts.memory_budget_bytes = options_.memory_budget_bytes;
  opts.counters = &q->counters;
  opts.partial_interval_ms = options_.partial_interval_ms;
  opts.on_partial = [q, this](query::QueryResult&& partial) {
    auto shared = std::make_shared<const query::QueryResult>(std::move(partial));
    {
      std::lock_guard<std::mutex> lock(mu_);
      q->partial = std::move(shared);
    }
    if (options_.partial_published) options_.partial_published(q->info.id);
  };
  Result<query::QueryResult> r = query::RunQuery(spec.query_string, make, opts);
  q->info.duration_ms = Now() - started;
  if (!r.ok()) {
    QueryStatus st = QueryStatus::kFailed;
    if (q->cancel) {
      st = QueryStatus::kCancelled;
    } else if (Now() > q->deadline_ms) {
      st = QueryStatus::kTimeout;
    } else if (options_.log) {
      options_.log("query " + q->info.id + " failed: " + r.status().message());
    }
    Finish(q, st, nullptr, {});
    return;
  }
  // Rows still in the WAL get query-local pointers (see the header).
  std::vector<PointedEvent> pointed;
  std::map<std::string, std::string> renamed;
  for (std::string& p : r->pointers) {
    uint64_t group_id, segment_id, row;
    if (!query::ParseStorePointer(p, &group_id, &segment_id, &row) || segment_id != 0) continue;
    const storage::GroupSnapshot* group = nullptr;
    for (const auto& g : snap->groups()) {
      if (g.info.id == group_id) group = &g;
    }
    if (!group) continue;
    PointedEvent ev;
    Status st = snap->GetEvent(*group, 0, row, [&](const storage::EventView& e) {
      ev = PointedEvent{group->info.name,      group_id,
                        std::string(e.stream), e.timestamp_ms,
                        e.ingestion_time_ms,   std::string(e.message)};
      return Status::Ok();
    });
    if (!st.ok()) continue;
    std::string local = "u" + query::MakePointer(q->serial, pointed.size());
    pointed.push_back(std::move(ev));
    renamed[p] = local;
    p = local;
  }
  if (!renamed.empty()) {
    for (size_t c = 0; c < r->columns.size(); ++c) {
      if (r->columns[c] != "@ptr") continue;
      for (auto& row : r->rows) {
        if (!row[c]) continue;
        auto it = renamed.find(*row[c]);
        if (it != renamed.end()) row[c] = it->second;
      }
    }
  }
  Finish(q, QueryStatus::kComplete, std::make_shared<const query::QueryResult>(std::move(*r)),
         std::move(pointed));
}

void QueryManager::Finish(Query* q, QueryStatus status,
                          std::shared_ptr<const query::QueryResult> result,
                          std::vector<PointedEvent> pointed) {
  std::lock_guard<std::mutex> lock(mu_);
  // A StopQuery that raced with the end of the run wins.
  q->info.status = q->cancel && status != QueryStatus::kComplete ? QueryStatus::kCancelled : status;
  if (q->cancel && status == QueryStatus::kComplete) q->info.status = QueryStatus::kCancelled;
  q->info.bytes_scanned =
      result ? result->statistics.bytes_scanned : static_cast<double>(q->counters.bytes.load());
  q->result = q->info.status == QueryStatus::kComplete ? std::move(result) : nullptr;
  q->partial.reset();
  q->pointed =
      q->info.status == QueryStatus::kComplete ? std::move(pointed) : std::vector<PointedEvent>{};
  q->finish_time_ms = Now();
  --active_;
}

void QueryManager::Expire() {
  const int64_t now = Now();
  for (auto it = queries_.begin(); it != queries_.end();) {
    const Query& q = *it->second;
    bool finished =
        q.info.status != QueryStatus::kScheduled && q.info.status != QueryStatus::kRunning;
    if (finished && now - q.finish_time_ms > options_.results_ttl_ms) {
      by_serial_.erase(q.serial);
      it = queries_.erase(it);
    } else {
      ++it;
    }
  }
}

std::optional<std::string> QueryManager::ResultsJson(const std::string& id, size_t first_row,
                                                     size_t max_rows) {
  std::shared_ptr<Query> q;
  QueryStatus status;
  std::shared_ptr<const query::QueryResult> shown;
  {
    std::lock_guard<std::mutex> lock(mu_);
    Expire();
    auto it = queries_.find(id);
    if (it == queries_.end()) return std::nullopt;
    q = it->second;
    status = q->info.status;
    shown = status == QueryStatus::kComplete ? q->result : q->partial;
  }
  if (status == QueryStatus::kComplete) {
    const size_t rows = shown->rows.size();
    std::string token;
    if (max_rows < rows && first_row < rows - max_rows) token = PageToken(first_row + max_rows);
    return query::FormatJson(*shown, QueryStatusName(status), first_row, max_rows, token);
  }
  if (shown) return query::FormatJson(*shown, QueryStatusName(status), first_row, max_rows, {});
  query::QueryResult progress;
  progress.statistics.records_scanned = static_cast<double>(q->counters.records.load());
  progress.statistics.bytes_scanned = static_cast<double>(q->counters.bytes.load());
  return query::FormatJson(progress, QueryStatusName(status));
}

std::string QueryManager::PageToken(size_t first_row) {
  return "rows/" + std::to_string(first_row);
}

std::optional<size_t> QueryManager::ParsePageToken(std::string_view token) {
  if (!token.starts_with("rows/") || token.size() == 5 || token.size() > 15) return std::nullopt;
  size_t n = 0;
  for (char c : token.substr(5)) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + static_cast<size_t>(c - '0');
  }
  return n;
}

QueryManager::StopOutcome QueryManager::Stop(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = queries_.find(id);
  if (it == queries_.end()) return StopOutcome::kUnknown;
  Query& q = *it->second;
  if (q.info.status == QueryStatus::kScheduled) {
    q.cancel = true;
    q.info.status = QueryStatus::kCancelled;
    q.finish_time_ms = Now();
    --active_;
    return StopOutcome::kStopped;
  }
  if (q.info.status != QueryStatus::kRunning || q.cancel) return StopOutcome::kNotRunning;
  q.cancel = true;
  return StopOutcome::kStopped;
}

std::vector<QueryInfo> QueryManager::List() {
  std::lock_guard<std::mutex> lock(mu_);
  Expire();
  std::vector<QueryInfo> out;
  for (const auto& [id, q] : queries_) {
    out.push_back(q->info);
    if (q->info.status == QueryStatus::kRunning) {
      out.back().bytes_scanned = static_cast<double>(q->counters.bytes.load());
    }
  }
  std::sort(out.begin(), out.end(), [](const QueryInfo& a, const QueryInfo& b) {
    return a.create_time_ms != b.create_time_ms ? a.create_time_ms > b.create_time_ms : a.id < b.id;
  });
  return out;
}

std::optional<PointedEvent> QueryManager::FindPointedEvent(std::string_view pointer) {
  if (!IsLocalPointer(pointer)) return std::nullopt;
  uint32_t serial;
  uint64_t index;
  if (!query::ParsePointer(pointer.substr(1), &serial, &index)) return std::nullopt;
  std::lock_guard<std::mutex> lock(mu_);
  Expire();
  auto it = by_serial_.find(serial);
  if (it == by_serial_.end() || index >= it->second->pointed.size()) return std::nullopt;
  return it->second->pointed[index];
}

}  // namespace flowlens::server

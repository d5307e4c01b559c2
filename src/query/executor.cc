#include "query/executor.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "query/aggregate.h"
#include "query/analyzer.h"
#include "query/evaluator.h"
#include "query/lookup_table.h"
#include "query/operators.h"
#include "query/parser.h"
#include "query/row_collector.h"

namespace flowlens::query {
namespace {

// What one worker thread accumulates. `mu` is held by the worker while it
// scans a morsel, and by whoever gathers its output for a partial result.
struct WorkerOutput {
  std::mutex mu;
  EvalState* state = nullptr;  // the worker's, while it runs
  std::unique_ptr<GroupTable> groups;
  RowCollector rows;  // rows reaching a first blocking stage that is not stats
  uint64_t matched = 0;
  Status status;
};

// What the workers handed over so far: the input of the stages from the
// first blocking one on.
struct Gathered {
  std::unique_ptr<GroupTable> groups;
  RowCollector rows;
  uint64_t matched = 0;
};

int64_t SteadyMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Tells the scan which rows can no longer make the answer (collections with
// an order key that hold their bound; see RowCollector::KeyThreshold).
void PublishThreshold(const RowCollector& rows, const OrderKey& key, ScanCounters* counters) {
  std::optional<int64_t> t = rows.KeyThreshold();
  if (!t) return;
  std::atomic<int64_t>& bound = key.descending ? counters->needed_key_from : counters->needed_key_to;
  int64_t cur = bound.load(std::memory_order_relaxed);
  if (key.descending) {
    while (*t > cur && !bound.compare_exchange_weak(cur, *t, std::memory_order_relaxed)) {
    }
  } else {
    while (*t < cur && !bound.compare_exchange_weak(cur, *t, std::memory_order_relaxed)) {
    }
  }
}

// Moves a worker's output into `g` (the caller holds out->mu). With
// `replace_table`, a worker still running gets an empty group table to go on
// with.
void Gather(WorkerOutput* out, Gathered* g, bool replace_table, const Plan& plan,
            size_t first_blocking) {
  g->matched += out->matched;
  out->matched = 0;
  if (out->groups) {
    if (!g->groups) {
      g->groups = std::move(out->groups);
    } else {
      g->groups->Merge(std::move(*out->groups));
    }
    out->groups.reset();
    if (replace_table && out->state) {
      out->groups = std::make_unique<GroupTable>(plan.stages[first_blocking],
                                                 plan.scan.timestamp_slot, out->state);
    }
  }
  g->rows.Merge(std::move(out->rows));
}

// Runs the stages from the first blocking one on over what was gathered, and
// renders the rows. With `consume` false (a partial result) the gathered
// input stays as it was, for more to be added.
struct Finisher {
  const Plan& plan;
  size_t first_blocking;
  bool streaming_stats;
  int64_t limit;
  const QueryTimes* times;
  const std::map<std::string, LookupTable>* lookups;
  const ScanCounters* counters;

  Result<QueryResult> Finish(Gathered* g, bool consume) const;
};

Result<QueryResult> Finisher::Finish(Gathered* g, bool consume) const {
  const size_t slots = plan.slot_names.size();
  EvalState state(plan, times);
  state.lookups = lookups;
  Batch result;
  size_t next_stage = first_blocking;
  std::vector<int> tie_break;
  if (streaming_stats) {
    if (!g->groups) {
      g->groups = std::make_unique<GroupTable>(plan.stages[first_blocking],
                                               plan.scan.timestamp_slot, &state);
    }
    // When a sort follows (after filters, which keep the order of the rows
    // they keep), the groups need no order of their own: that sort breaks
    // its ties on the group keys, the same way on every run.
    size_t sort_at = first_blocking + 1;
    while (sort_at < plan.stages.size() && plan.stages[sort_at].kind == CommandKind::kFilter) {
      ++sort_at;
    }
    const bool sort_follows =
        sort_at < plan.stages.size() && plan.stages[sort_at].kind == CommandKind::kSort;
    GroupTable::TopN top;
    if (sort_follows) {
      tie_break = plan.stages[first_blocking].group_slots;
      // stats | sort | limit: only the groups that can make the top need keys.
      const size_t limit_at = sort_at + 1;
      if (sort_at == first_blocking + 1 && limit_at < plan.stages.size() &&
          plan.stages[limit_at].kind == CommandKind::kLimit && !plan.stages[limit_at].limit_tail &&
          plan.stages[limit_at].limit > 0) {
        top = {&plan.stages[sort_at], static_cast<size_t>(plan.stages[limit_at].limit)};
      }
    }
    result = g->groups->Finish(slots, &state, !sort_follows, top);
    next_stage = first_blocking + 1;
  } else {
    // The rows come in whatever order the workers read them: put them in an
    // order that does not depend on it before the commands that see it.
    result = g->rows.Build(consume);
    if (first_blocking < plan.stages.size()) {
      const Stage& st = plan.stages[first_blocking];
      if (st.kind == CommandKind::kLimit) OrderNewestFirst(&result, plan.scan.timestamp_slot);
      if (st.kind == CommandKind::kDedup) OrderByInput(&result);
      // A sort there breaks its ties in input order (below).
    }
  }
  bool sorted = false;
  for (size_t i = next_stage; i < plan.stages.size(); ++i) {
    const Stage& st = plan.stages[i];
    if (st.kind == CommandKind::kStats) {
      GroupTable table(st, -1, &state);
      table.Add(result);
      result = table.Finish(slots, &state);
      continue;
    }
    if (st.kind == CommandKind::kSort) {
      sorted = true;
      const bool by_input = !streaming_stats && i == first_blocking;
      // sort then limit: only the top rows need ordering.
      if (i + 1 < plan.stages.size() && plan.stages[i + 1].kind == CommandKind::kLimit &&
          !plan.stages[i + 1].limit_tail) {
        RETURN_IF_ERROR(ApplySort(st, &result, &state,
                                  static_cast<size_t>(plan.stages[i + 1].limit), tie_break,
                                  by_input));
        tie_break.clear();
        continue;
      }
      RETURN_IF_ERROR(ApplySort(st, &result, &state, 0, tie_break, by_input));
      tie_break.clear();
      continue;
    }
    if (st.kind != CommandKind::kFilter) tie_break.clear();
    RETURN_IF_ERROR(ApplyStage(st, &result, &state));
  }

  QueryResult qr;
  qr.is_stats = plan.has_stats;
  if (!plan.has_stats && !sorted) {
    OrderNewestFirst(&result, plan.scan.timestamp_slot);
  }
  size_t n = result.size;
  if (limit > 0 && n > static_cast<size_t>(limit)) n = static_cast<size_t>(limit);
  for (const auto& [name, slot] : plan.output) qr.columns.push_back(name);
  qr.rows.reserve(n);
  for (size_t r = 0; r < n; ++r) {
    std::vector<std::optional<std::string>> row;
    row.reserve(plan.output.size());
    for (const auto& [name, slot] : plan.output) {
      if (name == "@ptr" && !plan.has_stats) {
        row.emplace_back(MakePointer(result.source_ids[r], result.row_ids[r]));
        continue;
      }
      Value v = result.columns[slot].Get(r);
      if (v.is_null()) {
        row.emplace_back();
      } else {
        row.emplace_back(ValueToText(v));
      }
    }
    qr.rows.push_back(std::move(row));
    if (!plan.has_stats)
      qr.pointers.push_back(MakePointer(result.source_ids[r], result.row_ids[r]));
  }
  qr.statistics.records_matched = static_cast<double>(g->matched);
  qr.statistics.records_scanned = static_cast<double>(counters->records.load());
  qr.statistics.bytes_scanned = static_cast<double>(counters->bytes.load());
  return qr;
}

// Files: one reader hands out chunks of whole lines (morsels of mapped files,
// whole gzip objects); workers decompress and parse them.
class FileSource : public ScanSource {
 public:
  FileSource(std::vector<ScanInput> inputs, std::optional<Layout> format)
      : inputs_(std::move(inputs)), reader_(&inputs_, std::move(format)) {}

  Result<bool> Next(const ScanRequest& request, size_t slot_count, int64_t start_ms, int64_t end_ms,
                    ScanCounters* counters, const std::function<void(Batch&)>& sink) override {
    if (counters->stop) return false;
    std::optional<Chunk> chunk;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!projection_) projection_ = std::make_unique<ScanProjection>(request, slot_count);
      auto next = reader_.Next();
      if (!next.ok()) return next.status();
      chunk = std::move(*next);
    }
    if (!chunk) return false;
    if (chunk->deferred) RETURN_IF_ERROR(LoadChunk(&*chunk));  // outside the lock: in parallel
    projection_->ParseChunk(*chunk, start_ms, end_ms, counters, sink);
    return true;
  }

 private:
  std::vector<ScanInput> inputs_;
  ChunkReader reader_;
  std::mutex mu_;
  std::unique_ptr<ScanProjection> projection_;
};

}  // namespace

Result<QueryResult> RunQueryOnFiles(std::string_view query_text, std::vector<ScanInput> inputs,
                                    const QueryOptions& options, QueryErrorInfo* error_info) {
  auto shared_inputs = std::make_shared<std::vector<ScanInput>>(std::move(inputs));
  SourceFactory make = [&](const Plan&) -> Result<std::unique_ptr<ScanSource>> {
    return std::unique_ptr<ScanSource>(
        std::make_unique<FileSource>(std::move(*shared_inputs), options.format));
  };
  return RunQuery(query_text, make, options, error_info);
}

Result<QueryResult> RunQuery(std::string_view query_text, const SourceFactory& make_source,
                             const QueryOptions& options, QueryErrorInfo* error_info) {
  QueryError perr;
  Result<Query> parsed = ParseQuery(query_text, &perr);
  if (!parsed.ok()) {
    if (error_info) *error_info = {perr.line, perr.column, perr.start_offset, perr.end_offset};
    return parsed.status();
  }
  AnalyzeError aerr;
  Result<Plan> planned = Analyze(*parsed, &aerr);
  if (!planned.ok()) {
    if (error_info) {
      *error_info = {aerr.span.line, aerr.span.column, aerr.span.offset,
                     aerr.span.offset + aerr.span.length};
    }
    return planned.status();
  }
  Plan& plan = *planned;
  plan.scan.row_conditions = LeadingFilterConditions(plan);
  // Load the lookup tables the query names before reading any data.
  std::map<std::string, LookupTable> lookups;
  for (Stage& st : plan.stages) {
    if (st.kind != CommandKind::kLookup) continue;
    auto path = options.lookup_tables.find(st.lookup_table);
    if (path == options.lookup_tables.end()) {
      return Status::InvalidArgument(
          "line " + std::to_string(st.span.line) + ", column " + std::to_string(st.span.column) +
          ": lookup table '" + st.lookup_table + "' does not exist; give it as --lookup-table " +
          st.lookup_table + "=FILE.csv");
    }
    if (!lookups.count(st.lookup_table)) {
      ASSIGN_OR_RETURN(LookupTable t, LookupTable::Load(st.lookup_table, path->second));
      lookups.emplace(st.lookup_table, std::move(t));
    }
    LookupTable& t = lookups.at(st.lookup_table);
    st.lookup_key_columns.clear();
    for (const auto& [column, slot] : st.lookup_keys) {
      int c = t.ColumnIndex(column);
      if (c < 0) {
        return Status::InvalidArgument("lookup table '" + st.lookup_table + "' has no column '" +
                                       column + "'");
      }
      st.lookup_key_columns.push_back(c);
    }
    for (const auto& [column, slot] : st.lookup_outputs) {
      if (t.ColumnIndex(column) < 0) {
        return Status::InvalidArgument("lookup table '" + st.lookup_table + "' has no column '" +
                                       column + "'");
      }
    }
    t.Prepare(st.lookup_key_columns);
  }
  const size_t slots = plan.slot_names.size();
  QueryTimes times;
  times.start_ms = options.start_ms == std::numeric_limits<int64_t>::min() ? 0 : options.start_ms;
  times.end_ms = options.end_ms;
  times.now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                     std::chrono::system_clock::now().time_since_epoch())
                     .count();
  if (times.end_ms == std::numeric_limits<int64_t>::max()) times.end_ms = times.now_ms;

  const size_t first_blocking = FirstBlockingStage(plan);
  const bool streaming_stats = first_blocking < plan.stages.size() &&
                               plan.stages[first_blocking].kind == CommandKind::kStats;
  // The collected rows are put in input order (row_collector.h).
  if (!streaming_stats) plan.scan.row_ids = true;
  const CollectPlan collect = PlanCollect(plan, options.limit);

  ASSIGN_OR_RETURN(std::unique_ptr<ScanSource> source, make_source(plan));
  ScanCounters local_counters;
  ScanCounters& counters = options.counters ? *options.counters : local_counters;
  counters.stop = false;
  counters.needed_key_from = std::numeric_limits<int64_t>::min();
  counters.needed_key_to = std::numeric_limits<int64_t>::max();
  std::atomic<uint64_t> passed{0};  // rows collected by all workers (limit any)
  std::mutex source_mu;
  Status source_status;
  int threads = options.threads > 0
                    ? options.threads
                    : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  std::vector<WorkerOutput> outputs(static_cast<size_t>(threads));
  for (WorkerOutput& o : outputs) o.rows = RowCollector(&collect, slots);
  std::atomic<bool> failed{false};
  const Finisher finisher{plan,   first_blocking, streaming_stats, options.limit,
                          &times, &lookups,       &counters};

  // Partial results: between morsels, one worker at a time gathers what all
  // workers hold so far and renders it. While it gathers, the other workers
  // wait at their next morsel boundary (`gathering`): a worker that took its
  // mutex again right after releasing it would starve the gatherer (mutexes
  // are not fair), and the query would run on one thread.
  const bool partials = static_cast<bool>(options.on_partial);
  std::mutex gather_mu;  // held by the worker making a partial result
  Gathered gathered;
  gathered.rows = RowCollector(&collect, slots);
  std::atomic<int64_t> next_partial_ms{SteadyMs() + options.partial_interval_ms};
  std::atomic<bool> gathering{false};
  std::mutex turnstile_mu;
  std::condition_variable turnstile;
  auto make_partial = [&] {
    const int64_t began = SteadyMs();
    gathering = true;
    for (WorkerOutput& o : outputs) {
      std::lock_guard<std::mutex> lock(o.mu);
      Gather(&o, &gathered, /*replace_table=*/true, plan, first_blocking);
    }
    {
      std::lock_guard<std::mutex> lock(turnstile_mu);
      gathering = false;
    }
    turnstile.notify_all();
    Result<QueryResult> partial = finisher.Finish(&gathered, /*consume=*/false);
    // A partial result costs at most a fifth of the run (an interval of 0:
    // one after every morsel, whatever the cost).
    const int64_t cost = SteadyMs() - began;
    next_partial_ms = options.partial_interval_ms <= 0
                          ? 0
                          : SteadyMs() + std::max<int64_t>(options.partial_interval_ms, 4 * cost);
    if (partial.ok()) {
      partial->warnings = source->warnings();
      options.on_partial(std::move(*partial));
    }
  };

  auto worker = [&](int w) {
    WorkerOutput& out = outputs[static_cast<size_t>(w)];
    EvalState state(plan, &times);
    state.lookups = &lookups;
    {
      std::lock_guard<std::mutex> lock(out.mu);
      out.state = &state;
      if (streaming_stats) {
        out.groups = std::make_unique<GroupTable>(plan.stages[first_blocking],
                                                  plan.scan.timestamp_slot, &state);
      }
    }
    while (!failed && !counters.stop) {
      if (gathering) {
        std::unique_lock<std::mutex> lock(turnstile_mu);
        turnstile.wait(lock, [&] { return !gathering; });
      }
      Result<bool> more = false;
      {
        std::lock_guard<std::mutex> lock(out.mu);
        more = source->Next(
            plan.scan, slots, options.start_ms, options.end_ms, &counters, [&](Batch& b) {
              if (failed) return;
              for (size_t i = 0; i < first_blocking; ++i) {
                Status st = ApplyStage(plan.stages[i], &b, &state);
                if (!st.ok()) {
                  out.status = st;
                  failed = true;
                  return;
                }
                if (b.size == 0) return;
              }
              out.matched += b.size;
              if (streaming_stats) {
                out.groups->Add(b);
                Status mem = out.groups->CheckMemory(options.memory_budget_bytes, threads);
                if (!mem.ok()) {
                  out.status = mem;
                  failed = true;
                }
              } else {
                const size_t n = b.size;
                out.rows.Add(std::move(b), &state);
                if (collect.key.slot >= 0) PublishThreshold(out.rows, collect.key, &counters);
                // limit any: every worker stops once all of them have enough.
                if (collect.kind == CollectPlan::Kind::kAny &&
                    passed.fetch_add(n, std::memory_order_relaxed) + n >= collect.bound) {
                  counters.stop = true;
                }
              }
            });
        if (!more.ok() || !*more || failed) out.state = nullptr;  // this worker is done
      }
      if (!more.ok()) {
        std::lock_guard<std::mutex> lock(source_mu);
        source_status = more.status();
        failed = true;
        return;
      }
      if (!*more) return;
      if (partials && !failed && SteadyMs() >= next_partial_ms && gather_mu.try_lock()) {
        if (SteadyMs() >= next_partial_ms) make_partial();
        gather_mu.unlock();
      }
    }
    std::lock_guard<std::mutex> lock(out.mu);
    out.state = nullptr;
  };
  {
    std::vector<std::thread> pool;
    for (int w = 1; w < threads; ++w) pool.emplace_back(worker, w);
    worker(0);
    for (auto& t : pool) t.join();
  }
  if (!source_status.ok()) return source_status;
  for (auto& o : outputs) {
    if (!o.status.ok()) return o.status;
  }
  for (WorkerOutput& o : outputs) {
    Gather(&o, &gathered, /*replace_table=*/false, plan, first_blocking);
  }
  ASSIGN_OR_RETURN(QueryResult qr, finisher.Finish(&gathered, /*consume=*/true));
  qr.warnings = source->warnings();
  return qr;
}

}  // namespace flowlens::query

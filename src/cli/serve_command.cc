// `flowlens serve`: the CloudWatch Logs HTTP API on the store, for the aws
// CLI, the SDKs and log shippers (docs/server.md).
#include <fmt/core.h>
#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "cli/commands.h"
#include "cli/data_dir.h"
#include "server/credentials.h"
#include "server/http_server.h"
#include "server/query_definitions.h"
#include "server/query_manager.h"
#include "server/service.h"

namespace flowlens::cli {
namespace {

struct ServeArgs {
  std::string listen = "127.0.0.1:4590";
  std::string data_dir;
  std::string credentials;
  std::string region = "us-east-1";
  bool allow_anonymous = false;
  int max_concurrent_queries = 10;
  int query_threads = 0;
  int query_timeout = 900;
  int query_memory_mb = 1024;
  int results_ttl = 3600;
  int partial_results_ms = 1000;
  int clock_skew = 300;
  int http_threads = 32;
  size_t max_body_mb = 8;
  bool access_log = false;
};

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void Log(const std::string& line) {
  fmt::print(stderr, "flowlens serve: {}\n", line);
}

int RunServe(const ServeArgs& a) {
  size_t colon = a.listen.rfind(':');
  int port = -1;
  if (colon != std::string::npos) {
    try {
      port = std::stoi(a.listen.substr(colon + 1));
    } catch (...) {
      port = -1;
    }
  }
  if (colon == std::string::npos || colon == 0 || port < 0 || port > 65535) {
    fmt::print(stderr, "flowlens serve: --listen wants HOST:PORT, got '{}'\n", a.listen);
    return 2;
  }
  std::string host = a.listen.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  std::optional<server::Credentials> creds;
  if (!a.credentials.empty()) {
    auto c = server::Credentials::Load(a.credentials);
    if (!c.ok()) {
      fmt::print(stderr, "flowlens serve: {}\n", c.status().message());
      return 2;
    }
    creds = std::move(*c);
  } else if (!a.allow_anonymous) {
    fmt::print(stderr,
               "flowlens serve: give --credentials FILE (AWS shared credentials format), or "
               "--allow-anonymous to let anyone in\n");
    return 2;
  }
  // Signals go to one thread that stops the server; block them everywhere else.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  const std::string dir = ResolveDataDir(a.data_dir);
  auto store = OpenStore(dir, true);
  if (!store.ok()) {
    fmt::print(stderr, "flowlens serve: {}\n", store.status().message());
    return 2;
  }
  auto defs = server::QueryDefinitions::Open(dir + "/query-definitions.json");
  if (!defs.ok()) {
    fmt::print(stderr, "flowlens serve: {}\n", defs.status().message());
    return 1;
  }
  server::QueryManagerOptions qopts;
  qopts.max_concurrent = std::max(1, a.max_concurrent_queries);
  qopts.threads_per_query =
      a.query_threads > 0 ? a.query_threads
                          : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  qopts.timeout_ms = int64_t{a.query_timeout} * 1000;
  qopts.memory_budget_bytes = size_t(std::max(1, a.query_memory_mb)) << 20;
  qopts.results_ttl_ms = int64_t{a.results_ttl} * 1000;
  qopts.partial_interval_ms = a.partial_results_ms;
  qopts.log = Log;
  auto queries = std::make_unique<server::QueryManager>(store->get(), qopts);

  server::ServiceContext ctx;
  ctx.store = store->get();
  ctx.queries = queries.get();
  ctx.definitions = defs->get();
  ctx.region = a.region;
  ctx.now_ms = NowMs;
  server::ServiceOptions sopts;
  sopts.allow_anonymous = a.allow_anonymous;
  sopts.max_skew_seconds = a.clock_skew;
  sopts.log = Log;
  server::Service service(ctx, creds ? &*creds : nullptr, sopts);

  server::HttpServerOptions hopts;
  hopts.host = host;
  hopts.port = port;
  hopts.threads = a.http_threads;
  hopts.max_body_bytes = a.max_body_mb << 20;
  if (a.access_log) hopts.access_log = Log;
  server::HttpServer http(&service, hopts);
  if (Status st = http.Bind(); !st.ok()) {
    fmt::print(stderr, "flowlens serve: {}\n", st.message());
    return 1;
  }
  if (a.allow_anonymous) {
    Log("WARNING: --allow-anonymous: requests without a signature are accepted from anyone "
        "who can reach " +
        host + ":" + std::to_string(http.port()));
  }
  if (host != "127.0.0.1" && host != "::1" && host != "localhost") {
    Log("note: listening on " + host + ", not only on loopback; plain HTTP, no TLS");
  }
  Log(fmt::format("listening on http://{}:{} (data {}, region {}, {} user(s))", host, http.port(),
                  dir, a.region, creds ? creds->size() : 0));

  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  std::thread stopper([&] {
    int sig = 0;
    sigwait(&signals, &sig);
    {
      std::lock_guard<std::mutex> lock(mu);
      if (done) return;
    }
    Log(fmt::format("signal {}: finishing requests in flight", sig));
    http.Stop();
  });
  // Retention once a minute, as `ingest --follow` does.
  std::thread retention([&] {
    std::unique_lock<std::mutex> lock(mu);
    while (!cv.wait_for(lock, std::chrono::minutes(1), [&] { return done; })) {
      lock.unlock();
      auto r = (*store)->ApplyRetention(NowMs());
      if (!r.ok()) Log("retention: " + r.status().message());
      lock.lock();
    }
  });
  http.Run();
  {
    std::lock_guard<std::mutex> lock(mu);
    done = true;
  }
  cv.notify_all();
  retention.join();
  pthread_kill(stopper.native_handle(), SIGTERM);  // wakes sigwait if no signal came
  stopper.join();
  queries.reset();
  Status flushed = (*store)->Flush();
  if (!flushed.ok()) {
    Log("flush at exit: " + flushed.message() + " (the events stay in the write-ahead log)");
    return 1;
  }
  Log("stopped; store flushed");
  return 0;
}

}  // namespace

void AddServeCommand(CLI::App& app, int* exit_code) {
  auto a = std::make_shared<ServeArgs>();
  CLI::App* cmd = app.add_subcommand(
      "serve", "Serve the CloudWatch Logs API (aws CLI, SDKs) on the store (docs/server.md)");
  cmd->add_option("--listen", a->listen, "HOST:PORT to listen on (default 127.0.0.1:4590)");
  AddDataDirOption(cmd, &a->data_dir);
  cmd->add_option("--credentials", a->credentials,
                  "Users: a file in the AWS shared credentials format ([name] sections with "
                  "aws_access_key_id and aws_secret_access_key)");
  cmd->add_option("--region", a->region, "The region clients sign for (default us-east-1)");
  cmd->add_flag("--allow-anonymous", a->allow_anonymous,
                "Accept unsigned requests (logs a warning); signed ones are still checked");
  cmd->add_option("--max-concurrent-queries", a->max_concurrent_queries,
                  "Queries scheduled or running at once; more get LimitExceededException "
                  "(default 10)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--query-threads", a->query_threads, "Threads per query (default: every core)");
  cmd->add_option("--query-timeout", a->query_timeout,
                  "Seconds a query may run before it ends as Timeout (default 900)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--query-memory", a->query_memory_mb,
                  "Memory budget of one query in MB; past it the query fails (default 1024)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--results-ttl", a->results_ttl,
                  "Seconds the results of a finished query are kept (default 3600)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--partial-results-ms", a->partial_results_ms,
                  "How often a running query renews the partial results GetQueryResults shows, "
                  "in ms (default 1000; 0: after every segment it reads)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--clock-skew", a->clock_skew,
                  "Seconds X-Amz-Date may differ from the server's clock (default 300, as AWS; "
                  "-1: no check)");
  cmd->add_option("--http-threads", a->http_threads,
                  "Connections served at once (keep-alive connections hold one; default 32)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--max-body-mb", a->max_body_mb, "Largest request body in MB (default 8)")
      ->check(CLI::PositiveNumber);
  cmd->add_flag("--access-log", a->access_log, "Log one line per request on stderr");
  cmd->callback([a, exit_code] { *exit_code = RunServe(*a); });
}

}  // namespace flowlens::cli

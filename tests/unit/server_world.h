// A Service on a fresh store in a temporary directory, for the server tests
// and fuzzers: anonymous requests allowed by default (signed ones are checked
// against `credentials`), the clock pinned (2026-11-28T07:17:38Z unless told);
// Reopen() restarts it on the same directory.
//
//   ServerWorld world;
//   HttpResponse r = world.Call("CreateLogGroup", R"({"logGroupName": "g"})");
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>

#include "server/credentials.h"
#include "server/query_definitions.h"
#include "server/query_manager.h"
#include "server/service.h"
#include "storage/store.h"

namespace flowlens::server {

struct ServerWorldOptions {
  std::string parent_dir = "/tmp";
  int64_t now_ms = 1795850258000;
  storage::SyncPolicy sync = storage::SyncPolicy::kEveryAppend;
  QueryManagerOptions queries;  // (its clock is set to now_ms)
  ServiceOptions service{.allow_anonymous = true};
};

struct ServerWorld {
  explicit ServerWorld(const Credentials* credentials = nullptr, ServerWorldOptions o = {})
      : credentials_(credentials), options_(std::move(o)) {
    std::string tmpl = options_.parent_dir + "/flowlens-server-XXXXXX";
    dir = mkdtemp(tmpl.data());
    Open();
  }
  ~ServerWorld() {
    Close();
    std::filesystem::remove_all(dir);
  }

  // Closes everything and opens it again from the directory, as a restart.
  void Reopen() {
    Close();
    Open();
  }

  // POST / of `op` with `body`, unsigned.
  HttpResponse Call(const std::string& op, const std::string& body,
                    HeaderList extra_headers = {}) const {
    HttpRequest r;
    r.method = "POST";
    r.path = "/";
    r.body = body;
    r.headers = {{"host", "127.0.0.1:4590"},
                 {"content-type", "application/x-amz-json-1.1"},
                 {"x-amz-target", "Logs_20140328." + op}};
    r.headers.insert(r.headers.end(), extra_headers.begin(), extra_headers.end());
    return service->Handle(r);
  }

  std::string dir;
  std::unique_ptr<storage::Store> store;
  std::unique_ptr<QueryManager> queries;
  std::unique_ptr<QueryDefinitions> definitions;
  std::unique_ptr<Service> service;

 private:
  void Open() {
    const int64_t now = options_.now_ms;
    storage::StoreOptions so;
    so.sync = options_.sync;
    so.clock = [now] { return now; };
    store = std::move(storage::Store::Open(dir + "/data", so).value());
    QueryManagerOptions qo = options_.queries;
    qo.clock = [now] { return now; };
    queries = std::make_unique<QueryManager>(store.get(), qo);
    definitions = std::move(QueryDefinitions::Open(dir + "/defs.json").value());
    ServiceContext ctx{store.get(), queries.get(),  definitions.get(),
                       "us-east-1", "000000000000", [now] { return now; }};
    service = std::make_unique<Service>(ctx, credentials_, options_.service);
  }
  void Close() {
    service.reset();
    queries.reset();
    definitions.reset();
    store.reset();
  }

  const Credentials* credentials_;
  ServerWorldOptions options_;
};

}  // namespace flowlens::server

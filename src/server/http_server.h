// HttpServer: HTTP/1.1 with keep-alive (cpp-httplib) in front of a Service.
// Limits: request bodies up to max_body_bytes (413 with an AWS-shaped error
// beyond), headers up to 8 KB (the library's limit), read and write timeouts
// for slow clients, a fixed pool of worker threads. Stop() (for SIGTERM)
// stops accepting, lets requests in flight finish, and makes Run() return.
//
//   HttpServer http(&service, opts);
//   RETURN_IF_ERROR(http.Bind());          // fails if the port is taken
//   http.Run();                            // until Stop()
//
// Thread safety: Stop() may be called from any thread (a signal thread).
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "common/status.h"
#include "server/service.h"

namespace flowlens::server {

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  int port = 4590;  // 0: any free port (see port())
  size_t max_body_bytes = 8u << 20;
  int threads = 32;
  int read_timeout_seconds = 10;
  int write_timeout_seconds = 10;
  int keep_alive_seconds = 5;
  // One line per request (method, operation, status, ms); null: none.
  std::function<void(const std::string&)> access_log;
};

class HttpServer {
 public:
  HttpServer(const Service* service, HttpServerOptions options);
  ~HttpServer();
  Status Bind();
  int port() const { return port_; }
  void Run();
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  const Service* service_;
  HttpServerOptions options_;
  int port_ = 0;
};

}  // namespace flowlens::server

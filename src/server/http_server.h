// HttpServer: HTTP/1.1 with keep-alive (cpp-httplib) in front of a Service.
// Limits (http_connection.h enforces them; errors have the AWS shape and end
// the connection): request bodies up to max_body_bytes after decoding (413),
// request line and headers up to max_header_bytes (431) and each header line
// up to 8 KB (the library's limit, 400), headers within header_timeout and
// the whole request within request_timeout of its first byte (408), at most
// read/write_timeout of silence, keep-alive connections closed after
// keep_alive_seconds idle (or idle_yield_ms when others wait for a thread),
// a fixed pool of worker threads. Stop() (for SIGTERM) stops accepting, lets
// requests in flight finish, and makes Run() return.
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
  size_t max_header_bytes = 32u << 10;
  int threads = 32;
  int header_timeout_seconds = 10;
  int request_timeout_seconds = 60;
  int read_timeout_seconds = 10;
  int write_timeout_seconds = 10;
  int keep_alive_seconds = 5;
  int idle_yield_ms = 500;
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

#include "server/http_server.h"

#include <httplib.h>

#include <algorithm>
#include <cctype>
#include <chrono>

namespace flowlens::server {

struct HttpServer::Impl {
  httplib::Server server;
};

HttpServer::HttpServer(const Service* service, HttpServerOptions options)
    : impl_(std::make_unique<Impl>()), service_(service), options_(std::move(options)) {
  httplib::Server& s = impl_->server;
  const int threads = std::max(2, options_.threads);
  s.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
  s.set_payload_max_length(options_.max_body_bytes);
  s.set_read_timeout(options_.read_timeout_seconds, 0);
  s.set_write_timeout(options_.write_timeout_seconds, 0);
  s.set_keep_alive_timeout(options_.keep_alive_seconds);
  s.set_keep_alive_max_count(10000);
  auto handle = [this](const httplib::Request& req, httplib::Response& res) {
    auto started = std::chrono::steady_clock::now();
    HttpRequest r;
    r.method = req.method;
    r.path = req.path;
    for (const auto& [k, v] : req.params) {
      r.query += (r.query.empty() ? "" : "&") + k + "=" + v;
    }
    for (const auto& [k, v] : req.headers) {
      std::string name = k;
      std::transform(name.begin(), name.end(), name.begin(),
                     [](unsigned char c) { return std::tolower(c); });
      r.headers.emplace_back(std::move(name), v);
    }
    r.body = req.body;
    HttpResponse out = service_->Handle(r);
    res.status = out.status;
    res.set_header("x-amzn-RequestId", out.request_id);
    res.set_content(out.body, "application/x-amz-json-1.1");
    if (options_.access_log) {
      auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::steady_clock::now() - started)
                    .count();
      options_.access_log(req.remote_addr + " " + req.method + " " +
                          (out.operation.empty() ? "-" : out.operation) + " " +
                          std::to_string(out.status) + " " + std::to_string(ms) + "ms");
    }
  };
  s.Post(".*", handle);
  s.Get(".*", handle);
  s.Put(".*", handle);
  s.Delete(".*", handle);
  s.Patch(".*", handle);
  // Errors the library answers itself (413 body too large, 400 bad request
  // line, ...) also get the AWS shape. (The library calls this for every
  // status >= 400, ours included.)
  s.set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (!res.body.empty()) return;  // an answer of the Service
    ApiError e = ApiError::Make(
        res.status == 413 ? "SerializationException" : "BadRequest",
        res.status == 413 ? "The request body is too large." : "The request could not be read.",
        res.status);
    res.set_content(ErrorBody(e), "application/x-amz-json-1.1");
  });
  s.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
    res.status = 500;
    res.set_content(ErrorBody(ApiError::Internal("The server could not complete the request.")),
                    "application/x-amz-json-1.1");
  });
}

HttpServer::~HttpServer() = default;

Status HttpServer::Bind() {
  httplib::Server& s = impl_->server;
  if (options_.port == 0) {
    int port = s.bind_to_any_port(options_.host);
    if (port <= 0) return Status::IoError("cannot listen on " + options_.host + ":0");
    port_ = port;
    return Status::Ok();
  }
  if (!s.bind_to_port(options_.host, options_.port)) {
    return Status::IoError("cannot listen on " + options_.host + ":" +
                           std::to_string(options_.port) + " (in use, or not an address here?)");
  }
  port_ = options_.port;
  return Status::Ok();
}

void HttpServer::Run() {
  impl_->server.listen_after_bind();
}

void HttpServer::Stop() {
  impl_->server.stop();
}

}  // namespace flowlens::server

#include "server/http_server.h"

#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>

#include "server/http_connection.h"

namespace flowlens::server {
namespace {

constexpr const char* kJson = "application/x-amz-json-1.1";

// cpp-httplib's thread pool, counting the connections waiting for a worker.
class CountingPool final : public httplib::TaskQueue {
 public:
  CountingPool(size_t threads, std::atomic<int>* queued) : pool_(threads), queued_(queued) {}
  void enqueue(std::function<void()> fn) override {
    queued_->fetch_add(1);
    pool_.enqueue([queued = queued_, fn = std::move(fn)] {
      queued->fetch_sub(1);
      fn();
    });
  }
  void shutdown() override { pool_.shutdown(); }

 private:
  httplib::ThreadPool pool_;
  std::atomic<int>* queued_;
};

// cpp-httplib's server with its connection loop replaced by ServeConnection,
// which enforces the limits of http_connection.h.
class LimitedServer final : public httplib::Server {
 public:
  LimitedServer(ConnectionLimits limits, const std::atomic<int>* queued,
                std::function<Refusal(LimitHit)> refusal)
      : limits_(limits), queued_(queued), refusal_(std::move(refusal)) {}

 private:
  bool process_and_close_socket(socket_t sock) override {
    ServeConnection(
        sock, limits_, [this] { return svr_sock_ == INVALID_SOCKET; },
        [this] { return queued_->load() > 0; },
        [this](httplib::Stream& strm, bool last, bool& closed) {
          return process_request(strm, last, closed, nullptr);
        },
        refusal_);
    return true;
  }

  ConnectionLimits limits_;
  const std::atomic<int>* queued_;
  std::function<Refusal(LimitHit)> refusal_;
};

// The answer to a request the library or the body reader could not read.
LimitHit CurrentLimitHit() {
  const ConnectionStream* conn = ConnectionStream::Current();
  return conn ? conn->limit_hit() : LimitHit::kNone;
}

ApiError ReadError(int status, LimitHit hit, const HttpServerOptions& o) {
  auto seconds = [](int s) { return std::to_string(s) + " s"; };
  switch (hit) {
    case LimitHit::kHeaderBytes:
      return ApiError::Make(
          "SerializationException",
          "The request line and headers exceed " + std::to_string(o.max_header_bytes) + " bytes.",
          431);
    case LimitHit::kRequestBytes:
      return ApiError::Make(
          "SerializationException",
          "The request body is too large (limit " + std::to_string(o.max_body_bytes) + " bytes).",
          413);
    case LimitHit::kHeaderTimeout:
      return ApiError::Make(
          "RequestTimeoutException",
          "The request headers did not arrive within " + seconds(o.header_timeout_seconds) + ".",
          408);
    case LimitHit::kRequestTimeout:
      return ApiError::Make(
          "RequestTimeoutException",
          "The request did not arrive within " + seconds(o.request_timeout_seconds) + ".", 408);
    case LimitHit::kSilence:
      return ApiError::Make("RequestTimeoutException",
                            "The client sent nothing for " + seconds(o.read_timeout_seconds) +
                                " in the middle of a request.",
                            408);
    case LimitHit::kNone:
      break;
  }
  if (status == 413) {
    return ApiError::Make(
        "SerializationException",
        "The request body is too large (limit " + std::to_string(o.max_body_bytes) + " bytes).",
        413);
  }
  if (status == 414) {
    return ApiError::Make("SerializationException", "The request target is too long.", 414);
  }
  if (status == 404 || status == 405) {
    return ApiError::Make("UnknownOperationException",
                          "This endpoint takes POST / with X-Amz-Target "
                          "Logs_20140328.<Operation>.",
                          status);
  }
  return ApiError::Make("BadRequest", "The request could not be read.", 400);
}

void ReplyError(const ApiError& e, httplib::Response& res) {
  res.status = e.http_status;
  res.set_header("Connection", "close");
  res.set_content(ErrorBody(e), kJson);
  if (ConnectionStream* conn = ConnectionStream::Current()) conn->RequestClose();
}

}  // namespace

struct HttpServer::Impl {
  Impl(ConnectionLimits limits, std::function<Refusal(LimitHit)> refusal)
      : server(limits, &queued, std::move(refusal)) {}
  std::atomic<int> queued{0};
  LimitedServer server;
};

HttpServer::HttpServer(const Service* service, HttpServerOptions options)
    : service_(service), options_(std::move(options)) {
  ConnectionLimits limits;
  limits.max_header_bytes = options_.max_header_bytes;
  // Room for chunk framing and a compressed body's own bytes.
  limits.max_request_bytes = options_.max_header_bytes + 2 * options_.max_body_bytes + 65536;
  limits.header_timeout_ms = options_.header_timeout_seconds * 1000;
  limits.request_timeout_ms = options_.request_timeout_seconds * 1000;
  limits.read_timeout_ms = options_.read_timeout_seconds * 1000;
  limits.write_timeout_ms = options_.write_timeout_seconds * 1000;
  limits.keep_alive_ms = options_.keep_alive_seconds * 1000;
  limits.idle_yield_ms = options_.idle_yield_ms;
  impl_ = std::make_unique<Impl>(limits, [this](LimitHit hit) {
    ApiError e = ReadError(400, hit, options_);
    return Refusal{e.http_status, ErrorBody(e)};
  });
  httplib::Server& s = impl_->server;
  const int threads = std::max(2, options_.threads);
  std::atomic<int>* queued = &impl_->queued;
  s.new_task_queue = [threads, queued] {
    return new CountingPool(static_cast<size_t>(threads), queued);
  };
  s.set_payload_max_length(options_.max_body_bytes);
  // The library puts these on the sockets (SO_RCVTIMEO, SO_SNDTIMEO) too.
  s.set_read_timeout(options_.read_timeout_seconds, 0);
  s.set_write_timeout(options_.write_timeout_seconds, 0);
  s.set_keep_alive_timeout(options_.keep_alive_seconds);
  s.set_keep_alive_max_count(limits.max_requests);

  // The body is read here rather than by the library, so that its size is
  // capped after decoding (chunked, gzip) too.
  auto handle = [this](const httplib::Request& req, httplib::Response& res,
                       const httplib::ContentReader* content) {
    auto started = std::chrono::steady_clock::now();
    HttpRequest r;
    r.method = req.method;
    r.path = req.path;
    // The raw query (as signed), not the library's decoded parameters.
    if (size_t q = req.target.find('?'); q != std::string::npos) r.query = req.target.substr(q + 1);
    for (const auto& [k, v] : req.headers) {
      std::string name = k;
      std::transform(name.begin(), name.end(), name.begin(),
                     [](unsigned char c) { return std::tolower(c); });
      r.headers.emplace_back(std::move(name), v);
    }
    if (content) {
      if (req.is_multipart_form_data()) {
        ReplyError(ApiError::Make("SerializationException",
                                  "The request body must be JSON (application/x-amz-json-1.1), "
                                  "not multipart/form-data.",
                                  415),
                   res);
        return;
      }
      bool too_large = false;
      bool read = (*content)([&](const char* data, size_t n) {
        if (r.body.size() + n > options_.max_body_bytes) {
          too_large = true;
          return false;
        }
        r.body.append(data, n);
        return true;
      });
      if (!read) {
        ReplyError(ReadError(too_large ? 413 : res.status, CurrentLimitHit(), options_), res);
        return;
      }
    }
    HttpResponse out = service_->Handle(r);
    res.status = out.status;
    res.set_header("x-amzn-RequestId", out.request_id);
    res.set_content(out.body, kJson);
    if (options_.access_log) {
      auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::steady_clock::now() - started)
                    .count();
      options_.access_log(req.remote_addr + " " + req.method + " " +
                          (out.operation.empty() ? "-" : out.operation) + " " +
                          std::to_string(out.status) + " " + std::to_string(ms) + "ms");
    }
  };
  auto with_body = [handle](const httplib::Request& req, httplib::Response& res,
                            const httplib::ContentReader& content) { handle(req, res, &content); };
  auto without_body = [handle](const httplib::Request& req, httplib::Response& res) {
    handle(req, res, nullptr);
  };
  s.Post(".*", with_body);
  s.Put(".*", with_body);
  s.Patch(".*", with_body);
  s.Delete(".*", with_body);
  s.Get(".*", without_body);
  // Errors the library answers itself (bad request line, body it could not
  // read, ...) also get the AWS shape. (The library calls this for every
  // status >= 400, ours included.)
  s.set_error_handler([this](const httplib::Request&, httplib::Response& res) {
    if (!res.body.empty()) return;  // an answer of the Service
    ReplyError(ReadError(res.status, CurrentLimitHit(), options_), res);
  });
  s.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
    ReplyError(ApiError::Internal("The server could not complete the request."), res);
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

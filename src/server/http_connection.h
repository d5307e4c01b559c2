// One client connection of the HTTP server: the stream cpp-httplib reads
// requests from and writes answers to, and the keep-alive loop around it,
// with the limits that keep slow or hostile clients from holding a worker
// thread or memory without end (cpp-httplib 0.11 alone bounds only the time
// of each single read and write and the length of each header line, and
// reads chunked, unsized or compressed bodies into memory without a cap):
//
//  - request line and headers: at most max_header_bytes, received within
//    header_timeout_ms of the request's first byte (a client sending its
//    headers a byte at a time is cut off there);
//  - the whole request as sent (headers, body, chunk framing): at most
//    max_request_bytes, received within request_timeout_ms of its first byte;
//  - at most read_timeout_ms of silence while a request is being read, and
//    write_timeout_ms of stall while an answer is written, which must be
//    taken within request_timeout_ms of its first byte;
//  - between requests, keep_alive_ms of idleness, cut to idle_yield_ms when
//    other connections are waiting for a worker thread.
//
// A read past a limit fails and limit_hit() names the limit, so the server
// answers 431, 413 or 408 (when the client is still there) and closes the
// connection; when the library gave up without answering (a limit hit in the
// request line), ServeConnection writes the answer `refusal` gives. Error answers and answers to
// refused bodies end the connection (RequestClose()), since the rest of the request is not read.
//
//   ServeConnection(fd, limits, [&] { return stopping; }, [&] { return queued > 0; },
//                   [&](httplib::Stream& s, bool last, bool& closed) { ... },
//                   [&](LimitHit hit) { return Refusal{408, body}; });
//
// Thread safety: a connection belongs to the worker thread that serves it;
// Current() is that thread's connection (null elsewhere).
#pragma once

#include <httplib.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

namespace flowlens::server {

struct ConnectionLimits {
  size_t max_header_bytes = 32 << 10;
  size_t max_request_bytes = 17 << 20;
  int header_timeout_ms = 10'000;
  int request_timeout_ms = 60'000;
  int read_timeout_ms = 10'000;
  int write_timeout_ms = 10'000;
  int keep_alive_ms = 5'000;
  int idle_yield_ms = 500;
  size_t max_requests = 10'000;  // per connection
};

enum class LimitHit {
  kNone,
  kHeaderBytes,
  kRequestBytes,
  kHeaderTimeout,
  kRequestTimeout,
  kSilence
};

class ConnectionStream final : public httplib::Stream {
 public:
  using Clock = std::chrono::steady_clock;

  ConnectionStream(int fd, const ConnectionLimits& limits) : fd_(fd), limits_(limits) {}

  // The connection the calling worker thread serves, or null.
  static ConnectionStream* Current();

  // Waits for the first byte of the next request. False when the client
  // closed, stayed idle too long, or `stopping` turned true.
  bool WaitForRequest(const std::function<bool()>& stopping,
                      const std::function<bool()>& others_waiting);
  // Starts the clocks and byte counts of a request.
  void BeginRequest();
  LimitHit limit_hit() const { return limit_hit_; }
  // The connection ends after the current answer.
  void RequestClose() { close_requested_ = true; }
  bool close_requested() const { return close_requested_ || limit_hit_ != LimitHit::kNone; }
  // Something of an answer to the current request was written.
  bool answered() const { return writing_; }

  bool is_readable() const override;
  bool is_writable() const override;
  ssize_t read(char* ptr, size_t size) override;
  ssize_t write(const char* ptr, size_t size) override;
  void get_remote_ip_and_port(std::string& ip, int& port) const override;
  void get_local_ip_and_port(std::string& ip, int& port) const override;
  socket_t socket() const override { return fd_; }

 private:
  // Milliseconds to wait for input now (0: a deadline passed; limit_hit_ says which).
  int ReadWaitMs() const;
  // Polls the socket for `events` up to `ms`; true when ready.
  bool Poll(short events, int ms) const;
  // Counts bytes handed to the parser; false when that passes a limit.
  bool Account(const char* data, size_t n);

  int fd_;
  ConnectionLimits limits_;
  char buf_[4096];
  size_t buf_off_ = 0, buf_len_ = 0;
  bool eof_ = false;
  // Per request.
  Clock::time_point started_{}, write_started_{};
  bool writing_ = false;
  bool in_headers_ = true;
  size_t header_line_bytes_ = 0;  // of the header line being read, without its "\n"
  char last_byte_ = 0;
  size_t header_bytes_ = 0, request_bytes_ = 0;
  mutable LimitHit limit_hit_ = LimitHit::kNone;
  bool close_requested_ = false;
};

// The answer to a request refused for a limit: an HTTP status and a JSON body.
struct Refusal {
  int status = 400;
  std::string body;
};

// Serves requests on `fd` until the client leaves, a limit is hit, `stopping`
// turns true or `process` (cpp-httplib's Server::process_request) says so;
// then shuts the socket down and closes it.
void ServeConnection(int fd, const ConnectionLimits& limits, const std::function<bool()>& stopping,
                     const std::function<bool()>& others_waiting,
                     const std::function<bool(httplib::Stream&, bool last, bool& closed)>& process,
                     const std::function<Refusal(LimitHit)>& refusal);

}  // namespace flowlens::server

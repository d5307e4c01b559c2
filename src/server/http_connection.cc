#include "server/http_connection.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace flowlens::server {
namespace {

thread_local ConnectionStream* t_current = nullptr;

int MsSince(ConnectionStream::Clock::time_point t) {
  return static_cast<int>(
      std::chrono::duration_cast<std::chrono::milliseconds>(ConnectionStream::Clock::now() - t)
          .count());
}

void Address(const sockaddr_storage& addr, std::string& ip, int& port) {
  char text[INET6_ADDRSTRLEN] = "";
  if (addr.ss_family == AF_INET) {
    const auto* a = reinterpret_cast<const sockaddr_in*>(&addr);
    inet_ntop(AF_INET, &a->sin_addr, text, sizeof text);
    port = ntohs(a->sin_port);
  } else if (addr.ss_family == AF_INET6) {
    const auto* a = reinterpret_cast<const sockaddr_in6*>(&addr);
    inet_ntop(AF_INET6, &a->sin6_addr, text, sizeof text);
    port = ntohs(a->sin6_port);
  }
  ip = text;
}

// After an answer to a request that was not read to its end: stop sending,
// then read and drop what the client still sends for a moment, so that the
// close does not reset the connection before the client reads the answer.
void LingeringClose(int fd) {
  ::shutdown(fd, SHUT_WR);
  char sink[4096];
  auto started = ConnectionStream::Clock::now();
  size_t dropped = 0;
  while (dropped < (1u << 20)) {
    int left = 1000 - MsSince(started);
    pollfd p{fd, POLLIN, 0};
    if (left <= 0 || ::poll(&p, 1, left) <= 0) break;
    ssize_t n = ::recv(fd, sink, sizeof sink, 0);
    if (n <= 0) break;
    dropped += static_cast<size_t>(n);
  }
}

}  // namespace

ConnectionStream* ConnectionStream::Current() {
  return t_current;
}

bool ConnectionStream::Poll(short events, int ms) const {
  pollfd p{fd_, events, 0};
  for (;;) {
    int r = ::poll(&p, 1, ms);
    if (r < 0 && errno == EINTR) continue;
    return r > 0;
  }
}

bool ConnectionStream::WaitForRequest(const std::function<bool()>& stopping,
                                      const std::function<bool()>& others_waiting) {
  if (buf_off_ < buf_len_) return true;  // the next request came with the last one
  if (eof_) return false;
  auto idle_since = Clock::now();
  for (;;) {
    if (stopping()) return false;
    int idle = MsSince(idle_since);
    if (idle >= limits_.keep_alive_ms) return false;
    if (idle >= limits_.idle_yield_ms && others_waiting()) return false;
    if (!Poll(POLLIN, std::min(100, limits_.keep_alive_ms - idle))) continue;
    ssize_t n = ::recv(fd_, buf_, sizeof buf_, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;  // closed (or reset) by the client
    buf_off_ = 0;
    buf_len_ = static_cast<size_t>(n);
    return true;
  }
}

void ConnectionStream::BeginRequest() {
  started_ = Clock::now();
  writing_ = false;
  in_headers_ = true;
  header_line_bytes_ = 0;
  header_bytes_ = 0;
  request_bytes_ = 0;
  limit_hit_ = LimitHit::kNone;
  close_requested_ = false;
}

int ConnectionStream::ReadWaitMs() const {
  const int elapsed = MsSince(started_);
  int wait = limits_.read_timeout_ms;
  if (in_headers_) {
    int left = limits_.header_timeout_ms - elapsed;
    if (left <= 0) {
      limit_hit_ = LimitHit::kHeaderTimeout;
      return 0;
    }
    wait = std::min(wait, left);
  }
  int left = limits_.request_timeout_ms - elapsed;
  if (left <= 0) {
    limit_hit_ = LimitHit::kRequestTimeout;
    return 0;
  }
  return std::min(wait, left);
}

bool ConnectionStream::Account(const char* data, size_t n) {
  request_bytes_ += n;
  if (request_bytes_ > limits_.max_request_bytes) {
    limit_hit_ = LimitHit::kRequestBytes;
    return false;
  }
  for (size_t i = 0; in_headers_ && i < n; ++i) {
    ++header_bytes_;
    // The headers end at an empty line ("\r\n", or a bare "\n").
    if (data[i] != '\n') {
      ++header_line_bytes_;
    } else if (header_line_bytes_ == 0 || (header_line_bytes_ == 1 && last_byte_ == '\r')) {
      in_headers_ = false;
    } else {
      header_line_bytes_ = 0;
    }
    last_byte_ = data[i];
  }
  if (in_headers_ && header_bytes_ > limits_.max_header_bytes) {
    limit_hit_ = LimitHit::kHeaderBytes;
    return false;
  }
  return true;
}

bool ConnectionStream::is_readable() const {
  if (buf_off_ < buf_len_) return true;
  if (limit_hit_ != LimitHit::kNone) return false;
  int wait = ReadWaitMs();
  return wait > 0 && Poll(POLLIN, wait);
}

ssize_t ConnectionStream::read(char* ptr, size_t size) {
  if (limit_hit_ != LimitHit::kNone) return -1;
  if (buf_off_ == buf_len_) {
    if (eof_) return 0;
    for (;;) {
      int wait = ReadWaitMs();
      if (wait == 0) return -1;
      if (!Poll(POLLIN, wait)) {
        if (ReadWaitMs() > 0) limit_hit_ = LimitHit::kSilence;
        return -1;
      }
      ssize_t n = ::recv(fd_, buf_, sizeof buf_, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        eof_ = n == 0;
        return n;
      }
      buf_off_ = 0;
      buf_len_ = static_cast<size_t>(n);
      break;
    }
  }
  size_t n = std::min(size, buf_len_ - buf_off_);
  if (!Account(buf_ + buf_off_, n)) return -1;
  std::memcpy(ptr, buf_ + buf_off_, n);
  buf_off_ += n;
  return static_cast<ssize_t>(n);
}

bool ConnectionStream::is_writable() const {
  int left =
      writing_ ? limits_.request_timeout_ms - MsSince(write_started_) : limits_.request_timeout_ms;
  return left > 0 && Poll(POLLOUT, std::min(left, limits_.write_timeout_ms));
}

ssize_t ConnectionStream::write(const char* ptr, size_t size) {
  if (!writing_) {
    writing_ = true;
    write_started_ = Clock::now();
  }
  if (!is_writable()) return -1;
  for (;;) {
    ssize_t n = ::send(fd_, ptr, size, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    return n;
  }
}

void ConnectionStream::get_remote_ip_and_port(std::string& ip, int& port) const {
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  if (::getpeername(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0) Address(addr, ip, port);
}

void ConnectionStream::get_local_ip_and_port(std::string& ip, int& port) const {
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  if (::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0) Address(addr, ip, port);
}

void ServeConnection(int fd, const ConnectionLimits& limits, const std::function<bool()>& stopping,
                     const std::function<bool()>& others_waiting,
                     const std::function<bool(httplib::Stream&, bool last, bool& closed)>& process,
                     const std::function<Refusal(LimitHit)>& refusal) {
  ConnectionStream stream(fd, limits);
  t_current = &stream;
  bool linger = false;
  for (size_t n = 0; n < limits.max_requests; ++n) {
    if (!stream.WaitForRequest(stopping, others_waiting)) break;
    stream.BeginRequest();
    bool closed = false;
    bool last = n + 1 == limits.max_requests || stopping();
    bool ok = process(stream, last, closed);
    if (!ok && stream.limit_hit() != LimitHit::kNone && !stream.answered()) {
      Refusal r = refusal(stream.limit_hit());
      std::string answer = "HTTP/1.1 " + std::to_string(r.status) +
                           " Refused\r\nContent-Type: application/x-amz-json-1.1\r\n"
                           "Content-Length: " +
                           std::to_string(r.body.size()) + "\r\nConnection: close\r\n\r\n" + r.body;
      for (std::string_view left = answer; !left.empty();) {
        ssize_t n = stream.write(left.data(), left.size());
        if (n <= 0) break;
        left.remove_prefix(static_cast<size_t>(n));
      }
    }
    if (stream.close_requested()) linger = true;
    if (!ok || closed || last || stream.close_requested()) break;
  }
  t_current = nullptr;
  if (linger) LingeringClose(fd);
  ::shutdown(fd, SHUT_RDWR);
  ::close(fd);
}

}  // namespace flowlens::server

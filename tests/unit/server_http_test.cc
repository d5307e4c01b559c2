// The HTTP server's limits against slow or hostile clients (http_connection.h),
// over real loopback sockets with small limits: headers sent a byte at a time,
// too many header bytes, bodies too large once decoded (chunked, gzip, no
// length), idle connections, keep-alive, and idle connections giving way to
// waiting ones. cpp-httplib 0.11 alone let every one of these hold a worker
// thread or grow memory without end.
#include "server/http_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

#include <chrono>
#include <thread>

#include "server_world.h"

namespace flowlens::server {
namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// A raw client socket.
class Client {
 public:
  explicit Client(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  }
  ~Client() { ::close(fd_); }
  bool connected() const { return connected_; }
  // False once the server has closed or reset the connection.
  bool Send(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }
  // Everything until the server closes, or `seconds` pass.
  std::string ReadUntilClosed(double seconds) {
    std::string out;
    auto started = Clock::now();
    for (;;) {
      int left = static_cast<int>((seconds - SecondsSince(started)) * 1000);
      pollfd p{fd_, POLLIN, 0};
      if (left <= 0 || ::poll(&p, 1, left) <= 0) return out;
      char buf[4096];
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) {
        closed_ = true;
        return out;
      }
      out.append(buf, static_cast<size_t>(n));
    }
  }
  // One answer with a Content-Length body (keep-alive), or what came in `seconds`.
  std::string ReadAnswer(double seconds) {
    std::string out;
    auto started = Clock::now();
    for (;;) {
      size_t end = out.find("\r\n\r\n");
      if (end != std::string::npos) {
        size_t cl = out.find("Content-Length: ");
        if (cl != std::string::npos && out.size() >= end + 4 + std::stoul(out.substr(cl + 16))) {
          return out;
        }
      }
      int left = static_cast<int>((seconds - SecondsSince(started)) * 1000);
      pollfd p{fd_, POLLIN, 0};
      if (left <= 0 || ::poll(&p, 1, left) <= 0) return out;
      char buf[4096];
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) return out;
      out.append(buf, static_cast<size_t>(n));
    }
  }
  bool closed() const { return closed_; }

 private:
  int fd_ = -1;
  bool connected_ = false;
  bool closed_ = false;
};

std::string Post(std::string_view body, std::string_view extra_headers = "") {
  return "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Amz-Target: Logs_20140328.DescribeLogGroups\r\n"
         "Content-Type: application/x-amz-json-1.1\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n" + std::string(extra_headers) + "\r\n" +
         std::string(body);
}

class HttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    opts_.port = 0;
    opts_.threads = 4;
    opts_.max_body_bytes = 64 << 10;
    opts_.max_header_bytes = 4096;
    opts_.header_timeout_seconds = 1;
    opts_.request_timeout_seconds = 3;
    opts_.read_timeout_seconds = 2;
    opts_.keep_alive_seconds = 2;
    opts_.idle_yield_ms = 200;
  }
  void Start() {
    http_ = std::make_unique<HttpServer>(world_.service.get(), opts_);
    ASSERT_TRUE(http_->Bind().ok());
    thread_ = std::thread([this] { http_->Run(); });
  }
  void TearDown() override {
    if (http_) {
      http_->Stop();
      thread_.join();
    }
  }
  int port() const { return http_->port(); }

  ServerWorld world_;
  HttpServerOptions opts_;
  std::unique_ptr<HttpServer> http_;
  std::thread thread_;
};

TEST_F(HttpServerTest, KeepAliveServesSeveralRequests) {
  Start();
  Client c(port());
  ASSERT_TRUE(c.connected());
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(c.Send(Post("{}")));
    std::string a = c.ReadAnswer(10);
    EXPECT_TRUE(a.starts_with("HTTP/1.1 200")) << a;
    EXPECT_NE(a.find("\"logGroups\""), std::string::npos) << a;
  }
}

TEST_F(HttpServerTest, HeadersSentByteByByteAreCutOff) {
  Start();
  Client c(port());
  std::string req = Post("{}");
  auto started = Clock::now();
  bool cut = false;
  for (char ch : req) {
    if (!c.Send(std::string_view(&ch, 1))) {
      cut = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (SecondsSince(started) > 3) break;
  }
  std::string a = c.ReadUntilClosed(10);
  EXPECT_TRUE(cut || c.closed());
  EXPECT_TRUE(a.starts_with("HTTP/1.1 408")) << a;
  EXPECT_NE(a.find("RequestTimeoutException"), std::string::npos) << a;
  EXPECT_LT(SecondsSince(started), 8);
}

TEST_F(HttpServerTest, TooManyHeaderBytes) {
  Start();
  Client c(port());
  std::string headers;
  for (int i = 0; i < 100; ++i)
    headers += "X-Filler-" + std::to_string(i) + ": " + std::string(60, 'a') + "\r\n";
  c.Send(Post("{}", headers));
  std::string a = c.ReadUntilClosed(10);
  EXPECT_TRUE(a.starts_with("HTTP/1.1 431")) << a;
  EXPECT_NE(a.find("exceed 4096 bytes"), std::string::npos) << a;
  EXPECT_TRUE(c.closed());
}

TEST_F(HttpServerTest, BodyLimitHoldsForContentLengthChunkedAndUnsized) {
  Start();
  {
    Client c(port());
    c.Send(Post(std::string(100 << 10, ' ')));
    std::string a = c.ReadUntilClosed(10);
    EXPECT_TRUE(a.starts_with("HTTP/1.1 413")) << a;
  }
  {
    Client c(port());
    c.Send("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
    std::string chunk = "1000\r\n" + std::string(4096, ' ') + "\r\n";
    for (int i = 0; i < 64 && c.Send(chunk); ++i) {
    }
    std::string a = c.ReadUntilClosed(10);
    EXPECT_TRUE(a.starts_with("HTTP/1.1 413")) << a;
    EXPECT_NE(a.find("too large (limit 65536 bytes)"), std::string::npos) << a;
  }
  {
    // No Content-Length and not chunked: the body runs to the end of the connection.
    Client c(port());
    c.Send("POST / HTTP/1.1\r\nHost: x\r\n\r\n");
    for (int i = 0; i < 64 && c.Send(std::string(4096, ' ')); ++i) {
    }
    std::string a = c.ReadUntilClosed(10);
    EXPECT_TRUE(a.starts_with("HTTP/1.1 413")) << a;
  }
}

TEST_F(HttpServerTest, CompressedBodyIsCappedAfterDecoding) {
  Start();
  std::string plain(1 << 20, ' ');
  uLongf size = compressBound(plain.size());
  std::string packed(size, '\0');
  ASSERT_EQ(compress2(reinterpret_cast<Bytef*>(packed.data()), &size,
                      reinterpret_cast<const Bytef*>(plain.data()), plain.size(), 9),
            Z_OK);
  packed.resize(size);
  ASSERT_LT(packed.size(), opts_.max_body_bytes);
  Client c(port());
  c.Send(Post(packed, "Content-Encoding: deflate\r\n"));
  std::string a = c.ReadUntilClosed(10);
  EXPECT_TRUE(a.starts_with("HTTP/1.1 413")) << a;
}

TEST_F(HttpServerTest, IdleConnectionIsClosed) {
  Start();
  Client c(port());
  auto started = Clock::now();
  std::string a = c.ReadUntilClosed(10);
  EXPECT_TRUE(c.closed());
  EXPECT_EQ(a, "");
  EXPECT_GT(SecondsSince(started), 1.5);
  EXPECT_LT(SecondsSince(started), 6);
}

TEST_F(HttpServerTest, SilenceInTheBodyIsCutOff) {
  Start();
  Client c(port());
  auto started = Clock::now();
  c.Send(Post("{}").substr(0, Post("{}").size() - 1));  // one byte of the body missing
  std::string a = c.ReadUntilClosed(10);
  EXPECT_TRUE(a.starts_with("HTTP/1.1 408")) << a;
  EXPECT_LT(SecondsSince(started), 8);
}

TEST_F(HttpServerTest, IdleConnectionsGiveWayToWaitingOnes) {
  opts_.threads = 2;
  opts_.keep_alive_seconds = 30;
  Start();
  // Two keep-alive connections take both threads, then idle.
  Client a(port()), b(port());
  ASSERT_TRUE(a.Send(Post("{}")));
  ASSERT_TRUE(b.Send(Post("{}")));
  ASSERT_TRUE(a.ReadAnswer(10).starts_with("HTTP/1.1 200"));
  ASSERT_TRUE(b.ReadAnswer(10).starts_with("HTTP/1.1 200"));
  auto started = Clock::now();
  Client c(port());
  ASSERT_TRUE(c.Send(Post("{}")));
  std::string answer = c.ReadAnswer(20);
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 200")) << answer;
  EXPECT_LT(SecondsSince(started), 10);  // not the 30 s keep-alive
}

}  // namespace
}  // namespace flowlens::server

// kill -9 at random moments: a forked child appends events (flushing now and
// then) and reports each acknowledged one through a pipe; the parent kills it
// repeatedly, then checks that every acknowledged event is stored exactly once.
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <random>
#include <set>
#include <string>

#include <fmt/format.h>

#include "storage/store.h"

namespace flowlens::storage {
namespace {

[[noreturn]] void ChildAppends(const std::string& dir, int round, int fd) {
  StoreOptions o;
  o.flush_bytes = 16 << 10;  // flushes often, so kills land inside flushes too
  o.partition_ms = 60'000;
  auto store = Store::Open(dir, o);
  if (!store.ok()) _exit(2);
  (void)(*store)->CreateLogGroup("/g");
  for (int k = 0; k < 1'000'000; ++k) {
    int id = round * 1'000'000 + k;
    std::string line =
        fmt::format("2 123456789012 eni-{} 10.0.0.{} 10.0.1.1 {} 443 6 1 {} {} {} ACCEPT OK", k % 4,
                    k % 250, 1024 + k % 60000, id, 1795737600 + k, 1795737660 + k);
    Event e{(1795737600LL + k) * 1000, 0, line};
    if (!(*store)->Append("/g", fmt::format("eni-{}", k % 4), {&e, 1}, true).ok()) _exit(3);
    if (write(fd, &id, sizeof(id)) != sizeof(id)) _exit(4);
  }
  _exit(0);
}

TEST(StorageKill, EveryAcknowledgedEventSurvivesKill9ExactlyOnce) {
  char tmpl[] = "/tmp/flowlens-kill-XXXXXX";
  std::string dir = mkdtemp(tmpl);
  std::mt19937 rng(12345);
  std::set<int> acked;
  for (int round = 1; round <= 12; ++round) {
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      close(fds[0]);
      ChildAppends(dir, round, fds[1]);
    }
    close(fds[1]);
    // Let it acknowledge a random number of events, then kill it mid-flight.
    int target = 20 + static_cast<int>(rng() % 400);
    int id, got = 0;
    while (got < target && read(fds[0], &id, sizeof(id)) == sizeof(id)) {
      acked.insert(id);
      ++got;
    }
    usleep(rng() % 3000);
    kill(pid, SIGKILL);
    while (read(fds[0], &id, sizeof(id)) == sizeof(id)) acked.insert(id);  // sent before death
    close(fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status)) << "child exited with " << WEXITSTATUS(status);
  }
  auto store = Store::Open(dir, {});
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto snap = (*store)->Snapshot();
  const GroupSnapshot* g = snap->FindGroup("/g");
  ASSERT_NE(g, nullptr);
  std::map<int, int> seen;
  Status s = snap->ScanEvents(*g, [&](const EventView& e) {
    // The id is the bytes field (the 10th).
    size_t pos = 0;
    for (int f = 0; f < 9; ++f) pos = e.message.find(' ', pos) + 1;
    seen[std::stoi(std::string(e.message.substr(pos, e.message.find(' ', pos) - pos)))]++;
    return Status::Ok();
  });
  ASSERT_TRUE(s.ok()) << s.ToString();
  for (int a : acked) EXPECT_EQ(seen[a], 1) << "acknowledged event " << a;
  for (auto& [id, n] : seen) EXPECT_EQ(n, 1) << "event " << id << " stored " << n << " times";
  EXPECT_GE(seen.size(), acked.size());
  EXPECT_TRUE((*store)->Check().ok());
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace flowlens::storage

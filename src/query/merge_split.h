// SplitWork: runs f(begin, end) over parts of [0, n) on the calling thread
// and, when n is large enough, on one more thread per further core, each
// part a contiguous range. For the merge of the workers' group tables, which
// runs after the scan on one thread while the other cores idle: the lookups
// of one table's keys (or count_distinct pairs) in the other are read-only,
// so they split across cores (aggregate.cc, group_accumulators.cc).
//
//   SplitWork(keys.size(), kMinPerThread, [&](size_t b, size_t e) { ... });
//
// Thread safety: f runs concurrently on disjoint ranges; it must only read
// shared state and write what its range owns. Returns when every part is done.
#pragma once

#include <algorithm>
#include <cstddef>
#include <thread>
#include <vector>

namespace flowlens::query {

template <typename F>
void SplitWork(size_t n, size_t min_per_thread, F&& f) {
  const size_t cores = std::max(1u, std::thread::hardware_concurrency());
  const size_t parts =
      std::max<size_t>(1, std::min(cores, n / std::max<size_t>(1, min_per_thread)));
  if (parts == 1) {
    f(size_t{0}, n);
    return;
  }
  std::vector<std::thread> helpers;
  helpers.reserve(parts - 1);
  const size_t step = (n + parts - 1) / parts;
  for (size_t p = 1; p < parts; ++p) {
    const size_t begin = std::min(n, p * step), end = std::min(n, begin + step);
    helpers.emplace_back([&f, begin, end] { f(begin, end); });
  }
  f(size_t{0}, std::min(n, step));
  for (std::thread& t : helpers) t.join();
}

}  // namespace flowlens::query

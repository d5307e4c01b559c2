// Helpers shared by the ingest tests: gzip bytes as S3 delivers objects, and
// the messages a store holds in a group.
#pragma once

#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <string>
#include <vector>

#include "storage/store.h"

namespace flowlens::testing_util {

// `text` as one gzip member (level 6).
inline std::string Gzip(const std::string& text) {
  uLongf n = compressBound(text.size()) + 64;
  std::string out(n, '\0');
  z_stream z{};
  deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  z.avail_in = static_cast<uInt>(text.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

// Every message of `group` (none if there is no such group), sorted.
inline std::vector<std::string> SortedMessages(const storage::Store& store,
                                               const std::string& group) {
  std::vector<std::string> got;
  auto snap = store.Snapshot();
  const storage::GroupSnapshot* g = snap->FindGroup(group);
  if (!g) return got;
  EXPECT_TRUE(snap->ScanEvents(*g,
                               [&](const storage::EventView& e) {
                                 got.emplace_back(e.message);
                                 return Status::Ok();
                               })
                  .ok());
  std::sort(got.begin(), got.end());
  return got;
}

}  // namespace flowlens::testing_util

// Old segments still read: tests/unit/data/segment_v3/00000001.seg was
// written by the version 3 writer (flowlens 800cda7, `flowlens ingest` of the
// flows.log beside it: the first 2000 records of `generate --seed 1`, IPv6
// and NODATA records, one line with an extra blank, kept raw). Version 4
// changed how address chunks may be encoded (IntTransform::kDictionary); a
// version 3 file has none, and must give back every line as ingested and
// the same typed values as a file written now.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "flowlog/field_catalog.h"
#include "storage/coding.h"
#include "storage/file_system.h"
#include "storage/segment_reader.h"

namespace flowlens::storage {
namespace {

const std::string kDir = std::string(FLOWLENS_SOURCE_DIR) + "/tests/unit/data/segment_v3";

std::vector<std::string> ReadLines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

TEST(SegmentCompat, Version3SegmentGivesBackEveryLine) {
  const std::string path = kDir + "/00000001.seg";
  std::string header(16, '\0');
  std::ifstream(path, std::ios::binary).read(header.data(), 16);
  ASSERT_EQ(DecodeFixed32(header.data() + 8), 3u) << "the fixture must stay a version 3 file";

  auto r = SegmentReader::Open(DefaultFileSystem().get(), path);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ColumnRequest req;
  req.message = true;
  req.fields = {fields::kSrcAddr, fields::kDstAddr, fields::kSrcPort, fields::kDstPort};
  std::vector<std::string> got;
  size_t v6 = 0, missing = 0;
  for (size_t b = 0; b < (*r)->num_blocks(); ++b) {
    RowBlock block;
    Status s = (*r)->ReadBlock(req, b, &block);
    ASSERT_TRUE(s.ok()) << s.ToString();
    for (size_t i = 0; i < block.size; ++i) {
      const std::string line(block.messages[i]);
      got.push_back(line);
      // The typed columns agree with the line's own text (rows that parse).
      const FieldColumn& src = block.fields[0];
      if (!src.IsValid(i)) {
        ++missing;
        continue;
      }
      v6 += src.addrs[i].v6;
      const std::string text = src.addrs[i].ToString();
      EXPECT_NE(line.find(" " + text + " "), std::string::npos) << line << " / " << text;
      const FieldColumn& dport = block.fields[3];
      ASSERT_TRUE(dport.IsValid(i));
      EXPECT_NE(line.find(" " + std::to_string(dport.ints[i]) + " "), std::string::npos) << line;
    }
  }
  EXPECT_GT(v6, 0u);
  EXPECT_GT(missing, 0u);
  std::vector<std::string> want = ReadLines(kDir + "/flows.log");
  std::sort(got.begin(), got.end());
  std::sort(want.begin(), want.end());
  EXPECT_EQ(got, want);
  EXPECT_TRUE((*r)->Verify().ok());
}

}  // namespace
}  // namespace flowlens::storage

// Segment round trips: typed columns, rebuilt and raw messages, IPv6, '-',
// NODATA, non-flow lines, lines that do not round-trip, several row groups,
// and corrupt bytes reported (never a crash).
#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "flowlog/record.h"
#include "storage/coding.h"
#include "storage/crc32c.h"
#include "storage/file_system.h"
#include "storage/segment_reader.h"
#include "storage/segment_writer.h"

namespace flowlens::storage {
namespace {

class StorageSegment : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/flowlens-seg-XXXXXX";
    dir_ = mkdtemp(tmpl);
    path_ = dir_ + "/1.seg";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Writes `lines` (the first third to stream s0, then s1, s2; timestamps in line order, so
  // that the writer's (stream, time) order is the line order) and reads back every event.
  SegmentFooter Write(const std::vector<std::string>& lines, const Layout* layout) {
    SegmentInput in;
    in.segment_id = 1;
    in.group_id = 9;
    in.layout = layout;
    in.streams = {"s0", "s1", "s2"};
    n_ = lines.size();
    for (size_t i = 0; i < lines.size(); ++i) {
      in.rows.push_back({static_cast<int64_t>(1000 * i), static_cast<int64_t>(5000 + i),
                         static_cast<uint32_t>(i * 3 / n_), lines[i]});
    }
    auto file = DefaultFileSystem()->NewWritableFile(path_);
    EXPECT_TRUE(file.ok());
    Result<SegmentFooter> footer = WriteSegment(&in, file->get());
    EXPECT_TRUE(footer.ok()) << footer.status().ToString();
    EXPECT_TRUE((*file)->Close().ok());
    return *footer;
  }

  std::vector<std::string> ReadMessages(std::unique_ptr<SegmentReader>& r) {
    ColumnRequest req;
    req.message = req.timestamp = req.ingestion_time = req.log_stream = true;
    std::vector<std::string> out;
    RowBlock block;
    for (size_t b = 0; b < r->num_blocks(); ++b) {
      Status s = r->ReadBlock(req, b, &block);
      EXPECT_TRUE(s.ok()) << s.ToString();
      for (size_t i = 0; i < block.size; ++i) {
        uint64_t row = block.row_ids[i];
        EXPECT_EQ(block.timestamps[i], static_cast<int64_t>(1000 * row));
        EXPECT_EQ(block.ingestion_times[i], static_cast<int64_t>(5000 + row));
        EXPECT_EQ(block.streams[i], fmt::format("s{}", row * 3 / n_));
        out.emplace_back(block.messages[i]);
      }
    }
    return out;
  }

  std::string dir_, path_;
  size_t n_ = 0;
};

const std::vector<std::string> kMixedLines = {
    "2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 "
    "1418530010 1418530070 ACCEPT OK",
    "2 123456789010 eni-1235b8ca123456789 2001:db8:1234:a100:8d6e:3477:df66:f105 "
    "2001:db8:1234:a102:3304:8879:34cf:4071 34892 22 6 54 8855 1477913708 1477913820 ACCEPT OK",
    "2 123456789010 eni-1235b8ca123456789 - - - - - - - 1431280876 1431280934 - NODATA",
    "2 123456789010 eni-11111111111111111 - - - - - - - 1431280876 1431280934 - SKIPDATA",
    "this is not a flow record at all",
    "2 123456789010 eni-1235b8ca123456789 172.31.9.69  172.31.9.12 49761 3389 6 20 4249 "
    "1418530010 1418530070 REJECT OK",  // two spaces: parses, does not round-trip
    "2 123456789010 eni-1235b8ca123456789 172.31.9.69 172.31.9.12 49761 3389 6 20 4249 "
    "1418530010 1418530070 REJECT OK ",  // trailing blank
    "",
    "2 999999999999 eni-22222222222222222 10.0.0.1 ::ffff:10.0.0.2 0 65535 17 1 "
    "9223372036854775807 0 4294967295 ACCEPT OK",
};

TEST_F(StorageSegment, MixedLinesRoundTripExactly) {
  SegmentFooter f = Write(kMixedLines, &Layout::Default());
  auto r = SegmentReader::Open(DefaultFileSystem().get(), path_);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ((*r)->rows(), kMixedLines.size());
  EXPECT_EQ(ReadMessages(*r), kMixedLines);
  EXPECT_EQ(f.min_timestamp_ms, 0);
  EXPECT_EQ(f.max_timestamp_ms, 1000 * static_cast<int64_t>(kMixedLines.size() - 1));
  // Only the lines that do not round-trip keep a raw copy.
  // Rows 0-3 rebuild; the rest keep raw copies (::ffff:10.0.0.2 prints as ::ffff:a00:2).
  EXPECT_EQ(f.Stats(format::kColRawMessage).nulls, 4u);
  EXPECT_TRUE((*r)->Verify().ok());
}

// Every typed column of `lines` (one block) equals what the parser makes of them.
void ExpectTypedColumnsMatchTheParser(SegmentReader& r, const std::vector<std::string>& lines) {
  ColumnRequest req;
  for (const FieldInfo* f : Layout::Default().fields())
    req.fields.push_back(static_cast<int>(f->id));
  req.fields.push_back(fields::kVpcId);  // not in the layout: all missing
  RowBlock block;
  ASSERT_TRUE(r.ReadBlock(req, 0, &block).ok());
  const Layout& layout = Layout::Default();
  FlowRecord rec(layout);
  RecordError err;
  for (size_t row = 0; row < lines.size(); ++row) {
    bool parsed = ParseRecord(lines[row], layout, &rec, &err);
    for (size_t pos = 0; pos < layout.size(); ++pos) {
      const FieldColumn& col = block.fields[pos];
      bool present = parsed && rec.present(pos);
      ASSERT_EQ(col.IsValid(row), present) << row << " " << layout.field(pos).name;
      if (!present) continue;
      switch (col.kind) {
        case ValueKind::kInt:
        case ValueKind::kTime:
          EXPECT_EQ(col.ints[row], rec.int_at(pos)) << row << " " << layout.field(pos).name;
          break;
        case ValueKind::kAddress:
          EXPECT_EQ(col.addrs[row], rec.addr_at(pos)) << row;
          break;
        case ValueKind::kString:
          EXPECT_EQ(col.strings[row], rec.str_at(pos)) << row;
          break;
      }
    }
    EXPECT_FALSE(block.fields.back().IsValid(row));
  }
}

TEST_F(StorageSegment, TypedColumnsMatchTheParser) {
  Write(kMixedLines, &Layout::Default());
  auto r = SegmentReader::Open(DefaultFileSystem().get(), path_);
  ASSERT_TRUE(r.ok());
  ExpectTypedColumnsMatchTheParser(**r, kMixedLines);
  ColumnRequest req;
  req.fields = {fields::kSrcAddr};
  RowBlock block;
  ASSERT_TRUE((*r)->ReadBlock(req, 0, &block).ok());
  EXPECT_TRUE(block.fields[0].addrs[1].v6);
  EXPECT_FALSE(block.fields[0].addrs[0].v6);
}

TEST_F(StorageSegment, RepliesStoreNoAddressesOrPorts) {
  // A flow, its reply (addresses and ports swapped), a third row like the
  // first (a reply is never the base of another), v6 pairs, '-' values,
  // a non-record and a near-reply (one port differs) in between.
  const std::string a =
      "2 1 eni-1 10.0.0.1 10.0.0.2 40000 443 6 3 300 1700000000 1700000060 ACCEPT OK";
  const std::string b =
      "2 1 eni-1 10.0.0.2 10.0.0.1 443 40000 6 5 900 1700000000 1700000060 ACCEPT OK";
  const std::string v6a =
      "2 1 eni-1 2001:db8::1 2001:db8::2 1 2 6 1 1 1700000001 1700000060 ACCEPT OK";
  const std::string v6b =
      "2 1 eni-1 2001:db8::2 2001:db8::1 2 1 6 1 1 1700000001 1700000060 ACCEPT OK";
  const std::string near =
      "2 1 eni-1 10.0.0.1 10.0.0.2 443 40001 6 5 900 1700000002 1700000060 ACCEPT OK";
  const std::string dash = "2 1 eni-1 - - - - - - - 1700000003 1700000060 - NODATA";
  std::vector<std::string> lines = {a,    b,   a,   b,    b,    "garbage", a,
                                    near, v6a, v6b, dash, dash, v6b,       a};
  SegmentFooter f = Write(lines, &Layout::Default());
  auto r = SegmentReader::Open(DefaultFileSystem().get(), path_);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(ReadMessages(*r), lines);
  ExpectTypedColumnsMatchTheParser(**r, lines);
  // Replies: rows 1, 3, 9 (not 2: row 1 is one; not 4: b after b; not 7: the ports differ).
  ColumnStats mirror = f.Stats(format::kColMirror);
  EXPECT_EQ(mirror.max, 1);
  EXPECT_TRUE((*r)->Verify().ok());
  // Each column alone decodes the same as all together (the counterpart is read on its own).
  for (int id : {fields::kDstPort, fields::kSrcAddr}) {
    auto one = SegmentReader::Open(DefaultFileSystem().get(), path_);
    ColumnRequest req;
    req.fields = {id};
    RowBlock block;
    ASSERT_TRUE((*one)->ReadBlock(req, 0, &block).ok());
    FlowRecord rec(Layout::Default());
    RecordError err;
    for (size_t row = 0; row < lines.size(); ++row) {
      bool parsed = ParseRecord(lines[row], Layout::Default(), &rec, &err);
      size_t pos = static_cast<size_t>(Layout::Default().PositionOf(id));
      ASSERT_EQ(block.fields[0].IsValid(row), parsed && rec.present(pos)) << row;
      if (!block.fields[0].IsValid(row)) continue;
      if (id == fields::kDstPort) EXPECT_EQ(block.fields[0].ints[row], rec.int_at(pos)) << row;
      if (id == fields::kSrcAddr) EXPECT_EQ(block.fields[0].addrs[row], rec.addr_at(pos)) << row;
    }
  }
}

// The rows a late-materialized read hands out (mirrored columns found per
// row, not expanded) are those of a whole read, for every selection: none,
// one row, only replies, every other row, and with the message rebuilt in the
// same reader (which makes the columns whole) before or after. With `codes`,
// strings come as codes into the chunk's dictionary instead.
// Random v2 records over a few addresses, some with their reply, some NODATA.
std::vector<std::string> RecordsWithReplies() {
  std::vector<std::string> lines;
  std::mt19937 rng(3);
  for (int i = 0; i < 9000; ++i) {
    const int a = static_cast<int>(rng() % 50), b = static_cast<int>(rng() % 50);
    const int pa = static_cast<int>(rng() % 3000), pb = static_cast<int>(rng() % 1024);
    const char* action = rng() % 4 ? "ACCEPT" : "REJECT";
    const std::string src =
        rng() % 9 ? fmt::format("10.0.0.{}", a) : fmt::format("2001:db8::{}", a);
    const std::string dst = fmt::format("10.1.0.{}", b);
    if (rng() % 13 == 0) {
      lines.push_back("2 1 eni-1 - - - - - - - 1700000003 1700000060 - NODATA");
      continue;
    }
    lines.push_back(fmt::format("2 1 eni-1 {} {} {} {} 6 1 2 1700000000 1700000060 {} OK", src, dst,
                                pa, pb, action));
    if (rng() % 2) {  // its reply
      lines.push_back(fmt::format("2 1 eni-1 {} {} {} {} 6 1 2 1700000000 1700000060 {} OK", dst,
                                  src, pb, pa, action));
    }
  }
  return lines;
}

TEST_F(StorageSegment, SelectedRowsMatchAWholeRead) {
  const std::vector<std::string> lines = RecordsWithReplies();
  SegmentFooter f = Write(lines, &Layout::Default());
  ASSERT_GT(f.Stats(format::kColMirror).max, 0);
  // (bytes, packets and end: int chunks kept as planes, end and @timestamp
  // with start added, read as runs or expanded for a selection.)
  const ColumnRequest req{.fields = {fields::kSrcAddr, fields::kDstAddr, fields::kSrcPort,
                                     fields::kDstPort, fields::kAction, fields::kBytes,
                                     fields::kPackets, fields::kEnd},
                          .timestamp = true};
  auto whole = SegmentReader::Open(DefaultFileSystem().get(), path_);
  ASSERT_TRUE(whole.ok());
  std::vector<RowBlock> all((*whole)->num_blocks());
  for (size_t b = 0; b < all.size(); ++b) ASSERT_TRUE((*whole)->ReadBlock(req, b, &all[b]).ok());
  for (int pattern = 0; pattern < 5; ++pattern) {
    auto r = SegmentReader::Open(DefaultFileSystem().get(), path_);
    ASSERT_TRUE(r.ok());
    ColumnRequest with_codes = req;
    with_codes.codes = pattern % 2 == 1;
    with_codes.message = pattern == 4;
    for (size_t b = 0; b < all.size(); ++b) {
      const size_t n = all[b].size;
      std::vector<uint8_t> keep(n, 0);
      for (size_t i = 0; i < n; ++i) {
        const uint64_t row = all[b].row_ids[i];
        keep[i] = pattern == 0   ? row == 77
                  : pattern == 1 ? row % 2
                  : pattern == 2 ? lines[row].find(" 10.1.0.") < lines[row].find(" 10.0.0.")
                                 : 1;
      }
      RowBlock got;
      Status read = (*r)->ReadBlock(with_codes, b, &got, keep.data());
      ASSERT_TRUE(read.ok()) << read.ToString();
      size_t j = 0;
      for (size_t i = 0; i < n; ++i) {
        if (!keep[i]) continue;
        ASSERT_LT(j, got.size);
        EXPECT_EQ(got.row_ids[j], all[b].row_ids[i]);
        EXPECT_EQ(got.timestamps[j], all[b].timestamps[i]);
        for (size_t c = 0; c < req.fields.size(); ++c) {
          const FieldColumn& w = all[b].fields[c];
          const FieldColumn& g = got.fields[c];
          ASSERT_EQ(g.IsValid(j), w.IsValid(i)) << "row " << all[b].row_ids[i] << " col " << c;
          if (!w.IsValid(i)) continue;
          if (w.kind == ValueKind::kAddress) EXPECT_EQ(g.addrs[j], w.addrs[i]);
          if (w.kind == ValueKind::kInt) EXPECT_EQ(g.ints[j], w.ints[i]);
          if (w.kind == ValueKind::kString && with_codes.codes) {
            EXPECT_TRUE(g.strings.empty());
            EXPECT_EQ(g.dict[g.codes[j]], w.strings[i]);
          } else if (w.kind == ValueKind::kString) {
            EXPECT_EQ(g.strings[j], w.strings[i]);
          }
        }
        if (with_codes.message) EXPECT_EQ(got.messages[j], lines[all[b].row_ids[i]]);
        ++j;
      }
      EXPECT_EQ(j, got.size);
    }
  }
}

// One RowBlock read again and again with other requests and selections (as a
// scan reads its filter columns, then the rest) holds exactly what a fresh
// block would, and its columns are refilled in place: a vector keeps its
// buffer from one read to the next.
TEST_F(StorageSegment, ReusedBlockIsRefilledInPlace) {
  const std::vector<std::string> lines = RecordsWithReplies();
  Write(lines, &Layout::Default());
  const std::vector<ColumnRequest> reqs = {
      {.fields = {fields::kSrcAddr, fields::kBytes, fields::kAction}, .timestamp = true},
      {.fields = {fields::kAction, fields::kDstPort}, .codes = true, .row_ids = false},
      {.fields = {fields::kBytes, fields::kSrcPort, fields::kDstAddr}, .ingestion_time = true},
      {.fields = {fields::kPackets}, .timestamp = true, .row_ids = false},
  };
  auto r = SegmentReader::Open(DefaultFileSystem().get(), path_);
  ASSERT_TRUE(r.ok());
  RowBlock reused;
  for (int round = 0; round < 3; ++round) {
    for (size_t b = 0; b < (*r)->num_blocks(); ++b) {
      for (size_t q = 0; q < reqs.size(); ++q) {
        const ColumnRequest& req = reqs[q];
        const size_t n = (*r)->block_rows(b);
        std::vector<uint8_t> keep(n);
        for (size_t i = 0; i < n; ++i) keep[i] = (i + q + static_cast<size_t>(round)) % 3 != 0;
        const uint8_t* sel = round == 1 ? keep.data() : nullptr;
        auto fresh_reader = SegmentReader::Open(DefaultFileSystem().get(), path_);
        ASSERT_TRUE(fresh_reader.ok());
        RowBlock fresh;
        ASSERT_TRUE((*fresh_reader)->ReadBlock(req, b, &fresh, sel).ok());
        auto same = [&] {
          ASSERT_EQ(reused.size, fresh.size);
          EXPECT_EQ(reused.row_ids, fresh.row_ids);
          EXPECT_EQ(reused.row_ids.empty(), !req.row_ids || n == 0);
          EXPECT_EQ(reused.timestamps, fresh.timestamps);
          EXPECT_EQ(reused.ingestion_times, fresh.ingestion_times);
          ASSERT_EQ(reused.fields.size(), fresh.fields.size());
          for (size_t c = 0; c < fresh.fields.size(); ++c) {
            const FieldColumn& g = reused.fields[c];
            const FieldColumn& w = fresh.fields[c];
            EXPECT_EQ(g.field_id, w.field_id);
            EXPECT_EQ(g.kind, w.kind);
            EXPECT_EQ(g.ints, w.ints) << "block " << b << " request " << q << " column " << c;
            EXPECT_EQ(g.addrs, w.addrs);
            EXPECT_EQ(g.strings, w.strings);
            EXPECT_EQ(g.valid, w.valid);
            EXPECT_EQ(g.codes, w.codes);
            EXPECT_EQ(g.dict, w.dict);
          }
        };
        ASSERT_TRUE((*r)->ReadBlock(req, b, &reused, sel).ok());
        same();
        // Once more into buffers larger than any read needs: kept, as the
        // read refills them.
        for (FieldColumn& c : reused.fields) {
          c.ints.reserve(3 * n);
          c.addrs.reserve(3 * n);
        }
        ASSERT_TRUE((*r)->ReadBlock(req, b, &reused, sel).ok());
        same();
        for (const FieldColumn& c : reused.fields) {
          EXPECT_GE(std::max(c.ints.capacity(), c.addrs.capacity()), 3 * n);
        }
      }
    }
  }
}

TEST_F(StorageSegment, CustomFormatAndRawOnly) {
  Result<Layout> layout = Layout::FromFormat(
      "${version} ${vpc-id} ${subnet-id} ${instance-id} ${interface-id} ${account-id} ${type} "
      "${srcaddr} ${dstaddr} ${srcport} ${dstport} ${pkt-srcaddr} ${pkt-dstaddr} ${protocol} "
      "${bytes} ${packets} ${start} ${end} ${action} ${tcp-flags} ${log-status} ${region} "
      "${az-id} ${flow-direction} ${traffic-path} ${pkt-src-aws-service}");
  ASSERT_TRUE(layout.ok());
  std::vector<std::string> lines;
  for (int i = 0; i < 50; ++i) {
    lines.push_back(fmt::format(
        "5 vpc-0a1b subnet-{} i-0abc{} eni-{} 123456789012 IPv4 10.0.{}.{} 52.94.1.{} {} 443 "
        "10.0.1.5 52.94.1.1 6 {} {} 1700000000 1700000060 ACCEPT {} OK us-east-1 use1-az{} "
        "{} {} {}",
        i % 4, i % 7, i % 11, i % 3, i, i, 30000 + i, i * 100, i, i % 32, i % 3,
        i % 2 ? "ingress" : "egress", i % 8 ? "-" : "1", i % 5 ? "-" : "S3"));
  }
  Write(lines, &*layout);
  auto r = SegmentReader::Open(DefaultFileSystem().get(), path_);
  ASSERT_TRUE(r.ok());
  ASSERT_NE((*r)->layout(), nullptr);
  EXPECT_EQ(ReadMessages(*r), lines);

  std::vector<std::string> text = {"INFO starting", "WARN something", "ERROR x=1 y=2"};
  Write(text, &Layout::Default());  // nothing parses: raw only
  r = SegmentReader::Open(DefaultFileSystem().get(), path_);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)->layout(), nullptr);
  EXPECT_EQ(ReadMessages(*r), text);
  Write(text, nullptr);
  r = SegmentReader::Open(DefaultFileSystem().get(), path_);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(ReadMessages(*r), text);
}

TEST_F(StorageSegment, ManyRowGroupsAndBlocks) {
  std::vector<std::string> lines;
  std::mt19937 rng(7);
  for (int i = 0; i < 150000; ++i) {
    lines.push_back(
        fmt::format("2 123456789012 eni-{:017x} 10.0.{}.{} 10.0.{}.{} {} {} 6 {} {} {} {} {} OK",
                    rng() % 300, rng() % 256, rng() % 256, rng() % 256, rng() % 256, rng() % 65536,
                    rng() % 1024, rng() % 100, rng() % 100000, 1795737600 + i / 10,
                    1795737660 + i / 10, rng() % 4 ? "ACCEPT" : "REJECT"));
  }
  SegmentFooter f = Write(lines, &Layout::Default());
  EXPECT_EQ(f.row_groups.size(), 3u);
  auto r = SegmentReader::Open(DefaultFileSystem().get(), path_);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)->num_blocks(), 16u + 16u + 5u);
  EXPECT_EQ(ReadMessages(*r), lines);
  ColumnStats ports = f.Stats(fields::kDstPort);
  EXPECT_TRUE(ports.has_range);
  EXPECT_LE(ports.max, 1023);
  // One row anywhere, as GetLogRecord reads it.
  RowBlock one;
  ColumnRequest req;
  req.message = true;
  ASSERT_TRUE((*r)->Read(req, 70000, 1, &one).ok());
  EXPECT_EQ(one.messages[0], lines[70000]);
  EXPECT_FALSE((*r)->Read(req, 65535, 2, &one).ok());  // crosses a row group
}

TEST_F(StorageSegment, EveryCorruptByteIsReportedNeverACrash) {
  Write(kMixedLines, &Layout::Default());
  Result<std::string> good = DefaultFileSystem()->ReadFile(path_);
  ASSERT_TRUE(good.ok());
  ColumnRequest req;
  req.message = req.timestamp = true;
  req.fields = {fields::kSrcAddr, fields::kBytes, fields::kAction};
  for (size_t pos = 0; pos < good->size(); ++pos) {
    std::string bad = *good;
    bad[pos] ^= 0x20;
    auto f = DefaultFileSystem()->NewWritableFile(path_);
    ASSERT_TRUE((*f)->Append(bad).ok());
    ASSERT_TRUE((*f)->Close().ok());
    auto r = SegmentReader::Open(DefaultFileSystem().get(), path_);
    Status s = r.ok() ? (*r)->Verify() : r.status();
    ASSERT_FALSE(s.ok()) << "byte " << pos << " flipped unnoticed";
    EXPECT_NE(s.message().find(path_), std::string::npos) << s.message();
    if (r.ok()) {
      RowBlock block;
      (void)(*r)->ReadBlock(req, 0, &block);
    }
  }
}


// A footer with a valid checksum whose flow-log field column has another
// kind than its field (the string field `action` stored as ints) is refused
// at open: readers fill the vector of the field's kind and would read an
// empty one.
TEST_F(StorageSegment, FieldColumnOfTheWrongKindIsRefused) {
  Write(kMixedLines, &Layout::Default());
  Result<std::string> good = DefaultFileSystem()->ReadFile(path_);
  ASSERT_TRUE(good.ok());
  const std::string& bytes = *good;
  const char* trailer = bytes.data() + bytes.size() - format::kSegmentTrailerSize;
  const uint64_t offset = DecodeFixed64(trailer);
  const uint32_t length = DecodeFixed32(trailer + 8);
  Result<SegmentFooter> footer = DecodeFooter(std::string_view(bytes).substr(offset, length));
  ASSERT_TRUE(footer.ok());
  const int c = footer->ColumnIndex(fields::kAction);
  ASSERT_GE(c, 0);
  ASSERT_EQ(footer->columns[static_cast<size_t>(c)].kind, ColumnKind::kString);
  footer->columns[static_cast<size_t>(c)].kind = ColumnKind::kInt;
  const std::string new_footer = EncodeFooter(*footer);
  std::string bad = bytes.substr(0, offset) + new_footer;
  PutFixed64(&bad, offset);
  PutFixed32(&bad, static_cast<uint32_t>(new_footer.size()));
  PutFixed32(&bad, crc32c::Mask(crc32c::Value(new_footer)));
  bad.append(trailer + 16, format::kSegmentTrailerSize - 16);  // the magic number
  auto f = DefaultFileSystem()->NewWritableFile(path_);
  ASSERT_TRUE((*f)->Append(bad).ok());
  ASSERT_TRUE((*f)->Close().ok());
  auto r = SegmentReader::Open(DefaultFileSystem().get(), path_);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("action"), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find(path_), std::string::npos) << r.status().message();
}

}  // namespace
}  // namespace flowlens::storage

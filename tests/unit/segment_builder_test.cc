// SegmentBuilder (the bulk loader's compact columns) against WriteSegment
// (the WAL flush's writer, parsing text): the same lines give the same
// events, typed values, streams and footer through either, with missing
// values, IPv6 mixed with IPv4, ints past 32 bits arriving mid-segment,
// strings longer than the short-compare paths, thousands of distinct values
// (the dictionary's table growing), lines that keep their raw text, rows
// without an interface, unsorted times, and a builder reused after Reset;
// the files are byte for byte the same.
// Plus the column types on their own.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "flowlog/record.h"
#include "storage/file_system.h"
#include "storage/segment_builder.h"
#include "storage/segment_reader.h"
#include "storage/segment_writer.h"

namespace flowlens::storage {
namespace {

TEST(BuilderColumns, SameBytesAtEveryLength) {
  for (size_t n = 0; n <= 40; ++n) {
    std::string a(n, 'x');
    for (size_t i = 0; i < n; ++i) a[i] = static_cast<char>('a' + i % 26);
    EXPECT_TRUE(SameBytes(a, std::string(a))) << n;
    for (size_t i = 0; i < n; ++i) {
      std::string b = a;
      b[i] = '#';
      EXPECT_FALSE(SameBytes(a, b)) << n << " " << i;
    }
    EXPECT_FALSE(SameBytes(a, a + "y")) << n;
  }
}

TEST(BuilderColumns, DictionaryGivesOneIdPerValueAcrossGrowth) {
  StringDictionary d;
  Arena arena;
  EXPECT_EQ(d.Intern("", &arena), 0u);
  std::vector<std::string> values;
  for (int i = 0; i < 20000; ++i) values.push_back(fmt::format("value-{}-{}", i, i * 7919));
  values.push_back(std::string(300, 'L'));  // long: the memcmp path
  std::vector<uint32_t> ids;
  for (const std::string& v : values) ids.push_back(d.Intern(v, &arena));
  EXPECT_EQ(d.size(), values.size() + 1);
  for (size_t i = 0; i < values.size(); ++i) {
    std::string copy = values[i];  // another buffer: found by content
    EXPECT_EQ(d.Intern(copy, &arena), ids[i]);
    EXPECT_EQ(d.at(ids[i]), values[i]);
  }
  EXPECT_EQ(d.Intern("", &arena), 0u);
  d.Clear();
  EXPECT_EQ(d.size(), 1u);
  EXPECT_EQ(d.Intern("value-1-7919", &arena), 1u);
}

TEST(BuilderColumns, IntsWidenAndAddressesKeepIpv6OutOfLine) {
  IntValues ints;
  ints.Append(5);
  ints.Append(-7);
  EXPECT_FALSE(ints.wide());
  ints.Append(int64_t{1} << 40);
  ints.Append(3);
  EXPECT_TRUE(ints.wide());
  EXPECT_EQ(ints.at(0), 5);
  EXPECT_EQ(ints.at(1), -7);
  EXPECT_EQ(ints.at(2), int64_t{1} << 40);
  EXPECT_EQ(ints.at(3), 3);

  AddrValues addrs;
  std::vector<IpAddress> want;
  for (int i = 0; i < 200; ++i) {
    want.push_back(i % 70 == 69 ? *IpAddress::Parse(fmt::format("2001:db8::{:x}", i))
                                : IpAddress::V4(static_cast<uint32_t>(i * 1000003)));
  }
  for (size_t i = 0; i < want.size(); ++i) addrs.Append(i, want[i]);
  EXPECT_TRUE(addrs.any_v6());
  for (size_t i = 0; i < want.size(); ++i) EXPECT_EQ(addrs.at(i), want[i]) << i;

  RowFlags flags;
  flags.Append(0, false);
  EXPECT_FALSE(flags.any());
  flags.Append(1, false);
  flags.Append(130, true);  // rows 2..129 false without memory
  flags.Append(131, false);
  EXPECT_TRUE(flags.any());
  EXPECT_FALSE(flags.at(129));
  EXPECT_TRUE(flags.at(130));
  EXPECT_FALSE(flags.at(131));
}

// The lines the builder is tested on, all records of the default layout.
std::vector<std::string> TestLines() {
  std::vector<std::string> lines;
  std::mt19937 rng(7);
  const std::string long_iface = "eni-" + std::string(40, 'a');  // past the 32-byte compare
  for (int i = 0; i < 150000; ++i) {
    const int kind = static_cast<int>(rng() % 100);
    const std::string iface = i % 1000 == 0 ? long_iface : fmt::format("eni-{:017x}", rng() % 3000);
    const int64_t start = 1795737600 + (i / 3) % 50000 + static_cast<int64_t>(rng() % 40);
    if (kind < 3) {
      lines.push_back(
          fmt::format("2 123456789012 {} - - - - - - - {} {} - NODATA", iface, start, start + 60));
    } else if (kind < 5) {
      lines.push_back(fmt::format(
          "2 123456789012 {} 2001:db8::{:x} 10.0.0.{} {} 443 6 3 {} {} {} ACCEPT OK", iface,
          rng() % 65536, rng() % 256, rng() % 65536, rng() % 100000, start, start + 5));
    } else if (kind < 6) {
      // Not canonical (leading zero): kept raw.
      lines.push_back(
          fmt::format("2 123456789012 {} 10.0.0.1 10.0.0.2 080 443 6 1 40 {} {} "
                      "REJECT OK",
                      iface, start, start + 1));
    } else if (kind < 7) {
      lines.push_back(
          fmt::format("2 123456789012 - 10.0.0.1 10.0.0.2 1 443 6 1 40 {} {} "
                      "ACCEPT OK",
                      start, start + 1));  // no interface: the fallback stream
    } else {
      const uint64_t bytes = i > 100000 && kind == 50 ? (uint64_t{1} << 41) + i : rng() % 90000;
      lines.push_back(fmt::format("2 {} {} 10.{}.{}.{} 172.16.{}.{} {} {} 6 {} {} {} {} {} OK",
                                  kind == 8 ? "210987654321" : "123456789012", iface, rng() % 4,
                                  rng() % 256, rng() % 256, rng() % 256, rng() % 256, rng() % 65536,
                                  rng() % 1024, rng() % 40, bytes, start, start + 7,
                                  kind % 5 == 0 ? "REJECT" : "ACCEPT"));
    }
  }
  // IPv6 flows and their replies (stored against their mirror, with IpAddress
  // columns) beside rows with missing values, in one stream.
  for (int i = 0; i < 2000; ++i) {
    const int64_t start = 1795737600 + i;
    lines.push_back(fmt::format(
        "2 123456789012 eni-0000000000000bbbb 2001:db8::{:x} 10.2.0.9 {} 443 6 3 300 {} {} ACCEPT "
        "OK",
        i + 1, 1024 + i, start, start + 5));
    lines.push_back(fmt::format(
        "2 123456789012 eni-0000000000000bbbb 10.2.0.9 2001:db8::{:x} 443 {} 6 3 300 {} {} ACCEPT "
        "OK",
        i + 1, 1024 + i, start, start + 5));
    if (i % 7 == 0) {
      lines.push_back(fmt::format(
          "2 123456789012 eni-0000000000000bbbb - - - - - - - {} {} - NODATA", start, start + 60));
    }
  }
  return lines;
}

class SegmentBuilderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/flowlens-builder-XXXXXX";
    dir_ = mkdtemp(tmpl);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  struct Event {
    std::string stream, message;
    int64_t ts, ingest;
    std::vector<std::string> values;  // every typed column, as text ("" when missing)
    bool operator==(const Event&) const = default;
  };

  std::vector<Event> Read(const std::string& path, SegmentFooter* footer) {
    auto r = SegmentReader::Open(DefaultFileSystem().get(), path);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    *footer = (*r)->footer();
    ColumnRequest req;
    req.message = req.timestamp = req.ingestion_time = req.log_stream = true;
    for (size_t i = 0; i < Layout::Default().size(); ++i) {
      req.fields.push_back(static_cast<int>(Layout::Default().field(i).id));
    }
    std::vector<Event> out;
    RowBlock block;
    for (size_t b = 0; b < (*r)->num_blocks(); ++b) {
      Status s = (*r)->ReadBlock(req, b, &block);
      EXPECT_TRUE(s.ok()) << s.ToString();
      for (size_t i = 0; i < block.size; ++i) {
        Event e{std::string(block.streams[i]),
                std::string(block.messages[i]),
                block.timestamps[i],
                block.ingestion_times[i],
                {}};
        for (const FieldColumn& c : block.fields) {
          if (!c.IsValid(i)) {
            e.values.emplace_back();
          } else if (!c.ints.empty()) {
            e.values.push_back(std::to_string(c.ints[i]));
          } else if (!c.addrs.empty()) {
            e.values.push_back(c.addrs[i].ToString());
          } else {
            e.values.emplace_back(c.strings[i]);
          }
        }
        out.push_back(std::move(e));
      }
    }
    return out;
  }

  // `lines` through WriteSegment as the WAL flush would store them.
  std::vector<Event> Reference(const std::vector<std::string>& lines, SegmentFooter* footer) {
    const Layout& layout = Layout::Default();
    FlowRecord rec(layout);
    RecordError err;
    SegmentInput in;
    in.segment_id = 1;
    in.group_id = 9;
    in.layout = &layout;
    in.zstd_level = 3;
    std::map<std::string, uint32_t> index;
    for (const std::string& l : lines) {
      EXPECT_TRUE(ParseRecord(l, layout, &rec, &err)) << l;
      const int iface = layout.PositionOf(fields::kInterfaceId);
      std::string stream =
          rec.present(iface) ? std::string(rec.str_at(iface)) + "-all" : "flowlens-test.log";
      auto [it, added] = index.try_emplace(stream, static_cast<uint32_t>(in.streams.size()));
      if (added) in.streams.push_back(stream);
      in.rows.push_back({rec.int_at(layout.PositionOf(fields::kStart)) * 1000, 42, it->second, l});
    }
    const std::string path = dir_ + "/ref.seg";
    auto file = DefaultFileSystem()->NewWritableFile(path);
    EXPECT_TRUE(file.ok());
    auto f = WriteSegment(&in, file->get());
    EXPECT_TRUE(f.ok()) << f.status().ToString();
    EXPECT_TRUE((*file)->Close().ok());
    return Read(path, footer);
  }

  std::vector<Event> Built(SegmentBuilder* b, const std::vector<std::string>& lines,
                           SegmentFooter* footer) {
    const Layout& layout = Layout::Default();
    FlowRecord rec(layout);
    RecordError err;
    std::string scratch;
    for (const std::string& l : lines) {
      EXPECT_TRUE(ParseRecord(l, layout, &rec, &err)) << l;
      scratch.clear();
      WriteRecord(layout, rec, &scratch);
      b->Add(rec, l, scratch == l, rec.int_at(layout.PositionOf(fields::kStart)) * 1000);
    }
    EXPECT_EQ(b->rows(), lines.size());
    const std::string path = dir_ + "/built.seg";
    auto file = DefaultFileSystem()->NewWritableFile(path);
    EXPECT_TRUE(file.ok());
    auto f = b->Write(file->get(), 1, 9, 3);
    EXPECT_TRUE(f.ok()) << f.status().ToString();
    EXPECT_TRUE((*file)->Close().ok());
    return Read(path, footer);
  }

  static std::string Contents(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  std::string dir_;
};

TEST_F(SegmentBuilderTest, SameEventsAndValuesAsTheTextWriterAndAfterReset) {
  const std::vector<std::string> lines = TestLines();
  SegmentFooter want_footer, got_footer;
  const std::vector<Event> want = Reference(lines, &want_footer);
  ASSERT_EQ(want.size(), lines.size());
  SegmentBuilder b(Layout::Default(), 42, "flowlens-test.log");
  for (int round = 0; round < 2; ++round) {  // the second after Reset, into kept memory
    if (round == 1) b.Reset();
    const std::vector<Event> got = Built(&b, lines, &got_footer);
    ASSERT_EQ(got.size(), want.size());
    for (size_t i = 0; i < want.size(); ++i) {
      ASSERT_EQ(got[i], want[i]) << "row " << i << ": " << want[i].message;
    }
    // Same rows, order and encodings: the very same file (string columns come
    // as codes from the builder and are renumbered as the text writer numbers them).
    EXPECT_EQ(Contents(dir_ + "/built.seg"), Contents(dir_ + "/ref.seg"));
    EXPECT_EQ(got_footer.streams, want_footer.streams);
    EXPECT_EQ(got_footer.rows, want_footer.rows);
    ASSERT_EQ(got_footer.row_groups.size(), want_footer.row_groups.size());
    for (size_t g = 0; g < want_footer.row_groups.size(); ++g) {
      EXPECT_EQ(got_footer.row_groups[g].message_bytes, want_footer.row_groups[g].message_bytes);
    }
    uint64_t events = 0, bytes = 0;
    for (const StreamLoad& s : b.streams()) events += s.events, bytes += s.bytes;
    EXPECT_EQ(events, lines.size());
    uint64_t want_bytes = 0;
    for (const std::string& l : lines) want_bytes += l.size();
    EXPECT_EQ(bytes, want_bytes);
  }
}

// Without IPv6 the builder hands its address columns to the encoder as their
// 32-bit IPv4 values (RowGroupColumns::v4_addrs), the text writer as
// IpAddresses: the same file all the same, replies (mirror rows) included.
TEST_F(SegmentBuilderTest, IPv4OnlyAddressesGiveTheSameFile) {
  std::vector<std::string> lines;
  for (const std::string& l : TestLines()) {
    if (l.find("2001:db8") == std::string::npos) lines.push_back(l);
  }
  for (int i = 0; i < 3000; ++i) {  // a flow and its reply, next to each other once sorted
    const int64_t start = 1795737600 + i;
    lines.push_back(fmt::format(
        "2 123456789012 eni-0000000000000aaaa 10.1.{}.{} 10.2.0.9 {} 443 6 3 300 {} {} ACCEPT OK",
        i % 256, i % 7, 1024 + i, start, start + 5));
    lines.push_back(fmt::format(
        "2 123456789012 eni-0000000000000aaaa 10.2.0.9 10.1.{}.{} 443 {} 6 3 300 {} {} ACCEPT OK",
        i % 256, i % 7, 1024 + i, start, start + 5));
  }
  SegmentFooter want_footer, got_footer;
  const std::vector<Event> want = Reference(lines, &want_footer);
  SegmentBuilder b(Layout::Default(), 42, "flowlens-test.log");
  const std::vector<Event> got = Built(&b, lines, &got_footer);
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) ASSERT_EQ(got[i], want[i]) << "row " << i;
  EXPECT_EQ(Contents(dir_ + "/built.seg"), Contents(dir_ + "/ref.seg"));
  for (size_t g = 0; g < want_footer.row_groups.size(); ++g) {
    for (size_t c = 0; c < want_footer.row_groups[g].chunks.size(); ++c) {
      const ColumnStats& w = want_footer.row_groups[g].chunks[c].stats;
      const ColumnStats& h = got_footer.row_groups[g].chunks[c].stats;
      EXPECT_EQ(h.nulls, w.nulls);
      EXPECT_EQ(h.has_range, w.has_range);
      EXPECT_EQ(h.min_addr, w.min_addr);
      EXPECT_EQ(h.max_addr, w.max_addr);
    }
  }
}

TEST_F(SegmentBuilderTest, AFallbackNamedLikeAnInterfaceStreamSharesIt) {
  const std::vector<std::string> lines = {
      "2 123456789012 eni-1 10.0.0.1 10.0.0.2 1 443 6 1 40 1795737600 1795737601 ACCEPT OK",
      "2 123456789012 - 10.0.0.1 10.0.0.2 1 443 6 1 40 1795737602 1795737603 ACCEPT OK",
  };
  SegmentBuilder b(Layout::Default(), 42, "eni-1-all");
  SegmentFooter footer;
  const std::vector<Event> got = Built(&b, lines, &footer);
  ASSERT_EQ(b.streams().size(), 1u);
  EXPECT_EQ(b.streams()[0].events, 2u);
  EXPECT_EQ(footer.streams, std::vector<std::string>{"eni-1-all"});
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[1].message, lines[1]);
}

}  // namespace
}  // namespace flowlens::storage

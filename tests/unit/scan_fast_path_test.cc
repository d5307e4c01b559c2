// The text scan's fast path: LineSplitter cuts lines and fields as a plain
// search would and flags every line the fast parser must not take;
// SplitRecordParser agrees with ParseRecord; and the file reader gives the
// same rows for a plain file read in many small morsels, a gzip object with a
// header line (decompressed whole), and concatenated gzip members.
#include <gtest/gtest.h>
#include <libdeflate.h>
#include <unistd.h>

#include <fstream>
#include <string>
#include <vector>

#include "flowlog/line_splitter.h"
#include "flowlog/record.h"
#include "flowlog/split_record.h"
#include "query/executor.h"
#include "query/operators.h"
#include "query/scan.h"

namespace flowlens {
namespace {

struct Cut {
  std::string text;
  bool simple;
  std::vector<std::string> fields;
};

std::vector<Cut> Split(const std::string& text) {
  std::vector<Cut> out;
  LineSplitter split(text);
  SplitLine line;
  while (split.Next(&line)) {
    Cut c{std::string(line.text), line.simple, {}};
    if (line.simple && !line.text.empty()) {
      for (uint32_t i = 0; i <= line.space_count; ++i) {
        c.fields.emplace_back(line.field(text.data(), i));
      }
    }
    out.push_back(c);
  }
  return out;
}

TEST(LineSplitter, SimpleAndOddLines) {
  std::vector<Cut> cuts = Split("a b c\n\nd  e\n f\ng \nh\ti\nj k\r\nl m");
  ASSERT_EQ(cuts.size(), 8u);
  EXPECT_TRUE(cuts[0].simple);
  EXPECT_EQ(cuts[0].fields, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(cuts[1].text, "");
  EXPECT_FALSE(cuts[2].simple);  // two spaces
  EXPECT_EQ(cuts[2].text, "d  e");
  EXPECT_FALSE(cuts[3].simple);  // leading space
  EXPECT_FALSE(cuts[4].simple);  // trailing space
  EXPECT_FALSE(cuts[5].simple);  // tab
  EXPECT_FALSE(cuts[6].simple);  // CR
  EXPECT_EQ(cuts[6].text, "j k\r");
  EXPECT_TRUE(cuts[7].simple);  // no final newline
  EXPECT_EQ(cuts[7].fields, (std::vector<std::string>{"l", "m"}));
}

TEST(LineSplitter, LinesAcrossWindowsAndLongerThanOne) {
  std::string text;
  std::vector<std::string> want;
  for (int i = 0; i < 5000; ++i) {
    std::string line = std::to_string(i) + " x" + std::string(static_cast<size_t>(i % 97), 'y');
    if (i == 2500) line = std::string(100000, 'z') + " w";  // longer than a window
    if (i % 7 == 0) line = "odd\t" + line;
    want.push_back(line);
    text += line + "\n";
  }
  std::vector<Cut> cuts = Split(text);
  ASSERT_EQ(cuts.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    ASSERT_EQ(cuts[i].text, want[i]) << i;
    if (cuts[i].simple) {
      ASSERT_EQ(cuts[i].fields.size(), 2u) << i;
    }
    if (i % 7 == 0) {
      ASSERT_FALSE(cuts[i].simple) << i;
    }
  }
  EXPECT_EQ(CountNewlines(text), want.size());
}

TEST(LineSplitter, KernelMatchesScalar) {
  std::string text;
  for (int i = 0; i < 64 * 40; ++i) text += " \n\t\rab"[static_cast<size_t>(i * 7919) % 6];
  std::vector<uint64_t> a(120), b(120);
  ClassifyBlocks(text.data(), 40, a.data(), a.data() + 40, a.data() + 80);
  ClassifyBlocksScalar(text.data(), 40, b.data(), b.data() + 40, b.data() + 80);
  EXPECT_EQ(a, b) << ClassifyKernelName();
}

TEST(SplitRecordParser, AgreesWithParseRecord) {
  const Layout& layout = Layout::Default();
  const std::string text =
      "2 123456789012 eni-1 10.0.1.7 172.31.255.255 443 49152 6 10 8400 1795737601 "
      "1795737656 ACCEPT OK\n"
      "2 123456789012 eni-1 - - - - - - - 1795737601 1795737656 - NODATA\n"
      "2 123456789012 eni-1 2001:db8::1 ::ffff:1.2.3.4 1 2 17 1 1 3 4 REJECT OK\n"
      "2 1 eni-1 10.0.01.7 10.0.0.1 1 2 6 1 1 3 4 ACCEPT OK\n"               // leading zero
      "2 1 eni-1 10.0.1.256 10.0.0.1 1 2 6 1 1 3 4 ACCEPT OK\n"              // octet
      "2 1 eni-1 10.0.1.7 10.0.0.1 65536 2 6 1 1 3 4 ACCEPT OK\n"            // port
      "256 1 eni-1 10.0.1.7 10.0.0.1 1 2 6 1 1 3 4 ACCEPT OK\n"              // version
      "2 1 eni-1 10.0.1.7 10.0.0.1 1 2 6 99999999999999999999 1 3 4 A OK\n"  // overflow
      "2 1 eni-1 10.0.1.7 10.0.0.1 1 2 6 12345678901234567 1 3 4 A OK\n"     // 17 digits
      "2 1 eni-1 10.0.1.7 10.0.0.1 1 2 6 1 1 3 4 ACCEPT\n"                   // 13 fields
      "2 1 eni-1 10.0.1.7 10.0.0.1 1 2 6 1x 1 3 4 ACCEPT OK";                // no newline
  for (bool keep_all : {true, false}) {
    std::vector<bool> keep(layout.size(), keep_all);
    keep[3] = keep[8] = true;
    const SplitRecordParser fast(layout, keep);
    LineSplitter split(text);
    SplitLine line;
    FlowRecord quick(layout), slow(layout);
    RecordError err;
    int accepted = 0;
    while (split.Next(&line)) {
      bool want = ParseRecord(line.text, layout, &slow, &err);
      bool got = fast.Parse(line, text.data(), text.data() + text.size(), &quick);
      if (got) {
        ++accepted;
        ASSERT_TRUE(want) << line.text;
        EXPECT_EQ(quick.present(3), slow.present(3));
        if (slow.present(3)) {
          EXPECT_EQ(quick.addr_at(3), slow.addr_at(3)) << line.text;
        }
        EXPECT_EQ(quick.present(8), slow.present(8));
        if (slow.present(8)) {
          EXPECT_EQ(quick.int_at(8), slow.int_at(8)) << line.text;
        }
      }
    }
    EXPECT_EQ(accepted, 4);  // the first three and the 17-digit one
  }
}

// Integer fields the caller does not read are only validated (a 16-byte digit
// compare for tokens short enough to be in range): every verdict must still be
// ParseRecord's, whatever the field, its width and which fields are kept.
TEST(SplitRecordParser, UnreadIntegersJudgedAsParseRecord) {
  const Layout& layout = Layout::Default();
  const std::vector<std::string> base = {
      "2", "123456789012", "eni-1", "10.0.1.7",   "10.0.0.1",   "443",    "49152",
      "6", "10",           "8400",  "1795737601", "1795737656", "ACCEPT", "OK"};
  const std::vector<std::string> tokens = {"-",
                                           "0",
                                           "7",
                                           "00",
                                           "022",
                                           "00080",
                                           "255",
                                           "256",
                                           "0255",
                                           "65535",
                                           "65536",
                                           "065535",
                                           "1x",
                                           "x1",
                                           "+1",
                                           "1.0",
                                           "\xd9\xa1",
                                           "1234567890123456",
                                           "12345678901234567",
                                           "9223372036854775807",
                                           "9223372036854775808",
                                           "18446744073709551615",
                                           "99999999999999999999",
                                           "000000000000000000001",
                                           "0000000000000000000000000042"};
  for (uint32_t pos : {0u, 5u, 6u, 7u, 8u, 9u, 10u, 11u}) {
    std::string text;
    for (const std::string& t : tokens) {
      for (size_t i = 0; i < base.size(); ++i) {
        text += i ? " " : "";
        text += i == pos ? t : base[i];
      }
      text += "\n";
    }
    text += "2 1 eni-1 10.0.1.7 10.0.0.1 1 2 6 1 1 3 4 ACCEPT OK 5\n";  // 15 fields
    text += "2 1 eni-1 10.0.1.7 10.0.0.1 1 2 6 1 1 3 4 ACCEPT\r\n";     // CRLF, 13 fields
    text += "2 1 eni-1 10.0.1.7 10.0.0.1 1 2 6 1 1 3 4 ACCEPT OK\r\n";
    text += "2 1 eni-1 2001:db8::1 ::1 1 2 6 1 1 3 4 ACCEPT OK";  // no newline, near the end
    for (int keep_case = 0; keep_case < 3; ++keep_case) {
      std::vector<bool> keep(layout.size(), keep_case == 2);
      if (keep_case == 1) keep[3] = keep[10] = true;
      const SplitRecordParser fast(layout, keep);
      LineSplitter split(text);
      SplitLine line;
      FlowRecord quick(layout), slow(layout);
      RecordError err;
      while (split.Next(&line)) {
        const bool want = ParseRecord(line.text, layout, &slow, &err);
        if (!line.simple) continue;  // the scan gives these to ParseRecord
        const bool got = fast.Parse(line, text.data(), text.data() + text.size(), &quick);
        EXPECT_EQ(got, want) << "field " << pos << " keep " << keep_case << ": " << line.text;
        if (got && keep[pos] && slow.present(pos)) {
          EXPECT_EQ(quick.int_at(pos), slow.int_at(pos));
        }
      }
    }
  }
}

TEST(SplitRecordParser, TokenKernels) {
  const std::string pad(16, ' ');
  for (std::string s : {"0.0.0.0", "255.255.255.255", "1.2.3.4", "10.0.1.77", "01.2.3.4", "1.2.3",
                        "1.2.3.4.5", "1..3.4", "256.1.1.1", "1.2.3.4a", "a.b.c.d"}) {
    std::string buf = s + pad;
    std::optional<IpAddress> want = IpAddress::ParseV4(s);
    uint32_t a = 0;
    EXPECT_EQ(ParseIpv4Fast(buf.data(), s.size(), &a), want.has_value()) << s;
    if (want) {
      EXPECT_EQ(a, want->v4_bits());
    }
  }
  for (std::string s : {"0", "7", "12345678", "123456789", "1795737601", "1234567890123456",
                        "18446744073709551615", "18446744073709551616", "12a", "-1"}) {
    std::string buf = s + pad;
    uint64_t a = 0, b = 0;
    bool ok = ParseUnsigned(s, &b);
    EXPECT_EQ(ParseDigitsFast(buf.data(), s.size(), buf.data() + buf.size(), &a), ok) << s;
    if (ok) {
      EXPECT_EQ(a, b) << s;
    }
  }
}

std::string Gzip(const std::string& text) {
  libdeflate_compressor* c = libdeflate_alloc_compressor(6);
  std::string out(libdeflate_gzip_compress_bound(c, text.size()), '\0');
  out.resize(libdeflate_gzip_compress(c, text.data(), text.size(), out.data(), out.size()));
  libdeflate_free_compressor(c);
  return out;
}

std::string TempFile(const std::string& name, const std::string& bytes) {
  std::string path = ::testing::TempDir() + "/scan_fast_path_" + name;
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

// Rows of `stats count(*), sum(bytes) by srcAddr` and of a plain listing.
std::string Answer(const std::vector<std::string>& paths, const std::string& query) {
  std::vector<query::ScanInput> inputs;
  for (const std::string& p : paths) inputs.push_back({p, p, 0, std::nullopt});
  query::QueryOptions opts;
  opts.threads = 2;
  Result<query::QueryResult> r = query::RunQueryOnFiles(query, inputs, opts);
  EXPECT_TRUE(r.ok()) << r.status().message();
  if (!r.ok()) return "";
  std::string out;
  for (const auto& row : r->rows) {
    for (const auto& v : row) out += (v ? *v : "<null>") + "|";
    out += "\n";
  }
  return out;
}

TEST(FileScan, MorselsGzipObjectsAndMembersGiveTheSameRows) {
  std::string body;
  for (int i = 0; i < 3000; ++i) {
    body += "2 123456789012 eni-" + std::to_string(i % 5) + " 10.0." + std::to_string(i % 3) + "." +
            std::to_string(i % 250) + " 10.1.0.1 " + std::to_string(i % 60000) + " 443 6 3 " +
            std::to_string(i * 17) + " 1795737601 1795737656 " + (i % 4 ? "ACCEPT" : "REJECT") +
            " OK\n";
    if (i % 500 == 0) body += "{\"srcAddr\": \"json\", \"bytes\": 5}\n";
    if (i % 700 == 0) body += "not a record\n";
  }
  const std::string header =
      "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes "
      "start end action log-status\n";
  std::string plain = TempFile("plain.log", body);
  std::string gz = TempFile("object.log.gz", Gzip(header + body));
  size_t half = body.find('\n', body.size() / 2) + 1;
  std::string members =
      TempFile("members.log.gz", Gzip(body.substr(0, half)) + Gzip(body.substr(half)));
  const std::string stats =
      "stats count(*) as n, sum(bytes) as b by srcAddr, action | sort n desc, srcAddr";
  const std::string want = Answer({plain}, stats);
  EXPECT_NE(want, "");
  EXPECT_EQ(Answer({gz}, stats), want);
  EXPECT_EQ(Answer({members}, stats), want);
  // Line numbers (@ptr order) survive morsels: the newest-first listing ties
  // on time and falls back to input order.
  const std::string list = "fields @message, srcAddr | limit 3000";
  EXPECT_EQ(Answer({plain}, list), Answer({members}, list));
  ::unlink(plain.c_str());
  ::unlink(gz.c_str());
  ::unlink(members.c_str());
}

// Missing values ('-') in every batch, before and after a JSON line turns
// columns mixed in the middle of a batch: the typed fill (written by index,
// missing rows listed) and the row-by-row one after the switch must agree
// with counts worked out here.
TEST(FileScan, MissingValuesAndAMixedSwitchInsideABatch) {
  std::string body;
  int64_t present = 0, sum = 0;
  std::string last;
  for (int i = 0; i < 10000; ++i) {
    if (i == 6000) body += "{\"srcAddr\": \"json\", \"bytes\": 5}\n";
    if (i % 97 == 0) {
      body += "2 123456789012 eni-1 - - - - - - - 1795737601 1795737656 - NODATA\n";
      continue;
    }
    const std::string src = "10.0." + std::to_string(i % 7) + "." + std::to_string(i % 250);
    body += "2 123456789012 eni-1 " + src + " 10.1.0.1 " + std::to_string(i % 60000) + " 443 6 3 " +
            std::to_string(i) + " 1795737601 1795737656 ACCEPT OK\n";
    ++present;
    sum += i;
    if (i > 9985) last += src + "|" + std::to_string(i) + "|\n";
  }
  std::string path = TempFile("missing.log", body);
  EXPECT_EQ(Answer({path},
                   "stats count(*) as n, count(srcAddr) as s, sum(bytes) as b, "
                   "count(bytes) as c"),
            "10001|" + std::to_string(present + 1) + "|" + std::to_string(sum + 5) + "|" +
                std::to_string(present + 1) + "|\n");
  EXPECT_EQ(Answer({path}, "filter bytes > 9985 | fields srcAddr, bytes | sort bytes"), last);
  ::unlink(path.c_str());
}

TEST(FileScan, SmallMorselsCoverTheFileWithTheirLineNumbers) {
  std::string body = "version srcaddr dstaddr bytes\n";
  for (int i = 0; i < 2000; ++i) body += "2 10.0.0." + std::to_string(i % 200) + " 1.1.1.1 7\n";
  body += "last line without newline";
  std::string path = TempFile("morsels.log", body);
  std::vector<query::ScanInput> inputs{{path, path, 0, std::nullopt}};
  query::ChunkReader reader(&inputs, std::nullopt, 1000);
  std::string joined;
  std::vector<query::Chunk> chunks;
  std::vector<uint64_t> want;
  uint64_t next_line = 2;  // after the header line
  while (true) {
    Result<std::optional<query::Chunk>> c = reader.Next();
    ASSERT_TRUE(c.ok());
    if (!*c) break;
    EXPECT_EQ((*c)->layout->size(), 4u);
    want.push_back(next_line);
    next_line += CountNewlines((*c)->text);
    joined += (*c)->text;
    chunks.push_back(std::move(**c));
  }
  EXPECT_GT(chunks.size(), 20u);
  EXPECT_EQ(joined, body.substr(body.find('\n') + 1));
  // Line numbers are counted when asked for, in any order (workers take
  // morsels in order but ask when they start).
  for (size_t i : {size_t{7}, size_t{3}, chunks.size() - 1, size_t{0}, size_t{8}}) {
    EXPECT_EQ(query::ChunkFirstLine(chunks[i]), want[i]) << i;
  }
  for (size_t i = 0; i < chunks.size(); ++i) {
    EXPECT_EQ(query::ChunkFirstLine(chunks[i]), want[i]) << i;
  }
  ::unlink(path.c_str());
}

// The parse pushdown (query/scan_captures.h) on lines of every shape: fewer
// fields than stars, more, double spaces, tabs, '\r', JSON, a line longer
// than the splitter's window. The same query with @message read elsewhere
// (no pushdown) must give the same rows, for several numbers of stars.
TEST(FileScan, ParsePushdownGivesTheParseStageCaptures) {
  std::string body;
  for (int i = 0; i < 9000; ++i) {
    const std::string n = std::to_string(i % 13);
    switch (i % 9) {
      case 0:
        body += "a" + n + " b c\n";
        break;
      case 1:
        body += "a" + n + " b\n";
        break;
      case 2:
        body += "a" + n + "  b c d\n";
        break;
      case 3:
        body += "a" + n + "\tb c d e\r\n";
        break;
      case 4:
        body += "{\"k\": \"v w\"}\n";
        break;
      case 5:
        body += "x" + n + " y z w v u t\n";
        break;
      case 6:
        body += (i % 1000 == 6 ? std::string(40000, 'q') + " r s" : "p" + n) + "\n";
        break;
      case 7:
        body += "\n";
        break;
      default:
        body += " lead" + n + " b c \n";
        break;
    }
  }
  std::string path = TempFile("pushdown.log", body);
  for (const std::string glob : {"*", "* *", "* * *", "* * * *", "* * * * * * *"}) {
    size_t stars = (glob.size() + 1) / 2;
    std::string names;
    for (size_t i = 0; i < stars; ++i) names += (i ? ", c" : "c") + std::to_string(i);
    const std::string parse = "parse @message \"" + glob + "\" as " + names;
    const std::string tail = " | stats count(*) as n, count(c0) as k0, count(c" +
                             std::to_string(stars - 1) + ") as k by c0, c" +
                             std::to_string(stars - 1) + " | sort n desc, c0, c" +
                             std::to_string(stars - 1);
    const std::string pushed = Answer({path}, parse + tail);
    const std::string plain = Answer({path}, "filter ispresent(@message) | " + parse + tail);
    EXPECT_NE(pushed, "");
    EXPECT_EQ(pushed, plain) << glob;
  }
  ::unlink(path.c_str());
}

// The scan itself under a pushdown: every row's captures are MatchGlob's on
// its line, the done slot is set and @message is left out.
TEST(FileScan, ParsePushdownFillsEveryRowOfTheBatch) {
  const std::string text =
      "a b c\nd e\nf  g h\ni\tj k\r\nl m n o p\n{\"x\": 1}\n\nq r s \n t u v\n";
  query::ScanRequest request;
  request.row_ids = false;
  request.input_fields = {{"@timestamp", 0}, {"@message", 1}};
  request.timestamp_slot = 0;
  request.parse_pushdown.stage = 0;
  request.parse_pushdown.message_slot = 1;
  request.parse_pushdown.done_slot = 5;
  request.parse_pushdown.slots = {2, -1, 4};  // the middle capture is not read
  query::ScanProjection projection(request, 6);
  query::ScanInput input{"t.log", "t.log", 0, std::nullopt};
  query::Chunk chunk;
  chunk.text = text;
  chunk.input = &input;
  chunk.layout = &Layout::Default();
  query::ScanCounters counters;
  std::vector<std::string> got;
  projection.ParseChunk(
      chunk, std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max(), &counters,
      [&](query::Batch& b) {
        EXPECT_EQ(b.columns[5].kind, query::ColumnKind::kConstant);
        EXPECT_EQ(b.columns[1].kind, query::ColumnKind::kNull);
        EXPECT_EQ(b.columns[3].kind, query::ColumnKind::kNull);
        for (size_t r = 0; r < b.size; ++r) {
          query::Value x = b.columns[2].Get(r), z = b.columns[4].Get(r);
          got.push_back(x.is_null() ? "<null>" : std::string(x.s) + "|" + std::string(z.s));
        }
      });
  std::vector<std::string> want;
  std::vector<std::string> literals = {"", " ", " ", ""};
  std::vector<std::string_view> parts;
  for (std::string_view line :
       {"a b c", "d e", "f  g h", "i\tj k", "l m n o p", "{\"x\": 1}", "q r s ", " t u v"}) {
    want.push_back(query::MatchGlob(line, literals, &parts)
                       ? std::string(parts[0]) + "|" + std::string(parts[2])
                       : "<null>");
  }
  EXPECT_EQ(got, want);
}

TEST(FileScan, BrokenGzipNamesTheFile) {
  std::string packed = Gzip(std::string(100000, 'x'));
  std::string path = TempFile("broken.log.gz", packed.substr(0, packed.size() / 2));
  std::vector<query::ScanInput> inputs{{path, "broken.log.gz", 0, std::nullopt}};
  Result<query::QueryResult> r = query::RunQueryOnFiles("stats count(*)", inputs, {});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("broken.log.gz"), std::string::npos);
  ::unlink(path.c_str());
}

}  // namespace
}  // namespace flowlens

// The bulk loader's fast path (SplitRecordParser::ParseExact): it decides
// whether a line round-trips (so @message is rebuilt from the columns) exactly
// as writing the record back and comparing would, and a loaded file gives back
// every line byte for byte, odd ones (leading zeros, non-canonical IPv6, tabs,
// CRLF, runs of blanks, empty lines) included.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "flowlog/line_splitter.h"
#include "flowlog/record.h"
#include "flowlog/split_record.h"
#include "ingest/ingester.h"
#include "ingest_test_util.h"
#include "storage/store.h"

namespace flowlens {
namespace {

// Lines of the default layout, each a variation on one record.
const std::vector<std::string>& OddLines() {
  static const std::vector<std::string> lines = {
      "2 123456789012 eni-1 10.0.0.1 10.0.0.2 443 49152 6 10 840 1795737600 1795737660 ACCEPT OK",
      "2 123456789012 eni-1 10.0.0.1 10.0.0.2 0443 49152 6 10 840 1795737600 1795737660 ACCEPT OK",
      "2 123456789012 eni-1 10.0.0.1 10.0.0.2 0 0 0 0 0 1795737600 1795737660 ACCEPT OK",
      "2 123456789012 eni-1 10.0.0.1 10.0.0.2 443 49152 6 10 00 1795737600 1795737660 ACCEPT OK",
      "2 123456789012 eni-1 2001:db8::1 10.0.0.2 443 49152 6 10 840 1795737600 1795737660 ACCEPT "
      "OK",
      "2 123456789012 eni-1 2001:DB8::1 10.0.0.2 443 49152 6 10 840 1795737600 1795737660 ACCEPT "
      "OK",
      "2 123456789012 eni-1 2001:db8:0:0:0:0:0:1 ::ffff:10.0.0.2 443 49152 6 10 840 1795737600 "
      "1795737660 ACCEPT OK",
      "2 123456789012 eni-1 - - - - - - - 1795737600 1795737660 - NODATA",
      "2 123456789012 eni-1 10.0.0.1 10.0.0.2 443 49152 6 10 840 1795737600 1795737660 ACCEPT OK\r",
      "2 123456789012 eni-1 10.0.0.1 10.0.0.2  443 49152 6 10 840 1795737600 1795737660 ACCEPT OK",
      "2\t123456789012 eni-1 10.0.0.1 10.0.0.2 443 49152 6 10 840 1795737600 1795737660 ACCEPT OK",
      " 2 123456789012 eni-1 10.0.0.1 10.0.0.2 443 49152 6 10 840 1795737600 1795737660 ACCEPT OK",
      "2 123456789012 eni-1 10.0.0.1 10.0.0.2 443 49152 6 10 840 1795737600 1795737660 ACCEPT OK ",
      "2 123456789012 eni-2 10.0.0.1 10.0.0.2 443 49152 6 10 18446744073709551615 1795737600 "
      "1795737660 ACCEPT OK",
      "2 123456789012 eni-2 10.0.0.1 10.0.0.2 443 49152 6 10 000000000000000000001 1795737600 "
      "1795737660 ACCEPT OK",
  };
  return lines;
}

TEST(ParseExact, AgreesWithWritingTheRecordBack) {
  const Layout& layout = Layout::Default();
  const SplitRecordParser fast(layout, std::vector<bool>(layout.size(), true));
  std::string text;
  for (const std::string& l : OddLines()) text += l + "\n";
  LineSplitter split(text);
  SplitLine line;
  FlowRecord quick(layout), slow(layout);
  RecordError err;
  size_t i = 0, decided = 0;
  while (split.Next(&line)) {
    ASSERT_LT(i, OddLines().size());
    bool exact = false;
    if (fast.ParseExact(line, text.data(), text.data() + text.size(), &quick, &exact)) {
      ++decided;
      ASSERT_TRUE(ParseRecord(line.text, layout, &slow, &err)) << line.text;
      std::string back;
      WriteRecord(layout, slow, &back);
      EXPECT_EQ(exact, back == line.text) << line.text;
    }
    ++i;
  }
  EXPECT_EQ(i, OddLines().size());
  // Every single-spaced line is decided by the fast path, canonical or not.
  EXPECT_EQ(decided, 8u);
}

TEST(ParseExact, EmptyLineIsNoRecordEvenForOneField) {
  auto layout = Layout::FromFormat("${account-id}");
  ASSERT_TRUE(layout.ok());
  const SplitRecordParser fast(*layout, {true});
  std::string text = "\nabc\n";
  LineSplitter split(text);
  SplitLine line;
  FlowRecord rec(*layout);
  bool exact = false;
  ASSERT_TRUE(split.Next(&line));
  EXPECT_FALSE(fast.ParseExact(line, text.data(), text.data() + text.size(), &rec, &exact));
  ASSERT_TRUE(split.Next(&line));
  EXPECT_TRUE(fast.ParseExact(line, text.data(), text.data() + text.size(), &rec, &exact));
  EXPECT_TRUE(exact);
  EXPECT_EQ(rec.str_at(0), "abc");
}

TEST(BulkIngest, GivesBackEveryLineByteForByte) {
  char tmpl[] = "/tmp/flowlens-ingest-fast-XXXXXX";
  const std::string dir = mkdtemp(tmpl);
  std::vector<std::string> want;
  {
    std::ofstream out(dir + "/flows.log", std::ios::binary);
    for (int rep = 0; rep < 3; ++rep) {
      for (const std::string& l : OddLines()) {
        out << l << "\n\n";  // and an empty line, which is skipped
        std::string m = l;
        if (!m.empty() && m.back() == '\r') m.pop_back();
        want.push_back(m);
      }
    }
  }
  // The lines that are records at all (ParseRecord's verdict).
  {
    const Layout& layout = Layout::Default();
    FlowRecord rec(layout);
    RecordError err;
    std::erase_if(want, [&](const std::string& m) { return !ParseRecord(m, layout, &rec, &err); });
  }
  auto store = storage::Store::Open(dir + "/data", {});
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  ingest::IngestOptions opts;
  opts.group = "/g";
  opts.threads = 2;
  auto report = ingest::IngestPaths(**store, {dir + "/flows.log"}, opts);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->records_stored, want.size());
  EXPECT_EQ(report->lines_rejected, 3u * OddLines().size() - want.size());

  std::sort(want.begin(), want.end());
  EXPECT_EQ(testing_util::SortedMessages(**store, "/g"), want);
  store->reset();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace flowlens

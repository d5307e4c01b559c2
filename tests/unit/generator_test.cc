// The flow-log generator: determinism, that every line parses back in the
// default, a 19-field and the all-fields format, that the records look like
// AWS's (per-interface point of view, NAT, flags, sizes, windows), and that
// the ground truth is exact: every count in truth.json is recomputed here
// from the parsed lines with code independent of the generator's counters.
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>
#include <libdeflate.h>
#include <simdjson.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "flowlog/generator.h"
#include "flowlog/record.h"

namespace flowlens {
namespace {

namespace fs = std::filesystem;
using simdjson::dom::element;

constexpr const char* k19Fields =
    "${region} ${vpc-id} ${az-id} ${subnet-id} ${instance-id} ${interface-id} ${flow-direction} "
    "${srcaddr} ${dstaddr} ${srcport} ${dstport} ${pkt-srcaddr} ${pkt-dstaddr} "
    "${pkt-src-aws-service} ${pkt-dst-aws-service} ${traffic-path} ${packets} ${bytes} ${action}";

std::string AllFieldsFormat() {
  std::string f;
  for (const FieldInfo& field : Catalog()) f += "${" + std::string(field.name) + "} ";
  return f;
}

GeneratorOptions Options(uint64_t records, uint64_t seed, std::string format = "") {
  GeneratorOptions o;
  o.records = records;
  o.seed = seed;
  o.format = std::move(format);
  return o;
}

struct Output {
  std::string records, truth_json;
};

Output GenerateText(const GeneratorOptions& o) {
  Output out;
  Result<GeneratorSummary> s = GenerateInMemory(o, &out.records, &out.truth_json);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return out;
}

std::vector<std::string_view> Lines(std::string_view text) {
  std::vector<std::string_view> lines;
  size_t i = 0;
  while (i < text.size()) {
    size_t nl = text.find('\n', i);
    lines.push_back(text.substr(i, nl - i));
    i = nl + 1;
  }
  return lines;
}

// One parsed line, by field name, as text ("-" when missing).
using Row = std::map<std::string, std::string, std::less<>>;

std::vector<Row> ParseAll(std::string_view text, const Layout& layout) {
  std::vector<Row> rows;
  FlowRecord rec(layout);
  for (std::string_view line : Lines(text)) {
    RecordError err;
    EXPECT_TRUE(ParseRecord(line, layout, &rec, &err)) << line << ": " << err.reason;
    Row row;
    for (size_t i = 0; i < layout.size(); ++i) {
      const FieldInfo& f = layout.field(i);
      std::string v = "-";
      if (rec.present(i)) {
        if (f.kind == ValueKind::kAddress)
          v = rec.addr_at(i).ToString();
        else if (f.kind == ValueKind::kString)
          v = std::string(rec.str_at(i));
        else
          v = std::to_string(rec.int_at(i));
      }
      row[std::string(f.name)] = v;
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

uint64_t Num(const Row& r, const char* field) {
  auto it = r.find(field);
  return it == r.end() || it->second == "-" ? 0 : std::stoull(it->second);
}
const std::string& Str(const Row& r, const char* field) {
  static const std::string kDash = "-";
  auto it = r.find(field);
  return it == r.end() ? kDash : it->second;
}

struct Counts {
  uint64_t records = 0, packets = 0, bytes = 0, accept = 0, reject = 0;
  int64_t first = INT64_MAX, last = INT64_MIN;
  void Add(const Row& r) {
    ++records;
    packets += Num(r, "packets");
    bytes += Num(r, "bytes");
    accept += Str(r, "action") == "ACCEPT";
    reject += Str(r, "action") == "REJECT";
    if (r.count("start")) first = std::min(first, static_cast<int64_t>(Num(r, "start")));
    if (r.count("end")) last = std::max(last, static_cast<int64_t>(Num(r, "end")));
  }
};

std::string Text(element e) {
  return std::string(std::string_view(e));
}

void ExpectCounts(const Counts& c, element j, const std::string& what) {
  EXPECT_EQ(c.records, uint64_t(j["records"])) << what;
  EXPECT_EQ(c.packets, uint64_t(j["packets"])) << what;
  EXPECT_EQ(c.bytes, uint64_t(j["bytes"])) << what;
}

// Recomputes the totals and every scenario's counts from `rows` and compares
// them with the truth, for whatever fields the layout has.
void CheckTruth(const std::vector<Row>& rows, const Layout& layout, const std::string& json) {
  simdjson::dom::parser parser;
  element truth = parser.parse(simdjson::padded_string(json));
  element totals = truth["totals"];
  ASSERT_EQ(rows.size(), uint64_t(totals["records"]));
  auto in = [&](const char* f) { return layout.Has(static_cast<int>(FindField(f)->id)); };

  Counts all;
  std::map<std::string, uint64_t> status, action, type, by_iface, src_bytes;
  for (const Row& r : rows) {
    all.Add(r);
    ++status[Str(r, "log-status")];
    ++action[Str(r, "action")];
    ++by_iface[Str(r, "interface-id")];
    if (Str(r, "srcaddr") != "-") {
      ++type[Str(r, "srcaddr").find(':') != std::string::npos ? "IPv6" : "IPv4"];
      src_bytes[Str(r, "srcaddr")] += Num(r, "bytes");
    }
  }
  if (in("packets")) {
    EXPECT_EQ(all.packets, uint64_t(totals["packets"]));
  }
  if (in("bytes")) {
    EXPECT_EQ(all.bytes, uint64_t(totals["bytes"]));
  }
  if (in("log-status")) {
    for (const char* s : {"OK", "NODATA", "SKIPDATA"}) {
      EXPECT_EQ(status[s], uint64_t(totals["by_log_status"][s])) << s;
    }
  }
  if (in("action")) {
    for (const char* a : {"ACCEPT", "REJECT", "-"}) {
      EXPECT_EQ(action[a], uint64_t(totals["by_action"][a])) << a;
    }
  }
  if (in("srcaddr")) {
    EXPECT_EQ(type["IPv4"], uint64_t(totals["by_type"]["IPv4"]));
    EXPECT_EQ(type["IPv6"], uint64_t(totals["by_type"]["IPv6"]));
  }
  if (in("interface-id")) {
    uint64_t listed = 0;
    for (auto [eni, n] : element(totals["by_interface"]).get_object()) {
      EXPECT_EQ(by_iface[std::string(eni)], uint64_t(n)) << eni;
      listed += uint64_t(n);
    }
    EXPECT_EQ(listed, rows.size());
  }
  if (in("srcaddr") && in("bytes")) {
    std::vector<std::pair<uint64_t, std::string>> top;
    for (auto& [a, b] : src_bytes) {
      if (b) top.emplace_back(b, a);
    }
    // Bytes descending, then address order (IPv4 before IPv6, numerically).
    std::sort(top.begin(), top.end(), [](const auto& x, const auto& y) {
      if (x.first != y.first) return x.first > y.first;
      return *IpAddress::Parse(x.second) < *IpAddress::Parse(y.second);
    });
    size_t i = 0;
    for (element e : element(totals["top_sources_by_bytes"]).get_array()) {
      ASSERT_LT(i, top.size());
      EXPECT_EQ(top[i].second, std::string_view(e["address"]));
      EXPECT_EQ(top[i].first, uint64_t(e["bytes"]));
      ++i;
    }
    EXPECT_EQ(i, std::min<size_t>(10, top.size()));
  }

  for (element s : element(truth["scenarios"]).get_array()) {
    const std::string name = Text(s["name"]);
    element sel = s["selector"];
    const std::string kind = Text(sel["kind"]);
    const std::string a = Text(sel["address"]);
    std::string b;
    if (sel["other_address"].error() == simdjson::SUCCESS) b = Text(sel["other_address"]);
    const uint64_t port = sel["port"].error() == simdjson::SUCCESS ? uint64_t(sel["port"]) : 0;
    const bool match_pkt = bool(sel["match_pkt_addresses"]);
    element fwd = s["forward"];
    const std::string fsrc = Text(fwd["srcaddr"]), fdst = Text(fwd["dstaddr"]);
    const uint64_t fport = uint64_t(fwd["dstport"]);

    Counts sel_all, sel_addr, forward;
    std::set<uint64_t> ports;
    std::set<std::string> hosts;
    for (const Row& r : rows) {
      const std::string &src = Str(r, "srcaddr"), &dst = Str(r, "dstaddr");
      bool by_addr = false;
      if (kind == "address") by_addr = src == a || dst == a;
      if (kind == "address_port") {
        by_addr =
            (src == a && Num(r, "dstport") == port) || (dst == a && Num(r, "srcport") == port);
      }
      if (kind == "pair") by_addr = (src == a && dst == b) || (src == b && dst == a);
      const bool by_pkt = match_pkt && (Str(r, "pkt-srcaddr") == a || Str(r, "pkt-dstaddr") == a);
      if (by_addr) sel_addr.Add(r);
      if (by_addr || by_pkt) sel_all.Add(r);
      if (src == fsrc && (fdst == "*" || dst == fdst) &&
          (fport == 0 || Num(r, "dstport") == fport)) {
        forward.Add(r);
        ports.insert(Num(r, "dstport"));
        hosts.insert(dst);
      }
    }
    const bool pkt_ok = !match_pkt || (in("pkt-srcaddr") && in("pkt-dstaddr"));
    ExpectCounts(sel_addr, s["address_counts"], name + " address_counts");
    if (pkt_ok) {
      ExpectCounts(sel_all, s["counts"], name + " counts");
      if (in("action")) {
        EXPECT_EQ(sel_all.accept, uint64_t(s["counts"]["accept"])) << name;
        EXPECT_EQ(sel_all.reject, uint64_t(s["counts"]["reject"])) << name;
      }
      if (in("start") && in("end")) {
        EXPECT_EQ(sel_all.first, int64_t(s["window"]["start"])) << name;
        EXPECT_EQ(sel_all.last, int64_t(s["window"]["end"])) << name;
      }
    }
    ExpectCounts(forward, fwd, name + " forward");
    if (in("dstport")) {
      EXPECT_EQ(ports.size(), uint64_t(fwd["distinct_dstports"])) << name;
    }
    EXPECT_EQ(hosts.size(), uint64_t(fwd["distinct_dstaddrs"])) << name;
  }
}

TEST(GeneratorTest, SameOptionsSameBytesOtherSeedOtherBytes) {
  const Output a = GenerateText(Options(20000, 42)), b = GenerateText(Options(20000, 42)),
               c = GenerateText(Options(20000, 43));
  EXPECT_EQ(a.records, b.records);
  EXPECT_EQ(a.truth_json, b.truth_json);
  EXPECT_NE(a.records, c.records);
  EXPECT_EQ(Lines(a.records).size(), 20000u);
}

TEST(GeneratorTest, DefaultFormatParsesAndTruthIsExact) {
  const Output out = GenerateText(Options(20000, 7));
  const std::vector<Row> rows = ParseAll(out.records, Layout::Default());
  CheckTruth(rows, Layout::Default(), out.truth_json);
}

TEST(GeneratorTest, NineteenFieldFormatParsesAndTruthIsExact) {
  const Output out = GenerateText(Options(20000, 7, k19Fields));
  const Layout layout = *Layout::FromFormat(k19Fields);
  CheckTruth(ParseAll(out.records, layout), layout, out.truth_json);
}

// The checker itself: a truth that is off by one byte must fail it.
std::vector<Row> g_rows;
std::string g_bad_truth;

TEST(GeneratorTest, TruthCheckCatchesAnInexactCount) {
  const Output out = GenerateText(Options(20000, 7));
  g_rows = ParseAll(out.records, Layout::Default());
  const std::string exact =
      "\"bytes\": " + std::to_string([&] {
        simdjson::dom::parser p;
        return uint64_t(p.parse(simdjson::padded_string(out.truth_json))["scenarios"].at(
            4)["forward"]["bytes"]);
      }());
  g_bad_truth = out.truth_json;
  const size_t at = g_bad_truth.find(exact, g_bad_truth.find("\"exfiltration\""));
  ASSERT_NE(at, std::string::npos);
  g_bad_truth.replace(at, exact.size(), exact + "1");
  EXPECT_NONFATAL_FAILURE(CheckTruth(g_rows, Layout::Default(), g_bad_truth),
                          "exfiltration forward");
}

TEST(GeneratorTest, AllFieldsFormatParsesAndTruthIsExact) {
  const std::string format = AllFieldsFormat();
  const Output out = GenerateText(Options(20000, 7, format));
  const Layout layout = *Layout::FromFormat(format);
  const std::vector<Row> rows = ParseAll(out.records, layout);
  CheckTruth(rows, layout, out.truth_json);
  // The format changes which fields are written, not the traffic.
  const std::vector<Row> plain =
      ParseAll(GenerateText(Options(20000, 7)).records, Layout::Default());
  ASSERT_EQ(rows.size(), plain.size());
  for (size_t i = 0; i < rows.size(); i += 97) {
    for (const FieldInfo* f : Layout::Default().fields()) {
      if (f->name == "version") continue;
      EXPECT_EQ(Str(rows[i], f->name.data()), Str(plain[i], f->name.data())) << i << f->name;
    }
  }
  EXPECT_EQ(Str(rows[0], "version"), "11");
}

// What AWS records look like, checked on every line of the all-fields output.
TEST(GeneratorTest, RecordsLookLikeAwsRecords) {
  const std::string format = AllFieldsFormat();
  const Output out = GenerateText(Options(50000, 3, format));
  const std::vector<Row> rows = ParseAll(out.records, *Layout::FromFormat(format));
  const std::set<uint64_t> kFlags = {0, 1, 2, 3, 4, 18, 19};
  int64_t last_window = 0;
  uint64_t nat_translated = 0, pod_records = 0, v6 = 0, rejects = 0, nodata = 0, skipdata = 0;
  for (const Row& r : rows) {
    const int64_t start = static_cast<int64_t>(Num(r, "start")),
                  end = static_cast<int64_t>(Num(r, "end"));
    ASSERT_LE(start, end);
    ASSERT_EQ(start / 60, end / 60) << "start and end in one 60-second window";
    ASSERT_GE(start / 60, last_window) << "windows in time order";
    last_window = start / 60;
    EXPECT_EQ(Str(r, "region"), "us-east-1");
    EXPECT_EQ(Str(r, "sublocation-id"), "-");
    EXPECT_EQ(Str(r, "tgw-id"), "-");
    if (Str(r, "log-status") != "OK") {
      nodata += Str(r, "log-status") == "NODATA";
      skipdata += Str(r, "log-status") == "SKIPDATA";
      EXPECT_EQ(Str(r, "srcaddr"), "-");
      EXPECT_EQ(Str(r, "action"), "-");
      continue;
    }
    const uint64_t packets = Num(r, "packets"), bytes = Num(r, "bytes");
    ASSERT_GE(packets, 1u);
    ASSERT_GE(bytes, 40 * packets);
    ASSERT_LE(bytes, 1500 * packets);
    const uint64_t proto = Num(r, "protocol");
    EXPECT_TRUE(kFlags.count(Num(r, "tcp-flags"))) << Num(r, "tcp-flags");
    if (proto != 6) {
      EXPECT_EQ(Num(r, "tcp-flags"), 0u);
    }
    if (proto == 1 || proto == 58) {
      EXPECT_EQ(Num(r, "dstport"), 0u);
    }
    const bool egress = Str(r, "flow-direction") == "egress";
    EXPECT_EQ(Str(r, "traffic-path") == "-", !egress) << "traffic-path only on egress";
    const bool is_v6 = Str(r, "type") == "IPv6";
    v6 += is_v6;
    EXPECT_EQ(is_v6, Str(r, "srcaddr").find(':') != std::string::npos);
    rejects += Str(r, "action") == "REJECT";
    if (Str(r, "pkt-srcaddr") != Str(r, "srcaddr") || Str(r, "pkt-dstaddr") != Str(r, "dstaddr")) {
      if (Str(r, "interface-type") == "nat_gateway") {
        ++nat_translated;
        EXPECT_EQ(Str(r, "instance-id"), "-");
      } else {
        ++pod_records;  // Kubernetes pods: secondary addresses of the node
        EXPECT_EQ(Str(r, "instance-tag").rfind("k8s-node", 0), 0u) << Str(r, "instance-tag");
      }
    }
    const std::string& svc = Str(r, "pkt-dst-aws-service");
    if (svc == "S3") {
      EXPECT_TRUE(Str(r, "pkt-dstaddr").rfind("52.21", 0) == 0);
    }
  }
  const double n = static_cast<double>(rows.size());
  EXPECT_GT(nat_translated, 0u);
  EXPECT_GT(pod_records, 0u);
  EXPECT_GT(nodata, 0u);
  EXPECT_GT(skipdata, 0u);
  EXPECT_GT(v6 / n, 0.01);
  EXPECT_LT(v6 / n, 0.10);
  EXPECT_GT(rejects / n, 0.01);
  EXPECT_LT(rejects / n, 0.12);
}

TEST(GeneratorTest, ScenariosMeetTheirDefinitions) {
  const Output out = GenerateText(Options(20000, 11));
  simdjson::dom::parser parser;
  element truth = parser.parse(simdjson::padded_string(out.truth_json));
  std::map<std::string, element> by_name;
  for (element s : element(truth["scenarios"]).get_array()) by_name[Text(s["name"])] = s;
  ASSERT_EQ(by_name.size(), 7u);
  auto fwd = [&](const char* n, const char* k) { return uint64_t(by_name[n]["forward"][k]); };
  auto cnt = [&](const char* n, const char* k) { return uint64_t(by_name[n]["counts"][k]); };
  EXPECT_GT(fwd("port-scan", "distinct_dstports"), 500u);
  EXPECT_GT(cnt("port-scan", "reject"), cnt("port-scan", "records") * 9 / 10);
  EXPECT_GT(fwd("horizontal-sweep", "distinct_dstaddrs"), 100u);
  EXPECT_EQ(fwd("horizontal-sweep", "distinct_dstports"), 1u);
  EXPECT_GE(fwd("ssh-brute-force", "records"), 300u);
  EXPECT_EQ(cnt("rdp-probe", "reject"), cnt("rdp-probe", "records"));
  EXPECT_GT(fwd("rdp-probe", "distinct_dstaddrs"), 10u);
  EXPECT_GT(fwd("exfiltration", "bytes"), 1'000'000'000u);
  element exfil = by_name["exfiltration"]["window"];
  EXPECT_LT(int64_t(exfil["end"]) - int64_t(exfil["start"]), 30 * 60);
  EXPECT_GT(cnt("cross-az", "bytes"), 1'000'000'000u);
  std::set<std::string> azs;
  for (element a : element(by_name["cross-az"]["actors"]).get_array()) azs.insert(Text(a["az_id"]));
  EXPECT_EQ(azs.size(), 2u);
  EXPECT_GT(fwd("nat-heavy", "records"), 0u);
  EXPECT_GT(cnt("nat-heavy", "records"),
            uint64_t(by_name["nat-heavy"]["address_counts"]["records"]));
}

TEST(GeneratorTest, ScenarioSelectionAndUserErrors) {
  GeneratorOptions o = Options(500, 1);
  o.scenarios = {};
  Output out = GenerateText(o);
  EXPECT_EQ(Lines(out.records).size(), 500u);
  EXPECT_NE(out.truth_json.find("\"scenarios\": [\n  ]"), std::string::npos);

  std::string recs, truth;
  EXPECT_EQ(GenerateInMemory(Options(500, 1), &recs, &truth).status().code(),
            StatusCode::kInvalidArgument);  // too few records for all scenarios
  EXPECT_EQ(GenerateInMemory(Options(0, 1), &recs, &truth).status().code(),
            StatusCode::kInvalidArgument);
  Result<GeneratorSummary> bad =
      GenerateInMemory(Options(10, 1, "${srcaddr} ${bogus}"), &recs, &truth);
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("bogus"), std::string::npos);

  EXPECT_EQ(ParseScenarioList("all")->size(), 7u);
  EXPECT_TRUE(ParseScenarioList("none")->empty());
  EXPECT_EQ(*ParseScenarioList("nat-heavy,port-scan,nat-heavy"),
            (std::vector<std::string>{"port-scan", "nat-heavy"}));
  EXPECT_FALSE(ParseScenarioList("port-scan,bogus").ok());
  EXPECT_EQ(*ParseStartTime("2026-11-27T00:00:00Z"), kDefaultGeneratorStart);
  EXPECT_EQ(*ParseStartTime("2026-11-27"), kDefaultGeneratorStart);
  EXPECT_EQ(*ParseStartTime("2026-11-27T01:02Z"), kDefaultGeneratorStart + 3720);
  EXPECT_EQ(*ParseStartTime("1795737600"), kDefaultGeneratorStart);
  EXPECT_FALSE(ParseStartTime("2026-02-30").ok());
  EXPECT_FALSE(ParseStartTime("yesterday").ok());
  EXPECT_EQ(TruthPathFor("/tmp/out/"), "/tmp/out.truth.json");
  EXPECT_EQ(TruthPathFor("x.log"), "x.log.truth.json");
}

std::string Gunzip(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::string gz((std::istreambuf_iterator<char>(in)), {});
  EXPECT_GE(gz.size(), 18u);
  uint32_t isize = 0;  // the gzip trailer's uncompressed size, little-endian
  for (int i = 0; i < 4; ++i) isize |= uint32_t(uint8_t(gz[gz.size() - 4 + i])) << (8 * i);
  libdeflate_decompressor* d = libdeflate_alloc_decompressor();
  std::string text(isize, '\0');
  size_t n = 0;
  EXPECT_EQ(libdeflate_gzip_decompress(d, gz.data(), gz.size(), text.data(), text.size(), &n),
            LIBDEFLATE_SUCCESS);
  libdeflate_free_decompressor(d);
  text.resize(n);
  return text;
}

TEST(GeneratorTest, S3ObjectsFollowTheAwsKeyLayout) {
  const fs::path dir =
      fs::temp_directory_path() / ("flowlens-gen-s3-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  GeneratorOptions o = Options(20000, 5);
  o.s3 = true;
  o.output_path = dir.string() + "/";
  o.s3_object_limit_bytes = 4000;  // forces splits within 5-minute buckets
  Result<GeneratorSummary> s = Generate(o);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->truth_path, dir.string() + ".truth.json");
  const std::string prefix =
      "AWSLogs/123456789012/vpcflowlogs/us-east-1/2026/11/27/"
      "123456789012_vpcflowlogs_us-east-1_fl-";
  uint64_t records = 0, objects = 0;
  std::string all_text;
  std::vector<fs::path> files;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  std::map<std::string, int> parts_per_stamp;
  for (const fs::path& p : files) {
    const std::string key = fs::relative(p, dir).string();
    ASSERT_EQ(key.rfind(prefix, 0), 0u) << key;
    ASSERT_EQ(key.size(), prefix.size() + 17 + 1 + 14 + 1 + 8 + 7) << key;  // id_stamp_hash.log.gz
    const std::string stamp = key.substr(prefix.size() + 18, 14);           // 20261127THHmmZ
    ++parts_per_stamp[stamp];
    const std::string text = Gunzip(p);
    ASSERT_LE(text.size(), o.s3_object_limit_bytes);
    ASSERT_EQ(text.substr(0, text.find('\n')), Layout::Default().ToHeaderLine());
    const std::vector<Row> rows = ParseAll(text.substr(text.find('\n') + 1), Layout::Default());
    const int minute = std::stoi(stamp.substr(11, 2)), hour = std::stoi(stamp.substr(9, 2));
    const int64_t bucket = kDefaultGeneratorStart + hour * 3600 + minute * 60;
    for (const Row& r : rows) {
      ASSERT_GE(static_cast<int64_t>(Num(r, "end")), bucket);
      ASSERT_LT(static_cast<int64_t>(Num(r, "end")), bucket + 300);
    }
    records += rows.size();
    ++objects;
  }
  EXPECT_EQ(records, 20000u);
  EXPECT_EQ(objects, s->objects);
  EXPECT_GT(objects, parts_per_stamp.size());  // some buckets were split
  fs::remove_all(dir);
  fs::remove(dir.string() + ".truth.json");
}

}  // namespace
}  // namespace flowlens

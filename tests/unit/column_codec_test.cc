// Column encodings (storage/column_codec.h): ints of every byte width, by
// frame of reference and by delta, and address columns (all IPv4, all IPv6,
// mixed; IPv4 bits as planes or as a dictionary) round-trip with missing
// rows anywhere, at sizes around the 64-row words the address decoder works
// in; the dictionary transform's edge cases (one value, 64-bit values, 32-bit
// indices, the last values of the packed bits) decode; int chunks opened as
// their planes give every run of rows the whole decoder gives; reply flags read as
// bytes agree with the ints; malformed input is refused.
#include "storage/column_codec.h"

#include "flowlog/field_catalog.h"
#include "storage/format.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace flowlens::storage {
namespace {

const size_t kSizes[] = {0, 1, 7, 63, 64, 65, 127, 128, 129, 4095, 4096, 4097, 65536};

std::vector<uint8_t> Validity(size_t n, int pattern, std::mt19937_64* rng) {
  std::vector<uint8_t> v(n, 1);
  for (size_t i = 0; i < n; ++i) {
    if (pattern == 1) v[i] = 0;                            // none present
    if (pattern == 2) v[i] = (*rng)() % 5 != 0;            // scattered missing rows
    if (pattern == 3) v[i] = i % 64 != 0 && i % 64 != 63;  // at every word's edges
  }
  return v;
}

// Every shape of int chunk: values of each byte width, unsorted and sorted
// (narrower deltas, so delta coding), at every size, with each validity
// pattern (missing rows hold 0): fn(width, sorted, n, pattern, values,
// valid, encoded chunk).
template <typename Fn>
void ForEachIntChunk(uint64_t seed, const Fn& fn) {
  std::mt19937_64 rng(seed);
  for (int width = 0; width <= 8; ++width) {
    for (bool sorted : {false, true}) {
      for (size_t n : kSizes) {
        for (int pattern = 0; pattern < 4; ++pattern) {
          const uint64_t mask = width == 8 ? ~uint64_t{0} : (uint64_t{1} << (8 * width)) - 1;
          std::vector<int64_t> v(n);
          for (size_t i = 0; i < n; ++i) v[i] = static_cast<int64_t>((rng() & mask) - mask / 3);
          if (sorted) std::sort(v.begin(), v.end());
          std::vector<uint8_t> valid = Validity(n, pattern, &rng);
          for (size_t i = 0; i < n; ++i) {
            if (!valid[i]) v[i] = 0;
          }
          std::string enc;
          EncodeIntColumn(v, valid.data(), &enc);
          fn(width, sorted, n, pattern, v, valid, enc);
        }
      }
    }
  }
}

TEST(ColumnCodec, IntsOfEveryWidthRoundTrip) {
  ForEachIntChunk(7, [](int width, bool, size_t n, int pattern, const std::vector<int64_t>& v,
                        const std::vector<uint8_t>& valid, const std::string& enc) {
    Decoder d(enc);
    std::vector<int64_t> got = {1, 2, 3};  // decoded over, as a reused buffer is
    std::vector<uint8_t> got_valid;
    ASSERT_TRUE(DecodeIntColumn(&d, n, &got, &got_valid)) << width << " " << n;
    EXPECT_TRUE(d.done());
    EXPECT_EQ(got, v) << "width " << width << " n " << n << " pattern " << pattern;
    for (size_t i = 0; i < n; ++i) {
      ASSERT_EQ(got_valid.empty() || got_valid[i], valid[i] != 0) << i;
    }
  });
}

// An int chunk opened as its planes gives every run of rows, from anywhere
// (inside a 64-row word, across words, the whole chunk), what the whole
// decoder gives; chunks of another shape (delta, no value present) do not
// open so and leave the decoder where it was.
TEST(ColumnCodec, PlanarIntsGiveWhatTheWholeDecoderGives) {
  size_t opened = 0;
  ForEachIntChunk(9, [&](int width, bool sorted, size_t n, int pattern,
                         const std::vector<int64_t>& want, const std::vector<uint8_t>&,
                         const std::string& enc) {
    Decoder whole(enc);
    std::vector<int64_t> ints;
    std::vector<uint8_t> want_valid;
    ASSERT_TRUE(DecodeIntColumn(&whole, n, &ints, &want_valid));
    Decoder d(enc);
    PlanarInts planar;
    std::vector<uint8_t> got_valid;
    ASSERT_TRUE(DecodePlanarIntColumn(&d, n, &planar, &got_valid));
    if (!planar.usable) {
      EXPECT_EQ(d.remaining(), enc.size());
      EXPECT_TRUE(sorted || pattern == 1 || n <= 1) << width << " " << n << " " << pattern;
      return;
    }
    ++opened;
    EXPECT_TRUE(d.done());
    EXPECT_EQ(got_valid, want_valid);
    const size_t runs[][2] = {{0, n}, {0, n / 2}, {n / 3, n - n / 3}, {n / 2, 1},
                              {n > 70 ? size_t{63} : 0, n > 70 ? size_t{7} : 0}, {n - n / 5, n / 5}};
    for (const auto& run : runs) {
      const size_t r = run[0], m = run[1];
      std::vector<int64_t> got(m + 1, 42);
      planar.Get(r, m, got_valid, got.data());
      EXPECT_EQ(got[m], 42);  // nothing past the run
      got.pop_back();
      EXPECT_EQ(got, std::vector<int64_t>(want.begin() + static_cast<std::ptrdiff_t>(r),
                                          want.begin() + static_cast<std::ptrdiff_t>(r + m)))
          << "width " << width << " n " << n << " pattern " << pattern << " run " << r << "+"
          << m;
    }
  });
  EXPECT_GT(opened, 100u);
}

// What a compact address column says about row i.
IpAddress CompactAt(const std::vector<uint32_t>& values, const std::vector<uint8_t>& v6,
                    const std::vector<IpAddress>& v6s, size_t i) {
  if (!v6.empty() && v6[i]) return v6s.at(values[i]);
  return IpAddress::V4(values[i]);
}

TEST(ColumnCodec, AddressColumnsRoundTripCompact) {
  std::mt19937_64 rng(11);
  // The share of IPv6 rows: none, a few (most 64-row words all IPv4), half, all.
  for (int six_in : {0, 40, 2, 1}) {
    for (int bytes = 1; bytes <= 4; ++bytes) {  // IPv4 bits of every plane width
      for (size_t n : kSizes) {
        for (int pattern = 0; pattern < 4; ++pattern) {
          std::vector<uint8_t> valid = Validity(n, pattern, &rng);
          std::vector<IpAddress> a(n);
          for (size_t i = 0; i < n; ++i) {
            if (!valid[i]) continue;
            if (six_in == 1 || (six_in > 1 && rng() % six_in == 0)) {
              a[i] = IpAddress::V6(0x20010db800000000ULL | (rng() & 0xffff), rng());
            } else {
              a[i] = IpAddress::V4(static_cast<uint32_t>(rng() >> (64 - 8 * bytes)));
            }
          }
          std::string enc;
          EncodeAddressColumn(a, valid.data(), &enc);
          Decoder d(enc);
          std::vector<uint32_t> values(5, 9);
          std::vector<uint8_t> v6(3, 1), got_valid;
          std::vector<IpAddress> v6s;
          ASSERT_TRUE(DecodeCompactAddressColumn(&d, n, &values, &v6, &v6s, &got_valid))
              << six_in << " " << n << " " << pattern;
          EXPECT_TRUE(d.done());
          ASSERT_EQ(values.size(), n);
          size_t sixes = 0;
          for (size_t i = 0; i < n; ++i) {
            const bool present = got_valid.empty() || got_valid[i];
            ASSERT_EQ(present, valid[i] != 0) << i;
            ASSERT_EQ(CompactAt(values, v6, v6s, i), a[i]) << "row " << i << " of " << n;
            sixes += a[i].v6;
          }
          EXPECT_EQ(v6.empty(), sixes == 0);  // the contract: empty when no value is IPv6
          EXPECT_EQ(v6s.size(), sixes);
        }
      }
    }
  }
}

TEST(ColumnCodec, TruncatedAddressColumnsAreRefused) {
  std::vector<IpAddress> a;
  for (uint32_t i = 0; i < 300; ++i) {
    a.push_back(i % 3 ? IpAddress::V4(0x0a000000 + i) : IpAddress::V6(1, i));
  }
  std::string enc;
  EncodeAddressColumn(a, nullptr, &enc);
  for (size_t len = 0; len < enc.size(); ++len) {
    Decoder d(std::string_view(enc).substr(0, len));
    std::vector<uint32_t> values;
    std::vector<uint8_t> v6, valid;
    std::vector<IpAddress> v6s;
    bool ok = DecodeCompactAddressColumn(&d, a.size(), &values, &v6, &v6s, &valid);
    EXPECT_FALSE(ok && d.done()) << len;
  }
  // A family bitmap claiming more IPv6 rows than stored: refused, not read past.
  std::string bad = enc;
  const size_t bitmap = 2;  // validity byte, family byte, then the bitmap
  for (size_t i = 0; i < 300 / 8; ++i) bad[bitmap + i] = static_cast<char>(0xff);
  Decoder d(bad);
  std::vector<uint32_t> values;
  std::vector<uint8_t> v6, valid;
  std::vector<IpAddress> v6s;
  EXPECT_FALSE(DecodeCompactAddressColumn(&d, a.size(), &values, &v6, &v6s, &valid));
}

// Payload of an all-present int column of n rows as a dictionary, built by
// hand so that any dictionary, width and index can be written.
std::string DictionaryPayload(const std::vector<int64_t>& dict, int bits,
                              const std::vector<uint64_t>& codes) {
  std::string out(1, static_cast<char>(format::Validity::kAllValid));
  out.push_back(static_cast<char>(format::IntTransform::kDictionary));
  PutVarint64(&out, dict.size());
  std::string planes;
  EncodeIntColumn(dict, nullptr, &planes);
  out.append(planes.substr(1));  // without its validity byte
  out.push_back(static_cast<char>(bits));
  std::string packed((codes.size() * static_cast<size_t>(bits) + 7) / 8, '\0');
  for (size_t i = 0; i < codes.size(); ++i) {
    for (int b = 0; b < bits; ++b) {
      const size_t bit = i * static_cast<size_t>(bits) + static_cast<size_t>(b);
      if ((codes[i] >> b) & 1)
        packed[bit / 8] = static_cast<char>(packed[bit / 8] | (1 << (bit % 8)));
    }
  }
  return out + packed;
}

TEST(ColumnCodec, DictionaryTransformEdgeCases) {
  std::mt19937_64 rng(3);
  const int64_t kMin = std::numeric_limits<int64_t>::min(),
                kMax = std::numeric_limits<int64_t>::max();
  struct Case {
    std::vector<int64_t> dict;
    int bits;
  };
  std::vector<Case> cases = {
      {{42}, 0},                 // one value, no index bits
      {{42}, 3},                 // wider than needed is allowed
      {{42}, 1},                 // one bit (the byte-at-a-time path), one value
      {{-3, 9}, 1},              // one bit, two values
      {{kMin, -1, 0, kMax}, 2},  // 64-bit extremes
      {{0, 0xffffffffLL}, 1},    // IPv4 extremes
  };
  std::vector<int64_t> big(65536);  // 16-bit indices, 17 bits wide
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<int64_t>(i * 3);
  cases.push_back({big, 17});
  std::vector<int64_t> wide(3);
  cases.push_back({wide, 32});  // the widest index
  for (const Case& c : cases) {
    for (size_t n : kSizes) {
      if (n == 0 || n < c.dict.size()) continue;  // never more values than rows
      std::vector<uint64_t> codes(n);
      std::vector<int64_t> want(n);
      for (size_t i = 0; i < n; ++i) {
        codes[i] = i + 1 == n ? c.dict.size() - 1 : rng() % c.dict.size();  // the last value too
        want[i] = c.dict[codes[i]];
      }
      const std::string enc = DictionaryPayload(c.dict, c.bits, codes);
      Decoder d(enc);
      std::vector<int64_t> got(3, 5);
      std::vector<uint8_t> valid;
      ASSERT_TRUE(DecodeIntColumn(&d, n, &got, &valid))
          << c.dict.size() << " " << c.bits << " " << n;
      EXPECT_TRUE(d.done());
      EXPECT_EQ(got, want);
      // Cut anywhere: refused, never read past the end.
      for (size_t len : {enc.size() - 1, enc.size() / 2, size_t{3}}) {
        Decoder cut(std::string_view(enc).substr(0, len));
        EXPECT_FALSE(DecodeIntColumn(&cut, n, &got, &valid) && cut.done()) << len;
      }
    }
  }
}

TEST(ColumnCodec, MalformedDictionariesAreRefused) {
  std::vector<int64_t> got;
  std::vector<uint8_t> valid;
  auto refused = [&](const std::string& enc, size_t n) {
    Decoder d(enc);
    return !DecodeIntColumn(&d, n, &got, &valid);
  };
  EXPECT_FALSE(refused(DictionaryPayload({1, 2, 3}, 2, {0, 1, 2, 2}), 4));
  EXPECT_TRUE(refused(DictionaryPayload({1, 2, 3}, 2, {0, 1, 3, 2}), 4));  // index past the end
  EXPECT_TRUE(refused(DictionaryPayload({1}, 1, {0, 0, 0, 0, 0, 0, 0, 0, 1}), 9));  // one bit
  EXPECT_TRUE(refused(DictionaryPayload({1}, 1, {0, 1, 0, 0, 0, 0, 0, 0, 0}), 9));
  EXPECT_TRUE(refused(DictionaryPayload({1, 2, 3}, 1, {0, 1, 1, 0}), 4));   // too narrow for 3
  EXPECT_TRUE(refused(DictionaryPayload({1, 2, 3}, 33, {0, 1, 1, 0}), 4));  // wider than 32
  EXPECT_TRUE(refused(DictionaryPayload({1, 2, 3, 4, 5}, 3, {0, 1}), 2));   // more values than rows
  std::string empty = DictionaryPayload({1}, 1, {0, 0});
  empty[2] = 0;  // an empty dictionary
  EXPECT_TRUE(refused(empty, 2));
  // A dictionary whose values are a dictionary again.
  std::string nested(1, static_cast<char>(format::Validity::kAllValid));
  nested += static_cast<char>(format::IntTransform::kDictionary);
  nested += '\x01';
  nested += DictionaryPayload({7}, 1, {0}).substr(1);
  nested += '\x01';
  nested += '\x00';
  EXPECT_TRUE(refused(nested, 1));
  // The same as a flag chunk: its one-bit reading must refuse it too.
  std::string flags_nested(1, static_cast<char>(format::Validity::kAllValid));
  flags_nested += static_cast<char>(format::IntTransform::kDictionary);
  flags_nested += '\x02';                                          // two values...
  flags_nested += DictionaryPayload({0, 1}, 1, {0, 1}).substr(1);  // ...which are {0, 1} again
  flags_nested += '\x01';                                          // one bit a value
  flags_nested += '\x05';
  std::vector<uint8_t> flags;
  Decoder f(flags_nested);
  EXPECT_FALSE(DecodeFlagColumn(&f, 8, &flags, &valid));
}

TEST(ColumnCodec, AddressDictionariesRoundTrip) {
  std::mt19937_64 rng(5);
  // Pools of distinct IPv4 addresses; few enough of them (against the rows)
  // that the writer takes the dictionary, some with IPv6 rows among them.
  for (size_t pool : {2, 3, 255, 256, 257, 1000, 5000}) {
    std::vector<uint32_t> addrs(pool);
    for (uint32_t& a : addrs) a = static_cast<uint32_t>(rng());
    addrs[0] = 0;
    addrs[1] = 0xffffffffu;  // the extremes, so that the planes would be 4 bytes wide
    for (size_t n : {size_t{64}, size_t{100}, size_t{4097}, size_t{65536}}) {
      for (int pattern = 0; pattern < 4; ++pattern) {
        for (bool six : {false, true}) {
          std::vector<uint8_t> valid = Validity(n, pattern, &rng);
          std::vector<IpAddress> a(n);
          for (size_t i = 0; i < n; ++i) {
            if (!valid[i]) continue;
            a[i] = six && rng() % 20 == 0 ? IpAddress::V6(1, rng())
                                          : IpAddress::V4(addrs[rng() % std::min(pool, n / 4)]);
          }
          std::string enc;
          EncodeAddressColumn(a, valid.data(), &enc);
          if (pattern == 0 && !six && n == 65536) {
            // validity, families, varint 65536 (3 bytes), then the transform
            EXPECT_EQ(enc[5], static_cast<char>(format::IntTransform::kDictionary)) << pool;
          }
          Decoder d(enc);
          std::vector<uint32_t> values(7, 1);
          std::vector<uint8_t> v6, got_valid;
          std::vector<IpAddress> v6s;
          ASSERT_TRUE(DecodeCompactAddressColumn(&d, n, &values, &v6, &v6s, &got_valid))
              << pool << " " << n << " " << pattern;
          EXPECT_TRUE(d.done());
          for (size_t i = 0; i < n; ++i) {
            ASSERT_EQ(got_valid.empty() || got_valid[i], valid[i] != 0) << i;
            ASSERT_EQ(CompactAt(values, v6, v6s, i), a[i]) << "row " << i << " pool " << pool;
          }
          // Opened lazily: every row found through the ranks is the same.
          Decoder l(enc);
          LazyAddressColumn lazy;
          ASSERT_TRUE(DecodeLazyAddressColumn(&l, n, &lazy));
          const bool dict =
              enc.find(static_cast<char>(format::IntTransform::kDictionary)) != std::string::npos;
          if (pattern != 1 && n == 65536) EXPECT_TRUE(lazy.usable) << pool << " " << six;
          if (lazy.usable) {
            EXPECT_TRUE(dict);
            EXPECT_TRUE(l.done());
            for (size_t i = 0; i < n; ++i) {
              IpAddress got;
              bool present;
              ASSERT_TRUE(lazy.At(i, &got, &present)) << i;
              ASSERT_EQ(present, valid[i] != 0) << i;
              ASSERT_EQ(got, a[i]) << "row " << i << " pool " << pool;
            }
          } else {
            EXPECT_EQ(l.remaining(), enc.size());  // left where it was
          }
          for (size_t len = 0; len + 1 < enc.size(); len += 1 + enc.size() / 64) {
            Decoder cut(std::string_view(enc).substr(0, len));
            EXPECT_FALSE(DecodeCompactAddressColumn(&cut, n, &values, &v6, &v6s, &got_valid) &&
                         cut.done());
          }
        }
      }
    }
  }
}

// A lazily opened address chunk refuses, at the row, an index outside its
// dictionary, and a count of IPv6 flags that does not match, when opened.
TEST(ColumnCodec, MalformedLazyAddressChunksAreRefused) {
  std::vector<IpAddress> a(256);
  for (size_t i = 0; i < a.size(); ++i) {
    a[i] = IpAddress::V4(static_cast<uint32_t>(i % 5 == 0 ? 7 : i % 3));
  }
  std::string enc;
  EncodeAddressColumn(a, nullptr, &enc);
  ASSERT_EQ(enc[4], static_cast<char>(format::IntTransform::kDictionary));
  // validity, families, varint 256 (2 bytes), transform, d = 4, the dictionary
  // (frame of reference: min 0, width 1, 4 bytes), bits = 2, packed indices.
  ASSERT_EQ(enc[5], 4);
  const size_t packed = 5 + 1 + 1 + 1 + 1 + 4 + 1;
  ASSERT_EQ(enc[packed - 1], 2);
  enc[5] = 3;  // three values: index 3 is outside; fix the plane bytes by dropping one
  enc.erase(packed - 2, 1);
  Decoder d(enc);
  LazyAddressColumn lazy;
  ASSERT_TRUE(DecodeLazyAddressColumn(&d, a.size(), &lazy));
  ASSERT_TRUE(lazy.usable);
  size_t refused = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    IpAddress got;
    bool present;
    refused += !lazy.At(i, &got, &present);
  }
  EXPECT_GT(refused, 0u);
  // The same chunk, decoded whole, is refused too.
  Decoder whole(enc);
  std::vector<uint32_t> values;
  std::vector<uint8_t> v6, valid;
  std::vector<IpAddress> v6s;
  EXPECT_FALSE(DecodeCompactAddressColumn(&whole, a.size(), &values, &v6, &v6s, &valid));
  // Mixed families whose flags count more IPv6 values than follow.
  a[3] = IpAddress::V6(1, 2);
  std::string mixed;
  EncodeAddressColumn(a, nullptr, &mixed);
  ASSERT_EQ(mixed[1], static_cast<char>(format::AddressFamilies::kMixed));
  mixed[2 + 1] = static_cast<char>(mixed[2 + 1] | 1);  // row 8 flagged IPv6 as well
  Decoder m(mixed);
  EXPECT_FALSE(DecodeLazyAddressColumn(&m, a.size(), &lazy));
}

TEST(ColumnCodec, FlagColumnsAgreeWithInts) {
  std::mt19937_64 rng(9);
  for (size_t n : kSizes) {
    for (int pattern = 0; pattern < 4; ++pattern) {
      // 0/1 flags (width 1), all one value (width 0), wider values (0 and
      // 256: another path), a base of -1 (values -1 and 0).
      for (int kind = 0; kind < 4; ++kind) {
        std::vector<uint8_t> valid = Validity(n, pattern, &rng);
        std::vector<int64_t> v(n);
        for (size_t i = 0; i < n; ++i) {
          const int64_t bit = static_cast<int64_t>(rng() & 1);
          v[i] = kind == 0 ? bit : kind == 1 ? 1 : kind == 2 ? bit * 256 : bit - 1;
          if (!valid[i]) v[i] = 0;
        }
        std::string enc;
        EncodeIntColumn(v, valid.data(), &enc);
        Decoder d(enc);
        std::vector<uint8_t> flags(2, 7), flag_valid;
        ASSERT_TRUE(DecodeFlagColumn(&d, n, &flags, &flag_valid)) << n << " " << kind;
        EXPECT_TRUE(d.done());
        ASSERT_EQ(flags.size(), n);
        for (size_t i = 0; i < n; ++i) ASSERT_EQ(flags[i], v[i] != 0 ? 1 : 0) << i << " " << kind;
        for (size_t len = 0; len + 1 < enc.size(); len += 1 + enc.size() / 16) {
          Decoder cut(std::string_view(enc).substr(0, len));
          EXPECT_FALSE(DecodeFlagColumn(&cut, n, &flags, &flag_valid) && cut.done());
        }
      }
    }
  }
}

// The columns queries sum, group or filter on most are packed for fast
// decoding (ChunkPackingFor); the others stay tight. Either packing gives
// back the payload exactly, through every DecompressChunk form.
TEST(ColumnCodec, HotColumnsArePackedForFastDecoding) {
  for (int id : {fields::kSrcAddr, fields::kDstAddr, fields::kSrcPort, fields::kDstPort,
                 fields::kBytes, fields::kStart}) {
    const ColumnKind kind = id <= fields::kDstAddr ? ColumnKind::kAddress : ColumnKind::kInt;
    EXPECT_EQ(ChunkPackingFor(static_cast<uint16_t>(id), kind), ChunkPacking::kFastDecode) << id;
  }
  for (int id : {fields::kPackets, fields::kEnd, fields::kProtocol, fields::kVersion}) {
    EXPECT_EQ(ChunkPackingFor(static_cast<uint16_t>(id), ColumnKind::kInt), ChunkPacking::kTight)
        << id;
  }
  EXPECT_EQ(ChunkPackingFor(format::kColTimestamp, ColumnKind::kTime), ChunkPacking::kTight);
  // Byte counts as the writer stores them: four byte planes, the high ones in runs.
  std::mt19937_64 rng(11);
  std::vector<int64_t> bytes(65536);
  for (int64_t& b : bytes) {
    b = static_cast<int64_t>(rng() % 9 == 0 ? rng() % 3'000'000 : 40 + rng() % 1460);
  }
  std::string payload;
  EncodeIntColumn(bytes, nullptr, &payload);
  for (ChunkPacking packing : {ChunkPacking::kTight, ChunkPacking::kFastDecode}) {
    const std::string stored = CompressChunk(payload, 3, packing);
    EXPECT_LT(stored.size(), payload.size() * 9 / 10);
    std::string out;
    ASSERT_TRUE(DecompressChunk(stored, &out).ok());
    EXPECT_EQ(out, payload);
    ChunkBuffer buffer;
    std::string_view view;
    ASSERT_TRUE(DecompressChunk(stored, &buffer, &view).ok());
    EXPECT_EQ(view, payload);
  }
}

}  // namespace
}  // namespace flowlens::storage

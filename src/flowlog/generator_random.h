// Deterministic randomness for the flow-log generator.
//
// Everything the generator draws comes from here, in integer arithmetic only:
// the same seed gives the same bytes on every compiler, libstdc++ and libm
// (std::*_distribution and std::pow are not portable in their output).
//
//   Rng rng(seed, kStreamTraffic);           // one independent stream per purpose
//   uint32_t port = rng.Range(32768, 60999);  // inclusive bounds
//   ZipfTable zipf(50000);  size_t rank = zipf.Sample(rng);  // 0 is the most popular
//
// Thread safety: an Rng is a mutable value (one per thread); a ZipfTable is
// immutable once built.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace flowlens::gen {

inline uint64_t SplitMix64(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// A 64-bit mix of two values, for deriving ids and per-record attributes
// without drawing from a stream (so that they never shift later draws).
inline uint64_t Mix(uint64_t a, uint64_t b) {
  uint64_t s = a * 0xd6e8feb86659fd93ULL + b;
  return SplitMix64(s);
}

// xoshiro256** (Blackman and Vigna), seeded through splitmix64.
class Rng {
 public:
  Rng(uint64_t seed, uint64_t stream) {
    uint64_t s = seed ^ (stream * 0xa0761d6478bd642fULL);
    for (uint64_t& w : s_) w = SplitMix64(s);
  }

  uint64_t Next() {
    const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }

  // Uniform in [0, n) by Lemire's multiply-shift (n > 0; the bias is below 2^-32).
  uint64_t Below(uint64_t n) {
    return static_cast<uint64_t>((static_cast<unsigned __int128>(Next()) * n) >> 64);
  }
  // Uniform in [lo, hi], inclusive.
  uint64_t Range(uint64_t lo, uint64_t hi) { return lo + Below(hi - lo + 1); }
  // True with probability per_million / 1e6.
  bool Chance(uint32_t per_million) { return Below(1000000) < per_million; }

  // A heavy-tailed count >= 1: an octave e drawn geometrically with
  // P(e >= k) = q^k (q = q_per_1024 / 1024, capped at max_octave), then a value
  // uniform in [2^e, 2^(e+1)). q = 430/1024 gives a Pareto tail of index ~1.25.
  uint64_t HeavyTail(uint32_t q_per_1024, int max_octave) {
    int e = 0;
    while (e < max_octave && Below(1024) < q_per_1024) ++e;
    uint64_t base = uint64_t{1} << e;
    return base + Below(base);
  }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

// Zipf(1) popularity over n ranks: P(rank k) proportional to 1/(k+1). Weights
// are fixed-point integers; a guide table makes a draw O(1) on average.
class ZipfTable {
 public:
  explicit ZipfTable(size_t n) : cdf_(n), guide_(n) {
    uint64_t total = 0;
    for (size_t k = 0; k < n; ++k) {
      total += (uint64_t{1} << 40) / (k + 1);
      cdf_[k] = total;  // cdf_[k] = weight of ranks 0..k
    }
    total_ = total;
    size_t k = 0;
    for (size_t b = 0; b < n; ++b) {
      // The smallest draw r that lands in bucket b is floor(b * total / n).
      uint64_t r_lo = static_cast<uint64_t>(static_cast<unsigned __int128>(b) * total / n);
      while (cdf_[k] <= r_lo) ++k;
      guide_[b] = static_cast<uint32_t>(k);
    }
  }

  size_t size() const { return cdf_.size(); }

  size_t Sample(Rng& rng) const {
    const uint64_t x = rng.Next();
    const uint64_t r = static_cast<uint64_t>((static_cast<unsigned __int128>(x) * total_) >> 64);
    const uint64_t b = static_cast<uint64_t>((static_cast<unsigned __int128>(x) * size()) >> 64);
    size_t k = guide_[b];
    while (cdf_[k] <= r) ++k;
    return k;
  }

 private:
  std::vector<uint64_t> cdf_;
  std::vector<uint32_t> guide_;
  uint64_t total_ = 0;
};

}  // namespace flowlens::gen

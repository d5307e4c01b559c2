// Parsing of the generator's user-facing option values (see generator.h).
#include <cctype>

#include "flowlog/generator.h"
#include "flowlog/generator_scenarios.h"
#include "flowlog/generator_truth.h"
#include "flowlog/record.h"

namespace flowlens {
namespace {

std::string Join(const std::vector<std::string_view>& v) {
  std::string s;
  for (std::string_view n : v) s += (s.empty() ? "" : ", ") + std::string(n);
  return s;
}

// Reads exactly `digits` decimal digits at text[*i].
bool Digits(std::string_view text, size_t* i, int digits, int* out) {
  if (*i + static_cast<size_t>(digits) > text.size()) return false;
  int v = 0;
  for (int k = 0; k < digits; ++k) {
    const char c = text[*i + static_cast<size_t>(k)];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *i += static_cast<size_t>(digits);
  *out = v;
  return true;
}

bool Expect(std::string_view text, size_t* i, char c) {
  if (*i >= text.size() || text[*i] != c) return false;
  ++*i;
  return true;
}

}  // namespace

Result<std::vector<std::string>> ParseScenarioList(std::string_view text) {
  if (text == "all") return GeneratorOptions::DefaultScenarios();
  if (text == "none" || text.empty()) return std::vector<std::string>{};
  std::vector<bool> chosen(gen::kScenarioCount, false);
  size_t i = 0;
  while (i <= text.size()) {
    size_t comma = text.find(',', i);
    if (comma == std::string_view::npos) comma = text.size();
    std::string_view name = text.substr(i, comma - i);
    while (!name.empty() && name.front() == ' ') name.remove_prefix(1);
    while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
    std::optional<gen::ScenarioId> id = gen::FindScenario(name);
    if (!id) {
      return Status::InvalidArgument("unknown scenario '" + std::string(name) +
                                     "'; the scenarios are: " + Join(GeneratorScenarioNames()) +
                                     " (or all, none)");
    }
    chosen[static_cast<size_t>(*id)] = true;
    i = comma + 1;
  }
  std::vector<std::string> out;
  for (int k = 0; k < gen::kScenarioCount; ++k) {
    if (chosen[k]) out.emplace_back(gen::ScenarioName(static_cast<gen::ScenarioId>(k)));
  }
  return out;
}

Result<int64_t> ParseStartTime(std::string_view text) {
  uint64_t epoch;
  if (ParseUnsigned(text, &epoch)) {
    if (epoch > 253402300799ULL) return Status::InvalidArgument("start time out of range");
    return static_cast<int64_t>(epoch);
  }
  auto bad = [&] {
    return Status::InvalidArgument("cannot read the start time '" + std::string(text) +
                                   "': use Unix seconds or ISO 8601 UTC such as "
                                   "2026-11-27T00:00:00Z");
  };
  size_t i = 0;
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  if (!Digits(text, &i, 4, &y) || !Expect(text, &i, '-') || !Digits(text, &i, 2, &mo) ||
      !Expect(text, &i, '-') || !Digits(text, &i, 2, &d)) {
    return bad();
  }
  if (i < text.size()) {
    if (text[i] != 'T' && text[i] != 't' && text[i] != ' ') return bad();
    ++i;
    if (!Digits(text, &i, 2, &h) || !Expect(text, &i, ':') || !Digits(text, &i, 2, &mi)) {
      return bad();
    }
    if (i < text.size() && text[i] == ':' && !(++i, Digits(text, &i, 2, &s))) return bad();
    const std::string_view zone = text.substr(i);
    if (!zone.empty() && zone != "Z" && zone != "z" && zone != "+00:00") return bad();
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59) return bad();
  int cy, cm, cd;
  const int64_t days = gen::DaysFromCivil(y, mo, d);
  gen::CivilFromDays(days, &cy, &cm, &cd);
  if (cm != mo || cd != d || days < 0) return bad();  // 2026-02-30, or before 1970
  return days * 86400 + h * 3600 + mi * 60 + s;
}

std::string TruthPathFor(std::string_view output_path) {
  while (output_path.size() > 1 && output_path.back() == '/') output_path.remove_suffix(1);
  return std::string(output_path) + ".truth.json";
}

}  // namespace flowlens

// libFuzzer target: FilterPattern::Parse on arbitrary text, then Matches and
// ExtractedValues on an arbitrary event. The input is "pattern\nmessage" (the
// first newline splits them; no newline: the whole input is both). Checks
// that errors have the documented form, that matching is deterministic and
// that values are extracted exactly when a space-delimited pattern matches.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "server/filter_pattern.h"

using flowlens::server::FilterPattern;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  size_t nl = input.find('\n');
  std::string_view pattern = nl == std::string_view::npos ? input : input.substr(0, nl);
  std::string_view message = nl == std::string_view::npos ? input : input.substr(nl + 1);

  flowlens::Result<FilterPattern> p = FilterPattern::Parse(pattern);
  if (!p.ok()) {
    if (!p.status().message().starts_with("Invalid filter pattern: column ")) abort();
    return 0;
  }
  bool matched = p->Matches(message);
  if (p->Matches(message) != matched) abort();
  auto extracted = p->ExtractedValues(message);
  bool delimited = p->kind() == FilterPattern::Kind::kDelimited;
  if (!extracted.empty() && !(delimited && matched)) abort();
  if (delimited && matched && extracted.empty() && !message.empty()) {
    // A match of a pattern with at least one element extracts its fields,
    // unless the only element is '...' and the event has no field.
    if (message.find_first_not_of(" \t") != std::string_view::npos) abort();
  }
  // The pattern text matched against itself exercises the same forms.
  (void)p->Matches(pattern);
  return 0;
}

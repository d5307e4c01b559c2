// FilterPattern: parsing through filter_pattern_parse.cc, matching through
// the matcher of the pattern's kind.
#include "server/filter_pattern.h"

#include "server/filter_pattern_parse.h"
#include "server/filter_pattern_program.h"

namespace flowlens::server {

using filter_pattern::Program;

Result<FilterPattern> FilterPattern::Parse(std::string_view pattern) {
  ASSIGN_OR_RETURN(std::shared_ptr<Program> program, filter_pattern::ParseProgram(pattern));
  return FilterPattern(std::move(program));
}

bool FilterPattern::Matches(std::string_view message) const {
  const Program& p = *program_;
  switch (p.kind) {
    case Program::Kind::kAll:
      return true;
    case Program::Kind::kTerms:
      return filter_pattern::MatchTerms(p, message);
    case Program::Kind::kJson:
      return filter_pattern::MatchJson(p, message);
    case Program::Kind::kDelimited: {
      if (p.ellipsis >= 0 && p.all_local && message.find('"') == std::string_view::npos &&
          message.find('[') == std::string_view::npos) {
        return filter_pattern::MatchDelimitedFromBothEnds(p, message);
      }
      // Per-thread scratch: keeps its capacity, so no allocation per event.
      thread_local std::vector<std::string_view> fields;
      bool ok = filter_pattern::MatchDelimited(p, message, &fields);
      fields.clear();
      return ok;
    }
  }
  return false;
}

std::vector<std::pair<std::string, std::string>> FilterPattern::ExtractedValues(
    std::string_view message) const {
  std::vector<std::pair<std::string, std::string>> out;
  const Program& p = *program_;
  if (p.kind != Program::Kind::kDelimited) return out;
  std::vector<std::string_view> fields;
  if (!filter_pattern::MatchDelimited(p, message, &fields)) return out;
  const size_t n = p.elements.size();
  const size_t head = p.ellipsis < 0 ? n : static_cast<size_t>(p.ellipsis);
  const size_t tail_start = fields.size() - (n - head - (p.ellipsis < 0 ? 0 : 1));
  for (size_t f = 0; f < fields.size(); ++f) {
    // The element that took field f, or none for fields inside '...'.
    const filter_pattern::Element* el = nullptr;
    if (f < head) {
      el = &p.elements[f];
    } else if (p.ellipsis >= 0 && f >= tail_start) {
      el = &p.elements[n - (fields.size() - f)];
    }
    std::string name(1, '$');
    name += el != nullptr && !el->name.empty() ? el->name : std::to_string(f + 1);
    out.emplace_back(std::move(name), std::string(fields[f]));
  }
  return out;
}

FilterPattern::Kind FilterPattern::kind() const {
  switch (program_->kind) {
    case Program::Kind::kAll:
      return Kind::kAll;
    case Program::Kind::kTerms:
      return Kind::kTerms;
    case Program::Kind::kJson:
      return Kind::kJson;
    case Program::Kind::kDelimited:
      return Kind::kDelimited;
  }
  return Kind::kAll;
}

const std::string& FilterPattern::text() const {
  return program_->text;
}

}  // namespace flowlens::server

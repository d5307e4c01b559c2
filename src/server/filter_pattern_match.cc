// Matching term patterns and space-delimited patterns against one event.
#include <string_view>
#include <vector>

#include "server/filter_pattern_program.h"

namespace flowlens::server::filter_pattern {

bool MatchTerms(const Program& p, std::string_view message) {
  for (const TermGroup& group : p.groups) {
    bool all = true;
    for (const Term& t : group.terms) {
      bool found = t.regex ? re2::RE2::PartialMatch(message, *t.regex) : Contains(message, t.text);
      if (found == t.exclude) {
        all = false;
        break;
      }
    }
    if (all) return true;
  }
  return false;
}

namespace {

// Checks the condition of element `i` whose field is `field`, when it reads
// no other field.
bool LocalConditionHolds(const Element& el, std::string_view field) {
  return Evaluate(el.condition, [&](const Node& n) { return CompareText(field, n.op, n.value); });
}

}  // namespace

// Elements before '...' take the first fields, elements after it the last
// ones; without '...' the event must have exactly one field per element.
// Conditions that read only their own field are checked as fields are split
// off, so most events that fail are rejected without splitting the rest.
bool MatchDelimited(const Program& p, std::string_view message,
                    std::vector<std::string_view>* fields) {
  const std::vector<Element>& els = p.elements;
  const size_t n = els.size();
  const size_t head = p.ellipsis < 0 ? n : static_cast<size_t>(p.ellipsis);
  fields->clear();
  FieldSplitter splitter(message);
  std::string_view f;
  for (size_t i = 0; i < head; ++i) {
    if (!splitter.Next(&f)) return false;
    fields->push_back(f);
    const Element& el = els[i];
    if (el.local && !el.condition.empty() && !LocalConditionHolds(el, f)) return false;
  }
  while (splitter.Next(&f)) {
    if (p.ellipsis < 0) return false;  // more fields than elements
    fields->push_back(f);
  }
  // Element i of the tail maps to field `fields.size() - (n - i)`.
  const size_t tail = p.ellipsis < 0 ? 0 : n - head - 1;
  if (fields->size() < head + tail) return false;
  auto field_of = [&](size_t element) {
    return element < head ? (*fields)[element] : (*fields)[fields->size() - (n - element)];
  };
  for (size_t i = head + 1; i < n; ++i) {
    const Element& el = els[i];
    if (el.local && !el.condition.empty() && !LocalConditionHolds(el, field_of(i))) return false;
  }
  for (size_t i = 0; i < n; ++i) {
    const Element& el = els[i];
    if (el.local || el.condition.empty()) continue;
    bool ok = Evaluate(el.condition, [&](const Node& node) {
      return CompareText(field_of(static_cast<size_t>(node.field)), node.op, node.value);
    });
    if (!ok) return false;
  }
  return true;
}

bool MatchDelimitedFromBothEnds(const Program& p, std::string_view message) {
  const std::vector<Element>& els = p.elements;
  const size_t n = els.size();
  const size_t head = static_cast<size_t>(p.ellipsis);
  FieldSplitter splitter(message);
  std::string_view f;
  for (size_t i = 0; i < head; ++i) {
    if (!splitter.Next(&f)) return false;
    const Element& el = els[i];
    if (!el.condition.empty() && !LocalConditionHolds(el, f)) return false;
  }
  // Without quotes or brackets a field is a maximal run of non-blanks, so the
  // last fields can be found backwards, down to where the head ended.
  const size_t floor = splitter.pos();
  size_t end = message.size();
  for (size_t i = n; i-- > head + 1;) {
    while (end > floor && FieldSplitter::IsBlank(message[end - 1])) --end;
    if (end <= floor) return false;  // fewer fields than elements
    size_t begin = end;
    while (begin > floor && !FieldSplitter::IsBlank(message[begin - 1])) --begin;
    const Element& el = els[i];
    if (!el.condition.empty() && !LocalConditionHolds(el, message.substr(begin, end - begin))) {
      return false;
    }
    end = begin;
  }
  return true;
}

}  // namespace flowlens::server::filter_pattern

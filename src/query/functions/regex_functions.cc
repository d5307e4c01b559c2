// regexReplace(s, pattern, replacement): RE2 replace-all with Java's
// replacement syntax ($1, ${name}, backslash escapes), since the service's
// documented examples follow Java. The compiled pattern is kept per call site.
#include <re2/re2.h>

#include <algorithm>
#include <vector>

#include "query/functions/function_families.h"

namespace flowlens::query::scalar {
namespace {

struct RegexState final : CallState {
  std::string pattern;
  std::unique_ptr<RE2> re;  // null when `pattern` does not compile
  bool compiled = false;
  std::vector<re2::StringPiece> groups;
};

// The compiled regex for `pattern`, recompiled only when the text changes.
const RE2* CompiledRegex(std::string_view pattern, CallContext& ctx,
                         std::unique_ptr<CallState>* local,
                         std::vector<re2::StringPiece>** groups) {
  RegexState& st = StateAs<RegexState>(ctx, local);
  if (!st.compiled || st.pattern != pattern) {
    st.pattern.assign(pattern);
    RE2::Options options;
    options.set_log_errors(false);
    st.re = std::make_unique<RE2>(re2::StringPiece(pattern.data(), pattern.size()), options);
    if (!st.re->ok()) st.re.reset();
    st.compiled = true;
    st.groups.resize(st.re ? st.re->NumberOfCapturingGroups() + 1 : 0);
  }
  *groups = &st.groups;
  return st.re.get();
}

void AppendGroup(const std::vector<re2::StringPiece>& groups, size_t g, std::string* out) {
  if (g < groups.size() && groups[g].data() != nullptr)
    out->append(groups[g].data(), groups[g].size());
}

// Expands a Java-style replacement: "$n" (the longest digit run naming an
// existing group), "${name}", "\x" for a literal x. A '$' that starts
// neither is literal; a group that does not exist expands to nothing.
void AppendReplacement(std::string_view repl, const RE2& re,
                       const std::vector<re2::StringPiece>& groups, std::string* out) {
  for (size_t i = 0; i < repl.size(); ++i) {
    char c = repl[i];
    if (c == '\\' && i + 1 < repl.size()) {
      out->push_back(repl[++i]);
    } else if (c == '$' && i + 1 < repl.size() && repl[i + 1] >= '0' && repl[i + 1] <= '9') {
      size_t g = repl[++i] - '0';
      while (i + 1 < repl.size() && repl[i + 1] >= '0' && repl[i + 1] <= '9') {
        size_t next = g * 10 + (repl[i + 1] - '0');
        if (next >= groups.size()) break;
        g = next;
        ++i;
      }
      AppendGroup(groups, g, out);
    } else if (c == '$' && i + 1 < repl.size() && repl[i + 1] == '{') {
      size_t close = repl.find('}', i + 2);
      if (close == std::string_view::npos) {
        out->push_back(c);
        continue;
      }
      std::string name(repl.substr(i + 2, close - i - 2));
      auto it = re.NamedCapturingGroups().find(name);
      if (it != re.NamedCapturingGroups().end()) AppendGroup(groups, it->second, out);
      i = close;
    } else {
      out->push_back(c);
    }
  }
}

}  // namespace

Value RegexReplace(Args a, CallContext& ctx) {
  std::optional<std::string_view> s = ArgText(a[0], ctx);
  std::optional<std::string_view> pattern = ArgText(a[1], ctx);
  std::optional<std::string_view> repl = ArgText(a[2], ctx);
  if (!s || !pattern || !repl) return Value::Null();
  std::unique_ptr<CallState> local;
  std::vector<re2::StringPiece>* groups = nullptr;
  const RE2* re = CompiledRegex(*pattern, ctx, &local, &groups);
  if (re == nullptr) return Value::Null();

  re2::StringPiece text(s->data(), s->size());
  std::string& out = Scratch();
  size_t pos = 0, last = 0;
  bool changed = false;
  while (pos <= s->size() && re->Match(text, pos, s->size(), RE2::UNANCHORED, groups->data(),
                                       static_cast<int>(groups->size()))) {
    size_t begin = (*groups)[0].data() - s->data();
    size_t end = begin + (*groups)[0].size();
    out.append(s->substr(last, begin - last));
    AppendReplacement(*repl, *re, *groups, &out);
    changed = true;
    last = pos = end;
    if (begin == end) {
      // An empty match: copy one code point and search again after it (Java).
      if (end >= s->size()) break;
      size_t step =
          std::min(Utf8SequenceLength(static_cast<unsigned char>((*s)[end])), s->size() - end);
      out.append(s->substr(end, step));
      last = pos = end + step;
    }
  }
  if (!changed) return Value::String(*s);
  out.append(s->substr(last));
  return StringResult(out, ctx);
}

}  // namespace flowlens::query::scalar

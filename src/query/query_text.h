// Small text conversions the analyzer and executor share.
#pragma once

#include <string>
#include <string_view>

namespace flowlens::query {

// Logs Insights regexes name groups as (?<name>...); the RE2 in Debian 12 only
// knows (?P<name>...). Rewrites the former into the latter, leaving escaped
// text and look-behind-like sequences alone.
std::string ToRe2Syntax(std::string_view pattern);

// Whether a regex matches exactly its own text (letters, digits and the
// punctuation RE2 reads as itself outside a class: no `\ . ^ $ | ? * + ( )
// [ ] { }` and no blank), so a search for it is a substring search.
bool IsPlainRegexLiteral(std::string_view pattern);

}  // namespace flowlens::query

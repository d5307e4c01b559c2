#include "cli/time_arg.h"

#include <cstdio>
#include <string>

#include "query/value.h"

namespace flowlens::cli {

Result<int64_t> ParseTimeArg(std::string_view text, int64_t now_ms, bool is_end) {
  std::string s(text);
  auto bad = [&] {
    return Status::InvalidArgument("'" + s +
                                   "' is not a time: use epoch seconds, ISO 8601 "
                                   "(2026-11-27T10:00:00Z) or a relative time such as -1h");
  };
  if (s == "now") return now_ms;
  if (!s.empty() && s[0] == '-' && s.size() >= 3) {
    char unit = s.back();
    long long n = 0;
    try {
      n = std::stoll(s.substr(1, s.size() - 2));
    } catch (...) {
      return bad();
    }
    int64_t ms = unit == 's'   ? 1000
                 : unit == 'm' ? 60000
                 : unit == 'h' ? 3600000
                 : unit == 'd' ? 86400000
                 : unit == 'w' ? 7 * 86400000LL
                               : 0;
    if (!ms || n < 0) return bad();
    return now_ms - n * ms;
  }
  bool digits = !s.empty() && s.find_first_not_of("0123456789") == std::string::npos;
  if (digits) {
    if (s.size() > 12) return bad();
    int64_t sec = std::stoll(s);
    return sec * 1000 + (is_end ? 999 : 0);
  }
  int y, mo, d, h = 0, mi = 0, sec = 0;
  char sep;
  int n = std::sscanf(s.c_str(), "%d-%d-%d%c%d:%d:%d", &y, &mo, &d, &sep, &h, &mi, &sec);
  if (n != 3 && n < 6) return bad();
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) return bad();
  int64_t days = query::DaysFromCivil(y, mo, d);
  int64_t ms = ((days * 24 + h) * 60 + mi) * 60000LL + sec * 1000LL;
  if (is_end) ms += n == 3 ? 86400000 - 1 : 999;
  return ms;
}

}  // namespace flowlens::cli

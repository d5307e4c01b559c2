#include "query/lexer.h"

#include <algorithm>
#include <charconv>
#include <cstring>

namespace flowlens::query {
namespace {

// Typographic quotes copied from web pages are accepted as string delimiters.
constexpr std::string_view kCurlyDoubleOpen = "\xE2\x80\x9C";   // “
constexpr std::string_view kCurlyDoubleClose = "\xE2\x80\x9D";  // ”
constexpr std::string_view kCurlySingleOpen = "\xE2\x80\x98";   // ‘
constexpr std::string_view kCurlySingleClose = "\xE2\x80\x99";  // ’
constexpr std::string_view kNoBreakSpace = "\xC2\xA0";

bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}
bool IsAlpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool IsWordChar(char c) {
  return IsAlpha(c) || IsDigit(c);
}
char Lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

struct UnitName {
  std::string_view name;
  PeriodUnit unit;
};

// Every spelling of §1.4, lower case; matched ignoring case.
constexpr UnitName kUnits[] = {
    {"ms", PeriodUnit::kMillisecond},
    {"msec", PeriodUnit::kMillisecond},
    {"msecs", PeriodUnit::kMillisecond},
    {"millisecond", PeriodUnit::kMillisecond},
    {"milliseconds", PeriodUnit::kMillisecond},
    {"s", PeriodUnit::kSecond},
    {"sec", PeriodUnit::kSecond},
    {"secs", PeriodUnit::kSecond},
    {"second", PeriodUnit::kSecond},
    {"seconds", PeriodUnit::kSecond},
    {"m", PeriodUnit::kMinute},
    {"min", PeriodUnit::kMinute},
    {"mins", PeriodUnit::kMinute},
    {"minute", PeriodUnit::kMinute},
    {"minutes", PeriodUnit::kMinute},
    {"h", PeriodUnit::kHour},
    {"hr", PeriodUnit::kHour},
    {"hrs", PeriodUnit::kHour},
    {"hour", PeriodUnit::kHour},
    {"hours", PeriodUnit::kHour},
    {"d", PeriodUnit::kDay},
    {"day", PeriodUnit::kDay},
    {"days", PeriodUnit::kDay},
    {"w", PeriodUnit::kWeek},
    {"week", PeriodUnit::kWeek},
    {"weeks", PeriodUnit::kWeek},
    {"mo", PeriodUnit::kMonth},
    {"mon", PeriodUnit::kMonth},
    {"mons", PeriodUnit::kMonth},
    {"month", PeriodUnit::kMonth},
    {"months", PeriodUnit::kMonth},
    {"q", PeriodUnit::kQuarter},
    {"qtr", PeriodUnit::kQuarter},
    {"qtrs", PeriodUnit::kQuarter},
    {"quarter", PeriodUnit::kQuarter},
    {"quarters", PeriodUnit::kQuarter},
    {"y", PeriodUnit::kYear},
    {"yr", PeriodUnit::kYear},
    {"yrs", PeriodUnit::kYear},
    {"year", PeriodUnit::kYear},
    {"years", PeriodUnit::kYear},
};

const UnitName* FindUnit(std::string_view word) {
  for (const UnitName& u : kUnits) {
    if (IsKeyword(word, u.name)) return &u;
  }
  return nullptr;
}

bool ParseInt64(std::string_view digits, int64_t* out) {
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), *out);
  return ec == std::errc() && end == digits.data() + digits.size();
}

// The character a known string escape stands for, or 0.
char Unescape(char c) {
  switch (c) {
    case 'n':
      return '\n';
    case 't':
      return '\t';
    case 'r':
      return '\r';
    case '"':
    case '\'':
    case '\\':
      return c;
    default:
      return 0;
  }
}

// The character at `pos` for a message: one whole UTF-8 sequence.
std::string_view CharAt(std::string_view text, size_t pos) {
  size_t end = pos + 1;
  while (end < text.size() && end - pos < 4 &&
         (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80)
    ++end;
  return text.substr(pos, end - pos);
}

}  // namespace

bool IsKeyword(std::string_view word, std::string_view keyword) {
  if (word.size() != keyword.size()) return false;
  for (size_t i = 0; i < word.size(); ++i) {
    if (Lower(word[i]) != keyword[i]) return false;
  }
  return true;
}

std::string QuoteText(std::string_view text) {
  size_t cut = std::min(text.find('\n'), text.size());
  bool shortened = cut > 30 || cut < text.size();
  cut = std::min<size_t>(cut, 30);
  while (cut > 0 && cut < text.size() && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80)
    --cut;
  std::string out = "'";
  out.append(text.substr(0, cut));
  out.append(shortened ? "...'" : "'");
  return out;
}

Token Lexer::Make(TokenKind kind, size_t begin) const {
  Token t;
  t.kind = kind;
  t.begin = static_cast<int>(begin);
  t.end = static_cast<int>(pos_);
  return t;
}

Token Lexer::Error(size_t begin, size_t end, std::string message) const {
  Token t;
  t.kind = TokenKind::kError;
  t.begin = static_cast<int>(begin);
  t.end = static_cast<int>(end);
  t.value = std::move(message);
  return t;
}

void Lexer::SkipBlanks() {
  while (pos_ < text_.size()) {
    char c = text_[pos_];
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v') {
      ++pos_;
    } else if (text_.substr(pos_).starts_with(kNoBreakSpace)) {
      pos_ += kNoBreakSpace.size();
    } else if (c == '#') {
      size_t eol = text_.find('\n', pos_);
      pos_ = eol == std::string_view::npos ? text_.size() : eol + 1;
    } else {
      return;
    }
  }
}

Token Lexer::Next() {
  SkipBlanks();
  if (pos_ >= text_.size()) return Make(TokenKind::kEnd, pos_);
  std::string_view rest = text_.substr(pos_);
  char c = rest[0];
  if (IsAlpha(c) || c == '@' || c == '`') return LexWord();
  if (IsDigit(c) || (c == '.' && rest.size() > 1 && IsDigit(rest[1]))) return LexNumber();
  if (c == '"' || c == '\'') return LexString(rest.substr(0, 1), 1);
  if (rest.starts_with(kCurlyDoubleOpen)) return LexString(kCurlyDoubleClose, 3);
  if (rest.starts_with(kCurlySingleOpen)) return LexString(kCurlySingleClose, 3);
  return LexOperator();
}

bool Lexer::ReadBackticked(std::string* out) {
  ++pos_;  // opening backtick
  while (pos_ < text_.size()) {
    char c = text_[pos_];
    if (c == '`') {
      ++pos_;
      return true;
    }
    if (c == '\\' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '`') {
      out->push_back('`');
      pos_ += 2;
      continue;
    }
    out->push_back(c);
    ++pos_;
  }
  return false;
}

bool Lexer::ReadPart(std::string* out, Token* error) {
  size_t begin = pos_;
  if (pos_ < text_.size() && text_[pos_] == '`') {
    if (ReadBackticked(out)) return true;
    *error =
        Error(begin, text_.size(),
              "the quoted name " + QuoteText(text_.substr(begin)) + " has no closing backtick");
    return false;
  }
  while (pos_ < text_.size() && IsWordChar(text_[pos_])) ++pos_;
  out->append(text_.substr(begin, pos_ - begin));
  if (pos_ > begin) return true;
  *error = Error(begin - 1, begin, "expected a field name after '@'");
  return false;
}

Token Lexer::LexWord() {
  size_t begin = pos_;
  Token t;
  std::string first;
  while (pos_ < text_.size() && text_[pos_] == '@') first.push_back(text_[pos_++]);
  t.plain = first.empty() && text_[pos_] != '`';
  if (!ReadPart(&first, &t)) return t;
  t.value = first;
  t.path.push_back(PathElem{std::move(first)});
  bool is_in = t.plain && IsKeyword(t.value, "in");
  while (pos_ + 1 < text_.size()) {
    char next = text_[pos_ + 1];
    PathElem step;
    if (text_[pos_] == '.' && (IsWordChar(next) || next == '`')) {
      ++pos_;
      if (!ReadPart(&step.key, &t)) return t;
      if (next != '`' && std::all_of(step.key.begin(), step.key.end(), IsDigit) &&
          !ParseInt64(step.key, &step.index)) {
        step.index = -1;
      }
    } else if (text_[pos_] == '[' && IsDigit(next) && !is_in) {
      size_t close = pos_ + 1;
      while (close < text_.size() && IsDigit(text_[close])) ++close;
      if (close >= text_.size() || text_[close] != ']') break;
      step.key = std::string(text_.substr(pos_ + 1, close - pos_ - 1));
      if (!ParseInt64(step.key, &step.index)) {
        return Error(pos_, close + 1, "the index " + step.key + " is too large");
      }
      step.bracket = true;
      pos_ = close + 1;
    } else {
      break;
    }
    t.plain = false;
    t.value += '.';
    t.value += step.key;
    t.path.push_back(std::move(step));
  }
  t.kind = TokenKind::kWord;
  t.begin = static_cast<int>(begin);
  t.end = static_cast<int>(pos_);
  return t;
}

Token Lexer::LexNumber() {
  size_t begin = pos_;
  while (pos_ < text_.size() && IsDigit(text_[pos_])) ++pos_;
  bool whole = true;
  if (pos_ + 1 < text_.size() && text_[pos_] == '.' && IsDigit(text_[pos_ + 1])) {
    whole = false;
    ++pos_;
    while (pos_ < text_.size() && IsDigit(text_[pos_])) ++pos_;
  }
  if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
    size_t digits = pos_ + 1;
    if (digits < text_.size() && (text_[digits] == '+' || text_[digits] == '-')) ++digits;
    if (digits < text_.size() && IsDigit(text_[digits])) {
      whole = false;
      pos_ = digits;
      while (pos_ < text_.size() && IsDigit(text_[pos_])) ++pos_;
    }
  }
  std::string_view number = text_.substr(begin, pos_ - begin);
  if (pos_ < text_.size() && IsAlpha(text_[pos_])) {
    size_t unit_begin = pos_;
    while (pos_ < text_.size() && IsWordChar(text_[pos_])) ++pos_;
    std::string_view all = text_.substr(begin, pos_ - begin);
    const UnitName* unit = FindUnit(text_.substr(unit_begin, pos_ - unit_begin));
    if (unit == nullptr) {
      return Error(
          begin, pos_,
          QuoteText(all) + " is neither a number nor a time period such as 5m, 1h or 100ms");
    }
    Token t = Make(TokenKind::kPeriod, begin);
    if (!whole || !ParseInt64(number, &t.int_value)) {
      return Error(
          begin, pos_,
          "the time period " + QuoteText(all) + " needs a whole number of units, such as 90s");
    }
    t.unit = unit->unit;
    return t;
  }
  Token t = Make(TokenKind::kNumber, begin);
  auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), t.number);
  if (ec != std::errc() || end != number.data() + number.size()) {
    return Error(begin, pos_, "the number " + QuoteText(number) + " is out of range");
  }
  if (whole && ParseInt64(number, &t.int_value)) t.is_int = true;
  return t;
}

Token Lexer::LexString(std::string_view closer, int quote_size) {
  size_t begin = pos_;
  pos_ += quote_size;
  Token t;
  while (pos_ < text_.size()) {
    std::string_view rest = text_.substr(pos_);
    if (rest.starts_with(closer)) {
      pos_ += closer.size();
      t.kind = TokenKind::kString;
      t.begin = static_cast<int>(begin);
      t.end = static_cast<int>(pos_);
      return t;
    }
    if (rest[0] == '\\' && rest.size() > 1) {
      std::string_view escaped = rest.substr(1);
      if (escaped.starts_with(closer)) {
        t.value.append(closer);
        pos_ += 1 + closer.size();
        continue;
      }
      if (char c = Unescape(escaped[0])) {
        t.value.push_back(c);
      } else {  // unknown escapes stay as written, e.g. "\d" for a regex-like text
        t.value.push_back('\\');
        t.value.push_back(escaped[0]);
      }
      pos_ += 2;
      continue;
    }
    t.value.push_back(rest[0]);
    ++pos_;
  }
  return Error(begin, text_.size(),
               "the string " + QuoteText(text_.substr(begin)) + " has no closing quote");
}

Token Lexer::NextRegexAt(int offset) {
  size_t begin = static_cast<size_t>(offset);
  pos_ = begin + 1;
  Token t;
  while (pos_ < text_.size()) {
    char c = text_[pos_];
    if (c == '/') {
      ++pos_;
      t.kind = TokenKind::kRegex;
      t.begin = static_cast<int>(begin);
      t.end = static_cast<int>(pos_);
      return t;
    }
    if (c == '\\' && pos_ + 1 < text_.size()) {
      if (text_[pos_ + 1] != '/') t.value.push_back('\\');
      t.value.push_back(text_[pos_ + 1]);
      pos_ += 2;
      continue;
    }
    t.value.push_back(c);
    ++pos_;
  }
  return Error(begin, text_.size(),
               "the regular expression " + QuoteText(text_.substr(begin)) + " has no closing '/'");
}

Token Lexer::LexOperator() {
  size_t begin = pos_;
  char c = text_[pos_++];
  char next = pos_ < text_.size() ? text_[pos_] : '\0';
  auto two = [&](TokenKind kind) {
    ++pos_;
    return Make(kind, begin);
  };
  switch (c) {
    case '|':
      return Make(TokenKind::kPipe, begin);
    case ',':
      return Make(TokenKind::kComma, begin);
    case ':':
      return Make(TokenKind::kColon, begin);
    case '(':
      return Make(TokenKind::kLParen, begin);
    case ')':
      return Make(TokenKind::kRParen, begin);
    case '[':
      return Make(TokenKind::kLBracket, begin);
    case ']':
      return Make(TokenKind::kRBracket, begin);
    case '+':
      return Make(TokenKind::kPlus, begin);
    case '-':
      return Make(TokenKind::kMinus, begin);
    case '*':
      return Make(TokenKind::kStar, begin);
    case '/':
      return Make(TokenKind::kSlash, begin);
    case '%':
      return Make(TokenKind::kPercent, begin);
    case '^':
      return Make(TokenKind::kCaret, begin);
    case '=':
      return next == '~' ? two(TokenKind::kRegexMatch) : Make(TokenKind::kEq, begin);
    case '<':
      return next == '=' ? two(TokenKind::kLe) : Make(TokenKind::kLt, begin);
    case '>':
      return next == '=' ? two(TokenKind::kGe) : Make(TokenKind::kGt, begin);
    case '!':
      if (next == '=') return two(TokenKind::kNe);
      return Error(begin, pos_, "unexpected '!'; use '!=' or 'not'");
    default: {
      std::string_view ch = CharAt(text_, begin);
      pos_ = begin + ch.size();
      return Error(begin, pos_, "unexpected character '" + std::string(ch) + "'");
    }
  }
}

SourceMap::SourceMap(std::string_view text) {
  line_starts_.push_back(0);
  chars_before_.resize(text.size() + 1);
  int chars = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    chars_before_[i] = chars;
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) ++chars;
    if (text[i] == '\n') line_starts_.push_back(static_cast<int>(i + 1));
  }
  chars_before_[text.size()] = chars;
}

SourceSpan SourceMap::Span(int begin, int end) const {
  SourceSpan span;
  span.offset = begin;
  span.length = end - begin;
  auto line = std::upper_bound(line_starts_.begin(), line_starts_.end(), begin) - 1;
  span.line = static_cast<int32_t>(line - line_starts_.begin()) + 1;
  span.column = chars_before_[begin] - chars_before_[*line] + 1;
  return span;
}

void TokenCursor::Advance() {
  prev_begin_ = cur_.begin;
  prev_end_ = cur_.end;
  cur_ = lexer_.Next();
}

Token TokenCursor::Peek() const {
  Lexer ahead = lexer_;
  return ahead.Next();
}

Status TokenCursor::Unexpected(std::string_view expected) {
  if (At(TokenKind::kError)) return Fail(cur_.begin, cur_.end, cur_.value);
  std::string detail = "unexpected ";
  detail += At(TokenKind::kEnd) ? "end of the query" : QuoteText(TextOf(cur_.begin, cur_.end));
  detail += prev_begin_ < 0 ? " at the start of the query"
                            : " after " + QuoteText(TextOf(prev_begin_, prev_end_));
  detail += "; expected ";
  detail += expected;
  return Fail(cur_.begin, cur_.end, detail);
}

Status TokenCursor::Expect(TokenKind kind, std::string_view expected) {
  if (!At(kind)) return Unexpected(expected);
  Advance();
  return Status::Ok();
}

std::vector<std::string> RegexGroupNames(std::string_view pattern) {
  std::vector<std::string> names;
  size_t i = 0;
  while (i < pattern.size()) {
    char c = pattern[i];
    if (c == '\\') {
      i += 2;
    } else if (c == '[') {  // a character class: `(` inside is literal; `[]...]` and `[^]...]`
      ++i;
      if (i < pattern.size() && pattern[i] == '^') ++i;
      if (i < pattern.size() && pattern[i] == ']') ++i;
      while (i < pattern.size() && pattern[i] != ']') i += pattern[i] == '\\' ? 2 : 1;
      ++i;
    } else if (pattern.substr(i).starts_with("(?<") || pattern.substr(i).starts_with("(?P<")) {
      size_t name_begin = i + (pattern[i + 2] == 'P' ? 4 : 3);
      size_t name_end = name_begin;
      while (name_end < pattern.size() && IsWordChar(pattern[name_end])) ++name_end;
      if (name_end > name_begin && name_end < pattern.size() && pattern[name_end] == '>') {
        names.emplace_back(pattern.substr(name_begin, name_end - name_begin));
      }
      i = name_end;
    } else {
      ++i;
    }
  }
  return names;
}

}  // namespace flowlens::query

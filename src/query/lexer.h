// The lexer of the Logs Insights query language: query text -> tokens, one at
// a time, on demand of the parser.
//
//   Lexer lexer(text);
//   for (Token t = lexer.Next(); t.kind != TokenKind::kEnd; t = lexer.Next()) { ... }
//
// Contract:
// - Blanks (space, tab, CR, LF, FF, VT, no-break space) and `#` comments to the
//   end of the line separate tokens; newlines are ordinary blanks.
// - Keywords are not tokens of their own: a bare word such as `filter`, `and`
//   or `count` is a kWord with `plain` set, and the parser decides by context
//   (case-insensitively) whether it is a keyword, a function name or a field.
// - A field token takes the whole path: leading `@`s, words or backtick-quoted
//   parts joined by `.` (a.b.c, a.0.b, @`x-y`, m.`k.x`) and `[N]` steps glued
//   to it (m.k[1].v). A `[` after the bare word `in` is never glued.
// - `/` is always kSlash; the parser, which knows when an operand is expected,
//   asks for a regex literal at that place with NextRegexAt().
// - Malformed input gives a kError token whose `value` says what is wrong;
//   the lexer never fails otherwise.
// The lexer is a small value (a view and a position): copy it to look ahead.
// It views `text`, which must outlive it. Not thread-safe; one per parse.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "query/ast.h"
#include "query/query_error.h"

namespace flowlens::query {

// `text` in single quotes for a message, cut at a newline or after 30 bytes
// (on a character boundary) with "..." to show the cut.
std::string QuoteText(std::string_view text);

// True when `word` equals the lower-case `keyword` ignoring ASCII case.
bool IsKeyword(std::string_view word, std::string_view keyword);

enum class TokenKind : uint8_t {
  kEnd,
  kError,   // value: what is wrong
  kWord,    // a field path or a bare word; value: flat name, path: steps
  kString,  // value: the string, escapes resolved
  kNumber,
  kPeriod,  // 5m, 1h, 100ms
  kRegex,   // only from NextRegexAt(); value: the pattern, `\/` unescaped
  kPipe,
  kComma,
  kColon,
  kLParen,
  kRParen,
  kLBracket,
  kRBracket,
  kPlus,
  kMinus,
  kStar,
  kSlash,
  kPercent,
  kCaret,
  kEq,
  kNe,
  kLt,
  kLe,
  kGt,
  kGe,
  kRegexMatch,  // = != < <= > >= =~
};

struct Token {
  TokenKind kind = TokenKind::kEnd;
  int begin = 0;  // byte offsets into the query text, end exclusive
  int end = 0;
  // kWord: a single bare word (no `@`, dot, backtick or index), which may be
  // a keyword or a function name.
  bool plain = false;
  std::string value;
  std::vector<PathElem> path;  // kWord
  double number = 0;           // kNumber
  int64_t int_value = 0;       // kNumber when is_int; kPeriod: the amount
  bool is_int = false;
  PeriodUnit unit = PeriodUnit::kSecond;  // kPeriod
};

class Lexer {
 public:
  explicit Lexer(std::string_view text) : text_(text) {}

  // The next token; kEnd (repeatedly) at the end of the text.
  Token Next();
  // Scans the regex literal whose opening `/` is at byte `offset` (a kSlash
  // token just returned) and continues after its closing `/`.
  Token NextRegexAt(int offset);

 private:
  void SkipBlanks();
  Token LexWord();
  Token LexNumber();
  Token LexString(std::string_view closer, int quote_size);
  Token LexOperator();
  Token Make(TokenKind kind, size_t begin) const;
  Token Error(size_t begin, size_t end, std::string message) const;
  // Reads a backtick-quoted name at pos_ into *out; false when unterminated.
  bool ReadBackticked(std::string* out);
  // Reads one part of a field name, a word or a backtick-quoted name, into
  // *out; false with *error set when there is none.
  bool ReadPart(std::string* out, Token* error);

  std::string_view text_;
  size_t pos_ = 0;
};

// Byte offsets -> line and column, built once per query in linear time.
class SourceMap {
 public:
  // `text` is only read while constructing.
  explicit SourceMap(std::string_view text);
  SourceSpan Span(int begin, int end) const;

 private:
  std::vector<int> line_starts_;
  std::vector<int> chars_before_;  // code points before each byte offset
};

// The parser's view of the tokens of one query: the current token, the one
// consumed before it (for spans and messages), and errors located in the text
// (query_error.h). Views `text`, which must outlive it.
class TokenCursor {
 public:
  TokenCursor(std::string_view text, QueryError* error)
      : text_(text), lexer_(text), map_(text), error_(error), cur_(lexer_.Next()) {}

 protected:
  void Advance();
  bool At(TokenKind kind) const { return cur_.kind == kind; }
  // The current token is the bare word `keyword` (lower case), in any case.
  bool AtWord(std::string_view keyword) const {
    return cur_.kind == TokenKind::kWord && cur_.plain && IsKeyword(cur_.value, keyword);
  }
  // The token after the current one, which stays current.
  Token Peek() const;
  // Reads the current kSlash token again as a regex literal (kRegex or kError).
  void RescanAsRegex() { cur_ = lexer_.NextRegexAt(cur_.begin); }
  std::string_view TextOf(int begin, int end) const { return text_.substr(begin, end - begin); }
  SourceSpan Span(int begin, int end) const { return map_.Span(begin, end); }
  Status Fail(int begin, int end, std::string_view detail) {
    return MakeQueryError(map_.Span(begin, end), detail, error_);
  }
  // At the current token: "unexpected 'x' after 'y'; expected <expected>",
  // or the lexer's own complaint when the token is kError.
  Status Unexpected(std::string_view expected);
  // Consumes a token of `kind`, or fails as Unexpected(expected).
  Status Expect(TokenKind kind, std::string_view expected);

  // Protected state, read by the parser; only the methods above change it.
  std::string_view text_;
  Lexer lexer_;
  SourceMap map_;
  QueryError* error_;
  Token cur_;
  int prev_begin_ = -1;  // the last token consumed; -1 before the first
  int prev_end_ = 0;
};

// The group names of a regex, `(?<name>...)` and `(?P<name>...)`, in order,
// skipping escaped parentheses and character classes.
std::vector<std::string> RegexGroupNames(std::string_view pattern);

}  // namespace flowlens::query

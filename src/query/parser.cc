#include "query/parser.h"

#include <algorithm>
#include <array>
#include <string>
#include <utility>

#include "query/lexer.h"
#include "query/validate.h"

namespace flowlens::query {
namespace {

constexpr std::string_view kExpectCommand =
    "a command such as fields, filter, stats, sort, limit, parse, display, dedup";
constexpr std::string_view kExpectOperand = "a field, value or expression";
constexpr std::string_view kEndOfCommand = "'|' or the end of the query";

struct CommandSpec {
  std::string_view keyword;
  CommandKind kind;
};

constexpr CommandSpec kCommands[] = {
    {"fields", CommandKind::kFields},      {"display", CommandKind::kDisplay},
    {"filter", CommandKind::kFilter},      {"where", CommandKind::kFilter},
    {"filterindex", CommandKind::kFilter}, {"parse", CommandKind::kParse},
    {"stats", CommandKind::kStats},        {"sort", CommandKind::kSort},
    {"limit", CommandKind::kLimit},        {"head", CommandKind::kLimit},
    {"tail", CommandKind::kLimit},         {"dedup", CommandKind::kDedup},
    {"source", CommandKind::kSource},      {"unnest", CommandKind::kUnnest},
    {"lookup", CommandKind::kLookup},      {"unmask", CommandKind::kUnmask},
};

// Commands of the AWS language that flowlens does not run, named so that the
// error says "not supported" rather than "unknown".
constexpr std::string_view kUnsupportedCommands[] = {
    "accum",       "addtotals",     "anomaly",        "appendcols", "autoregress",
    "cidrlookup",  "countfrequent", "diff",           "expand",     "filldown",
    "fillmissing", "join",          "json",           "logcompare", "order",
    "outlier",     "pattern",       "relevantfields", "search",     "sessionize",
};

// Bare words that are operators or clause keywords, never field names (use
// backticks for a field so named).
constexpr std::string_view kReserved[] = {"and", "or", "not", "like", "in", "as", "by"};

// Operator precedence levels, loosest first (spec §4).
enum Level { kOr, kAnd, kNot, kEquality, kRelational, kMatch, kAdditive, kMultiplicative, kPow };

class Parser : private TokenCursor {
 public:
  Parser(std::string_view text, QueryError* error) : TokenCursor(text, error) {}

  Result<Query> Run();

 private:
  bool AtCommandEnd() const { return At(TokenKind::kPipe) || At(TokenKind::kEnd); }
  Status Deeper();

  // Commands.
  Status ParseCommand(Command* cmd);
  Status ParseArguments(Command* cmd);  // after the keyword
  Status ParseProjections(std::vector<Projection>* out);
  Result<std::string> ParseName(std::string_view expected, SourceSpan* span = nullptr);
  Status ParseNames(std::vector<std::string>* out, std::string_view expected);
  Status ParseParse(Command* cmd);
  Status ParseSort(Command* cmd);
  Status ParseLimit(Command* cmd);
  Status ParseSource(Command* cmd);
  Status ParseLookup(Command* cmd);

  // Expressions, loosest first.
  struct Infix {
    Op op;
    int level;
  };
  Infix InfixAt() const;
  Result<ExprPtr> ParseExpr();
  Result<ExprPtr> ParseBinary(int min_level);
  Result<ExprPtr> ParseUnary();
  Result<ExprPtr> ParsePrimary();
  // The items up to `close` of a call's arguments or a list; `*` is an item of a call.
  Status ParseItems(TokenKind close, std::vector<ExprPtr>* items);
  Result<ExprPtr> ParseField();
  ExprPtr NewExpr(ExprKind kind, int begin, int end);
  ExprPtr Combine(ExprKind kind, Op op, int begin, ExprPtr lhs, ExprPtr rhs);
  ExprPtr FieldFrom(const Token& word);

  int depth_ = 0;
  std::string_view follow_;  // what may continue the current command
};

Status Parser::Deeper() {
  if (++depth_ <= kMaxExpressionDepth) return Status::Ok();
  return Fail(cur_.begin, cur_.end,
              "the expression nests more than " + std::to_string(kMaxExpressionDepth) +
                  " levels deep; simplify it");
}

Result<Query> Parser::Run() {
  int chars = 0;
  for (size_t i = 0; i < text_.size(); ++i) {
    if ((static_cast<unsigned char>(text_[i]) & 0xC0) == 0x80) continue;
    if (++chars > kMaxQueryChars) {
      return Fail(static_cast<int>(i), static_cast<int>(text_.size()),
                  "the query is longer than the limit of 10,000 characters");
    }
  }
  Query query;
  query.text = std::string(text_);
  if (At(TokenKind::kEnd)) {
    return Fail(cur_.begin, cur_.end,
                "the query is empty; expected " + std::string(kExpectCommand));
  }
  while (true) {
    Command& cmd = query.commands.emplace_back();
    RETURN_IF_ERROR(ParseCommand(&cmd));
    if (At(TokenKind::kEnd)) break;
    if (!At(TokenKind::kPipe)) return Unexpected(follow_);
    Advance();
    if (AtCommandEnd()) return Unexpected(kExpectCommand);
  }
  RETURN_IF_ERROR(ValidateQuery(query, error_));
  return query;
}

Status Parser::ParseCommand(Command* cmd) {
  if (!At(TokenKind::kWord) || !cur_.plain) return Unexpected(kExpectCommand);
  const CommandSpec* spec = nullptr;
  for (const CommandSpec& s : kCommands) {
    if (IsKeyword(cur_.value, s.keyword)) spec = &s;
  }
  if (spec == nullptr) {
    for (std::string_view name : kUnsupportedCommands) {
      if (IsKeyword(cur_.value, name)) {
        return Fail(cur_.begin, cur_.end,
                    "the command " + QuoteText(cur_.value) + " is not supported; expected " +
                        std::string(kExpectCommand));
      }
    }
    return Unexpected(kExpectCommand);
  }
  int begin = cur_.begin;
  cmd->kind = spec->kind;
  cmd->keyword = std::string(spec->keyword);
  follow_ = kEndOfCommand;
  Advance();
  RETURN_IF_ERROR(ParseArguments(cmd));
  cmd->span = Span(begin, prev_end_);
  return Status::Ok();
}

Status Parser::ParseArguments(Command* cmd) {
  switch (cmd->kind) {
    case CommandKind::kFields:
    case CommandKind::kDisplay:
      follow_ = "',', 'as', an operator, '|' or the end of the query";
      return ParseProjections(&cmd->projections);
    case CommandKind::kFilter: {
      follow_ = "an operator, '|' or the end of the query";
      ASSIGN_OR_RETURN(cmd->condition, ParseExpr());
      return Status::Ok();
    }
    case CommandKind::kParse:
      return ParseParse(cmd);
    case CommandKind::kStats:
      follow_ = "',', 'as', 'by', an operator, '|' or the end of the query";
      RETURN_IF_ERROR(ParseProjections(&cmd->projections));
      if (!AtWord("by")) return Status::Ok();
      follow_ = "',', 'as', an operator, '|' or the end of the query";
      Advance();
      return ParseProjections(&cmd->group_by);
    case CommandKind::kSort:
      return ParseSort(cmd);
    case CommandKind::kLimit:
      return ParseLimit(cmd);
    case CommandKind::kDedup:
      follow_ = "',', '|' or the end of the query";
      do {
        if (!cmd->dedup_fields.empty()) Advance();
        ASSIGN_OR_RETURN(ExprPtr field, ParseField());
        cmd->dedup_fields.push_back(std::move(field));
      } while (At(TokenKind::kComma));
      return Status::Ok();
    case CommandKind::kSource:
      return ParseSource(cmd);
    case CommandKind::kUnnest: {
      ASSIGN_OR_RETURN(cmd->unnest_field, ParseField());
      if (!AtWord("into")) return Unexpected("'into' and the name of the new field");
      Advance();
      ASSIGN_OR_RETURN(cmd->unnest_into, ParseName("the name of the new field after 'into'"));
      return Status::Ok();
    }
    case CommandKind::kLookup:
      return ParseLookup(cmd);
    case CommandKind::kUnmask:
      follow_ = "'|' or the end of the query ('unmask' takes no arguments)";
      return Status::Ok();
  }
  return Status::Ok();
}

Status Parser::ParseProjections(std::vector<Projection>* out) {
  do {
    if (!out->empty()) Advance();  // the comma
    Projection p;
    ASSIGN_OR_RETURN(p.expr, ParseExpr());
    if (AtWord("as")) {
      Advance();
      ASSIGN_OR_RETURN(p.alias, ParseName("a name after 'as'", &p.alias_span));
    }
    out->push_back(std::move(p));
  } while (At(TokenKind::kComma));
  return Status::Ok();
}

Result<std::string> Parser::ParseName(std::string_view expected, SourceSpan* span) {
  if (!At(TokenKind::kWord)) return Unexpected(expected);
  if (span != nullptr) *span = Span(cur_.begin, cur_.end);
  std::string name = std::move(cur_.value);
  Advance();
  return name;
}

Status Parser::ParseNames(std::vector<std::string>* out, std::string_view expected) {
  do {
    if (!out->empty()) Advance();  // the comma
    ASSIGN_OR_RETURN(std::string name, ParseName(expected));
    out->push_back(std::move(name));
  } while (At(TokenKind::kComma));
  return Status::Ok();
}

Status Parser::ParseParse(Command* cmd) {
  follow_ = "',', '|' or the end of the query";
  auto unsupported_format = [&] {
    if (!AtWord("logfmt") && !AtWord("csv")) return false;
    Token next = Peek();
    return next.kind == TokenKind::kWord && next.plain && IsKeyword(next.value, "as");
  };
  if (At(TokenKind::kWord) && !unsupported_format()) {
    ASSIGN_OR_RETURN(cmd->parse_source, ParseField());
  } else {
    cmd->parse_source = NewExpr(ExprKind::kField, cur_.begin, cur_.begin);
    cmd->parse_source->name = cmd->parse_source->text = "@message";
    cmd->parse_source->path.push_back(PathElem{"@message"});
  }
  if (unsupported_format()) {
    return Fail(cur_.begin, cur_.end,
                "parse with " + QuoteText(cur_.value) +
                    " is not supported; expected a quoted pattern or a /regex/");
  }
  int pattern_begin = cur_.begin;
  if (At(TokenKind::kSlash)) {
    RescanAsRegex();
    if (At(TokenKind::kError)) return Unexpected("");
    cmd->parse_mode = ParseMode::kRegex;
    cmd->pattern = std::move(cur_.value);
    cmd->pattern_case_insensitive = cmd->pattern.starts_with("(?i)");
    cmd->parse_names = RegexGroupNames(cmd->pattern);
    Token regex = cur_;
    Advance();
    if (cmd->parse_names.empty()) {
      return Fail(regex.begin, regex.end,
                  "the parse regex " + QuoteText(TextOf(regex.begin, regex.end)) +
                      " has no named group; expected groups such as (?<name>...)");
    }
    std::vector<std::string> sorted = cmd->parse_names;
    std::sort(sorted.begin(), sorted.end());
    auto dup = std::adjacent_find(sorted.begin(), sorted.end());
    if (dup != sorted.end()) {
      return Fail(regex.begin, regex.end, "the parse regex names the group '" + *dup + "' twice");
    }
    if (AtWord("as")) return Unexpected(kEndOfCommand);
    follow_ = kEndOfCommand;
    return Status::Ok();
  }
  if (!At(TokenKind::kString)) {
    return Unexpected("a quoted pattern such as \"* *\" or a /regex/ with named groups");
  }
  cmd->parse_mode = ParseMode::kGlob;
  cmd->pattern = std::move(cur_.value);
  Advance();
  size_t stars = std::count(cmd->pattern.begin(), cmd->pattern.end(), '*');
  if (stars == 0) {
    return Fail(pattern_begin, prev_end_,
                "the parse pattern has no '*'; expected a '*' for each value to extract");
  }
  std::string wanted = std::to_string(stars) + (stars == 1 ? " name" : " names");
  if (!AtWord("as")) return Unexpected("'as' followed by " + wanted + ", one for each '*'");
  Advance();
  RETURN_IF_ERROR(ParseNames(&cmd->parse_names, "a name for each '*' of the pattern"));
  if (cmd->parse_names.size() != stars) {
    size_t names = cmd->parse_names.size();
    return Fail(pattern_begin, prev_end_,
                "the parse pattern has " + std::to_string(stars) + " '*' but " +
                    std::to_string(names) + (names == 1 ? " name follows" : " names follow") +
                    " 'as'; expected " + wanted);
  }
  return Status::Ok();
}

Status Parser::ParseSort(Command* cmd) {
  follow_ = "',', 'asc', 'desc', an operator, '|' or the end of the query";
  if (AtWord("by")) Advance();
  do {
    if (!cmd->sort_keys.empty()) Advance();  // the comma
    SortKey key;
    ASSIGN_OR_RETURN(key.expr, ParseExpr());
    if (AtWord("asc") || AtWord("desc")) {
      key.descending = AtWord("desc");
      key.explicit_direction = true;
      Advance();
    }
    cmd->sort_keys.push_back(std::move(key));
  } while (At(TokenKind::kComma));
  return Status::Ok();
}

Status Parser::ParseLimit(Command* cmd) {
  std::string keyword = QuoteText(cmd->keyword);
  cmd->limit_tail = cmd->keyword == "tail";
  if (cmd->keyword == "limit" && AtWord("any")) {
    cmd->limit_any = true;
    Advance();
  }
  if (At(TokenKind::kNumber) || At(TokenKind::kPeriod)) {
    if (At(TokenKind::kNumber) && !cur_.is_int && cur_.number >= 9e18) {
      return Fail(cur_.begin, cur_.end, "the count of " + keyword + " is too large");
    }
    if (!At(TokenKind::kNumber) || !cur_.is_int || cur_.int_value <= 0) {
      return Fail(cur_.begin, cur_.end,
                  "the count of " + keyword + " must be a whole number greater than 0, not " +
                      QuoteText(TextOf(cur_.begin, cur_.end)));
    }
    cmd->limit = cur_.int_value;
    Advance();
    return Status::Ok();
  }
  if (At(TokenKind::kMinus)) {
    return Fail(cur_.begin, cur_.end,
                "the count of " + keyword + " must be a whole number greater than 0");
  }
  return Unexpected("a whole number greater than 0 after " + keyword);
}

Status Parser::ParseSource(Command* cmd) {
  if (!AtWord("loggroups")) return Unexpected("logGroups(...) after 'SOURCE'");
  Advance();
  RETURN_IF_ERROR(Expect(TokenKind::kLParen, "'(' after 'logGroups'"));
  std::array<bool, 3> seen{};
  for (int options = 0; !At(TokenKind::kRParen); ++options) {
    if (options > 0) RETURN_IF_ERROR(Expect(TokenKind::kComma, "',' or ')'"));
    constexpr std::string_view kOptions = "namePrefix, accountIdentifiers or class";
    int option = AtWord("nameprefix")           ? 0
                 : AtWord("accountidentifiers") ? 1
                 : AtWord("class")              ? 2
                                                : -1;
    if (option < 0) return Unexpected(std::string(kOptions) + " inside logGroups(...)");
    if (seen[option]) {
      return Fail(cur_.begin, cur_.end,
                  "logGroups(...) names " + QuoteText(cur_.value) + " twice; expected each of " +
                      std::string(kOptions) + " at most once");
    }
    seen[option] = true;
    std::vector<std::string>* values = option == 0   ? &cmd->source_name_prefixes
                                       : option == 1 ? &cmd->source_account_ids
                                                     : &cmd->source_classes;
    Advance();
    RETURN_IF_ERROR(Expect(TokenKind::kColon, "':' and a list of quoted strings"));
    int list_begin = cur_.begin;
    RETURN_IF_ERROR(Expect(TokenKind::kLBracket, "a list of quoted strings such as ['a', 'b']"));
    while (!At(TokenKind::kRBracket)) {
      if (!values->empty()) RETURN_IF_ERROR(Expect(TokenKind::kComma, "',' or ']'"));
      if (!At(TokenKind::kString)) return Unexpected("a quoted string");
      values->push_back(std::move(cur_.value));
      Advance();
    }
    Advance();
    size_t max = option == 0 ? 5 : option == 1 ? 20 : values->size();
    if (values->size() > max) {
      return Fail(list_begin, prev_end_,
                  "logGroups(...) takes at most " + std::to_string(max) + " " +
                      (option == 0 ? "name prefixes" : "account identifiers") + ", not " +
                      std::to_string(values->size()));
    }
  }
  Advance();
  return Status::Ok();
}

Status Parser::ParseLookup(Command* cmd) {
  ASSIGN_OR_RETURN(cmd->lookup_table, ParseName("the name of a lookup table"));
  while (!AtWord("output") && !AtWord("outputnew")) {
    if (!cmd->lookup_keys.empty()) {
      if (!At(TokenKind::kComma)) return Unexpected("',', 'as', 'OUTPUT' or 'OUTPUTNEW'");
      Advance();
    }
    ASSIGN_OR_RETURN(std::string column, ParseName("a lookup table field to match"));
    std::string field = column;
    if (AtWord("as")) {
      Advance();
      ASSIGN_OR_RETURN(field, ParseName("a log field name after 'as'"));
    }
    cmd->lookup_keys.emplace_back(std::move(column), std::move(field));
  }
  if (cmd->lookup_keys.empty()) return Unexpected("a lookup table field to match");
  cmd->lookup_output_new = AtWord("outputnew");
  Advance();
  follow_ = "',', '|' or the end of the query";
  return ParseNames(&cmd->lookup_outputs, "a lookup table field to output");
}

// ---- Expressions ----

ExprPtr Parser::NewExpr(ExprKind kind, int begin, int end) {
  auto e = std::make_unique<Expr>();
  e->kind = kind;
  e->span = Span(begin, end);
  e->text = std::string(TextOf(begin, end));
  return e;
}

ExprPtr Parser::Combine(ExprKind kind, Op op, int begin, ExprPtr lhs, ExprPtr rhs) {
  ExprPtr e = NewExpr(kind, begin, prev_end_);
  e->op = op;
  if (lhs != nullptr) e->children.push_back(std::move(lhs));
  e->children.push_back(std::move(rhs));
  return e;
}

ExprPtr Parser::FieldFrom(const Token& word) {
  ExprPtr e = NewExpr(ExprKind::kField, word.begin, word.end);
  e->name = word.value;
  e->path = word.path;
  return e;
}

Result<ExprPtr> Parser::ParseField() {
  if (!At(TokenKind::kWord)) return Unexpected("a field name");
  ExprPtr e = FieldFrom(cur_);
  Advance();
  return e;
}

Result<ExprPtr> Parser::ParseExpr() {
  RETURN_IF_ERROR(Deeper());
  ASSIGN_OR_RETURN(ExprPtr e, ParseBinary(kOr));
  --depth_;
  return e;
}

Parser::Infix Parser::InfixAt() const {
  struct Symbol {
    TokenKind kind;
    Infix infix;
  };
  static constexpr Symbol kSymbols[] = {
      {TokenKind::kEq, {Op::kEq, kEquality}},
      {TokenKind::kNe, {Op::kNe, kEquality}},
      {TokenKind::kLt, {Op::kLt, kRelational}},
      {TokenKind::kLe, {Op::kLe, kRelational}},
      {TokenKind::kGt, {Op::kGt, kRelational}},
      {TokenKind::kGe, {Op::kGe, kRelational}},
      {TokenKind::kRegexMatch, {Op::kRegexMatch, kMatch}},
      {TokenKind::kPlus, {Op::kAdd, kAdditive}},
      {TokenKind::kMinus, {Op::kSub, kAdditive}},
      {TokenKind::kStar, {Op::kMul, kMultiplicative}},
      {TokenKind::kSlash, {Op::kDiv, kMultiplicative}},
      {TokenKind::kPercent, {Op::kMod, kMultiplicative}},
      {TokenKind::kCaret, {Op::kPow, kPow}},
  };
  for (const Symbol& s : kSymbols) {
    if (At(s.kind)) return s.infix;
  }
  if (AtWord("or")) return {Op::kOr, kOr};
  if (AtWord("and")) return {Op::kAnd, kAnd};
  if (AtWord("like")) return {Op::kLike, kMatch};
  if (AtWord("in")) return {Op::kIn, kMatch};
  if (AtWord("not")) return {Op::kNotLike, kMatch};  // `not like` or `not in`
  return {Op::kNone, kOr};
}

// Precedence climbing: one loop per level actually used, so that nesting,
// not the number of levels, sets the recursion depth.
Result<ExprPtr> Parser::ParseBinary(int min_level) {
  int begin = cur_.begin;
  ExprPtr lhs;
  if (min_level <= kNot && AtWord("not")) {
    Advance();
    RETURN_IF_ERROR(Deeper());
    ASSIGN_OR_RETURN(ExprPtr operand, ParseBinary(kNot));
    --depth_;
    lhs = Combine(ExprKind::kUnary, Op::kNot, begin, nullptr, std::move(operand));
  } else {
    ASSIGN_OR_RETURN(lhs, ParseUnary());
  }
  int chain = 0;  // each link deepens the tree, so it counts as nesting
  for (Infix infix = InfixAt(); infix.op != Op::kNone && infix.level >= min_level;
       infix = InfixAt()) {
    Advance();
    if (infix.op == Op::kNotLike) {
      if (AtWord("in"))
        infix.op = Op::kNotIn;
      else if (!AtWord("like"))
        return Unexpected("'like' or 'in' after 'not'");
      Advance();
    }
    RETURN_IF_ERROR(Deeper());
    ++chain;
    ExprPtr rhs;
    if (infix.op == Op::kIn || infix.op == Op::kNotIn) {
      if (!At(TokenKind::kLBracket)) return Unexpected("a list such as [1, 2] after 'in'");
      ASSIGN_OR_RETURN(rhs, ParsePrimary());
    } else {  // ^ is right-associative: 2 ^ 3 ^ 2 = 2 ^ (3 ^ 2)
      ASSIGN_OR_RETURN(rhs, ParseBinary(infix.op == Op::kPow ? kPow : infix.level + 1));
    }
    lhs = Combine(ExprKind::kBinary, infix.op, begin, std::move(lhs), std::move(rhs));
  }
  depth_ -= chain;
  return lhs;
}

// Unary - and + bind tighter than ^ (spec §4): -x ^ 2 = (-x) ^ 2.
Result<ExprPtr> Parser::ParseUnary() {
  if (!At(TokenKind::kMinus) && !At(TokenKind::kPlus)) return ParsePrimary();
  int begin = cur_.begin;
  Op op = At(TokenKind::kMinus) ? Op::kNeg : Op::kPlus;
  Advance();
  RETURN_IF_ERROR(Deeper());
  ASSIGN_OR_RETURN(ExprPtr operand, ParseUnary());
  --depth_;
  return Combine(ExprKind::kUnary, op, begin, nullptr, std::move(operand));
}

Result<ExprPtr> Parser::ParsePrimary() {
  Token tok = cur_;
  ExprPtr e;
  switch (tok.kind) {
    case TokenKind::kNumber:
      e = NewExpr(ExprKind::kNumber, tok.begin, tok.end);
      e->number = tok.number;
      e->int_value = tok.int_value;
      e->is_int = tok.is_int;
      break;
    case TokenKind::kString:
      e = NewExpr(ExprKind::kString, tok.begin, tok.end);
      e->str = std::move(tok.value);
      break;
    case TokenKind::kPeriod:
      e = NewExpr(ExprKind::kPeriod, tok.begin, tok.end);
      e->period_amount = tok.int_value;
      e->period_unit = tok.unit;
      break;
    case TokenKind::kSlash:
      RescanAsRegex();
      if (At(TokenKind::kError)) return Unexpected("");
      e = NewExpr(ExprKind::kRegex, cur_.begin, cur_.end);
      e->str = std::move(cur_.value);
      e->case_insensitive = e->str.starts_with("(?i)");
      break;
    case TokenKind::kLBracket: {
      std::vector<ExprPtr> items;
      RETURN_IF_ERROR(ParseItems(TokenKind::kRBracket, &items));
      e = NewExpr(ExprKind::kList, tok.begin, prev_end_);
      e->children = std::move(items);
      return e;
    }
    case TokenKind::kLParen: {
      SourceSpan open = Span(tok.begin, tok.end);
      Advance();
      ASSIGN_OR_RETURN(e, ParseExpr());
      if (!At(TokenKind::kRParen)) {
        return Unexpected("')' to close the '(' at line " + std::to_string(open.line) +
                          ", column " + std::to_string(open.column));
      }
      Advance();
      // The parentheses belong to the expression's text: `fields (a + b)` names "(a + b)".
      e->span = Span(tok.begin, prev_end_);
      e->text = std::string(TextOf(tok.begin, prev_end_));
      return e;
    }
    case TokenKind::kWord: {
      if (tok.plain) {
        for (std::string_view reserved : kReserved) {
          if (IsKeyword(tok.value, reserved)) return Unexpected(kExpectOperand);
        }
        if (IsKeyword(tok.value, "true") || IsKeyword(tok.value, "false")) {
          e = NewExpr(ExprKind::kBool, tok.begin, tok.end);
          e->int_value = IsKeyword(tok.value, "true") ? 1 : 0;
          break;
        }
        Advance();
        if (!At(TokenKind::kLParen)) return FieldFrom(tok);
        std::vector<ExprPtr> args;
        RETURN_IF_ERROR(ParseItems(TokenKind::kRParen, &args));
        e = NewExpr(ExprKind::kCall, tok.begin, prev_end_);
        for (char c : tok.value)
          e->str.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c);
        e->children = std::move(args);
        return e;
      }
      e = FieldFrom(tok);
      break;
    }
    default:
      return Unexpected(kExpectOperand);
  }
  Advance();
  return e;
}

Status Parser::ParseItems(TokenKind close, std::vector<ExprPtr>* items) {
  SourceSpan open = Span(cur_.begin, cur_.end);
  std::string expected =
      close == TokenKind::kRParen ? "',' or ')' to close the '('" : "',' or ']' to close the '['";
  expected += " at line " + std::to_string(open.line) + ", column " + std::to_string(open.column);
  Advance();  // ( or [
  while (!At(close)) {
    if (!items->empty()) RETURN_IF_ERROR(Expect(TokenKind::kComma, expected));
    if (close == TokenKind::kRParen && At(TokenKind::kStar)) {  // count(*)
      items->push_back(NewExpr(ExprKind::kStar, cur_.begin, cur_.end));
      Advance();
      continue;
    }
    ASSIGN_OR_RETURN(ExprPtr item, ParseExpr());
    items->push_back(std::move(item));
  }
  Advance();  // ) or ]
  return Status::Ok();
}

}  // namespace

Result<Query> ParseQuery(std::string_view text, QueryError* error) {
  return Parser(text, error).Run();
}

Result<Query> ParseQuery(std::string_view text) {
  return ParseQuery(text, nullptr);
}

}  // namespace flowlens::query

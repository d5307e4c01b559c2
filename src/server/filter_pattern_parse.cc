// The filter pattern parser: see filter_pattern_parse.h for the grammar.
#include "server/filter_pattern_parse.h"

#include <string>
#include <utility>
#include <vector>

namespace flowlens::server::filter_pattern {
namespace {

// Nesting of parentheses; deeper patterns are refused (bounds recursion).
constexpr int kMaxDepth = 32;
// AWS: "a limit of 2 regex for each filter pattern when creating a delimited
// or JSON filter pattern".
constexpr int kMaxRegexes = 2;
// Fields of a space-delimited pattern, and comparisons in a whole pattern
// (a 1024-character pattern has fewer; the bound keeps evaluation, which
// recurses along chains of && and ||, shallow).
constexpr size_t kMaxElements = 512;
constexpr int kMaxComparisons = 1000;

bool IsBlank(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}
bool IsAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}
bool IsNameChar(char c) {
  return IsAlnum(c) || c == '_' || c == '-';
}

// The characters AWS allows between % signs: letters, digits, the symbols
// _ # = @ / ; , - : and space, and the operators ^ $ ? [ ] { } | \ * + .
bool IsRegexChar(char c) {
  if (IsAlnum(c)) return true;
  switch (c) {
    case '_':
    case '#':
    case '=':
    case '@':
    case '/':
    case ';':
    case ',':
    case '-':
    case ':':
    case ' ':
    case '^':
    case '$':
    case '?':
    case '[':
    case ']':
    case '{':
    case '}':
    case '|':
    case '\\':
    case '*':
    case '+':
    case '.':
      return true;
    default:
      return false;
  }
}

enum class Form { kJson, kDelimited };

// A field name used in a space-delimited condition, resolved once every
// element is known.
struct PendingName {
  size_t element;
  size_t node;
  std::string name;
  size_t pos;
};

class Parser {
 public:
  explicit Parser(std::string_view text) : s_(text) {}

  Result<std::shared_ptr<Program>> Run() {
    auto program = std::make_shared<Program>();
    program->text = std::string(s_);
    SkipBlanks();
    if (AtEnd()) {
      program->kind = Program::Kind::kAll;
      return program;
    }
    Status st;
    if (s_[pos_] == '{') {
      program->kind = Program::Kind::kJson;
      st = Json(program.get());
    } else if (s_[pos_] == '[') {
      program->kind = Program::Kind::kDelimited;
      st = Delimited(program.get());
    } else {
      program->kind = Program::Kind::kTerms;
      st = Terms(program.get());
    }
    if (!st.ok()) return st;
    return program;
  }

 private:
  // --- cursor --------------------------------------------------------------
  bool AtEnd() const { return pos_ >= s_.size(); }
  void SkipBlanks() {
    while (!AtEnd() && IsBlank(s_[pos_])) ++pos_;
  }
  bool Peek(std::string_view tok) const { return s_.substr(pos_).starts_with(tok); }
  bool Consume(std::string_view tok) {
    if (!Peek(tok)) return false;
    pos_ += tok.size();
    return true;
  }
  // True at the end of a bare word: a blank, a separator, && or ||.
  bool AtWordEnd() const {
    if (AtEnd()) return true;
    char c = s_[pos_];
    return IsBlank(c) || c == ',' || c == ']' || c == ')' || c == '}' || Peek("&&") || Peek("||");
  }

  Status Error(size_t pos, std::string_view why) const {
    size_t column = 1;
    for (size_t i = 0; i < pos && i < s_.size(); ++i) {
      if ((static_cast<unsigned char>(s_[i]) & 0xC0) != 0x80) ++column;
    }
    return Status::InvalidArgument("Invalid filter pattern: column " + std::to_string(column) +
                                   ": " + std::string(why));
  }
  // "found 'x'" or "found the end of the pattern", for error messages.
  std::string Found() const {
    if (AtEnd()) return "found the end of the pattern";
    size_t n = 1;
    while (pos_ + n < s_.size() && (static_cast<unsigned char>(s_[pos_ + n]) & 0xC0) == 0x80) ++n;
    return "found '" + std::string(s_.substr(pos_, n)) + "'";
  }

  // --- shared pieces ---------------------------------------------------------
  // A string in double quotes, or a bare word; '\"', '\\' and '\*' are escapes.
  // Sets the wildcard flags of *lit for unescaped stars at either end.
  Status StringValue(Literal* lit) {
    size_t start = pos_;
    bool quoted = Consume("\"");
    std::string& out = lit->text;
    bool first_star = false;  // the first character is an unescaped '*'
    bool last_star = false;   // the last character is an unescaped '*'
    while (true) {
      if (quoted) {
        if (AtEnd()) return Error(start, "unterminated quoted string");
        if (s_[pos_] == '"') {
          ++pos_;
          break;
        }
      } else if (AtWordEnd()) {
        break;
      } else if (s_[pos_] == '"') {
        return Error(pos_, "a double quote inside an unquoted value; quote the whole value");
      }
      char c = s_[pos_++];
      bool escaped = false;
      if (c == '\\' && !AtEnd() && (s_[pos_] == '"' || s_[pos_] == '\\' || s_[pos_] == '*')) {
        c = s_[pos_++];
        escaped = true;
      }
      bool star = c == '*' && !escaped;
      if (out.empty() && star) first_star = true;
      last_star = star;
      out.push_back(c);
    }
    if (!quoted && out.empty()) return Error(start, "expected a value, " + Found());
    if (first_star && out.size() == 1) {
      lit->kind = Literal::Kind::kAny;
      lit->text.clear();
      return Status::Ok();
    }
    if (first_star) {
      lit->any_prefix = true;
      out.erase(0, 1);
    }
    if (last_star && !out.empty()) {
      lit->any_suffix = true;
      out.pop_back();
    }
    if (!lit->any_prefix && !lit->any_suffix) lit->number = ParseNumber(out);
    return Status::Ok();
  }

  // %regex% at the cursor.
  Result<std::shared_ptr<const re2::RE2>> Regex() {
    size_t start = pos_++;
    size_t end = s_.find('%', pos_);
    if (end == std::string_view::npos) {
      return Error(start, "unterminated regular expression (no closing '%')");
    }
    std::string_view body = s_.substr(pos_, end - pos_);
    if (body.empty()) return Error(start, "empty regular expression '%%'");
    for (size_t i = 0; i < body.size(); ++i) {
      char c = body[i];
      if (c == '(' || c == ')') {
        return Error(pos_ + i, "parentheses are not supported in regular expressions");
      }
      if (static_cast<unsigned char>(c) >= 0x80) {
        return Error(pos_ + i, "multi-byte characters are not supported in regular expressions");
      }
      if (!IsRegexChar(c)) {
        return Error(pos_ + i, "character '" + std::string(1, c) +
                                   "' is not supported in regular expressions");
      }
    }
    re2::RE2::Options options;
    options.set_log_errors(false);
    options.set_max_mem(8 << 20);
    auto re = std::make_shared<re2::RE2>(re2::StringPiece(body.data(), body.size()), options);
    if (!re->ok()) return Error(start, "invalid regular expression: " + re->error());
    pos_ = end + 1;
    return std::shared_ptr<const re2::RE2>(std::move(re));
  }

  // An operator at the cursor.
  Result<Op> Operator() {
    if (Peek("==")) return Error(pos_, "'==' is not an operator; use '='");
    if (Consume("!=")) return Op::kNe;
    if (Consume("<=")) return Op::kLe;
    if (Consume(">=")) return Op::kGe;
    if (Consume("=")) return Op::kEq;
    if (Consume("<")) return Op::kLt;
    if (Consume(">")) return Op::kGt;
    return Error(pos_, "expected a comparison operator (=, !=, <, <=, >, >=), " + Found());
  }

  // The right-hand side of `op`.
  Result<Literal> Value(Op op) {
    SkipBlanks();
    size_t start = pos_;
    Literal lit;
    if (!AtEnd() && s_[pos_] == '%') {
      if (op != Op::kEq && op != Op::kNe) {
        return Error(start, "a regular expression can only be compared with = or !=");
      }
      if (++regexes_ > kMaxRegexes) {
        return Error(start,
                     "a JSON or space-delimited filter pattern can contain at most 2 "
                     "regular expressions");
      }
      ASSIGN_OR_RETURN(lit.regex, Regex());
      lit.kind = Literal::Kind::kRegex;
      return lit;
    }
    RETURN_IF_ERROR(StringValue(&lit));
    if (op != Op::kEq && op != Op::kNe && !lit.number.has_value()) {
      return Error(start, "a number is needed after <, <=, > and >=, found '" +
                              std::string(s_.substr(start, pos_ - start)) + "'");
    }
    return lit;
  }

  // expr := and ( '||' and )*
  Result<int> Or(Form form, Expr* e, int depth) {
    ASSIGN_OR_RETURN(int lhs, And(form, e, depth));
    while (true) {
      SkipBlanks();
      if (!Consume("||")) return lhs;
      ASSIGN_OR_RETURN(int rhs, And(form, e, depth));
      lhs = Push(e, Node::Kind::kOr, lhs, rhs);
    }
  }
  Result<int> And(Form form, Expr* e, int depth) {
    ASSIGN_OR_RETURN(int lhs, Primary(form, e, depth));
    while (true) {
      SkipBlanks();
      if (!Consume("&&")) return lhs;
      ASSIGN_OR_RETURN(int rhs, Primary(form, e, depth));
      lhs = Push(e, Node::Kind::kAnd, lhs, rhs);
    }
  }
  static int Push(Expr* e, Node::Kind kind, int lhs, int rhs) {
    Node n;
    n.kind = kind;
    n.lhs = lhs;
    n.rhs = rhs;
    e->nodes.push_back(std::move(n));
    return static_cast<int>(e->nodes.size()) - 1;
  }
  Result<int> Primary(Form form, Expr* e, int depth) {
    SkipBlanks();
    size_t start = pos_;
    if (Consume("(")) {
      if (depth >= kMaxDepth) return Error(start, "parentheses nested too deeply");
      ASSIGN_OR_RETURN(int inner, Or(form, e, depth + 1));
      SkipBlanks();
      if (!Consume(")")) return Error(pos_, "expected ')', " + Found());
      return inner;
    }
    if (++comparisons_ > kMaxComparisons) {
      return Error(start, "too many conditions (at most " + std::to_string(kMaxComparisons) + ")");
    }
    Node n;
    if (form == Form::kJson) {
      RETURN_IF_ERROR(JsonComparison(&n));
    } else {
      RETURN_IF_ERROR(FieldComparison(e, &n));
    }
    e->nodes.push_back(std::move(n));
    return static_cast<int>(e->nodes.size()) - 1;
  }

  // --- term patterns ------------------------------------------------------
  Status Terms(Program* p) {
    p->groups.emplace_back();
    bool group_used = false;  // the current group has had a term, even a blank one
    while (true) {
      SkipBlanks();
      if (AtEnd()) return Status::Ok();
      size_t start = pos_;
      if (Consume("?")) {
        if (group_used) p->groups.emplace_back();
        group_used = false;
        SkipBlanks();
      }
      Term term;
      if (Consume("-")) {
        term.exclude = true;
        SkipBlanks();
      }
      if (AtEnd())
        return Error(start,
                     "'" + std::string(s_.substr(start, 1)) + "' must be followed by a term");
      group_used = true;
      char c = s_[pos_];
      if (c == '%') {
        ASSIGN_OR_RETURN(term.regex, Regex());
      } else if (c == '"') {
        size_t q = pos_;
        Literal lit;
        RETURN_IF_ERROR(StringValue(&lit));
        // Stars have no meaning in a term: take the quoted text as written.
        std::string_view raw = s_.substr(q + 1, pos_ - q - 2);
        if (raw.find_first_not_of(" \t") == std::string_view::npos) continue;  // " " matches all
        term.text = lit.kind == Literal::Kind::kAny
                        ? "*"
                        : (lit.any_prefix ? "*" : "") + lit.text + (lit.any_suffix ? "*" : "");
      } else {
        while (!AtEnd() && !IsBlank(s_[pos_])) {
          if (s_[pos_] == '"') {
            return Error(pos_, "a double quote inside an unquoted term; quote the whole term");
          }
          term.text.push_back(s_[pos_++]);
        }
      }
      p->groups.back().terms.push_back(std::move(term));
    }
  }

  // --- space-delimited patterns --------------------------------------------
  Status Delimited(Program* p) {
    size_t open = pos_++;
    while (true) {
      SkipBlanks();
      if (p->elements.size() >= kMaxElements) {
        return Error(pos_, "too many fields (at most " + std::to_string(kMaxElements) + ")");
      }
      size_t start = pos_;
      Element el;
      if (AtEnd()) return Error(open, "'[' is never closed with ']'");
      if (Peek("]") || Peek(",")) {
        if (Peek("]") && p->elements.empty()) {
          return Error(start, "a space-delimited pattern needs at least one field");
        }
      } else if (Consume("...")) {
        if (p->ellipsis >= 0) {
          return Error(start, "a space-delimited pattern can contain only one '...'");
        }
        p->ellipsis = static_cast<int>(p->elements.size());
        el.kind = Element::Kind::kEllipsis;
      } else {
        RETURN_IF_ERROR(ElementBody(p->elements.size(), &el));
      }
      p->elements.push_back(std::move(el));
      SkipBlanks();
      if (Consume(",")) continue;
      if (Consume("]")) break;
      if (AtEnd()) return Error(open, "'[' is never closed with ']'");
      return Error(pos_, "expected ',' or ']' after a field, " + Found());
    }
    SkipBlanks();
    if (!AtEnd()) return Error(pos_, "unexpected text after ']', " + Found());
    return ResolveNames(p);
  }

  // A bare field name, or a condition on one or more fields.
  Status ElementBody(size_t index, Element* el) {
    size_t start = pos_;
    while (!AtEnd() && IsNameChar(s_[pos_])) ++pos_;
    size_t name_end = pos_;
    SkipBlanks();
    if (name_end > start && (AtEnd() || Peek(",") || Peek("]"))) {
      el->name = std::string(s_.substr(start, name_end - start));
      return Status::Ok();
    }
    pos_ = start;
    element_ = index;
    ASSIGN_OR_RETURN(int root, Or(Form::kDelimited, &el->condition, 0));
    (void)root;  // Or() leaves its root last
    return Status::Ok();
  }

  // name op value
  Status FieldComparison(Expr* e, Node* n) {
    size_t start = pos_;
    while (!AtEnd() && IsNameChar(s_[pos_])) ++pos_;
    if (pos_ == start) return Error(pos_, "expected a field name, " + Found());
    pending_.push_back(
        {element_, e->nodes.size(), std::string(s_.substr(start, pos_ - start)), start});
    SkipBlanks();
    ASSIGN_OR_RETURN(n->op, Operator());
    ASSIGN_OR_RETURN(n->value, Value(n->op));
    return Status::Ok();
  }

  // Gives each element the name of its first condition and points every
  // condition at the element it names.
  Status ResolveNames(Program* p) {
    for (const PendingName& ref : pending_) {
      Element& el = p->elements[ref.element];
      if (el.name.empty()) el.name = ref.name;
    }
    for (const PendingName& ref : pending_) {
      Element& el = p->elements[ref.element];
      int target = -1;
      if (el.name == ref.name) {
        target = static_cast<int>(ref.element);
      } else {
        for (size_t i = 0; i < p->elements.size(); ++i) {
          if (p->elements[i].name == ref.name) {
            target = static_cast<int>(i);
            break;
          }
        }
      }
      if (target < 0) {
        return Error(ref.pos, "'" + ref.name + "' is not the name of a field of this pattern");
      }
      el.condition.nodes[ref.node].field = target;
      if (target != static_cast<int>(ref.element)) el.local = p->all_local = false;
    }
    return Status::Ok();
  }

  // --- JSON patterns ---------------------------------------------------------
  Status Json(Program* p) {
    size_t open = pos_++;
    program_ = p;
    SkipBlanks();
    if (Peek("}")) return Error(pos_, "a JSON pattern needs a condition inside { }");
    ASSIGN_OR_RETURN(int root, Or(Form::kJson, &p->json, 0));
    (void)root;
    SkipBlanks();
    if (AtEnd()) return Error(open, "'{' is never closed with '}'");
    if (!Consume("}")) return Error(pos_, "expected '}', '&&' or '||', " + Found());
    SkipBlanks();
    if (!AtEnd()) return Error(pos_, "unexpected text after '}', " + Found());
    return Status::Ok();
  }

  // selector op value | selector IS NULL|TRUE|FALSE | selector NOT EXISTS
  Status JsonComparison(Node* n) {
    size_t start = pos_;
    if (!Consume("$")) return Error(pos_, "expected a selector starting with '$', " + Found());
    Selector sel;
    while (true) {
      if (Consume(".")) {
        size_t key_start = pos_;
        while (!AtEnd() && IsNameChar(s_[pos_])) ++pos_;
        if (pos_ == key_start) return Error(pos_, "expected a property name after '.', " + Found());
        sel.push_back({false, std::string(s_.substr(key_start, pos_ - key_start)), 0});
      } else if (Consume("[")) {
        size_t digits = pos_;
        size_t index = 0;
        while (!AtEnd() && s_[pos_] >= '0' && s_[pos_] <= '9') {
          if (index > 100'000'000) return Error(digits, "array index too large");
          index = index * 10 + static_cast<size_t>(s_[pos_++] - '0');
        }
        if (pos_ == digits) return Error(pos_, "expected an array index, " + Found());
        if (!Consume("]")) return Error(pos_, "expected ']' after the array index, " + Found());
        sel.push_back({true, std::string(), index});
      } else {
        break;
      }
    }
    if (sel.empty()) return Error(start, "a selector needs a property after '$', as in $.name");
    n->field = static_cast<int>(program_->selectors.size());
    program_->selectors.push_back(std::move(sel));
    SkipBlanks();
    if (Keyword("IS")) {
      SkipBlanks();
      if (Keyword("NULL")) {
        n->op = Op::kIsNull;
      } else if (Keyword("TRUE")) {
        n->op = Op::kIsTrue;
      } else if (Keyword("FALSE")) {
        n->op = Op::kIsFalse;
      } else {
        return Error(pos_, "expected NULL, TRUE or FALSE after IS, " + Found());
      }
      return Status::Ok();
    }
    if (Keyword("NOT")) {
      SkipBlanks();
      if (!Keyword("EXISTS")) return Error(pos_, "expected EXISTS after NOT, " + Found());
      n->op = Op::kNotExists;
      return Status::Ok();
    }
    ASSIGN_OR_RETURN(n->op, Operator());
    ASSIGN_OR_RETURN(n->value, Value(n->op));
    return Status::Ok();
  }

  // A keyword (any letter case) followed by a word boundary.
  bool Keyword(std::string_view word) {
    if (s_.size() - pos_ < word.size()) return false;
    for (size_t i = 0; i < word.size(); ++i) {
      char c = s_[pos_ + i];
      if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
      if (c != word[i]) return false;
    }
    size_t after = pos_ + word.size();
    if (after < s_.size() && IsNameChar(s_[after])) return false;
    pos_ = after;
    return true;
  }

  std::string_view s_;
  size_t pos_ = 0;
  int regexes_ = 0;
  int comparisons_ = 0;
  size_t element_ = 0;  // the space-delimited element being parsed
  std::vector<PendingName> pending_;
  Program* program_ = nullptr;  // JSON: where selectors go
};

}  // namespace

Result<std::shared_ptr<Program>> ParseProgram(std::string_view text) {
  return Parser(text).Run();
}

}  // namespace flowlens::server::filter_pattern

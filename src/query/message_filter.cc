#include "query/message_filter.h"

#include <algorithm>
#include <cstring>
#include <string_view>

#include "common/ip_address.h"
#include "query/parse_pushdown.h"

namespace flowlens::query {
namespace {

bool AllOf(std::string_view text, bool (*pred)(char)) {
  return std::all_of(text.begin(), text.end(), pred);
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
// The characters of a formatted address (IPv4 dotted, IPv6 lower-case hex).
bool IsAddressChar(char c) { return IsDigit(c) || (c >= 'a' && c <= 'f') || c == '.' || c == ':'; }

}  // namespace

std::optional<MessageTerm> MessageTermOf(const BoundExpr& e, int message_slot) {
  if (message_slot < 0 || e.kind != BoundKind::kLike || e.children.size() != 1 ||
      e.children[0]->kind != BoundKind::kSlot || e.children[0]->slot != message_slot) {
    return std::nullopt;
  }
  MessageTerm t;
  t.negate = e.negate;
  // (A regex that is plain text was bound as that text: analyzer.cc.)
  if (e.regex) return std::nullopt;
  t.text = e.like_text;
  // Empty matches everything; "-" is a missing value's text; a space can
  // join two fields.
  if (t.text.empty() || t.text == "-" || t.text.find_first_of(" \t\n\r") != std::string::npos) {
    return std::nullopt;
  }
  return t;
}

bool MessageTermFilter::Prepare(const std::vector<MessageTerm>& terms, const Layout& layout) {
  terms_.clear();
  request_ = storage::ColumnRequest();
  request_.codes = true;
  request_.raw_messages = true;
  if (terms.empty()) return false;
  for (const MessageTerm& term : terms) {
    TermColumns tc{term, {}};
    const bool digits = AllOf(term.text, IsDigit);
    const bool address = AllOf(term.text, IsAddressChar);
    for (size_t pos = 0; pos < layout.size(); ++pos) {
      const FieldInfo& f = layout.field(pos);
      const bool can_hold = f.kind == ValueKind::kString ||
                            ((f.kind == ValueKind::kInt || f.kind == ValueKind::kTime) && digits) ||
                            (f.kind == ValueKind::kAddress && address);
      if (!can_hold) continue;
      auto at = std::find(request_.fields.begin(), request_.fields.end(), static_cast<int>(f.id));
      tc.columns.push_back(static_cast<size_t>(at - request_.fields.begin()));
      if (at == request_.fields.end()) request_.fields.push_back(static_cast<int>(f.id));
    }
    terms_.push_back(std::move(tc));
  }
  return true;
}

void MessageTermFilter::FindInColumn(const std::string& text, const storage::FieldColumn& c,
                                     size_t rows, const std::vector<uint8_t>& raw_kept,
                                     uint8_t* found) {
  const bool all_valid = c.valid.empty();
  auto skip = [&](size_t r) {
    return found[r] || (!all_valid && !c.valid[r]) || (!raw_kept.empty() && raw_kept[r]);
  };
  switch (c.kind) {
    case ValueKind::kString:
      if (!c.dict.empty() && c.codes.size() == rows) {
        // Once per dictionary value, then by code.
        dict_found_.resize(c.dict.size());
        for (size_t k = 0; k < c.dict.size(); ++k) {
          dict_found_[k] = c.dict[k].find(text) != std::string_view::npos;
        }
        const uint32_t* codes = c.codes.data();
        for (size_t r = 0; r < rows; ++r) {
          if (!skip(r)) found[r] = dict_found_[codes[r]];
        }
      } else {
        for (size_t r = 0; r < rows; ++r) {
          if (!skip(r)) found[r] = c.strings[r].find(text) != std::string_view::npos;
        }
      }
      break;
    case ValueKind::kInt:
    case ValueKind::kTime: {
      // As WriteRecord writes them: plain decimal of the unsigned value.
      char buf[24];
      for (size_t r = 0; r < rows; ++r) {
        if (skip(r)) continue;
        uint64_t v = static_cast<uint64_t>(c.ints[r]);
        char* e = buf + sizeof(buf);
        char* p = e;
        do {
          *--p = static_cast<char>('0' + v % 10);
          v /= 10;
        } while (v);
        found[r] = std::string_view(p, static_cast<size_t>(e - p)).find(text) !=
                   std::string_view::npos;
      }
      break;
    }
    case ValueKind::kAddress: {
      char buf[IpAddress::kMaxTextLength];
      for (size_t r = 0; r < rows; ++r) {
        if (skip(r)) continue;
        found[r] = std::string_view(buf, c.addrs[r].Format(buf)).find(text) !=
                   std::string_view::npos;
      }
      break;
    }
  }
}

size_t MessageTermFilter::Apply(const storage::RowBlock& block, std::vector<uint8_t>* keep) {
  const size_t m = block.size;
  pass_.assign(m, 1);
  for (const TermColumns& tc : terms_) {
    found_.assign(m, 0);
    // Rows that kept their raw line: the line itself.
    if (!block.raw_kept.empty()) {
      for (size_t r = 0; r < m; ++r) {
        if (block.raw_kept[r]) {
          found_[r] = block.messages[r].find(tc.term.text) != std::string_view::npos;
        }
      }
    }
    for (size_t col : tc.columns) {
      FindInColumn(tc.term.text, block.fields[col], m, block.raw_kept, found_.data());
    }
    const uint8_t want = tc.term.negate ? 0 : 1;
    for (size_t r = 0; r < m; ++r) pass_[r] &= found_[r] == want;
  }
  return KeepPassing(pass_, keep);
}

}  // namespace flowlens::query

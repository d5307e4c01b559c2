#include "flowlog/record.h"

#include <cstring>

namespace flowlens {

bool ParseUnsigned(std::string_view s, uint64_t* out) {
  if (s.empty() || s.size() > 20) return false;
  uint64_t v = 0;
  for (char c : s) {
    unsigned d = static_cast<unsigned char>(c) - '0';
    if (d > 9) return false;
    if (v > (UINT64_MAX - d) / 10) return false;
    v = v * 10 + d;
  }
  *out = v;
  return true;
}

namespace {

inline bool IsBlank(char c) {
  return c == ' ' || c == '\t';
}

// Cold path: keeps the message building out of the parse loop.
[[gnu::noinline]] bool Fail(RecordError* error, int pos, std::string reason) {
  if (error) {
    error->field_pos = pos;
    error->reason = std::move(reason);
  }
  return false;
}

std::string Quote(std::string_view v) {
  constexpr size_t kMax = 60;
  std::string s(v.substr(0, kMax));
  if (v.size() > kMax) s += "...";
  return "'" + s + "'";
}

size_t CountFields(std::string_view line) {
  size_t n = 0, i = 0;
  while (i < line.size()) {
    while (i < line.size() && IsBlank(line[i])) ++i;
    if (i == line.size()) break;
    ++n;
    while (i < line.size() && !IsBlank(line[i])) ++i;
  }
  return n;
}

}  // namespace

bool ParseRecord(std::string_view line, const Layout& layout, FlowRecord* out, RecordError* error) {
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n' || IsBlank(line.back()))) {
    line.remove_suffix(1);
  }
  size_t i = 0;
  while (i < line.size() && IsBlank(line[i])) ++i;
  const size_t n = layout.size();
  for (size_t pos = 0; pos < n; ++pos) {
    if (i >= line.size()) {
      return Fail(error, -1,
                  "has " + std::to_string(pos) + " fields, the format has " + std::to_string(n));
    }
    size_t start = i;
    while (i < line.size() && !IsBlank(line[i])) ++i;
    std::string_view tok = line.substr(start, i - start);
    while (i < line.size() && IsBlank(line[i])) ++i;

    if (tok.size() == 1 && tok[0] == '-') {
      out->set_missing(pos);
      continue;
    }
    const FieldInfo& f = layout.field(pos);
    switch (f.kind) {
      case ValueKind::kInt:
      case ValueKind::kTime: {
        uint64_t v;
        if (!ParseUnsigned(tok, &v)) {
          return Fail(error, static_cast<int>(pos), Quote(tok) + " is not a non-negative integer");
        }
        if (v > static_cast<uint64_t>(f.max_value)) {
          return Fail(
              error, static_cast<int>(pos),
              Quote(tok) + " is above the largest allowed value " + std::to_string(f.max_value));
        }
        out->set_int(pos, static_cast<int64_t>(v));
        break;
      }
      case ValueKind::kAddress: {
        auto a = IpAddress::Parse(tok);
        if (!a) return Fail(error, static_cast<int>(pos), Quote(tok) + " is not an IP address");
        out->set_addr(pos, *a);
        break;
      }
      case ValueKind::kString:
        out->set_str(pos, tok);
        break;
    }
  }
  if (i < line.size()) {
    return Fail(error, -1,
                "has " + std::to_string(CountFields(line)) + " fields, the format has " +
                    std::to_string(n));
  }
  return true;
}

std::string DescribeRecordError(const RecordError& error, const Layout& layout,
                                std::string_view where, int64_t line_number) {
  std::string msg;
  if (!where.empty()) {
    msg += where;
    msg += ':';
    msg += std::to_string(line_number);
    msg += ": ";
  } else {
    msg += "line " + std::to_string(line_number) + ": ";
  }
  if (error.field_pos >= 0) {
    msg += "field '" + std::string(layout.field(error.field_pos).name) + "' (" +
           std::to_string(error.field_pos + 1) + " of " + std::to_string(layout.size()) + "): ";
  } else {
    msg += "record ";
  }
  msg += error.reason;
  return msg;
}

void WriteRecord(const Layout& layout, const FlowRecord& rec, std::string* out) {
  char buf[32];
  for (size_t pos = 0; pos < layout.size(); ++pos) {
    if (pos) out->push_back(' ');
    if (!rec.present(pos)) {
      out->push_back('-');
      continue;
    }
    switch (layout.field(pos).kind) {
      case ValueKind::kInt:
      case ValueKind::kTime: {
        uint64_t v = static_cast<uint64_t>(rec.int_at(pos));
        char* e = buf + sizeof(buf);
        char* p = e;
        do {
          *--p = static_cast<char>('0' + v % 10);
          v /= 10;
        } while (v);
        out->append(p, static_cast<size_t>(e - p));
        break;
      }
      case ValueKind::kAddress: {
        char abuf[IpAddress::kMaxTextLength];
        out->append(abuf, rec.addr_at(pos).Format(abuf));
        break;
      }
      case ValueKind::kString:
        out->append(rec.str_at(pos));
        break;
    }
  }
}

}  // namespace flowlens

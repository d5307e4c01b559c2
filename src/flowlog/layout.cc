#include "flowlog/layout.h"

#include <algorithm>

namespace flowlens {
namespace {

std::string UnknownFieldMessage(std::string_view name) {
  std::string msg = "unknown flow-log field '" + std::string(name) + "'";
  std::vector<std::string_view> close = CloseFieldNames(name);
  if (!close.empty()) {
    msg += "; did you mean ";
    for (size_t i = 0; i < close.size(); ++i) {
      if (i) msg += i + 1 == close.size() ? " or " : ", ";
      msg += "'" + std::string(close[i]) + "'";
    }
    msg += "?";
  }
  msg += " (`flowlens formats` lists every field)";
  return msg;
}

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

template <typename Fn>
void ForEachToken(std::string_view text, Fn fn) {
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && IsSpace(text[i])) ++i;
    size_t start = i;
    while (i < text.size() && !IsSpace(text[i])) ++i;
    if (i > start) fn(text.substr(start, i - start));
  }
}

}  // namespace

Result<Layout> Layout::FromFields(const std::vector<const FieldInfo*>& fields) {
  if (fields.empty()) return Status::InvalidArgument("a flow-log format needs at least one field");
  Layout l;
  l.position_.fill(-1);
  l.version_ = 2;
  for (const FieldInfo* f : fields) {
    int id = static_cast<int>(f->id);
    if (l.position_[id] >= 0) {
      return Status::InvalidArgument("flow-log field '" + std::string(f->name) +
                                     "' appears twice in the format");
    }
    l.position_[id] = static_cast<int>(l.fields_.size());
    l.fields_.push_back(f);
    l.version_ = std::max(l.version_, f->version);
  }
  return l;
}

Result<Layout> Layout::FromFormat(std::string_view format) {
  std::vector<const FieldInfo*> fields;
  size_t i = 0;
  while (i < format.size()) {
    if (IsSpace(format[i])) {
      ++i;
      continue;
    }
    if (format.compare(i, 2, "${") != 0) {
      size_t end = i;
      while (end < format.size() && !IsSpace(format[end])) ++end;
      return Status::InvalidArgument("format string: expected ${field} at column " +
                                     std::to_string(i + 1) + ", found '" +
                                     std::string(format.substr(i, end - i)) + "'");
    }
    size_t close = format.find('}', i + 2);
    if (close == std::string_view::npos) {
      return Status::InvalidArgument("format string: '${' at column " + std::to_string(i + 1) +
                                     " has no closing '}'");
    }
    std::string_view name = format.substr(i + 2, close - i - 2);
    const FieldInfo* f = FindField(name);
    if (!f) return Status::InvalidArgument("format string: " + UnknownFieldMessage(name));
    fields.push_back(f);
    i = close + 1;
  }
  return FromFields(fields);
}

Result<Layout> Layout::FromHeader(std::string_view header) {
  std::vector<const FieldInfo*> fields;
  std::string bad;
  ForEachToken(header, [&](std::string_view tok) {
    const FieldInfo* f = FindField(tok);
    if (!f && bad.empty()) bad = UnknownFieldMessage(tok);
    if (f) fields.push_back(f);
  });
  if (!bad.empty()) return Status::InvalidArgument("header line: " + bad);
  return FromFields(fields);
}

Result<Layout> Layout::Parse(std::string_view text) {
  if (text.find("${") != std::string_view::npos) return FromFormat(text);
  return FromHeader(text);
}

bool Layout::IsHeaderLine(std::string_view line) {
  bool any = false, all = true;
  ForEachToken(line, [&](std::string_view tok) {
    any = true;
    if (!FindField(tok)) all = false;
  });
  return any && all;
}

const Layout& Layout::Default() {
  static const Layout kDefault = *FromFormat(
      "${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} "
      "${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status}");
  return kDefault;
}

const Layout& Layout::TransitGatewayDefault() {
  static const Layout kTgw = *FromFormat(
      "${version} ${resource-type} ${account-id} ${tgw-id} ${tgw-attachment-id} "
      "${tgw-src-vpc-account-id} ${tgw-dst-vpc-account-id} ${tgw-src-vpc-id} ${tgw-dst-vpc-id} "
      "${tgw-src-subnet-id} ${tgw-dst-subnet-id} ${tgw-src-eni} ${tgw-dst-eni} ${tgw-src-az-id} "
      "${tgw-dst-az-id} ${tgw-pair-attachment-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} "
      "${protocol} ${packets} ${bytes} ${start} ${end} ${log-status} ${type} "
      "${packets-lost-no-route} ${packets-lost-blackhole} ${packets-lost-mtu-exceeded} "
      "${packets-lost-ttl-expired} ${tcp-flags} ${region} ${flow-direction} "
      "${pkt-src-aws-service} ${pkt-dst-aws-service}");
  return kTgw;
}

bool Layout::is_default() const {
  return *this == Default();
}

std::string Layout::ToFormatString() const {
  std::string out;
  for (const FieldInfo* f : fields_) {
    if (!out.empty()) out += ' ';
    out += "${";
    out += f->name;
    out += '}';
  }
  return out;
}

std::string Layout::ToHeaderLine() const {
  std::string out;
  for (const FieldInfo* f : fields_) {
    if (!out.empty()) out += ' ';
    out += f->name;
  }
  return out;
}

}  // namespace flowlens

// Layout: the ordered list of fields of one flow log's record format.
//
// A layout comes from a format string as given to CreateFlowLogs
// (`${version} ${srcaddr} ...`), from the header line at the top of an S3
// object (`version srcaddr ...`), or is the fixed default format (the 14
// version-2 fields). A field appears at most once.
//
//   Result<Layout> l = Layout::FromFormat("${srcaddr} ${dstaddr} ${bytes}");
//   int pos = l->PositionOf(fields::kBytes);  // 2
//
// Thread safety: an immutable value once built.
#pragma once

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "flowlog/field_catalog.h"

namespace flowlens {

class Layout {
 public:
  static const Layout& Default();
  // The Transit Gateway default format (all version 2 to 6 TGW fields).
  static const Layout& TransitGatewayDefault();

  // `${a} ${b} ...`; whitespace between fields is free. Unknown names get an
  // error that names them and suggests close matches.
  static Result<Layout> FromFormat(std::string_view format);
  // An S3 header line: field names separated by spaces.
  static Result<Layout> FromHeader(std::string_view header);
  // Either of the two forms (a format string has `${`).
  static Result<Layout> Parse(std::string_view text);
  static Result<Layout> FromFields(const std::vector<const FieldInfo*>& fields);

  // True when `line` looks like an S3 header line: every token is a field name.
  static bool IsHeaderLine(std::string_view line);

  size_t size() const { return fields_.size(); }
  const FieldInfo& field(size_t pos) const { return *fields_[pos]; }
  const std::vector<const FieldInfo*>& fields() const { return fields_; }
  // Position of a field in the layout, or -1.
  int PositionOf(int field_id) const { return position_[field_id]; }
  bool Has(int field_id) const { return position_[field_id] >= 0; }
  // The version AWS writes in records of this format: the highest field version.
  int version() const { return version_; }
  bool is_default() const;

  std::string ToFormatString() const;  // ${a} ${b}
  std::string ToHeaderLine() const;    // a b

  friend bool operator==(const Layout& a, const Layout& b) { return a.fields_ == b.fields_; }

 private:
  std::vector<const FieldInfo*> fields_;
  std::array<int, 128> position_{};
  int version_ = 2;
};

}  // namespace flowlens

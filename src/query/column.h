// Column and Batch: the unit of work of the query engine.
//
// A Batch holds up to kBatchSize rows as columns, one per bound field slot
// (see analyzer.h). A Column is typed when all its present values share a type
// (ints, doubles, strings, timestamps, addresses, bools in flat vectors) and
// "mixed" otherwise (one Value per row). A constant column stores one value
// for every row. Missing values are marked in `valid` (empty = all present).
//
// String views in a column point into buffers that the batch keeps alive
// (`keep_alive`: the input chunk) or into the batch's arena.
//
// Thread safety: a batch belongs to one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "common/arena.h"
#include "common/ip_address.h"
#include "query/value.h"

namespace flowlens::query {

inline constexpr size_t kBatchSize = 4096;

enum class ColumnKind : uint8_t {
  kNull,
  kConstant,
  kInt,
  kDouble,
  kString,
  kTimestamp,
  kAddress,
  kBool,
  kMixed
};

struct Column {
  ColumnKind kind = ColumnKind::kNull;    // kNull: every row missing
  Value constant;                         // kConstant
  std::vector<int64_t> ints;              // kInt, kTimestamp, kBool
  std::vector<double> doubles;            // kDouble
  std::vector<std::string_view> strings;  // kString
  std::vector<IpAddress> addrs;           // kAddress
  std::vector<Value> values;              // kMixed
  std::vector<uint8_t> valid;             // 1 = present; empty = all present (typed kinds)

  bool IsValid(size_t row) const { return valid.empty() || valid[row]; }
  Value Get(size_t row) const;
  // Keeps rows whose `keep` flag is set, in order.
  void Compact(const std::vector<uint8_t>& keep);
  void Clear();

  static Column Null() { return Column(); }
  static Column Constant(const Value& v) {
    Column c;
    c.kind = v.is_null() ? ColumnKind::kNull : ColumnKind::kConstant;
    c.constant = v;
    return c;
  }
};

// Builds a column value by value, staying typed while every present value has
// the same type, and switching to mixed on the first value of another type.
class ColumnBuilder {
 public:
  explicit ColumnBuilder(size_t expected_rows = 0) { expected_ = expected_rows; }
  void Append(const Value& v);
  void AppendNull();
  size_t size() const { return size_; }
  Column Finish();

 private:
  void ToMixed();
  Column col_;
  size_t size_ = 0;
  size_t expected_ = 0;
  bool started_ = false;
};

struct Batch {
  size_t size = 0;
  std::vector<Column> columns;  // indexed by slot
  // Per row: which input (file or stream) and where in it, for @ptr and errors.
  std::vector<uint32_t> source_ids;
  std::vector<uint64_t> row_ids;
  std::shared_ptr<Arena> arena = std::make_shared<Arena>();
  std::vector<std::shared_ptr<const void>> keep_alive;

  // Keeps the rows whose flag is set, in every column.
  void Compact(const std::vector<uint8_t>& keep);
};

}  // namespace flowlens::query

// Evaluation of bound expressions over a batch, a column at a time.
//
// The general path gathers each row's argument Values and applies the
// operator or function; typed fast paths (a numeric column against a number,
// a text column against a string) skip the Value boxing for the common
// flow-log predicates. Both paths follow the same rules (value.h).
//
// Thread safety: one EvalState per thread.
#pragma once

#include <vector>

#include "query/column.h"
#include "query/plan.h"

namespace flowlens::query {

// A column that is either borrowed from the batch or owned.
class ColumnRef {
 public:
  ColumnRef() = default;
  explicit ColumnRef(const Column* borrowed) : ptr_(borrowed) {}
  explicit ColumnRef(Column owned) : owned_(std::move(owned)) {}
  const Column& get() const { return ptr_ ? *ptr_ : owned_; }
  const Column* operator->() const { return &get(); }
  // Takes the column out (copies it when borrowed).
  Column Release() { return ptr_ ? *ptr_ : std::move(owned_); }

 private:
  const Column* ptr_ = nullptr;
  Column owned_;
};

ColumnRef Evaluate(const BoundExpr& e, const Batch& batch, EvalState& state);

// Sets keep[i] = 1 for rows where the condition is true, 0 otherwise.
void EvaluatePredicate(const BoundExpr& e, const Batch& batch, EvalState& state,
                       std::vector<uint8_t>* keep);

// Row-at-a-time evaluation, used for single rows (tests, lookups).
Value EvaluateRow(const BoundExpr& e, const Batch& batch, size_t row, EvalState& state);

// The arithmetic of the language on two values (null when either side is not
// a number, or on division by zero).
Value Arithmetic(Op op, const Value& a, const Value& b);

}  // namespace flowlens::query

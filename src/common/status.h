// Status and Result<T>: expected failures as values.
//
// A Status is either OK or carries a code and a message. User errors (a bad
// query, a malformed record, a bad request) are kept apart from internal ones
// so that the CLI prints them plainly and the server maps them to 4xx vs 5xx.
// Result<T> holds either a T or a non-OK Status.
//
//   Result<Layout> layout = ParseFormat(text);
//   if (!layout.ok()) return layout.status();
//
// Thread safety: values; copy freely.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace flowlens {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,     // user input is malformed (query, record, request, flag)
  kNotFound,            // a named thing does not exist
  kAlreadyExists,       // a named thing exists already
  kOutOfRange,          // a value is outside what is allowed
  kResourceExhausted,   // a memory budget, a quota, a full disk
  kFailedPrecondition,  // the operation cannot run in the current state
  kCancelled,           // stopped by the user
  kDataLoss,            // corrupt data on disk
  kIoError,             // the operating system refused a read or write
  kInternal,            // a bug in flowlens
  kUnimplemented,
};

const char* StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }
  static Status InvalidArgument(std::string m) {
    return {StatusCode::kInvalidArgument, std::move(m)};
  }
  static Status NotFound(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
  static Status AlreadyExists(std::string m) { return {StatusCode::kAlreadyExists, std::move(m)}; }
  static Status OutOfRange(std::string m) { return {StatusCode::kOutOfRange, std::move(m)}; }
  static Status ResourceExhausted(std::string m) {
    return {StatusCode::kResourceExhausted, std::move(m)};
  }
  static Status FailedPrecondition(std::string m) {
    return {StatusCode::kFailedPrecondition, std::move(m)};
  }
  static Status Cancelled(std::string m) { return {StatusCode::kCancelled, std::move(m)}; }
  static Status DataLoss(std::string m) { return {StatusCode::kDataLoss, std::move(m)}; }
  static Status IoError(std::string m) { return {StatusCode::kIoError, std::move(m)}; }
  static Status Internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }
  static Status Unimplemented(std::string m) { return {StatusCode::kUnimplemented, std::move(m)}; }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // True for errors caused by what the user gave us, false for internal ones.
  bool is_user_error() const {
    return code_ != StatusCode::kInternal && code_ != StatusCode::kIoError &&
           code_ != StatusCode::kDataLoss;
  }
  std::string ToString() const;

  // Returns a copy whose message is prefixed with `context: `.
  Status WithContext(const std::string& context) const {
    if (ok()) return *this;
    return Status(code_, context + ": " + message_);
  }

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}          // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {}  // NOLINT: implicit by design

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  T& operator*() & { return *value_; }
  const T& operator*() const& { return *value_; }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace flowlens

#define FLOWLENS_CONCAT_INNER(a, b) a##b
#define FLOWLENS_CONCAT(a, b) FLOWLENS_CONCAT_INNER(a, b)

#define RETURN_IF_ERROR(expr)        \
  do {                               \
    ::flowlens::Status _st = (expr); \
    if (!_st.ok()) return _st;       \
  } while (0)

#define ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                          \
  if (!tmp.ok()) return tmp.status();         \
  lhs = std::move(tmp).value()

#define ASSIGN_OR_RETURN(lhs, expr) \
  ASSIGN_OR_RETURN_IMPL(FLOWLENS_CONCAT(_result_, __LINE__), lhs, expr)

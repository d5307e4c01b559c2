// ApiError: an error as a CloudWatch Logs client receives it, an HTTP status
// and a JSON body {"__type": "<code>", "message": "<text>", ...}. botocore
// and the aws CLI turn `__type` into the exception name users know
// (ResourceNotFoundException, ...).
//
//   return ApiError::InvalidParameter("The specified nextToken is invalid.");
//
// Thread safety: plain values.
#pragma once

#include <string>

namespace flowlens::server {

struct ApiError {
  int http_status = 400;
  std::string type;     // e.g. "ResourceNotFoundException"
  std::string message;  // shown by the clients after the type
  std::string extra;    // more JSON members, already rendered: "\"queryCompileError\": {...}"

  static ApiError Make(std::string type, std::string message, int status = 400) {
    return ApiError{status, std::move(type), std::move(message), {}};
  }
  static ApiError InvalidParameter(std::string m) {
    return Make("InvalidParameterException", std::move(m));
  }
  static ApiError ResourceNotFound(std::string m) {
    return Make("ResourceNotFoundException", std::move(m));
  }
  static ApiError AlreadyExists(std::string m) {
    return Make("ResourceAlreadyExistsException", std::move(m));
  }
  static ApiError LimitExceeded(std::string m) {
    return Make("LimitExceededException", std::move(m));
  }
  static ApiError Serialization(std::string m) {
    return Make("SerializationException", std::move(m));
  }
  static ApiError Internal(std::string m) {
    return Make("ServiceUnavailableException", std::move(m), 500);
  }
};

// {"__type": ..., "message": ...} followed by `extra` members.
std::string ErrorBody(const ApiError& e);

}  // namespace flowlens::server

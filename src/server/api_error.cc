#include "server/api_error.h"

#include "query/json.h"

namespace flowlens::server {

std::string ErrorBody(const ApiError& e) {
  std::string out = "{\"__type\": ";
  query::AppendJsonQuoted(e.type, &out);
  out += ", \"message\": ";
  query::AppendJsonQuoted(e.message, &out);
  if (!e.extra.empty()) {
    out += ", ";
    out += e.extra;
  }
  out += "}";
  return out;
}

}  // namespace flowlens::server

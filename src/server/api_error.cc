#include "server/api_error.h"

#include "server/json_writer.h"

namespace flowlens::server {

std::string ErrorBody(const ApiError& e) {
  std::string out = "{\"__type\": ";
  AppendJsonText(e.type, &out);
  out += ", \"message\": ";
  AppendJsonText(e.message, &out);
  if (!e.extra.empty()) {
    out += ", ";
    out += e.extra;
  }
  out += "}";
  return out;
}

}  // namespace flowlens::server

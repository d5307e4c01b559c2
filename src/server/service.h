// Service: the CloudWatch Logs API over HTTP requests, independent of the
// HTTP library: checks method and path, authenticates (SigV4 against the
// credentials, or anonymous when the operator allowed it), finds the
// operation named by X-Amz-Target, parses the JSON body and runs the handler.
// Every answer carries a request id; errors have the AWS shape; an exception
// escaping a handler becomes a 500 ServiceUnavailableException, never a crash.
//
//   Service svc(ctx, &credentials, opts);
//   HttpResponse res = svc.Handle(req);
//
// Thread safety: Handle may be called from many threads at once.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "server/credentials.h"
#include "server/operations.h"
#include "server/sigv4.h"

namespace flowlens::server {

struct HttpRequest {
  std::string method;
  std::string path;
  std::string query;   // raw, after '?'
  HeaderList headers;  // names lower case
  std::string body;
};

struct HttpResponse {
  int status = 200;
  std::string body;
  std::string request_id;
  std::string operation;  // for the access log; empty if unknown
};

struct ServiceOptions {
  bool allow_anonymous = false;                 // requests without Authorization are let in
  int64_t max_skew_seconds = 300;               // negative: no clock check
  std::function<void(const std::string&)> log;  // internal errors; null: quiet
};

class Service {
 public:
  Service(ServiceContext context, const Credentials* credentials, ServiceOptions options);
  HttpResponse Handle(const HttpRequest& request) const;

 private:
  ServiceContext ctx_;
  const Credentials* credentials_;
  ServiceOptions options_;
};

}  // namespace flowlens::server

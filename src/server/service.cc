#include "server/service.h"

#include <exception>

namespace flowlens::server {

Service::Service(ServiceContext context, const Credentials* credentials, ServiceOptions options)
    : ctx_(std::move(context)), credentials_(credentials), options_(std::move(options)) {}

HttpResponse Service::Handle(const HttpRequest& req) const {
  HttpResponse res;
  res.request_id = NewUuid();
  auto fail = [&](const ApiError& e) {
    res.status = e.http_status;
    res.body = ErrorBody(e);
    return res;
  };
  if (req.method != "POST" || (req.path != "/" && !req.path.empty())) {
    return fail(ApiError::Make("UnknownOperationException",
                               "This endpoint takes POST / with X-Amz-Target "
                               "Logs_20140328.<Operation>.",
                               404));
  }
  Caller caller;
  const bool signed_request = FindHeader(req.headers, "authorization").has_value();
  if (signed_request || !options_.allow_anonymous) {
    SigV4Options sig;
    sig.region = ctx_.region;
    sig.max_skew_seconds = options_.max_skew_seconds;
    sig.now_seconds = ctx_.now_ms() / 1000;
    SecretLookup lookup = [this](std::string_view id) -> std::optional<KeySecret> {
      return credentials_ ? credentials_->Find(id) : std::nullopt;
    };
    const std::string_view path =
        req.path.empty() ? std::string_view("/") : std::string_view(req.path);
    SigV4Request sreq{req.method, path, req.query, &req.headers, req.body};
    if (auto err = VerifySigV4(sreq, lookup, sig, &caller.access_key_id)) return fail(*err);
    if (const User* u = credentials_->FindUser(caller.access_key_id)) caller.user_name = u->name;
  }
  std::optional<std::string> target = FindHeader(req.headers, "x-amz-target");
  constexpr std::string_view kPrefix = "Logs_20140328.";
  if (!target || !std::string_view(*target).starts_with(kPrefix)) {
    return fail(ApiError::Make("UnknownOperationException",
                               "Missing or unknown X-Amz-Target; expected "
                               "Logs_20140328.<Operation>."));
  }
  res.operation = target->substr(kPrefix.size());
  Handler handler = FindOperation(res.operation);
  if (!handler) {
    return fail(ApiError::Make("UnknownOperationException", "The operation " + res.operation +
                                                                " is not supported by flowlens."));
  }
  RequestReader in;
  if (auto err = in.Parse(req.body)) return fail(*err);
  try {
    Reply reply = handler(ctx_, caller, in);
    if (auto* e = std::get_if<ApiError>(&reply)) {
      if (e->http_status >= 500 && options_.log) {
        options_.log(res.operation + " " + res.request_id + ": " + e->message);
      }
      return fail(*e);
    }
    res.body = std::move(std::get<std::string>(reply));
    return res;
  } catch (const std::exception& ex) {
    if (options_.log) options_.log(res.operation + " " + res.request_id + ": " + ex.what());
    return fail(ApiError::Internal("The server could not complete the request."));
  }
}

}  // namespace flowlens::server

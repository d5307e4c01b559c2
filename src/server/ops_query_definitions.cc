// Saved queries: PutQueryDefinition, DescribeQueryDefinitions,
// DeleteQueryDefinition.
#include "server/json_writer.h"
#include "server/operations.h"

namespace flowlens::server {

Reply PutQueryDefinition(const ServiceContext& ctx, const Caller&, RequestReader& in) {
  auto name = in.String("name", kRequired, 1, 255);
  auto id = in.String("queryDefinitionId", kOptional, 0, 256);
  auto groups = in.StringList("logGroupNames", kOptional, 0, -1, 1, 512, NamePattern::kLogGroup);
  auto text = in.String("queryString", kRequired, 1, 10000);
  in.String("clientToken", kOptional, 36, 128);
  auto language = in.String("queryLanguage", kOptional, 0, -1);
  if (in.error()) return *in.error();
  if (language && *language != "CWLI") {
    return ApiError::InvalidParameter("queryLanguage " + std::string(*language) +
                                      " is not supported; this server runs Logs Insights (CWLI).");
  }
  QueryDefinition def;
  def.id = id ? std::string(*id) : std::string();
  def.name = std::string(*name);
  def.query_string = std::string(*text);
  if (groups) {
    for (std::string_view g : *groups) def.log_group_names.emplace_back(g);
  }
  def.last_modified_ms = ctx.now_ms();
  Result<std::string> saved = ctx.definitions->Put(std::move(def));
  if (saved.status().code() == StatusCode::kNotFound) {
    return ApiError::ResourceNotFound(saved.status().message());
  }
  if (!saved.ok()) return ApiError::Internal(saved.status().message());
  JsonWriter w;
  w.BeginObject();
  w.Member("queryDefinitionId", *saved);
  w.EndObject();
  return w.Take();
}

Reply DescribeQueryDefinitions(const ServiceContext& ctx, const Caller&, RequestReader& in) {
  auto prefix = in.String("queryDefinitionNamePrefix", kOptional, 1, 255);
  auto max = in.Int("maxResults", kOptional, 1, 1000);
  auto token = in.String("nextToken", kOptional, 1, -1);
  in.String("queryLanguage", kOptional, 0, -1);
  if (in.error()) return *in.error();
  Pager pager("d", static_cast<size_t>(max.value_or(1000)));
  if (!pager.Resume(token)) return BadToken();
  JsonWriter w;
  w.BeginObject();
  w.Key("queryDefinitions");
  w.BeginArray();
  for (const QueryDefinition& d : ctx.definitions->List()) {
    if (prefix && !d.name.starts_with(*prefix)) continue;
    Pager::Step step = pager.Next(d.name + '\0' + d.id);
    if (step == Pager::Step::kStop) break;
    if (step == Pager::Step::kTake) WriteQueryDefinition(d, &w);
  }
  w.EndArray();
  pager.WriteNextToken(&w);
  w.EndObject();
  return w.Take();
}

Reply DeleteQueryDefinition(const ServiceContext& ctx, const Caller&, RequestReader& in) {
  auto id = in.String("queryDefinitionId", kRequired, 0, 256);
  if (in.error()) return *in.error();
  Status st = ctx.definitions->Delete(std::string(*id));
  if (st.code() == StatusCode::kNotFound) return ApiError::ResourceNotFound(st.message());
  if (!st.ok()) return ApiError::Internal(st.message());
  return std::string("{\"success\": true}");
}

}  // namespace flowlens::server

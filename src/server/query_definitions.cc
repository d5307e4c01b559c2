#include "server/query_definitions.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "common/arena.h"
#include "query/json.h"
#include "server/json_writer.h"
#include "server/query_manager.h"

namespace flowlens::server {

void WriteQueryDefinition(const QueryDefinition& d, JsonWriter* w) {
  w->BeginObject();
  w->Member("queryLanguage", "CWLI");
  w->Member("queryDefinitionId", d.id);
  w->Member("name", d.name);
  w->Member("queryString", d.query_string);
  w->Member("lastModified", d.last_modified_ms);
  w->Key("logGroupNames");
  w->BeginArray();
  for (const std::string& g : d.log_group_names) w->String(g);
  w->EndArray();
  w->EndObject();
}

Result<std::unique_ptr<QueryDefinitions>> QueryDefinitions::Open(std::string path) {
  std::unique_ptr<QueryDefinitions> out(new QueryDefinitions(path));
  std::ifstream in(path);
  if (!in) return out;  // none saved yet
  std::stringstream ss;
  ss << in.rdbuf();
  Arena arena;
  const query::JsonNode* doc = query::ParseJson(ss.str(), &arena);
  const query::JsonNode* list = doc ? doc->Get("queryDefinitions") : nullptr;
  if (!list || list->type != query::JsonType::kArray) {
    return Status::DataLoss(path + ": not a saved-queries file (delete it to start afresh)");
  }
  for (size_t i = 0; i < list->size; ++i) {
    const query::JsonNode* d = list->items[i];
    auto str = [&](const char* k) {
      const query::JsonNode* n = d->Get(k);
      return n && n->type == query::JsonType::kString ? std::string(n->s) : std::string();
    };
    QueryDefinition def{str("queryDefinitionId"), str("name"), str("queryString"), {}, 0};
    if (const query::JsonNode* t = d->Get("lastModified"); t && t->is_int) {
      def.last_modified_ms = t->i;
    }
    if (const query::JsonNode* g = d->Get("logGroupNames");
        g && g->type == query::JsonType::kArray) {
      for (size_t k = 0; k < g->size; ++k) def.log_group_names.emplace_back(g->items[k]->s);
    }
    if (def.id.empty()) return Status::DataLoss(path + ": a saved query without an id");
    out->defs_[def.id] = std::move(def);
  }
  return out;
}

Result<std::string> QueryDefinitions::Put(QueryDefinition def) {
  std::lock_guard<std::mutex> lock(mu_);
  if (def.id.empty()) {
    def.id = NewUuid();
  } else if (!defs_.count(def.id)) {
    return Status::NotFound("The specified query definition does not exist.");
  }
  std::string id = def.id;
  auto previous = defs_.find(id);
  std::optional<QueryDefinition> old;
  if (previous != defs_.end()) old = previous->second;
  defs_[id] = std::move(def);
  Status st = Save();
  if (!st.ok()) {
    if (old) {
      defs_[id] = *old;
    } else {
      defs_.erase(id);
    }
    return st;
  }
  return id;
}

Status QueryDefinitions::Delete(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = defs_.find(id);
  if (it == defs_.end()) return Status::NotFound("The specified query definition does not exist.");
  QueryDefinition old = it->second;
  defs_.erase(it);
  Status st = Save();
  if (!st.ok()) defs_[id] = old;
  return st;
}

std::vector<QueryDefinition> QueryDefinitions::List() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<QueryDefinition> out;
  for (const auto& [id, d] : defs_) out.push_back(d);
  std::sort(out.begin(), out.end(), [](const QueryDefinition& a, const QueryDefinition& b) {
    return a.name != b.name ? a.name < b.name : a.id < b.id;
  });
  return out;
}

Status QueryDefinitions::Save() const {
  JsonWriter w;
  w.BeginObject();
  w.Key("queryDefinitions");
  w.BeginArray();
  for (const auto& [id, d] : defs_) WriteQueryDefinition(d, &w);
  w.EndArray();
  w.EndObject();
  std::string text = w.Take() + "\n";
  const std::string tmp = path_ + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Status::IoError("cannot write " + tmp + ": " + std::strerror(errno));
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ::close(fd);
      return Status::IoError("cannot write " + tmp + ": " + std::strerror(errno));
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    return Status::IoError("cannot sync " + tmp + ": " + std::strerror(errno));
  }
  if (::rename(tmp.c_str(), path_.c_str()) != 0) {
    return Status::IoError("cannot rename " + tmp + ": " + std::strerror(errno));
  }
  std::string dir = path_.substr(0, path_.find_last_of('/') + 1);
  int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return Status::Ok();
}

}  // namespace flowlens::server

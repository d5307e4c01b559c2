#include "server/credentials.h"

#include <fstream>
#include <sstream>
#include <vector>

namespace flowlens::server {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

struct Section {
  std::string name;
  int line = 0;
  std::string key_id, secret, token;
};

}  // namespace

Result<Credentials> Credentials::Parse(std::string_view text, std::string_view file_name) {
  const std::string where = file_name.empty() ? "credentials" : std::string(file_name);
  std::vector<Section> sections;
  int line_no = 0;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = Trim(text.substr(0, nl));
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    ++line_no;
    auto error = [&](const std::string& why) {
      return Status::InvalidArgument(where + ":" + std::to_string(line_no) + ": " + why);
    };
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    if (line[0] == '[') {
      if (line.back() != ']' || Trim(line.substr(1, line.size() - 2)).empty()) {
        return error("a section header is [name]");
      }
      sections.push_back({std::string(Trim(line.substr(1, line.size() - 2))), line_no, {}, {}, {}});
      continue;
    }
    size_t eq = line.find('=');
    if (eq == std::string_view::npos) return error("expected 'key = value' or [section]");
    if (sections.empty()) return error("'key = value' before any [section]");
    std::string_view key = Trim(line.substr(0, eq)), value = Trim(line.substr(eq + 1));
    Section& s = sections.back();
    if (key == "aws_access_key_id") s.key_id = value;
    if (key == "aws_secret_access_key") s.secret = value;
    if (key == "aws_session_token") s.token = value;
  }
  Credentials out;
  for (const Section& s : sections) {
    const std::string at = where + ":" + std::to_string(s.line) + ": [" + s.name + "]: ";
    if (s.key_id.empty() || s.secret.empty()) {
      return Status::InvalidArgument(at + "needs both aws_access_key_id and aws_secret_access_key");
    }
    if (out.users_.count(s.key_id)) {
      return Status::InvalidArgument(at + "access key id " + s.key_id + " is given twice");
    }
    out.users_[s.key_id] = User{s.name, KeySecret{s.secret, s.token}};
  }
  if (out.users_.empty()) {
    return Status::InvalidArgument(where +
                                   ": no users (a [name] section with aws_access_key_id "
                                   "and aws_secret_access_key)");
  }
  return out;
}

Result<Credentials> Credentials::Load(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::InvalidArgument("cannot read the credentials file " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return Parse(ss.str(), path);
}

std::optional<KeySecret> Credentials::Find(std::string_view access_key_id) const {
  const User* u = FindUser(access_key_id);
  if (!u) return std::nullopt;
  return u->key;
}

const User* Credentials::FindUser(std::string_view access_key_id) const {
  auto it = users_.find(access_key_id);
  return it == users_.end() ? nullptr : &it->second;
}

}  // namespace flowlens::server

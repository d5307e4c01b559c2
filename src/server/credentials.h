// The users the server accepts, read from a file in the format of the AWS
// shared credentials file (~/.aws/credentials):
//
//   [alice]
//   aws_access_key_id = AKIAALICE
//   aws_secret_access_key = s3cret
//   aws_session_token = ...        ; optional: requests must then carry it
//
// Several sections, one user each; '#' and ';' start comment lines; other
// keys (region, ...) are ignored. Errors name the line.
//
//   ASSIGN_OR_RETURN(Credentials c, Credentials::Load("/etc/flowlens/creds"));
//   std::optional<KeySecret> s = c.Find("AKIAALICE");
//
// Thread safety: immutable once loaded.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "server/sigv4.h"

namespace flowlens::server {

struct User {
  std::string name;  // the section name
  KeySecret key;
};

class Credentials {
 public:
  static Result<Credentials> Parse(std::string_view text, std::string_view file_name = "");
  static Result<Credentials> Load(const std::string& path);

  std::optional<KeySecret> Find(std::string_view access_key_id) const;
  const User* FindUser(std::string_view access_key_id) const;
  size_t size() const { return users_.size(); }

 private:
  std::map<std::string, User, std::less<>> users_;  // by access key id
};

}  // namespace flowlens::server

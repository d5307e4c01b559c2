#include "storage/model.h"

#include <algorithm>

#include <fmt/format.h>

namespace flowlens::storage {
namespace {

constexpr size_t kMaxNameLength = 512;

bool IsGroupNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '-' || c == '_' || c == '/' || c == '#';
}

}  // namespace

Status ValidateGroupName(std::string_view name) {
  if (name.empty() || name.size() > kMaxNameLength) {
    return Status::InvalidArgument(
        fmt::format("log group name must be 1 to 512 characters long, got {}", name.size()));
  }
  for (size_t i = 0; i < name.size(); ++i) {
    if (!IsGroupNameChar(name[i])) {
      return Status::InvalidArgument(fmt::format(
          "log group name '{}': character {} is not allowed (only letters, digits and . - _ / #)",
          name, i + 1));
    }
  }
  return Status::Ok();
}

Status ValidateStreamName(std::string_view name) {
  if (name.empty() || name.size() > kMaxNameLength) {
    return Status::InvalidArgument(
        fmt::format("log stream name must be 1 to 512 characters long, got {}", name.size()));
  }
  size_t bad = name.find_first_of(":*");
  if (bad != std::string_view::npos) {
    return Status::InvalidArgument(fmt::format(
        "log stream name '{}': character {} ('{}') is not allowed", name, bad + 1, name[bad]));
  }
  return Status::Ok();
}

Status ValidateRetentionDays(int days) {
  if (std::find(kRetentionDays.begin(), kRetentionDays.end(), days) != kRetentionDays.end()) {
    return Status::Ok();
  }
  return Status::InvalidArgument(fmt::format(
      "retention of {} days is not allowed; use one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, "
      "180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653",
      days));
}

}  // namespace flowlens::storage

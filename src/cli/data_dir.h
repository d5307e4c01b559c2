// The store's data directory for the CLI: --data-dir, else $FLOWLENS_DATA,
// else ./flowlens-data; and opening the store with a message a user can act on.
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include "common/status.h"
#include "storage/store.h"

namespace flowlens::cli {

// Adds --data-dir to a subcommand, writing into *dir.
void AddDataDirOption(CLI::App* cmd, std::string* dir);
std::string ResolveDataDir(const std::string& flag_value);
// Opens the store; `create` makes the directory when missing.
Result<std::unique_ptr<storage::Store>> OpenStore(const std::string& dir, bool create);

}  // namespace flowlens::cli

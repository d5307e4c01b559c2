#include "cli/data_dir.h"

#include <cstdlib>

namespace flowlens::cli {

void AddDataDirOption(CLI::App* cmd, std::string* dir) {
  cmd->add_option("--data-dir", *dir,
                  "The store's directory (default: $FLOWLENS_DATA, else ./flowlens-data)");
}

std::string ResolveDataDir(const std::string& flag_value) {
  if (!flag_value.empty()) return flag_value;
  if (const char* env = std::getenv("FLOWLENS_DATA"); env && *env) return env;
  return "flowlens-data";
}

Result<std::unique_ptr<storage::Store>> OpenStore(const std::string& dir, bool create) {
  storage::StoreOptions opts;
  opts.create_if_missing = create;
  auto store = storage::Store::Open(dir, opts);
  if (!store.ok()) {
    return Status(store.status().code(),
                  "cannot open the store in " + dir + ": " + store.status().message());
  }
  return store;
}

}  // namespace flowlens::cli

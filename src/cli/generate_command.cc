// `flowlens generate`: placeholder until the generator lands.
#include "cli/commands.h"

namespace flowlens::cli {
void AddGenerateCommand(CLI::App& app, int* exit_code) {}
}  // namespace flowlens::cli

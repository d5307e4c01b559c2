// The flowlens subcommands. Each Add*Command registers one subcommand on the
// top-level CLI11 app; its callback runs the command and stores the process
// exit status in *exit_code. Only cli/ prints to the terminal.
#pragma once

#include <CLI/CLI.hpp>

namespace flowlens::cli {

void AddFormatsCommand(CLI::App& app, int* exit_code);
void AddGenerateCommand(CLI::App& app, int* exit_code);
void AddQueryCommand(CLI::App& app, int* exit_code);
void AddIngestCommand(CLI::App& app, int* exit_code);
void AddGroupsCommand(CLI::App& app, int* exit_code);
void AddStreamsCommand(CLI::App& app, int* exit_code);
void AddCheckCommand(CLI::App& app, int* exit_code);
void AddServeCommand(CLI::App& app, int* exit_code);

}  // namespace flowlens::cli

// flowlens: VPC flow logs, stored and queried with the CloudWatch Logs
// Insights language. One binary, one subcommand per job.
#include <cstdio>

#include "cli/commands.h"

int main(int argc, char** argv) {
  CLI::App app{
      "flowlens: generate, ingest and query VPC flow logs with the CloudWatch Logs Insights "
      "language"};
  app.require_subcommand(1);
  app.set_help_all_flag("--help-all", "Show help for every subcommand");
  int exit_code = 0;
  flowlens::cli::AddFormatsCommand(app, &exit_code);
  flowlens::cli::AddGenerateCommand(app, &exit_code);
  flowlens::cli::AddQueryCommand(app, &exit_code);
  flowlens::cli::AddIngestCommand(app, &exit_code);
  flowlens::cli::AddGroupsCommand(app, &exit_code);
  flowlens::cli::AddStreamsCommand(app, &exit_code);
  flowlens::cli::AddCheckCommand(app, &exit_code);
  flowlens::cli::AddServeCommand(app, &exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return exit_code;
}

// `flowlens formats`: every flow-log field with its version and meaning.
#include <fmt/core.h>

#include "cli/commands.h"
#include "flowlog/field_catalog.h"
#include "flowlog/layout.h"

namespace flowlens::cli {
namespace {

const char* KindName(ValueKind k) {
  switch (k) {
    case ValueKind::kInt:
      return "integer";
    case ValueKind::kTime:
      return "time";
    case ValueKind::kAddress:
      return "address";
    case ValueKind::kString:
      return "string";
  }
  return "?";
}

}  // namespace

void AddFormatsCommand(CLI::App& app, int* exit_code) {
  CLI::App* cmd = app.add_subcommand(
      "formats", "List every flow-log field (versions 2 to 11, VPC and Transit Gateway)");
  auto* check = cmd->add_option("--check",
                                "Check a format string or S3 header line and show its "
                                "layout");
  auto check_text = std::make_shared<std::string>();
  check->each([check_text](const std::string& v) { *check_text = v; });
  cmd->callback([exit_code, check_text, check] {
    if (check->count() > 0) {
      Result<Layout> layout = Layout::Parse(*check_text);
      if (!layout.ok()) {
        fmt::print(stderr, "flowlens formats: {}\n", layout.status().message());
        *exit_code = 2;
        return;
      }
      fmt::print("version {} format, {} fields{}\n", layout->version(), layout->size(),
                 layout->is_default() ? " (the default format)" : "");
      for (size_t i = 0; i < layout->size(); ++i) {
        const FieldInfo& f = layout->field(i);
        fmt::print("{:>3}  {:<28} v{:<3} {:<8} {}\n", i + 1, f.name, f.version, KindName(f.kind),
                   f.insights_name);
      }
      return;
    }
    fmt::print("{:<28} {:<4} {:<8} {:<24} {}\n", "FIELD", "VER", "TYPE", "QUERY NAME", "MEANING");
    for (const FieldInfo& f : Catalog()) {
      fmt::print("{:<28} {:<4} {:<8} {:<24} {}{}\n", f.name, f.version, KindName(f.kind),
                 f.insights_name, f.tgw_only ? "[Transit Gateway] " : "", f.meaning);
    }
    fmt::print("\nDefault format: {}\n", Layout::Default().ToFormatString());
  });
}

}  // namespace flowlens::cli

// Time arguments of the CLI: epoch seconds, ISO 8601 (2026-11-27T10:00:00Z,
// 2026-11-27 10:00, 2026-11-27), or relative to now (-1h, -30m, -7d, now).
#pragma once

#include <cstdint>
#include <string_view>

#include "common/status.h"

namespace flowlens::cli {

// Epoch milliseconds. An `end` bound given in whole seconds covers that
// second to its last millisecond, as StartQuery does.
Result<int64_t> ParseTimeArg(std::string_view text, int64_t now_ms, bool is_end);

}  // namespace flowlens::cli

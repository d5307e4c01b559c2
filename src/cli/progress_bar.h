// A one-line progress bar on stderr, drawn only when stderr is a terminal and
// only once the work has taken more than a second. Used by every subcommand
// that may run long (generate, query).
//
//   ProgressBar bar("records");
//   bar.Update(done, total);  // as often as you like; redraws at most 10/s
//   bar.Finish();
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace flowlens::cli {

class ProgressBar {
 public:
  // `unit` names what is counted ("records", "MB"); `scale` divides the
  // counts for display (1e6 to show bytes as MB).
  explicit ProgressBar(std::string unit, double scale = 1);
  void Update(uint64_t done, uint64_t total);
  void Finish();

 private:
  using Clock = std::chrono::steady_clock;
  std::string unit_;
  double scale_;
  bool enabled_;
  bool shown_ = false;
  Clock::time_point t0_, last_;
};

}  // namespace flowlens::cli

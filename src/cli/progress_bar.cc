#include "cli/progress_bar.h"

#include <fmt/core.h>
#include <unistd.h>

#include <cstdio>

namespace flowlens::cli {

ProgressBar::ProgressBar(std::string unit, double scale)
    : unit_(std::move(unit)),
      scale_(scale),
      enabled_(::isatty(STDERR_FILENO) == 1),
      t0_(Clock::now()) {}

void ProgressBar::Update(uint64_t done, uint64_t total) {
  if (!enabled_) return;
  const Clock::time_point now = Clock::now();
  const double elapsed = std::chrono::duration<double>(now - t0_).count();
  if (elapsed < 1.0) return;
  if (shown_ && done < total && now - last_ < std::chrono::milliseconds(100)) return;
  shown_ = true;
  last_ = now;
  constexpr int kWidth = 30;
  const double frac =
      total ? std::min(1.0, static_cast<double>(done) / static_cast<double>(total)) : 1.0;
  const int fill = static_cast<int>(frac * kWidth);
  const double rate = static_cast<double>(done) / scale_ / elapsed;
  const double eta = frac > 0 ? elapsed * (1 - frac) / frac : 0;
  fmt::print(stderr, "\r[{}{}] {:3.0f}% {:.0f}/{:.0f} {}, {:.1f} {}/s, {:.0f}s left ",
             std::string(fill, '#'), std::string(kWidth - fill, ' '), frac * 100,
             static_cast<double>(done) / scale_, static_cast<double>(total) / scale_, unit_, rate,
             unit_, eta);
  std::fflush(stderr);
}

void ProgressBar::Finish() {
  if (shown_) fmt::print(stderr, "\n");
  shown_ = false;
}

}  // namespace flowlens::cli

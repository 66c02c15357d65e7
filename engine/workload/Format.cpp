#include "workload/Format.h"

#include <cmath>
#include <cstdio>

namespace rs {

namespace {
// printf into a std::string (every format here fits 64 bytes).
template <typename... Args>
std::string printed(const char* format, Args... args) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, args...);
  return buf;
}
}  // namespace

std::string formatNumber(double value) {
  if (!(std::fabs(value) < 1e9)) return printed("%g", value);
  std::string s = printed("%.6f", value);
  s.erase(s.find_last_not_of('0') + 1);
  if (!s.empty() && s.back() == '.') s.pop_back();
  return s;
}

std::string formatByteSize(uint64_t bytes) {
  constexpr uint64_t kKiB = 1024, kMiB = kKiB << 10, kGiB = kMiB << 10;
  if (bytes >= kGiB && bytes % kGiB == 0) return std::to_string(bytes / kGiB) + "G";
  if (bytes >= kMiB && bytes % kMiB == 0) return std::to_string(bytes / kMiB) + "M";
  if (bytes >= kKiB && bytes % kKiB == 0) return std::to_string(bytes / kKiB) + "K";
  return std::to_string(bytes);
}

std::string formatDurationCompact(int64_t ns) {
  const auto v = static_cast<double>(ns);
  if (ns < 1'000'000) return printed("%.1fus", v / 1e3);
  if (ns < 1'000'000'000) return printed("%.2fms", v / 1e6);
  return printed("%.2fs", v / 1e9);
}

std::string formatByteRateCompact(double bytesPerSec) {
  if (bytesPerSec >= 1e9) return printed("%.2f GB/s", bytesPerSec / 1e9);
  if (bytesPerSec >= 1e6) return printed("%.2f MB/s", bytesPerSec / 1e6);
  return printed("%.1f KB/s", bytesPerSec / 1e3);
}

std::string formatDurationSpaced(int64_t ns) {
  const auto v = static_cast<double>(ns);
  if (ns < 1000) return std::to_string(ns) + " ns";
  if (ns < 1'000'000) return printed("%.1f \xc2\xb5s", v / 1e3);  // µs, UTF-8
  if (ns < 1'000'000'000) return printed("%.2f ms", v / 1e6);
  return printed("%.2f s", v / 1e9);
}

std::string formatBytesSpaced(double bytes) {
  constexpr double kKiB = 1024.0, kMiB = kKiB * 1024, kGiB = kMiB * 1024;
  if (bytes >= kGiB) return printed("%.2f GiB", bytes / kGiB);
  if (bytes >= kMiB) return printed("%.1f MiB", bytes / kMiB);
  if (bytes >= kKiB) return printed("%.1f KiB", bytes / kKiB);
  return printed("%.0f B", bytes);
}

std::string formatRateSpaced(double perSec, const std::string& unit) {
  if (perSec >= 1e9) return printed("%.2f G", perSec / 1e9) + unit + "/s";
  if (perSec >= 1e6) return printed("%.2f M", perSec / 1e6) + unit + "/s";
  if (perSec >= 1e3) return printed("%.1f k", perSec / 1e3) + unit + "/s";
  return printed("%.0f ", perSec) + unit + "/s";
}

}  // namespace rs

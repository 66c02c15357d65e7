#include "RecordOptions.h"

#include <charconv>
#include <cmath>

#include "workload/Options.h"  // parseByteSize

namespace rs::recording {

namespace {

// A week: the longest a time ring may keep (the value is minutes).
constexpr double kMaxKeepLastMinutes = 7 * 24 * 60;

bool parseMinutes(const std::string& text, double* out, std::string* error) {
  double v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || p != text.data() + text.size() || !std::isfinite(v) || v <= 0 ||
      v > kMaxKeepLastMinutes) {
    *error = "--record-last: '" + text + "' is not a number of minutes in (0, " +
             std::to_string(static_cast<int>(kMaxKeepLastMinutes)) + "]";
    return false;
  }
  *out = v;
  return true;
}

}  // namespace

std::optional<RecordOptions> takeRecordOptions(std::vector<std::string>& args, std::string* error) {
  RecordOptions out;
  bool capGiven = false, lastGiven = false;
  std::vector<std::string> rest;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string name = args[i], value;
    const auto eq = name.find('=');
    const bool inlineValue = name.rfind("--", 0) == 0 && eq != std::string::npos;
    if (inlineValue) {
      value = name.substr(eq + 1);
      name.resize(eq);
    }
    const bool takesValue =
        name == "--record" || name == "--record-cap" || name == "--record-last" || name == "--hdr-log";
    if (name == "--record-overwrite") {
      out.overwrite = true;
      continue;
    }
    if (!takesValue) {
      rest.push_back(args[i]);
      continue;
    }
    if (!inlineValue) {
      if (i + 1 >= args.size()) {
        *error = name + ": missing value";
        return std::nullopt;
      }
      value = args[++i];
    }
    if (name == "--record" || name == "--hdr-log") {
      if (value.empty()) {
        *error = name + ": the file name is empty";
        return std::nullopt;
      }
      (name == "--record" ? out.path : out.hdrLogPath) = value;
    } else if (name == "--record-cap") {
      const auto bytes = parseByteSize(value);
      if (!bytes || *bytes == 0 || *bytes > uint64_t{INT64_MAX}) {
        *error = "--record-cap: '" + value + "' is not a size such as 64M or 2G";
        return std::nullopt;
      }
      out.capBytes = static_cast<int64_t>(*bytes);
      capGiven = true;
    } else if (!parseMinutes(value, &out.keepLastMinutes, error)) {
      return std::nullopt;
    } else {
      lastGiven = true;
    }
  }
  if ((capGiven || lastGiven || out.overwrite) && out.path.empty()) {
    *error = std::string(capGiven ? "--record-cap" : lastGiven ? "--record-last" : "--record-overwrite") +
             " needs --record FILE";
    return std::nullopt;
  }
  args = std::move(rest);
  return out;
}

RecordingWriterOptions writerOptions(const RecordOptions& options) {
  RecordingWriterOptions out;
  out.sizeCapBytes = options.capBytes;
  out.keepLastNs = static_cast<int64_t>(options.keepLastMinutes * 60e9);
  out.ringMode = options.keepLastMinutes > 0;
  out.overwrite = options.overwrite;
  return out;
}

std::string recordUsage() {
  return
      "Recording (reactorscope-cli info / export read the file):\n"
      "  --record FILE               record the run (trace records, events, log, intervals) to FILE\n"
      "                              (docs/recording-format.md); a write error is reported, the run goes on\n"
      "  --record-cap B              store at most B bytes of trace blocks; with --record-last the\n"
      "                              oldest blocks make room, else newer ones are dropped and counted\n"
      "  --record-last MIN           ring: keep only the last MIN minutes of the run (by record time)\n"
      "  --record-overwrite          replace FILE if it exists (default: refuse)\n"
      "  --hdr-log FILE              client: write the latency as an HdrHistogram interval log (one\n"
      "                              histogram a second; HistogramLogProcessor reads it)\n";
}

}  // namespace rs::recording

#include "RecordingCommands.h"

#include <algorithm>
#include <charconv>
#include <climits>
#include <cmath>
#include <cstdio>
#include <optional>

#include "Exporter.h"
#include "HdrLogExport.h"
#include "RecordingReader.h"
#include "ChromeJsonWriter.h"  // jsonEscaped

namespace rs::cli {

namespace {

constexpr int kExitOk = 0, kExitFailed = 1, kExitUsage = 2;

int fail(int status, const std::string& message) {
  std::fprintf(stderr, "reactorscope-cli: %s\n", message.c_str());
  return status;
}

struct SessionFacts {
  recording::SessionSummary summary;
  recording::TimeSpan span;
  size_t events = 0, logLines = 0, intervals = 0;
};

// Everything `info` reports; false with *error when the file cannot be read.
bool collect(recording::RecordingReader& reader, std::vector<SessionFacts>& out, std::string* error) {
  for (const auto& s : reader.sessions()) {
    SessionFacts f;
    f.summary = s;
    std::vector<recording::EventInfo> events;
    std::vector<recording::LogEntry> log;
    std::vector<recording::ClientInterval> intervals;
    if (!reader.span(s.id, f.span, error) || !reader.events(s.id, events, error) ||
        !reader.log(s.id, INT64_MIN, INT64_MAX, log, error) ||
        !reader.clientIntervals(s.id, INT64_MIN, INT64_MAX, intervals, error))
      return false;
    f.events = events.size();
    f.logLines = log.size();
    f.intervals = intervals.size();
    out.push_back(std::move(f));
  }
  return true;
}

double spanSeconds(const recording::TimeSpan& span) {
  return span.empty ? 0 : static_cast<double>(span.lastNs - span.firstNs) / 1e9;
}

int runInfo(const std::vector<std::string>& args) {
  std::string path;
  bool json = false;
  for (const auto& a : args) {
    if (a == "--json") json = true;
    else if (a.rfind("--", 0) == 0) return fail(kExitUsage, "info: unknown option '" + a + "'");
    else if (path.empty()) path = a;
    else return fail(kExitUsage, "info: unexpected argument '" + a + "'");
  }
  if (path.empty()) return fail(kExitUsage, "info: missing the recording FILE");
  recording::RecordingReader reader;
  std::string error;
  std::vector<SessionFacts> sessions;
  if (!reader.open(path, &error) || !collect(reader, sessions, &error)) return fail(kExitFailed, error);
  const auto& meta = reader.meta();
  uint64_t records = 0, dropped = 0;
  for (const auto& s : sessions) {
    records += s.summary.recordCount;
    dropped += s.summary.droppedRecords;
  }
  if (json) {
    std::printf("{\"file\":\"%s\",\"format_version\":%d,\"app_version\":\"%s\",\"engine_version\":\"%s\","
                "\"created_utc\":\"%s\",\"records\":%llu,\"dropped_records\":%llu,\"sessions\":[",
                exporting::jsonEscaped(path).c_str(), meta.formatVersion,
                exporting::jsonEscaped(meta.appVersion).c_str(), exporting::jsonEscaped(meta.engineVersion).c_str(),
                exporting::jsonEscaped(meta.createdUtc).c_str(), static_cast<unsigned long long>(records),
                static_cast<unsigned long long>(std::max<uint64_t>(dropped, meta.droppedRecords)));
    for (size_t i = 0; i < sessions.size(); ++i) {
      const auto& s = sessions[i];
      std::printf("%s{\"id\":%lld,\"kind\":\"%s\",\"name\":\"%s\",\"pid\":%lld,\"settings\":\"%s\",\"ended\":%s,"
                  "\"first_ns\":%lld,\"last_ns\":%lld,\"span_s\":%.3f,\"records\":%llu,\"dropped_records\":%llu,"
                  "\"events\":%zu,\"log_lines\":%zu,\"client_intervals\":%zu}",
                  i ? "," : "", static_cast<long long>(s.summary.id),
                  exporting::jsonEscaped(s.summary.info.kind).c_str(),
                  exporting::jsonEscaped(s.summary.info.name).c_str(), static_cast<long long>(s.summary.info.pid),
                  exporting::jsonEscaped(s.summary.info.settings).c_str(), s.summary.endNs ? "true" : "false",
                  static_cast<long long>(s.span.empty ? 0 : s.span.firstNs),
                  static_cast<long long>(s.span.empty ? 0 : s.span.lastNs), spanSeconds(s.span),
                  static_cast<unsigned long long>(s.summary.recordCount),
                  static_cast<unsigned long long>(s.summary.droppedRecords), s.events, s.logLines, s.intervals);
    }
    std::printf("]}\n");
    return kExitOk;
  }
  std::printf("%s: ReactorScope recording, format %d, app %s, created %s\n", path.c_str(), meta.formatVersion,
              meta.appVersion.c_str(), meta.createdUtc.c_str());
  std::printf("%zu session(s), %llu trace records, %llu dropped\n", sessions.size(),
              static_cast<unsigned long long>(records),
              static_cast<unsigned long long>(std::max<uint64_t>(dropped, meta.droppedRecords)));
  for (const auto& s : sessions) {
    std::printf("  session %lld: %s '%s' (pid %lld)%s\n", static_cast<long long>(s.summary.id),
                s.summary.info.kind.c_str(), s.summary.info.name.c_str(), static_cast<long long>(s.summary.info.pid),
                s.summary.endNs ? "" : ", not ended (the writer stopped early)");
    std::printf("    span %.3f s, %llu records, %llu dropped, %zu events, %zu log lines, %zu client intervals\n",
                spanSeconds(s.span), static_cast<unsigned long long>(s.summary.recordCount),
                static_cast<unsigned long long>(s.summary.droppedRecords), s.events, s.logLines, s.intervals);
    if (!s.summary.info.settings.empty()) std::printf("    settings: %s\n", s.summary.info.settings.c_str());
  }
  return kExitOk;
}

std::optional<double> parseSeconds(const std::string& text) {
  double v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || p != text.data() + text.size() || !std::isfinite(v) || v < 0 ||
      v > 1e9)
    return std::nullopt;
  return v;
}

int runExport(const std::vector<std::string>& args) {
  std::string path, out, formatText;
  std::optional<double> fromSec, toSec;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    const bool takesValue = a == "--format" || a == "-o" || a == "--output" || a == "--from" || a == "--to";
    if (takesValue && i + 1 >= args.size()) return fail(kExitUsage, "export: " + a + ": missing value");
    if (a == "--format") formatText = args[++i];
    else if (a == "-o" || a == "--output") out = args[++i];
    else if (a == "--from" || a == "--to") {
      const auto v = parseSeconds(args[++i]);
      if (!v) return fail(kExitUsage, "export: " + a + ": '" + args[i] + "' is not a number of seconds >= 0");
      (a == "--from" ? fromSec : toSec) = v;
    } else if (a.rfind("-", 0) == 0) return fail(kExitUsage, "export: unknown option '" + a + "'");
    else if (path.empty()) path = a;
    else return fail(kExitUsage, "export: unexpected argument '" + a + "'");
  }
  if (path.empty()) return fail(kExitUsage, "export: missing the recording FILE");
  const auto format = exporting::parseExportFormat(formatText);
  if (!format && formatText != "hdr-log")
    return fail(kExitUsage, formatText.empty() ? "export: missing --format perfetto|chrome-json|hdr-log"
                                               : "export: --format '" + formatText +
                                                     "' is not one of perfetto, chrome-json, hdr-log");
  if (out.empty()) return fail(kExitUsage, "export: missing -o OUT");
  if (!format) {  // hdr-log: the client intervals' latency histograms, every one
    if (fromSec || toSec) return fail(kExitUsage, "export: --format hdr-log takes no --from/--to (it writes every interval)");
    uint64_t intervals = 0;
    std::string error;
    if (!exportHdrLog(path, out, &intervals, &error)) return fail(kExitFailed, error);
    std::fprintf(stderr, "reactorscope-cli: exported %llu latency intervals to %s\n",
                 static_cast<unsigned long long>(intervals), out.c_str());
    return kExitOk;
  }
  if (fromSec && toSec && *toSec < *fromSec) return fail(kExitUsage, "export: --to is before --from");
  exporting::ExportRange range;
  if (std::string error; !exporting::rangeFromOffsets(path, fromSec, toSec, &range, &error))
    return fail(kExitFailed, error);
  exporting::WalkCounts counts;
  std::string error;
  if (!exporting::exportRecording(path, *format, out, range, &counts, &error)) return fail(kExitFailed, error);
  std::fprintf(stderr,
               "reactorscope-cli: exported %llu records to %s: %llu tracks, %llu slices, %llu flows, %llu counter "
               "values\n",
               static_cast<unsigned long long>(counts.records), out.c_str(),
               static_cast<unsigned long long>(counts.tracks), static_cast<unsigned long long>(counts.slices),
               static_cast<unsigned long long>(counts.flows), static_cast<unsigned long long>(counts.counterValues));
  if (!counts.shortSessions.empty()) std::fprintf(stderr, "reactorscope-cli: warning: %s\n", counts.shortSessions.c_str());
  return kExitOk;
}

}  // namespace

int runRecordingCommand(const std::string& verb, const std::vector<std::string>& args) {
  return verb == "info" ? runInfo(args) : runExport(args);
}

std::string recordingCommandsUsage() {
  return "Recordings (server|client ... --record FILE; see their --help):\n"
         "  reactorscope-cli info FILE [--json]      sessions, span, counts and drops\n"
         "  reactorscope-cli export FILE --format perfetto|chrome-json -o OUT [--from S] [--to S]\n"
         "                                           a Perfetto trace or Chrome trace-event JSON;\n"
         "                                           --from/--to: seconds from the first record\n"
         "  reactorscope-cli export FILE --format hdr-log -o OUT\n"
         "                                           the client's latency, an HdrHistogram interval log\n";
}

}  // namespace rs::cli

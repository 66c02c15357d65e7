#include "HdrLogExport.h"

#include <climits>
#include <cstdlib>
#include <ctime>

#include "Exporter.h"
#include "HdrHistogramLog.h"
#include "RecordingReader.h"

namespace rs::cli {
namespace {

// The text after "key": in one interval object of IntervalJson.h's form (flat, no
// nested objects; strings hold no quotes). Empty when the key is absent.
std::string field(const std::string& json, const std::string& key) {
  const std::string needle = "\"" + key + "\":";
  const size_t at = json.find(needle);
  if (at == std::string::npos) return "";
  size_t begin = at + needle.size();
  if (begin < json.size() && json[begin] == '"') {
    const size_t end = json.find('"', begin + 1);
    return end == std::string::npos ? "" : json.substr(begin + 1, end - begin - 1);
  }
  size_t end = begin;
  while (end < json.size() && json[end] != ',' && json[end] != '}') ++end;
  return json.substr(begin, end - begin);
}

double epochOf(const std::string& createdUtc) {
  std::tm utc{};
  if (!strptime(createdUtc.c_str(), "%Y-%m-%dT%H:%M:%SZ", &utc)) return 0;
  return static_cast<double>(timegm(&utc));
}

}  // namespace

bool exportHdrLog(const std::string& recordingPath, const std::string& outPath, uint64_t* intervals,
                  std::string* error) {
  recording::RecordingReader reader;
  if (!reader.open(recordingPath, error)) return false;
  exporting::ExportOutput output;  // (opened at the first interval: a recording without any writes nothing)
  recording::HdrIntervalLogWriter log;
  for (const auto& s : reader.sessions()) {
    std::vector<recording::ClientInterval> rows;
    if (!reader.clientIntervals(s.id, INT64_MIN, INT64_MAX, rows, error)) return false;
    for (const auto& row : rows) {
      const std::string hdr = field(row.json, "hdr");
      if (hdr.empty()) continue;
      if (!log.isOpen()) {
        if (!output.open(recordingPath, outPath, error)) return false;
        log.attach(output.file(), outPath, epochOf(reader.meta().createdUtc), "reactorscope-cli export " + recordingPath);
      }
      const double start = std::strtod(field(row.json, "start_s").c_str(), nullptr);
      const double end = std::strtod(field(row.json, "end_s").c_str(), nullptr);
      log.interval(s.info.kind + "#" + std::to_string(s.id), start, end - start,
                   std::strtoll(field(row.json, "max_ns").c_str(), nullptr, 10), hdr);
    }
  }
  if (!log.isOpen()) {
    *error = "recording '" + recordingPath +
             "' holds no latency histograms (no client session recorded with this version's --record)";
    return false;
  }
  *intervals = log.intervalsWritten();
  return output.finish(log.close(error), error);
}

}  // namespace rs::cli

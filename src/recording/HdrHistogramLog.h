// Latency in HdrHistogram's interval-log format (what wrk2, tcpkali and
// HdrHistogram's HistogramLogProcessor read): a header, then one line per interval
//   Tag=<tag>,<start s>,<length s>,<max / MaxValueDivisor>,<BASE64(compressed histogram)>
// The histogram is HdrHistogram's V2 compressed encoding (big-endian):
//   cookie 0x1c849314, length of the zlib stream, zlib(deflate) of
//     cookie 0x1c849313, payload length, normalizing index offset 0, significant
//     digits, lowest discernible value, highest trackable value, conversion ratio
//     1.0 (a 40-byte header), then the counts from index 0 to the max's index as
//     ZigZag LEB128 varints, a run of n >= 2 empty counts as -n.
// Values are nanoseconds (MaxValueDivisor 1e6: the max column is in ms, as
// HistogramLogProcessor's default unit ratio assumes). The layout: lowest 1 ns,
// highest 60 s, 3 significant digits (kHdr* below). A LatencyHistogram bucket is
// recorded at its midpoint kept inside [min, max] (LatencyHistogram.h's percentile
// convention), so percentiles read back agree with the run's own report to within
// a bucket (0.4 %) plus HdrHistogram's 0.1 %.
// Thread contract: pure functions; HdrIntervalLogWriter is one thread's.
#pragma once
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "workload/LatencyHistogram.h"

namespace rs::recording {

constexpr int64_t kHdrLowestNs = 1;  // 1 ns units: 3 digits at every value (1 000 would make 512 ns units)
constexpr int64_t kHdrHighestNs = 60'000'000'000;
constexpr int kHdrSignificantDigits = 3;
constexpr uint32_t kHdrCompressedCookie = 0x1c849314;
constexpr uint32_t kHdrEncodingCookie = 0x1c849313;

// The V2 compressed encoding of h (empty h: a histogram with no counts).
std::vector<uint8_t> hdrCompressed(const LatencyHistogram& h);
std::string base64(const std::vector<uint8_t>& bytes);
inline std::string hdrCompressedBase64(const LatencyHistogram& h) { return base64(hdrCompressed(h)); }

// Writes an interval log to a file. open() writes the header ("#[StartTime: ...]",
// "#[BaseTime: ...]" both = startEpochSec, "#[MaxValueDivisor: 1000000.0]", the
// legend); interval() one line, start relative to BaseTime. Write errors are kept:
// close() reports the first ("cannot write FILE: why").
class HdrIntervalLogWriter {
 public:
  HdrIntervalLogWriter() = default;
  ~HdrIntervalLogWriter();
  HdrIntervalLogWriter(const HdrIntervalLogWriter&) = delete;
  HdrIntervalLogWriter& operator=(const HdrIntervalLogWriter&) = delete;

  // False with *error when the file cannot be created.
  bool open(const std::string& path, double startEpochSec, const std::string& comment, std::string* error);
  // Writes to `file`, which stays the caller's (close() flushes it and reports
  // its errors, naming it `name`, but does not close it).
  void attach(std::FILE* file, const std::string& name, double startEpochSec, const std::string& comment);
  bool isOpen() const { return file_ != nullptr; }
  void interval(const std::string& tag, double startSec, double lengthSec, int64_t maxNs,
                const std::string& compressedBase64);
  uint64_t intervalsWritten() const { return intervals_; }
  // Flushes and closes; false with *error on any write error since open().
  bool close(std::string* error);

 private:
  void writeHeader(double startEpochSec, const std::string& comment);
  std::FILE* file_ = nullptr;
  bool ownsFile_ = false;
  std::string path_;
  uint64_t intervals_ = 0;
};

}  // namespace rs::recording

#include "HdrHistogramLog.h"

#include <zlib.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>
#include <ctime>

namespace rs::recording {
namespace {

// HdrHistogram's bucket layout for (kHdrLowestNs, kHdrHighestNs, kHdrSignificantDigits).
struct HdrLayout {
  int unitMagnitude = 0;           // floor(log2(lowest))
  int subBucketHalfCountMagnitude = 0;
  int64_t subBucketHalfCount = 0;
  int64_t subBucketMask = 0;

  HdrLayout() {
    int64_t largestSingleUnitResolution = 2;
    for (int d = 0; d < kHdrSignificantDigits; ++d) largestSingleUnitResolution *= 10;
    // sub-bucket count: the power of two at or above 2 * 10^digits
    const int subBucketCountMagnitude = static_cast<int>(std::bit_width(static_cast<uint64_t>(largestSingleUnitResolution - 1)));
    subBucketHalfCountMagnitude = std::max(subBucketCountMagnitude, 1) - 1;
    unitMagnitude = static_cast<int>(std::bit_width(static_cast<uint64_t>(kHdrLowestNs))) - 1;
    subBucketHalfCount = int64_t{1} << subBucketHalfCountMagnitude;
    subBucketMask = ((int64_t{1} << subBucketCountMagnitude) - 1) << unitMagnitude;
  }
  size_t indexOf(int64_t value) const {
    const int leadingZeroCountBase = 64 - unitMagnitude - subBucketHalfCountMagnitude - 1;
    const int bucket = leadingZeroCountBase - std::countl_zero(static_cast<uint64_t>(value | subBucketMask));
    const int64_t subBucket = value >> (bucket + unitMagnitude);
    return static_cast<size_t>((int64_t{bucket + 1} << subBucketHalfCountMagnitude) + (subBucket - subBucketHalfCount));
  }
};

void putBig32(std::vector<uint8_t>& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<uint8_t>(v >> shift));
}
void putBig64(std::vector<uint8_t>& out, uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<uint8_t>(v >> shift));
}

// HdrHistogram's LEB128-64b9B: 7 bits a byte for 8 bytes, the 9th carries 8 bits.
void putZigZag(std::vector<uint8_t>& out, int64_t signedValue) {
  uint64_t v = (static_cast<uint64_t>(signedValue) << 1) ^ static_cast<uint64_t>(signedValue >> 63);
  for (int i = 0; i < 8; ++i) {
    if (v < 0x80) {
      out.push_back(static_cast<uint8_t>(v));
      return;
    }
    out.push_back(static_cast<uint8_t>(v | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<uint8_t>(v));
}

}  // namespace

std::vector<uint8_t> hdrCompressed(const LatencyHistogram& h) {
  static const HdrLayout layout;
  // Each of our buckets at its representative value (the percentile convention's).
  std::vector<int64_t> counts;
  h.forEachBucket([&](int64_t lowNs, int64_t highNs, uint64_t count) {
    const int64_t value = std::clamp((lowNs + highNs) / 2, h.min(), h.max());
    const size_t index = layout.indexOf(std::clamp(value, int64_t{0}, kHdrHighestNs));
    if (counts.size() <= index) counts.resize(index + 1, 0);
    counts[index] += static_cast<int64_t>(count);
  });
  std::vector<uint8_t> payload;
  for (size_t i = 0; i < counts.size();) {
    size_t zeros = 0;
    while (i + zeros < counts.size() && counts[i + zeros] == 0) ++zeros;
    if (zeros >= 2) {
      putZigZag(payload, -static_cast<int64_t>(zeros));
      i += zeros;
    } else {
      putZigZag(payload, counts[i]);
      ++i;
    }
  }
  std::vector<uint8_t> plain;
  putBig32(plain, kHdrEncodingCookie);
  putBig32(plain, static_cast<uint32_t>(payload.size()));
  putBig32(plain, 0);  // normalizing index offset
  putBig32(plain, kHdrSignificantDigits);
  putBig64(plain, static_cast<uint64_t>(kHdrLowestNs));
  putBig64(plain, static_cast<uint64_t>(kHdrHighestNs));
  double ratio = 1.0;
  uint64_t ratioBits = 0;
  std::memcpy(&ratioBits, &ratio, sizeof ratioBits);
  putBig64(plain, ratioBits);
  plain.insert(plain.end(), payload.begin(), payload.end());

  uLongf packedSize = compressBound(static_cast<uLong>(plain.size()));
  std::vector<uint8_t> out;
  putBig32(out, kHdrCompressedCookie);
  putBig32(out, 0);  // the zlib stream's length, below
  out.resize(8 + packedSize);
  // compress2 writes a zlib (RFC 1950) stream: what HdrHistogram's Deflater/Inflater use.
  if (compress2(out.data() + 8, &packedSize, plain.data(), static_cast<uLong>(plain.size()), Z_DEFAULT_COMPRESSION) !=
      Z_OK)
    return {};  // cannot happen with compressBound bytes of room
  out.resize(8 + packedSize);
  for (int i = 0; i < 4; ++i) out[4 + static_cast<size_t>(i)] = static_cast<uint8_t>(packedSize >> (24 - 8 * i));
  return out;
}

std::string base64(const std::vector<uint8_t>& bytes) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (size_t i = 0; i < bytes.size(); i += 3) {
    const size_t n = std::min<size_t>(3, bytes.size() - i);
    uint32_t v = uint32_t{bytes[i]} << 16;
    if (n > 1) v |= uint32_t{bytes[i + 1]} << 8;
    if (n > 2) v |= bytes[i + 2];
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += n > 1 ? kAlphabet[(v >> 6) & 63] : '=';
    out += n > 2 ? kAlphabet[v & 63] : '=';
  }
  return out;
}

HdrIntervalLogWriter::~HdrIntervalLogWriter() {
  if (file_ && ownsFile_) std::fclose(file_);
}

bool HdrIntervalLogWriter::open(const std::string& path, double startEpochSec, const std::string& comment,
                                std::string* error) {
  path_ = path;
  file_ = std::fopen(path.c_str(), "w");
  if (!file_) {
    if (error) *error = "cannot create " + path + ": " + std::strerror(errno);
    return false;
  }
  ownsFile_ = true;
  writeHeader(startEpochSec, comment);
  return true;
}

void HdrIntervalLogWriter::attach(std::FILE* file, const std::string& name, double startEpochSec,
                                  const std::string& comment) {
  path_ = name;
  file_ = file;
  ownsFile_ = false;
  writeHeader(startEpochSec, comment);
}

void HdrIntervalLogWriter::writeHeader(double startEpochSec, const std::string& comment) {
  const auto seconds = static_cast<std::time_t>(startEpochSec);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char when[64];
  std::strftime(when, sizeof when, "%a %b %d %H:%M:%S UTC %Y", &utc);
  if (!comment.empty()) std::fprintf(file_, "#%s\n", comment.c_str());
  std::fprintf(file_, "#[Histogram log format version 1.3]\n");
  std::fprintf(file_, "#[StartTime: %.3f (seconds since epoch), %s]\n", startEpochSec, when);
  std::fprintf(file_, "#[BaseTime: %.3f (seconds since epoch)]\n", startEpochSec);
  std::fprintf(file_, "#[MaxValueDivisor: 1000000.0]\n");
  std::fprintf(file_, "\"StartTimestamp\",\"Interval_Length\",\"Interval_Max\",\"Interval_Compressed_Histogram\"\n");
}

void HdrIntervalLogWriter::interval(const std::string& tag, double startSec, double lengthSec, int64_t maxNs,
                                    const std::string& compressedBase64) {
  if (!file_) return;
  // A tag is one field: no commas or white space.
  std::string field = tag;
  std::replace_if(field.begin(), field.end(), [](char c) { return c == ',' || c == ' ' || c == '\t' || c == '\n'; },
                  '_');
  if (!field.empty()) std::fprintf(file_, "Tag=%s,", field.c_str());
  std::fprintf(file_, "%.3f,%.3f,%.3f,%s\n", startSec, lengthSec, static_cast<double>(maxNs) / 1e6,
               compressedBase64.c_str());
  ++intervals_;
}

bool HdrIntervalLogWriter::close(std::string* error) {
  if (!file_) return true;
  const bool failed = std::fflush(file_) != 0 || std::ferror(file_) != 0;
  const int savedErrno = errno;
  const bool closed = ownsFile_ ? std::fclose(file_) == 0 : true;
  file_ = nullptr;
  if (!failed && closed) return true;
  if (error) *error = "cannot write " + path_ + ": " + std::strerror(failed ? savedErrno : errno);
  return false;
}

}  // namespace rs::recording

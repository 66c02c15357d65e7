// An independent reader of HdrHistogram interval logs for the tests, written from
// the format's documentation (HdrHistogram's "Encoded Histogram format" and the
// HistogramLogReader's line format), sharing no code with src/recording/HdrHistogramLog:
// base64 -> V2 compressed header (cookie with the word-size nibble masked) -> zlib
// inflate -> 40-byte header -> ZigZag LEB128 counts (negative = a run of zeros) ->
// values from HdrHistogram's index layout. Header-only; test code.
#pragma once
#include <zlib.h>

#include <QByteArray>
#include <QString>
#include <QStringList>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace rs::test {

struct DecodedHdr {
  std::string error;  // empty when decoded
  int32_t significantDigits = 0;
  int64_t lowest = 0, highest = 0;
  std::vector<std::pair<int64_t, uint64_t>> counts;  // (lowest value of the index, count), ascending
  uint64_t total = 0;

  // Nearest rank: the lowest value of the index holding the ceil(p/100 * total)-th value.
  int64_t percentile(double p) const {
    uint64_t rank = static_cast<uint64_t>(p / 100.0 * static_cast<double>(total) + 0.999999);
    if (rank < 1) rank = 1;
    uint64_t seen = 0;
    for (const auto& [value, count] : counts) {
      seen += count;
      if (seen >= rank) return value;
    }
    return counts.empty() ? 0 : counts.back().first;
  }
};

inline uint32_t be32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}
inline uint64_t be64(const uint8_t* p) { return (uint64_t{be32(p)} << 32) | be32(p + 4); }

inline DecodedHdr decodeHdrBase64(const QString& text) {
  DecodedHdr d;
  const QByteArray raw = QByteArray::fromBase64(text.toLatin1());
  const auto* p = reinterpret_cast<const uint8_t*>(raw.constData());
  if (raw.size() < 8) return d.error = "shorter than the compressed header", d;
  if ((be32(p) & ~0xf0u) != 0x1c849304u) return d.error = "not a V2 compressed cookie", d;
  const uint32_t packed = be32(p + 4);
  if (packed != static_cast<uint32_t>(raw.size()) - 8) return d.error = "compressed length mismatch", d;
  std::vector<uint8_t> plain(1 << 20);
  uLongf plainSize = static_cast<uLongf>(plain.size());
  if (uncompress(plain.data(), &plainSize, p + 8, packed) != Z_OK) return d.error = "inflate failed", d;
  plain.resize(plainSize);
  if (plain.size() < 40) return d.error = "shorter than the encoding header", d;
  const uint8_t* h = plain.data();
  if ((be32(h) & ~0xf0u) != 0x1c849303u) return d.error = "not a V2 encoding cookie", d;
  const uint32_t payload = be32(h + 4);
  if (be32(h + 8) != 0) return d.error = "normalizing offset not 0", d;
  d.significantDigits = static_cast<int32_t>(be32(h + 12));
  d.lowest = static_cast<int64_t>(be64(h + 16));
  d.highest = static_cast<int64_t>(be64(h + 24));
  const uint64_t ratioBits = be64(h + 32);
  double ratio = 0;
  std::memcpy(&ratio, &ratioBits, sizeof ratio);
  if (ratio != 1.0) return d.error = "conversion ratio not 1.0", d;
  if (payload != plain.size() - 40) return d.error = "payload length mismatch", d;
  // The layout: sub-bucket count = the power of two >= 2 * 10^digits.
  int64_t single = 2;
  for (int i = 0; i < d.significantDigits; ++i) single *= 10;
  int countMagnitude = 0;
  while ((int64_t{1} << countMagnitude) < single) ++countMagnitude;
  const int halfMagnitude = countMagnitude - 1;
  const int64_t halfCount = int64_t{1} << halfMagnitude;
  int unitMagnitude = 0;
  while ((int64_t{2} << unitMagnitude) <= d.lowest) ++unitMagnitude;
  const auto valueOf = [&](int64_t index) {
    int64_t bucket = (index >> halfMagnitude) - 1;
    int64_t sub = (index & (halfCount - 1)) + halfCount;
    if (bucket < 0) {
      sub -= halfCount;
      bucket = 0;
    }
    return sub << (bucket + unitMagnitude);
  };
  int64_t index = 0;
  for (size_t at = 40; at < plain.size();) {
    uint64_t v = 0;
    int shift = 0;
    for (int i = 0;; ++i) {
      if (at >= plain.size()) return d.error = "a varint runs past the payload", d;
      const uint8_t byte = plain[at++];
      if (i == 8) {
        v |= uint64_t{byte} << 56;
        break;
      }
      v |= uint64_t{byte & 0x7fu} << shift;
      shift += 7;
      if (byte < 0x80) break;
    }
    const int64_t count = static_cast<int64_t>((v >> 1) ^ (0 - (v & 1)));
    if (count < 0) {
      index += -count;
    } else {
      if (count > 0) d.counts.push_back({valueOf(index), static_cast<uint64_t>(count)});
      d.total += static_cast<uint64_t>(count);
      ++index;
    }
  }
  return d;
}

// One interval line of a log: "[Tag=T,]start,length,max,histogram".
struct HdrLogLine {
  QString tag;
  double startSec = 0, lengthSec = 0, max = 0;
  QString histogram;
};

// The interval lines of a log's text; *headers gets the "#[...]" lines.
inline std::vector<HdrLogLine> parseHdrLog(const QString& text, QStringList* headers, QString* legend) {
  std::vector<HdrLogLine> out;
  for (const QString& line : text.split('\n', Qt::SkipEmptyParts)) {
    if (line.startsWith('#')) {
      headers->push_back(line);
      continue;
    }
    if (line.startsWith("\"StartTimestamp\"")) {
      *legend = line;
      continue;
    }
    QStringList f = line.split(',');
    HdrLogLine l;
    if (!f.isEmpty() && f[0].startsWith("Tag=")) l.tag = f.takeFirst().mid(4);
    if (f.size() != 4) continue;
    l.startSec = f[0].toDouble();
    l.lengthSec = f[1].toDouble();
    l.max = f[2].toDouble();
    l.histogram = f[3];
    out.push_back(l);
  }
  return out;
}

}  // namespace rs::test

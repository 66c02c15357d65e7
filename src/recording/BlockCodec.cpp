#include "BlockCodec.h"

#include <zstd.h>

#include <cstring>

namespace rs::recording {
namespace {

constexpr unsigned char kMagic[4] = {'R', 'S', 'B', '1'};
// Six varints of at most 10 bytes each: no valid block has more column bytes per record.
constexpr uint64_t kMaxColumnBytesPerRecord = 60;

// The small fields of a record in one value: type 3 bits, kind 2, from 2, to 2,
// cause 4, buffer 4, flags 16 (33 bits; a varint of 1-5 bytes).
uint64_t packSmallFields(const TraceRecord& r) {
  return uint64_t{static_cast<uint8_t>(r.type)} | (uint64_t{static_cast<uint8_t>(r.kind)} << 3) |
         (uint64_t{static_cast<uint8_t>(r.from)} << 5) | (uint64_t{static_cast<uint8_t>(r.to)} << 7) |
         (uint64_t{static_cast<uint8_t>(r.cause)} << 9) | (uint64_t{static_cast<uint8_t>(r.buffer)} << 13) |
         (uint64_t{static_cast<uint16_t>(r.flags)} << 17);
}

// The one range rule for the small fields (packing needs them; readers index tables by them).
bool smallFieldsInRange(const TraceRecord& r) {
  return static_cast<uint8_t>(r.type) < static_cast<uint8_t>(TraceType::Count) &&
         static_cast<uint8_t>(r.kind) <= static_cast<uint8_t>(EventKind::Internal) &&
         static_cast<uint8_t>(r.from) <= static_cast<uint8_t>(EventState::Active) &&
         static_cast<uint8_t>(r.to) <= static_cast<uint8_t>(EventState::Active) &&
         static_cast<uint8_t>(r.cause) < static_cast<uint8_t>(TraceCause::Count) &&
         static_cast<uint8_t>(r.buffer) < static_cast<uint8_t>(BufferId::Count);
}

void unpackSmallFields(uint64_t v, TraceRecord& r) {
  r.type = static_cast<TraceType>(v & 0x7);
  r.kind = static_cast<EventKind>((v >> 3) & 0x3);
  r.from = static_cast<EventState>((v >> 5) & 0x3);
  r.to = static_cast<EventState>((v >> 7) & 0x3);
  r.cause = static_cast<TraceCause>((v >> 9) & 0xf);
  r.buffer = static_cast<BufferId>((v >> 13) & 0xf);
  r.flags = static_cast<int16_t>(static_cast<uint16_t>(v >> 17));
}

uint64_t zigzag(uint64_t delta) {  // delta is a two's-complement int64 carried unsigned
  return (delta << 1) ^ (0 - (delta >> 63));
}
uint64_t unzigzag(uint64_t v) { return (v >> 1) ^ (0 - (v & 1)); }

void putVarint(std::vector<uint8_t>& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<uint8_t>(v | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<uint8_t>(v));
}

void putLe32(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}
uint32_t getLe32(const uint8_t* p) {
  return uint32_t{p[0]} | (uint32_t{p[1]} << 8) | (uint32_t{p[2]} << 16) | (uint32_t{p[3]} << 24);
}

// Bounds-checked varint reader over the decompressed columns.
class ColumnReader {
 public:
  ColumnReader(const uint8_t* data, size_t size) : p_(data), end_(data + size) {}
  bool next(uint64_t& v) {
    v = 0;
    for (unsigned shift = 0; shift < 64; shift += 7) {
      if (p_ == end_) return false;
      const uint8_t byte = *p_++;
      if (shift == 63 && byte > 1) return false;  // more than 64 bits
      v |= uint64_t{byte & 0x7fu} << shift;
      if (byte < 0x80) return true;
    }
    return false;
  }
  bool atEnd() const { return p_ == end_; }

 private:
  const uint8_t* p_;
  const uint8_t* end_;
};

bool fail(std::string* error, std::string message, std::vector<TraceRecord>& out) {
  out.clear();
  if (error) *error = "bad block: " + std::move(message);
  return false;
}

}  // namespace

struct BlockCodec::Contexts {
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  ZSTD_DCtx* dctx = ZSTD_createDCtx();
  ~Contexts() {
    ZSTD_freeCCtx(cctx);
    ZSTD_freeDCtx(dctx);
  }
};

BlockCodec::BlockCodec(int zstdLevel) : contexts_(std::make_unique<Contexts>()), zstdLevel_(zstdLevel) {}
BlockCodec::~BlockCodec() = default;

bool BlockCodec::encode(const TraceRecord* records, size_t count, std::vector<uint8_t>& out) {
  out.clear();
  if (count > kMaxRecordsPerBlock) return false;
  columns_.clear();
  columns_.reserve(count * 16);
  // Column by column: each delta chain starts from 0.
  uint64_t prev = 0;
  for (size_t i = 0; i < count; ++i) {
    const auto ts = static_cast<uint64_t>(records[i].tsNs);
    putVarint(columns_, zigzag(ts - prev));
    prev = ts;
  }
  prev = 0;
  for (size_t i = 0; i < count; ++i) {
    putVarint(columns_, zigzag(records[i].eventId - prev));
    prev = records[i].eventId;
  }
  for (size_t i = 0; i < count; ++i) putVarint(columns_, zigzag(static_cast<uint64_t>(records[i].value)));
  prev = 0;
  for (size_t i = 0; i < count; ++i) {
    putVarint(columns_, zigzag(uint64_t{records[i].owner} - prev));
    prev = records[i].owner;
  }
  prev = 0;
  for (size_t i = 0; i < count; ++i) {
    const auto fd = static_cast<uint64_t>(int64_t{records[i].fd});
    putVarint(columns_, zigzag(fd - prev));
    prev = fd;
  }
  for (size_t i = 0; i < count; ++i) {
    if (!smallFieldsInRange(records[i])) return false;
    putVarint(columns_, packSmallFields(records[i]));
  }

  const size_t bound = ZSTD_compressBound(columns_.size());
  out.resize(kHeaderBytes + bound);
  std::memcpy(out.data(), kMagic, 4);
  putLe32(out.data() + 4, static_cast<uint32_t>(count));
  putLe32(out.data() + 8, static_cast<uint32_t>(columns_.size()));
  putLe32(out.data() + 12, 0);
  // Each frame carries zstd's content checksum: a flipped bit in a stored
  // block is refused when read instead of decoded into other records.
  ZSTD_CCtx_setParameter(contexts_->cctx, ZSTD_c_compressionLevel, zstdLevel_);
  ZSTD_CCtx_setParameter(contexts_->cctx, ZSTD_c_checksumFlag, 1);
  const size_t packed = ZSTD_compress2(contexts_->cctx, out.data() + kHeaderBytes, bound, columns_.data(),
                                       columns_.size());
  if (ZSTD_isError(packed)) {  // cannot happen with ZSTD_compressBound bytes of room
    out.clear();
    return false;
  }
  out.resize(kHeaderBytes + packed);
  return true;
}

bool BlockCodec::decode(const uint8_t* data, size_t size, std::vector<TraceRecord>& out, std::string* error) {
  if (size < kHeaderBytes)
    return fail(error, "truncated header (" + std::to_string(size) + " bytes, the header is 16)", out);
  if (std::memcmp(data, kMagic, 4) != 0) return fail(error, "no 'RSB1' magic (not a codec-1 block)", out);
  const uint32_t count = getLe32(data + 4);
  const uint32_t columnBytes = getLe32(data + 8);
  if (getLe32(data + 12) != 0) return fail(error, "reserved header word is not 0", out);
  if (count > kMaxRecordsPerBlock)
    return fail(error, "record count " + std::to_string(count) + " exceeds the limit " +
                           std::to_string(kMaxRecordsPerBlock),
                out);
  if (columnBytes > uint64_t{count} * kMaxColumnBytesPerRecord || columnBytes < count * 6ull)
    return fail(error, "column size " + std::to_string(columnBytes) + " impossible for " + std::to_string(count) +
                           " records",
                out);
  const uint8_t* frame = data + kHeaderBytes;
  const size_t frameBytes = size - kHeaderBytes;
  const size_t frameSize = ZSTD_findFrameCompressedSize(frame, frameBytes);
  if (ZSTD_isError(frameSize))
    return fail(error, std::string("compressed payload: ") + ZSTD_getErrorName(frameSize), out);
  if (frameSize != frameBytes)
    return fail(error, std::to_string(frameBytes - frameSize) + " trailing bytes after the compressed payload", out);
  const unsigned long long declared = ZSTD_getFrameContentSize(frame, frameBytes);
  if (declared != columnBytes)
    return fail(error, "compressed payload declares a size other than the header's " + std::to_string(columnBytes),
                out);
  columns_.resize(columnBytes);
  const size_t got = ZSTD_decompressDCtx(contexts_->dctx, columns_.data(), columns_.size(), frame, frameBytes);
  if (ZSTD_isError(got)) return fail(error, std::string("compressed payload: ") + ZSTD_getErrorName(got), out);
  if (got != columnBytes) return fail(error, "compressed payload is shorter than its declared size", out);

  out.assign(count, TraceRecord{});
  ColumnReader in(columns_.data(), columns_.size());
  uint64_t v = 0, prev = 0;
  const auto column = [&](const char* name, auto&& store, bool delta) {
    prev = 0;
    for (uint32_t i = 0; i < count; ++i) {
      if (!in.next(v)) return fail(error, std::string("column '") + name + "' ends early or holds a bad varint", out);
      if (!store(out[i], delta ? (prev += unzigzag(v)) : v)) {
        return fail(error, std::string("column '") + name + "' holds an out-of-range value at record " +
                               std::to_string(i),
                    out);
      }
    }
    return true;
  };
  const bool ok =
      column("ts", [](TraceRecord& r, uint64_t x) { r.tsNs = static_cast<int64_t>(x); return true; }, true) &&
      column("event id", [](TraceRecord& r, uint64_t x) { r.eventId = x; return true; }, true) &&
      column("value", [](TraceRecord& r, uint64_t x) { r.value = static_cast<int64_t>(unzigzag(x)); return true; },
             false) &&
      column("owner",
             [](TraceRecord& r, uint64_t x) {
               r.owner = static_cast<uint32_t>(x);
               return x <= UINT32_MAX;
             },
             true) &&
      column("fd",
             [](TraceRecord& r, uint64_t x) {
               const auto fd = static_cast<int64_t>(x);
               r.fd = static_cast<int32_t>(fd);
               return fd >= INT32_MIN && fd <= INT32_MAX;
             },
             true) &&
      column("small fields",
             [](TraceRecord& r, uint64_t x) {
               unpackSmallFields(x, r);
               return x < (uint64_t{1} << 33) && smallFieldsInRange(r);
             },
             false);
  if (!ok) return false;
  if (!in.atEnd()) return fail(error, "bytes left over after the last column", out);
  return true;
}

bool BlockCodec::isEncodable(const TraceRecord& record) { return smallFieldsInRange(record); }

}  // namespace rs::recording

// One block of trace records <-> the bytes stored in `blocks.data`
// (docs/recording-format.md, "Block codec 1"). Encoding: a 16-byte header, then a
// zstd frame of the records in columns (ts, event id, value, owner, fd, packed small
// fields), each value a zigzag varint, ts / event id / owner / fd as deltas from the
// previous record. decode() trusts nothing: every length, count, varint and enum
// value is checked, and a bad block gives one message saying what is wrong.
// Thread contract: stateless apart from an optional zstd context per instance; one
// instance per thread (encode/decode are not reentrant on one object).
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/Trace.h"

namespace rs::recording {

class BlockCodec {
 public:
  static constexpr uint32_t kCodecId = 1;                   // blocks.codec
  static constexpr uint32_t kMaxRecordsPerBlock = 1u << 20;  // decode rejects more
  static constexpr size_t kHeaderBytes = 16;

  explicit BlockCodec(int zstdLevel = 1);
  ~BlockCodec();
  BlockCodec(const BlockCodec&) = delete;
  BlockCodec& operator=(const BlockCodec&) = delete;

  // The one validity rule for a record's small fields (type, kind, states, cause,
  // buffer within their enums): encode() requires it, decode() checks it.
  static bool isEncodable(const TraceRecord& record);
  // Encodes count records into out (replaced). False (out empty) when count >
  // kMaxRecordsPerBlock or a record is not isEncodable.
  bool encode(const TraceRecord* records, size_t count, std::vector<uint8_t>& out);
  // Decodes one block into out (replaced). False with *error set (and out empty)
  // when the block is not a valid codec-1 block.
  bool decode(const uint8_t* data, size_t size, std::vector<TraceRecord>& out, std::string* error);

 private:
  struct Contexts;
  std::unique_ptr<Contexts> contexts_;
  int zstdLevel_;
  std::vector<uint8_t> columns_;  // scratch: the uncompressed columnar payload
};

}  // namespace rs::recording

// The recording block decoder (BlockCodec::decode) fed arbitrary bytes, as a
// hostile or corrupted recording would hand it. It must not crash, hit undefined
// behaviour or allocate without bound; on failure it leaves no records and says
// why; what it accepts holds only storable records and survives a re-encode and
// decode unchanged.
#include <cstring>
#include <string>
#include <vector>

#include "BlockCodec.h"
#include "FuzzCheck.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static rs::recording::BlockCodec codec;
  std::vector<rs::TraceRecord> records, again;
  std::vector<uint8_t> block;
  std::string error;
  if (!codec.decode(data, size, records, &error)) {
    FUZZ_CHECK(records.empty());
    FUZZ_CHECK(error.rfind("bad block: ", 0) == 0);
    return 0;
  }
  FUZZ_CHECK(records.size() <= rs::recording::BlockCodec::kMaxRecordsPerBlock);
  for (const auto& r : records) FUZZ_CHECK(rs::recording::BlockCodec::isEncodable(r));
  FUZZ_CHECK(codec.encode(records.data(), records.size(), block));
  FUZZ_CHECK(codec.decode(block.data(), block.size(), again, &error));
  FUZZ_CHECK(again.size() == records.size());
  FUZZ_CHECK(records.empty() || std::memcmp(again.data(), records.data(), records.size() * sizeof records[0]) == 0);
  return 0;
}

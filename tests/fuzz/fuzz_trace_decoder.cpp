// The live trace stream's decoder (src/live/TraceDecoder, docs/trace-protocol.md)
// fed arbitrary bytes in arbitrary pieces, through the text writer (so labels,
// symbol look-ups of hostile module paths and every record field are
// exercised). It must not crash or hit undefined behaviour; a refused stream
// always says why, and nothing is delivered after the refusal. The same bytes
// fed whole give the same messages and the same verdict (where a read cuts a
// frame never changes what is decoded).
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdio>
#include <string>

#include "FuzzCheck.h"
#include "live/TextTraceWriter.h"
#include "live/TraceDecoder.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  static std::FILE* sink = std::fopen("/dev/null", "w");
  rs::live::TraceDecoder decoder;
  rs::live::TextTraceWriter writer(sink);
  bool good = true;
  std::string all;
  while (in.remaining_bytes() > 0) {
    const size_t piece = in.ConsumeIntegralInRange<size_t>(1, 4096);
    const std::string bytes = in.ConsumeBytesAsString(piece);
    all += bytes;
    const uint64_t before = decoder.messages();
    const bool ok = decoder.feed(bytes.data(), bytes.size(), writer);
    if (!good) FUZZ_CHECK(!ok && decoder.messages() == before);
    if (!ok) FUZZ_CHECK(!decoder.error().empty());
    good = good && ok;
  }
  if (good && !decoder.finish()) FUZZ_CHECK(!decoder.error().empty());

  rs::live::TraceDecoder whole;
  if (whole.feed(all.data(), all.size(), writer)) whole.finish();
  FUZZ_CHECK(whole.messages() == decoder.messages());
  FUZZ_CHECK(whole.error() == decoder.error());
  return 0;
}

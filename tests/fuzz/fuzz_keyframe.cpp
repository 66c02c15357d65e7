// A recording's keyframe blob (EventStates::decode, docs/recording-format.md
// "Keyframe codec 1") fed arbitrary bytes, as a hostile recording would hand the
// replay. It must not crash, hit undefined behaviour or allocate without bound;
// on failure it says why and leaves the table as it was; what it accepts
// re-encodes to the same bytes.
#include <algorithm>
#include <string>
#include <vector>

#include "EventStates.h"
#include "FuzzCheck.h"
#include "Keyframes.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  rs::recording::EventStates states;
  std::string error;
  // The stored form first: a zstd frame around the table.
  std::vector<uint8_t> table;
  if (rs::recording::unpackKeyframe(data, size, table, &error)) {
    if (!states.decode(table.data(), table.size(), &error)) FUZZ_CHECK(error.rfind("bad keyframe: ", 0) == 0);
    states = rs::recording::EventStates();
  } else {
    FUZZ_CHECK(table.empty() && error.rfind("bad keyframe: ", 0) == 0);
  }
  if (!states.decode(data, size, &error)) {
    FUZZ_CHECK(error.rfind("bad keyframe: ", 0) == 0);
    FUZZ_CHECK(states.events().empty() && states.levels().empty());
    return 0;
  }
  const std::vector<uint8_t> again = states.encode();
  FUZZ_CHECK(again.size() == size && std::equal(again.begin(), again.end(), data));
  return 0;
}

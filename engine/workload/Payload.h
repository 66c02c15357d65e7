// Message payloads for the load client: a text repeated to the message size,
// hex bytes repeated, or seeded pseudo-random bytes. Every message is a pure
// function of (connection, sequence number), so echoes are verified byte by byte
// without keeping copies of what was sent.
// Thread contract: immutable after create(); safe from any thread.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "workload/LoadClient.h"

namespace rs {

class Payload {
 public:
  // Text: spec is the text (non-empty). Hex: "de ad be ef", "deadbeef",
  // "0xde,0xad" (pairs of hex digits; spaces, commas, colons and 0x prefixes
  // ignored). Random: spec ignored, bytes from `seed`.
  static std::optional<Payload> create(LoadClientConfig::PayloadKind kind, std::string_view spec,
                                       uint64_t seed, size_t messageSize, std::string* error);
  // Parses "text:...", "hex:..." or "random" (the CLI's --payload).
  static bool parseSpec(std::string_view text, LoadClientConfig::PayloadKind* kind,
                        std::string* spec, std::string* error);
  static std::optional<std::string> parseHex(std::string_view hex, std::string* error);

  size_t messageSize() const { return messageSize_; }
  // The messageSize() bytes of message `seq` on connection `conn`, contiguous.
  const char* message(uint32_t conn, uint64_t seq) const {
    return pool_.data() + offset(conn, seq);
  }

 private:
  size_t offset(uint32_t conn, uint64_t seq) const {
    if (window_ == 0) return 0;
    uint64_t x = (seq + 1) * 0x9E3779B97F4A7C15ull ^ (uint64_t{conn} << 32 | conn);
    x ^= x >> 29;
    return static_cast<size_t>(x % window_);
  }

  size_t messageSize_ = 0;
  size_t window_ = 0;  // distinct start offsets (random payloads only)
  std::string pool_;
};

}  // namespace rs

#include "workload/Payload.h"

#include <cctype>

namespace rs {

namespace {
uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

std::optional<std::string> Payload::parseHex(std::string_view hex, std::string* error) {
  std::string out;
  int pending = -1;
  for (size_t i = 0; i < hex.size(); ++i) {
    const char c = hex[i];
    if (c == ' ' || c == ',' || c == ':' || c == '\t') {
      if (pending >= 0) {
        if (error) *error = "invalid hex payload '" + std::string(hex) + "': odd number of digits in a byte";
        return std::nullopt;
      }
      continue;
    }
    if (c == '0' && i + 1 < hex.size() && (hex[i + 1] == 'x' || hex[i + 1] == 'X') && pending < 0) {
      ++i;
      continue;
    }
    const int v = hexValue(c);
    if (v < 0) {
      if (error) *error = "invalid hex payload '" + std::string(hex) + "': '" + std::string(1, c) + "' is not a hex digit";
      return std::nullopt;
    }
    if (pending < 0) {
      pending = v;
    } else {
      out.push_back(static_cast<char>(pending * 16 + v));
      pending = -1;
    }
  }
  if (pending >= 0 || out.empty()) {
    if (error)
      *error = out.empty() && pending < 0 ? "invalid hex payload: no bytes"
                                          : "invalid hex payload '" + std::string(hex) + "': odd number of hex digits";
    return std::nullopt;
  }
  return out;
}

bool Payload::parseSpec(std::string_view text, LoadClientConfig::PayloadKind* kind, std::string* spec,
                        std::string* error) {
  if (text == "random") {
    *kind = LoadClientConfig::PayloadKind::Random;
    spec->clear();
    return true;
  }
  if (text.substr(0, 5) == "text:") {
    *kind = LoadClientConfig::PayloadKind::Text;
    *spec = std::string(text.substr(5));
    if (spec->empty()) {
      if (error) *error = "invalid payload 'text:': the text is empty";
      return false;
    }
    return true;
  }
  if (text.substr(0, 4) == "hex:") {
    *kind = LoadClientConfig::PayloadKind::Hex;
    *spec = std::string(text.substr(4));
    return parseHex(*spec, error).has_value();
  }
  if (error) *error = "invalid payload '" + std::string(text) + "': expected text:TEXT, hex:BYTES or random";
  return false;
}

std::optional<Payload> Payload::create(LoadClientConfig::PayloadKind kind, std::string_view spec,
                                       uint64_t seed, size_t messageSize, std::string* error) {
  if (messageSize == 0) {
    if (error) *error = "message size must be at least 1 byte";
    return std::nullopt;
  }
  Payload p;
  p.messageSize_ = messageSize;
  std::string unit;
  switch (kind) {
    case LoadClientConfig::PayloadKind::Text:
      if (spec.empty()) {
        if (error) *error = "text payload is empty";
        return std::nullopt;
      }
      unit.assign(spec);
      break;
    case LoadClientConfig::PayloadKind::Hex: {
      auto bytes = parseHex(spec, error);
      if (!bytes) return std::nullopt;
      unit = std::move(*bytes);
      break;
    }
    case LoadClientConfig::PayloadKind::Random: {
      // A pool of messageSize + window bytes; message (conn, seq) starts at a
      // hashed offset inside the window, so consecutive messages differ.
      p.window_ = 4096;
      p.pool_.resize(messageSize + p.window_);
      uint64_t state = seed;
      for (size_t i = 0; i < p.pool_.size(); i += 8) {
        uint64_t r = splitmix64(state);
        for (size_t k = 0; k < 8 && i + k < p.pool_.size(); ++k, r >>= 8)
          p.pool_[i + k] = static_cast<char>(r & 0xff);
      }
      return p;
    }
  }
  p.pool_.resize(messageSize);
  for (size_t i = 0; i < messageSize; ++i) p.pool_[i] = unit[i % unit.size()];
  return p;
}

}  // namespace rs

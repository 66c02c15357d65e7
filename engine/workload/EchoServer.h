// The test server the app and the CLI spawn: echo, discard or source (chargen-
// like) over bufferevents, so every connection's four buffers are traced.
// Thread contract: construct, start, stop and read stats in the loop thread
// (other threads go through EventBase::runInLoop / queueInLoop).
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/EventBase.h"

namespace rs {

struct EchoServerConfig {
  enum class Mode { Echo, Discard, Source };
  std::string bindAddress = "127.0.0.1";  // numeric IPv4/IPv6 or "localhost"
  uint16_t port = 0;                       // 0 = ephemeral; port() tells the choice
  Mode mode = Mode::Echo;
  int maxConnections = 0;           // 0 = unlimited; the excess is accepted, closed, counted
  int responseDelayMs = 0;          // echo after this delay (timers)
  size_t readHighWatermark = 0;     // 0 = none; bounds memory against slow readers
  int backlog = -1;
  Nanos kernelSampleInterval = 100 * kNsPerMs;  // SIOCINQ/SIOCOUTQ sampling
};

struct ConnectionStats {
  uint32_t id = 0;  // owner tag of the connection's events
  int fd = -1;
  std::string peer;  // "127.0.0.1:54321"
  uint64_t bytesIn = 0;
  uint64_t bytesOut = 0;
  size_t inputBuffered = 0;
  size_t outputBuffered = 0;
};

struct EchoServerStats {
  uint64_t accepted = 0;
  uint64_t active = 0;
  uint64_t closed = 0;
  uint64_t rejected = 0;  // over maxConnections
  uint64_t bytesIn = 0;
  uint64_t bytesOut = 0;
  uint64_t acceptErrors = 0;  // EMFILE/ENFILE pauses and other accept failures
  uint64_t connectionErrors = 0;
};

// Source mode's stream: RFC 864's rotating 72-column lines (one 95-line cycle,
// repeated). Each connection's stream starts at offset 0 of this block.
const std::string& chargenPattern();

enum class LogLevel { Info, Warning, Error };
// Called in the loop thread; a GUI forwards it to its own thread.
using LogSink = std::function<void(LogLevel level, const std::string& message)>;

class EchoServer {
 public:
  EchoServer(EventBase* base, EchoServerConfig config);
  ~EchoServer();  // closes the listener and every connection
  EchoServer(const EchoServer&) = delete;
  EchoServer& operator=(const EchoServer&) = delete;

  // Binds and listens. On failure returns false and sets *error to one clear line
  // naming the address, port and errno text (e.g. "bind 127.0.0.1:9000: Address
  // already in use"); nothing is left half-started.
  bool start(std::string* error);
  // Closes the listener and every connection now; what connections had
  // received but not yet sent back is dropped.
  void stop();
  // Graceful stop (what Ctrl-C means): closes the listener, stops reading, and
  // closes each connection once everything it received has been sent back
  // (delayed echoes included). stats().active reaches 0 when done; the caller
  // bounds the wait and calls stop() for what is left. running() is false after.
  void drain();
  bool running() const;
  uint16_t port() const;
  const EchoServerConfig& config() const;
  EchoServerStats stats() const;
  std::vector<ConnectionStats> connections() const;
  void setLogSink(LogSink sink);
  // Owner tag of the listener's events; connection tags are distinct.
  uint32_t ownerTag() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace rs

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

// One step of a connection's life as the server saw it: Accepted when accept()
// returned it, Closed when the server closed it. Every accepted socket gets
// exactly one of each, in that order (refusals over maxConnections included).
struct ConnectionNote {
  enum class Kind : uint8_t { Accepted, Closed };
  enum class CloseReason : uint8_t {
    None,            // Accepted notes
    PeerClosed,      // the peer's FIN (closed once what it sent was echoed back)
    Reset,           // ECONNRESET: the peer aborted (RST, SO_LINGER 0)
    Error,           // any other socket error or a timeout; `error` says which
    ServerStop,      // stop(), drain() or the server's destruction
    MaxConnections,  // refused: maxConnections were already open
  };
  Kind kind = Kind::Accepted;
  CloseReason reason = CloseReason::None;
  int64_t wallTimeNs = 0;  // CLOCK_REALTIME, ns since the epoch (see EchoServer.cpp)
  uint32_t id = 0;         // owner tag of the connection's events; 0 for refusals
  int fd = -1;
  std::string peer;        // "127.0.0.1:54321"
  std::string error;       // Error: the errno text or "timeout"; MaxConnections: the limit
  uint64_t bytesIn = 0;    // Closed: over the connection's life
  uint64_t bytesOut = 0;
};
// "peer closed", "reset by peer", "error", "server stop", "refused (max connections)".
const char* toString(ConnectionNote::CloseReason reason);
// Called in the loop thread; must not block (a GUI queues the note, see
// ConnectionNoteQueue).
using ConnectionNoteSink = std::function<void(ConnectionNote&& note)>;

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
  // Every accept and every close, as it happens (stop(), drain() and the
  // destructor included). While a note sink is set, the notes carry the
  // per-connection lines (refusals, connection errors) and the log sink only
  // gets the server's own (listening, accept failures).
  void setConnectionNoteSink(ConnectionNoteSink sink);
  // Owner tag of the listener's events; connection tags are distinct.
  uint32_t ownerTag() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace rs

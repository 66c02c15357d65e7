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

// Memory bounds (on by default; 0 turns each off = unlimited). A connection
// reads at most readChunkBytes() per read; it reads only while its output has
// room for a full read under outputCapBytes and the server has room for one
// under memoryBudgetBytes, so neither is ever exceeded:
// - readHighWatermark: the input buffer never holds more (libevent's read high
//   watermark); also caps the size of one read.
// - outputCapBytes: back-pressure per connection. While what the peer has not
//   taken (output buffer + delayed echoes) leaves no room for a read, reading
//   stops; it resumes once the output has drained to outputResumeBytes(). No
//   byte is dropped: the peer's own sends block in its kernel instead.
// - memoryBudgetBytes: the sum over all connections of input + output +
//   delayed bytes. When a read leaves no room for another, every connection
//   stops reading (and source mode stops refilling) until the sum is back at
//   budgetResumeBytes(). Peers that never read can pin the budget; that stalls
//   the server's other connections, it never grows it.
// - idleTimeoutMs: a connection with no bytes read or written for that long is
//   closed (ConnectionNote reason IdleTimeout). Off by default.
struct EchoServerConfig {
  enum class Mode { Echo, Discard, Source };
  static constexpr size_t kDefaultReadHighWatermark = 64 * 1024;
  static constexpr size_t kDefaultOutputCapBytes = 1024 * 1024;
  static constexpr size_t kDefaultMemoryBudgetBytes = 64 * 1024 * 1024;
  std::string bindAddress = "127.0.0.1";  // numeric IPv4/IPv6 or "localhost"
  uint16_t port = 0;                       // 0 = ephemeral; port() tells the choice
  Mode mode = Mode::Echo;
  int maxConnections = 0;           // 0 = unlimited; the excess is accepted, closed, counted
  int responseDelayMs = 0;          // echo after this delay (timers)
  size_t readHighWatermark = kDefaultReadHighWatermark;  // bytes; 0 = none
  size_t outputCapBytes = kDefaultOutputCapBytes;        // per connection; 0 = unlimited
  size_t memoryBudgetBytes = kDefaultMemoryBudgetBytes;  // per server; 0 = unlimited
  int idleTimeoutMs = 0;                                 // 0 = never close idle connections
  int backlog = -1;
  Nanos kernelSampleInterval = 100 * kNsPerMs;  // SIOCINQ/SIOCOUTQ sampling

  // The largest single read: 64 KiB, or less to stay below the read high
  // watermark and within the output cap and the budget.
  size_t readChunkBytes() const;
  // Reading resumes once output + delayed bytes are at or below this
  // (half the cap, lower if a full read would not fit above it).
  size_t outputResumeBytes() const;
  // A budget pause ends once the server's buffered bytes are at or below this
  // (three quarters of the budget, lower if a full read would not fit).
  size_t budgetResumeBytes() const;
};

struct ConnectionStats {
  uint32_t id = 0;  // owner tag of the connection's events
  int fd = -1;
  std::string peer;  // "127.0.0.1:54321"
  uint64_t bytesIn = 0;
  uint64_t bytesOut = 0;
  size_t inputBuffered = 0;
  size_t outputBuffered = 0;  // output buffer + delayed echoes
  bool readPaused = false;    // back-pressure: output cap or memory budget
};

// An open connection's two ends ("127.0.0.1:54321"), as its own socket sees
// them: a client connection and the server's connection it reached have the same
// 4-tuple, swapped.
struct ConnectionEnds {
  uint32_t owner = 0;  // owner tag of the connection's events
  std::string local;
  std::string peer;
};

struct EchoServerStats {
  uint64_t accepted = 0;
  uint64_t active = 0;
  uint64_t closed = 0;
  uint64_t rejected = 0;  // over maxConnections
  uint64_t bytesIn = 0;
  uint64_t bytesOut = 0;
  // Errors are the server's real failures; a peer's reset is not one. The rule:
  // acceptErrors and connectionErrors (socket errors other than ECONNRESET, and
  // timeouts) count as errors, and so do refusals (rejected); a connection the
  // peer aborted (ECONNRESET, e.g. a client's rst fault) counts in peerResets only.
  uint64_t acceptErrors = 0;  // EMFILE/ENFILE pauses and other accept failures
  uint64_t connectionErrors = 0;
  uint64_t peerResets = 0;  // closed because the peer reset them (RST)
  uint64_t idleClosed = 0;  // closed by idleTimeoutMs
  // Memory: input + output + delayed bytes over the open connections.
  uint64_t bufferedBytes = 0;
  uint64_t peakBufferedBytes = 0;
  uint64_t memoryBudgetBytes = 0;   // the config's; 0 = unlimited
  uint64_t pausedConnections = 0;   // not reading now: output cap or budget
  uint64_t budgetPauses = 0;        // times the budget stopped every connection
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
    IdleTimeout,     // no traffic either way for idleTimeoutMs; `error` says how long
  };
  Kind kind = Kind::Accepted;
  CloseReason reason = CloseReason::None;
  int64_t wallTimeNs = 0;  // CLOCK_REALTIME, ns since the epoch (see EchoServer.cpp)
  uint32_t id = 0;         // owner tag of the connection's events; 0 for refusals
  uint32_t number = 0;     // its number in this server (1, 2, ...: "echo conn N"); 0 for refusals
  int fd = -1;
  std::string peer;        // "127.0.0.1:54321"
  std::string error;       // Error: the errno text or "timeout"; MaxConnections: the limit;
                           // IdleTimeout: "no traffic for 30 s"
  uint64_t bytesIn = 0;    // Closed: over the connection's life
  uint64_t bytesOut = 0;
};
// "peer closed", "reset by peer", "error", "server stop", "refused (max connections)",
// "idle timeout".
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

  // Checks the config with validate() (WorkloadSpec.h), then binds and
  // listens. On failure returns false and sets *error to one clear line: the
  // rule that failed, or the address, port and errno text (e.g. "bind
  // 127.0.0.1:9000: Address already in use"); nothing is left half-started.
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
  // The open connections' ends, at most `max` of them.
  std::vector<ConnectionEnds> ends(size_t max) const;
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

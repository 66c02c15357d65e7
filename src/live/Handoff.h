// The handoff (docs/trace-protocol.md, "The app's socket"): reactorscope-run
// passes a traced process's own stream socket to the app instead of relaying
// its bytes, so the records go from the process to the app with no process in
// between. The relay sends one header-only frame of type kHandoffType with the
// descriptor (SCM_RIGHTS) as the first frame of its connection; what it sends
// after that (the exit message, at most kMaxBytesAfterStream) follows the
// stream's last frame. The app never writes to a relay's connection: the
// relay takes its becoming readable as the app having gone away.
//
// The frame's rules live here: sendHandoff (the relay), receiveOpening,
// classifyOpening and checkHandedOffStream (the app). Nothing here trusts the
// peer: a handoff with other than one descriptor is refused (extra ones are
// closed), so is a descriptor that is not a Unix stream socket whose peer
// runs as this user. (Not detected: a peer handing the app the other end of
// the app's own connection; the two descriptors stay open until the app quits.)
// Thread contract: plain functions, any thread.
#pragma once
#include <cstddef>
#include <string>

namespace rs::live {

constexpr size_t kMaxBytesAfterStream = 4096;  // a relay's connection after its handoff

// Sends the handoff frame with `streamFd` over `appFd` (blocking up to the
// socket's send timeout). False with *error when it could not; the connection
// is then unusable (part of the frame may have gone).
bool sendHandoff(int appFd, int streamFd, std::string* error);

// A connection's first bytes, read before the app knows what it carries.
struct ConnectionOpening {
  std::string bytes;
  int fd = -1;             // the first descriptor that came (the caller closes it)
  size_t descriptors = 0;  // how many came (all but the first closed); a truncated list counts 2
};

// Reads once (without waiting) from a connection the app accepted, appending
// to *opening (descriptors close-on-exec). Returns what read() would: bytes
// read, 0 at the end, -1 with errno.
long receiveOpening(int connectionFd, ConnectionOpening* opening);

// What the opening says.
enum class OpeningKind {
  Incomplete,  // fewer bytes than a frame header: read more
  Relayed,     // not a handoff: the connection is the process's stream itself
  HandedOff,   // a valid handoff frame: the stream is opening.fd
  Refused,     // a handoff frame that breaks the rules (*error says which)
};
OpeningKind classifyOpening(const ConnectionOpening& opening, std::string* error);

// The handed-off descriptor is a Unix stream socket whose peer runs as this
// user; made non-blocking. False with *error otherwise.
bool checkHandedOffStream(int fd, std::string* error);

}  // namespace rs::live

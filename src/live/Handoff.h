// The handoff (docs/trace-protocol.md, "The app's socket"): reactorscope-run
// passes a traced process's own stream socket to the app instead of relaying
// its bytes, so the records go from the process to the app with no process in
// between. The relay sends one header-only frame of type kHandoffType with the
// descriptor (SCM_RIGHTS) as the first frame of its connection; what it sends
// after that (the exit message) follows the stream's last frame.
//
// Both sides' rules live here: sendHandoff (the relay), receiveOpening /
// readOpening / checkHandedOffStream (the app), so a frame or a descriptor that
// breaks them is refused in one place. Nothing here trusts the peer: extra
// descriptors are closed, a descriptor that is not a Unix stream socket of
// this user is refused.
// Thread contract: plain functions, any thread.
#pragma once
#include <string>
#include <vector>

namespace rs::live {

// Sends the handoff frame with `streamFd` over `appFd` (blocking up to the
// socket's send timeout). False with *error when it could not.
bool sendHandoff(int appFd, int streamFd, std::string* error);

// Reads once from a connection the app accepted, before it knows what the
// connection carries: the bytes are appended to *opening, descriptors that
// came with them to *fds (close-on-exec; at most kMaxOpeningFds kept, the rest
// closed). Returns what read() would: bytes read, 0 at the end, -1 with errno.
constexpr size_t kMaxOpeningFds = 1;
long receiveOpening(int connectionFd, std::string* opening, std::vector<int>* fds);

// What the opening bytes say.
enum class Opening {
  Incomplete,  // fewer bytes than a frame header: read more
  Relayed,     // not a handoff: the connection is the process's stream itself
  HandedOff,   // a valid handoff frame: the stream is *fds' one descriptor
  Refused,     // a handoff frame that breaks the rules (*error says which)
};
Opening readOpening(const std::string& opening, const std::vector<int>& fds, std::string* error);

// The handed-off descriptor is a Unix stream socket whose peer runs as this
// user; made non-blocking. False with *error otherwise.
bool checkHandedOffStream(int fd, std::string* error);

}  // namespace rs::live

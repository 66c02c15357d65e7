// Where a running ReactorScope app listens for traced programs, and the rules
// of that place (docs/trace-protocol.md, "The app's socket"): a per-user
// directory, $XDG_RUNTIME_DIR/reactorscope or else /tmp/reactorscope-<uid>,
// mode 0700 and owned by the user, holding the socket `app.sock` (0600).
// $REACTORSCOPE_APP_SOCKET names another socket path (tests; its directory
// must obey the same rules). The app checks each peer's uid (SO_PEERCRED).
// Thread contract: plain functions.
#pragma once
#include <string>

namespace rs::live {

inline constexpr char kAppSocketEnv[] = "REACTORSCOPE_APP_SOCKET";

// The socket path the app listens on and reactorscope-run connects to.
std::string appSocketPath();
// The directory of `socketPath`, created 0700 when missing; false with *error
// when it is not a directory of ours with no access for group or others.
bool prepareSocketDir(const std::string& socketPath, std::string* error);
// A connected, close-on-exec stream socket to the app; -1 with *error when
// nothing listens there (or the directory fails the rules above).
int connectToApp(const std::string& socketPath, std::string* error);

}  // namespace rs::live

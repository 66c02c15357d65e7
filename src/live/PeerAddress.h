// The remote address of a traced program's TCP socket, read by the consumer
// from /proc (the fd's socket inode, then /proc/<pid>/net/tcp and tcp6): no
// work in the target. Empty when the fd is not a connected TCP socket, the
// process is gone, or /proc is not readable.
// Thread contract: plain function.
#pragma once
#include <sys/types.h>

#include <string>

namespace rs::live {

// "127.0.0.1:51458" or "[::1]:51458", or empty.
std::string peerAddress(pid_t pid, int fd);

}  // namespace rs::live

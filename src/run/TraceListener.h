// reactorscope-run's private socket for the program's streams
// (docs/trace-protocol.md, "Lifecycles"): a fresh directory made 0700 by
// mkdtemp under $XDG_RUNTIME_DIR or /tmp, holding `trace.sock` (0600). Its path
// goes to the program as REACTORSCOPE_TRACE_SOCKET; every process of the
// program (a forked child, an exec'd image) connects its own stream there.
// accept() takes a peer only when its uid (SO_PEERCRED) is ours. The directory
// and socket are removed by the destructor.
// Thread contract: one thread.
#pragma once
#include <cstdint>
#include <string>

namespace rs::run {

class TraceListener {
 public:
  TraceListener() = default;
  ~TraceListener();
  TraceListener(const TraceListener&) = delete;
  TraceListener& operator=(const TraceListener&) = delete;

  // False with *error when the directory or socket cannot be made.
  bool open(std::string* error);
  const std::string& path() const { return path_; }
  int fd() const { return fd_; }
  // A connected, non-blocking stream of one of our processes (its pid in
  // *peerPid), or -1 (none waiting, or a peer of another uid: closed).
  int accept(uint32_t* peerPid);

 private:
  std::string dir_;
  std::string path_;
  int fd_ = -1;
};

}  // namespace rs::run

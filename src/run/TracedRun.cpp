#include "run/TracedRun.h"

#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>


namespace rs::run {

namespace {

constexpr int kTailMs = 2000;  // after the program ended: how long its last bytes may take
volatile sig_atomic_t g_child = 0;

// A signal sent with kill() (si_code <= 0) goes on to the program; one the
// terminal generated (Ctrl-C) reached the program already: not again.
void forward(int sig, siginfo_t* info, void*) {
  if (g_child > 0 && info && info->si_code <= 0) ::kill(static_cast<pid_t>(g_child), sig);
}

TracedExit fromStatus(int status) {
  if (WIFSIGNALED(status)) return {true, WTERMSIG(status)};
  return {false, WIFEXITED(status) ? WEXITSTATUS(status) : 1};
}

// Sends all of buf to the app (a send timeout bounds each wait); false once it
// failed, with a line saying so.
bool forwardToApp(int appFd, const char* buf, size_t n) {
  while (n > 0) {
    const ssize_t sent = ::send(appFd, buf, n, MSG_NOSIGNAL);
    if (sent < 0 && errno == EINTR) continue;
    if (sent <= 0) {
      const bool slow = sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
      std::fprintf(stderr, "reactorscope-run: the app %s; the program goes on without it\n",
                   slow ? "stopped taking the trace" : "went away");
      return false;
    }
    buf += sent;
    n -= static_cast<size_t>(sent);
  }
  return true;
}

// Follows the frames of the bytes relayed (headers only), so the exit frame
// is appended only after a whole frame, and only to a stream that has begun.
class FrameCursor {
 public:
  void advance(const char* buf, size_t n) {
    while (n > 0) {
      if (headerBytes_ < live::kFrameHeaderBytes) {
        header_[headerBytes_++] = static_cast<uint8_t>(*buf++);
        --n;
        if (headerBytes_ == live::kFrameHeaderBytes)
          bodyLeft_ = uint32_t{header_[0]} | (uint32_t{header_[1]} << 8) | (uint32_t{header_[2]} << 16) |
                      (uint32_t{header_[3]} << 24);
      } else {
        const size_t take = n < bodyLeft_ ? n : static_cast<size_t>(bodyLeft_);
        bodyLeft_ -= take;
        buf += take;
        n -= take;
      }
      if (headerBytes_ == live::kFrameHeaderBytes && bodyLeft_ == 0) {
        headerBytes_ = 0;
        ++frames_;
      }
    }
  }
  // True between whole frames, after at least one (the hello).
  bool canAppend() const { return frames_ > 0 && headerBytes_ == 0; }

 private:
  uint8_t header_[live::kFrameHeaderBytes] = {};
  size_t headerBytes_ = 0;
  uint64_t bodyLeft_ = 0;
  uint64_t frames_ = 0;
};

}  // namespace

TracedExit runTraced(const std::string& program, char* const* argv, live::TraceSink* sink, int appFd,
                     std::string* error) {
  if (appFd >= 0) {
    const timeval limit{kAppSendTimeoutMs / 1000, (kAppSendTimeoutMs % 1000) * 1000};
    ::setsockopt(appFd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
  }
  int ends[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ends) != 0) {
    *error = std::string("cannot create the trace stream: ") + std::strerror(errno);
    return {false, 126};
  }
  const pid_t child = ::fork();
  if (child < 0) {
    *error = std::string("cannot start the program: fork: ") + std::strerror(errno);
    ::close(ends[0]);
    ::close(ends[1]);
    if (appFd >= 0) ::close(appFd);
    return {false, 126};
  }
  if (child == 0) {
    const int fd = ::dup(ends[1]);  // without close-on-exec
    if (fd >= 0) {
      const std::string value = std::to_string(fd);
      ::setenv("REACTORSCOPE_TRACE_FD", value.c_str(), 1);
    }
    ::execv(program.c_str(), argv);
    std::fprintf(stderr, "reactorscope-run: cannot run %s: %s\n", program.c_str(), std::strerror(errno));
    ::_exit(126);
  }
  ::close(ends[1]);
  g_child = child;
  struct sigaction pass {};
  pass.sa_sigaction = &forward;
  pass.sa_flags = SA_SIGINFO | SA_RESTART;
  for (int sig : {SIGTERM, SIGHUP, SIGINT, SIGQUIT}) ::sigaction(sig, &pass, nullptr);

  live::TraceDecoder decoder;
  FrameCursor relayed;  // the frames of the stream so far (whole or not)
  bool decodeOn = sink != nullptr;  // false once the stream turned out malformed
  int stream = ends[0];
  int status = 0;
  bool exited = false;
  auto tailDeadline = std::chrono::steady_clock::time_point::max();
  while (stream >= 0 || !exited) {
    if (!exited) {
      const pid_t r = ::waitpid(child, &status, WNOHANG);
      if (r == child || (r < 0 && errno != EINTR)) {
        exited = true;
        tailDeadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kTailMs);
      }
    }
    if (stream < 0) {
      // Trace over (or broken): just wait for the program.
      if (::waitpid(child, &status, 0) == child || errno != EINTR) exited = true;
      continue;
    }
    if (exited && std::chrono::steady_clock::now() >= tailDeadline) break;
    pollfd p{stream, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    char buf[65536];
    const ssize_t n = ::read(stream, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (decodeOn && !decoder.finish()) std::fprintf(stderr, "reactorscope-run: %s\n", decoder.error().c_str());
      ::close(stream);
      stream = -1;
      continue;
    }
    relayed.advance(buf, static_cast<size_t>(n));
    if (appFd >= 0 && !forwardToApp(appFd, buf, static_cast<size_t>(n))) {
      ::close(appFd);
      appFd = -1;
    }
    if (!decodeOn) {
      if (appFd < 0) {  // nobody wants the trace any more
        ::close(stream);
        stream = -1;
      }
      continue;
    }
    if (!decoder.feed(buf, static_cast<size_t>(n), *sink)) {
      std::fprintf(stderr, "reactorscope-run: %s; the trace stops here, the program goes on\n",
                   decoder.error().c_str());
      decodeOn = false;
      if (appFd < 0) {
        ::close(stream);
        stream = -1;
      }
    }
  }
  if (stream >= 0) ::close(stream);
  const TracedExit result = fromStatus(status);
  if (relayed.canAppend()) {  // how it ended: the stream's last frame
    const std::string exitFrame = live::encodeExit(result.signaled, result.code);
    if (appFd >= 0) forwardToApp(appFd, exitFrame.data(), exitFrame.size());
    if (decodeOn) decoder.feed(exitFrame.data(), exitFrame.size(), *sink);
  }
  if (appFd >= 0) ::close(appFd);  // the app sees the end of the stream: the session ends
  g_child = 0;
  return result;
}

}  // namespace rs::run

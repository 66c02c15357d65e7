#include "run/TracedRun.h"

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

#include "live/AppSocket.h"
#include "run/ProcessStream.h"
#include "run/TraceListener.h"

namespace rs::run {

namespace {

using Clock = std::chrono::steady_clock;
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

// The program's processes' streams, and the app they go to.
class Relay {
 public:
  Relay(const TracedOptions& options, pid_t mainPid) : options_(options), mainPid_(static_cast<uint32_t>(mainPid)) {
    spareApp_ = options.appFd;
  }
  ~Relay() {
    if (spareApp_ >= 0) ::close(spareApp_);
  }

  bool anyOpen() const {
    for (const auto& s : streams_)
      if (s->open()) return true;
    return false;
  }

  // One turn: new streams, their bytes (or, for a stream handed over, its end
  // and its app's), the app looked for again when due.
  void poll(TraceListener& listener, int timeoutMs) {
    std::vector<pollfd> fds{{listener.fd(), POLLIN, 0}};
    std::vector<ProcessStream*> polled;  // fds[1 + 2k], fds[2 + 2k]: stream k's and its app's
    for (const auto& s : streams_) {
      if (!s->open()) continue;
      polled.push_back(s.get());
      fds.push_back({s->fd(), static_cast<short>(s->handedOver() ? 0 : POLLIN), 0});
      fds.push_back({s->handedOver() ? s->appFd() : -1, POLLIN, 0});  // (fd -1: ignored)
    }
    if (::poll(fds.data(), fds.size(), timeoutMs) > 0) {
      for (size_t k = 0; k < polled.size(); ++k) {
        ProcessStream& s = *polled[k];
        if (s.handedOver())
          s.watch(fds[1 + 2 * k].revents, fds[2 + 2 * k].revents);
        else
          s.readAvailable();
      }
      if (fds[0].revents & POLLIN) acceptAll(listener);
    }
    endReplacedImages();
    retryApp();
  }

  // The program ended: the exit message after its pid's last stream; every connection closed.
  void finish(const TracedExit& result) {
    ProcessStream* last = nullptr;
    for (const auto& s : streams_)
      if (s->pid() == mainPid_) last = s.get();
    for (const auto& s : streams_)
      s->finish(s.get() == last ? std::optional<live::ProgramExit>({result.signaled, result.code}) : std::nullopt);
    streams_.clear();
  }

 private:
  void acceptAll(TraceListener& listener) {
    uint32_t peerPid = 0;
    for (int fd = listener.accept(&peerPid); fd >= 0; fd = listener.accept(&peerPid)) {
      if (streams_.size() >= static_cast<size_t>(kMaxStreams)) {
        // (Said once: a process turned away tries again later, waiting longer each time.)
        if (!saidTooMany_)
          std::fprintf(stderr,
                       "reactorscope-run: more than %d processes traced at once: a new one runs untraced "
                       "until one ends\n",
                       kMaxStreams);
        saidTooMany_ = true;
        ::close(fd);
        continue;
      }
      auto stream = std::make_unique<ProcessStream>(fd, peerPid, options_.text, options_.recorder);
      if (spareApp_ >= 0) {
        stream->attachApp(spareApp_);
        spareApp_ = -1;
      } else if (options_.useApp) {
        std::string ignored;
        const int app = live::connectToApp(live::appSocketPath(), &ignored);
        if (app >= 0) stream->attachApp(app);
      }
      streams_.push_back(std::move(stream));
    }
  }

  // Streams ended and kept for the exit message: when a later stream of the
  // same pid (the image it exec'd) exists, the earlier one is over; streams of
  // other processes are over when they end.
  void endReplacedImages() {
    for (size_t i = 0; i < streams_.size(); ++i) {
      ProcessStream& s = *streams_[i];
      if (s.open()) continue;
      bool replaced = s.pid() != mainPid_;
      for (size_t j = i + 1; j < streams_.size() && !replaced; ++j) replaced = streams_[j]->pid() == s.pid();
      if (!replaced) continue;
      s.finish(std::nullopt);
      streams_.erase(streams_.begin() + static_cast<std::ptrdiff_t>(i));
      --i;
    }
  }

  // Open streams without an app try a connection each kAppRetryMs (one
  // attempt per turn while none answers).
  void retryApp() {
    if (!options_.useApp || Clock::now() < nextRetry_) return;
    nextRetry_ = Clock::now() + std::chrono::milliseconds(kAppRetryMs);
    for (const auto& s : streams_) {
      if (!s->open() || !s->wantsApp()) continue;
      std::string ignored;
      const int app = live::connectToApp(live::appSocketPath(), &ignored);
      if (app < 0) return;
      std::fprintf(stderr, "reactorscope-run: a ReactorScope app is listening now: pid %u streams to it\n", s->pid());
      s->attachApp(app);
    }
  }

  const TracedOptions& options_;
  const uint32_t mainPid_;
  int spareApp_ = -1;
  bool saidTooMany_ = false;
  std::vector<std::unique_ptr<ProcessStream>> streams_;
  Clock::time_point nextRetry_ = Clock::now() + std::chrono::milliseconds(kAppRetryMs);
};

}  // namespace

TracedExit runTraced(const std::string& program, char* const* argv, const TracedOptions& options, std::string* error) {
  TraceListener listener;
  if (!listener.open(error)) {
    if (options.appFd >= 0) ::close(options.appFd);
    return {false, 126};
  }
  const pid_t child = ::fork();
  if (child < 0) {
    *error = std::string("cannot start the program: fork: ") + std::strerror(errno);
    if (options.appFd >= 0) ::close(options.appFd);
    return {false, 126};
  }
  if (child == 0) {
    ::setenv(live::kTraceSocketEnv, listener.path().c_str(), 1);
    ::unsetenv(live::kTraceFdEnv);
    ::execv(program.c_str(), argv);
    std::fprintf(stderr, "reactorscope-run: cannot run %s: %s\n", program.c_str(), std::strerror(errno));
    ::_exit(126);
  }
  g_child = child;
  struct sigaction pass {};
  pass.sa_sigaction = &forward;
  pass.sa_flags = SA_SIGINFO | SA_RESTART;
  for (int sig : {SIGTERM, SIGHUP, SIGINT, SIGQUIT}) ::sigaction(sig, &pass, nullptr);
  ::signal(SIGPIPE, SIG_IGN);

  Relay relay(options, child);
  int status = 0;
  bool exited = false;
  auto tailDeadline = Clock::time_point::max();
  while (!exited || (relay.anyOpen() && Clock::now() < tailDeadline)) {
    if (!exited) {
      const pid_t r = ::waitpid(child, &status, WNOHANG);
      if (r == child || (r < 0 && errno != EINTR)) {
        exited = true;
        tailDeadline = Clock::now() + std::chrono::milliseconds(kTailMs);
      }
    }
    relay.poll(listener, 50);
  }
  const TracedExit result = fromStatus(status);
  relay.finish(result);
  if (options.text) std::fflush(options.text);
  g_child = 0;
  return result;
}

}  // namespace rs::run

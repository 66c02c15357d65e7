#include "run/ProcessStream.h"

#include "live/Handoff.h"
#include "run/RunRecorder.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace rs::run {

ProcessStream::ProcessStream(int fd, uint32_t peerPid, std::FILE* text, RunRecorder* recorder)
    : fd_(fd), pid_(peerPid), writer_(text) {
  if (text) sinks_.addSink(&writer_);
  if (live::TraceSink* recording = recorder ? recorder->forProcess() : nullptr) sinks_.addSink(recording);
  decodeOn_ = !sinks_.empty();
}

ProcessStream::~ProcessStream() {
  if (fd_ >= 0) ::close(fd_);
  if (appFd_ >= 0) ::close(appFd_);
}

bool ProcessStream::readAvailable() {
  if (!input_) input_.reset(new char[kInputBytes]);  // (not zeroed: untouched pages cost nothing)
  for (int reads = 0; reads < 16; ++reads) {  // (then the other streams get their turn)
    // Read behind the cut frame kept from the last read (at most a whole frame:
    // there is always room for kReadBytes more).
    const ssize_t n = ::read(fd_, input_.get() + kept_, kInputBytes - kept_);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
    if (n <= 0) {
      closeStream();
      return false;
    }
    if (broken_) continue;
    const size_t have = kept_ + static_cast<size_t>(n);
    // Whole frames at the front: relayed together from where they lie, the rest kept.
    size_t whole = 0;
    while (have - whole >= live::kFrameHeaderBytes) {
      const char* at = input_.get() + whole;
      const uint32_t body = live::frameBodyBytes(at);
      if (body > live::kMaxBodyBytes) {
        broken_ = true;  // the decoders (text, app) say why; nothing more is relayed
        break;
      }
      if (have - whole < live::kFrameHeaderBytes + body) break;
      const std::string_view frame(at, live::kFrameHeaderBytes + body);
      if (frames_++ == 0 && body >= 8 && live::frameType(at) == static_cast<uint16_t>(live::MessageType::Hello))
        pid_ = live::readLe32(at + live::kFrameHeaderBytes + 4);  // (hello: version, then pid)
      memory_.note(frame);
      whole += frame.size();
    }
    const size_t relayed = broken_ ? have : whole;
    relayFrames(std::string_view(input_.get(), relayed));
    kept_ = have - relayed;
    if (kept_ > 0) std::memmove(input_.get(), input_.get() + relayed, kept_);
    if (broken_) dropApp();
  }
  return true;
}

void ProcessStream::closeStream() {
  if (decodeOn_ && kept_ > 0) decodeOn_ = decoder_.feed(input_.get(), kept_, sinks_);  // a frame cut short
  if (decodeOn_ && !decoder_.finish()) std::fprintf(stderr, "reactorscope-run: pid %u: %s\n", pid_, decoder_.error().c_str());
  ::close(fd_);
  fd_ = -1;
}

void ProcessStream::relayFrames(std::string_view frames) {
  if (frames.empty()) return;
  if (appFd_ >= 0 && !sendToApp(frames)) dropApp();
  if (decodeOn_ && !decoder_.feed(frames.data(), frames.size(), sinks_)) {
    std::fprintf(stderr, "reactorscope-run: pid %u: %s; its trace stops here, the program goes on\n", pid_,
                 decoder_.error().c_str());
    decodeOn_ = false;
  }
}

void ProcessStream::attachApp(int appFd) {
  const timeval limit{kAppSendTimeoutMs / 1000, (kAppSendTimeoutMs % 1000) * 1000};
  ::setsockopt(appFd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
  if (handOver(appFd)) return;
  // As much room as the kernel gives a user (capped at net.core.wmem_max), as
  // the target's collector asks: bigger batches, fewer wakeups of the app.
  const int sendBufferBytes = 4 << 20;
  ::setsockopt(appFd, SOL_SOCKET, SO_SNDBUF, &sendBufferBytes, sizeof sendBufferBytes);
  appFd_ = appFd;
  if (memory_.hasHello() && !sendToApp(memory_.replay(true))) dropApp();
}

// The stream itself to the app, when nothing was read from it yet (the app
// reads it from its first byte) and nothing here wants its bytes. True when
// `appFd` was used up: handed the stream, or closed after a failed handoff
// (part of the frame may have gone: the connection cannot carry frames now).
bool ProcessStream::handOver(int& appFd) {
  if (frames_ > 0 || kept_ > 0 || decodeOn_ || broken_ || fd_ < 0) return false;
  std::string error;
  if (!live::sendHandoff(appFd, fd_, &error)) {
    std::fprintf(stderr, "reactorscope-run: pid %u: the stream could not be handed to the app (%s)\n", pid_,
                 error.c_str());
    ::close(appFd);
    appFd = -1;
    return true;
  }
  appFd_ = appFd;
  handedOver_ = true;
  return true;
}

void ProcessStream::watch(short streamEvents, short appEvents) {
  if (!handedOver_ || fd_ < 0) return;
  if (appFd_ >= 0 && (appEvents & (POLLIN | POLLHUP | POLLERR))) {
    // The app closed its copy of the stream: closing ours leaves the process
    // without a reader; its collector sees that and opens a new stream, which
    // is read here and attached to the next app.
    std::fprintf(stderr, "reactorscope-run: the app went away; the program goes on without it\n");
    dropApp();
    neverAttachAgain_ = true;  // (a new app cannot pick up a stream read midway)
    ::close(fd_);
    fd_ = -1;
  } else if (streamEvents & (POLLHUP | POLLERR)) {
    ::close(fd_);  // the process closed its end: the app reads what is left
    fd_ = -1;
  }
}

// Sends all of `bytes` (a send timeout bounds each wait); false once it failed,
// with a line saying so.
bool ProcessStream::sendToApp(std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t sent = ::send(appFd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (sent < 0 && errno == EINTR) continue;
    if (sent <= 0) {
      const bool tooSlow = sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
      neverAttachAgain_ = tooSlow;
      std::fprintf(stderr, "reactorscope-run: the app %s; the program goes on without it\n",
                   tooSlow ? "stopped taking the trace" : "went away");
      return false;
    }
    bytes.remove_prefix(static_cast<size_t>(sent));
  }
  return true;
}

void ProcessStream::dropApp() {
  if (appFd_ >= 0) ::close(appFd_);
  appFd_ = -1;
}

void ProcessStream::finish(const std::optional<live::ProgramExit>& exit) {
  const bool afterWholeFrame = handedOver_ || (frames_ > 0 && kept_ == 0 && !broken_);
  if (exit && afterWholeFrame) {  // how it ended: the stream's last frame
    const std::string frame = live::encodeExit(exit->signaled, exit->code);
    if (appFd_ >= 0) sendToApp(frame);
    if (decodeOn_) decoder_.feed(frame.data(), frame.size(), sinks_);
  }
  dropApp();  // the app sees the end of the stream: the session ends
  neverAttachAgain_ = true;
}

}  // namespace rs::run

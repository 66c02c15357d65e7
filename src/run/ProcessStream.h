// One process's trace stream inside reactorscope-run (docs/trace-protocol.md,
// "Lifecycles"): read from the private socket, split into whole frames, written
// as text (--trace-text, its own TextTraceWriter on the shared file: lines of
// two processes never mix inside a message), recorded (--record, its own
// ProcessRecorder) and relayed, whole frames only,
// to its own connection to the app, or handed over: when the app is there
// before the stream said anything and nothing here needs its bytes (no text,
// no recording), the stream socket itself goes to the app (live/Handoff.h) and
// the relay only watches it end (and the app go away) to send the exit
// message after it. It remembers what a late reader needs
// (live::MetadataMemory): an app attached after the stream began first gets
// the hello, the live bases and their events' callbacks, then the stream from
// the next frame on. A send to the app waits at most kAppSendTimeoutMs; an app
// that takes longer is dropped for good, one that went away may be attached
// again (a new app). The relay never writes into the target: only the target
// waits for nobody.
// Thread contract: reactorscope-run's main thread.
#pragma once
#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "compat/LiveMetadata.h"
#include "live/TextTraceWriter.h"
#include "live/TraceDecoder.h"
#include "run/SinkFanOut.h"

namespace rs::run {

class RunRecorder;

constexpr int kAppSendTimeoutMs = 2000;

class ProcessStream {
 public:
  // Takes `fd` (a connected, non-blocking stream of process `peerPid`); `text`
  // (may be null, not owned); `recorder` (may be null, not owned) gives the
  // process a sink of its own.
  ProcessStream(int fd, uint32_t peerPid, std::FILE* text, RunRecorder* recorder);
  ~ProcessStream();
  ProcessStream(const ProcessStream&) = delete;
  ProcessStream& operator=(const ProcessStream&) = delete;

  int fd() const { return fd_; }
  bool open() const { return fd_ >= 0; }
  // Reads what the socket holds; false once the stream ended (closed here).
  // Not for a stream handed over.
  bool readAvailable();
  // The process's pid (the peer's, then hello's).
  uint32_t pid() const { return pid_; }
  // The stream went to the app itself: watch() it instead of reading it.
  bool handedOver() const { return handedOver_; }
  // The app's connection (-1 when none).
  int appFd() const { return appFd_; }
  // A handed-over stream: poll's revents for the stream (asked for nothing:
  // POLLHUP is its end) and for the app's connection (asked for POLLIN: the
  // app never writes, so readable means it went away, and so does the trace).
  void watch(short streamEvents, short appEvents);
  // Whether a (new) connection to the app would be taken.
  bool wantsApp() const { return appFd_ < 0 && !neverAttachAgain_ && !broken_; }
  // Takes `appFd` (owned): the stream itself when nothing was read yet and
  // nothing here decodes it, else what the stream said so far that still
  // holds, then the rest.
  void attachApp(int appFd);
  // The end: appends the exit message when given (after a whole frame of a
  // stream that has begun), then closes the app's connection.
  void finish(const std::optional<live::ProgramExit>& exit);

 private:
  void closeStream();
  bool handOver(int& appFd);
  void relayFrames(std::string_view frames);
  bool sendToApp(std::string_view bytes);
  void dropApp();

  int fd_;
  // What was read: a frame cut short by the last read (kept_ bytes) at the
  // front, then room for a read of at least kReadBytes.
  static constexpr size_t kReadBytes = size_t{256} << 10;
  static constexpr size_t kInputBytes = live::kFrameHeaderBytes + live::kMaxBodyBytes + kReadBytes;
  std::unique_ptr<char[]> input_;
  size_t kept_ = 0;
  uint64_t frames_ = 0;
  uint32_t pid_ = 0;
  bool broken_ = false;  // a frame length over the bound: nothing more is relayed
  live::MetadataMemory memory_;
  live::TraceDecoder decoder_;
  live::TextTraceWriter writer_;
  SinkFanOut sinks_;  // the text writer and/or the process's recorder
  bool decodeOn_;     // false once nothing wants the decoded trace, or it turned out malformed
  int appFd_ = -1;
  bool neverAttachAgain_ = false;  // the app was too slow, or took the stream itself, or the stream is over
  bool handedOver_ = false;
};

}  // namespace rs::run

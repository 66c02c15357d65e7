// One traced program in the app: the stream of a process running under
// reactorscope-run (docs/trace-protocol.md), decoded (live::TraceDecoder,
// every message validated) into the same models as the app's own sessions.
// Each event_base the process creates becomes a session of kind Program,
// titled "<process>[<pid>] base <n> (<backend>)": event ids are per base, and
// a base is what the state diagram, the timeline and the stats describe.
// Events are labelled with their callbacks' function names (live::EventLabels,
// plus the peer address of a connected TCP socket); records go to the
// aggregator as they arrive; the program's [warn] lines and drop counts go to
// the log (drops also into the session row). A base freed ends its session;
// the end of the stream (the program exited) ends the rest; a malformed
// stream ends them with the decoder's error in the log. Records received stay.
// The relay's exit message (exit code or signal) goes to the log and every
// base's row: Finished on exit code 0, Stopped when stop() or SIGTERM, SIGINT,
// SIGKILL or SIGHUP ended it (a request, not a crash), else Failed. stop() (the Sessions panel's Stop on a running base) sends SIGTERM
// to the program (hello's pid, after checking /proc/<pid> belongs to this
// uid), then SIGKILL after kStopGraceMs if the stream has not ended; never
// once the exit message arrived (the pid may be reused).
// The connection comes from reactorscope-run: either the process's stream
// relayed, or a handoff (live/Handoff.h): the process's own stream socket,
// read directly, then the relay's bytes after it (its exit message).
// Reading is non-blocking on the GUI thread (QSocketNotifier), at most
// kMaxBytesPerWakeup per wakeup so a busy target cannot starve the GUI.
// Thread contract: GUI thread only.
#pragma once
#include <sys/types.h>

#include <QObject>
#include <QPointer>
#include <QSocketNotifier>
#include <QString>
#include <QVector>

#include <QTimer>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/Tracer.h"
#include "live/EventLabels.h"
#include "live/Handoff.h"
#include "live/OwnerTags.h"
#include "live/PeerAddress.h"
#include "live/TraceDecoder.h"
#include "model/SessionController.h"

namespace rs::gui {

class ProgramSession : public QObject, private live::TraceSink {
  Q_OBJECT
 public:
  static constexpr size_t kMaxBytesPerWakeup = size_t{1} << 20;
  // Event bases of one process: at most kMaxLiveBases at once (more ends the
  // stream: hostile), and kMaxBases over its life, each a Sessions row (a
  // program that makes a base per task or per test: later ones are not shown,
  // and the log says so once).
  static constexpr size_t kMaxLiveBases = 64;
  static constexpr size_t kMaxBases = 1024;
  static constexpr int kStopGraceMs = 3000;

  // Takes `fd` (a connected, non-blocking stream socket) and reads it from now on.
  ProgramSession(int fd, SessionController* controller, QObject* parent = nullptr);
  ~ProgramSession() override;

  bool ended() const { return fd_ < 0; }
  // The process as its hello named it ("" before the hello).
  QString processName() const { return QString::fromStdString(hello_.processName); }
  // The sessions of its bases, in creation order.
  std::vector<int> sessionIds() const;
  bool owns(int session) const;
  // How the program ended, once the relay said so.
  const std::optional<live::ProgramExit>& exit() const { return exit_; }
  // SIGTERM now, SIGKILL after the grace period (see above); a log line when it cannot.
  void stop();
  void setStopGraceMs(int ms) { stopGraceMs_ = ms; }

 signals:
  void finished();

 private:
  bool tooManyBasesLogged_ = false;  // the log said later bases are not shown
  struct Base {
    int session = 0;
    QString title;  // its Sessions row's
    std::unique_ptr<Tracer> labels;  // its label directory (no records)
    bool ended = false;
  };

  // The Sessions row is the model's one copy (SessionController adds the trace
  // figures every tick): this class changes only its status and error there.
  template <typename Change>
  void changeRow(const Base& b, Change change);

  enum class Source { Opening, Relayed, HandedOff };
  void readReady();
  void readOpening();
  void readStream(int fd);
  void finishDecoding(ssize_t n, int err);
  void handedOffStreamEnded();
  void readAfterStream();
  void finishAfterStream();
  void closeOpening();
  void closeAll();
  // The program's stream has not ended: only then may it be signalled (its
  // pid may be reused once it ended).
  bool streamOpen() const { return !ended() && !streamDone_; }
  void endStream(LogLevel level, const QString& why);
  void endBase(Base& b, EngineSession::Status status, const QString& error);
  Base* baseFor(uint64_t id);
  void log(LogLevel level, int session, const QString& text);
  void flushLog();

  // live::TraceSink
  void hello(const live::Hello& h) override;
  void baseCreated(uint64_t base, const std::string& method) override;
  void baseFreed(uint64_t base) override;
  void callback(const live::CallbackInfo& info) override;
  void records(uint64_t base, const TraceRecord* records, size_t count) override;
  void log(int severity, const std::string& text) override;
  void dropped(const live::DropCounts& counts) override;
  void exited(const live::ProgramExit& x) override;

  QString who() const;
  EngineSession::Status exitStatus() const;
  void signalProgram(int sig);

  QPointer<SessionController> controller_;  // (null once it is gone: see ~ProgramSession)
  int fd_;  // the connection
  std::unique_ptr<QSocketNotifier> notifier_;
  Source source_ = Source::Opening;
  live::ConnectionOpening opening_;  // the connection's first bytes, until they say what it carries
  int streamFd_ = -1;            // the handed-off stream (HandedOff)
  std::unique_ptr<QSocketNotifier> streamNotifier_;
  std::string afterStream_;      // what the relay sent after the handoff (its exit)
  bool streamDone_ = false;      // the handed-off stream reached its end
  bool connectionDone_ = false;  // the relay's connection reached its end
  live::TraceDecoder decoder_;
  live::EventLabels labels_;
  live::PeerAddresses peers_;  // of hello_.pid
  live::ProcessOwnerTags ownerTags_;  // this process's owner tags -> the app's
  live::Hello hello_;
  std::map<uint64_t, Base> bases_;
  int lastSession_ = 0;  // where process-wide log lines go
  QVector<LogEntry> pendingLog_;
  std::optional<live::ProgramExit> exit_;
  bool stopRequested_ = false;
  int stopGraceMs_ = kStopGraceMs;
  QTimer killTimer_;
};

}  // namespace rs::gui

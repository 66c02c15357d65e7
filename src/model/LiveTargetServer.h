// The app's end of the live trace: listens on the per-user Unix socket
// (live/AppSocket.h: directory 0700, socket 0600) for programs started under
// reactorscope-run, and hands over each connection whose peer runs as this
// user (SO_PEERCRED); any other peer is closed at once, with a log line.
// Non-blocking, on the GUI thread's event loop (QSocketNotifier): accepting
// never waits for a target.
// Thread contract: GUI thread (the thread that created it).
#pragma once
#include <QObject>
#include <QSocketNotifier>
#include <QString>

#include <memory>

#include <sys/types.h>

#include "workload/EchoServer.h"  // LogLevel

namespace rs::gui {

class LiveTargetServer : public QObject {
  Q_OBJECT
 public:
  explicit LiveTargetServer(QObject* parent = nullptr);
  // Stops listening and removes the socket it created.
  ~LiveTargetServer() override;

  // Listens at `socketPath` (the directory is created 0700 if missing). A stale
  // socket left by an app that died is replaced; a path where another app
  // answers is not: false with *error then, as for any other failure.
  bool listen(const QString& socketPath, QString* error);
  bool listening() const { return listenFd_ >= 0; }
  QString socketPath() const { return path_; }
  // Whose connections are taken (default: this process's uid). Tests only.
  void setAllowedUid(uid_t uid) { allowedUid_ = uid; }

 signals:
  // A target connected: `fd` (non-blocking, close-on-exec) now belongs to the
  // receiver; `pid` is the peer process (reactorscope-run, the relay).
  void targetConnected(int fd, qint64 pid);
  // What happened that the log should say (rejections, accept failures).
  void message(rs::LogLevel level, const QString& text);

 private:
  void acceptReady();
  void close();

  int listenFd_ = -1;
  QString path_;
  uid_t allowedUid_;
  std::unique_ptr<QSocketNotifier> notifier_;
};

}  // namespace rs::gui

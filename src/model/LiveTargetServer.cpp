#include "model/LiveTargetServer.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "live/AppSocket.h"

namespace rs::gui {

namespace {
constexpr int kBacklog = 16;
QString errnoText() { return QString::fromLocal8Bit(std::strerror(errno)); }
}  // namespace

LiveTargetServer::LiveTargetServer(QObject* parent) : QObject(parent), allowedUid_(::getuid()) {}

LiveTargetServer::~LiveTargetServer() { close(); }

void LiveTargetServer::close() {
  notifier_.reset();
  if (listenFd_ < 0) return;
  ::close(listenFd_);
  listenFd_ = -1;
  ::unlink(path_.toStdString().c_str());
}

bool LiveTargetServer::listen(const QString& socketPath, QString* error) {
  close();
  const std::string path = socketPath.toStdString();
  std::string why;
  if (!live::prepareSocketDir(path, &why)) {
    *error = QStringLiteral("cannot listen for traced programs: %1").arg(QString::fromStdString(why));
    return false;
  }
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) {
    *error = QStringLiteral("cannot listen for traced programs: %1: path too long").arg(socketPath);
    return false;
  }
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0) {
    const int probe = live::connectToApp(path, &why);
    if (probe >= 0) {
      ::close(probe);
      *error = QStringLiteral("another ReactorScope app already listens for traced programs at %1").arg(socketPath);
      return false;
    }
    if (!S_ISSOCK(st.st_mode)) {
      *error = QStringLiteral("cannot listen for traced programs: %1 exists and is not a socket").arg(socketPath);
      return false;
    }
    ::unlink(path.c_str());  // left by an app that did not quit cleanly
  }
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    *error = QStringLiteral("cannot listen for traced programs: socket: %1").arg(errnoText());
    return false;
  }
  const mode_t oldMask = ::umask(0177);  // the socket is born 0600 (the directory is 0700 anyway)
  const bool bound = ::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0;
  ::umask(oldMask);
  if (!bound || ::listen(fd, kBacklog) != 0) {
    *error = QStringLiteral("cannot listen for traced programs at %1: %2").arg(socketPath, errnoText());
    ::close(fd);
    return false;
  }
  listenFd_ = fd;
  path_ = socketPath;
  notifier_ = std::make_unique<QSocketNotifier>(static_cast<qintptr>(fd), QSocketNotifier::Read);
  connect(notifier_.get(), &QSocketNotifier::activated, this, &LiveTargetServer::acceptReady);
  return true;
}

void LiveTargetServer::acceptReady() {
  for (;;) {
    const int fd = ::accept4(listenFd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK)
        emit message(LogLevel::Warning, QStringLiteral("traced programs: accept failed: %1").arg(errnoText()));
      return;
    }
    ucred peer{};
    socklen_t len = sizeof peer;
    if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &peer, &len) != 0) {
      emit message(LogLevel::Warning,
                   QStringLiteral("traced programs: rejected a connection: its credentials are unreadable (%1)")
                       .arg(errnoText()));
      ::close(fd);
      continue;
    }
    if (peer.uid != allowedUid_) {
      emit message(LogLevel::Warning, QStringLiteral("traced programs: rejected a connection from pid %1: it runs "
                                                     "as uid %2, this app takes only uid %3's programs")
                                          .arg(peer.pid)
                                          .arg(peer.uid)
                                          .arg(allowedUid_));
      ::close(fd);
      continue;
    }
    emit targetConnected(fd, peer.pid);
  }
}

}  // namespace rs::gui

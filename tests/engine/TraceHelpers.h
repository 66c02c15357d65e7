// Test helpers: read an EventBase's trace ring and render one event's records as
// short strings ("pending->active ready-read"), so a test states the expected
// transition sequence literally.
#pragma once
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <QString>
#include <QTest>
#include <QStringList>
#include <vector>

#include "core/EventBase.h"
#include "core/Trace.h"

Q_DECLARE_METATYPE(rs::Poller::Backend)

namespace rs::test {

// Data-driven tests over every backend: a "backend" column, rows epoll, poll, select.
inline void addBackendRows() {
  QTest::addColumn<Poller::Backend>("backend");
  QTest::newRow("epoll") << Poller::Backend::Epoll;
  QTest::newRow("poll") << Poller::Backend::Poll;
  QTest::newRow("select") << Poller::Backend::Select;
}

inline std::vector<TraceRecord> drainAll(EventBase& base) {
  std::vector<TraceRecord> out;
  TraceRecord chunk[256];
  for (;;) {
    const size_t n = base.tracer().drain(chunk, 256);
    if (n == 0) break;
    out.insert(out.end(), chunk, chunk + n);
  }
  return out;
}

// Transitions as "from->to cause"; callbacks as "callback-begin" / "callback-end".
inline QString render(const TraceRecord& r) {
  switch (r.type) {
    case TraceType::Transition:
      return QStringLiteral("%1->%2 %3").arg(toString(r.from), toString(r.to), toString(r.cause));
    case TraceType::CallbackBegin:
    case TraceType::CallbackEnd:
      return QString::fromLatin1(toString(r.type));
    default:
      return QString::fromLatin1(toString(r.type));
  }
}

// Every record of one event, in ring order.
inline QStringList timeline(const std::vector<TraceRecord>& records, uint64_t eventId,
                            bool withCallbacks = true) {
  QStringList out;
  for (const TraceRecord& r : records) {
    if (r.eventId != eventId) continue;
    if (!withCallbacks && r.type != TraceType::Transition) continue;
    out << render(r);
  }
  return out;
}

// A connected AF_UNIX stream socketpair closed on scope exit.
struct SocketPair {
  int fd[2] = {-1, -1};
  SocketPair() { ::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fd); }
  ~SocketPair() {
    for (int f : fd)
      if (f >= 0) ::close(f);
  }
  bool ok() const { return fd[0] >= 0 && fd[1] >= 0; }
  bool send(const char* bytes, size_t n = 1) { return ::write(fd[1], bytes, n) == static_cast<ssize_t>(n); }
  SocketPair(const SocketPair&) = delete;
  SocketPair& operator=(const SocketPair&) = delete;
};

// A pipe closed on scope exit.
struct Pipe {
  int fd[2] = {-1, -1};
  Pipe() { [[maybe_unused]] int rc = ::pipe2(fd, O_NONBLOCK | O_CLOEXEC); }
  ~Pipe() {
    for (int f : fd)
      if (f >= 0) ::close(f);
  }
  Pipe(const Pipe&) = delete;
  Pipe& operator=(const Pipe&) = delete;
};

inline EventBase::Options tracedOptions(Poller::Backend backend) {
  EventBase::Options o;
  o.backend = backend;
  o.tracing = true;
  return o;
}

}  // namespace rs::test

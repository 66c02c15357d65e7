// The backends behind EventBase, and the fds a base opens: every Poller
// (epoll, poll, select) reports readiness by update()/wait(); select past
// FD_SETSIZE; a base opens its wakeup eventfd and signal pipe only when its
// options or a call ask, in libevent's order; reinitBackend() re-creates the
// backend, the pipe and the eventfd and everything still fires.
#include <QtTest>
#include <dirent.h>
#include <sys/resource.h>
#include <sys/select.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <map>
#include <thread>

#include "TraceHelpers.h"
#include "core/Event.h"
#include "core/EventBase.h"
#include "core/Poller.h"

using namespace rs;
using rs::test::SocketPair;

namespace {
// The process's open fds, ascending, with what each is ("eventpoll", "pipe",
// "eventfd", "socket", ...), read from /proc/self/fd.
std::map<int, QString> openFds() {
  std::map<int, QString> fds;
  DIR* dir = ::opendir("/proc/self/fd");
  if (!dir) return fds;
  while (const dirent* entry = ::readdir(dir)) {
    if (entry->d_name[0] == '.') continue;
    char link[64];
    const ssize_t n = ::readlinkat(::dirfd(dir), entry->d_name, link, sizeof link - 1);
    const QString target = QString::fromLatin1(link, n > 0 ? static_cast<int>(n) : 0);
    QString kind = target.section(':', 0, 0);
    if (kind == QLatin1String("anon_inode")) kind = target.section('[', 1).chopped(1);
    fds[std::atoi(entry->d_name)] = kind;
  }
  const int own = ::dirfd(dir);
  ::closedir(dir);
  fds.erase(own);
  return fds;
}

// What was opened since `before`, in fd order (= creation order: each open
// takes the lowest free fd).
QStringList openedSince(const std::map<int, QString>& before) {
  QStringList kinds;
  for (const auto& [fd, kind] : openFds())
    if (!before.count(fd)) kinds << kind;
  return kinds;
}

bool readyHas(const ReadyFd* ready, int n, int fd, short what) {
  for (int i = 0; i < n; ++i)
    if (ready[i].fd == fd) return (ready[i].what & what) == what;
  return false;
}
}  // namespace

class TestPollers : public QObject {
  Q_OBJECT

 private slots:
  void reportsReadAndWrite_data() { rs::test::addBackendRows(); }
  void reportsReadAndWrite() {
    QFETCH(Poller::Backend, backend);
    auto poller = Poller::create(backend);
    QVERIFY(poller);
    QCOMPARE(QByteArray(poller->name()), QByteArray(Poller::backendName(backend)));
    SocketPair sp;
    QVERIFY(sp.ok());
    ReadyFd ready[8];
    QCOMPARE(poller->update(sp.fd[0], 0, kEvRead), 0);
    QCOMPARE(poller->wait(0, ready, 8), 0);  // nothing to read yet
    QVERIFY(sp.send("x"));
    int n = poller->wait(0, ready, 8);
    QCOMPARE(n, 1);
    QVERIFY(readyHas(ready, n, sp.fd[0], kEvRead));
    QCOMPARE(poller->update(sp.fd[0], kEvRead, kEvRead | kEvWrite), 0);
    n = poller->wait(0, ready, 8);
    QVERIFY(readyHas(ready, n, sp.fd[0], kEvRead | kEvWrite));
    QCOMPARE(poller->update(sp.fd[0], kEvRead | kEvWrite, 0), 0);
    QCOMPARE(poller->wait(0, ready, 8), 0);  // removed: the unread byte is not reported
  }

  void selectHasNoClosedInterest() {
    // libevent's select backend has no EV_CLOSED: an fd with only that
    // interest is not watched (a hang-up shows as readable to readers).
    auto poller = Poller::create(Poller::Backend::Select);
    SocketPair sp;
    ReadyFd ready[4];
    QCOMPARE(poller->update(sp.fd[0], 0, kEvClosed), 0);
    ::shutdown(sp.fd[1], SHUT_WR);
    QCOMPARE(poller->wait(0, ready, 4), 0);
    QCOMPARE(poller->update(sp.fd[0], kEvClosed, kEvRead | kEvClosed), 0);
    const int n = poller->wait(0, ready, 4);
    QCOMPARE(n, 1);
    QCOMPARE(ready[0].what, kEvRead);
  }

  void selectGrowsPastFdSetSize() {
    // As libevent's select.c: the fd sets grow to the highest fd, so an fd at
    // or above FD_SETSIZE (1024) is watched like any other.
    rlimit limit{};
    QCOMPARE(::getrlimit(RLIMIT_NOFILE, &limit), 0);
    const rlim_t wanted = FD_SETSIZE + 200;
    if (limit.rlim_cur < wanted) {
      if (limit.rlim_max < wanted) QSKIP("RLIMIT_NOFILE's hard limit is below FD_SETSIZE + 200");
      rlimit raised = limit;
      raised.rlim_cur = wanted;
      QCOMPARE(::setrlimit(RLIMIT_NOFILE, &raised), 0);
    }
    SocketPair sp;
    const int high = FD_SETSIZE + 100;
    QCOMPARE(::dup2(sp.fd[0], high), high);
    auto poller = Poller::create(Poller::Backend::Select);
    ReadyFd ready[4];
    QCOMPARE(poller->update(high, 0, kEvRead), 0);
    QCOMPARE(poller->wait(0, ready, 4), 0);
    QVERIFY(sp.send("x"));
    const int n = poller->wait(0, ready, 4);
    QCOMPARE(n, 1);
    QCOMPARE(ready[0].fd, high);
    QCOMPARE(ready[0].what, kEvRead);
    QCOMPARE(poller->update(high, kEvRead, 0), 0);
    ::close(high);
    QCOMPARE(poller->wait(0, ready, 4), 0);  // the closed fd is no longer in the sets
    ::setrlimit(RLIMIT_NOFILE, &limit);
  }

  void selectReportsAClosedRegisteredFd() {
    // select() fails with EBADF on a closed fd still in its sets (libevent's
    // select backend makes the loop return -1 too); poll reports POLLNVAL.
    auto poller = Poller::create(Poller::Backend::Select);
    int fds[2];
    QCOMPARE(::pipe(fds), 0);
    QCOMPARE(poller->update(fds[0], 0, kEvRead), 0);
    ::close(fds[0]);
    ::close(fds[1]);
    ReadyFd ready[4];
    QCOMPARE(poller->wait(0, ready, 4), -EBADF);
  }

  void baseUsesTheChosenBackend_data() { rs::test::addBackendRows(); }
  void baseUsesTheChosenBackend() {
    QFETCH(Poller::Backend, backend);
    EventBase::Options options;
    options.backend = backend;
    EventBase base(options);
    QVERIFY2(base.valid(), base.error().c_str());
    QCOMPARE(QByteArray(base.method()), QByteArray(Poller::backendName(backend)));
  }

  void fdsOpenInLibeventsOrder() {
    const std::map<int, QString> before = openFds();
    QVERIFY(!before.empty());
    // The native default: the backend's fd and the eventfd at construction;
    // the signal pipe at the first signal event.
    {
      EventBase base;
      QCOMPARE(openedSince(before), (QStringList{"eventpoll", "eventfd"}));
      QVERIFY(base.notifiable());
      Event sig(&base, SIGUSR2, kEvSignal, [](int, short) {});
      QCOMPARE(sig.add(nullptr), 0);
      QCOMPARE(openedSince(before), (QStringList{"eventpoll", "eventfd", "pipe", "pipe"}));
    }
    QCOMPARE(openedSince(before), QStringList{});
    // libevent's (the compat layer's): backend, signal pipe; the eventfd only
    // on request, after them.
    EventBase::Options options;
    options.notifiable = false;
    options.signalPipeAtStart = true;
    EventBase base(options);
    QVERIFY(!base.notifiable());
    const QStringList libevents{"eventpoll", "pipe", "pipe"};
    QCOMPARE(openedSince(before), libevents);
    Event sig(&base, SIGUSR2, kEvSignal, [](int, short) {});
    QCOMPARE(sig.add(nullptr), 0);
    QCOMPARE(openedSince(before), libevents);  // the pipe was open already
    QCOMPARE(base.makeNotifiable(), 0);
    QVERIFY(base.notifiable());
    QCOMPARE(openedSince(before), libevents + QStringList{"eventfd"});
    QCOMPARE(base.makeNotifiable(), 0);
    QCOMPARE(openedSince(before), libevents + QStringList{"eventfd"});
    const std::map<int, QString> withOne = openFds();
    options.backend = Poller::Backend::Select;
    EventBase selectBase(options);  // no backend fd: just the pipe
    QCOMPARE(openedSince(withOne), (QStringList{"pipe", "pipe"}));
  }

  void notifiableOnRequestRunsWhatWasQueued() {
    // queueInLoop() on a base without an eventfd keeps the functor;
    // makeNotifiable() wakes the loop for it.
    EventBase::Options options;
    options.notifiable = false;
    EventBase base(options);
    int ran = 0;
    std::thread([&] { base.queueInLoop([&] { ++ran; }); }).join();
    // One poll each (no events: NoExitOnEmpty keeps the loop to it).
    QCOMPARE(base.loop(kLoopNonblock | kLoopNoExitOnEmpty), 0);
    QCOMPARE(ran, 0);
    QCOMPARE(base.makeNotifiable(), 0);
    QCOMPARE(base.loop(kLoopNonblock | kLoopNoExitOnEmpty), 0);
    QCOMPARE(ran, 1);
  }

  void reinitKeepsEverythingWorking_data() { rs::test::addBackendRows(); }
  void reinitKeepsEverythingWorking() {
    QFETCH(Poller::Backend, backend);
    EventBase::Options options;
    options.backend = backend;
    options.notifiable = false;
    options.signalPipeAtStart = true;
    EventBase base(options);
    QCOMPARE(base.makeNotifiable(), 0);
    SocketPair sp;
    int reads = 0, caught = 0;
    Event reader(&base, sp.fd[0], kEvRead | kEvPersist, [&](int fd, short) {
      char c;
      if (::read(fd, &c, 1) == 1) ++reads;
    });
    Event sig(&base, SIGUSR2, kEvSignal | kEvPersist, [&](int, short) { ++caught; });
    QCOMPARE(reader.add(nullptr), 0);
    QCOMPARE(sig.add(nullptr), 0);
    const std::map<int, QString> fdsBefore = openFds();
    QCOMPARE(base.reinitBackend(), 0);
    QVERIFY(base.valid());
    QCOMPARE(QByteArray(base.method()), QByteArray(Poller::backendName(backend)));
    QCOMPARE(openFds(), fdsBefore);  // closed and opened again, into the same numbers
    QVERIFY(base.notifiable());
    QVERIFY(sp.send("a"));
    ::raise(SIGUSR2);
    for (int i = 0; i < 3 && (reads < 1 || caught < 1); ++i) base.loop(kLoopOnce | kLoopNonblock);
    QCOMPARE(reads, 1);
    QCOMPARE(caught, 1);
    // The new eventfd wakes a loop blocked on another thread (loopbreak()
    // repeated: one that lands before the loop starts is cleared by it).
    std::atomic<bool> returned{false};
    std::thread loop([&] {
      base.dispatch();
      returned = true;
    });
    for (int i = 0; i < 5000 && !returned; ++i) {
      if (base.loopRunning()) base.loopbreak();
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    loop.join();
    QVERIFY(base.gotBreak());
  }
};

QTEST_MAIN(TestPollers)
#include "tst_pollers.moc"

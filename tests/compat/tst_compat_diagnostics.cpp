// libevent's diagnostics through the compat layer: a listener that cannot
// accept because the fd table is full prints libevent's "Error from accept()
// call: Too many open files" warning through event_set_log_callback once per
// retry of its backoff (libevent itself prints it in a busy loop), stays quiet
// when the program has an error callback, and accepts the waiting connections
// once descriptors are free again; libevent_global_shutdown ends debug mode.
#include <arpa/inet.h>
#include <fcntl.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <event2/event_struct.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <QtTest>
#include <cstring>
#include <string>
#include <vector>

#include "core/Event.h"  // the debug-check counter

namespace {

std::vector<std::pair<int, std::string>> g_logged;

void recordLog(int severity, const char* msg) { g_logged.emplace_back(severity, msg); }

int g_accepted = 0;
int g_errorCallbacks = 0;

void onAccept(evconnlistener*, evutil_socket_t fd, sockaddr*, int, void*) {
  ++g_accepted;
  ::close(fd);
}

void onError(evconnlistener*, void*) { ++g_errorCallbacks; }

// Listener on 127.0.0.1 (an ephemeral port), kClients connections waiting in its
// backlog, then an fd limit just above the highest open fd so accept() fails
// with EMFILE; the loop runs for runMs, then the limit is restored and the
// loop runs until every waiting connection is accepted (at most 5 s).
struct FullFdTable {
  static constexpr int kClients = 3;
  event_base* base = event_base_new();
  evconnlistener* listener = nullptr;
  std::vector<int> clients;
  std::vector<int> fillers;  // /dev/null descriptors filling the table's holes
  rlimit saved{};

  explicit FullFdTable(bool withErrorCallback) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    listener = evconnlistener_new_bind(base, onAccept, nullptr, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, 16,
                                       reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    if (!listener) return;
    if (withErrorCallback) evconnlistener_set_error_cb(listener, onError);
    socklen_t len = sizeof addr;
    ::getsockname(evconnlistener_get_fd(listener), reinterpret_cast<sockaddr*>(&addr), &len);
    for (int i = 0; i < kClients; ++i) {
      const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      if (fd >= 0 && ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) clients.push_back(fd);
    }
  }

  void runWithFullTable(int runMs) {
    int highest = 0;
    for (int fd = 0; fd < 4096; ++fd) {
      if (::fcntl(fd, F_GETFD) != -1) highest = fd;
    }
    // accept() takes the lowest free number: fill the holes below the highest.
    for (;;) {
      const int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
      if (fd < 0) break;
      if (fd > highest) {
        ::close(fd);
        break;
      }
      fillers.push_back(fd);
    }
    ::getrlimit(RLIMIT_NOFILE, &saved);
    rlimit tight = saved;
    tight.rlim_cur = static_cast<rlim_t>(highest + 1);
    ::setrlimit(RLIMIT_NOFILE, &tight);
    timeval tv{0, runMs * 1000};
    event_base_loopexit(base, &tv);
    event_base_dispatch(base);
    ::setrlimit(RLIMIT_NOFILE, &saved);
    for (int fd : fillers) ::close(fd);
    fillers.clear();
  }

  void runUntilAccepted() {
    for (int round = 0; round < 50 && g_accepted < static_cast<int>(clients.size()); ++round) {
      timeval tv{0, 100 * 1000};
      event_base_loopexit(base, &tv);
      event_base_dispatch(base);
    }
  }

  ~FullFdTable() {
    for (int fd : clients) ::close(fd);
    if (listener) evconnlistener_free(listener);
    event_base_free(base);
  }
};

}  // namespace

class TestCompatDiagnostics : public QObject {
  Q_OBJECT

 private slots:
  void init() {
    g_logged.clear();
    g_accepted = g_errorCallbacks = 0;
    event_set_log_callback(recordLog);
  }
  void cleanup() { event_set_log_callback(nullptr); }

  void acceptFailureWarnsOncePerRetry() {
    FullFdTable t(false);
    QVERIFY(t.listener);
    QCOMPARE(static_cast<int>(t.clients.size()), FullFdTable::kClients);
    t.runWithFullTable(200);
    QCOMPARE(g_accepted, 0);
    // Retries at 0, 10, 30, 70 and 150 ms at the most (backoff 10 ms doubling):
    // a busy loop would log thousands.
    QVERIFY2(!g_logged.empty() && g_logged.size() <= 5, qPrintable(QString::number(g_logged.size())));
    for (const auto& [severity, text] : g_logged) {
      QCOMPARE(severity, EVENT_LOG_WARN);
      QCOMPARE(QString::fromStdString(text), QStringLiteral("Error from accept() call: Too many open files"));
    }
    t.runUntilAccepted();
    QCOMPARE(g_accepted, FullFdTable::kClients);
  }

  // libevent_global_shutdown ends debug mode (libevent's event_disable_debug_mode):
  // misuse that debug mode reported is then libevent's plain warning.
  void globalShutdownEndsDebugMode() {
    rs::setDebugCheckHandler(+[](const char*) {});
    event_enable_debug_mode();
    struct event zeroed;
    std::memset(&zeroed, 0, sizeof zeroed);
    const uint64_t reportsBefore = rs::debugCheckFailures();
    QCOMPARE(event_add(&zeroed, nullptr), -1);
    QCOMPARE(rs::debugCheckFailures(), reportsBefore + 1);  // "never initialized"
    QVERIFY(g_logged.empty());
    libevent_global_shutdown();
    QCOMPARE(event_add(&zeroed, nullptr), -1);
    QCOMPARE(rs::debugCheckFailures(), reportsBefore + 1);
    QCOMPARE(static_cast<int>(g_logged.size()), 1);
    QCOMPARE(QString::fromStdString(g_logged[0].second), QStringLiteral("event_add: event has no event_base set."));
    rs::setDebugCheckHandler(nullptr);
  }

  void errorCallbackSilencesTheWarning() {
    FullFdTable t(true);
    QVERIFY(t.listener);
    t.runWithFullTable(100);
    QVERIFY(g_errorCallbacks >= 1);
    QVERIFY(g_logged.empty());
    t.runUntilAccepted();
    QCOMPARE(g_accepted, FullFdTable::kClients);
  }
};

QTEST_GUILESS_MAIN(TestCompatDiagnostics)
#include "tst_compat_diagnostics.moc"

// A live trace names an event's callback before the event's first record
// (docs/trace-protocol.md), whatever the collector's 2 ms tick falls on: a
// program (tests/run/fixtures/labels_first.c, our library) creates and frees
// 2000 evconnlisteners and then 2000 events made with event_new, streaming to a
// socket pair (REACTORSCOPE_TRACE_FD); in the decoded stream every listener's
// and event's `callback` message comes before the first record of its event.
// (Before the library announced callbacks first, a listener's event had its
// "new" and "add" records written before its callback was queued, and ticks
// falling in between sent the records first.) Callbacks announced again: an
// idle event whose record the next event took is rebuilt under a new id with
// its callback announced (rebuilt_cb: two ids), event_base_once's callback is
// announced (once_cb: one id), and evconnlistener_set_cb
// announces the listener's new callback for its event. Waits are hang guards.
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <QtTest>
#include <map>
#include <set>
#include <string>
#include <vector>
#include <utility>

#include "live/TraceDecoder.h"

namespace {

constexpr long kCount = 2000;

// The position in the stream of each event's first `callback` message (event
// and listener roles) and of its first record.
struct OrderSink : rs::live::TraceSink {
  using Key = std::pair<uint64_t, uint64_t>;  // base, event id
  struct Named {
    uint64_t at;
    rs::live::CallbackRole role;
  };
  uint64_t position = 0;
  std::map<Key, Named> named;
  std::map<Key, std::vector<uint64_t>> addresses;  // of every message, in order
  std::map<Key, uint64_t> firstRecord;
  void hello(const rs::live::Hello&) override {}
  void baseCreated(uint64_t, const std::string&) override {}
  void baseFreed(uint64_t) override {}
  void callback(const rs::live::CallbackInfo& info) override {
    if (info.role == rs::live::CallbackRole::Event || info.role == rs::live::CallbackRole::Listener) {
      named.try_emplace({info.base, info.eventId}, Named{position, info.role});
      addresses[{info.base, info.eventId}].push_back(info.address);
    }
    ++position;
  }
  void records(uint64_t base, const rs::TraceRecord* records, size_t n) override {
    for (size_t i = 0; i < n; ++i, ++position)
      if (records[i].eventId) firstRecord.try_emplace({base, records[i].eventId}, position);
  }
  void log(int, const std::string&) override {}
  void dropped(const rs::live::DropCounts&) override {}
};

// Everything `fd` gives until EOF (60 s hang guard).
QByteArray readAll(int fd) {
  QByteArray got;
  QDeadlineTimer guard(60000);
  while (!guard.hasExpired()) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    char buf[65536];
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) break;
    got.append(buf, static_cast<qsizetype>(n));
  }
  return got;
}

}  // namespace

class TestLabelOrder : public QObject {
  Q_OBJECT

 private slots:
  void callbackPrecedesTheEventsRecords() {
    int stream[2];
    QVERIFY(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, stream) == 0);
    const pid_t child = ::fork();
    QVERIFY(child >= 0);
    if (child == 0) {
      const std::string fd = std::to_string(::dup(stream[1]));
      ::setenv("REACTORSCOPE_TRACE_FD", fd.c_str(), 1);
      const std::string count = std::to_string(kCount);
      ::execl(LABELS_FIRST, LABELS_FIRST, count.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::close(stream[1]);
    const QByteArray bytes = readAll(stream[0]);
    ::close(stream[0]);
    int status = 0;
    QCOMPARE(::waitpid(child, &status, 0), child);
    QVERIFY2(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the fixture failed");

    rs::live::TraceDecoder decoder;
    OrderSink sink;
    QVERIFY2(decoder.feed(bytes.constData(), static_cast<size_t>(bytes.size()), sink) && decoder.finish(),
             decoder.error().c_str());
    long listeners = 0, events = 0, checked = 0, lateCount = 0;
    QStringList late;  // the first few
    for (const auto& [key, named] : sink.named) {
      const bool listener = named.role == rs::live::CallbackRole::Listener;
      (listener ? listeners : events) += 1;
      const auto record = sink.firstRecord.find(key);
      if (record == sink.firstRecord.end()) continue;
      ++checked;
      if (record->second > named.at) continue;
      if (++lateCount <= 5)
        late << QString("%1 event %2: its first record at %3, its callback at %4")
                    .arg(listener ? "listener" : "event_new")
                    .arg(key.second)
                    .arg(record->second)
                    .arg(named.at);
    }
    qInfo("%ld listener and %ld event callbacks, %ld with records, %ld after a record of their event", listeners,
          events, checked, lateCount);
    QCOMPARE(listeners, kCount);
    QVERIFY(events >= kCount);
    QVERIFY(checked >= 2 * kCount);  // (the ring is large enough: nothing was dropped)
    QVERIFY2(lateCount == 0, qPrintable(late.join('\n')));

    // The event ids per callback address (timer_cb's kCount + 1 events,
    // rebuilt_cb's two, once_cb's one, filler_cb's 1 023), and one listener
    // event with two callbacks.
    std::map<uint64_t, int> eventIdsPerAddress;
    int listenersSetAgain = 0;
    for (const auto& [key, named] : sink.named) {
      const std::vector<uint64_t>& sent = sink.addresses[key];
      if (named.role == rs::live::CallbackRole::Event) ++eventIdsPerAddress[sent.front()];
      else if (sent.size() == 2 && sent[0] != sent[1]) ++listenersSetAgain;
    }
    std::multiset<int> counts;
    for (const auto& [address, ids] : eventIdsPerAddress) counts.insert(ids);
    QCOMPARE(counts, (std::multiset<int>{1, 2, 1023, static_cast<int>(kCount) + 1}));
    QCOMPARE(listenersSetAgain, 1);
  }
};

QTEST_GUILESS_MAIN(TestLabelOrder)
#include "tst_label_order.moc"

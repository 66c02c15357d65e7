// The live trace stream's decoder (src/live/TraceDecoder) and callback-name
// resolution (src/live/SymbolResolver): a well-formed stream arrives whole
// however it is split; each kind of hostile input (truncation, a huge length,
// a bad version, an unknown type, a record count that lies, an out-of-range
// state, a stream not starting with hello) ends the stream with its own clear
// error; a bounded run of mutated streams never crashes the decoder (the
// libFuzzer target tests/fuzz/fuzz_trace_decoder does the long run).
#include <dlfcn.h>
#include <link.h>

#include <QtTest>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "compat/LiveProtocol.h"
#include "live/SymbolResolver.h"
#include "live/TextTraceWriter.h"
#include <cstring>

#include "live/TraceDecoder.h"

using namespace rs;
using namespace rs::live;

namespace {

// Counts what arrives.
struct CountingSink : TraceSink {
  int hellos = 0, bases = 0, freed = 0, callbacks = 0, logs = 0, drops = 0, exits = 0;
  ProgramExit lastExit;
  std::vector<TraceRecord> got;
  Hello lastHello;
  CallbackInfo lastCallback;
  std::string lastLog;
  void hello(const Hello& h) override {
    ++hellos;
    lastHello = h;
  }
  void baseCreated(uint64_t, const std::string&) override { ++bases; }
  void baseFreed(uint64_t) override { ++freed; }
  void callback(const CallbackInfo& c) override {
    ++callbacks;
    lastCallback = c;
  }
  void records(uint64_t, const TraceRecord* r, size_t n) override { got.insert(got.end(), r, r + n); }
  void log(int, const std::string& text) override {
    ++logs;
    lastLog = text;
  }
  void dropped(const DropCounts&) override { ++drops; }
  void exited(const ProgramExit& x) override {
    ++exits;
    lastExit = x;
  }
};

void hello(std::string& s, uint32_t version = kProtocolVersion) {
  Encoder e(s);
  e.begin(MessageType::Hello);
  e.u32(version);
  e.u32(4242);
  e.u64(1000);
  e.str("server");
  e.str("/tmp/server");
  e.end();
}

TraceRecord transition(uint64_t id, EventState from, EventState to, TraceCause cause) {
  TraceRecord r;
  fillRecord(r, 2000, id, 0, 0, 7, TraceType::Transition, EventKind::Io, from, to, cause, 0);
  return r;
}

void records(std::string& s, const std::vector<TraceRecord>& rs, uint32_t claimed) {
  Encoder e(s);
  e.begin(MessageType::Records);
  e.u64(1);
  e.u32(claimed);
  e.u32(0);
  e.raw(rs.data(), rs.size() * sizeof(TraceRecord));
  e.end();
}

// A stream of every message type.
std::string wholeStream() {
  std::string s;
  hello(s);
  Encoder e(s);
  e.begin(MessageType::BaseCreated);
  e.u64(1);
  e.str("epoll");
  e.end();
  e.begin(MessageType::Callback);
  e.u64(1);
  e.u64(5);
  e.u8(static_cast<uint8_t>(CallbackRole::BufferRead));
  e.u8(0);
  e.u16(2);
  e.u32(7);
  e.u64(0x1234);
  e.u64(0x234);
  e.str("/tmp/server");
  e.end();
  records(s,
          {transition(5, EventState::NonPending, EventState::Pending, TraceCause::Add),
           transition(5, EventState::Pending, EventState::Active, TraceCause::ReadyRead)},
          2);
  e.begin(MessageType::Log);
  e.u32(2);
  e.str("Error from accept() call");
  e.end();
  e.begin(MessageType::Dropped);
  e.u64(1);
  e.u64(3);
  e.u64(4);
  e.end();
  e.begin(MessageType::BaseFreed);
  e.u64(1);
  e.end();
  s += encodeExit(true, 15);  // the relay's last frame
  return s;
}

// Feeds the whole string; the decoder's verdict (feed and finish).
bool decode(const std::string& s, TraceDecoder& d, CountingSink& sink) {
  return d.feed(s.data(), s.size(), sink) && d.finish();
}

void setU32(std::string& s, size_t at, uint32_t v) {
  for (int i = 0; i < 4; ++i) s[at + static_cast<size_t>(i)] = static_cast<char>((v >> (8 * i)) & 0xff);
}

// A static function: resolved only through the static symbol table.
__attribute__((noinline)) static int staticProbe(int x) { return x * 3 + 1; }

}  // namespace

class TestTraceDecoder : public QObject {
  Q_OBJECT

 private slots:
  void wholeStreamArrives() {
    const std::string s = wholeStream();
    TraceDecoder d;
    CountingSink sink;
    QVERIFY2(decode(s, d, sink), d.error().c_str());
    QCOMPARE(sink.hellos, 1);
    QCOMPARE(sink.lastHello.pid, 4242u);
    QCOMPARE(sink.lastHello.processName, std::string("server"));
    QCOMPARE(sink.bases, 1);
    QCOMPARE(sink.callbacks, 1);
    QCOMPARE(sink.lastCallback.fileAddress, uint64_t{0x234});
    QCOMPARE(sink.lastCallback.role, CallbackRole::BufferRead);
    QCOMPARE(sink.got.size(), size_t{2});
    QCOMPARE(sink.got[1].to, EventState::Active);
    QCOMPARE(sink.got[1].cause, TraceCause::ReadyRead);
    QCOMPARE(sink.lastLog, std::string("Error from accept() call"));
    QCOMPARE(sink.drops, 1);
    QCOMPARE(sink.freed, 1);
    QCOMPARE(sink.exits, 1);
    QVERIFY(sink.lastExit.signaled);
    QCOMPARE(sink.lastExit.code, 15);
    QCOMPARE(exitText(sink.lastExit), std::string("signal 15 (SIGTERM)"));
    QCOMPARE(exitText({false, 3}), std::string("exit code 3"));
  }

  // Records frames fed at the address readShift() asks for reach the sink
  // where they lie (no copy), after a frame of odd length too; fed anywhere
  // else they are copied: the same records either way.
  void alignedRecordsAreHandedOverWhereTheyLie() {
    struct WhereSink : CountingSink {
      const char* from = nullptr;
      const char* to = nullptr;
      int inPlace = 0, copied = 0;
      void records(uint64_t base, const TraceRecord* r, size_t n) override {
        const auto* p = reinterpret_cast<const char*>(r);
        (p >= from && p < to ? inPlace : copied) += 1;
        CountingSink::records(base, r, n);
      }
    };
    std::string first;
    hello(first);  // (odd length: the process name and path)
    std::vector<TraceRecord> batch;
    for (uint64_t id = 1; id <= 50; ++id) batch.push_back(transition(id, EventState::NonPending, EventState::Pending, TraceCause::Add));
    std::string frames;
    for (int k = 0; k < 3; ++k) records(frames, batch, static_cast<uint32_t>(batch.size()));
    QVERIFY(first.size() % 8 != 0);
    std::vector<TraceRecord> reference;
    for (size_t misplace = 0; misplace < 8; ++misplace) {
      TraceDecoder d;
      WhereSink sink;
      QVERIFY(d.feed(first.data(), first.size(), sink));
      std::vector<uint64_t> storage(frames.size() / 8 + 2);  // 8-byte aligned
      char* at = reinterpret_cast<char*>(storage.data()) + (d.readShift() + misplace) % 8;
      std::memcpy(at, frames.data(), frames.size());
      sink.from = at;
      sink.to = at + frames.size();
      QVERIFY2(d.feed(at, frames.size(), sink) && d.finish(), d.error().c_str());
      QCOMPARE(sink.got.size(), 3 * batch.size());
      QCOMPARE(misplace == 0 ? sink.inPlace : sink.copied, 3);
      if (reference.empty()) reference = sink.got;
      QVERIFY(std::memcmp(sink.got.data(), reference.data(), reference.size() * sizeof(TraceRecord)) == 0);
    }
  }

  void byteByByteIsTheSame() {
    const std::string s = wholeStream();
    TraceDecoder d;
    CountingSink sink;
    for (char c : s) QVERIFY2(d.feed(&c, 1, sink), d.error().c_str());
    QVERIFY(d.finish());
    QCOMPARE(sink.got.size(), size_t{2});
    QCOMPARE(sink.freed, 1);
  }

  void hostileInputs_data() {
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QString>("expected");
    const std::string whole = wholeStream();
    QTest::newRow("truncated") << QByteArray::fromStdString(whole.substr(0, whole.size() - 3))
                               << "ended inside a frame";
    std::string huge = whole;
    setU32(huge, 0, 0xfffffff0u);
    QTest::newRow("huge length") << QByteArray::fromStdString(huge) << "exceeds the limit";
    std::string badVersion;
    hello(badVersion, 99);
    QTest::newRow("bad version") << QByteArray::fromStdString(badVersion) << "protocol version 99";
    std::string unknown = whole;
    unknown[4] = 42;
    QTest::newRow("unknown type") << QByteArray::fromStdString(unknown) << "unknown message type 42";
    std::string noHello;
    Encoder(noHello).begin(MessageType::BaseFreed);
    noHello += std::string(8, '\0');
    setU32(noHello, 0, 8);
    QTest::newRow("no hello") << QByteArray::fromStdString(noHello) << "must start with hello";
    std::string lying;
    hello(lying);
    records(lying, {transition(1, EventState::Pending, EventState::Active, TraceCause::ReadyRead)}, 3);
    QTest::newRow("record count lies") << QByteArray::fromStdString(lying) << "says 3 records but holds 40 bytes";
    std::string badState;
    hello(badState);
    TraceRecord r = transition(1, EventState::Pending, EventState::Active, TraceCause::ReadyRead);
    r.to = static_cast<EventState>(9);
    records(badState, {r}, 1);
    QTest::newRow("bad state") << QByteArray::fromStdString(badState) << "unknown event state";
    std::string shortHello;
    hello(shortHello);
    setU32(shortHello, 0, 6);
    shortHello.resize(kFrameHeaderBytes + 6);
    QTest::newRow("frame after exit") << QByteArray::fromStdString(whole + encodeExit(false, 0))
                                      << "message after the exit message";
    std::string badSignal;
    hello(badSignal);
    badSignal += encodeExit(true, 0);
    QTest::newRow("signal 0") << QByteArray::fromStdString(badSignal) << "impossible signal 0";
    std::string negative;
    hello(negative);
    negative += encodeExit(false, -1);
    QTest::newRow("negative exit code") << QByteArray::fromStdString(negative) << "impossible exit code -1";
    QTest::newRow("short hello") << QByteArray::fromStdString(shortHello) << "hello message of 6 bytes is malformed";
    // Valid messages, but more than one stream may make the app hold: events
    // created and never freed, callback messages naming ever new modules.
    std::string runaway;
    hello(runaway);
    for (uint64_t first = 1; first <= TraceDecoder::kMaxLiveEvents + 1; first += kMaxRecordsPerFrame) {
      std::vector<TraceRecord> created;
      for (uint64_t id = first; id < first + kMaxRecordsPerFrame; ++id)
        created.push_back(transition(id, EventState::Invalid, EventState::NonPending, TraceCause::New));
      records(runaway, created, static_cast<uint32_t>(created.size()));
    }
    QTest::newRow("events never freed") << QByteArray::fromStdString(runaway) << "more than 500000 live events";
    std::string modules;
    hello(modules);
    for (size_t i = 0; i <= TraceDecoder::kMaxModules; ++i) {
      Encoder e(modules);
      e.begin(MessageType::Callback);
      e.u64(1);
      e.u64(i + 1);
      e.u8(static_cast<uint8_t>(CallbackRole::Event));
      e.u8(0);
      e.u16(2);
      e.u32(7);
      e.u64(0x1234);
      e.u64(0x234);
      e.str("/tmp/module-" + std::to_string(i) + ".so");
      e.end();
    }
    QTest::newRow("ever new modules") << QByteArray::fromStdString(modules) << "more than 1024 modules";
  }

  void hostileInputs() {
    QFETCH(QByteArray, bytes);
    QFETCH(QString, expected);
    TraceDecoder d;
    CountingSink sink;
    QVERIFY(!decode(bytes.toStdString(), d, sink));
    QVERIFY2(QString::fromStdString(d.error()).contains(expected), d.error().c_str());
    // Once bad, it stays bad: nothing more is delivered.
    const int before = sink.hellos + sink.bases + sink.callbacks + static_cast<int>(sink.got.size());
    const std::string more = wholeStream();
    QVERIFY(!d.feed(more.data(), more.size(), sink));
    QCOMPARE(sink.hellos + sink.bases + sink.callbacks + static_cast<int>(sink.got.size()), before);
  }

  // A short bounded run of mutated streams (the fuzz target's idea, with a
  // fixed seed): the decoder never crashes and says why when it refuses.
  void mutatedStreamsNeverCrash() {
    const std::string seed = wholeStream();
    std::mt19937 rng(12345);
    int refused = 0;
    for (int i = 0; i < 20000; ++i) {
      std::string s = seed;
      const int edits = 1 + static_cast<int>(rng() % 4);
      for (int k = 0; k < edits; ++k) {
        const size_t at = rng() % s.size();
        switch (rng() % 3) {
          case 0: s[at] = static_cast<char>(rng()); break;
          case 1: s.erase(at, 1 + rng() % 16); break;
          default: s.insert(at, std::string(1 + rng() % 8, static_cast<char>(rng()))); break;
        }
        if (s.empty()) s = "x";
      }
      TraceDecoder d;
      CountingSink sink;
      size_t pos = 0;
      bool good = true;
      while (good && pos < s.size()) {
        const size_t n = std::min<size_t>(1 + rng() % 64, s.size() - pos);
        good = d.feed(s.data() + pos, n, sink);
        pos += n;
      }
      if (!good || !d.finish()) {
        ++refused;
        QVERIFY(!d.error().empty());
      }
    }
    QVERIFY(refused > 0);
  }

  void staticFunctionsResolveByNameAndLine() {
    Dl_info info{};
    link_map* map = nullptr;
    const auto address = reinterpret_cast<const void*>(&staticProbe);
    QVERIFY(dladdr1(address, &info, reinterpret_cast<void**>(&map), RTLD_DL_LINKMAP) != 0 && map);
    SymbolResolver symbols;
    const uint64_t fileAddress = reinterpret_cast<uintptr_t>(address) - map->l_addr;
    QVERIFY(staticProbe(1) == 4);
    const std::string name = symbols.resolve("/proc/self/exe", fileAddress);
    QVERIFY2(name.find("staticProbe") != std::string::npos, name.c_str());
    QCOMPARE(symbols.resolve("/nonexistent/module.so", 0x42), std::string("0x42@module.so"));
    // Built with -g: libdw finds the source line.
    const std::string where = symbols.sourceLine("/proc/self/exe", fileAddress);
    QVERIFY2(QString::fromStdString(where).startsWith("tst_trace_decoder.cpp:"), where.c_str());
    QCOMPARE(symbols.sourceLine("/nonexistent/module.so", 0x42), std::string());
  }

  void textLinesUseTheTutorialsNames() {
    QCOMPARE(std::string(stateName(EventState::NonPending)), std::string("non_pending"));
    char* text = nullptr;
    size_t size = 0;
    std::FILE* out = open_memstream(&text, &size);
    {
      TextTraceWriter writer(out);
      TraceDecoder d;
      const std::string s = wholeStream();
      QVERIFY(d.feed(s.data(), s.size(), writer));
    }
    std::fclose(out);
    const QString lines = QString::fromUtf8(text, static_cast<qsizetype>(size));
    std::free(text);
    const QString line = "pid=4242 base=1 ev=5 0x234@server[bufferevent-read] io fd=7 pending -> active (fd ready: read)";
    QVERIFY2(lines.contains(line), qPrintable(lines));
    QVERIFY2(lines.contains("log [warn] Error from accept() call"), qPrintable(lines));
    QVERIFY2(lines.contains("dropped: 3 in the ring, 4 by the collector"), qPrintable(lines));
  }

  // fuzz_trace_decoder: a record stamped INT64_MIN made the text writer's
  // "seconds since hello" overflow (UBSan, signed integer overflow).
  void extremeStampsDoNotOverflow() {
    std::string s;
    hello(s);
    TraceRecord r = transition(1, EventState::Pending, EventState::Active, TraceCause::ReadyRead);
    r.tsNs = std::numeric_limits<int64_t>::min();
    records(s, {r}, 1);
    std::FILE* out = std::fopen("/dev/null", "w");
    TextTraceWriter writer(out);
    TraceDecoder d;
    QVERIFY(d.feed(s.data(), s.size(), writer) && d.finish());
    std::fclose(out);
  }
};

QTEST_MAIN(TestTraceDecoder)
#include "tst_trace_decoder.moc"

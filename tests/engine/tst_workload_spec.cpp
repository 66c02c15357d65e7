// WorkloadSpec: the one vocabulary of the workloads. validate() is table-driven
// here -- each rule, the input that breaks it and the exact message -- so a
// rule that moves, loosens or rewords shows up as a failing row; the names
// round-trip; the loopback rule holds for every spelling the front ends accept.
#include <QtTest>
#include <cstring>

#include <cmath>
#include <functional>

#include "core/EventBase.h"
#include "workload/EchoServer.h"
#include "workload/LoadClient.h"
#include "workload/WorkloadSpec.h"

using namespace rs;

Q_DECLARE_METATYPE(std::function<void(rs::LoadClientConfig&)>)
Q_DECLARE_METATYPE(std::function<void(rs::EchoServerConfig&)>)

namespace {
using ClientEdit = std::function<void(LoadClientConfig&)>;
using ServerEdit = std::function<void(EchoServerConfig&)>;

// A config every rule accepts: the starting point each row breaks one rule of.
LoadClientConfig goodClient() {
  LoadClientConfig c;
  c.port = 9000;
  return c;
}
}  // namespace

class TestWorkloadSpec : public QObject {
  Q_OBJECT

 private slots:
  void defaultsAreValid() {
    QCOMPARE(QString::fromStdString(validate(goodClient())), QString());
    QCOMPARE(QString::fromStdString(validate(EchoServerConfig{})), QString());
  }

  void clientRules_data() {
    QTest::addColumn<ClientEdit>("edit");
    QTest::addColumn<QString>("message");
    using F = LoadClientConfig::Fault;
    using M = LoadClientConfig::ServerMode;
    using Loop = LoadClientConfig::LoopMode;
    QTest::newRow("a name") << ClientEdit([](auto& c) { c.host = "example.com"; })
                            << "cannot resolve 'example.com': only numeric IPv4/IPv6 addresses and 'localhost' are "
                               "accepted (no DNS lookups)";
    QTest::newRow("not loopback") << ClientEdit([](auto& c) { c.host = "10.0.0.1"; })
                                  << "connect 10.0.0.1:9000: refused, only loopback targets (127.0.0.0/8, ::1, "
                                     "localhost) are allowed";
    QTest::newRow("port 0") << ClientEdit([](auto& c) { c.port = 0; }) << "port 0 is not a valid target (1-65535)";
    QTest::newRow("0 connections") << ClientEdit([](auto& c) { c.connections = 0; })
                                   << "connections must be 1-100000 (got 0)";
    QTest::newRow("too many connections") << ClientEdit([](auto& c) { c.connections = 100001; })
                                          << "connections must be 1-100000 (got 100001)";
    QTest::newRow("size 0") << ClientEdit([](auto& c) { c.messageSize = 0; })
                            << "message size must be 1 B - 64 MiB (got 0)";
    QTest::newRow("size over 64 MiB") << ClientEdit([](auto& c) { c.messageSize = (size_t{64} << 20) + 1; })
                                      << "message size must be 1 B - 64 MiB (got 67108865)";
    QTest::newRow("connections x size over 2 GiB")
        << ClientEdit([](auto& c) {
             c.connections = 100000;
             c.messageSize = size_t{64} << 20;
           })
        << "100000 connections x 67108864 B messages would buffer more than 2 GiB in the client; lower the "
           "connections or the size";
    QTest::newRow("duration negative") << ClientEdit([](auto& c) { c.durationSec = -1; })
                                       << "duration must be 0-31536000 seconds";
    QTest::newRow("duration NaN") << ClientEdit([](auto& c) { c.durationSec = std::nan(""); })
                                  << "duration must be 0-31536000 seconds";
    QTest::newRow("connect rate below 0.001") << ClientEdit([](auto& c) { c.connectRate = 0.0005; })
                                              << "connect rate must be 0 (all at once) or 0.001-1e9 connections/s";
    QTest::newRow("rate below 0.001") << ClientEdit([](auto& c) {
                                         c.loopMode = Loop::Open;
                                         c.rate = 0.0005;
                                       })
                                      << "open loop needs a rate of 0.001-1e9 messages/s";
    QTest::newRow("open loop, rate 0") << ClientEdit([](auto& c) { c.loopMode = Loop::Open; })
                                       << "open loop needs a rate of 0.001-1e9 messages/s";
    QTest::newRow("fault against a discard server") << ClientEdit([](auto& c) {
                                                         c.serverMode = M::Discard;
                                                         c.fault = F::HalfClose;
                                                       })
                                                    << "fault half-close needs an echo server (server mode discard)";
    QTest::newRow("slow reader against a source server") << ClientEdit([](auto& c) {
                                                              c.serverMode = M::Source;
                                                              c.fault = F::SlowReader;
                                                            })
                                                         << "fault slow-reader needs an echo server (server mode source)";
    QTest::newRow("open loop against discard")
        << ClientEdit([](auto& c) {
             c.serverMode = M::Discard;
             c.loopMode = Loop::Open;
             c.rate = 100;
           })
        << "open loop (a rate) needs an echo server; against a discard server the client sends as fast as it can";
    QTest::newRow("open loop with slow reader")
        << ClientEdit([](auto& c) {
             c.fault = F::SlowReader;
             c.loopMode = Loop::Open;
             c.rate = 100;
           })
        << "a rate (open loop) does not apply with fault slow-reader (it sends as fast as the server takes)";
    QTest::newRow("source with a count") << ClientEdit([](auto& c) {
                                              c.serverMode = M::Source;
                                              c.messageCount = 10;
                                            })
                                         << "against a source server the client only reads: give a duration, not a "
                                            "message count";
    QTest::newRow("no end") << ClientEdit([](auto& c) { c.durationSec = 0; })
                            << "a run needs a duration or a message count (both are 0)";
    QTest::newRow("timeout 0") << ClientEdit([](auto& c) { c.timeout = 0; })
                               << "timeout must be > 0 and at most 86400 seconds";
    QTest::newRow("slow reader at 0 B/s") << ClientEdit([](auto& c) {
                                               c.fault = F::SlowReader;
                                               c.slowReaderBytesPerSec = 0;
                                             })
                                          << "slow reader rate must be 1 B/s - 4G/s";
    QTest::newRow("rst interval below 10 ms") << ClientEdit([](auto& c) {
                                                 c.fault = F::AbortRst;
                                                 c.rstIntervalSec = 0.005;
                                               })
                                            << "reset interval must be 0 (resets only at the end) or 0.01-3600 seconds";
    QTest::newRow("negative rst interval") << ClientEdit([](auto& c) { c.rstIntervalSec = -1; })
                                           << "reset interval must be 0 (resets only at the end) or 0.01-3600 seconds";
    QTest::newRow("empty text payload") << ClientEdit([](auto& c) { c.payload = LoadClientConfig::PayloadKind::Text; })
                                        << "text payload is empty";
    QTest::newRow("bad hex payload") << ClientEdit([](auto& c) {
                                          c.payload = LoadClientConfig::PayloadKind::Hex;
                                          c.payloadSpec = "zz";
                                        })
                                     << "invalid hex payload 'zz': 'z' is not a hex digit";
  }
  void clientRules() {
    QFETCH(ClientEdit, edit);
    QFETCH(QString, message);
    LoadClientConfig c = goodClient();
    edit(c);
    QCOMPARE(QString::fromStdString(validate(c)), message);
    // The engine refuses with the same line: start() asks validate().
    EventBase base;
    LoadClient client(&base, c);
    std::string error;
    QVERIFY(!client.start(&error));
    QCOMPARE(QString::fromStdString(error), message);
  }

  // Rows that are valid although they look like the ones above.
  void clientEdges_data() {
    QTest::addColumn<ClientEdit>("edit");
    QTest::newRow("closed-port on port 0") << ClientEdit([](auto& c) {
      c.port = 0;
      c.fault = LoadClientConfig::Fault::ClosedPort;
    });
    QTest::newRow("rate exactly 0.001") << ClientEdit([](auto& c) {
      c.loopMode = LoadClientConfig::LoopMode::Open;
      c.rate = 0.001;
    });
    QTest::newRow("2 GiB exactly") << ClientEdit([](auto& c) {
      c.connections = 32;
      c.messageSize = size_t{64} << 20;
    });
    QTest::newRow("closed-port needs no end") << ClientEdit([](auto& c) {
      c.durationSec = 0;
      c.fault = LoadClientConfig::Fault::ClosedPort;
    });
    QTest::newRow("v4-mapped loopback") << ClientEdit([](auto& c) { c.host = "::ffff:127.0.0.1"; });
  }
  void clientEdges() {
    QFETCH(ClientEdit, edit);
    LoadClientConfig c = goodClient();
    edit(c);
    QCOMPARE(QString::fromStdString(validate(c)), QString());
  }

  void serverRules_data() {
    QTest::addColumn<ServerEdit>("edit");
    QTest::addColumn<QString>("message");
    QTest::newRow("a name") << ServerEdit([](auto& c) { c.bindAddress = "example.com"; })
                            << "cannot resolve 'example.com': only numeric IPv4/IPv6 addresses and 'localhost' are "
                               "accepted (no DNS lookups)";
    QTest::newRow("not loopback") << ServerEdit([](auto& c) { c.bindAddress = "0.0.0.0"; })
                                  << "bind 0.0.0.0:0: refused, the echo server only binds loopback addresses "
                                     "(127.0.0.0/8, ::1, localhost)";
    QTest::newRow("max connections negative") << ServerEdit([](auto& c) { c.maxConnections = -1; })
                                              << "max connections must be 0-1000000 (0 = unlimited), got -1";
    QTest::newRow("delay over an hour") << ServerEdit([](auto& c) { c.responseDelayMs = 3600001; })
                                        << "response delay must be 0-3600000 ms, got 3600001";
    QTest::newRow("read high watermark over 4G")
        << ServerEdit([](auto& c) { c.readHighWatermark = (size_t{1} << 32) + 1; })
        << "read high watermark must be at most 4G (0 = unlimited)";
    QTest::newRow("output cap over 4G") << ServerEdit([](auto& c) { c.outputCapBytes = (size_t{1} << 32) + 1; })
                                        << "output cap must be at most 4G (0 = unlimited)";
    QTest::newRow("budget over 1T") << ServerEdit([](auto& c) { c.memoryBudgetBytes = (size_t{1} << 40) + 1; })
                                    << "memory budget must be at most 1024G (0 = unlimited)";
    QTest::newRow("idle timeout over a day") << ServerEdit([](auto& c) { c.idleTimeoutMs = 86'400'001; })
                                             << "idle timeout must be 0 (never) or 0.001-86400 s";
    QTest::newRow("backlog over 65535") << ServerEdit([](auto& c) { c.backlog = 65536; })
                                        << "backlog must be 1-65535 (or -1 = SOMAXCONN), got 65536";
  }
  void serverRules() {
    QFETCH(ServerEdit, edit);
    QFETCH(QString, message);
    EchoServerConfig c;
    edit(c);
    QCOMPARE(QString::fromStdString(validate(c)), message);
    EventBase base;
    EchoServer server(&base, c);
    std::string error;
    QVERIFY(!server.start(&error));
    QCOMPARE(QString::fromStdString(error), message);
  }

  // Every fault is explained (forms show it), and a session title names what
  // differs from a default run.
  void faultsAreDescribed() {
    for (const char* name : kFaultNames) {
      const auto fault = parseFault(name);
      QVERIFY(fault);
      QVERIFY2(std::strlen(describeFault(*fault)) > 40, name);
    }
    QVERIFY(QString(describeFault(LoadClientConfig::Fault::SlowReader)).contains("Watch: Buffers"));
    QVERIFY(QString(describeFault(LoadClientConfig::Fault::AbortRst)).contains("during the run"));
  }

  void nonDefaultSettingsAreNamed() {
    LoadClientConfig c;
    QCOMPARE(QString::fromStdString(nonDefaultSettings(c)), QString());
    c.fault = LoadClientConfig::Fault::AbortRst;
    c.messageSize = 1024;
    c.rstIntervalSec = 0.5;
    QCOMPARE(QString::fromStdString(nonDefaultSettings(c)), QString("fault rst, 1.0 KiB messages, a reset every 0.5 s"));
    EchoServerConfig s;
    QCOMPARE(QString::fromStdString(nonDefaultSettings(s)), QString());
    s.responseDelayMs = 200;
    s.outputCapBytes = 0;
    QCOMPARE(QString::fromStdString(nonDefaultSettings(s)), QString("delay 200 ms, no output cap"));
  }

  void namesRoundTrip() {
    for (const char* name : kServerModeNames) QCOMPARE(toString(*parseServerMode(name)), name);
    for (const char* name : kFaultNames) QCOMPARE(toString(*parseFault(name)), name);
    for (const char* name : kLoopModeNames) QCOMPARE(toString(*parseLoopMode(name)), name);
    QCOMPARE(toString(LoadClientConfig::Fault::AbortRst), "rst");
    QVERIFY(!parseServerMode("mirror"));
    QVERIFY(!parseFault("meteor"));
    QVERIFY(!parseFault(""));
  }

  void loopbackRule_data() {
    QTest::addColumn<QString>("host");
    QTest::addColumn<bool>("loopback");
    QTest::newRow("127.0.0.1") << "127.0.0.1" << true;
    QTest::newRow("127.8.9.10") << "127.8.9.10" << true;
    QTest::newRow("::1") << "::1" << true;
    QTest::newRow("[::1]") << "[::1]" << true;
    QTest::newRow("localhost") << "localhost" << true;
    QTest::newRow("v4-mapped loopback") << "::ffff:127.0.0.1" << true;
    QTest::newRow("v4-mapped private") << "::ffff:10.0.0.1" << false;
    QTest::newRow("private") << "10.0.0.1" << false;
    QTest::newRow("any") << "0.0.0.0" << false;
    QTest::newRow("v6 any") << "::" << false;
    QTest::newRow("name") << "example.com" << false;
    QTest::newRow("lookalike") << "localhost.evil.example" << false;
    QTest::newRow("empty") << "" << false;
  }
  void loopbackRule() {
    QFETCH(QString, host);
    QFETCH(bool, loopback);
    QCOMPARE(isLoopbackHost(host.toStdString()), loopback);
  }
};

QTEST_MAIN(TestWorkloadSpec)
#include "tst_workload_spec.moc"

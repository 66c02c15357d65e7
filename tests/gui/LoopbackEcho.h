// Loopback echo sessions on a SessionController, as the GUI tests start them
// without the dialogs: an echo server on 127.0.0.1 at an ephemeral port, and a
// bounded load client against it. Header-only; GUI thread only, like the
// controller. The wait is a bounded hang guard, never a timing assertion.
#pragma once
#include <QtTest>

#include "model/SessionController.h"

namespace rs::gui::test {

// Starts an echo server on 127.0.0.1, port 0; its session id (does not wait).
inline int startLoopbackServer(SessionController& ctl) {
  EchoServerConfig config;
  config.bindAddress = "127.0.0.1";
  config.port = 0;
  return ctl.startServer(config);
}

// The port the server session `server` listens on once its row says Running
// with a port; 0 when it did not within the hang guard (20 s).
inline uint16_t waitListening(SessionController& ctl, int server) {
  const auto listening = [&] {
    const SessionRow* row = ctl.sessionModel()->session(server);
    return row && row->status == EngineSession::Status::Running && row->port != 0;
  };
  return QTest::qWaitFor(listening, 20000) ? ctl.sessionModel()->session(server)->port : uint16_t{0};
}

// A loopback echo server's session id and the port it listens on (0: it did not).
struct LoopbackServer {
  int id = 0;
  uint16_t port = 0;
};

// startLoopbackServer, then waitListening.
inline LoopbackServer startListeningServer(SessionController& ctl) {
  LoopbackServer server;
  server.id = startLoopbackServer(ctl);
  server.port = waitListening(ctl, server.id);
  return server;
}

// A load client's configuration: `connections` connections to 127.0.0.1:port
// for durationSec, the rest default.
inline LoadClientConfig loopbackClient(uint16_t port, int connections, double durationSec) {
  LoadClientConfig config;
  config.host = "127.0.0.1";
  config.port = port;
  config.connections = connections;
  config.durationSec = durationSec;
  return config;
}

// Starts a loopbackClient(...) on ctl; its session id (does not wait).
inline int startLoopbackClient(SessionController& ctl, uint16_t port, int connections, double durationSec) {
  return ctl.startClient(loopbackClient(port, connections, durationSec));
}

}  // namespace rs::gui::test

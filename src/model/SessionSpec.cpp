#include "model/SessionSpec.h"

#include "net/InetAddress.h"
#include "workload/Options.h"
#include "workload/WorkloadSpec.h"

namespace rs::gui {

bool parseHostPort(const QString& text, std::string* host, uint16_t* port, QString* error,
                   bool allowZeroPort) {
  std::string e;
  const auto address = InetAddress::parseHostPort(text.trimmed().toStdString(), &e, allowZeroPort);
  if (!address) {
    *error = QString::fromStdString(e);
    return false;
  }
  *host = address->ip();
  *port = address->port();
  return true;
}

QString validationMessage(const EchoServerConfig& c) { return QString::fromStdString(validate(c)); }
QString validationMessage(const LoadClientConfig& c) { return QString::fromStdString(validate(c)); }

void addLaunchOptions(QCommandLineParser* p) {
  // The defaults shown are the config structs' own.
  const EchoServerConfig server;
  const LoadClientConfig client;
  const auto number = [](auto v) { return QString::number(v); };
  p->addOptions({
      {QStringLiteral("server"), QStringLiteral("Start an echo server on ADDR:PORT (port 0: any)."),
       QStringLiteral("ADDR:PORT")},
      {QStringLiteral("mode"), QStringLiteral("Server mode: echo, discard or source."), QStringLiteral("MODE"),
       QString::fromLatin1(toString(server.mode))},
      {QStringLiteral("max-connections"), QStringLiteral("Server connection limit (0: none)."),
       QStringLiteral("N"), number(server.maxConnections)},
      {QStringLiteral("delay"), QStringLiteral("Server response delay in ms."), QStringLiteral("MS"),
       number(server.responseDelayMs)},
      {QStringLiteral("read-high-watermark"),
       QStringLiteral("Server read high watermark (e.g. 64K; 0: unlimited)."), QStringLiteral("BYTES"),
       number(server.readHighWatermark)},
      {QStringLiteral("output-cap"),
       QStringLiteral("Server output cap per connection: reading pauses above it (0: unlimited)."),
       QStringLiteral("BYTES"), number(server.outputCapBytes)},
      {QStringLiteral("memory-budget"),
       QStringLiteral("Server memory budget over all connections (0: unlimited)."), QStringLiteral("BYTES"),
       number(server.memoryBudgetBytes)},
      {QStringLiteral("idle-timeout"),
       QStringLiteral("Server closes connections idle this long (0: never)."), QStringLiteral("SEC"),
       number(server.idleTimeoutMs / 1000)},
      {QStringLiteral("client"),
       QStringLiteral("Start a load client to HOST:PORT (port 0: the server started with --server)."),
       QStringLiteral("HOST:PORT")},
      {QStringLiteral("connections"), QStringLiteral("Client connections."), QStringLiteral("N"),
       number(client.connections)},
      {QStringLiteral("size"), QStringLiteral("Client message size (e.g. 64, 4K)."), QStringLiteral("BYTES"),
       number(client.messageSize)},
      {QStringLiteral("payload"), QStringLiteral("Client payload: random, text:TEXT or hex:HEX."),
       QStringLiteral("SPEC"), QStringLiteral("random")},
      {QStringLiteral("rate"), QStringLiteral("Open loop at this many messages/s in total (0: closed loop)."),
       QStringLiteral("MSGS"), number(client.rate)},
      {QStringLiteral("duration"), QStringLiteral("Client run time in seconds (0: until --count)."),
       QStringLiteral("SEC"), number(client.durationSec)},
      {QStringLiteral("count"), QStringLiteral("Client total messages (0: until --duration)."),
       QStringLiteral("N"), number(client.messageCount)},
      {QStringLiteral("fault"),
       QStringLiteral("Client fault: none, slow-reader, half-close, rst or closed-port."),
       QStringLiteral("FAULT"), QString::fromLatin1(toString(client.fault))},
      {QStringLiteral("backlog"), QStringLiteral("Server listen backlog."), QStringLiteral("N")},
      {QStringLiteral("connect-rate"), QStringLiteral("Client connections opened per second."), QStringLiteral("R")},
      {QStringLiteral("seed"), QStringLiteral("Client random payload seed."), QStringLiteral("N")},
      {QStringLiteral("timeout"), QStringLiteral("Client connect/response timeout in seconds."), QStringLiteral("S")},
      {QStringLiteral("slow-reader-rate"), QStringLiteral("Bytes/s the slow-reader fault consumes."), QStringLiteral("B")},
      {QStringLiteral("rst-every"),
       QStringLiteral("The rst fault resets one connection every SEC seconds during the run (0: all at the end)."),
       QStringLiteral("SEC")},
      {QStringLiteral("retention"), QStringLiteral("Timeline retention in seconds."), QStringLiteral("SEC")},
      {QStringLiteral("fresh"), QStringLiteral("Ignore the saved window layout.")},
  });
}

bool readLaunchOptions(const QCommandLineParser& p, const QStringList& raw, LaunchOptions* out,
                       QString* error) {
  *out = LaunchOptions{};
  out->fresh = p.isSet(QStringLiteral("fresh"));
  if (p.isSet(QStringLiteral("retention"))) {
    bool ok = false;
    const double r = p.value(QStringLiteral("retention")).toDouble(&ok);
    if (!ok || r < 1 || r > 3600) {
      *error = QStringLiteral("--retention must be 1..3600 seconds, got \"%1\"").arg(p.value(QStringLiteral("retention")));
      return false;
    }
    out->retentionSec = r;
  }
  // The workload options go through the engine's shared parser (the same one
  // reactorscope-cli uses). A client aimed at port 0 means "the launch server".
  std::vector<std::string> args;
  bool clientToLaunchServer = false;
  for (qsizetype i = 1; i < raw.size(); ++i) {
    QString a = raw[i];
    if (a == QLatin1String("--retention")) {
      ++i;
      continue;
    }
    if (a == QLatin1String("--tab")) {
      ++i;
      continue;
    }
    if (a.startsWith(QLatin1String("--retention=")) || a.startsWith(QLatin1String("--tab=")) ||
        a == QLatin1String("--fresh"))
      continue;
    const bool clientValue = i > 1 && raw[i - 1] == QLatin1String("--client");
    if (clientValue && a.endsWith(QLatin1String(":0"))) {
      a.chop(1);
      a += QLatin1Char('1');
      clientToLaunchServer = true;
    }
    args.push_back(a.toStdString());
  }
  std::string e;
  std::optional<AppCommand> cmd = parseAppArgs(args, &e, true);
  if (!cmd) {
    *error = QString::fromStdString(e);
    return false;
  }
  // parseAppArgs() has run validate() on both.
  if (cmd->server) out->servers.push_back(*cmd->server);
  if (cmd->client) {
    if (clientToLaunchServer) {
      if (!cmd->server) {
        *error = QStringLiteral("--client: port 0 needs a --server to aim at");
        return false;
      }
      cmd->client->port = 0;
    }
    out->clients.push_back(*cmd->client);
  }
  return true;
}

}  // namespace rs::gui

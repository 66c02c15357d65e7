#include "model/SessionSpec.h"

#include <arpa/inet.h>

#include <cmath>

#include "workload/Options.h"

namespace rs::gui {

bool isValidBindAddress(const QString& address) {
  if (address == QLatin1String("localhost")) return true;
  const QByteArray a = address.toLatin1();
  in_addr v4;
  in6_addr v6;
  return inet_pton(AF_INET, a.constData(), &v4) == 1 || inet_pton(AF_INET6, a.constData(), &v6) == 1;
}

bool isLoopbackHost(const QString& host) {
  if (host == QLatin1String("localhost")) return true;
  const QByteArray a = host.toLatin1();
  in_addr v4;
  if (inet_pton(AF_INET, a.constData(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6;
  if (inet_pton(AF_INET6, a.constData(), &v6) == 1) return IN6_IS_ADDR_LOOPBACK(&v6);
  return false;
}

bool parseHostPort(const QString& raw, std::string* host, uint16_t* port, QString* error,
                   bool allowZeroPort) {
  const QString text = raw.trimmed();
  QString h;
  QString p;
  if (text.startsWith(QLatin1Char('['))) {
    const auto close = text.indexOf(QLatin1Char(']'));
    if (close < 0 || close + 1 >= text.size() || text[close + 1] != QLatin1Char(':')) {
      *error = QStringLiteral("expected [IPv6]:PORT, got \"%1\"").arg(text);
      return false;
    }
    h = text.mid(1, close - 1);
    p = text.mid(close + 2);
  } else {
    const auto colon = text.lastIndexOf(QLatin1Char(':'));
    if (colon <= 0) {
      *error = QStringLiteral("expected HOST:PORT, got \"%1\"").arg(text);
      return false;
    }
    h = text.left(colon);
    p = text.mid(colon + 1);
  }
  if (!isValidBindAddress(h)) {
    *error = QStringLiteral("\"%1\" is not a numeric IPv4/IPv6 address or localhost").arg(h);
    return false;
  }
  bool ok = false;
  const uint value = p.toUInt(&ok);
  if (!ok || value > 65535 || (!allowZeroPort && value == 0)) {
    *error = allowZeroPort ? QStringLiteral("port must be 0..65535 (0 = any free port), got \"%1\"").arg(p)
                           : QStringLiteral("port must be 1..65535, got \"%1\"").arg(p);
    return false;
  }
  *host = h.toStdString();
  *port = static_cast<uint16_t>(value);
  return true;
}

QString validateServerConfig(const EchoServerConfig& c) {
  if (!isValidBindAddress(QString::fromStdString(c.bindAddress)))
    return QStringLiteral("bind address \"%1\" is not a numeric IPv4/IPv6 address or localhost")
        .arg(QString::fromStdString(c.bindAddress));
  if (c.maxConnections < 0) return QStringLiteral("max connections must be ≥ 0 (0 = unlimited)");
  if (c.responseDelayMs < 0 || c.responseDelayMs > 60000)
    return QStringLiteral("delay must be 0..60000 ms");
  if (c.idleTimeoutMs < 0 || c.idleTimeoutMs > 86'400'000)
    return QStringLiteral("idle timeout must be 0..86400 s (0 = never)");
  return {};
}

QString validateClientConfig(const LoadClientConfig& c) {
  const QString host = QString::fromStdString(c.host);
  if (!isLoopbackHost(host))
    return QStringLiteral("target \"%1\" is not a loopback address (127.0.0.0/8, ::1, localhost)").arg(host);
  if (c.port == 0 && c.fault != LoadClientConfig::Fault::ClosedPort)
    return QStringLiteral("target port must be 1..65535");
  if (c.connections < 1 || c.connections > 100000) return QStringLiteral("connections must be 1..100000");
  if (c.messageSize < 1 || c.messageSize > (size_t{64} << 20))
    return QStringLiteral("message size must be 1 byte..64 MiB");
  if (c.loopMode == LoadClientConfig::LoopMode::Open && !(c.rate > 0))
    return QStringLiteral("open loop needs a rate > 0 messages/s");
  if (c.rate < 0 || !std::isfinite(c.rate)) return QStringLiteral("rate must be ≥ 0");
  if (c.durationSec < 0 || !std::isfinite(c.durationSec)) return QStringLiteral("duration must be ≥ 0 s");
  if (c.durationSec == 0 && c.messageCount == 0)
    return QStringLiteral("give a duration or a message count (both 0 would never end)");
  if (c.payload == LoadClientConfig::PayloadKind::Text && c.payloadSpec.empty())
    return QStringLiteral("text payload is empty");
  if (c.payload == LoadClientConfig::PayloadKind::Hex) {
    QString digits = QString::fromStdString(c.payloadSpec);
    digits.remove(QLatin1Char(' '));
    if (digits.isEmpty() || digits.size() % 2 != 0)
      return QStringLiteral("hex payload needs an even number of hex digits");
    for (QChar ch : digits)
      if (!ch.isDigit() && !QStringLiteral("abcdefABCDEF").contains(ch))
        return QStringLiteral("hex payload has a non-hex character '%1'").arg(ch);
  }
  return {};
}

bool parsePayload(const QString& text, LoadClientConfig* c, QString* error) {
  if (text.isEmpty() || text == QLatin1String("random")) {
    c->payload = LoadClientConfig::PayloadKind::Random;
    c->payloadSpec.clear();
    return true;
  }
  if (text.startsWith(QLatin1String("text:"))) {
    c->payload = LoadClientConfig::PayloadKind::Text;
    c->payloadSpec = text.mid(5).toStdString();
    return true;
  }
  if (text.startsWith(QLatin1String("hex:"))) {
    c->payload = LoadClientConfig::PayloadKind::Hex;
    c->payloadSpec = text.mid(4).toStdString();
    return true;
  }
  *error = QStringLiteral("payload must be random, text:TEXT or hex:HEX, got \"%1\"").arg(text);
  return false;
}

bool parseFault(const QString& text, LoadClientConfig::Fault* fault, QString* error) {
  using F = LoadClientConfig::Fault;
  static const struct { const char* name; F f; } kFaults[] = {
      {"none", F::None}, {"slow-reader", F::SlowReader}, {"half-close", F::HalfClose},
      {"rst", F::AbortRst}, {"closed-port", F::ClosedPort}};
  for (const auto& k : kFaults) {
    if (text == QLatin1String(k.name)) {
      *fault = k.f;
      return true;
    }
  }
  *error = QStringLiteral("fault must be none, slow-reader, half-close, rst or closed-port, got \"%1\"").arg(text);
  return false;
}

QString faultName(LoadClientConfig::Fault f) {
  using F = LoadClientConfig::Fault;
  switch (f) {
    case F::None: return QStringLiteral("none");
    case F::SlowReader: return QStringLiteral("slow-reader");
    case F::HalfClose: return QStringLiteral("half-close");
    case F::AbortRst: return QStringLiteral("rst");
    case F::ClosedPort: return QStringLiteral("closed-port");
  }
  return {};
}

bool parseMode(const QString& text, EchoServerConfig::Mode* mode, QString* error) {
  if (text == QLatin1String("echo")) *mode = EchoServerConfig::Mode::Echo;
  else if (text == QLatin1String("discard")) *mode = EchoServerConfig::Mode::Discard;
  else if (text == QLatin1String("source")) *mode = EchoServerConfig::Mode::Source;
  else {
    *error = QStringLiteral("mode must be echo, discard or source, got \"%1\"").arg(text);
    return false;
  }
  return true;
}

QString modeName(EchoServerConfig::Mode m) {
  switch (m) {
    case EchoServerConfig::Mode::Echo: return QStringLiteral("echo");
    case EchoServerConfig::Mode::Discard: return QStringLiteral("discard");
    case EchoServerConfig::Mode::Source: return QStringLiteral("source");
  }
  return {};
}

void addLaunchOptions(QCommandLineParser* p) {
  p->addOptions({
      {QStringLiteral("server"), QStringLiteral("Start an echo server on ADDR:PORT (port 0: any)."),
       QStringLiteral("ADDR:PORT")},
      {QStringLiteral("mode"), QStringLiteral("Server mode: echo, discard or source."), QStringLiteral("MODE"),
       QStringLiteral("echo")},
      {QStringLiteral("max-connections"), QStringLiteral("Server connection limit (0: none)."),
       QStringLiteral("N"), QStringLiteral("0")},
      {QStringLiteral("delay"), QStringLiteral("Server response delay in ms."), QStringLiteral("MS"),
       QStringLiteral("0")},
      {QStringLiteral("read-high-watermark"),
       QStringLiteral("Server read high watermark (e.g. 64K; 0: unlimited)."), QStringLiteral("BYTES"),
       QString::number(EchoServerConfig::kDefaultReadHighWatermark)},
      {QStringLiteral("output-cap"),
       QStringLiteral("Server output cap per connection: reading pauses above it (0: unlimited)."),
       QStringLiteral("BYTES"), QString::number(EchoServerConfig::kDefaultOutputCapBytes)},
      {QStringLiteral("memory-budget"),
       QStringLiteral("Server memory budget over all connections (0: unlimited)."), QStringLiteral("BYTES"),
       QString::number(EchoServerConfig::kDefaultMemoryBudgetBytes)},
      {QStringLiteral("idle-timeout"),
       QStringLiteral("Server closes connections idle this long (0: never)."), QStringLiteral("SEC"),
       QStringLiteral("0")},
      {QStringLiteral("client"),
       QStringLiteral("Start a load client to HOST:PORT (port 0: the server started with --server)."),
       QStringLiteral("HOST:PORT")},
      {QStringLiteral("connections"), QStringLiteral("Client connections."), QStringLiteral("N"),
       QStringLiteral("1")},
      {QStringLiteral("size"), QStringLiteral("Client message size (e.g. 64, 4K)."), QStringLiteral("BYTES"),
       QStringLiteral("64")},
      {QStringLiteral("payload"), QStringLiteral("Client payload: random, text:TEXT or hex:HEX."),
       QStringLiteral("SPEC"), QStringLiteral("random")},
      {QStringLiteral("rate"), QStringLiteral("Open loop at this many messages/s in total (0: closed loop)."),
       QStringLiteral("MSGS"), QStringLiteral("0")},
      {QStringLiteral("duration"), QStringLiteral("Client run time in seconds (0: until --count)."),
       QStringLiteral("SEC"), QStringLiteral("10")},
      {QStringLiteral("count"), QStringLiteral("Client total messages (0: until --duration)."),
       QStringLiteral("N"), QStringLiteral("0")},
      {QStringLiteral("fault"),
       QStringLiteral("Client fault: none, slow-reader, half-close, rst or closed-port."),
       QStringLiteral("FAULT"), QStringLiteral("none")},
      {QStringLiteral("backlog"), QStringLiteral("Server listen backlog."), QStringLiteral("N")},
      {QStringLiteral("connect-rate"), QStringLiteral("Client connections opened per second."), QStringLiteral("R")},
      {QStringLiteral("seed"), QStringLiteral("Client random payload seed."), QStringLiteral("N")},
      {QStringLiteral("timeout"), QStringLiteral("Client connect/response timeout in seconds."), QStringLiteral("S")},
      {QStringLiteral("slow-reader-rate"), QStringLiteral("Bytes/s the slow-reader fault consumes."), QStringLiteral("B")},
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
  if (cmd->server) {
    const QString v = validateServerConfig(*cmd->server);
    if (!v.isEmpty()) {
      *error = QStringLiteral("--server: ") + v;
      return false;
    }
    out->servers.push_back(*cmd->server);
  }
  if (cmd->client) {
    const QString v = validateClientConfig(*cmd->client);
    if (!v.isEmpty()) {
      *error = QStringLiteral("--client: ") + v;
      return false;
    }
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

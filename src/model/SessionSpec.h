// Turning what a person typed (a form field, a command-line option) into engine
// configs, with one clear error line when it can't be. The New-server and
// New-client dialogs validate with these as the user types, and `reactorscope
// --server ... --client ...` parses with the same option names as reactorscope-cli.
// Thread contract: any thread (pure functions).
#pragma once
#include <QCommandLineParser>
#include <QString>
#include <QStringList>

#include <optional>
#include <vector>

#include "workload/EchoServer.h"
#include "workload/LoadClient.h"

namespace rs::gui {

// "127.0.0.1:9000", "[::1]:9000", "localhost:9000". allowZeroPort: servers may ask
// for an ephemeral port. Returns false with *error set.
bool parseHostPort(const QString& text, std::string* host, uint16_t* port, QString* error,
                   bool allowZeroPort);
// Numeric IPv4/IPv6 or "localhost".
bool isValidBindAddress(const QString& address);
bool isLoopbackHost(const QString& host);

// Empty when the config can be started; otherwise what is wrong, for a person.
QString validateServerConfig(const EchoServerConfig& c);
QString validateClientConfig(const LoadClientConfig& c);

// "random", "text:hello", "hex:de ad be ef" <-> payload kind + spec.
bool parsePayload(const QString& text, LoadClientConfig* c, QString* error);
// "none", "slow-reader", "half-close", "rst", "closed-port".
bool parseFault(const QString& text, LoadClientConfig::Fault* fault, QString* error);
QString faultName(LoadClientConfig::Fault f);
bool parseMode(const QString& text, EchoServerConfig::Mode* mode, QString* error);
QString modeName(EchoServerConfig::Mode m);

// Command line of the app: sessions to start at launch.
struct LaunchOptions {
  std::vector<EchoServerConfig> servers;
  std::vector<LoadClientConfig> clients;
  std::optional<double> retentionSec;
  bool fresh = false;  // --fresh: ignore saved window state
};
// Adds the options to `parser` (call before parser.process()).
void addLaunchOptions(QCommandLineParser* parser);
// Reads them back from the command line `arguments` (argv, program first); false
// with *error on an invalid value. The workload options go through the engine's
// shared parser (rs::parseAppArgs), like reactorscope-cli.
bool readLaunchOptions(const QCommandLineParser& parser, const QStringList& arguments, LaunchOptions* out,
                       QString* error);

}  // namespace rs::gui

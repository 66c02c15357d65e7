// The Qt side of the workload vocabulary (engine/workload/WorkloadSpec.h holds
// the names, limits and rules): host:port fields, validate()'s message as a
// QString for the New-server and New-client dialogs, and the app's launch
// options, parsed by the engine's parser with reactorscope-cli's option names.
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

// "127.0.0.1:9000", "[::1]:9000", "localhost:9000" (engine's InetAddress
// rules; *host gets the numeric address). allowZeroPort: servers may ask for an
// ephemeral port. Returns false with *error set.
bool parseHostPort(const QString& text, std::string* host, uint16_t* port, QString* error,
                   bool allowZeroPort);

// rs::validate()'s message as a QString: empty when the config can be started.
QString validationMessage(const EchoServerConfig& c);
QString validationMessage(const LoadClientConfig& c);

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

// reactorscope: the desktop app. Command-line options start sessions at launch,
// with reactorscope-cli's option names, e.g.
//   reactorscope --server 127.0.0.1:9000 --client 127.0.0.1:9000 --connections 20
#include <QApplication>
#include <QCommandLineParser>
#include <QIcon>

#include <cstdio>

#include "model/SessionSpec.h"
#include "widgets/MainWindow.h"

int main(int argc, char* argv[]) {
  QApplication app(argc, argv);
  QApplication::setOrganizationName(QStringLiteral("ReactorScope"));
  QApplication::setApplicationName(QStringLiteral("reactorscope"));
  QApplication::setApplicationDisplayName(QStringLiteral("ReactorScope"));
  QApplication::setApplicationVersion(QStringLiteral(PROJECT_VERSION));
  QApplication::setWindowIcon(QIcon(QStringLiteral(":/icons/reactorscope.svg")));
  QApplication::setDesktopFileName(QStringLiteral("reactorscope"));

  QCommandLineParser parser;
  parser.setApplicationDescription(
      QStringLiteral("Event-loop inspector and network testing tool: spawn echo servers and load "
                     "clients, watch event states, timelines and buffers live."));
  parser.addHelpOption();
  parser.addVersionOption();
  rs::gui::addLaunchOptions(&parser);
  const QCommandLineOption tabOption(QStringLiteral("tab"),
                                     QStringLiteral("Open this tab: events, timeline, buffers, stats or console."),
                                     QStringLiteral("NAME"));
  parser.addOption(tabOption);
  parser.process(app);

  rs::gui::LaunchOptions options;
  QString error;
  if (!rs::gui::readLaunchOptions(parser, QCoreApplication::arguments(), &options, &error)) {
    std::fprintf(stderr, "reactorscope: %s\n", qPrintable(error));
    return 2;
  }

  rs::gui::MainWindow window;
  window.restoreSettings(!options.fresh);
  window.show();
  if (parser.isSet(tabOption)) window.showTab(parser.value(tabOption) + QStringLiteral("Page"));
  window.applyLaunchOptions(options);
  return app.exec();
}

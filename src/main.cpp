// reactorscope: the desktop app. Command-line options start sessions at launch,
// with reactorscope-cli's option names, e.g.
//   reactorscope --server 127.0.0.1:9000 --client 127.0.0.1:9000 --connections 20
// or open a recording in replay mode: reactorscope FILE (a file that will not
// open: one line on stderr, and the app starts live). --record FILE records every
// session from launch (File > Record's recording; an existing FILE or one that
// cannot be created: one line on stderr, and the app runs without recording).
// Exit status: 0 after the window closed (or SIGTERM/SIGINT, handled like closing
// the window: settings saved, sessions stopped), 2 on a usage error.
#include <QApplication>
#include <QCommandLineParser>
#include <QRegularExpression>
#include <QIcon>

#include <cstdio>
#include <cstring>

#include "model/SessionSpec.h"
#include "live/AppSocket.h"
#include "model/ProgramSessions.h"
#include "widgets/MainWindow.h"
#include "widgets/QuitOnSignal.h"
#include "widgets/RecordingActions.h"
#include "widgets/TimelineView.h"

namespace {

void setApplicationNames() {
  QCoreApplication::setOrganizationName(QStringLiteral("ReactorScope"));
  QCoreApplication::setApplicationName(QStringLiteral("reactorscope"));
  QCoreApplication::setApplicationVersion(QStringLiteral(PROJECT_VERSION));
}

const QCommandLineOption& tabOption() {
  static const QCommandLineOption option(
      QStringLiteral("tab"),
      QStringLiteral("Open this tab: %1.").arg(rs::gui::MainWindow::tabNames().join(QStringLiteral(", "))),
      QStringLiteral("NAME"));
  return option;
}

const QCommandLineOption& selectOption() {
  static const QCommandLineOption option(
      QStringLiteral("select"),
      QStringLiteral("Select the first event whose label matches this regular expression, once it appears."),
      QStringLiteral("REGEX"));
  return option;
}

const QCommandLineOption& timelineWindowOption() {
  static const QCommandLineOption option(QStringLiteral("timeline-window"),
                                         QStringLiteral("Seconds the followed timeline shows (default 10)."),
                                         QStringLiteral("SEC"));
  return option;
}

const QCommandLineOption& recordOption() {
  static const QCommandLineOption option(
      QStringLiteral("record"),
      QStringLiteral("Record every session from launch to FILE (as File > Record does; until the app quits)."),
      QStringLiteral("FILE"));
  return option;
}

void configureParser(QCommandLineParser* parser) {
  parser->setApplicationDescription(
      QStringLiteral("Event-loop inspector and network testing tool: spawn echo servers and load "
                     "clients, watch event states, timelines and buffers live."));
  parser->addPositionalArgument(QStringLiteral("recording"),
                               QStringLiteral("A recording (reactorscope-cli --record) to open in replay mode."),
                               QStringLiteral("[recording]"));
  parser->addHelpOption();
  parser->addVersionOption();
  rs::gui::addLaunchOptions(parser);
  parser->addOption(tabOption());
  parser->addOption(selectOption());
  parser->addOption(timelineWindowOption());
  parser->addOption(recordOption());
}

int usageError(const QString& message) {
  std::fprintf(stderr, "reactorscope: %s (see --help)\n", qPrintable(message));
  return 2;
}

// --help and --version print text only: they must work without a display, so
// they are answered before the QApplication (which needs one) exists.
bool asksForTextOnly(int argc, char* argv[]) {
  for (int i = 1; i < argc; ++i)
    for (const char* name : {"-h", "-?", "--help", "--help-all", "-v", "--version"})
      if (std::strcmp(argv[i], name) == 0) return true;
  return false;
}

int answerTextOnly(int argc, char* argv[]) {
  QCoreApplication app(argc, argv);
  setApplicationNames();
  QCommandLineParser parser;
  configureParser(&parser);
  if (!parser.parse(QCoreApplication::arguments())) return usageError(parser.errorText());
  parser.process(app);  // prints the help or the version and exits 0
  return 0;
}

}  // namespace

int main(int argc, char* argv[]) {
  // First, so a SIGTERM that arrives while Qt starts is still an orderly quit.
  rs::gui::QuitOnSignal::installHandlers();
  if (asksForTextOnly(argc, argv)) return answerTextOnly(argc, argv);

  QApplication app(argc, argv);  // takes Qt's own options (-platform, -style, ...)
  setApplicationNames();
  QApplication::setApplicationDisplayName(QStringLiteral("ReactorScope"));
  QApplication::setWindowIcon(QIcon(QStringLiteral(":/icons/reactorscope.svg")));
  QApplication::setDesktopFileName(QStringLiteral("reactorscope"));

  QCommandLineParser parser;
  configureParser(&parser);
  if (!parser.parse(QCoreApplication::arguments())) return usageError(parser.errorText());
  if (parser.positionalArguments().size() > 1)
    return usageError(QStringLiteral("unexpected argument '%1'").arg(parser.positionalArguments().at(1)));
  const QString tab = parser.value(tabOption());
  if (parser.isSet(tabOption()) && !rs::gui::MainWindow::tabNames().contains(tab))
    return usageError(QStringLiteral("--tab: '%1' is not one of %2")
                          .arg(tab, rs::gui::MainWindow::tabNames().join(QStringLiteral(", "))));

  if (parser.isSet(selectOption())) {
    const QRegularExpression select(parser.value(selectOption()));
    if (!select.isValid())
      return usageError(QStringLiteral("--select: '%1' is not a regular expression (%2 at offset %3)")
                            .arg(parser.value(selectOption()), select.errorString(),
                                 QString::number(select.patternErrorOffset())));
  }

  bool windowOk = true;
  const double timelineWindowSec =
      parser.isSet(timelineWindowOption()) ? parser.value(timelineWindowOption()).toDouble(&windowOk) : 10.0;
  if (!windowOk || timelineWindowSec < 1 || timelineWindowSec > 3600)
    return usageError(QStringLiteral("--timeline-window: '%1' is not 1-3600 seconds").arg(parser.value(timelineWindowOption())));

  rs::gui::LaunchOptions options;
  QString error;
  if (!rs::gui::readLaunchOptions(parser, QCoreApplication::arguments(), &options, &error))
    return usageError(error);

  std::unique_ptr<rs::gui::RecordedFrameSource> replay;
  if (!parser.positionalArguments().isEmpty()) {
    replay = rs::gui::MainWindow::openRecording(parser.positionalArguments().first(), &error);
    if (!replay) std::fprintf(stderr, "reactorscope: %s\n", qPrintable(error));
  }
  const bool replaying = replay != nullptr;
  rs::gui::MainWindow window(nullptr, std::move(replay));
  window.restoreSettings(!options.fresh);
  if (!replaying) window.programs()->listen(QString::fromStdString(rs::live::appSocketPath()));  // reactorscope-run's programs
  window.show();
  if (parser.isSet(tabOption())) window.showTab(tab + QStringLiteral("Page"));
  window.timeline()->setWindowSec(timelineWindowSec);
  if (parser.isSet(selectOption())) window.selectEventWhenSeen(parser.value(selectOption()));
  if (parser.isSet(recordOption())) {
    if (replaying) return usageError(QStringLiteral("--record: a replay window does not record"));
    rs::recording::RecordOptions record;
    record.path = parser.value(recordOption()).toStdString();
    if (!window.recordingActions()->record(record, {}, &error))
      std::fprintf(stderr, "reactorscope: %s\n", qPrintable(error));
  }
  window.applyLaunchOptions(options);
  new rs::gui::QuitOnSignal(&window);  // owned by the window
  return app.exec();
}

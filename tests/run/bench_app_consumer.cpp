// The app's consumer of traced programs without its windows, for
// scripts/bench-run's variant (c'): the app's own SessionController (ticking
// as in the app: drain, aggregate, models) and ProgramSessions listening at
// SOCKET, so `reactorscope-run PROGRAM` streams to what the app runs. Prints
// "listening" once it listens; on SIGTERM/SIGINT, or after MAX_SECONDS
// (bounded), one line per program session (records ingested, dropped) and exits.
//   bench_app_consumer SOCKET MAX_SECONDS
// Not a test: a figure source (no assertions). Thread contract: main thread.
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <QGuiApplication>
#include <QSocketNotifier>
#include <QTimer>

#include <cstdio>
#include <cstdlib>

#include "model/ProgramSessions.h"
#include "model/SessionController.h"

namespace {

int g_quitPipe[2] = {-1, -1};

void requestQuit(int) {
  const char byte = 'q';
  [[maybe_unused]] const ssize_t n = ::write(g_quitPipe[1], &byte, 1);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3 || std::atoi(argv[2]) <= 0) {
    std::fprintf(stderr, "usage: bench_app_consumer SOCKET MAX_SECONDS\n");
    return 2;
  }
  if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
  QGuiApplication app(argc, argv);
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, g_quitPipe) != 0) return 1;
  QSocketNotifier quitNotifier(static_cast<qintptr>(g_quitPipe[0]), QSocketNotifier::Read);
  QObject::connect(&quitNotifier, &QSocketNotifier::activated, &app, &QCoreApplication::quit);
  ::signal(SIGTERM, requestQuit);
  ::signal(SIGINT, requestQuit);
  QTimer::singleShot(std::atoi(argv[2]) * 1000, &app, &QCoreApplication::quit);

  rs::gui::SessionController controller;
  rs::gui::ProgramSessions programs(&controller);
  QString error;
  if (!programs.listen(QString::fromLocal8Bit(argv[1]), &error)) {
    std::fprintf(stderr, "bench_app_consumer: %s\n", qPrintable(error));
    return 1;
  }
  std::printf("listening\n");
  std::fflush(stdout);
  app.exec();
  for (const rs::gui::SessionRow& row : controller.sessionModel()->rows()) {
    const rs::gui::SessionTraceStats* stats = controller.frameSource().sessionStats(row.id);
    std::printf("session %d %s: records=%llu dropped=%llu%s%s\n", row.id, qPrintable(row.title),
                static_cast<unsigned long long>(stats ? stats->records : 0),
                static_cast<unsigned long long>(stats ? stats->dropped : 0), row.error.isEmpty() ? "" : " -- ",
                qPrintable(row.error));  // (where drops happened: the ring, or the stream to a slow app)
  }
  return 0;
}

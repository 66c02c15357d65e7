#include "widgets/QuitOnSignal.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <QCoreApplication>
#include <QSocketNotifier>
#include <QWidget>
#include <cerrno>

namespace rs::gui {

namespace {

int signalPipe[2] = {-1, -1};  // [0] read by the GUI thread, [1] written by the handler

void onQuitSignal(int) {
  const int savedErrno = errno;
  const char byte = 1;
  [[maybe_unused]] const ssize_t n = ::write(signalPipe[1], &byte, 1);  // full pipe: a quit is already queued
  errno = savedErrno;
}

}  // namespace

void QuitOnSignal::installHandlers() {
  if (signalPipe[0] >= 0) return;
  if (::pipe2(signalPipe, O_CLOEXEC | O_NONBLOCK) != 0) return;  // the default action stays
  struct sigaction action = {};
  action.sa_handler = onQuitSignal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  ::sigaction(SIGTERM, &action, nullptr);
  ::sigaction(SIGINT, &action, nullptr);
}

QuitOnSignal::QuitOnSignal(QWidget* window) : QObject(window), window_(window) {
  if (signalPipe[0] < 0) return;
  notifier_ = new QSocketNotifier(signalPipe[0], QSocketNotifier::Read, this);
  connect(notifier_, &QSocketNotifier::activated, this, &QuitOnSignal::onSignalByte);
}

QuitOnSignal::~QuitOnSignal() = default;

void QuitOnSignal::onSignalByte() {
  char bytes[64];
  while (::read(signalPipe[0], bytes, sizeof bytes) > 0) {
  }
  // close() runs the window's closeEvent (saves settings, stops sessions); the
  // quit covers a window that refuses or is already hidden.
  window_->close();
  QCoreApplication::quit();
}

}  // namespace rs::gui

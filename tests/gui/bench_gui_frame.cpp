// Benchmark (not a test): the GUI's frame work while engines trace at full speed.
//
// Runs the real MainWindow (offscreen by default) with an "activation storm"
// session — N events that re-activate themselves from their callbacks (activate
// later → dispatch: two traced transitions and two callback records per callback) —
// plus, optionally, an echo server and a load client. The controller's timer is
// off; the benchmark ticks at 30 Hz itself and times each frame's work:
// ring drain + aggregation + model sync + view updates + an immediate replot of
// the visible plots. Prints the median/p90/p99/max frame time, the ingest rate,
// transitions/s, drops and the process RSS at the end.
//
// Then the timelines' history: per event, how far back its timeline reaches
// (retained) and how far at full resolution, min / median / max over the events,
// the selected event's (--select), and the aggregator's memory against its bound.
//
//   bench_gui_frame [--duration SEC] [--events N] [--echo CONNS] [--tab NAME] [--select REGEX]
#include <QApplication>
#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QFile>
#include <QRegularExpression>
#include <QTabWidget>
#include <QTableView>
#include <qcustomplot.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <vector>

#include "core/Clock.h"
#include "core/Event.h"
#include "model/EventTableModel.h"
#include "widgets/EventsPanel.h"
#include "widgets/MainWindow.h"

using namespace rs;
using namespace rs::gui;

namespace {

long rssKiB() {
  QFile f(QStringLiteral("/proc/self/status"));
  if (!f.open(QIODevice::ReadOnly)) return -1;
  for (const QByteArray& line : f.readAll().split('\n'))
    if (line.startsWith("VmRSS:")) return line.mid(6).trimmed().split(' ').first().toLong();
  return -1;
}

double pct(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(q * static_cast<double>(v.size())))];
}

// N events on the session's loop: with periodNs > 0 PERSIST timers firing every
// periodNs (timeout → dispatch: two transitions per firing), otherwise events
// that re-activate themselves from their callbacks as fast as the loop runs.
EngineSession::CustomWorkload activationStorm(int events, Nanos periodNs) {
  auto list = std::make_shared<std::vector<std::unique_ptr<Event>>>();
  EngineSession::CustomWorkload w;
  w.title = periodNs > 0 ? QStringLiteral("timer storm ×%1").arg(events) : QStringLiteral("activation storm ×%1").arg(events);
  w.start = [list, events, periodNs](EventBase* base, std::string*) {
    for (int i = 0; i < events; ++i) {
      auto ev = std::make_unique<Event>();
      Event* raw = ev.get();
      if (periodNs > 0) {
        ev->assign(base, -1, kEvPersist, [](int, short) {});
        ev->setLabel("storm timer " + std::to_string(i), static_cast<uint32_t>(1000000 + i % 64));
        raw->addTimeoutNs(periodNs);
        list->push_back(std::move(ev));
        continue;
      }
      // "Active later" (libevent's deferred activation) so the loop still polls
      // between rounds and sees the stop command.
      ev->assign(base, -1, kEvPersist, [raw, base](int, short) { base->activateLater(raw, kEvTimeout); });
      ev->setLabel("storm " + std::to_string(i), static_cast<uint32_t>(1000000 + i % 64));
      raw->activate(kEvTimeout);
      list->push_back(std::move(ev));
    }
    return true;
  };
  w.stop = [list] { list->clear(); };
  return w;
}

// Selects the first events-table row whose label matches the pattern; its key, or 0.
quint64 selectEvent(MainWindow& w, const QString& pattern) {
  const QRegularExpression re(pattern);
  auto* panel = w.findChild<EventsPanel*>();
  QTableView* table = panel ? panel->table() : nullptr;
  if (!table || pattern.isEmpty()) return 0;
  QAbstractItemModel* m = table->model();
  for (int r = 0; r < m->rowCount(); ++r) {
    if (!re.match(m->index(r, EventTableModel::ColLabel).data().toString()).hasMatch()) continue;
    table->selectRow(r);
    return m->index(r, 0).data(EventTableModel::KeyRole).toULongLong();
  }
  return 0;
}

void printHistory(const TraceAggregator& agg, qint64 nowNs, quint64 selectedKey) {
  std::vector<double> retained;
  std::vector<double> full;
  QString shortest;
  double selectedRetained = -1, selectedFull = -1;
  for (int i = 0; i < agg.rowCount(); ++i) {
    const EventRow& e = agg.row(i);
    if (e.freedAtNs || (e.transitions.empty() && e.coarse.empty())) continue;
    const double r = static_cast<double>(nowNs - std::min(nowNs, retainedFromNs(e))) / 1e9;
    const double f = static_cast<double>(nowNs - std::min(nowNs, fullResolutionFromNs(e))) / 1e9;
    if (retained.empty() || r < *std::min_element(retained.begin(), retained.end())) shortest = e.label;
    retained.push_back(r);
    full.push_back(f);
    if (e.key == selectedKey) {
      selectedRetained = r;
      selectedFull = f;
    }
  }
  std::printf("  timeline history         %zu live events with transitions (retention %.0f s)\n", retained.size(),
              static_cast<double>(agg.retentionNs()) / 1e9);
  std::printf("    retained span          min %.1f s (%s), median %.1f s, max %.1f s\n", pct(retained, 0),
              qPrintable(shortest), pct(retained, 0.5), pct(retained, 1.0));
  std::printf("    full resolution        min %.2f s, median %.2f s, max %.2f s\n", pct(full, 0), pct(full, 0.5),
              pct(full, 1.0));
  if (selectedKey)
    std::printf("    selected event         retained %.1f s, full resolution %.1f s\n", selectedRetained, selectedFull);
  std::printf("    history memory         %.1f MiB (bound %.0f MiB); aggregator %.1f MiB in all\n",
              static_cast<double>(agg.historyBytes()) / (1024.0 * 1024.0),
              static_cast<double>(agg.historyBudgetBytes()) / (1024.0 * 1024.0),
              static_cast<double>(agg.memoryBytes()) / (1024.0 * 1024.0));
}

}  // namespace

int main(int argc, char* argv[]) {
  if (!qEnvironmentVariableIsSet("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
  QApplication app(argc, argv);
  QCoreApplication::setOrganizationName(QStringLiteral("ReactorScopeBench"));
  QCommandLineParser p;
  p.addHelpOption();
  p.addOptions({{QStringLiteral("duration"), QStringLiteral("Seconds to run (default 20)."), QStringLiteral("SEC"), QStringLiteral("20")},
                {QStringLiteral("events"), QStringLiteral("Storm events (default 2000)."), QStringLiteral("N"), QStringLiteral("2000")},
                {QStringLiteral("rate"),
                 QStringLiteral("Target transitions/s of the storm, as PERSIST timers (default 1200000; 0: self-activation, as fast as possible)."),
                 QStringLiteral("N"), QStringLiteral("1200000")},
                {QStringLiteral("echo"), QStringLiteral("Also run an echo server and a client with this many connections (0: none)."),
                 QStringLiteral("CONNS"), QStringLiteral("0")},
                {QStringLiteral("tab"), QStringLiteral("Visible tab: events, timeline, buffers, stats (default events)."),
                 QStringLiteral("NAME"), QStringLiteral("events")},
                {QStringLiteral("select"), QStringLiteral("After 3 s, select the first event whose label matches REGEX (the timeline shows it)."),
                 QStringLiteral("REGEX")}});
  p.process(app);
  const double duration = p.value(QStringLiteral("duration")).toDouble();
  const int events = p.value(QStringLiteral("events")).toInt();
  const int echo = p.value(QStringLiteral("echo")).toInt();
  const double rate = p.value(QStringLiteral("rate")).toDouble();
  const Nanos periodNs = rate > 0 ? static_cast<Nanos>(2.0 * events / rate * 1e9) : 0;

  MainWindow w;
  w.resize(1600, 1000);
  w.show();
  w.showTab(p.value(QStringLiteral("tab")) + QStringLiteral("Page"));
  SessionController* ctl = w.controller();
  ctl->setAutoTick(false);
  ctl->setTraceCapacity(size_t{1} << 20);
  ctl->startCustom(activationStorm(events, periodNs));
  if (echo > 0) {
    EchoServerConfig sc;
    const int server = ctl->startServer(sc);
    QElapsedTimer wait;
    wait.start();
    while (ctl->session(server)->shared().status == EngineSession::Status::Starting && wait.elapsed() < 5000)
      QCoreApplication::processEvents(QEventLoop::AllEvents, 10);
    LoadClientConfig cc;
    cc.port = ctl->session(server)->shared().port;
    cc.connections = echo;
    cc.durationSec = duration + 10;
    ctl->startClient(cc);
  }

  std::vector<double> frameMs;
  std::vector<double> tickMs;
  std::vector<double> replotMs;
  struct Worst {
    double frame, drain, model, view, replot;
    quint64 records;
  };
  std::vector<Worst> worst;
  quint64 records = 0;
  double transitionsSum = 0;
  int transitionSamples = 0;
  const long rssStart = rssKiB();
  QElapsedTimer total;
  total.start();
  QElapsedTimer frameClock;
  frameClock.start();
  qint64 nextFrame = 0;
  const auto plots = w.findChildren<QCustomPlot*>();
  const QString selectText = p.value(QStringLiteral("select"));
  quint64 selectedKey = 0;
  while (total.elapsed() < static_cast<qint64>(duration * 1000)) {
    // 30 Hz: wait for the next slot while letting Qt deliver events.
    while (frameClock.elapsed() < nextFrame) QCoreApplication::processEvents(QEventLoop::AllEvents, 2);
    nextFrame += kFrameIntervalMs;
    QElapsedTimer f;
    f.start();
    ctl->tick();  // drain + aggregate + models, then MainWindow::onTick (views)
    const double tick = static_cast<double>(f.nsecsElapsed()) / 1e6;
    QElapsedTimer r;
    r.start();
    for (QCustomPlot* plot : plots)
      if (plot->isVisible()) plot->replot(QCustomPlot::rpImmediateRefresh);
    QCoreApplication::processEvents(QEventLoop::ExcludeUserInputEvents);  // paints (table, diagram)
    replotMs.push_back(static_cast<double>(r.nsecsElapsed()) / 1e6);
    tickMs.push_back(tick);
    frameMs.push_back(static_cast<double>(f.nsecsElapsed()) / 1e6);
    records += ctl->lastFrameCost().records;
    worst.push_back({frameMs.back(), static_cast<double>(ctl->lastFrameCost().drainNs) / 1e6,
                     static_cast<double>(ctl->lastFrameCost().modelNs) / 1e6, static_cast<double>(w.lastViewNs()) / 1e6,
                     replotMs.back(), ctl->lastFrameCost().records});
    if (!selectedKey && !selectText.isEmpty() && total.elapsed() > 3000) selectedKey = selectEvent(w, selectText);
    if (total.elapsed() > 2000) {
      transitionsSum += ctl->aggregator().transitionsPerSec();
      ++transitionSamples;
    }
  }
  const double elapsed = static_cast<double>(total.elapsed()) / 1e3;
  const TraceAggregator& agg = ctl->aggregator();
  std::printf("ReactorScope GUI frame benchmark (%s, %d storm events, %s, echo connections %d, tab %s)\n",
              qPrintable(QGuiApplication::platformName()), events,
              periodNs > 0 ? qPrintable(QStringLiteral("PERSIST timers every %1 us").arg(static_cast<double>(periodNs) / 1e3))
                           : "self-activating",
              echo, qPrintable(p.value(QStringLiteral("tab"))));
  std::printf("  duration                 %.1f s, %zu frames (%.1f frames/s)\n", elapsed, frameMs.size(),
              static_cast<double>(frameMs.size()) / elapsed);
  std::printf("  transitions/s (engine)   %.0f (mean after warm-up)\n",
              transitionSamples ? transitionsSum / transitionSamples : 0.0);
  std::printf("  ingest rate              %.0f records/s (%llu records)\n", static_cast<double>(records) / elapsed,
              static_cast<unsigned long long>(records));
  std::printf("  frame work median        %.2f ms (p90 %.2f, p99 %.2f, max %.2f)\n", pct(frameMs, 0.5),
              pct(frameMs, 0.9), pct(frameMs, 0.99), pct(frameMs, 1.0));
  std::printf("    drain+aggregate+models+views median %.2f ms; replot+paint median %.2f ms\n", pct(tickMs, 0.5),
              pct(replotMs, 0.5));
  std::sort(worst.begin(), worst.end(), [](const Worst& a, const Worst& b) { return a.frame > b.frame; });
  for (size_t i = 0; i < std::min<size_t>(3, worst.size()); ++i)
    std::printf("    slow frame %.1f ms: drain+aggregate %.1f, models %.1f, views %.1f, replot+paint %.1f (%llu records)\n",
                worst[i].frame, worst[i].drain, worst[i].model, worst[i].view, worst[i].replot,
                static_cast<unsigned long long>(worst[i].records));
  std::printf("  dropped records          %llu\n", static_cast<unsigned long long>(agg.droppedTotal()));
  std::printf("  events in table          %d\n", ctl->eventModel()->rowCount());
  std::printf("  aggregator memory        %.1f MiB\n", static_cast<double>(agg.memoryBytes()) / (1024.0 * 1024.0));
  if (!selectText.isEmpty() && !selectedKey)
    std::printf("  (--select: no event label matches \"%s\")\n", qPrintable(selectText));
  printHistory(agg, monotonicNowNs(), selectedKey);
  std::printf("  RSS                      %.1f MiB at start, %.1f MiB after %.0f s\n", static_cast<double>(rssStart) / 1024.0,
              static_cast<double>(rssKiB()) / 1024.0, elapsed);
  std::fflush(stdout);
  ctl->stopAll();
  QElapsedTimer stopWait;
  stopWait.start();
  while (ctl->anyRunning() && stopWait.elapsed() < 10000) {
    ctl->tick();
    QCoreApplication::processEvents(QEventLoop::AllEvents, 10);
  }
  return 0;
}

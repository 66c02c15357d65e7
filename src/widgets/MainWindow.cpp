#include "widgets/MainWindow.h"

#include <QCheckBox>
#include <QCloseEvent>
#include <algorithm>
#include <QDockWidget>
#include <QElapsedTimer>
#include <QFileDialog>
#include <QFileInfo>
#include <QMenuBar>
#include <QHeaderView>
#include <QInputDialog>
#include <QLabel>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QRegularExpression>
#include <QPushButton>
#include <QScreen>
#include <QScrollBar>
#include <QSettings>
#include <QStatusBar>
#include <QTableView>
#include <QTimer>
#include <QVBoxLayout>
#include <qcustomplot.h>

#include "core/Clock.h"
#include "model/EventFilterProxy.h"
#include "model/EventTableModel.h"
#include "model/ProgramSessions.h"
#include "widgets/Resources.h"
#include "ui_MainWindow.h"
#include "widgets/BuffersView.h"
#include "widgets/ConsoleWidget.h"
#include "widgets/DiagramScope.h"
#include "widgets/EventsPanel.h"
#include "widgets/GettingStarted.h"
#include "widgets/NewClientDialog.h"
#include "widgets/NewServerDialog.h"
#include "widgets/RecordingActions.h"
#include "widgets/ReplayBar.h"
#include "widgets/ReplayJumps.h"
#include "widgets/ProgramOutputPane.h"
#include "widgets/RunProgramDialog.h"
#include "widgets/SessionsPanel.h"
#include "widgets/StateDiagramView.h"
#include "widgets/StatsView.h"
#include "widgets/TimelineView.h"

namespace rs::gui {

namespace {
constexpr int kMaxLanes = 40;
// The diagram dock's width when the window sets it (at start, on a resize): its
// figure's text stays legible (about 7 px) in a 1024-pixel-wide window.
constexpr int kMinDiagramWidth = 420;
// The Sessions dock grows to show this many rows (a server and two clients: the
// selected row hides none of them), taking the room from the tabs.
constexpr int kSessionsRowsShown = 3;

// The height of `table` showing `rows` rows: frame, header, rows, horizontal scroll bar.
int tableHeightFor(const QTableView& table, int rows) {
  return 2 * table.frameWidth() + table.horizontalHeader()->sizeHint().height() +
         rows * table.verticalHeader()->defaultSectionSize() + table.horizontalScrollBar()->sizeHint().height();
}

// A tab's page, named for showTab() and --tab.
QWidget* named(QWidget* page, const char* name) {
  page->setObjectName(QString::fromLatin1(name));
  return page;
}
}  // namespace

MainWindow::MainWindow(QWidget* parent, std::unique_ptr<RecordedFrameSource> replay)
    : QMainWindow(parent), ui_(std::make_unique<Ui::MainWindow>()), replay_(std::move(replay)),
      controller_(new SessionController(this)), programs_(new ProgramSessions(controller_, this)) {
  ensureResources();
  ui_->setupUi(this);
  setWindowIcon(QIcon(QStringLiteral(":/icons/reactorscope.svg")));
  SessionController* ctl = controller_;
  // The one source every view reads: the live sessions', or the recording's.
  FrameSource* source = replay_ ? static_cast<FrameSource*>(replay_.get()) : &ctl->frameSource();
  const FrameSource* frame = source;
  if (replay_) replayModel_ = new EventTableModel(replay_.get(), this);

  // Tabs (central).
  events_ = new EventsPanel(replay_ ? replayModel_ : ctl->eventModel(), this);
  timeline_ = new TimelineView(source, this);  // reports the lanes it shows
  buffers_ = new BuffersView(frame, this);
  stats_ = new StatsView(frame, this);
  console_ = new ConsoleWidget(this);
  ui_->tabs->addTab(named(events_, "eventsPage"), tr("Events"));
  ui_->tabs->addTab(named(timeline_, "timelinePage"), tr("Timeline"));
  ui_->tabs->addTab(named(buffers_, "buffersPage"), tr("Buffers"));
  ui_->tabs->addTab(named(stats_, "statsPage"), tr("Stats"));
  ui_->tabs->addTab(named(console_, "consolePage"), tr("Console"));
  // Above the tabs while there is no session: the first steps (GettingStarted.h).
  auto* central = new QWidget(this);
  auto* column = new QVBoxLayout(central);
  column->setContentsMargins(0, 0, 0, 0);
  column->setSpacing(0);
  gettingStarted_ = new GettingStartedBanner(central);
  column->addWidget(gettingStarted_);
  column->addWidget(ui_->tabs, 1);
  if (replay_) {
    replayBar_ = new ReplayBar(replay_.get(), central);
    column->addWidget(replayBar_);
  }
  setCentralWidget(central);

  // Docks.
  sessions_ = new SessionsPanel(ctl, this);
  sessionsDock_ = new QDockWidget(tr("Sessions"), this);
  sessionsDock_->setObjectName(QStringLiteral("sessionsDock"));
  sessionsDock_->setWidget(sessions_);
  addDockWidget(Qt::TopDockWidgetArea, sessionsDock_);

  diagram_ = new StateDiagramView(this);
  diagramDock_ = new QDockWidget(tr("State diagram"), this);
  diagramDock_->setObjectName(QStringLiteral("diagramDock"));
  diagramDock_->setWidget(diagram_);
  addDockWidget(Qt::RightDockWidgetArea, diagramDock_);

  log_ = new QPlainTextEdit(this);
  log_->setObjectName(QStringLiteral("logView"));
  log_->setReadOnly(true);
  log_->setMaximumBlockCount(5000);
  log_->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
  logDock_ = new QDockWidget(tr("Log"), this);
  logDock_->setObjectName(QStringLiteral("logDock"));
  logDock_->setWidget(log_);
  addDockWidget(Qt::BottomDockWidgetArea, logDock_);
  // The diagram takes the right edge full height (its figure is tall), so it
  // stays readable in a 700-pixel-high window.
  setCorner(Qt::TopRightCorner, Qt::RightDockWidgetArea);
  setCorner(Qt::BottomRightCorner, Qt::RightDockWidgetArea);
  resizeDocks({logDock_}, {120}, Qt::Vertical);
  resizeDocks({diagramDock_}, {std::max(kMinDiagramWidth, width() / 3)}, Qt::Horizontal);

  ui_->menuView->addAction(sessionsDock_->toggleViewAction());
  ui_->menuView->addAction(diagramDock_->toggleViewAction());
  ui_->menuView->addAction(logDock_->toggleViewAction());
  ui_->menuView->addAction(ui_->toolbar->toggleViewAction());

  // Status bar.
  statusSessions_ = new QLabel(this);
  statusConnections_ = new QLabel(this);
  statusTransitions_ = new QLabel(this);
  statusDrops_ = new QLabel(this);
  statusDrops_->setObjectName(QStringLiteral("statusDrops"));
  statusConnections_->setObjectName(QStringLiteral("statusConnections"));
  statusTransitions_->setObjectName(QStringLiteral("statusTransitions"));
  for (QLabel* l : {statusSessions_, statusConnections_, statusTransitions_, statusDrops_}) {
    l->setMinimumWidth(150);
    statusBar()->addPermanentWidget(l);
  }

  // Actions.
  connect(ui_->actionNewServer, &QAction::triggered, this, &MainWindow::openNewServerDialog);
  connect(ui_->actionNewClient, &QAction::triggered, this, &MainWindow::openNewClientDialog);
  connect(ui_->actionStopAll, &QAction::triggered, ctl, &SessionController::stopAll);
  // Traced programs (reactorscope-run); the output pane shows the selected session's program
  // (queued: a new base's row is selected before its ProgramSession has recorded it).
  if (ProgramOutputPane* output = installRunProgramActions(ui_->menuSession, ui_->actionQuit, programs_, this))
    connect(sessions_, &SessionsPanel::selectedSessionChanged, output, &ProgramOutputPane::showSession,
            Qt::QueuedConnection);
  connect(ui_->actionQuit, &QAction::triggered, this, [this] {
    if (confirmQuit()) close();
  });
  {  // The sessions panel's "Clear finished", after Stop all.
    const QList<QAction*> sessionActions = ui_->menuSession->actions();
    ui_->menuSession->insertAction(sessionActions.value(sessionActions.indexOf(ui_->actionStopAll) + 1),
                                   sessions_->clearFinishedAction());
  }
  connect(ui_->actionRetention, &QAction::triggered, this, &MainWindow::chooseRetention);
  connect(ui_->actionFollowLive, &QAction::toggled, this, [this](bool on) {
    timeline_->setFollowLive(on);
    buffers_->setFollowLive(on);
  });
  connect(timeline_, &TimelineView::followLiveChanged, ui_->actionFollowLive, &QAction::setChecked);
  connect(ui_->actionPause, &QAction::toggled, this, [this](bool on) {
    timeline_->setPaused(on);
    buffers_->setPaused(on);
    stats_->setPaused(on);
    diagram_->setPaused(on);
    statusBar()->showMessage(on ? tr("Plots paused (data keeps being collected)") : QString(), on ? 0 : 1);
  });
  auto* gettingStartedAction = new QAction(tr("&Getting started"), this);
  gettingStartedAction->setObjectName(QStringLiteral("actionGettingStarted"));
  ui_->menuHelp->insertAction(ui_->actionAbout, gettingStartedAction);
  connect(gettingStartedAction, &QAction::triggered, this, [this] {
    auto* box = new QMessageBox(QMessageBox::Information, tr("Getting started"), gettingStartedHtml(),
                                QMessageBox::Close, this);
    box->setObjectName(QStringLiteral("gettingStartedBox"));
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->setTextFormat(Qt::RichText);
    box->open();
  });
  connect(gettingStarted_, &GettingStartedBanner::linkActivated, this, [this](const QString& link) {
    if (link == QLatin1String("newServer")) openNewServerDialog();
    else if (link == QLatin1String("newClient")) openNewClientDialog();
  });
  connect(ui_->actionAbout, &QAction::triggered, this, [this] {
    QMessageBox::about(this, tr("About ReactorScope"),
                       tr("<b>ReactorScope</b> %1<br>An event-loop inspector and network testing tool.<br>"
                          "The engine's event states (the libevent tutorial's diagram), timelines and "
                          "buffers, live.<br>GPL-3.0")
                           .arg(QCoreApplication::applicationVersion()));
  });
  connect(events_, &EventsPanel::selectionChanged, this, &MainWindow::updateLanes);
  connect(events_, &EventsPanel::pinsChanged, this, &MainWindow::updateLanes);
  connect(events_, &EventsPanel::showInTimeline, this, [this] { showTab(QStringLiteral("timelinePage")); });
  connect(events_, &EventsPanel::showInBuffers, this, [this](quint32 owner) {
    buffers_->setConnection(owner);
    showTab(QStringLiteral("buffersPage"));
  });
  connect(console_, &ConsoleWidget::logMessage, this, [this](const QString& line) {
    onLog({{QDateTime::currentDateTime(), LogLevel::Info, 0, tr("console: %1").arg(line)}});
  });

  // File > Open recording... (a replay window).
  auto* fileMenu = new QMenu(tr("&File"), this);
  fileMenu->setObjectName(QStringLiteral("menuFile"));
  menuBar()->insertMenu(ui_->menuSession->menuAction(), fileMenu);
  openRecording_ = fileMenu->addAction(tr("&Open recording..."));
  openRecording_->setObjectName(QStringLiteral("actionOpenRecording"));
  openRecording_->setShortcut(QKeySequence::Open);
  connect(openRecording_, &QAction::triggered, this, [this] {
    const QString path = QFileDialog::getOpenFileName(this, tr("Open recording"), QString(),
                                                      tr("ReactorScope recordings (*.rsrec);;All files (*)"));
    if (!path.isEmpty()) openRecordingWindow(path);
  });
  recordingActions_ = new RecordingActions(this, fileMenu, replay_ ? nullptr : ui_->toolbar);
  connect(recordingActions_, &RecordingActions::logged, this, &MainWindow::onLog);

  if (replay_) {
    setWindowTitle(tr("ReactorScope - replay of %1").arg(QFileInfo(replay_->path()).fileName()));
    for (QAction* a : {ui_->actionNewServer, ui_->actionNewClient, ui_->actionStopAll}) a->setEnabled(false);
    sessionsDock_->hide();
    gettingStarted_->hide();
    connect(replayBar_, &ReplayBar::frameChanged, this, &MainWindow::onReplayFrame);
    connect(replayBar_, &ReplayBar::seekFailed, this, [this](const QString& why) {
      onLog({{QDateTime::currentDateTime(), LogLevel::Error, 0, tr("replay: %1").arg(why)}});
    });
    auto* jumps = new ReplayJumps(log_, events_, replayBar_, this);
    events_->setRowMenuExtension([jumps](QMenu* menu, int session, quint64 id) { jumps->addEventJumps(menu, session, id); });
    connect(events_, &EventsPanel::selectionChanged, this, [this] {
      const auto selected = events_->selectedEvents(1);
      replayBar_->setSelectedEvent(selected.empty() ? std::nullopt : std::optional(selected.front()));
    });
    updateSessionLists();
    QTimer::singleShot(0, this, &MainWindow::onReplayFrame);  // the first instant, once shown
    return;
  }
  connect(ctl, &SessionController::ticked, this, &MainWindow::onTick);
  connect(ctl, &SessionController::sessionStatusChanged, this, &MainWindow::onSessionStatus);
  connect(ctl->sessionModel(), &QAbstractItemModel::rowsInserted, this, &MainWindow::updateSessionLists);
  connect(ctl->sessionModel(), &QAbstractItemModel::rowsRemoved, this, &MainWindow::updateSessionLists);
}

MainWindow::~MainWindow() = default;

QToolBar* MainWindow::toolbar() const { return ui_->toolbar; }
QAction* MainWindow::newServerAction() const { return ui_->actionNewServer; }
QAction* MainWindow::newClientAction() const { return ui_->actionNewClient; }
QAction* MainWindow::stopAllAction() const { return ui_->actionStopAll; }

QStringList MainWindow::tabNames() {
  return {QStringLiteral("events"), QStringLiteral("timeline"), QStringLiteral("buffers"), QStringLiteral("stats"),
          QStringLiteral("console")};
}

void MainWindow::showTab(const QString& objectName) {
  for (int i = 0; i < ui_->tabs->count(); ++i)
    if (ui_->tabs->widget(i)->objectName() == objectName) ui_->tabs->setCurrentIndex(i);
}

void MainWindow::selectEventWhenSeen(const QString& pattern) { pendingSelect_ = pattern; }

void MainWindow::openNewServerDialog() {
  if (serverDialog_) {
    serverDialog_->raise();
    return;
  }
  auto* dlg = new NewServerDialog(this);
  dlg->setAttribute(Qt::WA_DeleteOnClose);
  dlg->loadSettings();
  connect(dlg, &QDialog::accepted, this, [this, dlg] {
    dlg->saveSettings();
    controller_->startServer(dlg->config());
  });
  serverDialog_ = dlg;
  dlg->open();
}

void MainWindow::openNewClientDialog() {
  if (clientDialog_) {
    clientDialog_->raise();
    return;
  }
  auto* dlg = new NewClientDialog(this);
  dlg->setAttribute(Qt::WA_DeleteOnClose);
  dlg->loadSettings();
  QStringList targets;
  for (const SessionRow& r : controller_->sessionModel()->rows()) {
    if (r.kind != EngineSession::Kind::Server || r.status != EngineSession::Status::Running) continue;
    EngineSession* s = controller_->session(r.id);
    QString host = s ? QString::fromStdString(s->serverConfig().bindAddress) : QStringLiteral("127.0.0.1");
    if (host == QLatin1String("0.0.0.0")) host = QStringLiteral("127.0.0.1");
    if (host.contains(QLatin1Char(':'))) host = QStringLiteral("[%1]").arg(host);
    targets << QStringLiteral("%1:%2").arg(host, QString::number(r.port));
  }
  if (!targets.isEmpty()) dlg->setSuggestedTargets(targets);
  connect(dlg, &QDialog::accepted, this, [this, dlg] {
    dlg->saveSettings();
    controller_->startClient(dlg->config());
  });
  clientDialog_ = dlg;
  dlg->open();
}

void MainWindow::applyLaunchOptions(const LaunchOptions& options) {
  if (options.retentionSec) controller_->setRetentionSec(*options.retentionSec);
  std::vector<uint16_t> serverPorts;
  for (const EchoServerConfig& c : options.servers) {
    const int id = controller_->startServer(c);
    if (launchServer_ < 0) launchServer_ = id;
    serverPorts.push_back(c.port);
  }
  for (const LoadClientConfig& c : options.clients) {
    // Aimed at a launch server (port 0 = its ephemeral port): wait until it
    // listens, or the first connections would be refused.
    const bool ownServer = launchServer_ >= 0 &&
                           (c.port == 0 || std::find(serverPorts.begin(), serverPorts.end(), c.port) != serverPorts.end());
    if (ownServer) pendingClients_.push_back(c);
    else controller_->startClient(c);
  }
}

void MainWindow::onSessionStatus(int id, EngineSession::Status st) {
  if (id == launchServer_ && !pendingClients_.empty()) {
    if (st == EngineSession::Status::Running) {
      const uint16_t port = controller_->session(id)->shared().port;
      for (LoadClientConfig c : pendingClients_) {
        if (c.port == 0) c.port = port;
        controller_->startClient(c);
      }
      pendingClients_.clear();
    } else if (st == EngineSession::Status::Failed) {
      onLog({{QDateTime::currentDateTime(), LogLevel::Error, id,
              tr("launch clients not started: their server #%1 failed").arg(id)}});
      pendingClients_.clear();
    }
  }
  if (st == EngineSession::Status::Running && !consoleTargetSet_) {
    EngineSession* s = controller_->session(id);
    if (s && s->kind() == EngineSession::Kind::Server) {
      QString host = QString::fromStdString(s->serverConfig().bindAddress);
      if (host == QLatin1String("0.0.0.0")) host = QStringLiteral("127.0.0.1");
      console_->setTarget(host, s->shared().port);
      consoleTargetSet_ = true;
    }
  }
  updateSessionLists();
}

void MainWindow::updateSessionLists() {
  QList<QPair<int, QString>> list;
  if (replay_) {
    list = replay_->sessionTitles();
    for (const auto& [id, title] : list) replayModel_->setSessionName(id, title);
  } else {
    const bool noSession = controller_->sessionModel()->rowCount() == 0;
    // The banner's room, once it is laid out, goes to the Sessions rows first.
    if (!noSession && !gettingStarted_->isHidden()) QTimer::singleShot(0, this, &MainWindow::growSessionsDock);
    gettingStarted_->setVisible(noSession);
    for (const SessionRow& r : controller_->sessionModel()->rows())
      list.push_back({r.id, QStringLiteral("#%1 %2").arg(r.id).arg(r.title)});
  }
  events_->setSessions(list);
  buffers_->setSessions(list);
}

void MainWindow::onLog(const QVector<LogEntry>& entries) {
  for (const LogEntry& e : entries) {
    const QString color = e.level == LogLevel::Error ? QStringLiteral("#c02020")
                          : e.level == LogLevel::Warning ? QStringLiteral("#b06000")
                                                         : QStringLiteral("#202020");
    log_->appendHtml(QStringLiteral("<span style='color:#808080'>%1</span> <span style='color:%2'>%3</span>")
                         .arg(e.time.toString(QStringLiteral("HH:mm:ss.zzz")), color, e.text.toHtmlEscaped()));
    ReplayJumps::tagLogLine(log_, e.recordNs);  // a recording's line: "jump to" its time
    if (e.level == LogLevel::Error) statusBar()->showMessage(e.text, 8000);
  }
}

void MainWindow::updateLanes() {
  const int fit = std::min(kMaxLanes, timeline_->lanesThatFit());
  // Pinned events first (they stay), then the selection, else what the filter shows.
  std::vector<std::pair<int, quint64>> lanes = events_->pinnedEvents();
  for (const auto& event : events_->selectedEvents(fit))
    if (std::find(lanes.begin(), lanes.end(), event) == lanes.end()) lanes.push_back(event);
  lanesFromSelection_ = !lanes.empty();
  if (lanes.empty()) lanes = events_->visibleEvents(fit);
  if (static_cast<int>(lanes.size()) > fit) lanes.resize(static_cast<size_t>(fit));
  timeline_->setLanes(lanes);
}

void MainWindow::onTick() {
  QElapsedTimer t;
  t.start();
  ++tick_;
  const qint64 now = replay_ ? replay_->timeNs() : monotonicNowNs();
  const FrameSource& frame = this->frame();
  QVector<LogEntry> lines;
  logSeq_ = frame.logLines(logSeq_, &lines);
  onLog(lines);
  if (!pendingSelect_.isEmpty()) {
    const QRegularExpression re(pendingSelect_);
    const QAbstractItemModel* shown = events_->table()->model();
    for (int r = 0; r < shown->rowCount(); ++r)
      if (re.match(shown->index(r, EventTableModel::ColLabel).data().toString()).hasMatch()) {
        events_->table()->selectRow(r);
        pendingSelect_.clear();
        break;
      }
  }

  const DiagramScope scope = scopeDiagram(frame, *events_->proxy(), events_->proxy()->sessionFilter());
  diagram_->setStats(scope.stats, scope.description);
  const auto selected = events_->selectedEvents(1);
  quint32 owner = 0;
  if (!selected.empty()) {
    const int row = frame.rowOf(selected.front().first, selected.front().second);
    if (row >= 0) {
      const EventRow& e = frame.row(row);
      diagram_->setSelectedPath(frame.pathOf(row), e.state,
                                tr("#%1 %2 (id %3)").arg(QString::number(e.session), e.label, QString::number(e.id)));
      owner = frame.row(row).owner;
    }
  } else if (diagram_->hasSelection()) {
    diagram_->clearSelection();
  }
  buffers_->setConnection(owner);

  // Lanes follow the filter (not the selection) once a second as rows come and go.
  if (!lanesFromSelection_ && (tick_ % framesIn(1000) == 1 || timeline_->laneCount() == 0)) updateLanes();
  timeline_->refresh(now);
  buffers_->refresh(now);
  stats_->refresh(now);
  events_->refresh();

  const int sessions = replay_ ? static_cast<int>(frame.sessions().size()) : controller_->sessionModel()->rowCount();
  statusSessions_->setText(sessions == 1 ? tr("1 session") : tr("%1 sessions").arg(sessions));
  const quint64 connections = controller_->liveConnections();
  statusConnections_->setText(connections == 1 ? tr("1 live connection") : tr("%1 live connections").arg(connections));
  statusTransitions_->setText(tr("%1 transitions/s").arg(StateDiagramView::formatRate(frame.transitionsPerSec()).remove(QStringLiteral("/s"))));
  const quint64 drops = frame.droppedTotal();
  statusDrops_->setText(tr("%1 dropped records").arg(drops));
  statusDrops_->setStyleSheet(drops ? QStringLiteral("color:#c02020;font-weight:bold") : QString());
  lastViewNs_ = t.nsecsElapsed();
}

const FrameSource& MainWindow::frame() const {
  return replay_ ? *replay_ : controller_->frameSource();
}

std::unique_ptr<RecordedFrameSource> MainWindow::openRecording(const QString& path, QString* error) {
  auto source = std::make_unique<RecordedFrameSource>();
  QString why;
  if (!source->open(path, &why)) {
    if (error) *error = tr("cannot open %1").arg(why);  // the reader's message names the file
    return nullptr;
  }
  return source;
}

MainWindow* MainWindow::openRecordingWindow(const QString& path) {
  QString error;
  std::unique_ptr<RecordedFrameSource> source = openRecording(path, &error);
  if (!source) {
    auto* box = new QMessageBox(QMessageBox::Warning, tr("Open recording"), error, QMessageBox::Close, this);
    box->setObjectName(QStringLiteral("recordingErrorBox"));
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();
    return nullptr;
  }
  auto* window = new MainWindow(nullptr, std::move(source));
  window->setAttribute(Qt::WA_DeleteOnClose);
  window->fitToScreen();
  window->show();
  return window;
}

// A replay frame (after each seek): a seek that rebuilt the rows resets the table
// (keeping the selected event selected) and the log; then the views draw it once.
void MainWindow::onReplayFrame() {
  if (replay_->generation() != replayGeneration_) {
    replayGeneration_ = replay_->generation();
    const auto selected = events_->selectedEvents(1);
    replayModel_->resetRows();
    if (!selected.empty()) events_->selectEvent(selected.front().first, selected.front().second);
    log_->clear();
    logSeq_ = 0;
  } else {
    replayModel_->sync(replay_->timeNs(), 0);
    events_->table()->viewport()->update();  // rows changed in place: repaint now, not at the model's next change batch
  }
  onTick();
}

void MainWindow::chooseRetention() {
  bool ok = false;
  const double sec = QInputDialog::getDouble(this, tr("Timeline retention"),
                                             tr("Keep timelines and buffer series for (seconds):"),
                                             controller_->retentionSec(), 1, 3600, 0, &ok);
  if (!ok) return;
  controller_->setRetentionSec(sec);
  QSettings().setValue(QStringLiteral("retentionSec"), sec);
}

// First start (no saved geometry): a size that fits the screen, never wider or
// taller than what it has room for (a laptop's 1024x700 included).
void MainWindow::fitToScreen() {
  const QScreen* screen = this->screen();
  if (!screen) return;
  const QRect room = screen->availableGeometry();
  resize(std::min(1500, room.width() * 95 / 100), std::min(950, room.height() * 95 / 100));
  resizeDocks({diagramDock_}, {std::max(kMinDiagramWidth, width() / 3)}, Qt::Horizontal);
}

void MainWindow::growSessionsDock() {
  if (layoutRestored_ || sessionsDock_->isHidden() || sessionsDock_->isFloating()) return;
  const QTableView& table = *sessions_->table();
  const int shortByPx = tableHeightFor(table, kSessionsRowsShown) - table.height();
  if (shortByPx > 0) resizeDocks({sessionsDock_}, {sessionsDock_->height() + shortByPx}, Qt::Vertical);
}

void MainWindow::restoreSettings(bool layoutToo) {
  QSettings s;
  controller_->setRetentionSec(s.value(QStringLiteral("retentionSec"), 60.0).toDouble());
  if (!layoutToo) {
    fitToScreen();
    return;
  }
  if (!restoreGeometry(s.value(QStringLiteral("window/geometry")).toByteArray())) fitToScreen();
  layoutRestored_ = restoreState(s.value(QStringLiteral("window/state")).toByteArray());
  events_->table()->horizontalHeader()->restoreState(s.value(QStringLiteral("window/eventsHeader")).toByteArray());
  const int tab = s.value(QStringLiteral("window/tab"), 0).toInt();
  if (tab >= 0 && tab < ui_->tabs->count()) ui_->tabs->setCurrentIndex(tab);
}

void MainWindow::saveSettings() const {
  QSettings s;
  s.setValue(QStringLiteral("window/geometry"), saveGeometry());
  s.setValue(QStringLiteral("window/state"), saveState());
  s.setValue(QStringLiteral("window/eventsHeader"), events_->table()->horizontalHeader()->saveState());
  s.setValue(QStringLiteral("window/tab"), ui_->tabs->currentIndex());
  s.setValue(QStringLiteral("retentionSec"), controller_->retentionSec());
}

void MainWindow::showEvent(QShowEvent* event) {
  QMainWindow::showEvent(event);
  growSessionsDock();  // now that the window has its size (a dock size set before does not hold)
}

void MainWindow::resizeEvent(QResizeEvent* event) {
  const int oldWidth = event->oldSize().width();
  const int dockWidth = diagramDock_->width();
  QMainWindow::resizeEvent(event);
  // The diagram keeps its share of the width (it scales with its dock): a
  // maximized window shows it larger instead of giving every new pixel to the tabs.
  if (oldWidth > 0 && diagramDock_->isVisible() && !diagramDock_->isFloating() && event->size().width() != oldWidth)
    resizeDocks({diagramDock_}, {std::max(dockWidth * event->size().width() / oldWidth, kMinDiagramWidth)},
                Qt::Horizontal);
}

bool MainWindow::confirmQuit() {
  if (!controller_->anyRunning() || QSettings().value(QLatin1String(kQuitWithoutAskingKey), false).toBool()) return true;
  QMessageBox box(QMessageBox::Question, tr("Quit ReactorScope"),
                  tr("Sessions are still running. Quit and stop them?"), QMessageBox::NoButton, this);
  box.setObjectName(QStringLiteral("confirmQuitBox"));
  QPushButton* quit = box.addButton(tr("Quit"), QMessageBox::AcceptRole);
  box.addButton(QMessageBox::Cancel);
  box.setDefaultButton(quit);
  auto* dontAsk = new QCheckBox(tr("Don't ask again"), &box);
  dontAsk->setObjectName(QStringLiteral("dontAskCheck"));
  box.setCheckBox(dontAsk);
  box.exec();
  if (box.clickedButton() != quit) return false;
  if (dontAsk->isChecked()) QSettings().setValue(QLatin1String(kQuitWithoutAskingKey), true);
  return true;
}

void MainWindow::closeEvent(QCloseEvent* event) {
  // The window manager's close asks like Session > Quit; close() from code
  // (SIGTERM, tests) does not.
  if (event->spontaneous() && !confirmQuit()) {
    event->ignore();
    return;
  }
  if (!replay_) saveSettings();  // a replay window's layout is not the live window's
  controller_->stopAll();
  event->accept();
}

}  // namespace rs::gui

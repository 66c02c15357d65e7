#include "widgets/ReplayJumps.h"

#include <QMenu>
#include <QMouseEvent>
#include <QPlainTextEdit>
#include <QTextBlock>

#include "widgets/EventsPanel.h"
#include "widgets/ReplayBar.h"

namespace rs::gui {

namespace {

struct LineTime : QTextBlockUserData {
  explicit LineTime(qint64 ns) : recordNs(ns) {}
  qint64 recordNs;
};

}  // namespace

ReplayJumps::ReplayJumps(QPlainTextEdit* log, EventsPanel* events, ReplayBar* bar, QObject* parent)
    : QObject(parent), log_(log), logViewport_(log->viewport()), events_(events), bar_(bar) {
  log_->setContextMenuPolicy(Qt::CustomContextMenu);
  connect(log_, &QWidget::customContextMenuRequested, this, [this](const QPoint& pos) {
    QMenu* menu = logMenuAt(pos);
    menu->setAttribute(Qt::WA_DeleteOnClose);
    menu->popup(log_->viewport()->mapToGlobal(pos));
  });
  logViewport_->installEventFilter(this);
}

void ReplayJumps::tagLogLine(QPlainTextEdit* log, qint64 recordNs) {
  if (recordNs) log->document()->lastBlock().setUserData(new LineTime(recordNs));
}

std::optional<qint64> ReplayJumps::lineTime(const QTextBlock& block) {
  const auto* t = dynamic_cast<const LineTime*>(block.userData());
  return t ? std::optional(t->recordNs) : std::nullopt;
}

QMenu* ReplayJumps::logMenuAt(const QPoint& viewportPos) {
  QMenu* menu = log_->createStandardContextMenu(viewportPos);
  const std::optional<qint64> t = lineTime(log_->cursorForPosition(viewportPos).block());
  QAction* jump = new QAction(tr("Jump to this line's time"), menu);
  jump->setObjectName(QStringLiteral("jumpToLogLine"));
  jump->setEnabled(t.has_value());
  if (t) connect(jump, &QAction::triggered, bar_, [bar = bar_, ns = *t] { bar->seekTo(ns); });
  menu->insertAction(menu->actions().value(0), jump);
  menu->insertSeparator(menu->actions().value(1));
  return menu;
}

void ReplayJumps::addEventJumps(QMenu* menu, int session, quint64 eventId) {
  menu->addSeparator();
  for (const bool forward : {false, true}) {
    QAction* a = menu->addAction(forward ? tr("Jump to next transition") : tr("Jump to previous transition"), this,
                                 [this, session, eventId, forward] {
                                   events_->selectEvent(session, eventId);
                                   bar_->setSelectedEvent(std::pair{session, eventId});
                                   bar_->stepTransition(forward);
                                 });
    a->setObjectName(forward ? QStringLiteral("jumpToNextTransition") : QStringLiteral("jumpToPreviousTransition"));
  }
}

bool ReplayJumps::eventFilter(QObject* watched, QEvent* event) {
  if (event->type() == QEvent::MouseButtonDblClick && watched == logViewport_) {
    const auto* mouse = static_cast<QMouseEvent*>(event);
    if (const auto t = lineTime(log_->cursorForPosition(mouse->position().toPoint()).block())) {
      bar_->seekTo(*t);
      return true;
    }
  }
  return QObject::eventFilter(watched, event);
}

}  // namespace rs::gui

#include "widgets/SessionsPanel.h"

#include <QAction>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QPushButton>

#include "model/SessionController.h"
#include "widgets/Resources.h"
#include "ui_SessionsPanel.h"

namespace rs::gui {

SessionsPanel::SessionsPanel(SessionController* controller, QWidget* parent)
    : QWidget(parent), ui_(std::make_unique<Ui::SessionsPanel>()), ctl_(controller) {
  ensureResources();
  ui_->setupUi(this);
  SessionListModel* model = ctl_->sessionModel();
  ui_->table->setModel(model);
  QHeaderView* h = ui_->table->horizontalHeader();
  h->setSectionResizeMode(QHeaderView::Interactive);
  h->setSectionResizeMode(SessionListModel::ColSession, QHeaderView::ResizeToContents);
  h->setSectionResizeMode(SessionListModel::ColError, QHeaderView::Stretch);
  ui_->table->setColumnWidth(SessionListModel::ColStatus, 80);
  ui_->table->setColumnWidth(SessionListModel::ColPort, 60);
  ui_->table->setColumnWidth(SessionListModel::ColConnections, 55);
  ui_->table->setColumnWidth(SessionListModel::ColRate, 180);
  ui_->table->setColumnWidth(SessionListModel::ColTotals, 250);
  ui_->table->setColumnWidth(SessionListModel::ColLatency, 140);
  ui_->table->setColumnWidth(SessionListModel::ColAction, 80);
  ui_->table->verticalHeader()->setDefaultSectionSize(26);

  clearFinished_ = new QAction(tr("Clear finished"), this);
  clearFinished_->setObjectName(QStringLiteral("actionClearFinished"));
  clearFinished_->setToolTip(tr("Remove every session that has finished, failed or been stopped"));
  clearFinished_->setEnabled(false);
  connect(clearFinished_, &QAction::triggered, this, [this] { ctl_->clearFinished(); });
  ui_->clearFinishedButton->setDefaultAction(clearFinished_);
  ui_->table->setContextMenuPolicy(Qt::ActionsContextMenu);
  ui_->table->addAction(clearFinished_);

  connect(model, &QAbstractItemModel::rowsInserted, this, [this](const QModelIndex&, int, int last) {
    attachButtons();
    reveal(ctl_->sessionModel()->rows()[last].id);
  });
  connect(model, &QAbstractItemModel::rowsRemoved, this, &SessionsPanel::attachButtons);
  connect(model, &QAbstractItemModel::dataChanged, this, &SessionsPanel::updateButtons);
  connect(ctl_, &SessionController::sessionStatusChanged, this, &SessionsPanel::onStatusChanged);
  const auto emitSelected = [this] {
    const int id = selectedSession();
    if (id == selected_) return;
    selected_ = id;
    emit selectedSessionChanged(id);
  };
  connect(ui_->table->selectionModel(), &QItemSelectionModel::selectionChanged, this, emitSelected);
  connect(model, &QAbstractItemModel::rowsRemoved, this, emitSelected);
}

SessionsPanel::~SessionsPanel() = default;

QTableView* SessionsPanel::table() const { return ui_->table; }

QPushButton* SessionsPanel::actionButton(int sessionId) const {
  const int row = ctl_->sessionModel()->rowOfId(sessionId);
  if (row < 0) return nullptr;
  return qobject_cast<QPushButton*>(ui_->table->indexWidget(ctl_->sessionModel()->index(row, SessionListModel::ColAction)));
}

void SessionsPanel::reveal(int sessionId) {
  const int row = ctl_->sessionModel()->rowOfId(sessionId);
  if (row < 0) return;
  const QModelIndex idx = ctl_->sessionModel()->index(row, SessionListModel::ColSession);
  ui_->table->selectRow(row);
  ui_->table->scrollTo(idx, QAbstractItemView::EnsureVisible);
}

int SessionsPanel::selectedSession() const {
  const QModelIndexList rows = ui_->table->selectionModel()->selectedRows();
  if (rows.isEmpty()) return 0;
  return ctl_->sessionModel()->data(rows.front(), SessionListModel::IdRole).toInt();
}

void SessionsPanel::onStatusChanged(int sessionId, EngineSession::Status status) {
  if (status == EngineSession::Status::Failed) reveal(sessionId);
}

void SessionsPanel::attachButtons() {
  SessionListModel* model = ctl_->sessionModel();
  for (int row = 0; row < model->rowCount(); ++row) {
    const QModelIndex idx = model->index(row, SessionListModel::ColAction);
    if (ui_->table->indexWidget(idx)) continue;
    const int id = model->data(idx, SessionListModel::IdRole).toInt();
    auto* button = new QPushButton(QIcon(QStringLiteral(":/icons/stop.svg")), tr("Stop"));
    button->setObjectName(QStringLiteral("sessionAction%1").arg(id));
    connect(button, &QPushButton::clicked, this, [this, id] {
      const SessionRow* r = ctl_->sessionModel()->session(id);
      if (!r) return;
      if (isOver(r->status)) ctl_->removeSession(id);
      else ctl_->stopSession(id);
    });
    ui_->table->setIndexWidget(idx, button);
  }
  updateButtons();
}

void SessionsPanel::updateButtons() {
  for (const SessionRow& r : ctl_->sessionModel()->rows()) {
    QPushButton* b = actionButton(r.id);
    if (!b) continue;
    const bool over = isOver(r.status);
    const bool stopping = r.status == EngineSession::Status::Stopping;
    b->setText(over ? tr("Remove") : stopping ? tr("Stopping…") : tr("Stop"));
    b->setEnabled(!stopping);
  }
  clearFinished_->setEnabled(ctl_->anyOver());
}

}  // namespace rs::gui

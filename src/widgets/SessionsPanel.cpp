#include "widgets/SessionsPanel.h"

#include <QHeaderView>
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
  ui_->table->setColumnWidth(SessionListModel::ColTotals, 230);
  ui_->table->setColumnWidth(SessionListModel::ColLatency, 140);
  ui_->table->setColumnWidth(SessionListModel::ColAction, 80);
  ui_->table->verticalHeader()->setDefaultSectionSize(26);
  connect(model, &QAbstractItemModel::rowsInserted, this, &SessionsPanel::attachButtons);
  connect(model, &QAbstractItemModel::rowsRemoved, this, &SessionsPanel::attachButtons);
  connect(model, &QAbstractItemModel::dataChanged, this, &SessionsPanel::updateButtons);
}

SessionsPanel::~SessionsPanel() = default;

QTableView* SessionsPanel::table() const { return ui_->table; }

QPushButton* SessionsPanel::actionButton(int sessionId) const {
  const int row = ctl_->sessionModel()->rowOfId(sessionId);
  if (row < 0) return nullptr;
  return qobject_cast<QPushButton*>(ui_->table->indexWidget(ctl_->sessionModel()->index(row, SessionListModel::ColAction)));
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
      if (r->status == EngineSession::Status::Stopped || r->status == EngineSession::Status::Failed)
        ctl_->removeSession(id);
      else
        ctl_->stopSession(id);
    });
    ui_->table->setIndexWidget(idx, button);
  }
  updateButtons();
}

void SessionsPanel::updateButtons() {
  for (const SessionRow& r : ctl_->sessionModel()->rows()) {
    QPushButton* b = actionButton(r.id);
    if (!b) continue;
    const bool ended = r.status == EngineSession::Status::Stopped || r.status == EngineSession::Status::Failed;
    const bool stopping = r.status == EngineSession::Status::Stopping;
    b->setText(ended ? tr("Remove") : stopping ? tr("Stopping…") : tr("Stop"));
    b->setEnabled(!stopping);
  }
}

}  // namespace rs::gui

#include "widgets/EventsPanel.h"

#include <QHeaderView>
#include <QItemSelectionModel>

#include "model/EventFilterProxy.h"
#include "model/EventTableModel.h"
#include "ui_EventsPanel.h"

namespace rs::gui {

EventsPanel::EventsPanel(EventTableModel* model, QWidget* parent)
    : QWidget(parent), ui_(std::make_unique<Ui::EventsPanel>()), model_(model), proxy_(new EventFilterProxy(this)) {
  ui_->setupUi(this);
  proxy_->setSourceModel(model_);
  ui_->table->setModel(proxy_);
  ui_->table->sortByColumn(EventTableModel::ColId, Qt::AscendingOrder);
  // Fixed row heights and no per-row size hints keep 10 000+ rows smooth.
  ui_->table->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
  ui_->table->verticalHeader()->setDefaultSectionSize(22);
  QHeaderView* h = ui_->table->horizontalHeader();
  h->setSectionResizeMode(QHeaderView::Interactive);
  // Every column fits a 1500-pixel window beside the diagram: the label takes what is left.
  const int widths[EventTableModel::ColumnCount] = {80, 45, 50, 140, 45, 35, 110, 80, 80, 90, 95, 95};
  for (int c = 0; c < EventTableModel::ColumnCount; ++c) ui_->table->setColumnWidth(c, widths[c]);
  h->setSectionResizeMode(EventTableModel::ColLabel, QHeaderView::Stretch);
  ui_->sessionCombo->addItem(tr("all"), -1);

  connect(ui_->sessionCombo, &QComboBox::currentIndexChanged, this, &EventsPanel::applyFilters);
  connect(ui_->kindCombo, &QComboBox::currentIndexChanged, this, &EventsPanel::applyFilters);
  connect(ui_->stateCombo, &QComboBox::currentIndexChanged, this, &EventsPanel::applyFilters);
  connect(ui_->ownerEdit, &QLineEdit::textChanged, this, &EventsPanel::applyFilters);
  connect(ui_->labelEdit, &QLineEdit::textChanged, this, &EventsPanel::applyFilters);
  connect(ui_->hideFreedCheck, &QCheckBox::toggled, this, &EventsPanel::applyFilters);
  connect(ui_->table->selectionModel(), &QItemSelectionModel::selectionChanged, this, &EventsPanel::selectionChanged);
}

EventsPanel::~EventsPanel() = default;

QTableView* EventsPanel::table() const { return ui_->table; }

void EventsPanel::applyFilters() {
  proxy_->setSessionFilter(ui_->sessionCombo->currentData().isValid() ? ui_->sessionCombo->currentData().toInt() : -1);
  proxy_->setKindFilter(ui_->kindCombo->currentIndex() - 1);
  proxy_->setStateFilter(ui_->stateCombo->currentIndex() - 1);
  bool ok = false;
  const qint64 owner = ui_->ownerEdit->text().trimmed().toLongLong(&ok);
  proxy_->setOwnerFilter(ok ? owner : -1);
  ui_->ownerEdit->setStyleSheet(ok || ui_->ownerEdit->text().trimmed().isEmpty() ? QString() : QStringLiteral("color:#c02020"));
  proxy_->setLabelFilter(ui_->labelEdit->text().trimmed());
  proxy_->setHideFreed(ui_->hideFreedCheck->isChecked());
  refresh();
  emit selectionChanged();
}

void EventsPanel::setSessions(const QList<QPair<int, QString>>& sessions) {
  const QVariant current = ui_->sessionCombo->currentData();
  QSignalBlocker block(ui_->sessionCombo);
  ui_->sessionCombo->clear();
  ui_->sessionCombo->addItem(tr("all"), -1);
  for (const auto& [id, name] : sessions) ui_->sessionCombo->addItem(name, id);
  const int i = ui_->sessionCombo->findData(current);
  ui_->sessionCombo->setCurrentIndex(i >= 0 ? i : 0);
}

void EventsPanel::refresh() {
  ui_->countLabel->setText(tr("%1 of %2 events").arg(proxy_->rowCount()).arg(model_->rowCount()));
}

std::vector<std::pair<int, quint64>> EventsPanel::selectedEvents(int max) const {
  std::vector<std::pair<int, quint64>> out;
  QModelIndexList rows = ui_->table->selectionModel()->selectedRows();
  std::sort(rows.begin(), rows.end(), [](const QModelIndex& a, const QModelIndex& b) { return a.row() < b.row(); });
  for (const QModelIndex& idx : rows) {
    if (static_cast<int>(out.size()) >= max) break;
    out.emplace_back(proxy_->data(idx, EventTableModel::SessionRole).toInt(),
                     proxy_->data(proxy_->index(idx.row(), EventTableModel::ColId)).toULongLong());
  }
  return out;
}

std::vector<std::pair<int, quint64>> EventsPanel::visibleEvents(int max) const {
  std::vector<std::pair<int, quint64>> out;
  const int n = std::min(max, proxy_->rowCount());
  for (int r = 0; r < n; ++r) {
    const QModelIndex idx = proxy_->index(r, EventTableModel::ColId);
    out.emplace_back(proxy_->data(idx, EventTableModel::SessionRole).toInt(), proxy_->data(idx).toULongLong());
  }
  return out;
}

}  // namespace rs::gui

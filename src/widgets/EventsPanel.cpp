#include "widgets/EventsPanel.h"

#include <QHeaderView>
#include <QItemSelectionModel>
#include <QMenu>
#include <QSet>
#include <algorithm>
#include <map>

#include "core/Trace.h"
#include "model/EventFilterProxy.h"
#include "model/EventTableModel.h"
#include "ui_EventsPanel.h"

namespace rs::gui {

namespace {
constexpr int kMaxOwnerChoices = 500;
}  // namespace

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
  // Every column fits a 1500-pixel window beside the diagram. The label keeps a
  // readable width in a narrower window (the table scrolls sideways); the last
  // column, the addresses, takes what is left.
  const int widths[EventTableModel::ColumnCount] = {58, 40, 48, 170, 42, 30, 84, 76, 78, 90, 93, 80, 90};
  for (int c = 0; c < EventTableModel::ColumnCount; ++c) ui_->table->setColumnWidth(c, widths[c]);
  h->setStretchLastSection(true);
  ui_->sessionCombo->addItem(tr("all"), -1);
  ui_->ownerCombo->lineEdit()->setPlaceholderText(tr("any"));
  ui_->ownerCombo->lineEdit()->setClearButtonEnabled(true);
  ui_->table->setContextMenuPolicy(Qt::CustomContextMenu);

  connect(ui_->sessionCombo, &QComboBox::currentIndexChanged, this, &EventsPanel::applyFilters);
  connect(ui_->kindCombo, &QComboBox::currentIndexChanged, this, &EventsPanel::applyFilters);
  connect(ui_->stateCombo, &QComboBox::currentIndexChanged, this, &EventsPanel::applyFilters);
  connect(ui_->ownerCombo, &QComboBox::editTextChanged, this, &EventsPanel::applyFilters);
  connect(ui_->labelEdit, &QLineEdit::textChanged, this, &EventsPanel::applyFilters);
  connect(ui_->hideFreedCheck, &QCheckBox::toggled, this, &EventsPanel::applyFilters);
  connect(ui_->showInternalCheck, &QCheckBox::toggled, this, &EventsPanel::applyFilters);
  connect(ui_->table->selectionModel(), &QItemSelectionModel::selectionChanged, this, &EventsPanel::selectionChanged);
  connect(ui_->table->selectionModel(), &QItemSelectionModel::selectionChanged, this, [this] {
    QSet<quint64> keys;  // (bounded by the selection's rows)
    for (const QModelIndex& idx : ui_->table->selectionModel()->selectedRows())
      keys.insert(proxy_->data(idx, EventTableModel::KeyRole).toULongLong());
    model_->setHeld(keys);
  });
  connect(ui_->table, &QWidget::customContextMenuRequested, this, [this](const QPoint& pos) {
    const QModelIndex idx = ui_->table->indexAt(pos);
    if (!idx.isValid()) return;
    QMenu* menu = contextMenuFor(idx.row());
    menu->setAttribute(Qt::WA_DeleteOnClose);
    menu->popup(ui_->table->viewport()->mapToGlobal(pos));
  });
  applyFilters();
}

EventsPanel::~EventsPanel() = default;

QTableView* EventsPanel::table() const { return ui_->table; }

void EventsPanel::applyFilters() {
  proxy_->setSessionFilter(ui_->sessionCombo->currentData().isValid() ? ui_->sessionCombo->currentData().toInt() : -1);
  proxy_->setKindFilter(ui_->kindCombo->currentIndex() - 1);
  proxy_->setStateFilter(ui_->stateCombo->currentIndex() - 1);
  proxy_->setOwnerFilter(ui_->ownerCombo->currentText().trimmed());
  proxy_->setLabelFilter(ui_->labelEdit->text().trimmed());
  proxy_->setHideFreed(ui_->hideFreedCheck->isChecked());
  proxy_->setShowInternal(ui_->showInternalCheck->isChecked());
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

// The owner choices follow the table: the owners of its rows now, by tag.
void EventsPanel::updateOwnerChoices() {
  QComboBox* combo = ui_->ownerCombo;
  if (combo->view()->isVisible()) return;  // not while the user picks from the list
  std::map<quint32, QString> owners;
  for (int r = 0; r < model_->rowCount() && static_cast<int>(owners.size()) < kMaxOwnerChoices; ++r) {
    const QModelIndex idx = model_->index(r, 0);
    const quint32 owner = model_->data(idx, EventTableModel::OwnerRole).toUInt();
    if (owner != 0 && !owners.count(owner)) owners[owner] = model_->data(idx, EventTableModel::OwnerTextRole).toString();
  }
  QStringList items;
  for (const auto& [owner, text] : owners) items << text;
  QStringList current;
  for (int i = 0; i < combo->count(); ++i) current << combo->itemText(i);
  if (items == current) return;
  const QString text = combo->currentText();
  const QSignalBlocker block(combo);
  combo->clear();
  combo->addItems(items);
  combo->setCurrentIndex(-1);
  combo->setEditText(text);
}

void EventsPanel::refresh() {
  if (refreshes_++ % 30 == 0) updateOwnerChoices();
  const QString count = tr("%1 of %2 events").arg(proxy_->rowCount()).arg(model_->rowCount());
  int internal = 0;
  if (!showsInternal())
    for (int n : model_->statesOfKind(EventKind::Internal)) internal += n;
  ui_->countLabel->setText(internal ? count + tr(" (%1 internal hidden)").arg(internal) : count);
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

std::vector<std::pair<int, quint64>> EventsPanel::pinnedEvents() const { return pins_; }

bool EventsPanel::showsInternal() const { return ui_->showInternalCheck->isChecked(); }

bool EventsPanel::selectEvent(int session, quint64 id) {
  for (int r = 0; r < proxy_->rowCount(); ++r) {
    const QModelIndex idx = proxy_->index(r, 0);
    if (proxy_->data(idx, EventTableModel::SessionRole).toInt() != session ||
        proxy_->data(proxy_->index(r, EventTableModel::ColId)).toULongLong() != id)
      continue;
    ui_->table->selectRow(r);
    ui_->table->scrollTo(idx);
    return true;
  }
  return false;
}

bool EventsPanel::selectOwnerEvent(quint32 owner, const QString& what) {
  int fallback = -1;
  for (int r = 0; r < proxy_->rowCount(); ++r) {
    const QModelIndex idx = proxy_->index(r, 0);
    if (proxy_->data(idx, EventTableModel::OwnerRole).toUInt() != owner) continue;
    if (fallback < 0) fallback = r;
    if (proxy_->data(proxy_->index(r, EventTableModel::ColLabel)).toString().endsWith(QLatin1Char(' ') + what)) {
      fallback = r;
      break;
    }
  }
  if (fallback < 0) {
    // Hidden by the filters: show every session and owner, then look again.
    if (ui_->sessionCombo->currentIndex() == 0 && ui_->ownerCombo->currentText().isEmpty()) return false;
    ui_->sessionCombo->setCurrentIndex(0);
    ui_->ownerCombo->setEditText(QString());
    return selectOwnerEvent(owner, what);
  }
  ui_->table->selectRow(fallback);
  ui_->table->scrollTo(proxy_->index(fallback, 0));
  return true;
}

void EventsPanel::togglePin(int session, quint64 id, quint64 key) {
  const std::pair<int, quint64> event{session, id};
  auto it = std::find(pins_.begin(), pins_.end(), event);
  QSet<quint64> keys = model_->pinned();
  if (it != pins_.end()) {
    pins_.erase(it);
    keys.remove(key);
  } else {
    pins_.push_back(event);
    keys.insert(key);
  }
  model_->setPinned(keys);
  emit pinsChanged();
}

QMenu* EventsPanel::contextMenuFor(int proxyRow) {
  const QModelIndex idx = proxy_->index(proxyRow, 0);
  const int session = proxy_->data(idx, EventTableModel::SessionRole).toInt();
  const quint64 id = proxy_->data(proxy_->index(proxyRow, EventTableModel::ColId)).toULongLong();
  const quint32 owner = proxy_->data(idx, EventTableModel::OwnerRole).toUInt();
  const quint64 key = proxy_->data(idx, EventTableModel::KeyRole).toULongLong();
  const bool pinned = proxy_->data(idx, EventTableModel::PinnedRole).toBool();
  auto* menu = new QMenu(this);
  QAction* timeline = menu->addAction(tr("Show in Timeline"), this, [this, session, id] {
    selectEvent(session, id);
    emit showInTimeline(session, id);
  });
  timeline->setObjectName(QStringLiteral("showInTimeline"));
  QAction* buffers = menu->addAction(tr("Show in Buffers"), this, [this, session, id, owner] {
    selectEvent(session, id);
    emit showInBuffers(owner);
  });
  buffers->setObjectName(QStringLiteral("showInBuffers"));
  buffers->setEnabled(proxy_->data(idx, EventTableModel::ConnectionRole).toBool());
  if (!buffers->isEnabled()) buffers->setToolTip(tr("Only a connection's events have buffers"));
  const quint32 peer = model_->peerOf(owner);
  const QString what = proxy_->data(proxy_->index(proxyRow, EventTableModel::ColLabel)).toString().section(QLatin1Char(' '), -1);
  QAction* showPeer = menu->addAction(tr("Show peer"), this, [this, peer, what] { selectOwnerEvent(peer, what); });
  showPeer->setObjectName(QStringLiteral("showPeer"));
  showPeer->setEnabled(peer != 0);
  showPeer->setToolTip(peer ? tr("Select the other end of this connection (owner %1)").arg(peer)
                            : tr("No connection with these ends swapped is known"));
  QAction* pin = menu->addAction(pinned ? tr("Unpin") : tr("Pin"), this, [this, session, id, key] { togglePin(session, id, key); });
  pin->setObjectName(QStringLiteral("pin"));
  pin->setToolTip(tr("Pinned events stay in the timeline, whatever is selected"));
  if (rowMenuExtension_) rowMenuExtension_(menu, session, id);
  return menu;
}

}  // namespace rs::gui

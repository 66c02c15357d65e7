// A FrameSource that holds what a test puts in it (event rows, connections'
// buffer levels, sessions' figures, log lines) and nothing more: no dirty
// ranges, nothing expires, no paths, no trace statistics (zeros). The views'
// tests derive canned frames from it and override the figures they check.
// Header-only; GUI thread only, like the views reading it.
#pragma once
#include <algorithm>
#include <map>
#include <vector>

#include "model/FrameSource.h"

namespace rs::gui::test {

class StubFrameSource : public FrameSource {
 public:
  qint64 originNs() const override { return origin_; }

  int rowCount() const override { return static_cast<int>(rows_.size()); }
  const EventRow& row(int i) const override { return rows_[static_cast<size_t>(i)]; }
  int rowOf(int session, quint64 id) const override {
    for (int i = 0; i < rowCount(); ++i)
      if (row(i).session == session && row(i).id == id) return i;
    return -1;
  }
  std::vector<PathStep> pathOf(int, size_t) const override { return {}; }
  std::pair<int, int> takeDirtyRange() override { return {-1, -1}; }
  std::vector<int> expiredRows(qint64, qint64) const override { return {}; }
  void removeRows(int, int) override {}
  void removeRowsSorted(const std::vector<int>&) override {}

  const std::vector<ConnectionSeries>& connections() const override { return connections_; }
  const ConnectionSeries* connection(quint32 owner) const override {
    for (const ConnectionSeries& c : connections_)
      if (c.owner == owner) return &c;
    return nullptr;
  }
  // Alive: an owner with a connection here.
  bool ownerAlive(quint32 owner) const override { return connection(owner) != nullptr; }

  std::vector<int> sessions() const override { return {}; }
  const SessionTraceStats* sessionStats(int) const override { return nullptr; }
  DiagramStats diagramStats() const override { return {}; }
  CallbackHistogram callbackHistogram() const override { return {}; }
  CallbackHistogram schedulingDelayHistogram() const override { return {}; }
  double transitionsPerSec() const override { return 0; }
  double recordsPerSec() const override { return 0; }
  quint64 droppedTotal() const override { return 0; }
  qint64 liveEvents() const override { return 0; }
  size_t memoryBytes() const override { return 0; }

  const std::map<int, SessionFigures>& figures() const override { return figures_; }

  quint64 logLines(quint64 afterSeq, QVector<LogEntry>* out) const override {
    for (quint64 seq = afterSeq + 1; seq <= static_cast<quint64>(log_.size()); ++seq)
      out->push_back(log_[static_cast<int>(seq - 1)]);
    return std::max<quint64>(afterSeq, static_cast<quint64>(log_.size()));
  }

 protected:
  qint64 origin_ = 1'000'000'000;  // time 0 of the plots: 1 s
  std::vector<EventRow> rows_;
  std::vector<ConnectionSeries> connections_;
  std::map<int, SessionFigures> figures_;
  QVector<LogEntry> log_;
};

}  // namespace rs::gui::test

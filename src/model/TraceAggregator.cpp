#include "model/TraceAggregator.h"

#include <algorithm>

#include "SnapshotFloor.h"
#include "core/Clock.h"

namespace rs::gui {

namespace {
constexpr qint64 kRateWindowNs = 1'000'000'000;
constexpr qint64 kMaintainEveryNs = 1'000'000'000;
constexpr qint64 kLevelCoalesceNs = 1'000'000;  // one buffer sample per ms per buffer
constexpr size_t kLevelCapPerBuffer = 8192;
}  // namespace

TraceAggregator::TraceAggregator() : originNs_(monotonicNowNs()) {}

SessionTraceStats& TraceAggregator::statsFor(int session) { return sessions_[session]; }

// At the row's creation: what the session's directory knows of the event.
void TraceAggregator::resolveLabel(EventRow& e, const Tracer* infoSource) {
  if (!infoSource) return;
  std::optional<EventInfo> info = infoSource->info(e.id);
  if (!info) return;
  if (info->owner) e.owner = info->owner;  // a traced program's directory knows none: the record's stays
  if (info->fd >= 0) e.fd = info->fd;      // (a listener's callback can be announced before its socket exists)
  e.events = info->events;
  e.priority = info->priority;
  if (info->kind == EventKind::Internal) e.kind = EventKind::Internal;
  if (!info->label.empty()) {
    e.label = QString::fromStdString(info->label);
    e.labelResolved = true;
  }
}

// A label known after the row's creation: the row takes it (and is redrawn, and
// the observer told, when it is new).
void TraceAggregator::takeLabel(int index, QString label) {
  EventRow& e = rows_[static_cast<size_t>(index)];
  e.labelResolved = true;
  if (label == e.label) return;
  e.label = std::move(label);
  markDirty(index);
  if (observer_) observer_->labelled(e.session, e.id, e.label);
}

void TraceAggregator::lookUpLabel(int index) {
  const EventRow& e = rows_[static_cast<size_t>(index)];
  const auto source = infoSources_.find(e.session);
  if (source == infoSources_.end()) return;
  const std::optional<EventInfo> info = source->second->info(e.id);
  if (info && !info->label.empty()) takeLabel(index, QString::fromStdString(info->label));
}

// Once per tick: the oldest rows still unlabelled, then the next stretch of the
// relabel sweep (see "Labels" in the header).
void TraceAggregator::retryLabels() {
  // (Rows done with -- freed, removed, labelled by a snapshot, or in a session
  // with no directory -- leave the queue without counting as lookups.)
  size_t lookups = 0;
  for (size_t n = unlabelled_.size(); n > 0 && lookups < kLabelRetriesPerTick; --n) {
    const quint64 key = unlabelled_.front();
    unlabelled_.pop_front();
    const int row = rowIndex_.find(key);
    if (row < 0) continue;
    const EventRow& e = rows_[static_cast<size_t>(row)];
    if (e.freedAtNs || e.labelResolved || !infoSources_.count(e.session)) continue;
    ++lookups;
    lookUpLabel(row);
    if (!e.labelResolved) unlabelled_.push_back(key);
  }
  for (size_t n = std::min(rows_.size(), kRelabelChecksPerTick); n > 0; --n) {
    if (relabelCursor_ >= rows_.size()) relabelCursor_ = 0;
    const int i = static_cast<int>(relabelCursor_++);
    const EventRow& e = rows_[static_cast<size_t>(i)];
    if (e.labelResolved && !e.freedAtNs) lookUpLabel(i);
  }
}

// The event's row: the row of the previous record's event, else an index lookup,
// else a new row. Inline: this is the per-record path.
[[gnu::always_inline]] inline EventRow& TraceAggregator::rowFor(int session, const TraceRecord& r,
                                                               const Tracer* infoSource, int* index) {
  const quint64 key = keyOf(session, r.eventId);
  if (key != cacheKey_ || cacheRow_ < 0) {  // (a stream may send a record whose key is cacheKey_'s empty value)
    int i = rowIndex_.find(key);
    if (i < 0) [[unlikely]] i = createRow(key, session, r, infoSource);
    cacheKey_ = key;
    cacheRow_ = i;
  }
  *index = cacheRow_;
  return rows_[static_cast<size_t>(cacheRow_)];
}

int TraceAggregator::createRow(quint64 key, int session, const TraceRecord& r, const Tracer* infoSource) {
  const int i = static_cast<int>(rows_.size());
  rows_.emplace_back();
  EventRow& e = rows_.back();
  e.key = key;
  e.session = session;
  e.id = r.eventId;
  e.owner = r.owner;
  e.kind = r.kind;
  e.fd = r.fd;
  // Seen first mid-life (after drops or late attach): it was in `from` before.
  e.state = r.type == TraceType::Transition ? r.from : EventState::Pending;
  if (r.type == TraceType::Transition && r.cause == TraceCause::New) e.events = r.flags;
  e.lastChangeNs = r.tsNs;
  e.coarse.setBucketNs(CoarseHistory::bucketNsFor(retentionNs_));
  ++fineHolders_.live;  // (until the next maintain() counts again)
  applyFineCap(e);
  resolveLabel(e, infoSource);
  if (!e.labelResolved) unlabelled_.push_back(key);
  rowIndex_.emplace(key, i);
  ++liveEvents_;
  ++statsFor(session).liveEvents;
  if (e.owner) ++ownerLive_[e.owner];
  return i;
}

// A row created before its event had an owner (a traced program's bufferevent
// tags its events after event_new) takes the owner its later records carry.
void TraceAggregator::adoptOwner(EventRow& e, quint32 owner) {
  e.owner = owner;
  if (!e.freedAtNs) ++ownerLive_[owner];
}

void TraceAggregator::markFreed(EventRow& e, qint64 ts) {
  if (e.freedAtNs) return;
  e.freedAtNs = ts ? ts : 1;
  e.state = EventState::Invalid;
  e.activatedNs = 0;
  --liveEvents_;
  ++freedEvents_;
  auto s = sessions_.find(e.session);
  if (s != sessions_.end()) --s->second.liveEvents;
  if (e.owner) {
    auto it = ownerLive_.find(e.owner);
    if (it != ownerLive_.end() && --it->second <= 0) ownerLive_.erase(it);
  }
}

// The connection's series: the previous buffer record's (a connection's levels
// come in runs), else an index lookup, else a new series. Inline: per record.
[[gnu::always_inline]] inline ConnectionSeries& TraceAggregator::connectionFor(int session, const TraceRecord& r) {
  if (r.owner != cacheOwner_ || cacheConnection_ < 0) {
    int i = connectionIndex_.find(r.owner);
    if (i < 0) [[unlikely]] i = createConnection(session, r);
    cacheOwner_ = r.owner;
    cacheConnection_ = i;
  }
  return connections_[static_cast<size_t>(cacheConnection_)];
}

int TraceAggregator::createConnection(int session, const TraceRecord& r) {
  const int i = static_cast<int>(connections_.size());
  connections_.emplace_back();
  ConnectionSeries& c = connections_.back();
  c.owner = r.owner;
  c.session = session;
  c.fd = r.fd;
  for (auto& ring : c.levels) ring.setCap(256);
  connectionIndex_.emplace(r.owner, i);
  return i;
}

void TraceAggregator::ingest(int session, const TraceRecord* records, size_t count,
                             const Tracer* infoSource) {
  if (observer_) observer_->ingested(session, records, count, infoSource);
  if (infoSource) infoSources_[session] = infoSource;
  freedByLastIngest_.clear();
  SessionTraceStats& st = statsFor(session);
  st.records += count;
  auto& edgeTick = st.edgeTick;
  for (size_t k = 0; k < count; ++k) {
    const TraceRecord& r = records[k];
    switch (r.type) {
      case TraceType::Transition: {
        int i;
        EventRow& e = rowFor(session, r, infoSource, &i);
        if (e.owner == 0 && r.owner != 0) [[unlikely]] adoptOwner(e, r.owner);
        // The library's own events (a bufferevent's buffer sampler fires ten
        // times a second per connection) are not the program's: they count in
        // neither the transition rates nor the diagram's edges (its boxes
        // leave them out too), so an idle server reads idle.
        const bool programs = r.kind != EventKind::Internal;
        if (programs) ++st.transitions;
        const DiagramEdge edge = programs ? diagramEdgeFor(r.from, r.to, r.cause) : DiagramEdge::Count;
        if (edge != DiagramEdge::Count) {
          const auto ei = static_cast<size_t>(edge);
          ++st.edgeTotal[ei];
          ++edgeTick[ei];
          ++edgeTickAll_[ei];
        }
        if (e.transitions.size() == e.transitions.cap()) foldOldest(e, keptAfterFold(e.transitions.cap()), e.callbacks.cap());
        TransitionSample& sample = e.transitions.pushSlot();
        if (e.firstSeenNs == 0) [[unlikely]]
          e.firstSeenNs = r.tsNs;  // the first sample its timeline holds
        sample.tsNs = r.tsNs;
        sample.from = r.from;
        sample.to = r.to;
        sample.cause = r.cause;
        e.lastCause = r.cause;
        e.lastChangeNs = r.tsNs;
        if (r.to == EventState::Active && r.from != EventState::Active) {
          ++e.activations;
          e.activatedNs = r.tsNs;
        }
        if (freesEvent(r)) {
          markFreed(e, r.tsNs);
          freedByLastIngest_.push_back(r.eventId);
        } else if (!e.freedAtNs && recording::changesStateAfterSnapshot(r.tsNs, st.snapshotNs)) {
          e.state = r.to;
        }
        markDirty(i);
        break;
      }
      case TraceType::CallbackBegin: {
        if (r.eventId == 0) break;
        int i;
        EventRow& e = rowFor(session, r, infoSource, &i);
        if (e.activatedNs) {
          st.schedulingDelayNs.record(r.tsNs - e.activatedNs);
          e.activatedNs = 0;
        }
        e.callbackOpenNs = r.tsNs;
        break;
      }
      case TraceType::CallbackEnd: {
        if (r.eventId == 0) break;
        int i;
        EventRow& e = rowFor(session, r, infoSource, &i);
        e.lastCallbackNs = r.value;
        e.totalCallbackNs += r.value;
        e.callbackOpenNs = 0;
        if (e.callbacks.size() == e.callbacks.cap()) foldOldest(e, e.transitions.cap(), keptAfterFold(e.callbacks.cap()));
        e.callbacks.push({r.tsNs - r.value, r.value});
        st.callbackNs.record(r.value);
        markDirty(i);
        break;
      }
      case TraceType::WaitBegin:
        st.waitOpenSinceNs = r.tsNs;
        break;
      case TraceType::WaitEnd:
        if (st.waitOpenSinceNs >= 0) {
          st.waitClosedNs += r.tsNs - st.waitOpenSinceNs;
          st.waitOpenSinceNs = -1;
        }
        break;
      case TraceType::BufferLevel: {
        if (r.owner == 0) break;
        ConnectionSeries& c = connectionFor(session, r);
        c.lastNs = r.tsNs;
        if (r.fd >= 0) c.fd = r.fd;
        if (r.buffer >= BufferId::KernelRecv && r.buffer <= BufferId::KernelSend) {
          const auto b = static_cast<size_t>(dataBufferIndex(r.buffer));
          auto& ring = c.levels[b];
          c.current[b] = r.value;
          if (ring.size() > 1 && r.tsNs - c.lastLevelNs[b] < kLevelCoalesceNs &&
              r.tsNs - c.levelBeforeLastNs[b] < kLevelCoalesceNs) {
            ring.back() = {r.tsNs, r.value};
          } else {
            ring.push({r.tsNs, r.value});
            c.levelBeforeLastNs[b] = c.lastLevelNs[b];
          }
          c.lastLevelNs[b] = r.tsNs;
        } else if (r.buffer >= BufferId::ReadLowWater && r.buffer <= BufferId::WriteHighWater) {
          c.watermarks[static_cast<size_t>(static_cast<int>(r.buffer) -
                                            static_cast<int>(BufferId::ReadLowWater))] = r.value;
        }
        break;
      }
      case TraceType::Count:
        break;
    }
  }
}

void TraceAggregator::applySnapshot(int session, const std::vector<EventSnapshot>& snapshot,
                                    qint64 takenNs) {
  if (observer_) observer_->resynced(session, snapshot, takenNs);
  SessionTraceStats& st = statsFor(session);
  st.snapshotNs = takenNs;
  ++st.resyncs;
  for (EventRow& e : rows_)
    if (e.session == session) {
      e.activatedNs = 0;
      e.callbackOpenNs = 0;  // (records were lost: an open callback is not known to be)
    }
  std::unordered_map<quint64, const EventSnapshot*> live;
  live.reserve(snapshot.size());
  for (const EventSnapshot& s : snapshot) live.emplace(keyOf(session, s.id), &s);
  for (int i = 0; i < rowCount(); ++i) {
    EventRow& e = rows_[static_cast<size_t>(i)];
    if (e.session != session || e.freedAtNs) continue;
    if (!live.count(e.key)) {
      markFreed(e, takenNs);
      markDirty(i);
    }
  }
  for (const EventSnapshot& s : snapshot) {
    TraceRecord r;
    r.eventId = s.id;
    r.owner = s.owner;
    r.kind = s.kind;
    r.fd = s.fd;
    r.tsNs = takenNs;
    r.type = TraceType::Transition;
    r.from = s.state;
    int i;
    const int rowsBefore = rowCount();
    EventRow& e = rowFor(session, r, nullptr, &i);
    const bool created = rowCount() > rowsBefore;
    if (e.owner == 0 && s.owner != 0) adoptOwner(e, s.owner);
    e.state = s.state;
    e.kind = s.kind;
    e.events = s.events;
    e.priority = s.priority;
    e.activations = s.activations;
    e.totalCallbackNs = s.totalCallbackNs;
    e.lastCallbackNs = s.lastCallbackNs;
    e.lastCause = s.lastCause;
    if (!s.label.empty()) {
      if (created) {  // (the observer saw the snapshot, labels included)
        e.label = QString::fromStdString(s.label);
        e.labelResolved = true;
      } else {
        takeLabel(i, QString::fromStdString(s.label));
      }
    }
    markDirty(i);
  }
}

void TraceAggregator::setDropped(int session, quint64 dropped) {
  SessionTraceStats& st = statsFor(session);
  if (dropped != st.dropped) {
    // Lost records may include a CallbackBegin: don't pair an old activation with
    // a much later dispatch (that would invent a huge scheduling delay).
    for (EventRow& e : rows_)
      if (e.session == session) e.activatedNs = 0;
  }
  st.dropped = dropped;
}

void TraceAggregator::endSession(int session, qint64 nowNs) {
  if (observer_) observer_->sessionEnded(session, nowNs);
  for (int i = 0; i < rowCount(); ++i) {
    EventRow& e = rows_[static_cast<size_t>(i)];
    if (e.session != session || e.freedAtNs) continue;
    if (e.callbackOpenNs) {
      // The process ended inside this callback (it crashed there, or exited
      // from it): the callback shows until the end, marked as never returned.
      const qint64 ranNs = std::max<qint64>(0, nowNs - e.callbackOpenNs);
      if (e.callbacks.size() == e.callbacks.cap()) foldOldest(e, e.transitions.cap(), keptAfterFold(e.callbacks.cap()));
      e.callbacks.push({e.callbackOpenNs, ranNs});
      e.lastCallbackNs = ranNs;
      e.totalCallbackNs += ranNs;
      e.callbackOpenNs = 0;
      e.callbackCutShort = true;
    }
    markFreed(e, nowNs);
    markDirty(i);
  }
  SessionTraceStats& st = statsFor(session);
  st.waitOpenSinceNs = -1;
  endedSessions_.emplace(session, nowNs);
}

qint64 TraceAggregator::liveEdgeNs(qint64 nowNs, const std::vector<int>& onlySessions) const {
  qint64 lastEndNs = INT64_MIN;
  for (const auto& [id, st] : sessions_) {
    if (!onlySessions.empty() && std::find(onlySessions.begin(), onlySessions.end(), id) == onlySessions.end()) continue;
    const auto ended = endedSessions_.find(id);
    if (ended == endedSessions_.end()) return nowNs;  // one is live
    lastEndNs = std::max(lastEndNs, ended->second);
  }
  return lastEndNs == INT64_MIN ? nowNs : std::min(nowNs, lastEndNs + kLiveEdgeAfterEndNs);
}

void TraceAggregator::forgetSession(int session) {
  endedSessions_.erase(session);
  sessions_.erase(session);
  figures_.erase(session);
  infoSources_.erase(session);
}

void TraceAggregator::finishTick(qint64 nowNs) {
  // Session aggregates of buffer levels (live connections only), in one pass
  // over the connections (a process may have made many sessions: its bases).
  std::unordered_map<int, std::array<qint64, kDataBufferCount>> liveSums;
  for (const ConnectionSeries& c : connections_) {
    if (!ownerAlive(c.owner)) continue;
    auto& sum = liveSums[c.session];
    for (size_t b = 0; b < sum.size(); ++b) sum[b] += c.current[b];
  }
  for (auto& [id, st] : sessions_) {
    const auto live = liveSums.find(id);
    if (live != liveSums.end() || !st.aggregate[0].empty()) {
      const std::array<qint64, kDataBufferCount> sum = live != liveSums.end() ? live->second : std::array<qint64, kDataBufferCount>{};
      for (size_t b = 0; b < sum.size(); ++b) st.aggregate[b].push({nowNs, sum[b]});
    }

    TickSample t;
    t.tNs = nowNs;
    t.transitions = st.transitions;
    t.records = st.records;
    t.waitNs = st.waitClosedNs + (st.waitOpenSinceNs >= 0 ? std::max<qint64>(0, nowNs - st.waitOpenSinceNs) : 0);
    t.edges = st.edgeTotal;
    st.history.push(t);
    st.history.dropFrontWhile([&](const TickSample& s) { return nowNs - s.tNs > 2 * kRateWindowNs; });
    // Oldest sample at least ~1 s back (or the oldest there is).
    const TickSample* base = &st.history.front();
    for (size_t i = 0; i < st.history.size(); ++i) {
      if (nowNs - st.history[i].tNs >= kRateWindowNs) base = &st.history[i];
      else break;
    }
    const double dt = static_cast<double>(nowNs - base->tNs) / 1e9;
    if (dt > 0) {
      st.transitionsPerSec = static_cast<double>(t.transitions - base->transitions) / dt;
      st.recordsPerSec = static_cast<double>(t.records - base->records) / dt;
      const double wait = static_cast<double>(t.waitNs - base->waitNs) / 1e9;
      st.busyPercent = std::clamp(100.0 * (1.0 - wait / dt), 0.0, 100.0);
      for (size_t e = 0; e < st.edgeRate.size(); ++e)
        st.edgeRate[e] = static_cast<double>(t.edges[e] - base->edges[e]) / dt;
    }
  }
  retryLabels();
  lastTickEdges_ = edgeTickAll_;
  edgeTickAll_.fill(0);
  for (auto& [id, st] : sessions_) st.edgeTick.fill(0);
  if (nowNs - lastMaintainNs_ >= kMaintainEveryNs) {
    lastMaintainNs_ = nowNs;
    maintain(nowNs);
  }
}

// The samples a full ring would overwrite next are folded into the coarse buckets
// first, a thirty-second of the ring at a time: one pass over neighbouring
// samples (their lines asked for at once, a run in one bucket summed in
// registers: CoarseHistory::addSpans) costs far less than one sample per record.
size_t TraceAggregator::keptAfterFold(size_t cap) { return cap - std::max<size_t>(1, cap / 32); }

void TraceAggregator::foldOldest(EventRow& e, size_t keepTransitions, size_t keepCallbacks) {
  auto& ts = e.transitions;
  if (ts.size() > keepTransitions) {
    const size_t n = ts.size() - keepTransitions;
    ts.prefetchOldest(n);
    e.coarse.addSpans(n, [&ts](size_t i) {
      const TransitionSample& s = ts[i];
      return CoarseHistory::Span{s.to, s.tsNs, i + 1 < ts.size() ? ts[i + 1].tsNs : s.tsNs};
    });
    ts.dropFront(n);
  }
  auto& cbs = e.callbacks;
  if (cbs.size() > keepCallbacks) {
    const size_t n = cbs.size() - keepCallbacks;
    cbs.prefetchOldest(n);
    e.coarse.addCallbacks(n, [&cbs](size_t i) -> const CallbackSample& { return cbs[i]; });
    cbs.dropFront(n);
  }
}

// A quarter of the history budget for the full-resolution rings of the events
// not shown, a quarter for the shown ones; the coarse buckets take the rest.
// The fine rings' quarter of the budget goes to the events that can still fill
// it: live ones, and ones freed within the retention (older ones hold at most the
// sample naming their state at the cutoff: their rings shrink to the least, 16).
// A freed event's ring takes at most kFreedFineSamplesPerEvent of it, the live
// ones share the rest: a program's finished connections and sessions do not
// shrink the rings its live events write (every sample past a ring's cap is a
// fold: more of them cost the app's ingest CPU per record), and never take more
// than an equal share.
size_t TraceAggregator::fineCapFor(const EventRow& e) const {
  constexpr size_t kSampleBytes = sizeof(TransitionSample) + sizeof(CallbackSample) / 2;
  const size_t budgetSamples = historyBudgetBytes_ / 4 / kSampleBytes;
  if (shown_.count(e.key) > 0) {
    const size_t share = budgetSamples / std::max<size_t>(1, shown_.size());
    return SpanRing<TransitionSample>::roundDown(std::clamp(share, kFineSamplesPerEvent, kShownSamplesMax));
  }
  const size_t equalShare = budgetSamples / std::max<size_t>(1, fineHolders_.live + fineHolders_.freed);
  const size_t freedCap =
      SpanRing<TransitionSample>::roundDown(std::clamp<size_t>(equalShare, 16, kFreedFineSamplesPerEvent));
  if (e.freedAtNs) return e.freedAtNs < fineCutoffNs_ ? 16 : freedCap;  // (past the retention: it holds one)
  const size_t forFreed = freedCap * fineHolders_.freed;
  const size_t left = budgetSamples > forFreed ? budgetSamples - forFreed : 0;
  return SpanRing<TransitionSample>::roundDown(
      std::clamp<size_t>(left / std::max<size_t>(1, fineHolders_.live), 16, kFineSamplesPerEvent));
}

void TraceAggregator::applyFineCap(EventRow& e) {
  const size_t cap = fineCapFor(e);
  if (e.transitions.cap() == cap) return;
  foldOldest(e, cap, cap / 2);
  e.transitions.setCap(cap);
  e.callbacks.setCap(cap / 2);
  if (shown_.count(e.key)) e.coarse.setMaxBuckets(CoarseHistory::kMaxBuckets);
}

void TraceAggregator::setShownEvents(const std::vector<quint64>& keys) {
  std::unordered_set<quint64> now(keys.begin(), keys.end());
  if (now == shown_) return;
  std::vector<quint64> touched(shown_.begin(), shown_.end());
  touched.insert(touched.end(), keys.begin(), keys.end());
  shown_ = std::move(now);
  for (quint64 key : touched) {
    if (const int i = rowIndex_.find(key); i >= 0) applyFineCap(rows_[static_cast<size_t>(i)]);
  }
}

void TraceAggregator::enforceHistoryBudget(qint64 nowNs) {
  for (quint64 key : shown_) lastShownNs_[key] = nowNs;
  // Trimmed to 7/8 of the bound: the rest is headroom for the second until the
  // next maintenance (rings keep filling in between).
  const size_t target = historyBudgetBytes_ / 8 * 7;
  size_t total = historyBytes();
  if (total <= target) return;
  // Least recently shown first (never shown: 0), then the largest coarse history.
  std::vector<EventRow*> victims;
  for (EventRow& e : rows_)
    if (!shown_.count(e.key) && !e.coarse.empty()) victims.push_back(&e);
  auto shownAt = [&](const EventRow* e) {
    auto it = lastShownNs_.find(e->key);
    return it == lastShownNs_.end() ? qint64{0} : it->second;
  };
  std::sort(victims.begin(), victims.end(), [&](const EventRow* a, const EventRow* b) {
    const qint64 sa = shownAt(a), sb = shownAt(b);
    return sa != sb ? sa < sb : a->coarse.memoryBytes() > b->coarse.memoryBytes();
  });
  // Events last shown at the same time (e.g. never) lose their oldest history
  // evenly: each round halves every one of them once.
  for (size_t first = 0; first < victims.size() && total > target;) {
    size_t last = first;
    while (last < victims.size() && shownAt(victims[last]) == shownAt(victims[first])) ++last;
    for (bool shrunk = true; shrunk && total > target;) {
      shrunk = false;
      for (size_t i = first; i < last && total > target; ++i) {
        CoarseHistory& c = victims[i]->coarse;
        if (c.maxBuckets() <= 16) continue;
        const size_t before = c.memoryBytes();
        c.setMaxBuckets(c.maxBuckets() / 2);  // keeps the newest buckets
        total -= before - std::min(before, c.memoryBytes());
        shrunk = true;
      }
    }
    first = last;
  }
}

void TraceAggregator::maintain(qint64 nowNs) {
  // Per-event history (fine rings, coarse buckets) within the retention, then the
  // global memory bound.
  const qint64 cutoff = nowNs - retentionNs_;
  const qint64 bucketNs = CoarseHistory::bucketNsFor(retentionNs_);
  fineHolders_ = {};
  fineCutoffNs_ = cutoff;
  for (const EventRow& e : rows_) {
    if (shown_.count(e.key)) continue;
    if (!e.freedAtNs)
      ++fineHolders_.live;
    else if (e.freedAtNs >= cutoff)
      ++fineHolders_.freed;
  }
  for (EventRow& e : rows_) {
    applyFineCap(e);
    e.coarse.setBucketNs(bucketNs);
    // The last transition before the cutoff stays: it names the state at the cutoff.
    while (e.transitions.size() > 1 && e.transitions[1].tsNs <= cutoff) e.transitions.dropFront(1);
    e.callbacks.dropFrontWhile([&](const CallbackSample& s) { return s.beginNs < cutoff; });
    e.coarse.dropBefore(cutoff);
  }
  enforceHistoryBudget(nowNs);
  const size_t conns = std::max<size_t>(1, connections_.size());
  const size_t perBuffer = SpanRing<LevelSample>::roundDown(
      std::clamp<size_t>(kLevelSampleBudget / (conns * kDataBufferCount), 64, kLevelCapPerBuffer));
  for (ConnectionSeries& c : connections_) {
    for (auto& ring : c.levels) {
      ring.setCap(perBuffer);
      ring.dropFrontWhile([&](const LevelSample& s) { return s.tsNs < cutoff; });
    }
  }
  // Closed connections whose series aged out entirely go away.
  bool removed = false;
  for (size_t i = 0; i < connections_.size();) {
    ConnectionSeries& c = connections_[i];
    if (!ownerAlive(c.owner) && nowNs - c.lastNs > retentionNs_) {
      connections_[i] = std::move(connections_.back());
      connections_.pop_back();
      removed = true;
    } else {
      ++i;
    }
  }
  if (removed) {
    cacheConnection_ = -1;
    connectionIndex_.clear();
    for (size_t i = 0; i < connections_.size(); ++i)
      connectionIndex_.emplace(connections_[i].owner, static_cast<int>(i));
  }
  for (auto& [id, st] : sessions_)
    for (auto& ring : st.aggregate)
      ring.dropFrontWhile([&](const LevelSample& s) { return s.tsNs < cutoff; });
}

int TraceAggregator::rowOf(int session, quint64 id) const {
  return rowIndex_.find(keyOf(session, id));
}

std::pair<int, int> TraceAggregator::takeDirtyRange() {
  std::pair<int, int> r{dirtyFirst_, dirtyLast_};
  dirtyFirst_ = dirtyLast_ = -1;
  return r;
}

std::vector<int> TraceAggregator::expiredRows(qint64 nowNs, qint64 keepNs) const {
  std::vector<int> out;
  for (int i = 0; i < rowCount(); ++i) {
    const EventRow& e = rows_[static_cast<size_t>(i)];
    if (e.freedAtNs && nowNs - e.freedAtNs > keepNs && !endedSessions_.count(e.session)) out.push_back(i);
  }
  return out;
}

void TraceAggregator::removeRows(int first, int last) {
  rows_.erase(rows_.begin() + first, rows_.begin() + last + 1);
  rebuildIndex();
  if (dirtyFirst_ >= 0) {
    // Conservative: everything from the removal point on may have moved.
    dirtyFirst_ = std::min(dirtyFirst_, first);
    dirtyLast_ = std::min(dirtyLast_, rowCount() - 1);
    if (dirtyLast_ < dirtyFirst_) dirtyFirst_ = dirtyLast_ = -1;
  }
}

void TraceAggregator::removeRowsSorted(const std::vector<int>& rows) {
  if (rows.empty()) return;
  size_t out = static_cast<size_t>(rows.front());
  size_t k = 0;
  for (size_t i = out; i < rows_.size(); ++i) {
    if (k < rows.size() && static_cast<size_t>(rows[k]) == i) {
      ++k;
      continue;
    }
    if (out != i) rows_[out] = std::move(rows_[i]);
    ++out;
  }
  rows_.erase(rows_.begin() + static_cast<std::ptrdiff_t>(out), rows_.end());
  rebuildIndex();
  dirtyFirst_ = dirtyLast_ = -1;  // the caller resets its views
}

void TraceAggregator::rebuildIndex() {
  rowIndex_.clear();
  rowIndex_.reserve(rows_.size());
  for (size_t i = 0; i < rows_.size(); ++i) rowIndex_.emplace(rows_[i].key, static_cast<int>(i));
  std::erase_if(lastShownNs_, [&](const auto& kv) { return !rowIndex_.contains(kv.first); });
  cacheKey_ = ~0ULL;
  cacheRow_ = -1;
}

const ConnectionSeries* TraceAggregator::connection(quint32 owner) const {
  const int i = connectionIndex_.find(owner);
  return i < 0 ? nullptr : &connections_[static_cast<size_t>(i)];
}

bool TraceAggregator::ownerAlive(quint32 owner) const { return ownerLive_.count(owner) > 0; }

const SessionTraceStats* TraceAggregator::sessionStats(int session) const {
  auto it = sessions_.find(session);
  return it == sessions_.end() ? nullptr : &it->second;
}

std::vector<int> TraceAggregator::sessions() const {
  std::vector<int> out;
  for (const auto& [id, st] : sessions_) out.push_back(id);
  std::sort(out.begin(), out.end());
  return out;
}

DiagramStats TraceAggregator::diagramStats() const {
  DiagramStats d;
  for (const EventRow& e : rows_) {
    if (!e.freedAtNs) ++d.stateCounts[static_cast<size_t>(e.state)];
  }
  d.stateCounts[static_cast<size_t>(EventState::Invalid)] = freedEvents_;
  for (const auto& [id, st] : sessions_) {
    for (size_t e = 0; e < d.edgeRate.size(); ++e) {
      d.edgeRate[e] += st.edgeRate[e];
      d.edgeTotal[e] += st.edgeTotal[e];
    }
  }
  d.edgeTick = lastTickEdges_;
  return d;
}

std::vector<PathStep> TraceAggregator::pathOf(int row, size_t maxSteps) const {
  std::vector<PathStep> out;
  if (row < 0 || row >= rowCount()) return out;
  const auto& ring = rows_[static_cast<size_t>(row)].transitions;
  const size_t n = std::min(maxSteps, ring.size());
  out.reserve(n);
  for (size_t i = ring.size() - n; i < ring.size(); ++i) {
    const TransitionSample& s = ring[i];
    out.push_back({s.tsNs, s.from, s.to, s.cause});
  }
  return out;
}

CallbackHistogram TraceAggregator::callbackHistogram() const {
  CallbackHistogram h;
  for (const auto& [id, st] : sessions_) h.merge(st.callbackNs);
  return h;
}

CallbackHistogram TraceAggregator::schedulingDelayHistogram() const {
  CallbackHistogram h;
  for (const auto& [id, st] : sessions_) h.merge(st.schedulingDelayNs);
  return h;
}

double TraceAggregator::transitionsPerSec() const { return sumOverSessions(&SessionTraceStats::transitionsPerSec); }
double TraceAggregator::recordsPerSec() const { return sumOverSessions(&SessionTraceStats::recordsPerSec); }
quint64 TraceAggregator::droppedTotal() const { return sumOverSessions(&SessionTraceStats::dropped); }

size_t TraceAggregator::historyBytes() const {
  size_t b = rows_.capacity() * sizeof(EventRow);
  for (const EventRow& e : rows_) b += e.transitions.memoryBytes() + e.callbacks.memoryBytes() + e.coarse.memoryBytes();
  return b;
}

size_t TraceAggregator::memoryBytes() const {
  size_t b = historyBytes();
  for (const ConnectionSeries& c : connections_)
    for (const auto& ring : c.levels) b += ring.memoryBytes();
  return b;
}

void TraceAggregator::appendLog(const QVector<LogEntry>& lines) {
  if (observer_ && !lines.isEmpty()) observer_->logged(lines);
  for (const LogEntry& line : lines) log_.push_back(line);
  logEndSeq_ += static_cast<quint64>(lines.size());
  while (log_.size() > kLogCapacity) log_.pop_front();
}

quint64 TraceAggregator::logLines(quint64 afterSeq, QVector<LogEntry>* out) const {
  const quint64 firstSeq = logEndSeq_ - log_.size() + 1;
  for (quint64 seq = std::max(afterSeq + 1, firstSeq); seq <= logEndSeq_; ++seq)
    out->push_back(log_[static_cast<size_t>(seq - firstSeq)]);
  return std::max(afterSeq, logEndSeq_);
}

}  // namespace rs::gui

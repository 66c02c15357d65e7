#include "model/EngineSession.h"

#include "core/Clock.h"
#include "workload/WorkloadSpec.h"

namespace rs::gui {

const char* toString(EngineSession::Status s) {
  switch (s) {
    case EngineSession::Status::Starting: return "starting";
    case EngineSession::Status::Running: return "running";
    case EngineSession::Status::Finished: return "finished";
    case EngineSession::Status::Failed: return "failed";
    case EngineSession::Status::Stopping: return "stopping";
    case EngineSession::Status::Stopped: return "stopped";
  }
  return "?";
}

namespace {
std::unique_ptr<EventBase> makeBase(size_t traceCapacity) {
  EventBase::Options o;
  o.tracing = true;
  o.traceCapacity = traceCapacity;
  return std::make_unique<EventBase>(o);
}
}  // namespace

EngineSession::EngineSession(int id, const EchoServerConfig& config, size_t traceCapacity)
    : id_(id), kind_(Kind::Server), serverConfig_(config), base_(makeBase(traceCapacity)) {}

EngineSession::EngineSession(int id, const LoadClientConfig& config, size_t traceCapacity)
    : id_(id), kind_(Kind::Client), clientConfig_(config), base_(makeBase(traceCapacity)) {}

EngineSession::EngineSession(int id, CustomWorkload workload, size_t traceCapacity)
    : id_(id), kind_(Kind::Custom), custom_(std::move(workload)), base_(makeBase(traceCapacity)) {}

EngineSession::~EngineSession() {
  if (thread_.joinable()) {
    // Shutdown only: the GUI normally stops sessions and lets pollFinished() join.
    stop();
    thread_.join();
  }
}

namespace {
// " · fault rst, 1 KiB messages", or nothing.
QString settingsSuffix(const std::string& settings) {
  return settings.empty() ? QString() : QStringLiteral(" · ") + QString::fromStdString(settings);
}
}  // namespace

QString EngineSession::title() const {
  if (kind_ == Kind::Custom) return custom_.title;
  if (kind_ == Kind::Server) {
    const Shared s = shared();
    const uint16_t port = s.port ? s.port : serverConfig_.port;
    return QStringLiteral("server %1:%2 %3")
               .arg(QString::fromStdString(serverConfig_.bindAddress), QString::number(port),
                    QString::fromLatin1(toString(serverConfig_.mode))) +
           settingsSuffix(nonDefaultSettings(serverConfig_));
  }
  // The fault and every other non-default setting, so the row says how the run
  // differs from a plain one.
  return QStringLiteral("client → %1:%2 ×%3")
             .arg(QString::fromStdString(clientConfig_.host), QString::number(clientConfig_.port),
                  QString::number(clientConfig_.connections)) +
         settingsSuffix(nonDefaultSettings(clientConfig_));
}

void EngineSession::setStatus(Status s, const std::string& error) {
  std::lock_guard lock(mutex_);
  shared_.status = s;
  if (!error.empty()) shared_.error = error;
}

void EngineSession::log(LogLevel level, const std::string& text) {
  std::lock_guard lock(mutex_);
  logs_.push_back({monotonicNowNs(), level, text});
  if (logs_.size() > 10000) logs_.erase(logs_.begin(), logs_.begin() + 5000);  // GUI gone quiet
}

void EngineSession::start() {
  if (!base_->valid()) {
    setStatus(Status::Failed, base_->error());
    log(LogLevel::Error, base_->error());
    done_.store(true, std::memory_order_release);
    return;
  }
  thread_ = std::thread([this] { threadMain(); });
}

bool EngineSession::startWorkload(std::string* error) {
  LogSink sink = [this](LogLevel level, const std::string& message) { log(level, message); };
  if (kind_ == Kind::Server) {
    server_ = std::make_unique<EchoServer>(base_.get(), serverConfig_);
    server_->setLogSink(sink);
    server_->setConnectionNoteSink([this](ConnectionNote&& note) { connectionNotes_.push(std::move(note)); });
    if (!server_->start(error)) {
      server_.reset();
      return false;
    }
    std::lock_guard lock(mutex_);
    shared_.port = server_->port();
    return true;
  }
  if (kind_ == Kind::Custom) return custom_.start ? custom_.start(base_.get(), error) : true;
  client_ = std::make_unique<LoadClient>(base_.get(), clientConfig_);
  client_->setLogSink(sink);
  client_->setFinishedCallback([this] {
    std::lock_guard lock(mutex_);
    if (shared_.status == Status::Running) shared_.status = Status::Finished;
  });
  if (!client_->start(error)) {
    client_.reset();
    return false;
  }
  return true;
}

void EngineSession::threadMain() {
  base_->bindToCurrentThread();
  std::string error;
  if (!startWorkload(&error)) {
    // Nothing half-started: the workload cleaned up; flush its deferred frees.
    for (int i = 0; i < 4; ++i) base_->loop(kLoopNonblock);
    log(LogLevel::Error, error);
    setStatus(Status::Failed, error);
    done_.store(true, std::memory_order_release);
    return;
  }
  {
    std::lock_guard lock(mutex_);
    if (shared_.status == Status::Starting) shared_.status = Status::Running;
  }
  publishStats();
  const int rc = base_->loop(kLoopNoExitOnEmpty);
  if (rc < 0) {
    log(LogLevel::Error, "event loop failed: " + base_->error());
    setStatus(Status::Failed, "event loop failed: " + base_->error());
  }
  // Release the workload here, in the loop thread, so its events are freed (and
  // traced as free) by their own loop; then let deferred destructions run.
  if (server_) server_->stop();
  if (client_) client_->stop();
  if (kind_ == Kind::Custom && custom_.stop) custom_.stop();
  publishStats();
  server_.reset();
  client_.reset();
  for (int i = 0; i < 8; ++i) base_->loop(kLoopNonblock);
  {
    std::lock_guard lock(mutex_);
    shared_.liveEvents = base_->liveEventCount();
    if (shared_.status != Status::Failed) shared_.status = Status::Stopped;
  }
  done_.store(true, std::memory_order_release);
}

void EngineSession::stop() {
  if (stopQueued_ || done_.load(std::memory_order_acquire) || !thread_.joinable()) return;
  stopQueued_ = true;
  {
    std::lock_guard lock(mutex_);
    if (shared_.status == Status::Running || shared_.status == Status::Finished ||
        shared_.status == Status::Starting)
      shared_.status = Status::Stopping;
  }
  EventBase* base = base_.get();
  base->queueInLoop([base] { base->loopbreak(); });
}

bool EngineSession::pollFinished() {
  if (!done_.load(std::memory_order_acquire)) return false;
  if (thread_.joinable()) thread_.join();  // already returned: does not block
  return true;
}

void EngineSession::publishStats() {
  Shared fresh;
  if (server_) {
    fresh.server = server_->stats();
    fresh.ends = server_->ends(kMaxPublishedEnds);
  }
  if (client_) {
    fresh.client = client_->stats();
    fresh.ends = client_->ends(kMaxPublishedEnds);
    fresh.histogram = std::make_shared<LatencyHistogram>(client_->histogram());
    std::vector<IntervalStats> iv = client_->intervals();
    const size_t keep = std::min<size_t>(iv.size(), 5);
    fresh.lastIntervals.assign(iv.end() - static_cast<std::ptrdiff_t>(keep), iv.end());
  }
  fresh.loop = base_->stats();
  fresh.liveEvents = base_->liveEventCount();
  std::lock_guard lock(mutex_);
  shared_.server = fresh.server;
  shared_.client = fresh.client;
  shared_.ends = std::move(fresh.ends);
  if (fresh.histogram) shared_.histogram = std::move(fresh.histogram);
  if (!fresh.lastIntervals.empty()) shared_.lastIntervals = std::move(fresh.lastIntervals);
  shared_.loop = fresh.loop;
  shared_.liveEvents = fresh.liveEvents;
  shared_.statsNs = monotonicNowNs();
  ++shared_.statsSeq;
}

void EngineSession::requestStats() {
  if (done_.load(std::memory_order_acquire) || !thread_.joinable()) return;
  if (statsInFlight_.exchange(true)) return;
  base_->queueInLoop([this] {
    publishStats();
    statsInFlight_.store(false);
  });
}

void EngineSession::requestSnapshot() {
  if (done_.load(std::memory_order_acquire) || !thread_.joinable()) return;
  if (snapshotInFlight_.exchange(true)) return;
  base_->queueInLoop([this] {
    const qint64 taken = monotonicNowNs();
    std::vector<EventSnapshot> snap = base_->snapshot();
    std::lock_guard lock(mutex_);
    snapshot_.emplace(std::move(snap), taken);
    snapshotInFlight_.store(false);
  });
}

std::optional<std::pair<std::vector<EventSnapshot>, qint64>> EngineSession::takeSnapshot() {
  std::lock_guard lock(mutex_);
  std::optional<std::pair<std::vector<EventSnapshot>, qint64>> out;
  out.swap(snapshot_);
  return out;
}

EngineSession::Shared EngineSession::shared() const {
  std::lock_guard lock(mutex_);
  return shared_;
}

std::vector<SessionLogLine> EngineSession::takeLogs() {
  std::lock_guard lock(mutex_);
  std::vector<SessionLogLine> out;
  out.swap(logs_);
  return out;
}

}  // namespace rs::gui

// The collector behind LiveCollector.h: one thread per traced process, one
// stream per process (a forked child connects its own).
#include "LiveCollector.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <link.h>
#include <poll.h>
#include <pthread.h>
#include <linux/close_range.h>
#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <climits>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <memory>
#include <mutex>
#include <string>
#include <system_error>
#include <thread>
#include <unordered_map>
#include <vector>

#include "CompatBase.h"
#include "CompatNet.h"
#include "LiveMetadata.h"

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "records travel in their memory layout (little-endian)");
static_assert(sizeof(rs::TraceRecord) == rs::live::kRecordBytes);

namespace rs::live {

namespace detail {
std::atomic<bool> g_streaming{false};
std::atomic<bool> g_childUnannounced{false};
}

namespace {

// How often the collector thread wakes to drain the rings: every 2 ms while
// the last drain found records, every 8 ms while it found none (an idle
// program: fewer wakeups). On a machine whose CPUs the program and its peers
// keep busy, each send wakes the reader (the app), which takes a CPU from the
// program or its peer for as long as the batch takes; a quarter of the batch
// stalls them far less (the echo benchmark, 2 vCPUs: traced with the app
// consuming 0.92-0.97x untraced against 0.89-0.90x at 8 ms, medians of 10
// back-to-back pairs; the CPU per record about the same). The ring of 2^17 slots
// holds ~170 ms of a busy echo server's records. Between wakeups, bytes the
// socket did not take are written as the reader takes them (waitForNextTick()).
constexpr auto kBusyDrainPeriod = std::chrono::milliseconds(2);
constexpr auto kIdleDrainPeriod = std::chrono::milliseconds(8);
// Bytes waiting for the reader beyond which records are dropped (metadata
// still goes out up to kMetaLimitBytes, then it is dropped too). With the
// socket's own buffer (up to net.core.wmem_max, 4 MiB here) about 90 ms of a
// busy echo server's records: what the relay's buffers held besides, before
// the stream was handed to the app directly.
constexpr size_t kRecordsLimitBytes = size_t{8} << 20;
constexpr size_t kMetaLimitBytes = size_t{16} << 20;
constexpr int kExitFlushMs = 2000;  // at exit, how long the last bytes may wait for the reader
// At exit, how long the exiting thread waits for the collector thread's last
// send (kExitFlushMs of it for the reader) before it lets the process end.
constexpr auto kExitWaitLimit = std::chrono::milliseconds(kExitFlushMs + 1000);

// How many of the collector's hooks the calling thread is inside (their locks
// may be held). exit() called from a signal handler that interrupted one (a
// program's SIGINT handler during an event_new) must not wait for those locks:
// the collector's exit work is skipped (InsideHook, shutdown()). Static TLS: a
// plain load, no allocation, in a signal handler.
thread_local int t_hookDepth [[gnu::tls_model("initial-exec")]] = 0;
struct InsideHook {
  InsideHook() { ++t_hookDepth; }
  ~InsideHook() { --t_hookDepth; }
  InsideHook(const InsideHook&) = delete;
  InsideHook& operator=(const InsideHook&) = delete;
};
// The collector thread (a crash there sends nothing: crashFlush()).
thread_local bool t_isCollectorThread [[gnu::tls_model("initial-exec")]] = false;
// A crash signal's handler waits at most this long for the collector thread to
// send what the rings hold (its next tick comes within kIdleDrainPeriod), of which
// kCrashFlushMs for the reader to take the bytes.
constexpr auto kCrashWaitLimit = std::chrono::milliseconds(1000);
constexpr int kCrashFlushMs = 500;
// The signals of a crash: a fault, abort() (an assertion), a trap.
constexpr int kCrashSignals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
// After the reader went away: the first try at a new stream, and the longest
// wait between tries while each new stream is closed again soon (a relay at
// its process limit); a stream that lived kStreamLivedLong resets the wait.
constexpr std::chrono::steady_clock::duration kReconnectFirst = std::chrono::seconds(1);
constexpr std::chrono::steady_clock::duration kReconnectMax = std::chrono::seconds(60);
constexpr std::chrono::steady_clock::duration kStreamLivedLong = std::chrono::seconds(10);

int64_t monotonicNs() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1000000000 + ts.tv_nsec;
}

std::string selfExe() {
  char path[PATH_MAX];
  const ssize_t n = ::readlink("/proc/self/exe", path, sizeof path - 1);
  return n > 0 ? std::string(path, static_cast<size_t>(n)) : std::string();
}

std::string processName() {
  char name[64] = {};
  const int fd = ::open("/proc/self/comm", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {};
  const ssize_t n = ::read(fd, name, sizeof name - 1);
  ::close(fd);
  std::string s(name, n > 0 ? static_cast<size_t>(n) : 0);
  while (!s.empty() && s.back() == '\n') s.pop_back();
  return s;
}

// Connects to reactorscope-run's socket (non-blocking: never waits for it); -1 when it does not answer.
int connectStream(const std::string& path) {
  sockaddr_un addr{};
  if (path.size() >= sizeof addr.sun_path) return -1;
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return -1;
  // As much room in the socket as the kernel gives a user (it caps the request
  // at net.core.wmem_max): a tick's records (~200 KB at 2.6 M records/s) fit
  // whole more often, fewer are left over for the backlog and its drop limit.
  const int sendBufferBytes = 4 << 20;
  ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sendBufferBytes, sizeof sendBufferBytes);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

void installCrashHandlers();

class Collector {
 public:
  // `fd` >= 0: that inherited stream, this process only. Else `socketPath`:
  // the first base connects this process's stream (and a forked child's first
  // use of a base its own).
  Collector(int fd, std::string socketPath) : socketPath_(std::move(socketPath)) {
    if (fd >= 0) {
      sender_->fd = fd;
      streamOpen_ = true;
      meta_ = helloFrame();
    }
  }

  void baseCreated(event_base* base) {
    if (!ensureStream()) return;  // no reader: this base stays untraced
    base->tracer().setEnabled(true);
    uint64_t id = 0;
    {
      std::lock_guard lock(idsMutex_);
      id = ++lastBaseId_;
      ids_[base] = id;
    }
    {
      std::lock_guard lock(basesMutex_);
      bases_.push_back({base, id, 0, 0, 0});
    }
    std::string frame;
    Encoder e(frame);
    e.begin(MessageType::BaseCreated);
    e.u64(id);
    e.str(base->method());
    e.end();
    queueMeta(frame);
    startThread();
  }

  // A forked child using a base: its stream now (see restartInChild()).
  void baseUsed() {
    if (ensureStream()) startThread();
  }

  void baseFreed(event_base* base) {
    {
      std::lock_guard lock(idsMutex_);
      ids_.erase(base);
    }
    std::lock_guard lock(basesMutex_);
    for (size_t i = 0; i < bases_.size(); ++i) {
      if (bases_[i].base != base) continue;
      drainBase(bases_[i], finalRecords_);
      std::string frame;
      Encoder e(frame);
      e.begin(MessageType::BaseFreed);
      e.u64(bases_[i].id);
      e.end();
      finalRecords_ += frame;
      {
        std::lock_guard metaLock(metaMutex_);
        memory_.note(frame);
      }
      bases_.erase(bases_.begin() + static_cast<std::ptrdiff_t>(i));
      return;
    }
  }

  void callbackSet(event_base* base, uint64_t eventId, CallbackRole role, const void* fn, int fd, short events) {
    const uint64_t baseId = idOf(base);
    if (baseId == 0 || !ensureStream()) return;
    const Symbol& where = locate(fn);
    std::string frame;
    Encoder e(frame);
    e.begin(MessageType::Callback);
    e.u64(baseId);
    e.u64(eventId);
    e.u8(static_cast<uint8_t>(role));
    e.u8(0);
    e.u16(static_cast<uint16_t>(events));
    e.u32(static_cast<uint32_t>(fd));
    e.u64(reinterpret_cast<uintptr_t>(fn));
    e.u64(where.fileAddress);
    e.str(where.module);
    e.end();
    queueMeta(frame);
  }

  void logLine(int severity, const char* text) {
    std::string frame;
    Encoder e(frame);
    e.begin(MessageType::Log);
    e.u32(static_cast<uint32_t>(severity));
    e.str(text ? text : "");
    e.end();
    queueMeta(frame);
  }

  // At exit: stops the thread, which sends what is left (waiting for the
  // reader at most kExitFlushMs; run()), waiting for it at most
  // kExitWaitLimit; without a thread (it could not start) this thread sends
  // it. Nothing is waited for or sent when exit() was called from a signal
  // handler that interrupted this thread inside a hook (its locks may be this
  // thread's): the records since the last tick are lost, as at a crash. No
  // thread starts once this began (a base created by another thread
  // meanwhile, or by a static destructor after it, stays undrained): thread_
  // no longer changes.
  void shutdown() {
    if (t_hookDepth > 0) {
      detail::g_streaming.store(false);  // (hooks later in the exit, e.g. a library destructor's event_base_free, pass by)
      return;
    }
    {
      std::lock_guard lock(streamMutex_);
      shuttingDown_ = true;
    }
    {
      std::lock_guard lock(control_->mutex);
      stop_.store(true);
    }
    control_->changed.notify_all();
    if (!thread_) {
      finalFlush();
      return;
    }
    // Polled (no lock, no allocation): the thread may wait for a lock that
    // another thread, stopped in this exit, holds; the process then ends
    // without it.
    const auto deadline = std::chrono::steady_clock::now() + kExitWaitLimit;
    while (!threadDone_.load(std::memory_order_acquire)) {
      if (std::chrono::steady_clock::now() >= deadline) {
        detail::g_streaming.store(false);
        return;
      }
      timespec pause{0, 1'000'000};
      ::nanosleep(&pause, nullptr);
    }
    if (thread_->joinable()) thread_->join();
  }

  // A crash signal's handler, on the faulting thread (the library's hook at the
  // top of its handler, async-signal-safe: atomics and nanosleep only): asks the
  // collector thread to send what the rings hold now, the faulting callback's
  // records included, and waits for it at most kCrashWaitLimit. Nothing is
  // asked when the collector thread crashed, is not running (not started, or
  // stopped at exit), or when the faulting thread was inside one of the
  // collector's hooks (its locks may be the ones the collector needs).
  void crashFlush() {
    if (t_isCollectorThread || t_hookDepth > 0 || !threadRunning_.load(std::memory_order_acquire)) return;
    int expected = kNoCrash;
    crashFlush_.compare_exchange_strong(expected, kFlushAsked);  // (a second faulting thread waits too)
    timespec start{};
    ::clock_gettime(CLOCK_MONOTONIC, &start);
    const int64_t limitNs = std::chrono::duration_cast<std::chrono::nanoseconds>(kCrashWaitLimit).count();
    while (crashFlush_.load(std::memory_order_acquire) != kFlushed && !threadDone_.load(std::memory_order_acquire)) {
      timespec now{};
      ::clock_gettime(CLOCK_MONOTONIC, &now);
      if ((now.tv_sec - start.tv_sec) * 1'000'000'000LL + (now.tv_nsec - start.tv_nsec) > limitNs) return;
      timespec pause{0, 1'000'000};
      ::nanosleep(&pause, nullptr);
    }
  }

  // pthread_atfork: every lock held across fork() by the forking thread, so
  // the child's copies are consistent (released in both processes after).
  void lockForFork() {
    streamMutex_.lock();
    idsMutex_.lock();
    basesMutex_.lock();
    metaMutex_.lock();
    symbolsMutex_.lock();
  }
  void unlockAfterFork() {
    symbolsMutex_.unlock();
    metaMutex_.unlock();
    basesMutex_.unlock();
    idsMutex_.unlock();
    streamMutex_.unlock();
  }

  // In a forked child (locks released): the collector thread did not survive
  // and the stream is the parent's. With a socket the child gets its own
  // stream at its first use of a base (baseUsed(), baseCreated(),
  // callbackSet()): hello with its pid, then base-created and the callbacks
  // of the bases it inherited (same ids). Not at fork() itself: a child that
  // only execs another program opens no stream of its own. Records the
  // parent had not drained are the parent's: dropped here. With an inherited
  // descriptor the child runs untraced.
  void restartInChild() {
    (void)thread_.release();  // names the parent's thread: never joined here
    threadStarted_ = false;
    threadRunning_.store(false);
    crashFlush_.store(kNoCrash);
    threadDone_.store(false);
    shuttingDown_ = false;  // (a fork racing the parent's exit: the child's own exit is to come)
    stop_.store(false);
    // The stream's descriptor is ours to close only when it is in this
    // (forked) table: with the thread's own table, the number may be the program's.
    if (sender_->fd >= 0 && !ownTable_) ::close(sender_->fd);
    ownTable_ = false;
    (void)control_.release();  // (its condition variable may hold the parent thread's wait: left alone)
    control_ = std::make_unique<ThreadControl>();
    (void)sender_.release();  // the collector thread may have been mid-write: left alone
    sender_ = std::make_unique<Sender>();
    backlogBytes_.store(0);
    meta_.clear();
    finalRecords_.clear();
    streamOpen_ = false;
    readerLost_ = false;
    reconnectWait_ = {};
    for (Base& b : bases_) {
      while (b.base->tracer().drain(chunk_.data(), chunk_.size()) > 0) {
      }
      b.ringDropped = b.base->tracer().dropped();
      b.streamDropped = b.streamReported = 0;
    }
    if (socketPath_.empty()) {
      triedConnect_ = true;
      detail::g_streaming.store(false);
      return;
    }
    triedConnect_ = false;
    detail::g_childUnannounced.store(true);
  }

 private:
  struct Base {
    event_base* base;
    uint64_t id;
    uint64_t ringDropped;     // last reported
    uint64_t streamDropped;   // records this collector could not send
    uint64_t streamReported;  // last reported
  };
  struct Symbol {
    uint64_t fileAddress = 0;
    std::string module;
  };
  // The collector thread's (or exit's) side of the stream.
  struct Sender {
    int fd = -1;
    std::string pending;  // bytes not yet written, `sent` of them done
    size_t sent = 0;
  };

  static std::string helloFrame() {
    std::string frame;
    Encoder e(frame);
    e.begin(MessageType::Hello);
    e.u32(kProtocolVersion);
    e.u32(static_cast<uint32_t>(::getpid()));
    e.u64(static_cast<uint64_t>(monotonicNs()));
    e.str(processName());
    e.str(selfExe());
    e.end();
    return frame;
  }

  // True once this process has its stream. The first call connects (socket
  // mode): hello goes first, then what a forked child inherited; a failure
  // leaves the process untraced.
  bool ensureStream() {
    if (streamOpen_.load(std::memory_order_acquire)) return true;
    std::lock_guard lock(streamMutex_);
    if (streamOpen_.load()) return true;
    if (triedConnect_) return false;
    triedConnect_ = true;
    detail::g_childUnannounced.store(false);
    const int fd = connectStream(socketPath_);
    std::lock_guard basesLock(basesMutex_);
    if (fd < 0) {
      detail::g_streaming.store(false);
      for (Base& b : bases_) b.base->tracer().setEnabled(false);
      return false;
    }
    sender_->fd = fd;
    streamOpen_ = true;
    streamSince_ = std::chrono::steady_clock::now();
    std::lock_guard metaLock(metaMutex_);
    meta_ = streamOpening(helloFrame(), meta_);
    return true;
  }

  // What a new stream of this process says first (its first, a forked child's,
  // one opened after the reader went away): hello, then what is alive (the live
  // bases and their events' callbacks), then the metadata queued meanwhile
  // (metaMutex_ held).
  std::string streamOpening(const std::string& hello, const std::string& queued) const {
    return hello + memory_.replay(false) + queued;
  }

  // The collector thread gets a descriptor table of its own holding the
  // stream alone (ownTableWithStreamOnly()), and the stream's number is closed
  // in the program's table: the stream is out of the program's reach (and of
  // a forked child's copy), and a single-threaded program's loop again shares
  // its table with no one, so the kernel looks its descriptors up without
  // taking a reference each time, which its read/write/epoll calls otherwise
  // pay for. Where that is not allowed, the table stays shared, as it was.
  // The handshake makes the program-side close happen before the thread's
  // first write; the caller (a first base) waits for it.
  void startThread() {
    std::lock_guard lock(streamMutex_);
    if (threadStarted_ || !streamOpen_ || shuttingDown_) return;
    threadStarted_ = true;
    ThreadControl& h = *control_;
    h.step = TableStep::Starting;
    // The thread starts with every signal blocked: a process-directed signal
    // must not run the program's handler on it (its table lacks the program's
    // descriptors). It may fail to start (a thread limit): the rings then fill
    // and count drops, and exit sends what they hold.
    sigset_t all, before;
    ::sigfillset(&all);
    ::pthread_sigmask(SIG_SETMASK, &all, &before);
    try {
      thread_ = std::make_unique<std::thread>([this] { run(); });
    } catch (const std::system_error&) {
      ::pthread_sigmask(SIG_SETMASK, &before, nullptr);
      h.step = TableStep::Settled;
      return;
    }
    ::pthread_sigmask(SIG_SETMASK, &before, nullptr);
    installCrashHandlers();  // (a thread to drain the rings at a crash now exists)
    std::unique_lock stepLock(h.mutex);
    h.changed.wait(stepLock, [&h] { return h.step != TableStep::Starting; });
    if (ownTable_ && sender_->fd >= 0) ::close(sender_->fd);  // the program table's copy
    h.step = TableStep::Settled;
    h.changed.notify_all();
  }

  // The collector thread's first step: its own table, if it may (startThread()).
  void unshareTable() {
    // (Not for an inherited descriptor: the program may have closed it and
    // reused its number before its first base.)
    const bool unshared = !socketPath_.empty() && ownTableWithStreamOnly(sender_->fd);
    ThreadControl& h = *control_;
    std::unique_lock stepLock(h.mutex);
    ownTable_ = unshared;
    h.step = TableStep::Decided;
    h.changed.notify_all();
    h.changed.wait(stepLock, [&h] { return h.step == TableStep::Settled; });
  }

  // A descriptor table of this thread's own that holds only `fd`: close_range's
  // UNSHARE copies the table without the descriptors above `fd`, then those
  // below it are closed in the copy. (A copy keeping them would keep the
  // program's files open after the program closed them: a socket's peer would
  // never see it end, an epoll registration would never go.) False, the
  // table still shared, where close_range may not unshare (before Linux 5.9,
  // a seccomp filter answering EPERM or ENOSYS).
  static bool ownTableWithStreamOnly(int fd) {
    // (The system call itself: glibc's wrapper would ask a glibc >= 2.34 of
    // every program this library is loaded into.)
    const auto closeRange = [](unsigned first, unsigned last, unsigned flags) {
      return ::syscall(SYS_close_range, first, last, flags);
    };
    if (fd < 0 || closeRange(static_cast<unsigned>(fd) + 1, ~0U, CLOSE_RANGE_UNSHARE) != 0) return false;
    if (fd > 0 && closeRange(0, static_cast<unsigned>(fd) - 1, 0) != 0)
      for (int i = 0; i < fd; ++i) ::close(i);  // (the table is this thread's alone now)
    return true;
  }

  // At exit: the last records and metadata, waiting for the reader at most
  // kExitFlushMs; a stream lost is not opened again.
  void finalFlush() {
    tick(false);
    flush(kExitFlushMs);
  }

  // Never waits for a drain (a loop thread asks): ids have their own lock.
  uint64_t idOf(event_base* base) {
    std::lock_guard lock(idsMutex_);
    const auto it = ids_.find(base);
    return it == ids_.end() ? 0 : it->second;
  }

  // The callback's module and its address in that file (dladdr's link map
  // gives the load bias); cached per address: dladdr is not free.
  const Symbol& locate(const void* fn) {
    std::lock_guard lock(symbolsMutex_);
    auto [it, inserted] = symbols_.try_emplace(fn);
    if (!inserted) return it->second;
    Dl_info info{};
    link_map* map = nullptr;
    if (::dladdr1(fn, &info, reinterpret_cast<void**>(&map), RTLD_DL_LINKMAP) != 0 && map) {
      it->second.fileAddress = reinterpret_cast<uintptr_t>(fn) - map->l_addr;
      // The main program's map has an empty name.
      it->second.module = (map->l_name && *map->l_name) ? map->l_name : exe_;
    }
    return it->second;
  }

  // Queued for the stream and remembered for a forked child's.
  void queueMeta(const std::string& frame) {
    std::lock_guard lock(metaMutex_);
    memory_.note(frame);
    if (meta_.size() + frame.size() > kMetaLimitBytes) return;  // hopelessly behind: lost
    meta_ += frame;
  }

  // Drains one base's ring into Records frames appended to `out` (lock held).
  void drainBase(Base& b, std::string& out) {
    for (;;) {
      const size_t n = b.base->tracer().drain(chunk_.data(), chunk_.size());
      if (n == 0) break;
      forgetFreedEvents(b.id, n);
      if (backlogBytes_.load(std::memory_order_relaxed) + out.size() > kRecordsLimitBytes) {
        b.streamDropped += n;
        continue;
      }
      Encoder e(out);
      e.begin(MessageType::Records);
      e.u64(b.id);
      e.u32(static_cast<uint32_t>(n));
      e.u32(0);
      e.raw(chunk_.data(), n * sizeof(TraceRecord));
      e.end();
    }
    const uint64_t ringDropped = b.base->tracer().dropped();
    if (ringDropped != b.ringDropped || b.streamDropped != b.streamReported) {
      b.ringDropped = ringDropped;
      b.streamReported = b.streamDropped;
      Encoder e(out);
      e.begin(MessageType::Dropped);
      e.u64(b.id);
      e.u64(ringDropped);
      e.u64(b.streamDropped);
      e.end();
    }
  }

  // Freed events' callbacks are no longer announced to a forked child.
  void forgetFreedEvents(uint64_t baseId, size_t n) {
    for (size_t i = 0; i < n; ++i) {
      const TraceRecord& r = chunk_[i];
      if (!freesEvent(r)) continue;
      std::lock_guard lock(metaMutex_);
      memory_.forgetIfFreed(baseId, r);
    }
  }

  // One period: records drained first, metadata taken after, metadata sent
  // first: every record's event was described before it arrives. A stream
  // whose reader went away is opened again when `mayReconnect` and due.
  // Whether it drained any records (the program is busy: the next tick comes sooner).
  bool tick(bool mayReconnect) {
    std::string& records = tickRecords_;
    records.clear();  // (its capacity stays: no regrowth each tick)
    {
      std::lock_guard lock(basesMutex_);
      records.swap(finalRecords_);
      for (Base& b : bases_) drainBase(b, records);
    }
    const bool drained = !records.empty();
    std::string meta;
    {
      std::lock_guard lock(metaMutex_);
      meta.swap(meta_);
    }
    Sender& s = *sender_;
    if (s.fd >= 0 && meta.empty() && records.empty() && s.pending.empty()) {
      // Nothing to write: a write would have told that the reader went away;
      // an idle program asks the socket instead (one poll per tick).
      pollfd p{s.fd, 0, 0};
      if (::poll(&p, 1, 0) == 1 && (p.revents & (POLLHUP | POLLERR))) readerGone(s);
    }
    if (s.fd < 0 && !(mayReconnect && reconnect(s, meta))) return false;  // no reader: no hurry
    if (s.pending.empty()) {
      // Nothing waits: this tick's bytes are written from where they lie, and
      // only what the reader does not take now is copied to wait.
      const size_t written = writeNow(s, meta, records);
      if (s.fd < 0) return drained;
      if (written < meta.size()) s.pending.append(meta, written);
      const size_t ofRecords = written > meta.size() ? written - meta.size() : 0;
      if (ofRecords < records.size()) s.pending.append(records, ofRecords);
      backlogBytes_.store(s.pending.size(), std::memory_order_relaxed);
      return drained;
    }
    s.pending += meta;
    s.pending += records;
    flush(0);
    return drained;
  }

  // The reader is gone: stop sending; records are drained and dropped until
  // reconnect() opens a new stream (socket mode).
  void readerGone(Sender& s) {
    ::close(s.fd);
    s.fd = -1;
    s.pending.clear();
    s.sent = 0;
    backlogBytes_.store(0, std::memory_order_relaxed);
    readerLost_ = true;
    const auto now = std::chrono::steady_clock::now();
    scheduleReconnect(now, now - streamSince_ >= kStreamLivedLong);
  }

  // The next try: kReconnectFirst after a stream that lived long (or the
  // first time), twice the last wait after one that did not, or a failed try.
  void scheduleReconnect(std::chrono::steady_clock::time_point now, bool afresh) {
    reconnectWait_ = afresh || reconnectWait_ == std::chrono::steady_clock::duration::zero()
                         ? kReconnectFirst
                         : std::min(reconnectWait_ * 2, kReconnectMax);
    nextReconnect_ = now + reconnectWait_;
  }

  // A new stream after the reader went away (the app that had the stream quit,
  // or the relay closed it): socket mode only, once due. It starts as a forked
  // child's does: hello, then the live bases and their events' callbacks
  // (MetadataMemory), then this tick's metadata and records. What was drained
  // in between is lost. False while there is no new stream. The stream lock
  // is held from connect to the descriptor's store: a fork() in between would
  // leave the child holding the parent's stream (restartInChild closes it).
  bool reconnect(Sender& s, std::string& meta) {
    const auto now = std::chrono::steady_clock::now();
    if (!readerLost_ || socketPath_.empty() || now < nextReconnect_) return false;
    const std::string hello = helloFrame();
    {
      std::lock_guard lock(streamMutex_);
      const int fd = connectStream(socketPath_);
      if (fd < 0) {
        scheduleReconnect(now, false);
        return false;
      }
      s.fd = fd;
    }
    readerLost_ = false;
    streamSince_ = now;
    std::lock_guard lock(metaMutex_);
    meta = streamOpening(hello, meta);  // (a callback or base both say twice is harmless)
    return true;
  }

  // One attempt to write a then b without waiting; the bytes written (a reader
  // gone closes the stream, as in flush()).
  size_t writeNow(Sender& s, const std::string& a, const std::string& b) {
    iovec parts[2] = {{const_cast<char*>(a.data()), a.size()}, {const_cast<char*>(b.data()), b.size()}};
    msghdr msg{};
    msg.msg_iov = parts;
    msg.msg_iovlen = 2;
    for (;;) {
      ssize_t n = ::sendmsg(s.fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
      if (n < 0 && errno == ENOTSOCK) n = ::writev(s.fd, parts, 2);
      if (n >= 0) return static_cast<size_t>(n);
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return 0;
      readerGone(s);
      return 0;
    }
  }

  // Writes what it can without waiting longer than waitMs for the reader.
  void flush(int waitMs) {
    Sender& s = *sender_;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(waitMs);
    while (s.sent < s.pending.size() && s.fd >= 0) {
      ssize_t n = ::send(s.fd, s.pending.data() + s.sent, s.pending.size() - s.sent, MSG_DONTWAIT | MSG_NOSIGNAL);
      if (n < 0 && errno == ENOTSOCK) n = ::write(s.fd, s.pending.data() + s.sent, s.pending.size() - s.sent);
      if (n > 0) {
        s.sent += static_cast<size_t>(n);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) break;
        pollfd p{s.fd, POLLOUT, 0};
        ::poll(&p, 1, static_cast<int>(left.count()));
        continue;
      }
      readerGone(s);
      return;
    }
    if (s.sent == s.pending.size()) {
      s.pending.clear();
      s.sent = 0;
    } else if (s.sent > (size_t{1} << 20)) {
      s.pending.erase(0, s.sent);
      s.sent = 0;
    }
    backlogBytes_.store(s.pending.size() - s.sent, std::memory_order_relaxed);
  }

  void run() {
    t_isCollectorThread = true;
    unshareTable();
    sched_param batch{};
    ::pthread_setschedparam(::pthread_self(), SCHED_BATCH, &batch);
    threadRunning_.store(true, std::memory_order_release);
    bool busy = false;  // the last tick drained records
    while (!stop_.load()) {
      const auto nextTick = std::chrono::steady_clock::now() + (busy ? kBusyDrainPeriod : kIdleDrainPeriod);
      // A crash asked before this tick: the tick drains after the fault, and
      // its bytes go now (one asked during the tick waits for the next).
      const bool crashed = crashFlush_.load(std::memory_order_acquire) == kFlushAsked;
      busy = tick(true);
      if (crashed) {
        flush(kCrashFlushMs);
        crashFlush_.store(kFlushed, std::memory_order_release);
      }
      waitForNextTick(nextTick);
    }
    threadRunning_.store(false, std::memory_order_release);
    finalFlush();  // (with a table of its own, the stream is in it only)
    crashFlush_.store(kFlushed, std::memory_order_release);  // (a crash during exit: sent too)
    threadDone_.store(true, std::memory_order_release);
  }

  // Until `nextTick`: bytes still waiting (a tick wrote more than the socket
  // holds, e.g. under the default net.core.wmem_max of 208 KiB) are written as
  // the reader makes room, so what a tick can send is not bounded by the
  // socket's buffer; otherwise it sleeps.
  void waitForNextTick(std::chrono::steady_clock::time_point nextTick) {
    for (;;) {
      const auto left = nextTick - std::chrono::steady_clock::now();
      if (left <= std::chrono::steady_clock::duration::zero()) return;
      Sender& s = *sender_;
      if (s.fd < 0 || s.sent == s.pending.size()) {
        std::unique_lock lock(control_->mutex);  // (shutdown() wakes it)
        control_->changed.wait_until(lock, nextTick, [this] { return stop_.load(); });
        return;
      }
      const auto leftMs = std::chrono::duration_cast<std::chrono::milliseconds>(left).count() + 1;
      pollfd p{s.fd, POLLOUT, 0};
      if (::poll(&p, 1, static_cast<int>(leftMs)) > 0) flush(0);  // (a reader gone: flush() sees it)
    }
  }

  const std::string socketPath_;  // empty: an inherited descriptor
  const std::string exe_ = selfExe();
  std::mutex streamMutex_;  // streamOpen_, triedConnect_, threadStarted_, thread_, shuttingDown_
  std::atomic<bool> streamOpen_{false};  // (read without the lock on the hooks' fast path)
  bool triedConnect_ = false;
  bool threadStarted_ = false;
  std::unique_ptr<std::thread> thread_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> threadDone_{false};  // run() sent the last bytes (shutdown() waits for it)
  std::atomic<bool> threadRunning_{false};  // run() ticks (a crash may ask it for a flush)
  enum : int { kNoCrash, kFlushAsked, kFlushed };
  std::atomic<int> crashFlush_{kNoCrash};  // crashFlush() asks, run() answers
  bool shuttingDown_ = false;  // shutdown() began: no thread starts (streamMutex_)
  // The collector thread's descriptor table (startThread()): whether it is its
  // own, which then holds the stream alone (set by that thread before its
  // first tick, under the handshake's mutex; read by startThread() after the
  // thread decided, by the program's threads after the join, or in a child).
  bool ownTable_ = false;
  // The table handshake's steps, and the collector thread's wait between
  // ticks, which shutdown() cuts short. Made anew in a forked child: fork()
  // can copy the condition variable while the collector thread waits on it
  // (or is still leaving a wait), and the child's copy would then block its
  // first notify forever.
  // (Starting: the thread is deciding; Decided: ownTable_ says how; Settled:
  // the program's copy of the stream is closed if it had to be.)
  enum class TableStep { Starting, Decided, Settled };
  struct ThreadControl {
    std::mutex mutex;  // step, and stop_'s store at shutdown (a leaf lock)
    std::condition_variable changed;
    TableStep step = TableStep::Settled;
  };
  std::unique_ptr<ThreadControl> control_ = std::make_unique<ThreadControl>();
  std::mutex idsMutex_;  // ids_, lastBaseId_
  std::unordered_map<const event_base*, uint64_t> ids_;
  uint64_t lastBaseId_ = 0;
  std::mutex basesMutex_;  // bases_, finalRecords_, chunk_ (held while draining)
  std::vector<Base> bases_;
  std::string finalRecords_;  // frames of bases freed since the last tick
  std::string tickRecords_;   // tick()'s frames (the collector thread; shutdown() after joining it)
  std::vector<TraceRecord> chunk_ = std::vector<TraceRecord>(1024);
  std::mutex metaMutex_;  // meta_, memory_
  std::string meta_;
  MetadataMemory memory_;  // what a forked child announces first
  std::mutex symbolsMutex_;
  std::unordered_map<const void*, Symbol> symbols_;
  // Lock order (fork takes them all): stream, ids, bases, meta, symbols.
  std::unique_ptr<Sender> sender_ = std::make_unique<Sender>();  // collector thread, or exit
  std::atomic<size_t> backlogBytes_{0};  // sender_'s unsent bytes, for any thread
  // reconnect()'s state: the collector thread's (or exit's, after it joined);
  // set by ensureStream() and restartInChild() before that thread starts.
  bool readerLost_ = false;  // the stream's reader went away (readerGone)
  std::chrono::steady_clock::time_point streamSince_;
  std::chrono::steady_clock::duration reconnectWait_{};
  std::chrono::steady_clock::time_point nextReconnect_;
};

Collector* g_collector = nullptr;  // never destroyed: hooks may run during exit

void atExit() { g_collector->shutdown(); }
// (fork() holds every collector lock between these: a hook's depth too.)
void beforeFork() {
  ++t_hookDepth;
  g_collector->lockForFork();
}
void inParentAfterFork() {
  g_collector->unlockAfterFork();
  --t_hookDepth;
}
void inForkedChild() {
  g_collector->unlockAfterFork();
  g_collector->restartInChild();
  --t_hookDepth;
}

// A crash signal where the program left the default: the collector sends what
// the rings hold (crashFlush()), then the signal takes its default course: a
// fault the kernel raised happens again when the handler returns (a core dump
// shows the faulting instruction, not this handler); a signal sent (abort(),
// kill) is sent again.
void onCrashSignal(int sig, siginfo_t* info, void*) {
  const int savedErrno = errno;
  g_collector->crashFlush();
  struct sigaction byDefault{};
  byDefault.sa_handler = SIG_DFL;
  ::sigemptyset(&byDefault.sa_mask);
  ::sigaction(sig, &byDefault, nullptr);
  // (Sent: si_code <= 0. abort() and an asynchronous machine-check SIGBUS do
  // not happen again either.)
  const bool again = info != nullptr && info->si_code > 0 && sig != SIGABRT &&
                     !(sig == SIGBUS && info->si_code == BUS_MCEERR_AO);
  if (!again) ::raise(sig);  // (blocked until this returns)
  errno = savedErrno;
}

// Once per process (a forked child keeps them), for the signals the program
// has not taken itself: its own handler, a sanitizer's or one set later wins.
void installCrashHandlers() {
  static std::atomic<bool> installed{false};
  if (installed.exchange(true)) return;
  for (const int sig : kCrashSignals) {
    struct sigaction current{};
    if (::sigaction(sig, nullptr, &current) != 0 || (current.sa_flags & SA_SIGINFO) ||
        current.sa_handler != SIG_DFL)
      continue;
    struct sigaction ours{};
    ours.sa_sigaction = &onCrashSignal;
    ours.sa_flags = SA_SIGINFO | SA_ONSTACK;
    // Every signal blocked while it waits: a program's SIGTERM or SIGINT
    // handler must not run on the broken thread (an exit() there would hide
    // the crash); a second fault inside it takes the default action.
    ::sigfillset(&ours.sa_mask);
    ::sigaction(sig, &ours, nullptr);
  }
}

// Reads the launcher's variables once when the library loads.
// REACTORSCOPE_TRACE_SOCKET stays in the environment (an exec'd program
// connects its own stream); REACTORSCOPE_TRACE_FD is removed and the
// descriptor marked close-on-exec (only this process is traced).
struct Start {
  Start() {
    int fd = -1;
    std::string socketPath;
    if (const char* path = std::getenv(kTraceSocketEnv); path && *path) {
      socketPath = path;
    } else if (const char* value = std::getenv(kTraceFdEnv); value && *value) {
      char* end = nullptr;
      const long n = std::strtol(value, &end, 10);
      ::unsetenv(kTraceFdEnv);
      if (*end != '\0' || n < 0 || n > INT_MAX || ::fcntl(static_cast<int>(n), F_SETFD, FD_CLOEXEC) != 0) return;
      fd = static_cast<int>(n);
    } else {
      return;
    }
    g_collector = new Collector(fd, socketPath);
    detail::g_streaming.store(true);
    std::atexit(&atExit);
    ::pthread_atfork(&beforeFork, &inParentAfterFork, &inForkedChild);
  }
} g_start;

}  // namespace

void detail::baseCreated(event_base* base) {
  const InsideHook inside;
  g_collector->baseCreated(base);
}
void detail::baseUsed(event_base*) {
  const InsideHook inside;
  g_collector->baseUsed();
}
void detail::baseFreed(event_base* base) {
  const InsideHook inside;
  g_collector->baseFreed(base);
}
void detail::callbackSet(event_base* base, uint64_t eventId, CallbackRole role, const void* fn, int fd, short events) {
  const InsideHook inside;
  g_collector->callbackSet(base, eventId, role, fn, fd, events);
}
void detail::logLine(int severity, const char* text) {
  const InsideHook inside;
  g_collector->logLine(severity, text);
}

void detail::bufferEventCallbacksSet(bufferevent* bev) {
  const rs::BufferEvent& impl = *bev->impl;
  const int fd = impl.fd();
  const auto fn = [](auto cb) { return reinterpret_cast<const void*>(cb); };
  // Every role, a null callback too (address 0): the write event of a
  // bufferevent without writecb still reads as one, and a callback cleared
  // by a later setcb leaves the label.
  if (!bev->base) return;
  detail::callbackSet(bev->base, impl.readEvent().id(), CallbackRole::BufferRead, fn(bev->readcb), fd, EV_READ);
  detail::callbackSet(bev->base, impl.writeEvent().id(), CallbackRole::BufferWrite, fn(bev->writecb), fd, EV_WRITE);
  detail::callbackSet(bev->base, impl.readEvent().id(), CallbackRole::BufferEventCb, fn(bev->eventcb), fd, EV_READ);
}

void detail::listenerCallbackSet(evconnlistener* lev) {
  rs::live::callbackSet(lev->base, lev->impl->listenEvent().id(), CallbackRole::Listener,
                        reinterpret_cast<const void*>(lev->cb), lev->impl->fd(), EV_READ);
}

}  // namespace rs::live

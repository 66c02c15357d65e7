// The collector behind LiveCollector.h: one thread per traced process.
#include "LiveCollector.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <link.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "CompatBase.h"
#include "CompatNet.h"

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "records travel in their memory layout (little-endian)");
static_assert(sizeof(rs::TraceRecord) == rs::live::kRecordBytes);

namespace rs::live {

namespace detail {
bool g_streaming = false;
}

namespace {

constexpr auto kDrainPeriod = std::chrono::milliseconds(2);
// Bytes waiting for the reader beyond which records are dropped (metadata
// still goes out up to kMetaLimitBytes, then it is dropped too).
constexpr size_t kRecordsLimitBytes = size_t{4} << 20;
constexpr size_t kMetaLimitBytes = size_t{16} << 20;
constexpr int kExitFlushMs = 2000;  // at exit, how long the last bytes may wait for the reader

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

class Collector {
 public:
  explicit Collector(int fd) : fd_(fd) {}

  void baseCreated(event_base* base) {
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
    std::call_once(started_, [this] { thread_ = std::thread([this] { run(); }); });
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
      Encoder e(finalRecords_);
      e.begin(MessageType::BaseFreed);
      e.u64(bases_[i].id);
      e.end();
      bases_.erase(bases_.begin() + static_cast<std::ptrdiff_t>(i));
      return;
    }
  }

  void callbackSet(event_base* base, uint64_t eventId, CallbackRole role, const void* fn, int fd, short events) {
    const uint64_t baseId = idOf(base);
    if (baseId == 0) return;
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

  void hello() {
    std::string frame;
    Encoder e(frame);
    e.begin(MessageType::Hello);
    e.u32(kProtocolVersion);
    e.u32(static_cast<uint32_t>(::getpid()));
    e.u64(static_cast<uint64_t>(monotonicNs()));
    e.str(processName());
    e.str(selfExe());
    e.end();
    queueMeta(frame);
  }

  // At exit: stops the thread, sends what is left (waiting for the reader at
  // most kExitFlushMs).
  void shutdown() {
    if (inChild_) return;  // (the thread object names the parent's thread)
    stop_.store(true);
    if (thread_.joinable()) thread_.join();
    tick();
    flush(kExitFlushMs);
  }

  // In a forked child: the thread did not survive and the stream is the
  // parent's; the child runs untraced (docs/trace-protocol.md, lifecycles).
  void abandonInChild() {
    detail::g_streaming = false;
    inChild_ = true;
    ::close(fd_);
    fd_ = -1;
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

  void queueMeta(const std::string& frame) {
    std::lock_guard lock(metaMutex_);
    if (meta_.size() + frame.size() > kMetaLimitBytes) return;  // hopelessly behind: lost
    meta_ += frame;
  }

  // Drains one base's ring into Records frames appended to `out` (lock held).
  void drainBase(Base& b, std::string& out) {
    for (;;) {
      const size_t n = b.base->tracer().drain(chunk_.data(), chunk_.size());
      if (n == 0) break;
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

  // One period: records drained first, metadata taken after, metadata sent
  // first: every record's event was described before it arrives.
  void tick() {
    std::string records;
    {
      std::lock_guard lock(basesMutex_);
      records.swap(finalRecords_);
      for (Base& b : bases_) drainBase(b, records);
    }
    std::string meta;
    {
      std::lock_guard lock(metaMutex_);
      meta.swap(meta_);
    }
    if (fd_ < 0) return;  // the reader is gone
    pending_ += meta;
    pending_ += records;
    flush(0);
  }

  // Writes what it can without waiting longer than waitMs for the reader.
  void flush(int waitMs) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(waitMs);
    while (sent_ < pending_.size() && fd_ >= 0) {
      ssize_t n = ::send(fd_, pending_.data() + sent_, pending_.size() - sent_, MSG_DONTWAIT | MSG_NOSIGNAL);
      if (n < 0 && errno == ENOTSOCK) n = ::write(fd_, pending_.data() + sent_, pending_.size() - sent_);
      if (n > 0) {
        sent_ += static_cast<size_t>(n);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) break;
        pollfd p{fd_, POLLOUT, 0};
        ::poll(&p, 1, static_cast<int>(left.count()));
        continue;
      }
      // The reader is gone: stop sending, the program goes on untraced.
      ::close(fd_);
      fd_ = -1;
      pending_.clear();
      sent_ = 0;
      return;
    }
    if (sent_ == pending_.size()) {
      pending_.clear();
      sent_ = 0;
    } else if (sent_ > (size_t{1} << 20)) {
      pending_.erase(0, sent_);
      sent_ = 0;
    }
    backlogBytes_.store(pending_.size() - sent_, std::memory_order_relaxed);
  }

  void run() {
    while (!stop_.load()) {
      tick();
      std::this_thread::sleep_for(kDrainPeriod);
    }
  }

  int fd_;
  const std::string exe_ = selfExe();
  std::once_flag started_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::mutex idsMutex_;  // ids_, lastBaseId_
  std::unordered_map<const event_base*, uint64_t> ids_;
  uint64_t lastBaseId_ = 0;
  std::mutex basesMutex_;  // bases_, finalRecords_, chunk_ (held while draining)
  std::vector<Base> bases_;
  std::string finalRecords_;  // frames of bases freed since the last tick
  std::vector<TraceRecord> chunk_ = std::vector<TraceRecord>(1024);
  std::mutex metaMutex_;  // meta_
  std::string meta_;
  std::mutex symbolsMutex_;
  std::unordered_map<const void*, Symbol> symbols_;
  // Collector thread (or exit): bytes not yet written, sent_ of them done;
  // their count for any thread (records are dropped past kRecordsLimitBytes).
  std::string pending_;
  size_t sent_ = 0;
  std::atomic<size_t> backlogBytes_{0};
  bool inChild_ = false;
};

Collector* g_collector = nullptr;  // never destroyed: hooks may run during exit

void atExit() { g_collector->shutdown(); }
void inForkedChild() { g_collector->abandonInChild(); }

// Reads REACTORSCOPE_TRACE_FD once when the library loads. The variable is
// removed and the descriptor marked close-on-exec: a program the target execs
// runs untraced.
struct Start {
  Start() {
    const char* value = std::getenv("REACTORSCOPE_TRACE_FD");
    if (!value || !*value) return;
    char* end = nullptr;
    const long fd = std::strtol(value, &end, 10);
    ::unsetenv("REACTORSCOPE_TRACE_FD");
    if (*end != '\0' || fd < 0 || fd > INT_MAX || ::fcntl(static_cast<int>(fd), F_SETFD, FD_CLOEXEC) != 0) return;
    g_collector = new Collector(static_cast<int>(fd));
    g_collector->hello();
    detail::g_streaming = true;
    std::atexit(&atExit);
    ::pthread_atfork(nullptr, nullptr, &inForkedChild);
  }
} g_start;

}  // namespace

void detail::baseCreated(event_base* base) { g_collector->baseCreated(base); }
void detail::baseFreed(event_base* base) { g_collector->baseFreed(base); }
void detail::callbackSet(event_base* base, uint64_t eventId, CallbackRole role, const void* fn, int fd, short events) {
  g_collector->callbackSet(base, eventId, role, fn, fd, events);
}
void detail::logLine(int severity, const char* text) { g_collector->logLine(severity, text); }

void detail::bufferEventCallbacksSet(bufferevent* bev) {
  const rs::BufferEvent& impl = *bev->impl;
  const int fd = impl.fd();
  const auto fn = [](auto cb) { return reinterpret_cast<const void*>(cb); };
  rs::live::callbackSet(bev->base, impl.readEvent().id(), CallbackRole::BufferRead, fn(bev->readcb), fd, EV_READ);
  rs::live::callbackSet(bev->base, impl.writeEvent().id(), CallbackRole::BufferWrite, fn(bev->writecb), fd, EV_WRITE);
  rs::live::callbackSet(bev->base, impl.readEvent().id(), CallbackRole::BufferEventCb, fn(bev->eventcb), fd, EV_READ);
}

void detail::listenerCreated(evconnlistener* lev) {
  rs::live::callbackSet(lev->base, lev->impl->listenEvent().id(), CallbackRole::Listener,
                        reinterpret_cast<const void*>(lev->cb), lev->impl->fd(), EV_READ);
}

}  // namespace rs::live

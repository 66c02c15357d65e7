#include "net/BufferEvent.h"

#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "core/EventBase.h"
#include "net/Socket.h"

namespace rs {

namespace {
bool retriable(int err) { return err == EAGAIN || err == EWOULDBLOCK || err == EINTR; }

Nanos toNanos(const timeval* tv) {
  if (!tv || (tv->tv_sec == 0 && tv->tv_usec == 0)) return -1;
  return timeoutNsOf(*tv);
}
}  // namespace

// ---------------------------------------------------------------------------
// Life cycle

BufferEvent::BufferEvent(EventBase* base, int fd, int options)
    : base_(base), fd_(fd), options_(options), owner_(allocateOwnerTag()) {
  assignEvents();
  relabel();
  input_.addCallback(&BufferEvent::inputChanged, this);
  output_.addCallback(&BufferEvent::outputChanged, this);
}

BufferEvent::~BufferEvent() {
  input_.removeCallback(&BufferEvent::inputChanged, this);
  output_.removeCallback(&BufferEvent::outputChanged, this);
  readEvent_.release();
  writeEvent_.release();
  deferredEvent_.reset();
  sampleEvent_.reset();
  if ((options_ & kOptCloseOnFree) && fd_ >= 0) ::close(fd_);
}

BufferEvent* BufferEvent::create(EventBase* base, int fd, int options) {
  if (!base) {
    errno = EINVAL;
    return nullptr;
  }
  if ((options & (kOptDeferCallbacks | kOptUnlockCallbacks)) == kOptUnlockCallbacks) {
    errno = EINVAL;  // libevent: UNLOCK_CALLBACKS requires DEFER_CALLBACKS
    return nullptr;
  }
  return new BufferEvent(base, fd, options);
}

bool BufferEvent::createPair(EventBase* base, int options, BufferEvent* pair[2]) {
  options |= kOptDeferCallbacks;  // as libevent: a pair's callbacks are always deferred
  BufferEvent* first = create(base, -1, options);
  if (first == nullptr) return false;
  BufferEvent* second = create(base, -1, options);
  if (second == nullptr) {
    first->free();
    return false;
  }
  first->partner_ = second;
  second->partner_ = first;
  first->pairElement_ = second->pairElement_ = true;
  pair[0] = first;
  pair[1] = second;
  return true;
}

bool BufferEvent::wantsToSendTo(const BufferEvent& reader) const {
  return (enabled_ & kEvWrite) && (reader.enabled_ & kEvRead) && !reader.readSuspended_ &&
         output_.length() > 0;
}

// libevent's be_pair_transfer: up to the reader's high watermark (everything
// when ignoring it), then the reader's read and our write callbacks as their
// low watermarks allow. The ends a libevent-compatible pair keeps frozen thaw
// for the move.
void BufferEvent::sendToPartner(bool ignoreWatermarks) {
  BufferEvent& reader = *partner_;
  if (libeventCompatible_) output_.unfreeze(true);
  if (reader.libeventCompatible_) reader.input_.unfreeze(false);
  const size_t have = reader.input_.length();
  const bool roomBelowHigh = reader.readHigh_ == 0 || have < reader.readHigh_;
  if (roomBelowHigh || ignoreWatermarks) {
    if (reader.readHigh_ != 0 && roomBelowHigh) {
      output_.removeBuffer(reader.input_, reader.readHigh_ - have);
    } else {
      reader.input_.addBuffer(output_);
    }
    if (reader.input_.length() >= reader.readLow_) reader.runReadCb();
    if (output_.length() <= writeLow_) runWriteCb();
  }
  if (libeventCompatible_) output_.freeze(true);
  if (reader.libeventCompatible_) reader.input_.freeze(false);
}

void BufferEvent::pullFromPartner() {
  if (partner_ != nullptr && partner_->wantsToSendTo(*this)) partner_->sendToPartner(false);
}

int BufferEvent::flush(short iotype, int mode) {
  constexpr int kFlushNormal = 0, kFlushFinished = 2;
  if (partner_ == nullptr) return pairElement_ ? -1 : 0;
  if (mode == kFlushNormal) return 0;
  BufferEvent& other = *partner_;
  if (iotype & kEvRead) other.sendToPartner(true);
  if (iotype & kEvWrite) sendToPartner(true);
  if (mode == kFlushFinished) {
    short what = kEof;
    if (iotype & kEvRead) what = static_cast<short>(what | kWriting);
    if (iotype & kEvWrite) what = static_cast<short>(what | kReading);
    other.runEventCb(what, 0);
  }
  return 0;
}

void BufferEvent::free() {
  if (freed_) return;
  freed_ = true;
  if (partner_ != nullptr) {
    partner_->partner_ = nullptr;
    partner_ = nullptr;
  }
  readCb_ = writeCb_ = nullptr;
  eventCb_ = nullptr;
  readEvent_.del();
  writeStandsInForAdd_ = false;
  writeEvent_.del();
  if (deferredEvent_) deferredEvent_->del();
  if (sampleEvent_) sampleEvent_->del();
  if (callbackDepth_ == 0) delete this;
}

void BufferEvent::leaveCallback() {
  if (--callbackDepth_ == 0 && freed_) delete this;
}

void BufferEvent::assignEvents() {
  readEvent_.assign(base_, fd_, kEvRead | kEvPersist, &BufferEvent::readCallback, this);
  writeEvent_.assign(base_, fd_, kEvWrite | kEvPersist, &BufferEvent::writeCallback, this);
}

void BufferEvent::relabel() {
  readEvent_.setLabel(labelFor("read"), owner_);
  writeEvent_.setLabel(labelFor("write"), owner_);
  if (deferredEvent_) deferredEvent_->setLabel(labelFor("deferred callbacks"), owner_);
  if (sampleEvent_) sampleEvent_->setLabel(labelFor("buffer sampler"), owner_);
  if (labelledCb_) labelledCb_(this);
}

// "<prefix> <number> <what>", e.g. "echo conn 17 read".
std::string BufferEvent::labelFor(const char* what) const {
  return labelPrefix_ + " " + std::to_string(labelNumber_ ? labelNumber_ : owner_) + " " + what;
}

void BufferEvent::setLabelPrefix(std::string_view prefix) {
  labelPrefix_.assign(prefix);
  relabel();
}

void BufferEvent::setLabelNumber(uint32_t number) {
  labelNumber_ = number;
  relabel();
}

void BufferEvent::setLibeventCompatible(bool on) {
  libeventCompatible_ = on;
  input_.setLibeventCompatible(on);
  output_.setLibeventCompatible(on);
  if (on) {
    input_.freeze(false);
    output_.freeze(true);
  } else {
    input_.unfreeze(false);
    output_.unfreeze(true);
  }
}

int BufferEvent::setFd(int fd) {
  readEvent_.del();
  writeStandsInForAdd_ = false;
  writeEvent_.del();
  if (libeventCompatible_) {
    // libevent's be_socket_setfd thaws both until the next read or write.
    input_.unfreeze(false);
    output_.unfreeze(true);
  }
  fd_ = fd;
  const int prio = readEvent_.priority();
  assignEvents();
  readEvent_.setPriority(prio);
  writeEvent_.setPriority(prio);
  relabel();
  if (fd >= 0) return enable(enabled_);
  return 0;
}

int BufferEvent::setBase(EventBase* base) {
  if (!base || freed_ || pairElement_) return -1;
  if (base == base_) return 0;
  base_->assertInLoopThread("bufferevent_base_set (the old base)");
  base->assertInLoopThread("bufferevent_base_set (the new base)");
  const auto idle = [](const Event& ev) { return ev.state() == EventState::NonPending; };
  if (!idle(readEvent_) || !idle(writeEvent_) || (deferredEvent_ && !idle(*deferredEvent_))) return -1;
  // (The trace's sampler is the library's, not a condition: it goes too, and
  // starts again on the new base as it would there.)
  const bool sampling = sampleEvent_ && !idle(*sampleEvent_);
  deferredEvent_.reset();  // (made again on the new base when needed)
  sampleEvent_.reset();
  readEvent_.release();
  writeStandsInForAdd_ = false;
  writeEvent_.release();
  base_ = base;
  assignEvents();
  relabel();
  if (sampling) maybeStartSampler();
  return 0;
}

int BufferEvent::setPriority(int priority) {
  if (pairElement_) return -1;  // libevent: socket bufferevents only
  if (readEvent_.setPriority(priority) < 0) return -1;
  // enable()'s write event is active where libevent's is pending (about to fire
  // on a writable socket): its priority may change as libevent's may.
  if ((writeStandsInForAdd_ ? writeEvent_.setPriorityRequeued(priority) : writeEvent_.setPriority(priority)) < 0)
    return -1;
  if (deferredEvent_ && deferredEvent_->setPriority(priority) < 0) return -1;
  return 0;
}

// ---------------------------------------------------------------------------
// Connect

int BufferEvent::connect(const InetAddress& addr) { return connect(addr.sockAddr(), static_cast<int>(addr.length())); }

int BufferEvent::connectHostname(std::string_view host, uint16_t port) {
  std::string error;
  auto addr = InetAddress::resolve(host, port, &error);
  if (!addr) {
    lastErrorText_ = error;
    errno = EINVAL;
    return -1;
  }
  return connect(*addr);
}

int BufferEvent::connect(const sockaddr* sa, int socklen) {
  lastErrorText_.clear();
  InetAddress addr;
  if (sa) {
    addr = InetAddress(sa, static_cast<socklen_t>(socklen));
    // ReactorScope's own workloads reach loopback only. A program's bufferevent
    // (libevent-compatible) connects where the program says, as with libevent:
    // any IPv4/IPv6 address, or a Unix-domain socket.
    const bool programs = libeventCompatible_ && (addr.valid() || sa->sa_family == AF_UNIX);
    if (!programs && !sockets::checkLoopback(addr, "connect", &lastErrorText_)) {
      errno = addr.valid() ? ENETUNREACH : EAFNOSUPPORT;
      return -1;
    }
  } else if (fd_ < 0) {
    errno = EINVAL;
    return -1;
  }
  int fd = fd_;
  bool ownFd = false;
  if (fd < 0) {
    fd = sockets::createNonblocking(sa->sa_family);
    if (fd < 0) {
      lastErrorText_ = sockets::describeError("socket", addr, errno);
      return -1;
    }
    ownFd = true;
  }
  // 0: in progress, 1: connected already, 2: refused already.
  int state = 0;
  if (sa) {
    if (::connect(fd, sa, static_cast<socklen_t>(socklen)) == 0) {
      state = 1;
    } else {
      const int err = errno;
      if (err == ECONNREFUSED) {
        state = 2;
      } else if (err != EINPROGRESS && err != EINTR) {
        // libevent's freesock path: report through the event callback, then fail.
        lastErrorText_ = sockets::describeError("connect", addr, err);
        socketError_ = err;
        enterCallback();
        runEventCb(kError, err);
        if (ownFd) ::close(fd);
        leaveCallback();
        errno = err;
        return -1;
      }
    }
  }
  connectAddr_ = addr;
  // Set before the events are re-armed so enable() arms EV_WRITE for the
  // connect instead of attempting a write.
  connecting_ = true;
  setFd(fd);
  if (state == 2) {
    connectionRefused_ = true;
    writeEvent_.activate(kEvWrite);
  } else {
    // In progress, or connected already (a Unix-domain socket): the write event
    // reports it when the next poll finds the socket writable, as libevent's
    // does (a listener's accept ready in the same poll runs first).
    writeEvent_.addTimeoutNs(writeTimeout_);
  }
  return 0;
}

// ---------------------------------------------------------------------------
// Callbacks, enable/disable, data

void BufferEvent::setCallbacks(DataCallback readCb, DataCallback writeCb, StatusCallback eventCb,
                               void* ctx) {
  readCb_ = readCb;
  writeCb_ = writeCb;
  eventCb_ = eventCb;
  ctx_ = ctx;
}

void BufferEvent::getCallbacks(DataCallback* readCb, DataCallback* writeCb,
                               StatusCallback* eventCb, void** ctx) const {
  if (readCb) *readCb = readCb_;
  if (writeCb) *writeCb = writeCb_;
  if (eventCb) *eventCb = eventCb_;
  if (ctx) *ctx = ctx_;
}

int BufferEvent::addRead() {
  if (fd_ < 0) return 0;
  return readEvent_.addTimeoutNs(readTimeout_);
}

int BufferEvent::enable(short what) {
  short impl = what;
  if (readSuspended_) impl = static_cast<short>(impl & ~kEvRead);
  enabled_ = static_cast<short>(enabled_ | (what & (kEvRead | kEvWrite)));
  int rc = 0;
  if ((impl & kEvRead) && addRead() < 0) rc = -1;
  if ((impl & kEvWrite) && fd_ >= 0) {
    if (connecting_ || (writeEvent_.pending(kEvWrite, nullptr) & kEvWrite)) {
      // Armed (connect in progress or kernel queue full): refresh the timeout.
      if (writeEvent_.addTimeoutNs(writeTimeout_) < 0) rc = -1;
    } else {
      // libevent adds the write event, which fires at once on a writable socket:
      // it writes what is queued, or runs the write callback. Same, no epoll_ctl.
      writeEvent_.activate(kEvWrite);
      writeStandsInForAdd_ = true;
    }
  }
  if (partner_ != nullptr) {
    // A pair starts moving bytes as soon as both sides are willing.
    if (impl & kEvRead) pullFromPartner();
    if ((impl & kEvWrite) && partner_ != nullptr && wantsToSendTo(*partner_)) sendToPartner(false);
  }
  maybeStartSampler();
  return rc;
}

int BufferEvent::disable(short what) {
  enabled_ = static_cast<short>(enabled_ & ~what);
  int rc = 0;
  if ((what & kEvRead) && readEvent_.del() < 0) rc = -1;
  // Like libevent, a connect in progress keeps its write event.
  if ((what & kEvWrite) && !connecting_) {
    writeStandsInForAdd_ = false;
    if (writeEvent_.del() < 0) rc = -1;
  }
  return rc;
}

int BufferEvent::write(const void* data, size_t size) { return output_.add(data, size); }

int BufferEvent::writeBuffer(Buffer& buf) { return output_.addBuffer(buf); }

size_t BufferEvent::read(void* data, size_t size) {
  const ssize_t n = input_.remove(data, size);
  return n < 0 ? 0 : static_cast<size_t>(n);
}

int BufferEvent::readBuffer(Buffer& buf) { return buf.addBuffer(input_); }

void BufferEvent::setWatermark(short events, size_t low, size_t high) {
  if (events & kEvWrite) {
    writeLow_ = low;
    writeHigh_ = high;
  }
  if (events & kEvRead) {
    readLow_ = low;
    readHigh_ = high;
    if (high) {
      if (input_.length() > high)
        suspendRead(kSuspendWm);
      else if (input_.length() < high)
        unsuspendRead(kSuspendWm);
    } else {
      unsuspendRead(kSuspendWm);
    }
  }
  traceWatermarks();
}

int BufferEvent::getWatermark(short events, size_t* low, size_t* high) const {
  if (events == kEvWrite) {
    if (low) *low = writeLow_;
    if (high) *high = writeHigh_;
    return 0;
  }
  if (events == kEvRead) {
    if (low) *low = readLow_;
    if (high) *high = readHigh_;
    return 0;
  }
  return -1;
}

int BufferEvent::setTimeouts(const timeval* readTimeout, const timeval* writeTimeout) {
  return setTimeoutsNs(toNanos(readTimeout), toNanos(writeTimeout));
}

int BufferEvent::setTimeoutsNs(Nanos readTimeout, Nanos writeTimeout) {
  const bool clearRead = readTimeout_ >= 0 && readTimeout < 0;
  const bool clearWrite = writeTimeout_ >= 0 && writeTimeout < 0;
  readTimeout_ = readTimeout < 0 ? -1 : readTimeout;
  writeTimeout_ = writeTimeout < 0 ? -1 : writeTimeout;
  const bool readArmed = (readEvent_.pending(kEvRead, nullptr) & kEvRead) != 0;
  const bool writeArmed = (writeEvent_.pending(kEvWrite, nullptr) & kEvWrite) != 0;
  int rc = 0;
  if (clearRead || clearWrite) {
    // An engine event (like a libevent one) keeps re-arming a PERSIST timeout
    // once set; a fresh assignment is the only way to drop it.
    const int prio = readEvent_.priority();
    if (clearRead) {
      readEvent_.release();
      readEvent_.assign(base_, fd_, kEvRead | kEvPersist, &BufferEvent::readCallback, this);
      readEvent_.setPriority(prio);
    }
    if (clearWrite) {
      writeStandsInForAdd_ = false;
      writeEvent_.release();
      writeEvent_.assign(base_, fd_, kEvWrite | kEvPersist, &BufferEvent::writeCallback, this);
      writeEvent_.setPriority(prio);
    }
    relabel();
  }
  if (readArmed && readEvent_.addTimeoutNs(readTimeout_) < 0) rc = -1;
  if (writeArmed && writeEvent_.addTimeoutNs(writeTimeout_) < 0) rc = -1;
  return rc;
}

void BufferEvent::suspendRead(uint8_t why) {
  if (!readSuspended_) readEvent_.del();
  readSuspended_ = static_cast<uint8_t>(readSuspended_ | why);
}

void BufferEvent::unsuspendRead(uint8_t why) {
  if (!(readSuspended_ & why)) return;
  readSuspended_ = static_cast<uint8_t>(readSuspended_ & ~why);
  if (!readSuspended_ && (enabled_ & kEvRead)) {
    addRead();
    pullFromPartner();
  }
}

// ---------------------------------------------------------------------------
// Running user callbacks (immediately, or deferred to the next loop iteration)

void BufferEvent::runReadCb() {
  if (!readCb_) return;
  if (options_ & kOptDeferCallbacks) {
    readPending_ = true;
    scheduleDeferred();
  } else {
    readCb_(this, ctx_);
    recallReadIfAboveHighWatermark();
  }
}

void BufferEvent::recallReadIfAboveHighWatermark() {
  if (!libeventCompatible_ || freed_ || !readCb_ || !readHigh_ || !(enabled_ & kEvRead)) return;
  if (input_.length() < readHigh_) return;
  readPending_ = true;
  scheduleDeferred();
}

void BufferEvent::runWriteCb() {
  if (!writeCb_) return;
  if (options_ & kOptDeferCallbacks) {
    writePending_ = true;
    scheduleDeferred();
  } else {
    writeCb_(this, ctx_);
  }
}

void BufferEvent::runEventCb(short what, int err) {
  if (err > 0 && (what & kError)) socketError_ = err;
  if (!eventCb_) return;
  if (options_ & kOptDeferCallbacks) {
    eventPending_ = static_cast<short>(eventPending_ | what);
    errnoPending_ = err > 0 ? err : errno;
    scheduleDeferred();
  } else {
    if (err > 0) errno = err;
    eventCb_(this, what, ctx_);
  }
}

void BufferEvent::scheduleDeferred() {
  if (!deferredEvent_) {
    deferredEvent_ = std::make_unique<Event>(base_, -1, 0, &BufferEvent::deferredCallback, this);
    deferredEvent_->setPriority(readEvent_.priority());
    deferredEvent_->setLabel(labelFor("deferred callbacks"), owner_);
  }
  base_->activateLater(deferredEvent_.get(), kEvTimeout);
}

void BufferEvent::deferredCallback(int, short, void* arg) {
  auto* self = static_cast<BufferEvent*>(arg);
  self->enterCallback();
  // libevent's order: CONNECTED happened before any I/O, so it goes first.
  if ((self->eventPending_ & kConnected) && self->eventCb_) {
    self->eventPending_ = static_cast<short>(self->eventPending_ & ~kConnected);
    self->eventCb_(self, kConnected, self->ctx_);
  }
  if (!self->freed_ && self->readPending_ && self->readCb_) {
    self->readPending_ = false;
    self->readCb_(self, self->ctx_);
    self->recallReadIfAboveHighWatermark();
  }
  if (!self->freed_ && self->writePending_ && self->writeCb_) {
    self->writePending_ = false;
    self->writeCb_(self, self->ctx_);
  }
  if (!self->freed_ && self->eventPending_ && self->eventCb_) {
    const short what = self->eventPending_;
    const int err = self->errnoPending_;
    self->eventPending_ = 0;
    self->errnoPending_ = 0;
    errno = err;
    self->eventCb_(self, what, self->ctx_);
  }
  self->leaveCallback();
}

// ---------------------------------------------------------------------------
// Reading

void BufferEvent::readCallback(int, short what, void* arg) {
  auto* self = static_cast<BufferEvent*>(arg);
  self->enterCallback();
  self->handleRead(what);
  self->leaveCallback();
}

void BufferEvent::handleRead(short what) {
  short status = kReading;
  if (what == kEvTimeout) {
    // Only a pure timeout counts: EV_TIMEOUT|EV_READ means data arrived.
    disable(kEvRead);
    runEventCb(static_cast<short>(status | kTimeout), 0);
    return;
  }
  maybeStartSampler();
  size_t howmuch = maxSingleRead_;
  if (readHigh_) {
    const size_t have = input_.length();
    if (have >= readHigh_) {
      suspendRead(kSuspendWm);
      return;
    }
    howmuch = std::min(howmuch, readHigh_ - have);
  }
  if (readSuspended_) return;

  int err = 0;
  if (libeventCompatible_) input_.unfreeze(false);
  const ssize_t n = input_.readFromFd(fd_, howmuch, &err);
  if (libeventCompatible_) input_.freeze(false);
  ++readCalls_;
  if (n < 0) {
    if (retriable(err)) return;
    status |= kError;
  } else if (n == 0) {
    status |= kEof;
  }
  if (n <= 0) {
    disable(kEvRead);
    runEventCb(status, n < 0 ? err : 0);
    return;
  }
  bytesRead_ += static_cast<uint64_t>(n);
  if (freed_) return;
  if ((enabled_ & kEvRead) && input_.length() >= readLow_) runReadCb();
}

// ---------------------------------------------------------------------------
// Writing

void BufferEvent::writeCallback(int, short what, void* arg) {
  auto* self = static_cast<BufferEvent*>(arg);
  self->enterCallback();
  self->handleWrite(what);
  self->leaveCallback();
}

ssize_t BufferEvent::sendOutput(int* err) {
  iovec iov[Buffer::kMaxWriteIovecs];
  const size_t want = std::min(maxSingleWrite_, output_.length());
  int n = output_.peek(static_cast<ssize_t>(want), iov, Buffer::kMaxWriteIovecs);
  if (n > Buffer::kMaxWriteIovecs) n = Buffer::kMaxWriteIovecs;
  // peek hands out whole blocks; trim the extents to `want` bytes.
  size_t total = 0;
  int used = 0;
  for (; used < n && total < want; ++used) {
    if (total + iov[used].iov_len > want) iov[used].iov_len = want - total;
    total += iov[used].iov_len;
  }
  msghdr msg{};
  msg.msg_iov = iov;
  msg.msg_iovlen = static_cast<size_t>(used);
  // sendmsg rather than writev: MSG_NOSIGNAL turns a write to a reset peer into
  // EPIPE instead of a process-killing SIGPIPE.
  ssize_t r = ::sendmsg(fd_, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
  ++writeCalls_;
  if (r < 0 && errno == ENOTSOCK) return output_.writeToFd(fd_, maxSingleWrite_, err);
  if (r < 0) {
    *err = errno;
    return -1;
  }
  output_.drain(static_cast<size_t>(r));
  return r;
}

void BufferEvent::armWrite() {
  if (!(writeEvent_.pending(kEvWrite, nullptr) & kEvWrite)) writeEvent_.addTimeoutNs(writeTimeout_);
  else base_->stopAssumingWritable(fd_);  // the kernel's queue is full: the poller watches it now
}

void BufferEvent::scheduleWrite() {
  if (fd_ < 0 || connecting_ || freed_) return;
  if (writeEvent_.pending(kEvWrite, nullptr) & kEvWrite) return;  // armed or already active
  // Natively the write starts in this loop iteration; libevent waits for the
  // poller to report the socket writable (a loop run with EVLOOP_ONCE ends
  // before writing).
  // The poller is not asked to watch the socket (no epoll_ctl to add, none to
  // delete): the base reports it writable at its next wait, as the kernel
  // would, unless a write already found its queue full (armWrite()).
  if (libeventCompatible_) {
    writeEvent_.addAssumingWritable(writeTimeout_);
    // Output filled from another thread (evbuffer_add on the output, which
    // libevent allows under its locks): no epoll_ctl wakes a waiting loop now.
    // Only a notifiable base (the program enabled threads) can be woken, and
    // asking that first keeps the thread check off a single-threaded loop's path.
    if (base_->notifiable() && !base_->isInLoopThread()) base_->wakeup();
  } else {
    writeEvent_.activate(kEvWrite);
  }
}

void BufferEvent::handleWrite(short what) {
  writeStandsInForAdd_ = false;
  short status = kWriting;
  if (what == kEvTimeout) {
    disable(kEvWrite);
    runEventCb(static_cast<short>(status | kTimeout), 0);
    return;
  }
  bool connected = false;
  if (connecting_) {
    int c = 1;
    int err = 0;
    if (connectionRefused_) {
      connectionRefused_ = false;
      c = -1;
      err = ECONNREFUSED;
    } else {
      const int e = sockets::socketError(fd_);
      if (e < 0) {
        c = -1;
        err = -e;
      } else if (e == EINPROGRESS || e == EALREADY || e == EINTR) {
        c = 0;
      } else if (e != 0) {
        c = -1;
        err = e;
      }
    }
    if (c == 0) return;
    connecting_ = false;
    if (c < 0) {
      writeEvent_.del();
      readEvent_.del();
      lastErrorText_ = sockets::describeError("connect", connectAddr_, err);
      runEventCb(kError, err);
      return;
    }
    connected = true;
    runEventCb(kConnected, 0);
    if (freed_) return;
    if (!(enabled_ & kEvWrite)) {
      writeEvent_.del();
      return;
    }
  }
  maybeStartSampler();

  ssize_t res = 0;
  if (output_.length() > 0) {
    int err = 0;
    if (libeventCompatible_) output_.unfreeze(true);
    res = sendOutput(&err);
    if (libeventCompatible_) output_.freeze(true);
    if (res < 0) {
      if (retriable(err)) {
        armWrite();
        return;
      }
      status |= kError;
      disable(kEvWrite);
      runEventCb(status, err);
      return;
    }
    bytesWritten_ += static_cast<uint64_t>(res);
  }
  if (output_.length() == 0)
    writeEvent_.del();
  else
    armWrite();  // the kernel queue is full: only now wait for EPOLLOUT
  if ((res > 0 || !connected) && (enabled_ & kEvWrite) && output_.length() <= writeLow_) runWriteCb();
}

// ---------------------------------------------------------------------------
// Buffer change hooks: levels for the trace, watermarks, starting writes

void BufferEvent::inputChanged(Buffer* buf, const Buffer::ChangeInfo*, void* arg) {
  auto* self = static_cast<BufferEvent*>(arg);
  const size_t len = buf->length();
  self->base_->traceBufferLevel(self->readEvent_.id(), self->owner_, self->fd_, BufferId::Input,
                                static_cast<int64_t>(len));
  if (self->readHigh_) {
    if (len >= self->readHigh_)
      self->suspendRead(kSuspendWm);
    else
      self->unsuspendRead(kSuspendWm);
  }
}

void BufferEvent::outputChanged(Buffer* buf, const Buffer::ChangeInfo* info, void* arg) {
  auto* self = static_cast<BufferEvent*>(arg);
  self->base_->traceBufferLevel(self->writeEvent_.id(), self->owner_, self->fd_, BufferId::Output,
                                static_cast<int64_t>(buf->length()));
  if (self->partner_ != nullptr) {
    // be_pair_outbuf_cb: new bytes go straight to a willing partner.
    if (info->nAdded > info->nDeleted && self->wantsToSendTo(*self->partner_)) self->sendToPartner(false);
    return;
  }
  // libevent's outbuf callback: data arrived and we are not writing yet.
  if (info->nAdded && (self->enabled_ & kEvWrite)) self->scheduleWrite();
}

// ---------------------------------------------------------------------------
// Kernel queue sampling (only while tracing)

void BufferEvent::setKernelSampleInterval(Nanos interval) {
  sampleInterval_ = interval < 0 ? 0 : interval;
  if (sampleInterval_ == 0 && sampleEvent_) sampleEvent_->del();
}

void BufferEvent::traceWatermarks() {
  if (!base_->tracing()) return;
  const uint64_t id = readEvent_.id();
  base_->traceBufferLevel(id, owner_, fd_, BufferId::ReadLowWater, static_cast<int64_t>(readLow_));
  base_->traceBufferLevel(id, owner_, fd_, BufferId::ReadHighWater, static_cast<int64_t>(readHigh_));
  base_->traceBufferLevel(writeEvent_.id(), owner_, fd_, BufferId::WriteLowWater,
                          static_cast<int64_t>(writeLow_));
  base_->traceBufferLevel(writeEvent_.id(), owner_, fd_, BufferId::WriteHighWater,
                          static_cast<int64_t>(writeHigh_));
}

void BufferEvent::maybeStartSampler() {
  if (sampleInterval_ == 0 || fd_ < 0 || freed_ || !base_->tracing()) return;
  if (!sampleEvent_) {
    sampleEvent_ = std::make_unique<Event>();
    sampleEvent_->setInternal(true);  // sampling alone must not keep a loop alive
    sampleEvent_->assign(base_, -1, 0, &BufferEvent::sampleCallback, this);
    sampleEvent_->setLabel(labelFor("buffer sampler"), owner_);
  }
  if (sampleEvent_->state() != EventState::NonPending) return;
  traceWatermarks();
  sampleEvent_->addTimeoutNs(sampleInterval_);
}

void BufferEvent::sampleCallback(int, short, void* arg) {
  auto* self = static_cast<BufferEvent*>(arg);
  EventBase* base = self->base_;
  if (!base->tracing() || self->fd_ < 0 || self->freed_) return;  // stops until the next I/O
  const int fd = self->fd_;
  const uint32_t owner = self->owner_;
  base->traceBufferLevel(self->readEvent_.id(), owner, fd, BufferId::KernelRecv,
                         sockets::kernelRecvQueued(fd));
  base->traceBufferLevel(self->readEvent_.id(), owner, fd, BufferId::Input,
                         static_cast<int64_t>(self->input_.length()));
  base->traceBufferLevel(self->writeEvent_.id(), owner, fd, BufferId::Output,
                         static_cast<int64_t>(self->output_.length()));
  base->traceBufferLevel(self->writeEvent_.id(), owner, fd, BufferId::KernelSend,
                         sockets::kernelSendQueued(fd));
  self->sampleEvent_->addTimeoutNs(self->sampleInterval_);
}

}  // namespace rs

// rs::BufferEvent: libevent 2.1's socket bufferevent. Two rs::Buffers (input,
// output), three callbacks (read, write, event), watermarks and timeouts, over
// two engine events that appear in traces as "conn <tag> read" / "conn <tag>
// write", owner-tagged with the connection's tag.
//
//   kernel recv queue --readv--> input --read cb--> [user] --write()--> output
//                                                          --sendmsg--> kernel send queue
//
// Callback semantics follow libevent (bufferevent_sock.c): the read callback runs
// after a read when the input holds >= the read low watermark; reading stops
// while the input holds >= the read high watermark; the write callback runs
// after a write that leaves the output at <= the write low watermark (and once
// when EV_WRITE is enabled with nothing to write); errors disable the direction
// and report READING/WRITING | EOF/ERROR/TIMEOUT with errno preserved.
//
// What differs is the syscall pattern (fewer, same callbacks): data added to an
// idle output activates the write event in the same loop iteration (no
// epoll_ctl) and is sent with one sendmsg; EV_WRITE is armed in the poller only
// when the kernel send queue is full, and disarmed when the output drains.
// A read is one readv into the input plus a stack spill-over (no FIONREAD).
//
// With tracing on, input/output levels are recorded on every change, the four
// buffers and watermarks are sampled at kernelSampleInterval (SIOCINQ/SIOCOUTQ).
//
// Thread contract: loop thread only. free() is safe anywhere, including inside
// this bufferevent's own callbacks (the object is released when they return).
#pragma once
#include <sys/socket.h>
#include <sys/time.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/Event.h"
#include "net/Buffer.h"
#include "net/InetAddress.h"

namespace rs {

class EventBase;

class BufferEvent {
 public:
  // BEV_OPT_* with libevent's values.
  static constexpr int kOptCloseOnFree = 1 << 0;
  static constexpr int kOptThreadsafe = 1 << 1;  // accepted, no effect (loop thread only)
  static constexpr int kOptDeferCallbacks = 1 << 2;
  static constexpr int kOptUnlockCallbacks = 1 << 3;

  // BEV_EVENT_* with libevent's values.
  static constexpr short kReading = 0x01;
  static constexpr short kWriting = 0x02;
  static constexpr short kEof = 0x10;
  static constexpr short kError = 0x20;
  static constexpr short kTimeout = 0x40;
  static constexpr short kConnected = 0x80;

  // bufferevent_data_cb / bufferevent_event_cb shapes. A wrapper (the compat
  // layer) passes its own handle to its users via userHandle().
  using DataCallback = void (*)(BufferEvent* bev, void* ctx);
  using StatusCallback = void (*)(BufferEvent* bev, short what, void* ctx);

  // bufferevent_socket_new: fd may be -1 (then connect() creates the socket).
  // EV_WRITE starts enabled, EV_READ disabled, as in libevent.
  static BufferEvent* create(EventBase* base, int fd, int options);
  // bufferevent_pair_new: two bufferevents without a socket, each one's output
  // feeding the other's input in memory (libevent's bufferevent_pair.c).
  // Callbacks are always deferred. Bytes move when they are added to an
  // output whose owner has EV_WRITE enabled and whose partner has EV_READ
  // enabled and reading not suspended, and when either enables that direction
  // or the partner's input drains below its high watermark; a move stops at
  // the reader's high watermark. After a move the reader's read callback runs
  // if its input is at or above the read low watermark, the writer's write
  // callback if its output is at or below the write low watermark. Freeing one
  // only unlinks it (no event reaches the other, as in libevent). Read/write
  // timeouts have no effect on a pair. false (errno set) if either cannot be made.
  static bool createPair(EventBase* base, int options, BufferEvent* pair[2]);
  // bufferevent_pair_get_partner: the other half, or nullptr (not a pair, or
  // the partner was freed).
  BufferEvent* partner() const { return partner_; }
  // bufferevent_flush (mode: BEV_NORMAL 0, BEV_FLUSH 1, BEV_FINISHED 2): for a
  // pair, moves everything both ways regardless of watermarks (iotype EV_READ
  // pulls, EV_WRITE pushes) and, with BEV_FINISHED, reports EOF to the partner.
  // 0; -1 for a pair whose partner is gone. Sockets: 0, nothing to do.
  int flush(short iotype, int mode);

  // bufferevent_free: cancels callbacks and events, closes fd with
  // kOptCloseOnFree. Unsent output is discarded (as libevent does).
  void free();
  struct Deleter {
    void operator()(BufferEvent* b) const { b->free(); }
  };

  // bufferevent_socket_connect. Loopback targets only (127.0.0.0/8, ::1): any
  // other address fails with -1, errno ENETUNREACH and lastErrorText(). Returns
  // 0 when the connect is under way or already decided (CONNECTED or ERROR then
  // arrives through the event callback), -1 on an immediate failure (after
  // running the event callback with kError, as libevent does).
  int connect(const sockaddr* sa, int socklen);
  int connect(const InetAddress& addr);
  // bufferevent_socket_connect_hostname without a resolver: numeric addresses
  // and "localhost" only; any other name fails at once (-1, errno EINVAL,
  // lastErrorText() says why). Never blocks the loop.
  int connectHostname(std::string_view host, uint16_t port);
  bool connecting() const { return connecting_; }

  // bufferevent_setcb / bufferevent_getcb.
  void setCallbacks(DataCallback readCb, DataCallback writeCb, StatusCallback eventCb, void* ctx);
  void getCallbacks(DataCallback* readCb, DataCallback* writeCb, StatusCallback* eventCb,
                    void** ctx) const;

  // bufferevent_enable / _disable (kEvRead | kEvWrite): 0 or -1.
  int enable(short what);
  int disable(short what);
  short enabled() const { return enabled_; }

  // bufferevent_write / _write_buffer / _read / _read_buffer.
  int write(const void* data, size_t size);
  int writeBuffer(Buffer& buf);
  size_t read(void* data, size_t size);
  int readBuffer(Buffer& buf);
  Buffer& input() { return input_; }
  Buffer& output() { return output_; }

  // bufferevent_setwatermark (events: kEvRead and/or kEvWrite); high 0 = none.
  void setWatermark(short events, size_t low, size_t high);
  // bufferevent_getwatermark: 0, or -1 unless exactly one of kEvRead/kEvWrite.
  int getWatermark(short events, size_t* low, size_t* high) const;

  // bufferevent_set_timeouts: nullptr or a zero timeval clears.
  int setTimeouts(const timeval* readTimeout, const timeval* writeTimeout);
  int setTimeoutsNs(Nanos readTimeout, Nanos writeTimeout);  // < 0 clears

  // bufferevent_setfd / getfd.
  int setFd(int fd);
  // bufferevent_base_set: moves the bufferevent to `base` (its read and write
  // events are assigned there anew: new ids, the base's default priority).
  // Like libevent, only while neither event is pending or active, and not for
  // a pair; -1 otherwise. Called on the thread that runs (or will run) both
  // bases' loops, before `base`'s loop uses it.
  int setBase(EventBase* base);
  int fd() const { return fd_; }
  EventBase* base() const { return base_; }
  int options() const { return options_; }
  // bufferevent_priority_set / get.
  int setPriority(int priority);
  int priority() const { return readEvent_.priority(); }

  // errno of the last ERROR reported through the event callback (0 if none).
  int socketError() const { return socketError_; }
  // A clear one-line reason for the last connect failure, if any.
  const std::string& lastErrorText() const { return lastErrorText_; }

  // Largest single read / write (libevent's max_single_read/_write).
  void setMaxSingleRead(size_t n) { maxSingleRead_ = n ? n : 1; }
  void setMaxSingleWrite(size_t n) { maxSingleWrite_ = n ? n : 1; }
  size_t maxSingleRead() const { return maxSingleRead_; }
  size_t maxSingleWrite() const { return maxSingleWrite_; }

  // Kernel queue sampling period while tracing is on (0 disables; default 100 ms).
  // Sampling starts at the next I/O once tracing is enabled.
  void setKernelSampleInterval(Nanos interval);

  // Tracing identity: the owner tag of its events (allocateOwnerTag()) and the
  // events themselves (their ids label trace records).
  uint32_t ownerTag() const { return owner_; }
  const Event& readEvent() const { return readEvent_; }
  const Event& writeEvent() const { return writeEvent_; }
  // "conn" by default: events are labelled "<prefix> <number> read|write", the
  // number being the owner tag unless setLabelNumber() gave one (a workload's own
  // count of its connections, 1, 2, ...; 0 = the owner tag again).
  void setLabelPrefix(std::string_view prefix);
  void setLabelNumber(uint32_t number);
  // libevent 2.1 details the compat layer turns on (off by default: native
  // users rely on the high watermark to pause without being re-polled, and
  // may use both ends of both buffers):
  // - bufferevent_inbuf_wm_check: a read callback that leaves the input at or
  //   above the read high watermark (EV_READ enabled) is called again,
  //   deferred, since reading is suspended and no new data would trigger it;
  // - the input is frozen at its end and the output at its start except while
  //   the bufferevent itself reads or writes (and from setFd until then), so a
  //   user's evbuffer_add to the input or drain of the output returns -1.
  void setLibeventCompatible(bool on);
  // Opaque pointer for wrappers (e.g. the compat layer's struct bufferevent).
  void setUserHandle(void* handle) { userHandle_ = handle; }
  // Called each time the read and write events are (re)labelled: after they
  // were assigned anew (setFd, connect, setBase, a cleared timeout: new ids)
  // or renamed. The C API announces the program's callbacks for them there.
  using LabelledCallback = void (*)(BufferEvent* bev);
  void setLabelledCallback(LabelledCallback cb) { labelledCb_ = cb; }
  void* userHandle() const { return userHandle_; }

  // Counters: bytes moved and the read/write syscalls made for them.
  uint64_t bytesRead() const { return bytesRead_; }
  uint64_t bytesWritten() const { return bytesWritten_; }
  uint64_t readCalls() const { return readCalls_; }
  uint64_t writeCalls() const { return writeCalls_; }

 private:
  BufferEvent(EventBase* base, int fd, int options);
  ~BufferEvent();

  enum : uint8_t { kSuspendWm = 0x01 };

  static void readCallback(int fd, short what, void* arg);
  static void writeCallback(int fd, short what, void* arg);
  static void deferredCallback(int fd, short what, void* arg);
  static void sampleCallback(int fd, short what, void* arg);
  static void inputChanged(Buffer* buf, const Buffer::ChangeInfo* info, void* arg);
  static void outputChanged(Buffer* buf, const Buffer::ChangeInfo* info, void* arg);

  // Pair transport (partner_ set).
  bool wantsToSendTo(const BufferEvent& reader) const;
  void sendToPartner(bool ignoreWatermarks);
  void pullFromPartner();

  void handleRead(short what);
  void handleWrite(short what);
  // One sendmsg of the output's head (MSG_NOSIGNAL). Bytes sent or -1 (errno).
  ssize_t sendOutput(int* err);
  void armWrite();
  void scheduleWrite();
  void assignEvents();
  void relabel();
  std::string labelFor(const char* what) const;
  int addRead();
  void suspendRead(uint8_t why);
  void unsuspendRead(uint8_t why);
  void runReadCb();
  void recallReadIfAboveHighWatermark();
  void runWriteCb();
  void runEventCb(short what, int err);
  void traceWatermarks();
  void maybeStartSampler();
  void scheduleDeferred();
  void enterCallback() { ++callbackDepth_; }
  void leaveCallback();

  EventBase* base_;
  int fd_;
  int options_;
  uint32_t owner_;
  std::string labelPrefix_ = "conn";
  uint32_t labelNumber_ = 0;  // 0: the owner tag
  Buffer input_;
  Buffer output_;
  Event readEvent_;
  Event writeEvent_;
  // Created on first use: most connections never defer or sample.
  std::unique_ptr<Event> deferredEvent_;
  std::unique_ptr<Event> sampleEvent_;

  DataCallback readCb_ = nullptr;
  DataCallback writeCb_ = nullptr;
  StatusCallback eventCb_ = nullptr;
  void* ctx_ = nullptr;
  void* userHandle_ = nullptr;
  LabelledCallback labelledCb_ = nullptr;
  BufferEvent* partner_ = nullptr;  // the other half of a pair; never owned
  bool pairElement_ = false;         // made by createPair (partner_ may be gone)

  short enabled_ = kEvWrite;
  uint8_t readSuspended_ = 0;
  bool connecting_ = false;
  bool connectionRefused_ = false;
  // The write event is active through enable() in place of libevent's pending
  // one that fires at once (setPriority() may move it); until it runs or is disabled.
  bool writeStandsInForAdd_ = false;
  bool freed_ = false;
  bool libeventCompatible_ = false;
  int callbackDepth_ = 0;

  size_t readLow_ = 0, readHigh_ = 0, writeLow_ = 0, writeHigh_ = 0;
  Nanos readTimeout_ = -1, writeTimeout_ = -1;
  size_t maxSingleRead_ = 64 * 1024;
  size_t maxSingleWrite_ = 256 * 1024;
  Nanos sampleInterval_ = 100 * kNsPerMs;

  // DEFER_CALLBACKS state (libevent's readcb_pending & co).
  bool readPending_ = false;
  bool writePending_ = false;
  short eventPending_ = 0;
  int errnoPending_ = 0;

  int socketError_ = 0;
  InetAddress connectAddr_;
  std::string lastErrorText_;
  uint64_t bytesRead_ = 0, bytesWritten_ = 0, readCalls_ = 0, writeCalls_ = 0;
};

using BufferEventPtr = std::unique_ptr<BufferEvent, BufferEvent::Deleter>;

}  // namespace rs

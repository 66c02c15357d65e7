// rs::Buffer: the libevent 2.1 evbuffer, reimplemented. A byte queue stored as a
// singly linked chain of heap blocks so that appending never moves old bytes,
// moving a whole buffer into another (addBuffer) only relinks blocks, and a
// socket read or write touches several blocks in one readv/writev.
//
// Thread contract: not thread-safe. A Buffer is owned by one loop thread and
// every method, callbacks included, runs on that thread.
//
// One block (a single malloc: header followed by its storage):
//
//   +--------+------------------+----------------------+-------------------+
//   | header |   misalign       |   readable (off)     |   writable        |
//   |        | (drained or free |   bytes in the       |   (space)         |
//   |        |  room to prepend)|   buffer             |                   |
//   +--------+------------------+----------------------+-------------------+
//            0        <=     misalign     <=     misalign+off   <=   capacity
//
// The chain:
//
//   first_ -> [data] -> [data] -> ... -> [data] -> [empty] -> [empty] -> null
//                                           ^                    ^
//                                      lastWithData_           last_
//
// Every block up to lastWithData_ holds at least one byte; blocks after it are
// empty (misalign 0) and only exist as room handed out by reserveSpace() or
// expand(). An empty buffer has lastWithData_ == nullptr and may keep empty
// blocks. One more emptied block may be parked in spare_ (outside the chain) so
// the steady read -> addBuffer -> write -> drain cycle of a relay or echo server
// runs without malloc.
#pragma once
#include <sys/types.h>
#include <sys/uio.h>

#include <cstdarg>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace rs {

// libevent's enum evbuffer_eol_style, same values (the compat layer casts).
enum class EolStyle : int {
  Any = 0,         // any run of '\r' and '\n' characters ends the line
  Crlf = 1,        // "\n", optionally preceded by '\r'
  CrlfStrict = 2,  // exactly "\r\n"
  Lf = 3,          // "\n"
  Nul = 4,         // a single '\0' byte
};

class Buffer {
 public:
  // evbuffer_cb_info: the buffer held origSize bytes before the change.
  struct ChangeInfo {
    size_t origSize = 0;
    size_t nAdded = 0;
    size_t nDeleted = 0;
  };
  using ChangeCallback = std::function<void(const Buffer&, const ChangeInfo&)>;
  // evbuffer_cb_func shape, so the C compat layer needs no trampoline.
  using RawChangeCallback = void (*)(Buffer*, const ChangeInfo*, void*);
  using CallbackId = uint64_t;

  static constexpr int kMaxWriteIovecs = 64;
  static constexpr size_t kReadSpillBytes = 64 * 1024;

  Buffer() = default;
  ~Buffer();
  Buffer(Buffer&& other) noexcept;
  Buffer& operator=(Buffer&& other) noexcept;
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;

  // evbuffer_get_length.
  size_t length() const { return length_; }
  // evbuffer_get_contiguous_space: readable bytes in the first block.
  size_t firstBlockLength() const { return first_ != nullptr ? first_->off : 0; }
  // Number of blocks in the chain, empty ones included (diagnostics and tests).
  size_t blockCount() const;

  // evbuffer_add: 0, or -1 (end frozen, overflow, out of memory; nothing added).
  int add(const void* data, size_t n);
  // evbuffer_add_printf / evbuffer_add_vprintf: bytes added or -1.
  int addPrintf(const char* fmt, ...) __attribute__((format(printf, 2, 3)));
  int addVprintf(const char* fmt, va_list ap);
  // evbuffer_add_buffer: moves every block of src to the end of this buffer
  // without copying bytes; src ends empty. 0, or -1 when frozen.
  int addBuffer(Buffer& src);
  // evbuffer_prepend: 0 or -1.
  int prepend(const void* data, size_t n);
  // evbuffer_prepend_buffer: moves src's blocks in front of this buffer's. 0 or -1.
  int prependBuffer(Buffer& src);
  // evbuffer_remove: copies out and drains up to n bytes; returns that count or -1.
  ssize_t remove(void* out, size_t n);
  // evbuffer_remove_buffer: moves up to n bytes to the end of dst, relinking
  // whole blocks and copying only the split one. Returns the count moved or -1.
  ssize_t removeBuffer(Buffer& dst, size_t n);
  // evbuffer_drain: 0 or -1 (start frozen). Draining more than length() empties.
  int drain(size_t n);
  // evbuffer_copyout: copies up to n bytes without removing them; count or -1.
  ssize_t copyout(void* out, size_t n) const;
  // evbuffer_copyout_from: same, starting at byte pos (-1 if pos > length()).
  ssize_t copyoutFrom(size_t pos, void* out, size_t n) const;
  // evbuffer_pullup: makes the first n bytes (all for n < 0) contiguous and
  // returns them; nullptr when n is 0, more than length(), or memory runs out.
  unsigned char* pullup(ssize_t n);

  // evbuffer_search / evbuffer_search_range: position of the first match that
  // starts at or after start (and, for searchRange, ends at or before end), or
  // -1. Matches may span blocks. An empty pattern matches at start.
  ssize_t search(const char* what, size_t len, size_t start = 0) const;
  ssize_t searchRange(const char* what, size_t len, size_t start, size_t end) const;
  // evbuffer_search_eol: position of the first EOL at or after start, or -1;
  // *eolLen (if given) gets the EOL's length, 0 when none was found.
  ssize_t searchEol(size_t start, EolStyle style, size_t* eolLen = nullptr) const;
  // evbuffer_readln: removes one line and its EOL; the EOL is not returned.
  // std::nullopt when no complete line is buffered (or the start is frozen).
  std::optional<std::string> readln(EolStyle style);
  // The C form: a malloc'd NUL-terminated line the caller frees, or nullptr.
  // *nReadOut (if given) gets the line length (lines may contain NULs), 0 on
  // failure.
  char* readlnMalloc(size_t* nReadOut, EolStyle style);

  // evbuffer_peek: points vec at the readable extents covering the first len
  // bytes (all of them for len < 0) without copying. Returns the number of
  // extents needed, which can exceed nvec (nvec 0 only counts).
  int peek(ssize_t len, struct iovec* vec, int nvec) const;
  // evbuffer_peek with a start pointer: the first extent begins at byte start
  // and is always reported. 0 when start == length(), -1 when start > length().
  int peekAt(size_t start, ssize_t len, struct iovec* vec, int nvec) const;

  // evbuffer_reserve_space: hands out at least size writable bytes at the end
  // as up to nvec extents (one when nvec is 1). Returns the extent count or -1.
  // The space becomes readable only through commitSpace(); any other mutation
  // in between invalidates the reservation.
  int reserveSpace(ssize_t size, struct iovec* vec, int nvec);
  // evbuffer_commit_space: commits the (possibly shortened) extents returned by
  // reserveSpace. 0, or -1 if they do not match this buffer's free space.
  int commitSpace(struct iovec* vec, int nvec);
  // evbuffer_expand: after this, adding n bytes allocates nothing. 0 or -1.
  int expand(size_t n);

  // One readv into the free tail of the last block plus a 64 KiB stack
  // spill-over that is appended afterwards: no FIONREAD round trip, and one
  // call drains most socket buffers. maxRead 0 means no cap. Returns the bytes
  // read, 0 at EOF, or -1 with errno (also stored in *savedErrno if given).
  ssize_t readFromFd(int fd, size_t maxRead = 0, int* savedErrno = nullptr);
  // One writev over up to kMaxWriteIovecs blocks (at most maxWrite bytes);
  // drains what the kernel took. Returns that count, or -1 with errno.
  ssize_t writeToFd(int fd, size_t maxWrite = SIZE_MAX, int* savedErrno = nullptr);

  // Change callbacks (evbuffer_add_cb). They run after each mutation that
  // changed the length, most recently added first, as libevent does. A callback
  // may mutate the buffer or add/remove callbacks (itself included).
  CallbackId addCallback(ChangeCallback cb);
  CallbackId addCallback(RawChangeCallback cb, void* arg);
  // false if id is unknown.
  bool removeCallback(CallbackId id);
  // evbuffer_remove_cb: removes the first (newest) entry with this cb and arg.
  bool removeCallback(RawChangeCallback cb, void* arg);
  // EVBUFFER_CB_ENABLED; a disabled callback stays registered but is skipped.
  bool setCallbackEnabled(CallbackId id, bool enabled);
  // EVBUFFER_CB_NODEFER: runs immediately even when callbacks are deferred.
  bool setCallbackNoDefer(CallbackId id, bool noDefer);
  // evbuffer_defer_callbacks: with a scheduler set, changes accumulate and the
  // scheduler is called once per batch; the owner later calls
  // runDeferredCallbacks() (from its loop) to deliver the summed ChangeInfo.
  // An empty scheduler returns to immediate callbacks.
  void setDeferredCallbacks(std::function<void()> scheduler);
  void runDeferredCallbacks();

  // evbuffer_freeze / evbuffer_unfreeze: a frozen start refuses drains and
  // removals, a frozen end refuses additions (those calls return -1).
  void freeze(bool atStart);
  void unfreeze(bool atStart);
  bool isFrozen(bool atStart) const { return atStart ? frozenStart_ : frozenEnd_; }

  // Block sizes and growth as libevent 2.1.12's evbuffer (the C compat layer
  // switches this on for every evbuffer it hands out): the first block holds
  // 976 bytes (1024 with libevent's 48-byte chain header), appends double the
  // next block up to 4096, no block is parked for reuse, expand() may resize
  // the last block, reads fill up to 4 blocks as FIONREAD-sized reads do, and peek()
  // reports empty blocks at the end as libevent does. So evbuffer_peek counts,
  // evbuffer_get_contiguous_space, reserve_space and pullup match libevent's.
  // Off (the default): bigger blocks, a parked spare block and a 64 KiB read
  // spill, for throughput. Set it while the buffer is empty.
  void setLibeventCompatible(bool on) { libeventChains_ = on; }
  bool libeventCompatible() const { return libeventChains_; }

  // evbuffer_validate-style self check: empty when every invariant holds,
  // otherwise a description of the first broken one.
  std::string validate() const;

 private:
  struct Block {
    Block* next;
    size_t capacity;
    size_t misalign;
    size_t off;
    char* data() { return reinterpret_cast<char*>(this + 1); }
    const char* data() const { return reinterpret_cast<const char*>(this + 1); }
    char* begin() { return data() + misalign; }
    const char* begin() const { return data() + misalign; }
    char* spacePtr() { return data() + misalign + off; }
    size_t space() const { return capacity - misalign - off; }
  };

  struct CallbackEntry {
    CallbackId id;
    ChangeCallback fn;
    RawChangeCallback raw;
    void* arg;
    bool enabled;
    bool noDefer;
    bool removed;
  };

  static Block* allocateBlock(size_t minCapacity, bool libeventSizes);
  static size_t growthCapacity(const Block* previous, size_t needed);
  static size_t libeventGrowthCapacity(const Block* previous, size_t needed);
  static bool shouldRealign(const Block* b, size_t n);
  static void align(Block* b);

  Block* takeBlock(size_t minCapacity);
  void recycleBlock(Block* b);
  void recycleChain(Block* b);
  void appendBlock(Block* b);
  void freeTrailingEmptyBlocks();
  // Unlinks src's data blocks (first .. lastWithData) for addBuffer/prependBuffer:
  // src keeps its empty reserved tail blocks and ends empty. Returns the bytes moved.
  static size_t detachDataBlocks(Buffer& src, Block** head, Block** tail);
  void resetChain();
  Block* firstBlockWithSpace() const;
  void relinkAfterCommit();
  bool appendCopy(const char* p, size_t n);
  bool appendCopyLibevent(const char* p, size_t n);
  void insertBlockAtEnd(Block* b);
  bool resizeLastDataBlock(size_t n);
  ssize_t readFromFdLibevent(int fd, size_t maxRead, int* savedErrno);
  int spaceExtents(size_t n, struct iovec* vec, int nvec, bool exact);
  static ssize_t readvSavingErrno(int fd, const struct iovec* vec, int nvec, int* savedErrno);
  void drainFront(size_t n);
  void copyFrom(const Block* b, size_t offInBlock, char* out, size_t n) const;
  bool locate(size_t pos, const Block** block, size_t* offInBlock) const;
  ssize_t findByte(size_t start, char c, char* prevByte) const;
  ssize_t findEolChar(size_t start, size_t* runLength) const;
  bool matchesAt(const Block* b, size_t offInBlock, const char* what, size_t len) const;
  Block* expandSingleBlock(size_t n);
  int expandFast(size_t n, int nvec);
  void releaseAll();

  // The no-callback case costs one branch: this sits on every mutation.
  void notify(size_t added, size_t deleted) {
    if (!callbacks_.empty()) notifySlow(added, deleted);
  }
  void notifySlow(size_t added, size_t deleted);
  void runCallbacks(const ChangeInfo& info, bool deferredPass, bool noDeferOnly);
  void compactCallbacks();

  Block* first_ = nullptr;
  Block* last_ = nullptr;
  Block* lastWithData_ = nullptr;
  Block* spare_ = nullptr;
  size_t length_ = 0;
  bool frozenStart_ = false;
  bool frozenEnd_ = false;
  bool libeventChains_ = false;

  // unique_ptr keeps an entry's address stable while its callback runs, even
  // if that callback registers another one and the vector reallocates.
  std::vector<std::unique_ptr<CallbackEntry>> callbacks_;
  CallbackId nextCallbackId_ = 1;
  int callbackDepth_ = 0;
  bool callbacksNeedCompaction_ = false;
  std::function<void()> deferScheduler_;
  bool deferredScheduled_ = false;
  size_t pendingAdded_ = 0;
  size_t pendingDeleted_ = 0;
};

}  // namespace rs

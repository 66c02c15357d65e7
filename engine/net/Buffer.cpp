#include "net/Buffer.h"

#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <utility>

namespace rs {

namespace {

// Sizes are whole allocations (header included) so malloc sees round numbers.
constexpr size_t kMinBlockBytes = 4096;
// Appends grow the next block by doubling up to this; bigger single adds get a
// block of their own size.
constexpr size_t kMaxAutoBlockBytes = 16 * 1024;
// Up to here allocations are rounded to a power of two, beyond to whole pages.
constexpr size_t kPow2LimitBytes = 64 * 1024;
constexpr size_t kPageBytes = 4096;
// Moving a few bytes to the front of their block is cheaper than a new block,
// but only while the move stays small next to the block.
constexpr size_t kMaxRealignBytes = 2048;
// A read into less free tail than this would mostly land in the stack spill
// and be copied again; start a fresh block instead.
constexpr size_t kMinReadSpace = 1024;

// libevent 2.1.12's figures (64-bit): a chain is one malloc of a power of two
// from MIN_BUFFER_SIZE up, 48 bytes of it the header (struct evbuffer_chain);
// evbuffer_add doubles the next chain's data size while it is at most half of
// EVBUFFER_CHAIN_MAX_AUTO_SIZE; evbuffer_expand resizes a block only while it
// holds at most MAX_TO_COPY_IN_EXPAND bytes; evbuffer_read reads at most
// EVBUFFER_MAX_READ bytes into at most NUM_READ_IOVEC blocks.
constexpr size_t kLibeventChainHeader = 48, kLibeventMinChainBytes = 1024, kLibeventMaxAutoSize = 4096,
                 kLibeventMaxCopyInExpand = 4096, kLibeventMaxRead = 4096;
constexpr int kLibeventReadIovecs = 4;

// evbuffer_chain_new's data size for a request of minCapacity bytes.
size_t libeventChainCapacity(size_t minCapacity) {
  const size_t need = minCapacity + kLibeventChainHeader;
  if (need >= SIZE_MAX / 4) return minCapacity;
  size_t total = kLibeventMinChainBytes;
  while (total < need) total <<= 1;
  return total - kLibeventChainHeader;
}

}  // namespace

// ---------------------------------------------------------------------------
// Block management

Buffer::Block* Buffer::allocateBlock(size_t minCapacity, bool libeventSizes) {
  constexpr size_t kHeader = sizeof(Block);
  if (minCapacity > SIZE_MAX / 4) return nullptr;
  const size_t need = minCapacity + kHeader;
  size_t total;
  if (libeventSizes) {
    total = libeventChainCapacity(minCapacity) + kHeader;
  } else if (need <= kMinBlockBytes) {
    total = kMinBlockBytes;
  } else if (need <= kPow2LimitBytes) {
    total = std::bit_ceil(need);
  } else {
    total = (need + kPageBytes - 1) & ~(kPageBytes - 1);
  }
  void* mem = std::malloc(total);
  if (mem == nullptr) return nullptr;
  return ::new (mem) Block{nullptr, total - kHeader, 0, 0};
}

size_t Buffer::growthCapacity(const Block* previous, size_t needed) {
  const size_t previousBytes = previous != nullptr ? previous->capacity + sizeof(Block) : 0;
  const size_t target =
      std::clamp(previousBytes * 2, kMinBlockBytes, kMaxAutoBlockBytes) - sizeof(Block);
  return std::max(target, needed);
}

// evbuffer_add's next chain: twice the last one's size while that is at most
// half of EVBUFFER_CHAIN_MAX_AUTO_SIZE, and never less than the data.
size_t Buffer::libeventGrowthCapacity(const Block* previous, size_t needed) {
  size_t target = previous->capacity;
  if (target <= kLibeventMaxAutoSize / 2) target <<= 1;
  return std::max(target, needed);
}

bool Buffer::shouldRealign(const Block* b, size_t n) {
  return b->capacity - b->off >= n && b->off < b->capacity / 2 && b->off <= kMaxRealignBytes;
}

void Buffer::align(Block* b) {
  if (b->misalign == 0) return;
  std::memmove(b->data(), b->begin(), b->off);
  b->misalign = 0;
}

Buffer::Block* Buffer::takeBlock(size_t minCapacity) {
  if (spare_ != nullptr && spare_->capacity >= minCapacity) {
    Block* b = spare_;
    spare_ = nullptr;
    return b;
  }
  return allocateBlock(minCapacity, libeventChains_);
}

void Buffer::recycleBlock(Block* b) {
  if (spare_ == nullptr && !libeventChains_ && b->capacity + sizeof(Block) <= kMaxAutoBlockBytes) {
    b->next = nullptr;
    b->misalign = 0;
    b->off = 0;
    spare_ = b;
  } else {
    std::free(b);
  }
}

void Buffer::recycleChain(Block* b) {
  while (b != nullptr) {
    Block* next = b->next;
    recycleBlock(b);
    b = next;
  }
}

void Buffer::appendBlock(Block* b) {
  b->next = nullptr;
  if (last_ != nullptr) {
    last_->next = b;
  } else {
    first_ = b;
  }
  last_ = b;
}

void Buffer::freeTrailingEmptyBlocks() {
  Block* victims = lastWithData_ != nullptr ? lastWithData_->next : first_;
  if (victims == nullptr) return;
  if (lastWithData_ != nullptr) {
    lastWithData_->next = nullptr;
  } else {
    first_ = nullptr;
  }
  last_ = lastWithData_;
  recycleChain(victims);
}

void Buffer::resetChain() {
  recycleChain(first_);
  first_ = last_ = lastWithData_ = nullptr;
  length_ = 0;
}

void Buffer::releaseAll() {
  Block* b = first_;
  while (b != nullptr) {
    Block* next = b->next;
    std::free(b);
    b = next;
  }
  std::free(spare_);
  first_ = last_ = lastWithData_ = spare_ = nullptr;
  length_ = 0;
}

Buffer::Block* Buffer::firstBlockWithSpace() const {
  Block* b = lastWithData_ != nullptr ? lastWithData_ : first_;
  if (b != nullptr && b->space() == 0) b = b->next;
  return b;
}

// After a commit some blocks past lastWithData_ gained bytes; advance it and
// unlink the empty blocks the user skipped so no empty block sits between data.
void Buffer::relinkAfterCommit() {
  Block* lastData = lastWithData_;
  for (Block* b = lastWithData_ != nullptr ? lastWithData_->next : first_; b != nullptr;
       b = b->next) {
    if (b->off != 0) lastData = b;
  }
  if (lastData == lastWithData_) return;
  Block* kept = lastWithData_;
  Block* b = lastWithData_ != nullptr ? lastWithData_->next : first_;
  while (b != lastData->next) {
    Block* next = b->next;
    if (b->off == 0) {
      recycleBlock(b);
    } else {
      if (kept != nullptr) {
        kept->next = b;
      } else {
        first_ = b;
      }
      kept = b;
    }
    b = next;
  }
  lastWithData_ = lastData;
}

// Copies n bytes to the end: into the last data block's tail, then into any
// empty blocks after it, then into at most one new block. The new block is
// allocated before anything is copied so a failure leaves the buffer as it was.
bool Buffer::appendCopy(const char* p, size_t n) {
  if (libeventChains_) return appendCopyLibevent(p, n);
  Block* b = lastWithData_ != nullptr ? lastWithData_ : first_;
  if (b != nullptr && b->off > 0 && b->space() < n && shouldRealign(b, n)) align(b);
  size_t room = 0;
  for (Block* t = b; t != nullptr && room < n; t = t->next) room += t->space();
  if (room < n) {
    Block* extra = takeBlock(growthCapacity(last_, n - room));
    if (extra == nullptr) return false;
    appendBlock(extra);
    if (b == nullptr) b = extra;
  }
  while (n > 0) {
    const size_t k = std::min(b->space(), n);
    if (k > 0) {
      std::memcpy(b->spacePtr(), p, k);
      b->off += k;
      length_ += k;
      p += k;
      n -= k;
      lastWithData_ = b;
    }
    if (n > 0) b = b->next;
  }
  return true;
}

// evbuffer_add: into the last data block (or the first block when none holds
// data), realigning it if that is cheap; otherwise what fits goes there and the
// rest into one new block, which replaces any empty blocks at the end.
// (libevent takes the last block of an empty buffer, which leaves empty blocks
// in front of the data when an abandoned reservation left several.)
bool Buffer::appendCopyLibevent(const char* p, size_t n) {
  Block* b = lastWithData_ != nullptr ? lastWithData_ : first_;
  if (b == nullptr) {
    b = takeBlock(n);
    if (b == nullptr) return false;
    appendBlock(b);
  }
  const size_t room = b->space();
  if (room < n && shouldRealign(b, n)) align(b);
  if (b->space() >= n) {
    std::memcpy(b->spacePtr(), p, n);
    b->off += n;
    length_ += n;
    if (n > 0) lastWithData_ = b;
    return true;
  }
  Block* extra = takeBlock(libeventGrowthCapacity(b, n));
  if (extra == nullptr) return false;
  if (room > 0) {
    std::memcpy(b->spacePtr(), p, room);
    b->off += room;
    length_ += room;
    lastWithData_ = b;
  }
  std::memcpy(extra->data(), p + room, n - room);
  extra->off = n - room;
  length_ += n - room;
  insertBlockAtEnd(extra);
  return true;
}

// evbuffer_chain_insert: b (holding data or not) goes after the last data
// block; the empty blocks that were there are freed.
void Buffer::insertBlockAtEnd(Block* b) {
  freeTrailingEmptyBlocks();
  appendBlock(b);
  if (b->off > 0) lastWithData_ = b;
}

// evbuffer_expand_singlechain's resize: the last data block is replaced by
// one that holds its bytes plus n more (they move to the new block's front).
// Worth it only while the old block would waste an eighth of itself and the
// copy stays small; false (nothing changed) otherwise or when out of memory.
bool Buffer::resizeLastDataBlock(size_t n) {
  Block* old = lastWithData_;
  if (old->space() < old->capacity / 8 || old->off > kLibeventMaxCopyInExpand) return false;
  Block* nb = takeBlock(old->off + n);
  if (nb == nullptr) return false;
  std::memcpy(nb->data(), old->begin(), old->off);
  nb->off = old->off;
  nb->next = old->next;
  if (first_ == old) {
    first_ = nb;
  } else {
    Block* prev = first_;
    while (prev->next != old) prev = prev->next;
    prev->next = nb;
  }
  if (last_ == old) last_ = nb;
  lastWithData_ = nb;
  recycleBlock(old);
  return true;
}

void Buffer::drainFront(size_t n) {
  if (n >= length_) {
    resetChain();
    return;
  }
  length_ -= n;
  // n < length_, so the loop stops before lastWithData_ is used up.
  while (n >= first_->off) {
    Block* b = first_;
    n -= b->off;
    first_ = b->next;
    recycleBlock(b);
  }
  first_->misalign += n;
  first_->off -= n;
}

void Buffer::copyFrom(const Block* b, size_t offInBlock, char* out, size_t n) const {
  while (n > 0) {
    const size_t k = std::min(b->off - offInBlock, n);
    std::memcpy(out, b->begin() + offInBlock, k);
    out += k;
    n -= k;
    b = b->next;
    offInBlock = 0;
  }
}

bool Buffer::locate(size_t pos, const Block** block, size_t* offInBlock) const {
  for (const Block* b = first_; b != nullptr && b->off > 0; b = b->next) {
    if (pos < b->off) {
      *block = b;
      *offInBlock = pos;
      return true;
    }
    pos -= b->off;
  }
  *block = nullptr;
  *offInBlock = 0;
  return pos == 0;
}

Buffer::Block* Buffer::expandSingleBlock(size_t n) {
  Block* b = lastWithData_ != nullptr ? lastWithData_ : first_;
  if (b != nullptr && b->space() == 0) b = b->next;
  if (b != nullptr) {
    if (b->space() >= n) return b;
    if (b->off > 0) {
      if (shouldRealign(b, n)) {
        align(b);
        return b;
      }
      if (libeventChains_) {
        if (resizeLastDataBlock(n)) return lastWithData_;
        if (b->next != nullptr && b->next->space() >= n) return b->next;
      }
      // The next block only when it is the last one: commitSpace() takes a
      // single extent in the first block with space or in the last block, so
      // one handed out between them (empty blocks of an abandoned reservation
      // behind it) could never be committed.
      if (b->next != nullptr && b->next == last_ && b->next->space() >= n) return b->next;
    }
  }
  // Nothing at the end fits: replace the empty tail with one block that does.
  freeTrailingEmptyBlocks();
  Block* nb = takeBlock(n);
  if (nb == nullptr) return nullptr;
  appendBlock(nb);
  return nb;
}

// Makes n bytes of room across the last nvec blocks without moving any data.
int Buffer::expandFast(size_t n, int nvec) {
  if (last_ == nullptr) {
    Block* nb = takeBlock(n);
    if (nb == nullptr) return -1;
    appendBlock(nb);
    return 0;
  }
  size_t avail = 0;
  int used = 0;
  for (Block* b = lastWithData_ != nullptr ? lastWithData_ : first_; b != nullptr; b = b->next) {
    if (b->off > 0) {
      if (b->space() > 0) {
        avail += b->space();
        ++used;
      }
    } else {
      b->misalign = 0;
      avail += b->capacity;
      ++used;
    }
    if (avail >= n) return 0;
    if (used == nvec) break;
  }
  if (used < nvec) {
    Block* nb = takeBlock(n - avail);
    if (nb == nullptr) return -1;
    appendBlock(nb);
    return 0;
  }
  // Too many small empty blocks: swap them all for a single big enough one.
  freeTrailingEmptyBlocks();
  avail = lastWithData_ != nullptr ? lastWithData_->space() : 0;
  Block* nb = takeBlock(n - avail);
  if (nb == nullptr) return -1;
  appendBlock(nb);
  return 0;
}

// ---------------------------------------------------------------------------
// Life cycle

Buffer::~Buffer() { releaseAll(); }

Buffer::Buffer(Buffer&& other) noexcept
    : first_(std::exchange(other.first_, nullptr)),
      last_(std::exchange(other.last_, nullptr)),
      lastWithData_(std::exchange(other.lastWithData_, nullptr)),
      spare_(std::exchange(other.spare_, nullptr)),
      length_(std::exchange(other.length_, 0)),
      frozenStart_(std::exchange(other.frozenStart_, false)),
      frozenEnd_(std::exchange(other.frozenEnd_, false)),
      libeventChains_(other.libeventChains_),
      callbacks_(std::move(other.callbacks_)),
      nextCallbackId_(other.nextCallbackId_),
      callbackDepth_(0),
      callbacksNeedCompaction_(std::exchange(other.callbacksNeedCompaction_, false)),
      deferScheduler_(std::move(other.deferScheduler_)),
      deferredScheduled_(std::exchange(other.deferredScheduled_, false)),
      pendingAdded_(std::exchange(other.pendingAdded_, 0)),
      pendingDeleted_(std::exchange(other.pendingDeleted_, 0)) {
  other.callbacks_.clear();
  other.deferScheduler_ = nullptr;
}

Buffer& Buffer::operator=(Buffer&& other) noexcept {
  if (this == &other) return *this;
  releaseAll();
  first_ = std::exchange(other.first_, nullptr);
  last_ = std::exchange(other.last_, nullptr);
  lastWithData_ = std::exchange(other.lastWithData_, nullptr);
  spare_ = std::exchange(other.spare_, nullptr);
  length_ = std::exchange(other.length_, 0);
  frozenStart_ = std::exchange(other.frozenStart_, false);
  frozenEnd_ = std::exchange(other.frozenEnd_, false);
  libeventChains_ = other.libeventChains_;
  callbacks_ = std::move(other.callbacks_);
  other.callbacks_.clear();
  nextCallbackId_ = other.nextCallbackId_;
  callbackDepth_ = 0;
  callbacksNeedCompaction_ = std::exchange(other.callbacksNeedCompaction_, false);
  deferScheduler_ = std::move(other.deferScheduler_);
  other.deferScheduler_ = nullptr;
  deferredScheduled_ = std::exchange(other.deferredScheduled_, false);
  pendingAdded_ = std::exchange(other.pendingAdded_, 0);
  pendingDeleted_ = std::exchange(other.pendingDeleted_, 0);
  return *this;
}

size_t Buffer::blockCount() const {
  size_t n = 0;
  for (const Block* b = first_; b != nullptr; b = b->next) ++n;
  return n;
}

// ---------------------------------------------------------------------------
// Adding

int Buffer::add(const void* data, size_t n) {
  if (frozenEnd_ || n > SIZE_MAX - length_) return -1;
  if (n == 0) return 0;
  if (!appendCopy(static_cast<const char*>(data), n)) return -1;
  notify(n, 0);
  return 0;
}

int Buffer::addPrintf(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  const int r = addVprintf(fmt, ap);
  va_end(ap);
  return r;
}

int Buffer::addVprintf(const char* fmt, va_list ap) {
  if (frozenEnd_) return -1;
  Block* b = expandSingleBlock(64);
  while (b != nullptr) {
    const size_t space = b->space();
    va_list aq;
    va_copy(aq, ap);
    const int sz = std::vsnprintf(b->spacePtr(), space, fmt, aq);
    va_end(aq);
    if (sz < 0) return -1;
    const size_t n = static_cast<size_t>(sz);
    if (n < space) {
      b->off += n;
      length_ += n;
      // b is lastWithData_ or the first empty block after it.
      if (n > 0) lastWithData_ = b;
      notify(n, 0);
      return sz;
    }
    b = expandSingleBlock(n + 1);
  }
  return -1;
}

size_t Buffer::detachDataBlocks(Buffer& src, Block** head, Block** tail) {
  const size_t n = src.length_;
  *head = src.first_;
  *tail = src.lastWithData_;
  src.first_ = (*tail)->next;
  if (src.first_ == nullptr) src.last_ = nullptr;
  src.lastWithData_ = nullptr;
  src.length_ = 0;
  (*tail)->next = nullptr;
  return n;
}

int Buffer::addBuffer(Buffer& src) {
  if (&src == this || src.length_ == 0) return 0;
  if (frozenEnd_ || src.frozenStart_) return -1;
  Block* head = nullptr;
  Block* tail = nullptr;
  const size_t n = detachDataBlocks(src, &head, &tail);
  if (libeventChains_ && src.first_ != nullptr) {
    // libevent moves src's empty blocks after the data too; src keeps none.
    tail->next = src.first_;
    src.first_ = src.last_ = nullptr;
  }

  freeTrailingEmptyBlocks();
  if (lastWithData_ != nullptr) {
    lastWithData_->next = head;
  } else {
    first_ = head;
  }
  lastWithData_ = tail;
  last_ = tail;
  while (last_->next != nullptr) last_ = last_->next;
  length_ += n;
  // In a relay this buffer drains what src reads; hand src our parked block so
  // its next read needs no malloc.
  if (src.spare_ == nullptr && spare_ != nullptr) src.spare_ = std::exchange(spare_, nullptr);

  src.notify(0, n);
  notify(n, 0);
  return 0;
}

int Buffer::prepend(const void* data, size_t n) {
  if (n == 0) return 0;
  if (frozenStart_ || n > SIZE_MAX - length_) return -1;
  const char* p = static_cast<const char*>(data);
  Block* b = first_;
  if (b == nullptr) {
    b = takeBlock(n);
    if (b == nullptr) return -1;
    appendBlock(b);
  }
  const bool wasEmpty = b->off == 0;
  // An empty block's room counts as room in front.
  if (wasEmpty) b->misalign = b->capacity;
  if (b->misalign >= n) {
    b->misalign -= n;
    std::memcpy(b->begin(), p, n);
    b->off += n;
  } else {
    const size_t rest = n - b->misalign;
    Block* nb = takeBlock(rest);
    if (nb == nullptr) {
      if (wasEmpty) b->misalign = 0;
      return -1;
    }
    // The tail of the data fills b's front room, the head goes in nb.
    std::memcpy(b->data(), p + rest, b->misalign);
    b->off += b->misalign;
    b->misalign = 0;
    nb->misalign = nb->capacity - rest;
    nb->off = rest;
    std::memcpy(nb->begin(), p, rest);
    nb->next = first_;
    first_ = nb;
  }
  if (lastWithData_ == nullptr) lastWithData_ = b;
  length_ += n;
  notify(n, 0);
  return 0;
}

int Buffer::prependBuffer(Buffer& src) {
  if (&src == this || src.length_ == 0) return 0;
  if (frozenStart_ || src.frozenStart_) return -1;
  Block* head = nullptr;
  Block* tail = nullptr;
  const size_t n = detachDataBlocks(src, &head, &tail);

  // Our blocks (data, or only empty ones when we hold nothing) follow src's.
  tail->next = first_;
  first_ = head;
  if (lastWithData_ == nullptr) lastWithData_ = tail;
  if (last_ == nullptr) last_ = tail;
  length_ += n;

  src.notify(0, n);
  notify(n, 0);
  return 0;
}

// ---------------------------------------------------------------------------
// Removing and reading

int Buffer::drain(size_t n) {
  if (length_ == 0) return 0;
  if (frozenStart_) return -1;
  n = std::min(n, length_);
  if (n == 0) return 0;
  drainFront(n);
  notify(0, n);
  return 0;
}

ssize_t Buffer::remove(void* out, size_t n) {
  const ssize_t got = copyout(out, n);
  if (got > 0 && drain(static_cast<size_t>(got)) < 0) return -1;
  return got;
}

ssize_t Buffer::removeBuffer(Buffer& dst, size_t n) {
  if (n == 0 || &dst == this) return 0;
  if (dst.frozenEnd_ || frozenStart_) return -1;
  if (n >= length_) {
    const size_t all = length_;
    return dst.addBuffer(*this) < 0 ? -1 : static_cast<ssize_t>(all);
  }
  size_t moved = 0;
  Block* head = first_;
  Block* lastMoved = nullptr;
  Block* b = first_;
  // n < length_: the loop stops inside the data, before running out of blocks.
  while (b->off <= n - moved) {
    moved += b->off;
    lastMoved = b;
    b = b->next;
  }
  if (lastMoved != nullptr) {
    first_ = b;
    lastMoved->next = nullptr;
    length_ -= moved;
    dst.freeTrailingEmptyBlocks();
    if (dst.lastWithData_ != nullptr) {
      dst.lastWithData_->next = head;
    } else {
      dst.first_ = head;
    }
    dst.lastWithData_ = lastMoved;
    dst.last_ = lastMoved;
    dst.length_ += moved;
  }
  const size_t split = n - moved;
  if (split > 0 && dst.appendCopy(b->begin(), split)) {
    b->misalign += split;
    b->off -= split;
    length_ -= split;
    moved += split;
  }
  if (moved > 0) {
    dst.notify(moved, 0);
    notify(0, moved);
  }
  return static_cast<ssize_t>(moved);
}

ssize_t Buffer::copyout(void* out, size_t n) const { return copyoutFrom(0, out, n); }

ssize_t Buffer::copyoutFrom(size_t pos, void* out, size_t n) const {
  if (pos > length_) return -1;
  n = std::min(n, length_ - pos);
  if (n == 0) return 0;
  if (frozenStart_) return -1;
  const Block* b;
  size_t off;
  locate(pos, &b, &off);
  copyFrom(b, off, static_cast<char*>(out), n);
  return static_cast<ssize_t>(n);
}

unsigned char* Buffer::pullup(ssize_t n) {
  const size_t size = n < 0 ? length_ : static_cast<size_t>(n);
  if (size == 0 || size > length_) return nullptr;
  Block* f = first_;
  if (f->off >= size) return reinterpret_cast<unsigned char*>(f->begin());

  // Gather into the first block when it can hold size bytes, else a new one.
  Block* target;
  Block* b;
  size_t remaining;
  // libevent never realigns here: the first block serves only if the bytes
  // fit after its misalign.
  const size_t usable = libeventChains_ ? f->capacity - f->misalign : f->capacity;
  if (usable >= size) {
    if (f->capacity - f->misalign < size) align(f);
    target = f;
    remaining = size - f->off;
    b = f->next;
  } else {
    target = takeBlock(size);
    if (target == nullptr) return nullptr;
    remaining = size;
    b = f;
  }
  char* dst = target->spacePtr();
  bool consumedLastWithData = false;
  while (remaining > 0) {
    const size_t k = std::min(b->off, remaining);
    std::memcpy(dst, b->begin(), k);
    dst += k;
    remaining -= k;
    if (k == b->off) {
      Block* next = b->next;
      if (b == lastWithData_) consumedLastWithData = true;
      recycleBlock(b);
      b = next;
    } else {
      b->misalign += k;
      b->off -= k;
    }
  }
  target->off = size;
  target->next = b;
  first_ = target;
  if (consumedLastWithData) lastWithData_ = target;
  if (b == nullptr) last_ = target;
  return reinterpret_cast<unsigned char*>(target->begin());
}

// ---------------------------------------------------------------------------
// Searching

bool Buffer::matchesAt(const Block* b, size_t offInBlock, const char* what, size_t len) const {
  while (len > 0) {
    if (b == nullptr || b->off == 0) return false;
    const size_t k = std::min(b->off - offInBlock, len);
    if (std::memcmp(b->begin() + offInBlock, what, k) != 0) return false;
    what += k;
    len -= k;
    b = b->next;
    offInBlock = 0;
  }
  return true;
}

ssize_t Buffer::search(const char* what, size_t len, size_t start) const {
  return searchRange(what, len, start, SIZE_MAX);
}

ssize_t Buffer::searchRange(const char* what, size_t len, size_t start, size_t end) const {
  if (start > length_) return -1;
  // libevent answers an empty pattern with the start position.
  if (len == 0) return static_cast<ssize_t>(start);
  const Block* b;
  size_t off;
  locate(start, &b, &off);
  const size_t limit = std::min(end, length_);
  size_t pos = start;
  while (b != nullptr && b->off > 0) {
    if (pos > limit || limit - pos < len) return -1;
    const char* base = b->begin();
    const void* hit = std::memchr(base + off, what[0], b->off - off);
    if (hit == nullptr) {
      pos += b->off - off;
      b = b->next;
      off = 0;
      continue;
    }
    const size_t k = static_cast<size_t>(static_cast<const char*>(hit) - base);
    pos += k - off;
    off = k;
    // The first byte may lie past the limit already (pos > limit).
    if (pos > limit || limit - pos < len) return -1;
    if (matchesAt(b, off, what, len)) return static_cast<ssize_t>(pos);
    ++pos;
    if (++off == b->off) {
      b = b->next;
      off = 0;
    }
  }
  return -1;
}

ssize_t Buffer::findByte(size_t start, char c, char* prevByte) const {
  const Block* b;
  size_t off;
  if (!locate(start, &b, &off)) return -1;
  size_t pos = start;
  char lastOfPrevious = 0;
  while (b != nullptr && b->off > 0) {
    const char* base = b->begin();
    const void* hit = std::memchr(base + off, c, b->off - off);
    if (hit != nullptr) {
      const size_t k = static_cast<size_t>(static_cast<const char*>(hit) - base);
      pos += k - off;
      if (prevByte != nullptr) *prevByte = k > 0 ? base[k - 1] : lastOfPrevious;
      return static_cast<ssize_t>(pos);
    }
    pos += b->off - off;
    lastOfPrevious = base[b->off - 1];
    b = b->next;
    off = 0;
  }
  return -1;
}

// First '\r' or '\n' at or after start; *runLength gets the length of the
// run of '\r'/'\n' bytes beginning there (it may cross blocks).
ssize_t Buffer::findEolChar(size_t start, size_t* runLength) const {
  const Block* b;
  size_t off;
  if (!locate(start, &b, &off)) return -1;
  size_t pos = start;
  while (b != nullptr && b->off > 0) {
    const char* base = b->begin();
    const char* from = base + off;
    const size_t n = b->off - off;
    const char* cr = static_cast<const char*>(std::memchr(from, '\r', n));
    const size_t lfScan = cr != nullptr ? static_cast<size_t>(cr - from) : n;
    const char* lf = static_cast<const char*>(std::memchr(from, '\n', lfScan));
    const char* hit = lf != nullptr ? lf : cr;
    if (hit != nullptr) {
      const size_t k = static_cast<size_t>(hit - base);
      pos += k - off;
      size_t run = 0;
      const Block* r = b;
      size_t i = k;
      while (r != nullptr && r->off > 0) {
        const char* rb = r->begin();
        while (i < r->off && (rb[i] == '\r' || rb[i] == '\n')) {
          ++run;
          ++i;
        }
        if (i < r->off) break;
        r = r->next;
        i = 0;
      }
      *runLength = run;
      return static_cast<ssize_t>(pos);
    }
    pos += n;
    b = b->next;
    off = 0;
  }
  return -1;
}

ssize_t Buffer::searchEol(size_t start, EolStyle style, size_t* eolLen) const {
  size_t extra = 0;
  ssize_t pos = -1;
  switch (style) {
    case EolStyle::Any:
      pos = findEolChar(start, &extra);
      break;
    case EolStyle::Crlf: {
      char prev = 0;
      pos = findByte(start, '\n', &prev);
      extra = 1;
      // A '\r' just before the '\n' belongs to the EOL, but never one before start.
      if (pos > static_cast<ssize_t>(start) && prev == '\r') {
        --pos;
        extra = 2;
      }
      break;
    }
    case EolStyle::CrlfStrict:
      pos = search("\r\n", 2, start);
      extra = 2;
      break;
    case EolStyle::Lf:
      pos = findByte(start, '\n', nullptr);
      extra = 1;
      break;
    case EolStyle::Nul:
      pos = findByte(start, '\0', nullptr);
      extra = 1;
      break;
  }
  if (pos < 0) extra = 0;
  if (eolLen != nullptr) *eolLen = extra;
  return pos;
}

// libevent removes the line and then drains the EOL, notifying after each;
// keeping both steps keeps callback counts identical.
char* Buffer::readlnMalloc(size_t* nReadOut, EolStyle style) {
  if (nReadOut != nullptr) *nReadOut = 0;
  if (frozenStart_) return nullptr;
  size_t eol = 0;
  const ssize_t pos = searchEol(0, style, &eol);
  if (pos < 0) return nullptr;
  const size_t n = static_cast<size_t>(pos);
  char* line = static_cast<char*>(std::malloc(n + 1));
  if (line == nullptr) return nullptr;
  if (n > 0) {
    copyFrom(first_, 0, line, n);
    drainFront(n);
    notify(0, n);
  }
  line[n] = '\0';
  drain(eol);
  if (nReadOut != nullptr) *nReadOut = n;
  return line;
}

std::optional<std::string> Buffer::readln(EolStyle style) {
  if (frozenStart_) return std::nullopt;
  size_t eol = 0;
  const ssize_t pos = searchEol(0, style, &eol);
  if (pos < 0) return std::nullopt;
  const size_t n = static_cast<size_t>(pos);
  std::string line(n, '\0');
  if (n > 0) {
    copyFrom(first_, 0, line.data(), n);
    drainFront(n);
    notify(0, n);
  }
  drain(eol);
  return line;
}

// ---------------------------------------------------------------------------
// Zero-copy access

int Buffer::peek(ssize_t len, struct iovec* vec, int nvec) const {
  if (nvec == 0 && len < 0) len = static_cast<ssize_t>(length_);
  int idx = 0;
  size_t soFar = 0;
  // libevent reports the empty blocks at the end as extents of length 0.
  for (const Block* b = first_; b != nullptr && (b->off > 0 || libeventChains_); b = b->next) {
    if (len >= 0 && soFar >= static_cast<size_t>(len)) break;
    if (idx < nvec) {
      vec[idx].iov_base = const_cast<char*>(b->begin());
      vec[idx].iov_len = b->off;
    } else if (len < 0) {
      break;
    }
    ++idx;
    soFar += b->off;
  }
  return idx;
}

int Buffer::peekAt(size_t start, ssize_t len, struct iovec* vec, int nvec) const {
  if (start > length_) return -1;
  if (start == length_) return 0;
  const Block* b;
  size_t off;
  locate(start, &b, &off);
  size_t soFar = b->off - off;
  if (nvec > 0) {
    vec[0].iov_base = const_cast<char*>(b->begin() + off);
    vec[0].iov_len = soFar;
  }
  int idx = 1;
  if (nvec == 0 && len < 0) len = static_cast<ssize_t>(length_ - start);
  for (b = b->next; b != nullptr && (b->off > 0 || libeventChains_); b = b->next) {
    if (len >= 0 && soFar >= static_cast<size_t>(len)) break;
    if (idx < nvec) {
      vec[idx].iov_base = const_cast<char*>(b->begin());
      vec[idx].iov_len = b->off;
    } else if (len < 0) {
      break;
    }
    ++idx;
    soFar += b->off;
  }
  return idx;
}

int Buffer::reserveSpace(ssize_t size, struct iovec* vec, int nvec) {
  if (frozenEnd_ || nvec < 1 || size < 0) return -1;
  const size_t n = static_cast<size_t>(size);
  if (nvec == 1) {
    Block* b = expandSingleBlock(n);
    if (b == nullptr) return -1;
    vec[0].iov_base = b->spacePtr();
    vec[0].iov_len = b->space();
    return 1;
  }
  if (expandFast(n, nvec) < 0) return -1;
  return spaceExtents(n, vec, nvec, false);
}

// evbuffer_read_setup_vecs_: the free space from the first block with room
// on, until n bytes are covered or nvec extents used; exact trims the extents
// to n bytes in total.
int Buffer::spaceExtents(size_t n, struct iovec* vec, int nvec, bool exact) {
  int i = 0;
  size_t soFar = 0;
  for (Block* b = firstBlockWithSpace(); i < nvec && soFar < n && b != nullptr; ++i, b = b->next) {
    vec[i].iov_base = b->spacePtr();
    vec[i].iov_len = exact ? std::min(b->space(), n - soFar) : b->space();
    soFar += vec[i].iov_len;
  }
  return i;
}

ssize_t Buffer::readvSavingErrno(int fd, const struct iovec* vec, int nvec, int* savedErrno) {
  const ssize_t n = ::readv(fd, vec, nvec);
  if (n < 0 && savedErrno != nullptr) *savedErrno = errno;
  return n;
}

int Buffer::commitSpace(struct iovec* vec, int nvec) {
  if (frozenEnd_) return -1;
  if (nvec <= 0) return 0;
  size_t added = 0;
  if (nvec == 1 && last_ != nullptr && vec[0].iov_base == last_->spacePtr()) {
    // The common single-extent case: it can only be the last block.
    if (vec[0].iov_len > last_->space()) return -1;
    last_->off += vec[0].iov_len;
    added = vec[0].iov_len;
  } else {
    Block* start = firstBlockWithSpace();
    if (start == nullptr) return -1;
    // Check every extent before touching anything: all or nothing.
    Block* b = start;
    for (int i = 0; i < nvec; ++i, b = b->next) {
      if (b == nullptr || vec[i].iov_base != b->spacePtr() || vec[i].iov_len > b->space()) {
        return -1;
      }
    }
    b = start;
    for (int i = 0; i < nvec; ++i, b = b->next) {
      b->off += vec[i].iov_len;
      added += vec[i].iov_len;
    }
  }
  length_ += added;
  relinkAfterCommit();
  notify(added, 0);
  return 0;
}

int Buffer::expand(size_t n) { return expandSingleBlock(n) != nullptr ? 0 : -1; }

// ---------------------------------------------------------------------------
// Socket I/O

ssize_t Buffer::readFromFd(int fd, size_t maxRead, int* savedErrno) {
  if (frozenEnd_) return -1;
  if (libeventChains_) return readFromFdLibevent(fd, maxRead, savedErrno);
  const size_t want = maxRead != 0 ? maxRead : SIZE_MAX;

  Block* tail = lastWithData_ != nullptr ? lastWithData_ : first_;
  if (tail != nullptr && tail->space() < kMinReadSpace) {
    if (tail->off > 0 && shouldRealign(tail, kMinReadSpace)) {
      align(tail);
    } else if (tail->next != nullptr) {
      tail = tail->next;
    } else if (Block* nb = takeBlock(kMinBlockBytes - sizeof(Block)); nb != nullptr) {
      appendBlock(nb);
      tail = nb;
    }
  } else if (tail == nullptr) {
    tail = takeBlock(kMinBlockBytes - sizeof(Block));
    if (tail != nullptr) appendBlock(tail);
  }

  char spill[kReadSpillBytes];
  struct iovec vec[2];
  int nvec = 0;
  const size_t tailSpace = tail != nullptr ? std::min(tail->space(), want) : 0;
  if (tailSpace > 0) {
    vec[nvec].iov_base = tail->spacePtr();
    vec[nvec].iov_len = tailSpace;
    ++nvec;
  }
  const size_t spillSpace = std::min(sizeof spill, want - tailSpace);
  if (spillSpace > 0) {
    vec[nvec].iov_base = spill;
    vec[nvec].iov_len = spillSpace;
    ++nvec;
  }
  const ssize_t n = readvSavingErrno(fd, vec, nvec, savedErrno);
  if (n <= 0) return n;
  const size_t got = static_cast<size_t>(n);
  const size_t inTail = std::min(got, tailSpace);
  if (inTail > 0) {
    tail->off += inTail;
    length_ += inTail;
    lastWithData_ = tail;
  }
  if (got > inTail && !appendCopy(spill, got - inTail)) {
    // The bytes are consumed from the socket but there is nowhere to put them.
    notify(inTail, 0);
    errno = ENOMEM;
    if (savedErrno != nullptr) *savedErrno = ENOMEM;
    return -1;
  }
  notify(got, 0);
  return n;
}

// evbuffer_read. libevent asks FIONREAD how much is waiting (at most 4096; 4096
// when it says nothing), makes that much room in up to 4 blocks at the end and
// reads into them. We read first, into a 4096-byte landing buffer on the stack
// (no FIONREAD round trip: one system call fewer per read), then make room for
// exactly what arrived -- what libevent makes when FIONREAD reports that count --
// and copy it in, so the blocks come out as libevent's. A read that got nothing
// (EOF, EAGAIN, an error) makes libevent's 4096 bytes of room all the same.
// (Only a race differs: bytes that arrive between libevent's FIONREAD and its
// readv are left for its next read; here they are read now.)
ssize_t Buffer::readFromFdLibevent(int fd, size_t maxRead, int* savedErrno) {
  const size_t limit = maxRead != 0 ? std::min(kLibeventMaxRead, maxRead) : kLibeventMaxRead;
  char landing[kLibeventMaxRead];
  const struct iovec into{landing, limit};
  const ssize_t n = readvSavingErrno(fd, &into, 1, savedErrno);
  const int readErrno = errno;  // the caller reads it after -1: the allocation below must not change it
  const size_t got = n > 0 ? static_cast<size_t>(n) : 0;
  if (expandFast(got > 0 ? got : limit, kLibeventReadIovecs) < 0) {
    // (Bytes already read are lost with the allocation: the same as readFromFd's spill.)
    if (savedErrno != nullptr) *savedErrno = ENOMEM;
    errno = ENOMEM;
    return -1;
  }
  if (n <= 0) {
    errno = readErrno;
    return n;
  }
  size_t copied = 0;
  for (Block* b = firstBlockWithSpace(); copied < got; b = b->next) {
    const size_t k = std::min(b->space(), got - copied);
    std::memcpy(b->spacePtr(), landing + copied, k);
    b->off += k;
    copied += k;
    if (k > 0) lastWithData_ = b;
  }
  length_ += got;
  notify(got, 0);
  return n;
}

ssize_t Buffer::writeToFd(int fd, size_t maxWrite, int* savedErrno) {
  if (frozenStart_) return -1;
  struct iovec vec[kMaxWriteIovecs];
  int nvec = 0;
  size_t budget = maxWrite;
  for (const Block* b = first_; b != nullptr && b->off > 0 && nvec < kMaxWriteIovecs && budget > 0;
       b = b->next) {
    const size_t k = std::min(b->off, budget);
    vec[nvec].iov_base = const_cast<char*>(b->begin());
    vec[nvec].iov_len = k;
    ++nvec;
    budget -= k;
  }
  if (nvec == 0) return 0;
  const ssize_t n = ::writev(fd, vec, nvec);
  if (n < 0) {
    if (savedErrno != nullptr) *savedErrno = errno;
    return -1;
  }
  if (n > 0) {
    const size_t wrote = static_cast<size_t>(n);
    drainFront(wrote);
    notify(0, wrote);
  }
  return n;
}

// ---------------------------------------------------------------------------
// Change callbacks

Buffer::CallbackId Buffer::addCallback(ChangeCallback cb) {
  const CallbackId id = nextCallbackId_++;
  callbacks_.push_back(std::make_unique<CallbackEntry>(
      CallbackEntry{id, std::move(cb), nullptr, nullptr, true, false, false}));
  return id;
}

Buffer::CallbackId Buffer::addCallback(RawChangeCallback cb, void* arg) {
  const CallbackId id = nextCallbackId_++;
  callbacks_.push_back(
      std::make_unique<CallbackEntry>(CallbackEntry{id, nullptr, cb, arg, true, false, false}));
  return id;
}

namespace {

template <typename Entries, typename Pred>
auto* findLiveEntry(Entries& entries, Pred pred) {
  // Newest first, the order evbuffer_remove_cb searches in.
  for (auto it = entries.rbegin(); it != entries.rend(); ++it) {
    if (!(*it)->removed && pred(**it)) return it->get();
  }
  return static_cast<decltype(entries.front().get())>(nullptr);
}

}  // namespace

bool Buffer::removeCallback(CallbackId id) {
  CallbackEntry* e = findLiveEntry(callbacks_, [id](const CallbackEntry& c) { return c.id == id; });
  if (e == nullptr) return false;
  // A running callback may be the one removed: only mark it while any run.
  e->removed = true;
  if (callbackDepth_ > 0) {
    callbacksNeedCompaction_ = true;
  } else {
    compactCallbacks();
  }
  return true;
}

bool Buffer::removeCallback(RawChangeCallback cb, void* arg) {
  CallbackEntry* e = findLiveEntry(
      callbacks_, [cb, arg](const CallbackEntry& c) { return c.raw == cb && c.arg == arg; });
  return e != nullptr && removeCallback(e->id);
}

bool Buffer::setCallbackEnabled(CallbackId id, bool enabled) {
  CallbackEntry* e = findLiveEntry(callbacks_, [id](const CallbackEntry& c) { return c.id == id; });
  if (e == nullptr) return false;
  e->enabled = enabled;
  return true;
}

bool Buffer::setCallbackNoDefer(CallbackId id, bool noDefer) {
  CallbackEntry* e = findLiveEntry(callbacks_, [id](const CallbackEntry& c) { return c.id == id; });
  if (e == nullptr) return false;
  e->noDefer = noDefer;
  return true;
}

void Buffer::setDeferredCallbacks(std::function<void()> scheduler) {
  deferScheduler_ = std::move(scheduler);
  // Back to immediate mode: deliver what was still waiting.
  if (!deferScheduler_) runDeferredCallbacks();
}

void Buffer::runDeferredCallbacks() {
  deferredScheduled_ = false;
  if (pendingAdded_ == 0 && pendingDeleted_ == 0) return;
  const ChangeInfo info{length_ + pendingDeleted_ - pendingAdded_, pendingAdded_, pendingDeleted_};
  pendingAdded_ = pendingDeleted_ = 0;
  runCallbacks(info, /*deferredPass=*/true, /*noDeferOnly=*/false);
}

void Buffer::notifySlow(size_t added, size_t deleted) {
  if (!deferScheduler_) {
    if (added == 0 && deleted == 0) return;
    const ChangeInfo info{length_ + deleted - added, added, deleted};
    runCallbacks(info, false, false);
    return;
  }
  pendingAdded_ += added;
  pendingDeleted_ += deleted;
  if (pendingAdded_ == 0 && pendingDeleted_ == 0) return;
  // NODEFER callbacks see the running totals since the last deferred delivery,
  // as libevent's do.
  const ChangeInfo info{length_ + pendingDeleted_ - pendingAdded_, pendingAdded_, pendingDeleted_};
  runCallbacks(info, false, /*noDeferOnly=*/true);
  if (!deferredScheduled_) {
    deferredScheduled_ = true;
    deferScheduler_();
  }
}

void Buffer::runCallbacks(const ChangeInfo& info, bool deferredPass, bool noDeferOnly) {
  ++callbackDepth_;
  // Index loop from the back: entries added by a callback land past the start
  // index and wait for the next change, entries removed are only marked.
  for (size_t i = callbacks_.size(); i-- > 0;) {
    CallbackEntry* e = callbacks_[i].get();
    if (e->removed || !e->enabled) continue;
    if (deferredPass && e->noDefer) continue;
    if (noDeferOnly && !e->noDefer) continue;
    if (e->raw != nullptr) {
      e->raw(this, &info, e->arg);
    } else {
      e->fn(*this, info);
    }
  }
  if (--callbackDepth_ == 0 && callbacksNeedCompaction_) compactCallbacks();
}

void Buffer::compactCallbacks() {
  std::erase_if(callbacks_, [](const std::unique_ptr<CallbackEntry>& e) { return e->removed; });
  callbacksNeedCompaction_ = false;
}

void Buffer::freeze(bool atStart) { (atStart ? frozenStart_ : frozenEnd_) = true; }

void Buffer::unfreeze(bool atStart) { (atStart ? frozenStart_ : frozenEnd_) = false; }

// ---------------------------------------------------------------------------
// Self check

std::string Buffer::validate() const {
  auto blockName = [](size_t i) { return "block " + std::to_string(i); };
  if ((first_ == nullptr) != (last_ == nullptr)) return "first_ and last_ disagree about emptiness";
  size_t sum = 0;
  size_t index = 0;
  bool pastLastWithData = lastWithData_ == nullptr;
  const Block* previous = nullptr;
  const Block* fast = first_;  // Floyd: a cycle would make the walk endless
  for (const Block* b = first_; b != nullptr; previous = b, b = b->next, ++index) {
    if (fast != nullptr) fast = fast->next;
    if (fast != nullptr) fast = fast->next;
    if (fast != nullptr && fast == b->next) return "the chain has a cycle";
    if (b == spare_) return blockName(index) + " is also the spare block";
    if (b->capacity == 0) return blockName(index) + " has no capacity";
    if (b->misalign > b->capacity || b->off > b->capacity - b->misalign) {
      return blockName(index) + ": misalign " + std::to_string(b->misalign) + " + off " +
             std::to_string(b->off) + " > capacity " + std::to_string(b->capacity);
    }
    if (!pastLastWithData) {
      if (b->off == 0) return blockName(index) + " is empty but precedes lastWithData_";
      if (b == lastWithData_) pastLastWithData = true;
    } else {
      if (b->off != 0) return blockName(index) + " holds data after lastWithData_";
      if (b->misalign != 0) return "empty " + blockName(index) + " has misalign";
    }
    sum += b->off;
  }
  if (previous != last_) return "last_ is not the final block";
  if (!pastLastWithData) return "lastWithData_ is not in the chain";
  if (sum != length_) {
    return "length_ " + std::to_string(length_) + " != sum of block lengths " + std::to_string(sum);
  }
  if ((length_ == 0) != (lastWithData_ == nullptr)) {
    return "lastWithData_ set for an empty buffer, or missing for a non-empty one";
  }
  if (spare_ != nullptr && (spare_->next != nullptr || spare_->off != 0 || spare_->misalign != 0)) {
    return "spare block is not clean";
  }
  return {};
}

}  // namespace rs

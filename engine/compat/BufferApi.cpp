// libevent's event2/buffer.h (and buffer_compat.h) over rs::Buffer.
#include <event2/buffer_compat.h>

#include <algorithm>
#include <climits>
#include <cstdarg>
#include <cstdlib>
#include <memory>
#include <new>

#include "CompatNet.h"

namespace {

// evbuffer_new's buffer: the handle and the rs::Buffer in one allocation.
struct OwnedEvbuffer final : evbuffer {
  OwnedEvbuffer() : evbuffer(&storage) { storage.setLibeventCompatible(true); }
  // storage dies before ~evbuffer runs: nothing left for it to unhook.
  ~OwnedEvbuffer() override { callbacks.clear(); }
  rs::Buffer storage;
};

// libevent reads at most this much per evbuffer_read (EVBUFFER_MAX_READ).
constexpr int kMaxRead = 4096;

rs::EolStyle toStyle(evbuffer_eol_style s) { return static_cast<rs::EolStyle>(static_cast<int>(s)); }

int toInt(ssize_t n) { return n > INT_MAX ? INT_MAX : static_cast<int>(n); }

// libevent's evbuffer_ptr: pos, plus a non-null internal chain while the
// position names a byte (evbuffer_peek checks it).
evbuffer_ptr makePtr(const evbuffer* buf, ssize_t pos) {
  evbuffer_ptr p{};
  p.pos = pos;
  if (pos >= 0 && static_cast<size_t>(pos) < buf->buf->length()) {
    p.internal_.chain = const_cast<evbuffer*>(buf);
    p.internal_.pos_in_chain = static_cast<size_t>(pos);
  }
  return p;
}

void runCallback(rs::Buffer*, const rs::Buffer::ChangeInfo* info, void* arg) {
  // Copies first: the callback may remove (and so delete) its own entry.
  const auto* e = static_cast<const evbuffer_cb_entry*>(arg);
  evbuffer* owner = e->owner;
  const evbuffer_cb_func cb = e->cb;
  const evbuffer_cb obsoleteCb = e->obsoleteCb;
  void* cbarg = e->arg;
  if (obsoleteCb) {
    obsoleteCb(owner, info->origSize, info->origSize + info->nAdded - info->nDeleted, cbarg);
    return;
  }
  evbuffer_cb_info ci{info->origSize, info->nAdded, info->nDeleted};
  cb(owner, &ci, cbarg);
}

evbuffer_cb_entry* addEntry(evbuffer* buffer, std::unique_ptr<evbuffer_cb_entry> entry) {
  entry->id = buffer->buf->addCallback(&runCallback, entry.get());
  buffer->callbacks.push_back(std::move(entry));
  return buffer->callbacks.back().get();
}

}  // namespace

extern "C" {

struct evbuffer* evbuffer_new(void) { return new (std::nothrow) OwnedEvbuffer; }

void evbuffer_free(struct evbuffer* buf) {
  // A bufferevent's buffers belong to it (libevent would corrupt itself here).
  if (buf && dynamic_cast<OwnedEvbuffer*>(buf)) delete buf;
}

int evbuffer_enable_locking(struct evbuffer*, void*) { return 0; }
void evbuffer_lock(struct evbuffer*) {}
void evbuffer_unlock(struct evbuffer*) {}
int evbuffer_set_flags(struct evbuffer* buf, ev_uint64_t) { return buf ? 0 : -1; }
int evbuffer_clear_flags(struct evbuffer* buf, ev_uint64_t) { return buf ? 0 : -1; }

size_t evbuffer_get_length(const struct evbuffer* buf) { return buf->buf->length(); }

size_t evbuffer_get_contiguous_space(const struct evbuffer* buf) { return buf->buf->firstBlockLength(); }

int evbuffer_expand(struct evbuffer* buf, size_t datlen) { return buf->buf->expand(datlen); }

int evbuffer_reserve_space(struct evbuffer* buf, ev_ssize_t size, struct evbuffer_iovec* vec, int n_vec) {
  return buf->buf->reserveSpace(size, vec, n_vec);
}

int evbuffer_commit_space(struct evbuffer* buf, struct evbuffer_iovec* vec, int n_vecs) {
  return buf->buf->commitSpace(vec, n_vecs);
}

int evbuffer_add(struct evbuffer* buf, const void* data, size_t datlen) { return buf->buf->add(data, datlen); }

int evbuffer_add_printf(struct evbuffer* buf, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  const int r = buf->buf->addVprintf(fmt, ap);
  va_end(ap);
  return r;
}

int evbuffer_add_vprintf(struct evbuffer* buf, const char* fmt, va_list ap) { return buf->buf->addVprintf(fmt, ap); }

int evbuffer_add_buffer(struct evbuffer* outbuf, struct evbuffer* inbuf) {
  return outbuf->buf->addBuffer(*inbuf->buf);
}

size_t evbuffer_add_iovec(struct evbuffer* buffer, struct evbuffer_iovec* vec, int n_vec) {
  size_t total = 0;
  for (int i = 0; i < n_vec; ++i) total += vec[i].iov_len;
  // All or nothing, as libevent's (it expands first, then copies).
  if (buffer->buf->expand(total) < 0) return 0;
  size_t added = 0;
  for (int i = 0; i < n_vec; ++i) {
    if (buffer->buf->add(vec[i].iov_base, vec[i].iov_len) < 0) break;
    added += vec[i].iov_len;
  }
  return added;
}

int evbuffer_prepend(struct evbuffer* buf, const void* data, size_t size) { return buf->buf->prepend(data, size); }

int evbuffer_prepend_buffer(struct evbuffer* dst, struct evbuffer* src) {
  return dst->buf->prependBuffer(*src->buf);
}

int evbuffer_remove(struct evbuffer* buf, void* data, size_t datlen) { return toInt(buf->buf->remove(data, datlen)); }

int evbuffer_remove_buffer(struct evbuffer* src, struct evbuffer* dst, size_t datlen) {
  return toInt(src->buf->removeBuffer(*dst->buf, datlen));
}

int evbuffer_drain(struct evbuffer* buf, size_t len) { return buf->buf->drain(len); }

ev_ssize_t evbuffer_copyout(struct evbuffer* buf, void* data_out, size_t datlen) {
  return buf->buf->copyout(data_out, datlen);
}

ev_ssize_t evbuffer_copyout_from(struct evbuffer* buf, const struct evbuffer_ptr* pos, void* data_out,
                                 size_t datlen) {
  if (pos && pos->pos < 0) return -1;
  return buf->buf->copyoutFrom(pos ? static_cast<size_t>(pos->pos) : 0, data_out, datlen);
}

unsigned char* evbuffer_pullup(struct evbuffer* buf, ev_ssize_t size) { return buf->buf->pullup(size); }

char* evbuffer_readln(struct evbuffer* buffer, size_t* n_read_out, enum evbuffer_eol_style eol_style) {
  return buffer->buf->readlnMalloc(n_read_out, toStyle(eol_style));
}

char* evbuffer_readline(struct evbuffer* buffer) { return evbuffer_readln(buffer, nullptr, EVBUFFER_EOL_ANY); }

struct evbuffer_ptr evbuffer_search_range(struct evbuffer* buffer, const char* what, size_t len,
                                          const struct evbuffer_ptr* start, const struct evbuffer_ptr* end) {
  if ((start && start->pos < 0) || (end && end->pos < 0)) return makePtr(buffer, -1);
  const size_t from = start ? static_cast<size_t>(start->pos) : 0;
  const size_t to = end ? static_cast<size_t>(end->pos) : SIZE_MAX;
  return makePtr(buffer, buffer->buf->searchRange(what, len, from, to));
}

struct evbuffer_ptr evbuffer_search(struct evbuffer* buffer, const char* what, size_t len,
                                    const struct evbuffer_ptr* start) {
  return evbuffer_search_range(buffer, what, len, start, nullptr);
}

int evbuffer_ptr_set(struct evbuffer* buffer, struct evbuffer_ptr* ptr, size_t position,
                     enum evbuffer_ptr_how how) {
  size_t target = position;
  if (how == EVBUFFER_PTR_ADD) {
    if (ptr->pos < 0 || SIZE_MAX - position < static_cast<size_t>(ptr->pos)) return -1;
    target += static_cast<size_t>(ptr->pos);
  }
  if (target > buffer->buf->length()) {
    *ptr = makePtr(buffer, -1);
    return -1;
  }
  *ptr = makePtr(buffer, static_cast<ssize_t>(target));
  return 0;
}

struct evbuffer_ptr evbuffer_search_eol(struct evbuffer* buffer, struct evbuffer_ptr* start, size_t* eol_len_out,
                                        enum evbuffer_eol_style eol_style) {
  if (start && start->pos < 0) {
    if (eol_len_out) *eol_len_out = 0;
    return makePtr(buffer, -1);
  }
  const size_t from = start ? static_cast<size_t>(start->pos) : 0;
  return makePtr(buffer, buffer->buf->searchEol(from, toStyle(eol_style), eol_len_out));
}

int evbuffer_peek(struct evbuffer* buffer, ev_ssize_t len, struct evbuffer_ptr* start_at,
                  struct evbuffer_iovec* vec_out, int n_vec) {
  if (!start_at) return buffer->buf->peek(len, vec_out, n_vec);
  // libevent: a pointer at (or past) the end names no chain, and peeks nothing.
  if (start_at->pos < 0 || static_cast<size_t>(start_at->pos) >= buffer->buf->length()) return 0;
  return buffer->buf->peekAt(static_cast<size_t>(start_at->pos), len, vec_out, n_vec);
}

int evbuffer_write_atmost(struct evbuffer* buffer, evutil_socket_t fd, ev_ssize_t howmuch) {
  const size_t most = howmuch < 0 ? SIZE_MAX : static_cast<size_t>(howmuch);
  // libevent: nothing to write (an empty buffer, or howmuch 0) is -1, not 0.
  if (most == 0 || buffer->buf->length() == 0) return -1;
  return toInt(buffer->buf->writeToFd(fd, most));
}

int evbuffer_write(struct evbuffer* buffer, evutil_socket_t fd) { return evbuffer_write_atmost(buffer, fd, -1); }

int evbuffer_read(struct evbuffer* buffer, evutil_socket_t fd, int howmuch) {
  if (howmuch < 0 || howmuch > kMaxRead) howmuch = kMaxRead;
  return toInt(buffer->buf->readFromFd(fd, static_cast<size_t>(howmuch)));
}

unsigned char* evbuffer_find(struct evbuffer* buffer, const unsigned char* what, size_t len) {
  const evbuffer_ptr p = evbuffer_search(buffer, reinterpret_cast<const char*>(what), len, nullptr);
  if (p.pos < 0) return nullptr;
  unsigned char* data = evbuffer_pullup(buffer, p.pos + static_cast<ev_ssize_t>(len));
  return data ? data + p.pos : nullptr;
}

// ---------------------------------------------------------------------------
// Change callbacks

struct evbuffer_cb_entry* evbuffer_add_cb(struct evbuffer* buffer, evbuffer_cb_func cb, void* cbarg) {
  if (!buffer || !cb) return nullptr;
  return addEntry(buffer, std::make_unique<evbuffer_cb_entry>(evbuffer_cb_entry{buffer, cb, cbarg, 0}));
}

int evbuffer_setcb(struct evbuffer* buffer, evbuffer_cb cb, void* cbarg) {
  if (!buffer) return -1;
  for (const auto& e : buffer->callbacks) buffer->buf->removeCallback(e->id);
  buffer->callbacks.clear();
  if (cb) addEntry(buffer, std::make_unique<evbuffer_cb_entry>(evbuffer_cb_entry{buffer, nullptr, cbarg, 0, cb}));
  return 0;
}

int evbuffer_remove_cb_entry(struct evbuffer* buffer, struct evbuffer_cb_entry* ent) {
  if (!buffer || !ent) return -1;
  auto it = std::find_if(buffer->callbacks.begin(), buffer->callbacks.end(),
                         [ent](const auto& e) { return e.get() == ent; });
  if (it == buffer->callbacks.end()) return -1;
  buffer->buf->removeCallback(ent->id);
  buffer->callbacks.erase(it);
  return 0;
}

int evbuffer_remove_cb(struct evbuffer* buffer, evbuffer_cb_func cb, void* cbarg) {
  if (!buffer) return -1;
  // Newest first, as libevent searches its list.
  for (auto it = buffer->callbacks.rbegin(); it != buffer->callbacks.rend(); ++it) {
    if ((*it)->cb == cb && (*it)->arg == cbarg) return evbuffer_remove_cb_entry(buffer, it->get());
  }
  return -1;
}

// evbuffer_cb_set_flags / _clear_flags: EVBUFFER_CB_ENABLED is the only flag.
static int setCallbackFlag(struct evbuffer* buffer, struct evbuffer_cb_entry* cb, ev_uint32_t flags, bool on) {
  if (!buffer || !cb) return -1;
  if (flags & EVBUFFER_CB_ENABLED) {
    buffer->buf->setCallbackEnabled(cb->id, on);
  }
  return 0;
}

int evbuffer_cb_set_flags(struct evbuffer* buffer, struct evbuffer_cb_entry* cb, ev_uint32_t flags) {
  return setCallbackFlag(buffer, cb, flags, true);
}

int evbuffer_cb_clear_flags(struct evbuffer* buffer, struct evbuffer_cb_entry* cb, ev_uint32_t flags) {
  return setCallbackFlag(buffer, cb, flags, false);
}

int evbuffer_freeze(struct evbuffer* buf, int at_front) {
  buf->buf->freeze(at_front != 0);
  return 0;
}

int evbuffer_unfreeze(struct evbuffer* buf, int at_front) {
  buf->buf->unfreeze(at_front != 0);
  return 0;
}

}  // extern "C"

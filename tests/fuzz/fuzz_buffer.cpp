// rs::Buffer (the evbuffer) against a model: a std::string per buffer. Each input
// is a sequence of operations on two buffers (so add/prepend/remove_buffer move
// bytes between them); after every step both buffers must hold exactly their
// model's bytes, pass validate(), and every return value must match libevent's
// documented result for the model's state. A change callback on each buffer
// checks that origSize + added - deleted is the length it sees.
#include <fuzzer/FuzzedDataProvider.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "FuzzCheck.h"
#include "net/Buffer.h"

namespace {

struct Side {
  rs::Buffer buf;
  std::string model;
  bool frozenStart = false;
  bool frozenEnd = false;
};

// A socket pair for readFromFd/writeToFd, made once per process, left empty
// after every operation that uses it.
int* fdPair() {
  static int fds[2] = {-1, -1};
  if (fds[0] < 0) {
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds) != 0) std::abort();
  }
  return fds;
}

// Every readable byte, compared in place through peek() (copyout refuses a
// frozen start): no copy of the buffer per step, which kept the target under
// 2 500 inputs/s.
bool holdsExactly(const rs::Buffer& b, const std::string& model) {
  static std::vector<struct iovec> vec;
  const int n = b.peek(-1, nullptr, 0);
  vec.resize(static_cast<size_t>(n));
  FUZZ_CHECK(b.peek(-1, vec.data(), n) == n);
  size_t at = 0;
  for (const struct iovec& v : vec) {
    if (v.iov_len > model.size() - at || std::memcmp(v.iov_base, model.data() + at, v.iov_len) != 0) return false;
    at += v.iov_len;
  }
  return at == model.size();
}

void checkSide(const Side& s) {
  FUZZ_CHECK(s.buf.length() == s.model.size());
  const std::string v = s.buf.validate();
  if (!v.empty()) {
    std::fprintf(stderr, "validate: %s\n", v.c_str());
    std::abort();
  }
  FUZZ_CHECK(holdsExactly(s.buf, s.model));
  FUZZ_CHECK(s.buf.isFrozen(true) == s.frozenStart && s.buf.isFrozen(false) == s.frozenEnd);
}

size_t pickSize(FuzzedDataProvider& in, size_t current) {
  switch (in.ConsumeIntegralInRange<int>(0, 5)) {
    case 0: return in.ConsumeIntegralInRange<size_t>(0, 16);
    case 1: return in.ConsumeIntegralInRange<size_t>(0, 5000);
    case 2: return in.ConsumeIntegralInRange<size_t>(0, 70000);
    case 3: return current;
    case 4: return current + in.ConsumeIntegralInRange<size_t>(0, 8);
    default: return current > 0 ? in.ConsumeIntegralInRange<size_t>(0, current - 1) : 0;
  }
}

// n bytes of input: mostly a cheap pattern (long runs of one byte with a letter
// every 97), sometimes the input's own bytes (line ends, search patterns). The
// view stays valid until the next call.
std::string_view pickBytes(FuzzedDataProvider& in, size_t n) {
  static std::string fromInput;
  if (in.ConsumeBool()) {
    fromInput = in.ConsumeBytesAsString(std::min<size_t>(n, 64));
    return fromInput;
  }
  // One pattern per fill byte, built once and grown on demand: building a fresh
  // 70 000-byte string per step was the target's largest cost.
  static std::string patterns[256];
  std::string& pattern = patterns[in.ConsumeIntegral<uint8_t>()];
  const char fill = static_cast<char>(&pattern - patterns);
  if (pattern.size() < n) {
    pattern.assign(std::max<size_t>(n, 4096), fill);
    for (size_t i = 0; i < pattern.size(); i += 97) pattern[i] = static_cast<char>('a' + i % 26);
  }
  return std::string_view(pattern).substr(0, n);
}

// libevent's EOL rules on the model: position and EOL length, or -1.
ssize_t modelEol(const std::string& m, size_t start, rs::EolStyle style, size_t* len) {
  *len = 0;
  if (start > m.size()) return -1;
  size_t pos = std::string::npos;
  switch (style) {
    case rs::EolStyle::Any:
      pos = m.find_first_of("\r\n", start);
      if (pos != std::string::npos) {
        const size_t end = m.find_first_not_of("\r\n", pos);
        *len = (end == std::string::npos ? m.size() : end) - pos;
      }
      break;
    case rs::EolStyle::Crlf:
      pos = m.find('\n', start);
      if (pos != std::string::npos) {
        *len = 1;
        if (pos > start && m[pos - 1] == '\r') {
          --pos;
          *len = 2;
        }
      }
      break;
    case rs::EolStyle::CrlfStrict:
      pos = m.find("\r\n", start);
      if (pos != std::string::npos) *len = 2;
      break;
    case rs::EolStyle::Lf:
      pos = m.find('\n', start);
      if (pos != std::string::npos) *len = 1;
      break;
    case rs::EolStyle::Nul:
      pos = m.find('\0', start);
      if (pos != std::string::npos) *len = 1;
      break;
  }
  if (pos == std::string::npos) {
    *len = 0;
    return -1;
  }
  return static_cast<ssize_t>(pos);
}

// What a change callback saw, checked against the buffer right away.
void onChange(const rs::Buffer& b, const rs::Buffer::ChangeInfo& info) {
  FUZZ_CHECK(info.origSize + info.nAdded >= info.nDeleted);
  FUZZ_CHECK(info.origSize + info.nAdded - info.nDeleted == b.length());
  FUZZ_CHECK(info.nAdded > 0 || info.nDeleted > 0);
}

void step(FuzzedDataProvider& in, Side& a, Side& other) {
  std::string& m = a.model;
  rs::Buffer& b = a.buf;
  const int op = in.ConsumeIntegralInRange<int>(0, 25);
  // FUZZ_TRACE=1: one line per step, to read a finding's sequence.
  static const bool trace = std::getenv("FUZZ_TRACE") != nullptr;
  if (trace) std::fprintf(stderr, "op %d on a buffer of %zu (other %zu)\n", op, m.size(), other.model.size());
  switch (op) {
    case 0: {  // add
      const std::string_view s = pickBytes(in, pickSize(in, 0));
      const int rc = b.add(s.data(), s.size());
      FUZZ_CHECK(rc == (a.frozenEnd ? -1 : 0));
      if (rc == 0) m += s;
      break;
    }
    case 1: {  // prepend
      const std::string_view s = pickBytes(in, pickSize(in, 0));
      const int rc = b.prepend(s.data(), s.size());
      // libevent: prepending nothing succeeds even with a frozen start (but
      // adding nothing to a frozen end fails).
      FUZZ_CHECK(rc == (a.frozenStart && !s.empty() ? -1 : 0));
      if (rc == 0) m.insert(0, s);
      break;
    }
    case 2: {  // drain
      const size_t n = pickSize(in, m.size());
      const int rc = b.drain(n);
      // libevent: an empty buffer drains fine even with a frozen start.
      FUZZ_CHECK(rc == (a.frozenStart && !m.empty() ? -1 : 0));
      if (rc == 0) m.erase(0, std::min(n, m.size()));
      break;
    }
    case 3: {  // remove
      const size_t n = pickSize(in, m.size());
      const std::unique_ptr<char[]> out(new char[n]);  // exactly n: ASan sees an overrun
      const ssize_t rc = b.remove(out.get(), n);
      if (a.frozenStart && n > 0 && !m.empty()) {
        FUZZ_CHECK(rc == -1);
        break;
      }
      const size_t k = std::min(n, m.size());
      FUZZ_CHECK(rc == static_cast<ssize_t>(k));
      FUZZ_CHECK(std::memcmp(out.get(), m.data(), k) == 0);
      m.erase(0, k);
      break;
    }
    case 4: {  // copyout / copyoutFrom
      const size_t pos = pickSize(in, m.size());
      const size_t n = pickSize(in, m.size());
      const std::unique_ptr<char[]> out(new char[n]);  // exactly n: ASan sees an overrun
      // libevent: a frozen start refuses copying out (when there is something to copy).
      if (in.ConsumeBool()) {
        const ssize_t rc = b.copyout(out.get(), n);
        const size_t k = std::min(n, m.size());
        if (a.frozenStart && k > 0) FUZZ_CHECK(rc == -1);
        else FUZZ_CHECK(rc == static_cast<ssize_t>(k) && std::memcmp(out.get(), m.data(), k) == 0);
      } else {
        const ssize_t rc = b.copyoutFrom(pos, out.get(), n);
        if (pos > m.size()) {
          FUZZ_CHECK(rc == -1);
        } else {
          const size_t k = std::min(n, m.size() - pos);
          if (a.frozenStart && k > 0) FUZZ_CHECK(rc == -1);
          else FUZZ_CHECK(rc == static_cast<ssize_t>(k) && std::memcmp(out.get(), m.data() + pos, k) == 0);
        }
      }
      break;
    }
    case 5: {  // pullup
      const ssize_t n = in.ConsumeBool() ? -1 : static_cast<ssize_t>(pickSize(in, m.size()));
      unsigned char* p = b.pullup(n);
      const size_t size = n < 0 ? m.size() : static_cast<size_t>(n);
      if (size == 0 || size > m.size()) {
        FUZZ_CHECK(p == nullptr);
      } else {
        FUZZ_CHECK(p != nullptr && std::memcmp(p, m.data(), size) == 0);
        FUZZ_CHECK(b.firstBlockLength() >= size);
      }
      break;
    }
    case 6: {  // search / searchRange
      std::string what;
      if (!m.empty() && in.ConsumeBool()) {
        const size_t at = in.ConsumeIntegralInRange<size_t>(0, m.size() - 1);
        what = m.substr(at, in.ConsumeIntegralInRange<size_t>(0, 40));
      } else {
        what = in.ConsumeBytesAsString(in.ConsumeIntegralInRange<size_t>(0, 4));
      }
      const size_t start = pickSize(in, m.size());
      if (in.ConsumeBool()) {
        const ssize_t got = b.search(what.data(), what.size(), start);
        const size_t want = start > m.size() ? std::string::npos : m.find(what, start);
        FUZZ_CHECK(got == (want == std::string::npos ? -1 : static_cast<ssize_t>(want)));
      } else {
        const size_t end = pickSize(in, m.size());
        const ssize_t got = b.searchRange(what.data(), what.size(), start, end);
        size_t want = start > m.size() ? std::string::npos : m.find(what, start);
        // libevent: an empty pattern answers start whatever the end.
        if (want != std::string::npos && !what.empty() && want + what.size() > std::min(end, m.size()))
          want = std::string::npos;
        if (got != (want == std::string::npos ? -1 : static_cast<ssize_t>(want)))
          std::fprintf(stderr, "searchRange(len %zu, start %zu, end %zu) on %zu bytes: got %zd, model %zd\n",
                       what.size(), start, end, m.size(), got, want == std::string::npos ? -1 : static_cast<ssize_t>(want));
        FUZZ_CHECK(got == (want == std::string::npos ? -1 : static_cast<ssize_t>(want)));
      }
      break;
    }
    case 7: {  // searchEol
      const size_t start = pickSize(in, m.size());
      const auto style = static_cast<rs::EolStyle>(in.ConsumeIntegralInRange<int>(0, 4));
      size_t gotLen = 99, wantLen = 0;
      const ssize_t got = b.searchEol(start, style, &gotLen);
      const ssize_t want = modelEol(m, start, style, &wantLen);
      FUZZ_CHECK(got == want && gotLen == wantLen);
      break;
    }
    case 8: {  // readln / readlnMalloc
      const auto style = static_cast<rs::EolStyle>(in.ConsumeIntegralInRange<int>(0, 4));
      size_t eolLen = 0;
      const ssize_t pos = a.frozenStart ? -1 : modelEol(m, 0, style, &eolLen);
      if (in.ConsumeBool()) {
        const auto line = b.readln(style);
        FUZZ_CHECK(line.has_value() == (pos >= 0));
        if (line) FUZZ_CHECK(*line == m.substr(0, static_cast<size_t>(pos)));
      } else {
        size_t n = 99;
        char* line = b.readlnMalloc(&n, style);
        FUZZ_CHECK((line != nullptr) == (pos >= 0));
        if (line) {
          FUZZ_CHECK(n == static_cast<size_t>(pos) && line[n] == '\0' && std::memcmp(line, m.data(), n) == 0);
        } else {
          FUZZ_CHECK(n == 0);
        }
        std::free(line);
      }
      if (pos >= 0) m.erase(0, static_cast<size_t>(pos) + eolLen);
      break;
    }
    case 9: {  // addBuffer: other -> end of this
      const int rc = b.addBuffer(other.buf);
      const bool refused = a.frozenEnd || other.frozenStart;
      if (rc == 0) {
        FUZZ_CHECK(!refused || other.model.empty());
        m += other.model;
        other.model.clear();
      } else {
        FUZZ_CHECK(rc == -1 && refused);
      }
      break;
    }
    case 10: {  // prependBuffer: other -> front of this
      const int rc = b.prependBuffer(other.buf);
      const bool refused = a.frozenStart || other.frozenStart;
      if (rc == 0) {
        FUZZ_CHECK(!refused || other.model.empty());
        m.insert(0, other.model);
        other.model.clear();
      } else {
        FUZZ_CHECK(rc == -1 && refused);
      }
      break;
    }
    case 11: {  // removeBuffer: up to n bytes from the front of this to the end of other
      const size_t n = pickSize(in, m.size());
      const ssize_t rc = b.removeBuffer(other.buf, n);
      const bool refused = a.frozenStart || other.frozenEnd;
      if (rc >= 0) {
        const size_t k = static_cast<size_t>(rc);
        FUZZ_CHECK(k == std::min(n, m.size()));
        FUZZ_CHECK(!refused || k == 0);
        other.model += m.substr(0, k);
        m.erase(0, k);
      } else {
        FUZZ_CHECK(rc == -1 && refused);
      }
      break;
    }
    case 12: {  // reserveSpace + commitSpace (possibly shortened extents, or none)
      const size_t size = pickSize(in, 0);
      const int nvec = in.ConsumeIntegralInRange<int>(1, 4);
      struct iovec vec[4];
      const int got = b.reserveSpace(static_cast<ssize_t>(size), vec, nvec);
      if (a.frozenEnd) {
        FUZZ_CHECK(got == -1);
        break;
      }
      // libevent hands out no extent for size 0 with several vectors.
      FUZZ_CHECK(got <= nvec && (got >= 1 || (got == 0 && size == 0 && nvec > 1)));
      size_t total = 0;
      for (int i = 0; i < got; ++i) total += vec[i].iov_len;
      FUZZ_CHECK(total >= size);
      if (trace) std::fprintf(stderr, "reserved %zu in %d vecs: %d extents, %zu bytes\n", size, nvec, got, total);
      if (!in.ConsumeBool()) break;  // reserved but never committed: nothing readable
      const int ncommit = in.ConsumeIntegralInRange<int>(0, got);
      std::string added;
      for (int i = 0; i < ncommit; ++i) {
        const std::string_view s = pickBytes(in, in.ConsumeIntegralInRange<size_t>(0, vec[i].iov_len));
        std::memcpy(vec[i].iov_base, s.data(), s.size());
        vec[i].iov_len = s.size();
        added += s;
      }
      if (trace) {
        std::fprintf(stderr, "reserve %zu in %d vecs -> %d:", size, nvec, got);
        for (int i = 0; i < ncommit; ++i) std::fprintf(stderr, " commit %zu at %p", vec[i].iov_len, vec[i].iov_base);
        std::fprintf(stderr, "\n");
      }
      FUZZ_CHECK(b.commitSpace(vec, ncommit) == 0);
      m += added;
      break;
    }
    case 13: {  // expand: afterwards adding n bytes must not need a new block
      const size_t n = pickSize(in, 0);
      const int rc = b.expand(n);
      FUZZ_CHECK(rc == 0);  // libevent's evbuffer_expand ignores freezing
      if (a.frozenEnd) break;
      const size_t blocks = b.blockCount();
      static std::string xs;
      if (xs.size() < n) xs.assign(n, 'x');
      const std::string_view s = std::string_view(xs).substr(0, n);
      FUZZ_CHECK(b.add(s.data(), s.size()) == 0);
      FUZZ_CHECK(b.blockCount() == blocks);
      m += s;
      break;
    }
    case 14: {  // peek / peekAt
      const bool at = in.ConsumeBool();
      const size_t start = at ? pickSize(in, m.size()) : 0;
      const ssize_t len = in.ConsumeBool() ? -1 : static_cast<ssize_t>(pickSize(in, m.size()));
      const int nvec = in.ConsumeIntegralInRange<int>(0, 8);
      struct iovec vec[8];
      const int n = at ? b.peekAt(start, len, vec, nvec) : b.peek(len, vec, nvec);
      if (start > m.size()) {
        FUZZ_CHECK(n == -1);
        break;
      }
      FUZZ_CHECK(n >= 0);
      std::string seen;
      for (int i = 0; i < std::min(n, nvec); ++i) seen.append(static_cast<const char*>(vec[i].iov_base), vec[i].iov_len);
      FUZZ_CHECK(m.compare(start, seen.size(), seen) == 0);
      // With len >= 0 the count is of every extent needed; with len < 0 libevent
      // stops at nvec, so only a count below nvec says that all were reported.
      if (n > 0 && (len >= 0 ? n <= nvec : n < nvec)) {
        // Every extent was reported: they cover len bytes (all for len < 0).
        const size_t want = len < 0 ? m.size() - start : std::min(static_cast<size_t>(len), m.size() - start);
        FUZZ_CHECK(seen.size() >= want);
      }
      break;
    }
    case 15: {  // addPrintf
      const int v = in.ConsumeIntegral<int>();
      const std::string s = in.ConsumeBytesAsString(in.ConsumeIntegralInRange<size_t>(0, 20));
      const int rc = b.addPrintf("%d:%s|", v, s.c_str());
      const std::string want = std::to_string(v) + ":" + std::string(s.c_str()) + "|";
      if (a.frozenEnd) {
        FUZZ_CHECK(rc == -1);
      } else {
        FUZZ_CHECK(rc == static_cast<int>(want.size()));
        m += want;
      }
      break;
    }
    case 16: {  // freeze / unfreeze
      const bool atStart = in.ConsumeBool();
      if (in.ConsumeBool()) b.freeze(atStart);
      else b.unfreeze(atStart);
      (atStart ? a.frozenStart : a.frozenEnd) = b.isFrozen(atStart);
      break;
    }
    case 17: {  // writeToFd, then read the socket back
      if (a.frozenStart) break;
      const size_t maxWrite = pickSize(in, m.size());
      int err = 0;
      const ssize_t n = b.writeToFd(fdPair()[0], maxWrite, &err);
      if (n < 0) {
        FUZZ_CHECK(m.empty() || err == EAGAIN);
        break;
      }
      const size_t k = static_cast<size_t>(n);
      FUZZ_CHECK(k <= std::min(maxWrite, m.size()));
      const std::unique_ptr<char[]> back(new char[k]);
      size_t got = 0;
      while (got < k) {
        const ssize_t r = ::read(fdPair()[1], back.get() + got, k - got);
        FUZZ_CHECK(r > 0);
        got += static_cast<size_t>(r);
      }
      FUZZ_CHECK(std::memcmp(back.get(), m.data(), k) == 0);
      m.erase(0, k);
      break;
    }
    case 18: {  // readFromFd of bytes written into the socket
      if (a.frozenEnd) break;
      const std::string_view s = pickBytes(in, pickSize(in, 0) % 60000);
      size_t put = 0;
      while (put < s.size()) {
        const ssize_t w = ::write(fdPair()[1], s.data() + put, s.size() - put);
        if (w <= 0) break;
        put += static_cast<size_t>(w);
      }
      // At most ~64 reads per step: a 1-byte limit on 60 000 bytes was 60 000
      // readv calls and most of the target's time.
      const size_t maxRead = in.ConsumeBool() ? 0 : std::max(pickSize(in, put), put / 64);
      size_t got = 0;
      while (got < put) {
        int err = 0;
        const size_t before = b.length();
        const ssize_t n = b.readFromFd(fdPair()[0], maxRead, &err);
        FUZZ_CHECK(n > 0);
        FUZZ_CHECK(maxRead == 0 || static_cast<size_t>(n) <= maxRead);
        FUZZ_CHECK(b.length() == before + static_cast<size_t>(n));
        got += static_cast<size_t>(n);
      }
      FUZZ_CHECK(got == put);
      m += s.substr(0, put);
      break;
    }
    case 19: {  // a change callback, checked on every later change
      if (in.ConsumeBool()) {
        b.addCallback(onChange);
      } else {
        const auto id = b.addCallback(onChange);
        FUZZ_CHECK(b.removeCallback(id));
        FUZZ_CHECK(!b.removeCallback(id));
      }
      break;
    }
    case 20: {  // move construction and assignment keep the bytes
      rs::Buffer moved(std::move(b));
      FUZZ_CHECK(b.length() == 0);
      b = std::move(moved);
      break;
    }
    case 21: {  // remove everything through a pulled-up view
      if (a.frozenStart || m.empty()) break;
      unsigned char* p = b.pullup(-1);
      FUZZ_CHECK(p != nullptr && std::memcmp(p, m.data(), m.size()) == 0);
      FUZZ_CHECK(b.drain(m.size()) == 0);
      m.clear();
      break;
    }
    default: {  // small adds: many blocks filled a little at a time
      const int times = in.ConsumeIntegralInRange<int>(1, 8);
      for (int i = 0; i < times && !a.frozenEnd; ++i) {
        const std::string_view s = pickBytes(in, in.ConsumeIntegralInRange<size_t>(0, 600));
        FUZZ_CHECK(b.add(s.data(), s.size()) == 0);
        m += s;
      }
      break;
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  Side sides[2];
  int steps = 0;
  while (in.remaining_bytes() > 0 && steps++ < 200) {
    const int which = in.ConsumeBool() ? 1 : 0;
    step(in, sides[which], sides[1 - which]);
    checkSide(sides[0]);
    checkSide(sides[1]);
  }
  return 0;
}

// rs::Buffer against libevent's evbuffer semantics: every operation, EOL styles
// across block boundaries, zero-copy moves, socket I/O through the spill path,
// change callbacks, and seeded random operation sequences checked against a
// std::string model with validate() after every step.
#include <QtTest/QtTest>

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "net/Buffer.h"

using rs::Buffer;
using rs::EolStyle;

Q_DECLARE_METATYPE(rs::EolStyle)

namespace {

#define VALIDATE(buf)                                                                   \
  do {                                                                                  \
    const std::string problem_ = (buf).validate();                                      \
    QVERIFY2(problem_.empty(), problem_.c_str());                                       \
  } while (0)

QByteArray toQt(const std::string& s) {
  return QByteArray(s.data(), static_cast<qsizetype>(s.size()));
}

std::string contents(const Buffer& b) {
  std::string s(b.length(), '\0');
  const ssize_t n = b.copyout(s.data(), s.size());
  s.resize(n < 0 ? 0 : static_cast<size_t>(n));
  return s;
}

// Each piece ends up in a block of its own: addBuffer relinks, never merges.
void appendFragmented(Buffer& out, const QByteArrayList& pieces) {
  for (const QByteArray& piece : pieces) {
    if (piece.isEmpty()) continue;
    Buffer tmp;
    tmp.add(piece.constData(), static_cast<size_t>(piece.size()));
    out.addBuffer(tmp);
  }
}

std::vector<iovec> extents(const Buffer& b) {
  const int n = b.peek(-1, nullptr, 0);
  std::vector<iovec> v(static_cast<size_t>(n));
  b.peek(-1, v.data(), n);
  return v;
}

std::string pattern(size_t n, unsigned seed = 7) {
  std::string s(n, '\0');
  uint32_t x = seed * 2654435761u + 1;
  for (char& c : s) {
    x = x * 1103515245u + 12345u;
    c = static_cast<char>(x >> 24);
  }
  return s;
}

void setNonBlocking(int fd) {
  const int flags = ::fcntl(fd, F_GETFL, 0);
  ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

// The documented evbuffer_search_eol rules, written against std::string.
ssize_t modelSearchEol(const std::string& s, size_t start, EolStyle style, size_t* eolLen) {
  *eolLen = 0;
  size_t p = std::string::npos;
  size_t len = 0;
  switch (style) {
    case EolStyle::Any: {
      p = s.find_first_of("\r\n", start);
      if (p != std::string::npos) {
        const size_t end = s.find_first_not_of("\r\n", p);
        len = (end == std::string::npos ? s.size() : end) - p;
      }
      break;
    }
    case EolStyle::Crlf:
      p = s.find('\n', start);
      len = 1;
      if (p != std::string::npos && p > start && s[p - 1] == '\r') {
        --p;
        len = 2;
      }
      break;
    case EolStyle::CrlfStrict:
      p = s.find("\r\n", start);
      len = 2;
      break;
    case EolStyle::Lf:
      p = s.find('\n', start);
      len = 1;
      break;
    case EolStyle::Nul:
      p = s.find('\0', start);
      len = 1;
      break;
  }
  if (p == std::string::npos) return -1;
  *eolLen = len;
  return static_cast<ssize_t>(p);
}

struct Recorded {
  size_t origSize;
  size_t nAdded;
  size_t nDeleted;
  bool operator==(const Recorded&) const = default;
};

char* toString(const Recorded& r) {
  return QTest::toString(QStringLiteral("{orig %1, +%2, -%3}")
                             .arg(r.origSize)
                             .arg(r.nAdded)
                             .arg(r.nDeleted));
}

}  // namespace

class TestBuffer : public QObject {
  Q_OBJECT

 private slots:
  // setLibeventCompatible: libevent 2.1.12's chain sizes (976 data bytes in a
  // 1024-byte first chain, the next doubled, never above 4096 by doubling,
  // trailing empty chains reported by peek); the native default keeps bigger
  // blocks. Figures from Debian's libevent (scenario evbuffer_chains).
  void libeventChainSizes() {
    Buffer lib;
    lib.setLibeventCompatible(true);
    const std::string chunk(97, 'x');
    for (int i = 0; i < 12; ++i) QCOMPARE(lib.add(chunk.data(), chunk.size()), 0);
    struct iovec v[8];
    QCOMPARE(lib.peek(-1, v, 8), 2);
    QCOMPARE(v[0].iov_len, size_t{976});
    QCOMPARE(v[1].iov_len, size_t{188});
    QCOMPARE(lib.firstBlockLength(), size_t{976});
    for (int i = 0; i < 20; ++i) QCOMPARE(lib.add(chunk.data(), chunk.size()), 0);
    QCOMPARE(lib.peek(-1, v, 8), 3);
    QCOMPARE(v[1].iov_len, size_t{2000});

    Buffer fresh;
    fresh.setLibeventCompatible(true);
    QCOMPARE(fresh.reserveSpace(100, v, 1), 1);
    QCOMPARE(v[0].iov_len, size_t{976});
    QCOMPARE(fresh.expand(10), 0);
    QCOMPARE(fresh.peek(-1, v, 8), 1);  // the empty chain, as libevent reports it
    QCOMPARE(v[0].iov_len, size_t{0});

    // An abandoned two-extent reservation leaves two empty blocks; an add
    // then writes into the first, so no empty block precedes the data.
    QCOMPARE(fresh.reserveSpace(3000, v, 2), 2);
    const std::string big(2000, 'y');
    QCOMPARE(fresh.add(big.data(), big.size()), 0);
    QCOMPARE(QString::fromStdString(fresh.validate()), QString());
    QCOMPARE(fresh.firstBlockLength(), size_t{976});
    std::string out(big.size(), '\0');
    QCOMPARE(fresh.copyout(out.data(), out.size()), ssize_t{2000});
    QVERIFY(out == big);

    Buffer native;
    QCOMPARE(native.reserveSpace(100, v, 1), 1);
    QVERIFY(v[0].iov_len > 976);
    QCOMPARE(native.expand(10), 0);
    QCOMPARE(native.peek(-1, v, 8), 0);
  }

  void emptyBuffer();
  void addAndCopyout_data();
  void addAndCopyout();
  void smallAddsShareOneBlock();
  void largeAddIsOneBlock();
  void prepend_data();
  void prepend();
  void prependReusesDrainedRoom();
  void drainAndRemove();
  void copyoutFrom();
  void pullup_data();
  void pullup();
  void search_data();
  void search();
  void searchRange();
  void readln_data();
  void readln();
  void readlnMallocKeepsNuls();
  void searchEolNeverBacksUpPastStart();
  void peek();
  void peekAt();
  void addBufferMovesBlocks();
  void addBufferIntoEmptyAndSelf();
  void prependBufferMovesBlocks();
  void removeBuffer();
  void reserveCommit_data();
  void reserveCommit();
  void commitRejectsForeignExtents();
  void expandAvoidsAllocation();
  void readFromFdSpillsOver();
  void readFromFdCapsAndErrors();
  void writeToFdLimits();
  void callbackInfo();
  void callbackOrderAndRemoval();
  void callbackReentrancy();
  void deferredCallbacks();
  void freeze();
  void addPrintf();
  void moveSemantics();
  void randomOps_data();
  void randomOps();
};

void TestBuffer::emptyBuffer() {
  Buffer b;
  QCOMPARE(b.length(), size_t{0});
  QCOMPARE(b.firstBlockLength(), size_t{0});
  QCOMPARE(b.blockCount(), size_t{0});
  QVERIFY(b.pullup(-1) == nullptr);
  QVERIFY(b.pullup(0) == nullptr);
  char c;
  QCOMPARE(b.remove(&c, 1), ssize_t{0});
  QCOMPARE(b.copyout(&c, 1), ssize_t{0});
  QCOMPARE(b.drain(10), 0);
  QVERIFY(!b.readln(EolStyle::Lf).has_value());
  size_t n = 99;
  QVERIFY(b.readlnMalloc(&n, EolStyle::Any) == nullptr);
  QCOMPARE(n, size_t{0});
  QCOMPARE(b.search("a", 1), ssize_t{-1});
  QCOMPARE(b.peek(-1, nullptr, 0), 0);
  VALIDATE(b);
}

void TestBuffer::addAndCopyout_data() {
  QTest::addColumn<int>("total");
  QTest::addColumn<int>("chunk");
  QTest::newRow("nothing") << 0 << 1;
  QTest::newRow("one byte") << 1 << 1;
  QTest::newRow("one block exactly") << 4064 << 4064;
  QTest::newRow("one past a block") << 4065 << 4065;
  QTest::newRow("small chunks") << 10000 << 7;
  QTest::newRow("block-sized chunks") << 100000 << 4096;
  QTest::newRow("one megabyte at once") << (1 << 20) << (1 << 20);
  QTest::newRow("odd chunks") << 300000 << 9999;
}

void TestBuffer::addAndCopyout() {
  QFETCH(int, total);
  QFETCH(int, chunk);
  const std::string data = pattern(static_cast<size_t>(total));
  Buffer b;
  for (size_t off = 0; off < data.size(); off += static_cast<size_t>(chunk)) {
    const size_t n = std::min(static_cast<size_t>(chunk), data.size() - off);
    QCOMPARE(b.add(data.data() + off, n), 0);
    VALIDATE(b);
  }
  QCOMPARE(b.length(), data.size());
  QVERIFY(contents(b) == data);
  std::string out(data.size(), '\0');
  QCOMPARE(b.remove(out.data(), out.size()), static_cast<ssize_t>(data.size()));
  QVERIFY(out == data);
  QCOMPARE(b.length(), size_t{0});
  VALIDATE(b);
}

void TestBuffer::smallAddsShareOneBlock() {
  Buffer b;
  for (int i = 0; i < 100; ++i) b.add("0123456789", 10);
  QCOMPARE(b.blockCount(), size_t{1});
  QCOMPARE(b.firstBlockLength(), size_t{1000});
  VALIDATE(b);
}

void TestBuffer::largeAddIsOneBlock() {
  const std::string big = pattern(1 << 20);
  Buffer b;
  b.add(big.data(), big.size());
  QCOMPARE(b.blockCount(), size_t{1});
  QCOMPARE(b.firstBlockLength(), big.size());
  VALIDATE(b);
}

void TestBuffer::prepend_data() {
  QTest::addColumn<int>("initial");
  QTest::addColumn<int>("prepended");
  QTest::newRow("into empty") << 0 << 10;
  QTest::newRow("big into empty") << 0 << 20000;
  QTest::newRow("small before data") << 100 << 10;
  QTest::newRow("big before data") << 100 << 20000;
  QTest::newRow("before multi-block data") << 50000 << 3000;
}

void TestBuffer::prepend() {
  QFETCH(int, initial);
  QFETCH(int, prepended);
  const std::string tail = pattern(static_cast<size_t>(initial), 1);
  const std::string head = pattern(static_cast<size_t>(prepended), 2);
  Buffer b;
  b.add(tail.data(), tail.size());
  QCOMPARE(b.prepend(head.data(), head.size()), 0);
  VALIDATE(b);
  QVERIFY(contents(b) == head + tail);
  // A second prepend stacks in front of the first.
  QCOMPARE(b.prepend("<<", 2), 0);
  VALIDATE(b);
  QVERIFY(contents(b) == "<<" + head + tail);
}

void TestBuffer::prependReusesDrainedRoom() {
  Buffer b;
  b.add("headerpayload", 13);
  b.drain(6);
  QCOMPARE(b.blockCount(), size_t{1});
  QCOMPARE(b.prepend("HEADER", 6), 0);
  QCOMPARE(b.blockCount(), size_t{1});  // landed in the drained front room
  QCOMPARE(toQt(contents(b)), QByteArray("HEADERpayload"));
  VALIDATE(b);
}

void TestBuffer::drainAndRemove() {
  Buffer b;
  appendFragmented(b, {"abc", "defgh", "ij"});
  QCOMPARE(b.blockCount(), size_t{3});
  QCOMPARE(b.drain(0), 0);
  QCOMPARE(b.length(), size_t{10});
  QCOMPARE(b.drain(4), 0);  // a whole block plus one byte
  VALIDATE(b);
  QCOMPARE(b.blockCount(), size_t{2});
  QCOMPARE(b.firstBlockLength(), size_t{4});
  QCOMPARE(toQt(contents(b)), QByteArray("efghij"));
  char out[16] = {};
  QCOMPARE(b.remove(out, 5), ssize_t{5});
  QCOMPARE(QByteArray(out, 5), QByteArray("efghi"));
  VALIDATE(b);
  QCOMPARE(b.remove(out, sizeof out), ssize_t{1});
  QCOMPARE(out[0], 'j');
  QCOMPARE(b.length(), size_t{0});
  VALIDATE(b);
  b.add("xyz", 3);
  QCOMPARE(b.drain(1000), 0);  // more than length empties
  QCOMPARE(b.length(), size_t{0});
  VALIDATE(b);
}

void TestBuffer::copyoutFrom() {
  Buffer b;
  appendFragmented(b, {"0123", "4567", "89"});
  char out[16] = {};
  QCOMPARE(b.copyoutFrom(3, out, 4), ssize_t{4});
  QCOMPARE(QByteArray(out, 4), QByteArray("3456"));
  QCOMPARE(b.copyoutFrom(8, out, 10), ssize_t{2});
  QCOMPARE(QByteArray(out, 2), QByteArray("89"));
  QCOMPARE(b.copyoutFrom(10, out, 1), ssize_t{0});
  QCOMPARE(b.copyoutFrom(11, out, 1), ssize_t{-1});
  QCOMPARE(b.length(), size_t{10});  // nothing removed
}

void TestBuffer::pullup_data() {
  QTest::addColumn<QByteArrayList>("fragments");
  QTest::addColumn<int>("size");
  QTest::addColumn<bool>("expectPointer");
  QTest::newRow("already contiguous") << QByteArrayList{"hello", "world"} << 3 << true;
  QTest::newRow("exactly the first block") << QByteArrayList{"hello", "world"} << 5 << true;
  QTest::newRow("across two") << QByteArrayList{"hello", "world"} << 7 << true;
  QTest::newRow("everything") << QByteArrayList{"a", "bc", "def", "ghij"} << -1 << true;
  QTest::newRow("all by size") << QByteArrayList{"a", "bc", "def", "ghij"} << 10 << true;
  QTest::newRow("too many") << QByteArrayList{"a", "bc"} << 4 << false;
  QTest::newRow("zero") << QByteArrayList{"a", "bc"} << 0 << false;
  QTest::newRow("bigger than a block")
      << QByteArrayList{QByteArray(3000, 'x'), QByteArray(3000, 'y'), QByteArray(3000, 'z')}
      << 8000 << true;
}

void TestBuffer::pullup() {
  QFETCH(QByteArrayList, fragments);
  QFETCH(int, size);
  QFETCH(bool, expectPointer);
  Buffer b;
  appendFragmented(b, fragments);
  const std::string before = contents(b);
  unsigned char* p = b.pullup(size);
  VALIDATE(b);
  QCOMPARE(p != nullptr, expectPointer);
  QVERIFY(contents(b) == before);
  if (p != nullptr) {
    const size_t n = size < 0 ? before.size() : static_cast<size_t>(size);
    QVERIFY(b.firstBlockLength() >= n);
    QVERIFY(std::memcmp(p, before.data(), n) == 0);
    struct iovec v;
    QVERIFY(b.peek(1, &v, 1) >= 1);
    QCOMPARE(static_cast<void*>(p), v.iov_base);
  }
}

void TestBuffer::search_data() {
  QTest::addColumn<QByteArrayList>("fragments");
  QTest::addColumn<QByteArray>("what");
  QTest::addColumn<int>("start");
  QTest::addColumn<int>("expected");
  QTest::newRow("inside a block") << QByteArrayList{"hello world"} << QByteArray("o w") << 0 << 4;
  QTest::newRow("across a boundary") << QByteArrayList{"ab", "cd"} << QByteArray("bc") << 0 << 1;
  QTest::newRow("across three blocks")
      << QByteArrayList{"xa", "b", "cx"} << QByteArray("abc") << 0 << 1;
  QTest::newRow("false start then match")
      << QByteArrayList{"xa", "ax", "aab"} << QByteArray("aab") << 0 << 4;
  QTest::newRow("partial match at the end") << QByteArrayList{"abc", "ab"} << QByteArray("abx") << 0
                                            << -1;
  QTest::newRow("from start") << QByteArrayList{"abcab", "c"} << QByteArray("abc") << 1 << 3;
  QTest::newRow("start is the match") << QByteArrayList{"abcabc"} << QByteArray("abc") << 3 << 3;
  QTest::newRow("longer than buffer") << QByteArrayList{"ab"} << QByteArray("abc") << 0 << -1;
  QTest::newRow("absent") << QByteArrayList{"hello", "world"} << QByteArray("xyz") << 0 << -1;
  QTest::newRow("empty pattern gives start") << QByteArrayList{"abc"} << QByteArray() << 2 << 2;
  QTest::newRow("start past the end") << QByteArrayList{"abc"} << QByteArray("a") << 4 << -1;
  QTest::newRow("crlf split") << QByteArrayList{"line\r", "\nnext"} << QByteArray("\r\n") << 0
                              << 4;
}

void TestBuffer::search() {
  QFETCH(QByteArrayList, fragments);
  QFETCH(QByteArray, what);
  QFETCH(int, start);
  QFETCH(int, expected);
  Buffer b;
  appendFragmented(b, fragments);
  QCOMPARE(b.search(what.constData(), static_cast<size_t>(what.size()), static_cast<size_t>(start)),
           static_cast<ssize_t>(expected));
}

void TestBuffer::searchRange() {
  Buffer b;
  appendFragmented(b, {"abcd", "efab", "cd"});
  QCOMPARE(b.searchRange("cd", 2, 0, 4), ssize_t{2});
  QCOMPARE(b.searchRange("cd", 2, 0, 3), ssize_t{-1});  // match would end past end
  QCOMPARE(b.searchRange("cd", 2, 3, 10), ssize_t{8});
  QCOMPARE(b.searchRange("cd", 2, 3, 9), ssize_t{-1});
}

void TestBuffer::readln_data() {
  QTest::addColumn<EolStyle>("style");
  QTest::addColumn<QByteArrayList>("fragments");
  QTest::addColumn<QByteArrayList>("lines");
  QTest::addColumn<QByteArray>("rest");

  QTest::newRow("any: a run is one eol")
      << EolStyle::Any << QByteArrayList{"a\r\n\r\nb\n"} << QByteArrayList{"a", "b"}
      << QByteArray();
  QTest::newRow("any: runs across blocks")
      << EolStyle::Any << QByteArrayList{"a\r", "\nb\r", "\r", "\nc"} << QByteArrayList{"a", "b"}
      << QByteArray("c");
  QTest::newRow("any: lone cr") << EolStyle::Any << QByteArrayList{"x\ry"}
                                << QByteArrayList{"x"} << QByteArray("y");
  QTest::newRow("any: lf cr") << EolStyle::Any << QByteArrayList{"x\n\ry"} << QByteArrayList{"x"}
                              << QByteArray("y");
  QTest::newRow("any: none") << EolStyle::Any << QByteArrayList{"abc"} << QByteArrayList{}
                             << QByteArray("abc");

  QTest::newRow("crlf: lf or crlf")
      << EolStyle::Crlf << QByteArrayList{"a\nb\r\nc"} << QByteArrayList{"a", "b"}
      << QByteArray("c");
  QTest::newRow("crlf: lone crs stay in the line")
      << EolStyle::Crlf << QByteArrayList{"c\r\rd\n"} << QByteArrayList{"c\r\rd"} << QByteArray();
  QTest::newRow("crlf: cr cr lf") << EolStyle::Crlf << QByteArrayList{"\r\r\n"}
                                  << QByteArrayList{"\r"} << QByteArray();
  QTest::newRow("crlf: split across blocks")
      << EolStyle::Crlf << QByteArrayList{"ab\r", "\ncd", "\n"} << QByteArrayList{"ab", "cd"}
      << QByteArray();
  QTest::newRow("crlf: empty lines") << EolStyle::Crlf << QByteArrayList{"\n\r\n"}
                                     << QByteArrayList{"", ""} << QByteArray();
  QTest::newRow("crlf: cr only is no eol") << EolStyle::Crlf << QByteArrayList{"ab\r"}
                                           << QByteArrayList{} << QByteArray("ab\r");

  QTest::newRow("strict: only crlf")
      << EolStyle::CrlfStrict << QByteArrayList{"a\nb\r\nc"} << QByteArrayList{"a\nb"}
      << QByteArray("c");
  QTest::newRow("strict: split across blocks")
      << EolStyle::CrlfStrict << QByteArrayList{"x\r", "\ny"} << QByteArrayList{"x"}
      << QByteArray("y");
  QTest::newRow("strict: cr cr lf") << EolStyle::CrlfStrict << QByteArrayList{"\r", "\r\n"}
                                    << QByteArrayList{"\r"} << QByteArray();
  QTest::newRow("strict: lf cr is no eol") << EolStyle::CrlfStrict << QByteArrayList{"a\n\rb"}
                                           << QByteArrayList{} << QByteArray("a\n\rb");

  QTest::newRow("lf: keeps the cr") << EolStyle::Lf << QByteArrayList{"a\r\nb\n"}
                                    << QByteArrayList{"a\r", "b"} << QByteArray();
  QTest::newRow("lf: line over three blocks")
      << EolStyle::Lf << QByteArrayList{"a", "b", "c\nd"} << QByteArrayList{"abc"}
      << QByteArray("d");
  QTest::newRow("lf: empty lines") << EolStyle::Lf << QByteArrayList{"\n", "\n"}
                                   << QByteArrayList{"", ""} << QByteArray();

  QTest::newRow("nul: splits on zero bytes")
      << EolStyle::Nul << QByteArrayList{QByteArray("a\0b", 3), QByteArray("\0c", 2)}
      << QByteArrayList{"a", "b"} << QByteArray("c");
  QTest::newRow("nul: newlines are data")
      << EolStyle::Nul << QByteArrayList{QByteArray("a\r\n\0", 4)} << QByteArrayList{"a\r\n"}
      << QByteArray();
}

void TestBuffer::readln() {
  QFETCH(EolStyle, style);
  QFETCH(QByteArrayList, fragments);
  QFETCH(QByteArrayList, lines);
  QFETCH(QByteArray, rest);
  Buffer b;
  appendFragmented(b, fragments);
  QByteArrayList got;
  while (auto line = b.readln(style)) {
    got.append(toQt(*line));
    VALIDATE(b);
  }
  QCOMPARE(got, lines);
  QCOMPARE(toQt(contents(b)), rest);

  // The C form agrees line for line.
  Buffer c;
  appendFragmented(c, fragments);
  QByteArrayList gotC;
  size_t n = 0;
  while (char* line = c.readlnMalloc(&n, style)) {
    QCOMPARE(line[n], '\0');
    gotC.append(QByteArray(line, static_cast<qsizetype>(n)));
    std::free(line);
  }
  QCOMPARE(n, size_t{0});
  QCOMPARE(gotC, lines);
  VALIDATE(c);
}

void TestBuffer::readlnMallocKeepsNuls() {
  Buffer b;
  b.add("a\0b\nrest", 8);
  size_t n = 0;
  char* line = b.readlnMalloc(&n, EolStyle::Lf);
  QVERIFY(line != nullptr);
  QCOMPARE(n, size_t{3});
  QCOMPARE(QByteArray(line, 4), QByteArray("a\0b\0", 4));
  std::free(line);
  QCOMPARE(toQt(contents(b)), QByteArray("rest"));
  // nReadOut may be null.
  b.add("\n", 1);
  line = b.readlnMalloc(nullptr, EolStyle::Lf);
  QCOMPARE(QByteArray(line), QByteArray("rest"));
  std::free(line);
}

void TestBuffer::searchEolNeverBacksUpPastStart() {
  Buffer b;
  appendFragmented(b, {"a\r", "\nb\r\n"});
  size_t eol = 0;
  QCOMPARE(b.searchEol(0, EolStyle::Crlf, &eol), ssize_t{1});
  QCOMPARE(eol, size_t{2});
  QCOMPARE(b.searchEol(2, EolStyle::Crlf, &eol), ssize_t{2});  // the '\r' is before start
  QCOMPARE(eol, size_t{1});
  QCOMPARE(b.searchEol(3, EolStyle::CrlfStrict, &eol), ssize_t{4});
  QCOMPARE(eol, size_t{2});
  QCOMPARE(b.searchEol(1, EolStyle::Any, &eol), ssize_t{1});
  QCOMPARE(eol, size_t{2});
  QCOMPARE(b.searchEol(6, EolStyle::Lf, &eol), ssize_t{-1});
  QCOMPARE(eol, size_t{0});
}

void TestBuffer::peek() {
  Buffer b;
  appendFragmented(b, {"aaa", "bb", "c"});
  QCOMPARE(b.peek(-1, nullptr, 0), 3);
  QCOMPARE(b.peek(4, nullptr, 0), 2);
  QCOMPARE(b.peek(0, nullptr, 0), 0);
  iovec v[3];
  QCOMPARE(b.peek(-1, v, 2), 2);  // fills what it can
  QCOMPARE(QByteArray(static_cast<char*>(v[0].iov_base), 3), QByteArray("aaa"));
  QCOMPARE(QByteArray(static_cast<char*>(v[1].iov_base), 2), QByteArray("bb"));
  QCOMPARE(b.peek(4, v, 3), 2);
  QCOMPARE(b.peek(6, v, 1), 3);  // needs three, got one
  QCOMPARE(v[0].iov_len, size_t{3});
  QCOMPARE(b.length(), size_t{6});
}

void TestBuffer::peekAt() {
  Buffer b;
  appendFragmented(b, {"aaa", "bb", "c"});
  iovec v[3];
  QCOMPARE(b.peekAt(1, -1, v, 3), 3);
  QCOMPARE(QByteArray(static_cast<char*>(v[0].iov_base), static_cast<qsizetype>(v[0].iov_len)),
           QByteArray("aa"));
  QCOMPARE(b.peekAt(3, 1, v, 3), 1);
  QCOMPARE(QByteArray(static_cast<char*>(v[0].iov_base), static_cast<qsizetype>(v[0].iov_len)),
           QByteArray("bb"));
  QCOMPARE(b.peekAt(6, -1, v, 3), 0);
  QCOMPARE(b.peekAt(7, -1, v, 3), -1);
}

void TestBuffer::addBufferMovesBlocks() {
  Buffer src;
  appendFragmented(src, {"one", "two", "three"});
  const std::vector<iovec> srcBlocks = extents(src);
  QCOMPARE(srcBlocks.size(), size_t{3});

  Buffer dst;
  dst.add("head:", 5);
  QCOMPARE(dst.addBuffer(src), 0);
  VALIDATE(dst);
  VALIDATE(src);
  QCOMPARE(src.length(), size_t{0});
  QCOMPARE(toQt(contents(dst)), QByteArray("head:onetwothree"));
  const std::vector<iovec> dstBlocks = extents(dst);
  QCOMPARE(dstBlocks.size(), size_t{4});
  for (size_t i = 0; i < srcBlocks.size(); ++i) {
    QCOMPARE(dstBlocks[i + 1].iov_base, srcBlocks[i].iov_base);  // same memory, no copy
    QCOMPARE(dstBlocks[i + 1].iov_len, srcBlocks[i].iov_len);
  }
  // Both stay usable.
  src.add("again", 5);
  dst.add("!", 1);
  VALIDATE(src);
  VALIDATE(dst);
  QCOMPARE(toQt(contents(dst)), QByteArray("head:onetwothree!"));
}

void TestBuffer::addBufferIntoEmptyAndSelf() {
  Buffer src;
  src.add("data", 4);
  void* block = extents(src)[0].iov_base;
  Buffer dst;
  iovec v;
  QCOMPARE(dst.reserveSpace(100, &v, 1), 1);  // an empty block that must not end up in the middle
  QCOMPARE(dst.addBuffer(src), 0);
  VALIDATE(dst);
  QCOMPARE(extents(dst)[0].iov_base, block);
  QCOMPARE(dst.addBuffer(dst), 0);
  QCOMPARE(toQt(contents(dst)), QByteArray("data"));
  Buffer empty;
  QCOMPARE(dst.addBuffer(empty), 0);
  QCOMPARE(dst.length(), size_t{4});
  VALIDATE(dst);
}

void TestBuffer::prependBufferMovesBlocks() {
  Buffer src;
  appendFragmented(src, {"GET ", "/ "});
  const std::vector<iovec> srcBlocks = extents(src);
  Buffer dst;
  dst.add("HTTP/1.1", 8);
  QCOMPARE(dst.prependBuffer(src), 0);
  VALIDATE(dst);
  VALIDATE(src);
  QCOMPARE(toQt(contents(dst)), QByteArray("GET / HTTP/1.1"));
  const std::vector<iovec> dstBlocks = extents(dst);
  QCOMPARE(dstBlocks[0].iov_base, srcBlocks[0].iov_base);
  QCOMPARE(dstBlocks[1].iov_base, srcBlocks[1].iov_base);
  Buffer empty;
  QCOMPARE(empty.prependBuffer(dst), 0);
  QCOMPARE(toQt(contents(empty)), QByteArray("GET / HTTP/1.1"));
  VALIDATE(empty);
}

void TestBuffer::removeBuffer() {
  Buffer src;
  appendFragmented(src, {"aaaa", "bbbb", "cccc"});
  const std::vector<iovec> srcBlocks = extents(src);
  Buffer dst;
  dst.add(">", 1);
  QCOMPARE(src.removeBuffer(dst, 6), ssize_t{6});
  VALIDATE(src);
  VALIDATE(dst);
  QCOMPARE(toQt(contents(dst)), QByteArray(">aaaabb"));
  QCOMPARE(toQt(contents(src)), QByteArray("bbcccc"));
  QCOMPARE(extents(dst)[1].iov_base, srcBlocks[0].iov_base);  // the whole block moved
  QCOMPARE(src.removeBuffer(dst, 0), ssize_t{0});
  QCOMPARE(src.removeBuffer(dst, 100), ssize_t{6});
  QCOMPARE(src.length(), size_t{0});
  QCOMPARE(toQt(contents(dst)), QByteArray(">aaaabbbbcccc"));
  VALIDATE(src);
  VALIDATE(dst);
}

void TestBuffer::reserveCommit_data() {
  QTest::addColumn<int>("nvec");
  QTest::addColumn<int>("size");
  QTest::addColumn<int>("commit");
  QTest::addColumn<bool>("withData");
  for (int nvec : {1, 2, 4}) {
    for (int size : {0, 10, 5000, 100000}) {
      for (bool withData : {false, true}) {
        const int commit = size / 2 + 1;
        QTest::addRow("nvec %d size %d%s", nvec, size, withData ? " after data" : "")
            << nvec << size << commit << withData;
      }
    }
  }
}

void TestBuffer::reserveCommit() {
  QFETCH(int, nvec);
  QFETCH(int, size);
  QFETCH(int, commit);
  QFETCH(bool, withData);
  Buffer b;
  std::string model;
  if (withData) {
    model = pattern(4000, 3);
    b.add(model.data(), model.size());
  }
  std::vector<iovec> v(static_cast<size_t>(nvec));
  const int n = b.reserveSpace(size, v.data(), nvec);
  QVERIFY(n >= 0 && n <= nvec);
  VALIDATE(b);
  QCOMPARE(b.length(), model.size());  // reserved space is not readable yet
  size_t total = 0;
  for (int i = 0; i < n; ++i) total += v[static_cast<size_t>(i)].iov_len;
  QVERIFY(total >= static_cast<size_t>(size));
  if (nvec == 1) QCOMPARE(n, 1);

  // Reserving again before committing hands out the same space.
  std::vector<iovec> again(static_cast<size_t>(nvec));
  QCOMPARE(b.reserveSpace(size, again.data(), nvec), n);
  for (int i = 0; i < n; ++i) {
    QCOMPARE(again[static_cast<size_t>(i)].iov_base, v[static_cast<size_t>(i)].iov_base);
  }

  // Fill a prefix of the extents and commit just that.
  const size_t want = std::min(total, static_cast<size_t>(commit));
  const std::string data = pattern(want, 9);
  size_t off = 0;
  int used = 0;
  for (int i = 0; i < n && off < want; ++i) {
    iovec& e = v[static_cast<size_t>(i)];
    e.iov_len = std::min(e.iov_len, want - off);
    std::memcpy(e.iov_base, data.data() + off, e.iov_len);
    off += e.iov_len;
    used = i + 1;
  }
  QCOMPARE(b.commitSpace(v.data(), used), 0);
  VALIDATE(b);
  QVERIFY(contents(b) == model + data);
  b.add("tail", 4);
  VALIDATE(b);
  QVERIFY(contents(b) == model + data + "tail");
}

void TestBuffer::commitRejectsForeignExtents() {
  Buffer a;
  Buffer other;
  iovec v;
  iovec w;
  QCOMPARE(a.reserveSpace(100, &v, 1), 1);
  QCOMPARE(other.reserveSpace(100, &w, 1), 1);
  w.iov_len = 10;
  QCOMPARE(a.commitSpace(&w, 1), -1);
  iovec tooLong = v;
  tooLong.iov_len = v.iov_len + 1;
  QCOMPARE(a.commitSpace(&tooLong, 1), -1);
  QCOMPARE(a.commitSpace(&v, 0), 0);
  QCOMPARE(a.length(), size_t{0});
  QCOMPARE(a.reserveSpace(-1, &v, 1), -1);
  QCOMPARE(a.reserveSpace(10, &v, 0), -1);
  // Adding after reserving moves the free space: the old extent is refused.
  QCOMPARE(a.reserveSpace(100, &v, 1), 1);
  a.add("x", 1);
  v.iov_len = 1;
  QCOMPARE(a.commitSpace(&v, 1), -1);
  QCOMPARE(toQt(contents(a)), QByteArray("x"));
  VALIDATE(a);
}

void TestBuffer::expandAvoidsAllocation() {
  Buffer b;
  b.add("x", 1);
  QCOMPARE(b.expand(10000), 0);
  VALIDATE(b);
  const size_t blocks = b.blockCount();
  const std::string data = pattern(10000);
  b.add(data.data(), data.size());
  QCOMPARE(b.blockCount(), blocks);
  VALIDATE(b);
  QVERIFY(contents(b) == "x" + data);

  Buffer c;
  QCOMPARE(c.expand(50000), 0);
  iovec v;
  QCOMPARE(c.reserveSpace(50000, &v, 1), 1);
  QVERIFY(v.iov_len >= 50000);
  QCOMPARE(c.blockCount(), size_t{1});
}

void TestBuffer::readFromFdSpillsOver() {
  int fds[2];
  QCOMPARE(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
  setNonBlocking(fds[0]);
  setNonBlocking(fds[1]);
  const int big = 1 << 20;
  ::setsockopt(fds[0], SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
  ::setsockopt(fds[1], SOL_SOCKET, SO_RCVBUF, &big, sizeof big);

  const std::string data = pattern(600 * 1024, 5);
  Buffer out;
  out.add(data.data(), data.size());
  Buffer in;
  ssize_t largestRead = 0;
  int rounds = 0;
  while (in.length() < data.size()) {
    QVERIFY(++rounds < 100000);
    if (out.length() > 0) {
      int err = 0;
      const ssize_t w = out.writeToFd(fds[0], SIZE_MAX, &err);
      QVERIFY2(w > 0 || (w < 0 && err == EAGAIN), std::strerror(err));
      VALIDATE(out);
    }
    for (;;) {
      int err = 0;
      const ssize_t r = in.readFromFd(fds[1], 0, &err);
      if (r < 0) {
        QCOMPARE(err, EAGAIN);
        break;
      }
      QVERIFY(r > 0);
      largestRead = std::max(largestRead, r);
      VALIDATE(in);
    }
  }
  QVERIFY(contents(in) == data);
  // One call reads past the first block's tail into the stack spill.
  QVERIFY2(largestRead > 4096, qPrintable(QString::number(largestRead)));

  ::shutdown(fds[0], SHUT_WR);
  QCOMPARE(in.readFromFd(fds[1]), ssize_t{0});  // EOF
  QCOMPARE(in.length(), data.size());
  VALIDATE(in);
  ::close(fds[0]);
  ::close(fds[1]);
}

void TestBuffer::readFromFdCapsAndErrors() {
  int p[2];
  QCOMPARE(::pipe(p), 0);
  setNonBlocking(p[0]);
  int err = 0;
  Buffer in;
  QCOMPARE(in.readFromFd(p[0], 0, &err), ssize_t{-1});
  QCOMPARE(err, EAGAIN);
  QCOMPARE(errno, EAGAIN);

  const std::string data = pattern(10000, 11);
  QCOMPARE(::write(p[1], data.data(), data.size()), static_cast<ssize_t>(data.size()));
  QCOMPARE(in.readFromFd(p[0], 100), ssize_t{100});
  QCOMPARE(in.length(), size_t{100});
  QCOMPARE(in.readFromFd(p[0], 5000), ssize_t{5000});  // more than one block's tail
  QCOMPARE(in.readFromFd(p[0]), ssize_t{4900});
  QVERIFY(contents(in) == data);
  VALIDATE(in);
  ::close(p[1]);
  QCOMPARE(in.readFromFd(p[0]), ssize_t{0});
  ::close(p[0]);
  QCOMPARE(in.readFromFd(p[0], 0, &err), ssize_t{-1});
  QCOMPARE(err, EBADF);
  VALIDATE(in);
}

void TestBuffer::writeToFdLimits() {
  int p[2];
  QCOMPARE(::pipe(p), 0);
  Buffer out;
  QByteArrayList pieces;
  for (int i = 0; i < 100; ++i) pieces.append(QByteArray(10, static_cast<char>('a' + i % 26)));
  appendFragmented(out, pieces);
  QCOMPARE(out.blockCount(), size_t{100});
  const std::string all = contents(out);
  QCOMPARE(out.writeToFd(p[1], 25), ssize_t{25});
  QCOMPARE(out.length(), size_t{975});
  VALIDATE(out);
  // 64 extents per writev: the first call stops at the 64th block.
  const ssize_t w = out.writeToFd(p[1]);
  QCOMPARE(w, ssize_t{5 + 63 * 10});
  QCOMPARE(out.writeToFd(p[1]), static_cast<ssize_t>(all.size() - 25 - static_cast<size_t>(w)));
  QCOMPARE(out.length(), size_t{0});
  QCOMPARE(out.writeToFd(p[1]), ssize_t{0});  // nothing to write
  std::string got(all.size(), '\0');
  QCOMPARE(::read(p[0], got.data(), got.size()), static_cast<ssize_t>(all.size()));
  QVERIFY(got == all);
  ::close(p[0]);
  int err = 0;
  out.add("x", 1);
  QCOMPARE(out.writeToFd(-1, SIZE_MAX, &err), ssize_t{-1});
  QCOMPARE(err, EBADF);
  QCOMPARE(out.length(), size_t{1});
  ::close(p[1]);
}

void TestBuffer::callbackInfo() {
  Buffer b;
  std::vector<Recorded> seen;
  b.addCallback([&seen](const Buffer&, const Buffer::ChangeInfo& i) {
    seen.push_back({i.origSize, i.nAdded, i.nDeleted});
  });
  b.add("0123456789", 10);
  b.prepend("abcde", 5);
  b.drain(3);
  char out[4];
  b.remove(out, 2);
  b.add("", 0);   // no change, no callback
  b.drain(0);     // likewise
  b.add("x\r\ny", 4);
  QVERIFY(b.readln(EolStyle::Crlf).has_value());  // line and EOL: two changes, as libevent
  const std::vector<Recorded> expected = {
      {0, 10, 0}, {10, 5, 0}, {15, 0, 3}, {12, 0, 2}, {10, 4, 0}, {14, 0, 11}, {3, 0, 2}};
  QCOMPARE(seen.size(), expected.size());
  for (size_t i = 0; i < seen.size(); ++i) QCOMPARE(seen[i], expected[i]);

  seen.clear();
  Buffer src;
  std::vector<Recorded> srcSeen;
  src.addCallback([&srcSeen](const Buffer&, const Buffer::ChangeInfo& i) {
    srcSeen.push_back({i.origSize, i.nAdded, i.nDeleted});
  });
  src.add("moved", 5);
  b.addBuffer(src);
  QCOMPARE(srcSeen.size(), size_t{2});
  QCOMPARE(srcSeen[1], (Recorded{5, 0, 5}));
  QCOMPARE(seen.size(), size_t{1});
  QCOMPARE(seen[0], (Recorded{1, 5, 0}));

  seen.clear();
  iovec v;
  b.reserveSpace(10, &v, 1);
  std::memcpy(v.iov_base, "abc", 3);
  v.iov_len = 3;
  b.commitSpace(&v, 1);
  QCOMPARE(seen.size(), size_t{1});
  QCOMPARE(seen[0], (Recorded{6, 3, 0}));
}

namespace {
void rawRecorder(Buffer* b, const Buffer::ChangeInfo* info, void* arg) {
  auto* log = static_cast<std::vector<std::string>*>(arg);
  log->push_back("raw:" + std::to_string(info->nAdded) + ":" + std::to_string(b->length()));
}
}  // namespace

void TestBuffer::callbackOrderAndRemoval() {
  Buffer b;
  std::vector<std::string> log;
  const auto first = b.addCallback([&log](const Buffer&, const Buffer::ChangeInfo&) {
    log.push_back("first");
  });
  const auto second = b.addCallback([&log](const Buffer&, const Buffer::ChangeInfo&) {
    log.push_back("second");
  });
  const auto raw = b.addCallback(&rawRecorder, &log);
  b.add("ab", 2);
  // Newest first, like libevent's list insertion at the head.
  QCOMPARE(log, (std::vector<std::string>{"raw:2:2", "second", "first"}));

  log.clear();
  QVERIFY(b.setCallbackEnabled(second, false));
  b.add("c", 1);
  QCOMPARE(log, (std::vector<std::string>{"raw:1:3", "first"}));

  log.clear();
  QVERIFY(b.removeCallback(&rawRecorder, &log));
  QVERIFY(!b.removeCallback(&rawRecorder, &log));
  QVERIFY(b.setCallbackEnabled(second, true));
  QVERIFY(b.removeCallback(first));
  QVERIFY(!b.removeCallback(first));
  QVERIFY(!b.removeCallback(raw));
  b.drain(1);
  QCOMPARE(log, (std::vector<std::string>{"second"}));
}

void TestBuffer::callbackReentrancy() {
  Buffer b;
  std::vector<Recorded> seen;
  Buffer::CallbackId self = 0;
  int selfRuns = 0;
  // Removes itself on its first run; the others must still run.
  self = b.addCallback([&](const Buffer&, const Buffer::ChangeInfo&) {
    ++selfRuns;
    b.removeCallback(self);
  });
  // Keeps the buffer at most 4 bytes long by draining from inside the callback:
  // the nested drain notifies everyone (itself included) before the outer pass ends.
  b.addCallback([&](const Buffer& buf, const Buffer::ChangeInfo& i) {
    seen.push_back({i.origSize, i.nAdded, i.nDeleted});
    if (buf.length() > 4) b.drain(buf.length() - 4);
  });
  b.add("0123456789", 10);
  QCOMPARE(selfRuns, 1);
  QCOMPARE(toQt(contents(b)), QByteArray("6789"));
  QCOMPARE(seen.size(), size_t{2});
  QCOMPARE(seen[0], (Recorded{0, 10, 0}));
  QCOMPARE(seen[1], (Recorded{10, 0, 6}));
  b.drain(1);
  QCOMPARE(selfRuns, 1);
  QCOMPARE(seen.size(), size_t{3});
  VALIDATE(b);

  // A callback registered while callbacks run waits for the next change.
  Buffer c;
  int lateRuns = 0;
  bool registered = false;
  c.addCallback([&](const Buffer&, const Buffer::ChangeInfo&) {
    if (!registered) {
      registered = true;
      c.addCallback([&lateRuns](const Buffer&, const Buffer::ChangeInfo&) { ++lateRuns; });
    }
  });
  c.add("a", 1);
  QCOMPARE(lateRuns, 0);
  c.add("b", 1);
  QCOMPARE(lateRuns, 1);
}

void TestBuffer::deferredCallbacks() {
  Buffer b;
  int scheduled = 0;
  std::vector<Recorded> deferred;
  std::vector<Recorded> immediate;
  b.addCallback([&deferred](const Buffer&, const Buffer::ChangeInfo& i) {
    deferred.push_back({i.origSize, i.nAdded, i.nDeleted});
  });
  const auto id = b.addCallback([&immediate](const Buffer&, const Buffer::ChangeInfo& i) {
    immediate.push_back({i.origSize, i.nAdded, i.nDeleted});
  });
  QVERIFY(b.setCallbackNoDefer(id, true));
  b.add("zz", 2);
  b.drain(2);
  b.setDeferredCallbacks([&scheduled] { ++scheduled; });
  b.add("abcdef", 6);
  b.drain(2);
  b.add("g", 1);
  QCOMPARE(scheduled, 1);  // one schedule per batch
  QCOMPARE(deferred.size(), size_t{2});  // only the two immediate-mode changes
  QCOMPARE(immediate.size(), size_t{5});
  QCOMPARE(immediate[4], (Recorded{0, 7, 2}));  // running totals since the batch began
  b.runDeferredCallbacks();
  QCOMPARE(deferred.size(), size_t{3});
  QCOMPARE(deferred[2], (Recorded{0, 7, 2}));
  b.runDeferredCallbacks();  // nothing pending, nothing delivered
  QCOMPARE(deferred.size(), size_t{3});
  b.drain(1);
  QCOMPARE(scheduled, 2);
  b.setDeferredCallbacks(nullptr);  // leaving deferred mode flushes
  QCOMPARE(deferred.size(), size_t{4});
  QCOMPARE(deferred[3], (Recorded{5, 0, 1}));
  b.add("h", 1);
  QCOMPARE(deferred.size(), size_t{5});
}

void TestBuffer::freeze() {
  Buffer b;
  b.add("line\nmore", 9);
  b.freeze(true);
  QVERIFY(b.isFrozen(true));
  char out[4];
  QCOMPARE(b.drain(1), -1);
  QCOMPARE(b.remove(out, 1), ssize_t{-1});
  QCOMPARE(b.prepend("x", 1), -1);
  QVERIFY(!b.readln(EolStyle::Lf).has_value());
  QCOMPARE(b.add("!", 1), 0);  // the end is still open
  b.unfreeze(true);
  b.freeze(false);
  QCOMPARE(b.add("?", 1), -1);
  iovec v;
  QCOMPARE(b.reserveSpace(10, &v, 1), -1);
  QCOMPARE(b.readFromFd(0), ssize_t{-1});
  QCOMPARE(b.drain(1), 0);
  b.unfreeze(false);
  QCOMPARE(b.add("?", 1), 0);
  QCOMPARE(toQt(contents(b)), QByteArray("ine\nmore!?"));
  VALIDATE(b);
}

void TestBuffer::addPrintf() {
  Buffer b;
  QCOMPARE(b.addPrintf("%s=%d;", "answer", 42), 10);
  const std::string wide(5000, 'w');
  QCOMPARE(b.addPrintf("[%s]", wide.c_str()), 5002);
  QCOMPARE(b.addPrintf("%s", ""), 0);
  VALIDATE(b);
  QVERIFY(contents(b) == "answer=42;[" + wide + "]");
}

void TestBuffer::moveSemantics() {
  Buffer a;
  int calls = 0;
  a.addCallback([&calls](const Buffer&, const Buffer::ChangeInfo&) { ++calls; });
  appendFragmented(a, {"abc", "def"});
  const int before = calls;
  Buffer b(std::move(a));
  VALIDATE(b);
  VALIDATE(a);
  QCOMPARE(toQt(contents(b)), QByteArray("abcdef"));
  QCOMPARE(a.length(), size_t{0});  // NOLINT(bugprone-use-after-move): documented state
  b.add("g", 1);
  QCOMPARE(calls, before + 1);  // the callbacks moved along
  a.add("fresh", 5);
  QCOMPARE(calls, before + 1);
  Buffer c;
  c.add("old", 3);
  c = std::move(b);
  VALIDATE(c);
  QCOMPARE(toQt(contents(c)), QByteArray("abcdefg"));
}

void TestBuffer::randomOps_data() {
  QTest::addColumn<unsigned>("seed");
  QTest::addColumn<bool>("libeventChains");
  for (unsigned seed : {1u, 2u, 3u, 20240u}) {
    QTest::addRow("seed %u", seed) << seed << false;
    QTest::addRow("seed %u libevent chains", seed) << seed << true;
  }
}

void TestBuffer::randomOps() {
  QFETCH(unsigned, seed);
  QFETCH(bool, libeventChains);
  std::mt19937 rng(seed);
  auto uniform = [&rng](size_t lo, size_t hi) {
    return std::uniform_int_distribution<size_t>(lo, hi)(rng);
  };
  // Few distinct bytes, EOL characters among them, so searches and readln hit.
  auto randomBytes = [&](size_t n) {
    static const char alphabet[] = {'a', 'b', '\r', '\n', '\0', 'x', 'y', '\n'};
    std::string s(n, '\0');
    for (char& c : s) c = alphabet[uniform(0, sizeof alphabet - 1)];
    return s;
  };
  auto randomSize = [&]() -> size_t {
    switch (uniform(0, 3)) {
      case 0: return uniform(0, 16);
      case 1: return uniform(0, 600);
      default: return uniform(0, 10000);
    }
  };

  Buffer b;
  std::string model;
  Buffer other;  // feeds addBuffer/prependBuffer, receives removeBuffer
  b.setLibeventCompatible(libeventChains);
  other.setLibeventCompatible(libeventChains);
  std::string otherModel;
  std::vector<iovec> vec(8);
  std::string scratch;

  for (int step = 0; step < 20000; ++step) {
    const size_t op = uniform(0, 15);
    const QByteArray where = QStringLiteral("seed %1 step %2 op %3").arg(seed).arg(step).arg(op).toUtf8();
    switch (op) {
      case 0:
      case 1: {
        const std::string s = randomBytes(randomSize());
        QCOMPARE(b.add(s.data(), s.size()), 0);
        model += s;
        break;
      }
      case 2: {
        const std::string s = randomBytes(randomSize());
        QCOMPARE(b.prepend(s.data(), s.size()), 0);
        model.insert(0, s);
        break;
      }
      case 3: {
        const size_t n = randomSize();
        scratch.assign(n, '\0');
        const ssize_t got = b.remove(scratch.data(), n);
        const size_t expect = std::min(n, model.size());
        QCOMPARE(got, static_cast<ssize_t>(expect));
        QVERIFY2(scratch.compare(0, expect, model, 0, expect) == 0, where.constData());
        model.erase(0, expect);
        break;
      }
      case 4: {
        const size_t n = randomSize();
        QCOMPARE(b.drain(n), 0);
        model.erase(0, std::min(n, model.size()));
        break;
      }
      case 5: {
        const size_t pos = uniform(0, model.size());
        const size_t n = randomSize();
        scratch.assign(n, '\0');
        const ssize_t got = b.copyoutFrom(pos, scratch.data(), n);
        const size_t expect = std::min(n, model.size() - pos);
        QCOMPARE(got, static_cast<ssize_t>(expect));
        QVERIFY2(scratch.compare(0, expect, model, pos, expect) == 0, where.constData());
        break;
      }
      case 6: {
        const ssize_t n = uniform(0, 4) == 0 ? -1 : static_cast<ssize_t>(randomSize());
        unsigned char* p = b.pullup(n);
        const size_t want = n < 0 ? model.size() : static_cast<size_t>(n);
        const bool possible = want > 0 && want <= model.size();
        QVERIFY2((p != nullptr) == possible, where.constData());
        if (p != nullptr) {
          QVERIFY2(std::memcmp(p, model.data(), want) == 0, where.constData());
          QVERIFY(b.firstBlockLength() >= want);
        }
        break;
      }
      case 7: {
        const std::string needle = randomBytes(uniform(1, 4));
        const size_t start = uniform(0, model.size());
        const size_t found = model.find(needle, start);
        const ssize_t expect = found == std::string::npos ? -1 : static_cast<ssize_t>(found);
        QCOMPARE(b.search(needle.data(), needle.size(), start), expect);
        break;
      }
      case 8: {
        const auto style = static_cast<EolStyle>(uniform(0, 4));
        size_t eol = 0;
        const ssize_t at = modelSearchEol(model, 0, style, &eol);
        size_t n = 12345;
        char* line = b.readlnMalloc(&n, style);
        QVERIFY2((line != nullptr) == (at >= 0), where.constData());
        if (line != nullptr) {
          const size_t len = static_cast<size_t>(at);
          QCOMPARE(n, len);
          QVERIFY2(model.compare(0, len, line, len) == 0, where.constData());
          QCOMPARE(line[len], '\0');
          model.erase(0, len + eol);
          std::free(line);
        } else {
          QCOMPARE(n, size_t{0});
        }
        break;
      }
      case 9: {
        const auto style = static_cast<EolStyle>(uniform(0, 4));
        const size_t start = uniform(0, model.size());
        size_t eol = 0;
        size_t expectEol = 0;
        const ssize_t expect = modelSearchEol(model, start, style, &expectEol);
        QCOMPARE(b.searchEol(start, style, &eol), expect);
        QCOMPARE(eol, expectEol);
        break;
      }
      case 10: {
        const std::string s = randomBytes(randomSize());
        other.add(s.data(), s.size());
        otherModel += s;
        if (uniform(0, 1) == 0) {
          QCOMPARE(b.addBuffer(other), 0);
          model += otherModel;
        } else {
          QCOMPARE(b.prependBuffer(other), 0);
          model.insert(0, otherModel);
        }
        otherModel.clear();
        QCOMPARE(other.length(), size_t{0});
        break;
      }
      case 11: {
        const size_t n = randomSize();
        const size_t expect = std::min(n, model.size());
        QCOMPARE(b.removeBuffer(other, n), static_cast<ssize_t>(expect));
        otherModel += model.substr(0, expect);
        model.erase(0, expect);
        QVERIFY2(contents(other) == otherModel, where.constData());
        if (uniform(0, 1) == 0) {
          other.drain(other.length());
          otherModel.clear();
        }
        break;
      }
      case 12: {
        const size_t size = randomSize();
        const int nvec = static_cast<int>(uniform(1, 3));
        const int n = b.reserveSpace(static_cast<ssize_t>(size), vec.data(), nvec);
        QVERIFY2(n >= 0, where.constData());
        size_t avail = 0;
        for (int i = 0; i < n; ++i) avail += vec[static_cast<size_t>(i)].iov_len;
        QVERIFY2(avail >= size, where.constData());
        const std::string s = randomBytes(std::min(avail, uniform(0, size)));
        size_t off = 0;
        int used = 0;
        for (int i = 0; i < n && off < s.size(); ++i) {
          iovec& e = vec[static_cast<size_t>(i)];
          e.iov_len = std::min(e.iov_len, s.size() - off);
          std::memcpy(e.iov_base, s.data() + off, e.iov_len);
          off += e.iov_len;
          used = i + 1;
        }
        QCOMPARE(b.commitSpace(vec.data(), used), 0);
        model += s;
        break;
      }
      case 13: {
        QCOMPARE(b.expand(randomSize()), 0);
        break;
      }
      case 14: {
        const ssize_t len = uniform(0, 3) == 0 ? -1 : static_cast<ssize_t>(randomSize());
        const int nvec = static_cast<int>(uniform(0, vec.size()));
        const int n = b.peek(len, vec.data(), nvec);
        size_t off = 0;
        for (int i = 0; i < std::min(n, nvec); ++i) {
          const iovec& e = vec[static_cast<size_t>(i)];
          // libevent reports the empty blocks after the data as empty extents.
          QVERIFY2(e.iov_len > 0 || (libeventChains && off == model.size()), where.constData());
          QVERIFY2(model.compare(off, e.iov_len, static_cast<const char*>(e.iov_base), e.iov_len) == 0,
                   where.constData());
          off += e.iov_len;
        }
        if (len >= 0 && n <= nvec) {
          QVERIFY2(off >= std::min(static_cast<size_t>(len), model.size()), where.constData());
        }
        break;
      }
      case 15: {
        const std::string line = randomBytes(uniform(0, 40));
        const int n = b.addPrintf("%zu:%s.", line.size(), line.c_str());
        QVERIFY(n >= 0);
        model += std::to_string(line.size()) + ":" + std::string(line.c_str()) + ".";
        break;
      }
    }
    const std::string problem = b.validate();
    QVERIFY2(problem.empty(), (where + ": " + QByteArray::fromStdString(problem)).constData());
    QVERIFY2(other.validate().empty(), where.constData());
    QCOMPARE(b.length(), model.size());
    // Compare through the extents: cheaper than a copy, and checks peek too.
    const std::vector<iovec> ext = extents(b);
    size_t off = 0;
    for (const iovec& e : ext) {
      QVERIFY2(model.compare(off, e.iov_len, static_cast<const char*>(e.iov_base), e.iov_len) == 0,
               where.constData());
      off += e.iov_len;
    }
    QCOMPARE(off, model.size());
    if (model.size() > 256 * 1024) {
      b.drain(128 * 1024);
      model.erase(0, 128 * 1024);
    }
  }
}

QTEST_MAIN(TestBuffer)
#include "tst_buffer.moc"

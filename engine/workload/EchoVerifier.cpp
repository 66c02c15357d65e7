#include "workload/EchoVerifier.h"

#include <sys/uio.h>

#include <algorithm>
#include <cstring>

#include "workload/EchoServer.h"  // chargenPattern()

namespace rs {

void EchoVerifier::receiveSource(LoadConnection* c) {
  Buffer& in = c->bev->input();
  const std::string& pattern = chargenPattern();
  iovec vec[16];
  const int nvec = std::min(in.peek(-1, vec, 16), 16);
  size_t done = 0;
  uint64_t bad = 0;
  for (int i = 0; i < nvec; ++i) {
    const char* got = static_cast<const char*>(vec[i].iov_base);
    for (size_t k = 0; k < vec[i].iov_len; ++k) {
      bad += got[k] != pattern[c->sourceOffset];
      if (++c->sourceOffset == pattern.size()) c->sourceOffset = 0;
    }
    done += vec[i].iov_len;
  }
  in.drain(done);
  report_->bytesReceived(done);
  if (bad)
    report_->mismatch(bad, "connection " + std::to_string(c->number()) + ": " + std::to_string(bad) +
                               " bytes differ from the source server's chargen stream");
}

void EchoVerifier::countMismatchedMessage(LoadConnection* c, const std::string& which) {
  report_->mismatch(c->recvMismatched, "connection " + std::to_string(c->number()) + ": " + which +
                                           " came back with " + std::to_string(c->recvMismatched) +
                                           " mismatched bytes");
  c->recvMismatched = 0;
}

void EchoVerifier::receiveEchoes(LoadConnection* c, bool discardMode, const MessageBack& messageBack) {
  Buffer& in = c->bev->input();
  const size_t size = messageSize_;
  const Nanos now = monotonicNowNs();
  while (in.length() > 0) {
    if (c->recvSeq >= c->nextSeq || discardMode) {
      const size_t extra = in.length();
      report_->mismatch(extra, "connection " + std::to_string(c->number()) + ": " + std::to_string(extra) +
                                   " unexpected bytes from the server (nothing was in flight" +
                                   (discardMode ? "; a discard server sends nothing)" : ")"));
      in.drain(extra);
      return;
    }
    const size_t take = std::min(size - c->recvOffset, in.length());
    const char* expect = payload_->message(c->index, c->recvSeq) + c->recvOffset;
    iovec vec[16];
    const int nvec = std::min(in.peek(static_cast<ssize_t>(take), vec, 16), 16);
    size_t done = 0;
    for (int i = 0; i < nvec && done < take; ++i) {
      const size_t len = std::min(vec[i].iov_len, take - done);
      const char* got = static_cast<const char*>(vec[i].iov_base);
      if (std::memcmp(got, expect + done, len) != 0) {
        for (size_t k = 0; k < len; ++k) c->recvMismatched += got[k] != expect[done + k];
      }
      done += len;
    }
    in.drain(done);
    c->recvOffset += done;
    report_->bytesReceived(done);
    if (c->recvOffset < size) continue;
    // One whole message back.
    const Nanos intended = c->inflight.empty() ? now : c->inflight.front();
    if (!c->inflight.empty()) c->inflight.pop_front();
    c->headSince = now;  // the next message's echo is due one timeout from now
    ++c->recvSeq;
    c->recvOffset = 0;
    if (c->recvMismatched) {
      countMismatchedMessage(c, "message " + std::to_string(c->recvSeq - 1));
    } else {
      report_->messageEchoed(now - intended);
    }
    if (!messageBack(c, now)) return;
  }
}

}  // namespace rs

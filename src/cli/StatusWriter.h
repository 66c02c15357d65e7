// The lines a running event loop prints (per-second status, warnings, notices):
// each is written only if its stream can take it at once, else dropped and
// counted. A reader that stops reading -- a pipe nobody drains fills after
// 64 KiB, about 11 minutes of per-second lines -- then costs lines, never the
// loop: one blocked write() would stop every connection's echo, accept and
// close for as long as the reader sleeps (scripts/soak did exactly that).
// Final reports are printed after the loop, normally (they may block).
// Thread contract: one thread (the loop's).
#pragma once
#include <cstdint>
#include <cstdio>
#include <string>

namespace rs {

class StatusWriter {
 public:
  // Writes `text` plus '\n' to `stream` (stdout or stderr) if its fd is
  // writable now (poll, no wait); otherwise drops it. Lines up to PIPE_BUF
  // (4 KiB) never block: a pipe with room takes them whole.
  void line(FILE* stream, const std::string& text);
  // line() of a printf-formatted text (no '\n' in the format).
  [[gnu::format(printf, 3, 4)]] void linef(FILE* stream, const char* format, ...);
  uint64_t droppedLines() const { return dropped_; }
  // "N status line(s) not printed: the output was not being read", or "".
  std::string dropNote() const;

 private:
  uint64_t dropped_ = 0;
};

}  // namespace rs

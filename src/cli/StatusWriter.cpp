#include "StatusWriter.h"

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstdarg>

namespace rs {

void StatusWriter::line(FILE* stream, const std::string& text) {
  std::fflush(stream);  // keeps the order with earlier (flushed) output
  const int fd = fileno(stream);
  pollfd p{fd, POLLOUT, 0};
  int ready;
  do {
    ready = ::poll(&p, 1, 0);
  } while (ready < 0 && errno == EINTR);
  if (ready != 1 || !(p.revents & POLLOUT) || (p.revents & (POLLERR | POLLHUP | POLLNVAL))) {
    ++dropped_;
    return;
  }
  const std::string out = text + '\n';
  ssize_t n;
  do {
    n = ::write(fd, out.data(), out.size());
  } while (n < 0 && errno == EINTR);
  if (n != static_cast<ssize_t>(out.size())) ++dropped_;  // error or torn line (> PIPE_BUF)
}

void StatusWriter::linef(FILE* stream, const char* format, ...) {
  char buf[1024];
  va_list args;
  va_start(args, format);
  const int n = std::vsnprintf(buf, sizeof buf, format, args);
  va_end(args);
  if (n < 0) return;
  line(stream, std::string(buf, static_cast<size_t>(n) < sizeof buf ? static_cast<size_t>(n) : sizeof buf - 1));
}

std::string StatusWriter::dropNote() const {
  if (dropped_ == 0) return {};
  return std::to_string(dropped_) + (dropped_ == 1 ? " status line" : " status lines") +
         " not printed: the output was not being read";
}

}  // namespace rs

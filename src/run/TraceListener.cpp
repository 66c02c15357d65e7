#include "run/TraceListener.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace rs::run {

TraceListener::~TraceListener() {
  if (fd_ >= 0) ::close(fd_);
  if (!path_.empty()) ::unlink(path_.c_str());
  if (!dir_.empty()) ::rmdir(dir_.c_str());
}

bool TraceListener::open(std::string* error) {
  const char* runtime = std::getenv("XDG_RUNTIME_DIR");
  std::string base = runtime && *runtime ? runtime : "/tmp";
  std::string templ = base + "/reactorscope-run-XXXXXX";
  sockaddr_un addr{};
  if (templ.size() + sizeof "/trace.sock" > sizeof addr.sun_path) templ = "/tmp/reactorscope-run-XXXXXX";
  std::vector<char> name(templ.begin(), templ.end());
  name.push_back('\0');
  if (!::mkdtemp(name.data())) {  // 0700
    *error = "cannot make a private directory for the trace streams (" + templ + "): " + std::strerror(errno);
    return false;
  }
  dir_ = name.data();
  const std::string path = dir_ + "/trace.sock";
  fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  if (fd_ < 0 || ::bind(fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    *error = "cannot make the trace socket " + path + ": " + std::strerror(errno);
    return false;
  }
  path_ = path;
  if (::chmod(path_.c_str(), 0600) != 0 || ::listen(fd_, 64) != 0) {
    *error = "cannot listen on the trace socket " + path + ": " + std::strerror(errno);
    return false;
  }
  return true;
}

int TraceListener::accept(uint32_t* peerPid) {
  const int fd = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
  if (fd < 0) return -1;
  ucred peer{};
  socklen_t len = sizeof peer;
  if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &peer, &len) != 0 || peer.uid != ::getuid()) {
    ::close(fd);
    return -1;
  }
  *peerPid = static_cast<uint32_t>(peer.pid);
  return fd;
}

}  // namespace rs::run

#include "live/AppSocket.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace rs::live {

namespace {

std::string directoryOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

// The directory must be ours and closed to everybody else: nobody can plant a
// socket for us to connect to, nor reach ours.
bool checkDir(const std::string& dir, std::string* error) {
  struct stat st {};
  if (::lstat(dir.c_str(), &st) != 0) {
    *error = dir + ": " + std::strerror(errno);
    return false;
  }
  if (!S_ISDIR(st.st_mode)) {
    *error = dir + " is not a directory";
    return false;
  }
  if (st.st_uid != ::getuid()) {
    *error = dir + " belongs to another user (uid " + std::to_string(st.st_uid) + ")";
    return false;
  }
  if ((st.st_mode & 077) != 0) {
    *error = dir + " is open to other users (mode must be 0700)";
    return false;
  }
  return true;
}

}  // namespace

std::string appSocketPath() {
  if (const char* env = std::getenv(kAppSocketEnv); env && *env) return env;
  const char* runtime = std::getenv("XDG_RUNTIME_DIR");
  const std::string dir = runtime && *runtime ? std::string(runtime) + "/reactorscope"
                                              : "/tmp/reactorscope-" + std::to_string(::getuid());
  return dir + "/app.sock";
}

bool prepareSocketDir(const std::string& socketPath, std::string* error) {
  const std::string dir = directoryOf(socketPath);
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    *error = "cannot create " + dir + ": " + std::strerror(errno);
    return false;
  }
  return checkDir(dir, error);
}

int connectToApp(const std::string& socketPath, std::string* error) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (socketPath.size() >= sizeof addr.sun_path) {
    *error = socketPath + ": path too long for a Unix socket";
    return -1;
  }
  if (!checkDir(directoryOf(socketPath), error)) return -1;
  std::memcpy(addr.sun_path, socketPath.c_str(), socketPath.size() + 1);
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    *error = std::string("socket: ") + std::strerror(errno);
    return -1;
  }
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    *error = socketPath + ": " + std::strerror(errno);
    ::close(fd);
    return -1;
  }
  return fd;
}

}  // namespace rs::live

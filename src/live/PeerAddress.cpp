#include "live/PeerAddress.h"

#include <arpa/inet.h>
#include <unistd.h>

#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

namespace rs::live {

namespace {

// "socket:[12345]" -> 12345, else 0.
unsigned long socketInode(pid_t pid, int fd) {
  const std::string link = "/proc/" + std::to_string(pid) + "/fd/" + std::to_string(fd);
  char target[64];
  const ssize_t n = ::readlink(link.c_str(), target, sizeof target - 1);
  if (n <= 0) return 0;
  target[n] = '\0';
  unsigned long inode = 0;
  return std::sscanf(target, "socket:[%lu]", &inode) == 1 ? inode : 0;
}

// A /proc/net/tcp{,6} address "0100007F:1F90" (words in host order) as text.
std::string formatAddress(const std::string& hex, bool v6) {
  const size_t colon = hex.find(':');
  if (colon == std::string::npos || colon != (v6 ? 32u : 8u)) return {};
  uint32_t words[4] = {};
  for (size_t i = 0; i < colon / 8; ++i) words[i] = static_cast<uint32_t>(std::stoul(hex.substr(i * 8, 8), nullptr, 16));
  const unsigned long port = std::stoul(hex.substr(colon + 1), nullptr, 16);
  if (port == 0) return {};  // not connected (a listening socket)
  char text[INET6_ADDRSTRLEN];
  if (!::inet_ntop(v6 ? AF_INET6 : AF_INET, words, text, sizeof text)) return {};
  return (v6 ? "[" + std::string(text) + "]" : std::string(text)) + ":" + std::to_string(port);
}

}  // namespace

std::string peerAddress(pid_t pid, int fd) {
  const unsigned long inode = fd >= 0 ? socketInode(pid, fd) : 0;
  if (inode == 0) return {};
  for (const bool v6 : {false, true}) {
    std::ifstream table("/proc/" + std::to_string(pid) + (v6 ? "/net/tcp6" : "/net/tcp"));
    std::string line;
    std::getline(table, line);  // header
    while (std::getline(table, line)) {
      std::istringstream fields(line);
      std::string slot, local, remote, state, queues, timer, retransmits, uid, timeout;
      unsigned long lineInode = 0;
      if (!(fields >> slot >> local >> remote >> state >> queues >> timer >> retransmits >> uid >> timeout >>
            lineInode))
        continue;
      if (lineInode != inode) continue;
      try {
        return formatAddress(remote, v6);
      } catch (const std::exception&) {
        return {};
      }
    }
  }
  return {};
}

}  // namespace rs::live

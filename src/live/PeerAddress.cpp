#include "live/PeerAddress.h"

#include "core/Clock.h"

#include <arpa/inet.h>
#include <unistd.h>

#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <exception>

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

void PeerAddresses::setPid(pid_t pid) {
  if (pid == pid_) return;
  pid_ = pid;
  byInode_.clear();
  missedNs_.clear();
  reads_ = 0;
}

std::string PeerAddresses::of(int fd) {
  const unsigned long inode = pid_ > 0 && fd >= 0 ? socketInode(pid_, fd) : 0;
  if (inode == 0) return {};
  auto it = byInode_.find(inode);
  if (it == byInode_.end()) {
    // Not in the last read: a connection newer than it (read again), or a
    // socket the tables do not list (not again for kRereadNs).
    const int64_t now = rs::monotonicNowNs();
    const auto missed = missedNs_.find(inode);
    if (missed != missedNs_.end() && now - missed->second < rereadNs_) return {};
    reread();
    it = byInode_.find(inode);
    if (it == byInode_.end()) {
      if (missedNs_.size() >= kMaxMissed) missedNs_.clear();
      missedNs_[inode] = now;
      return {};
    }
  }
  try {
    return formatAddress(it->second.hex, it->second.v6);
  } catch (const std::exception&) {
    return {};
  }
}

void PeerAddresses::reread() {
  ++reads_;
  byInode_.clear();
  for (const bool v6 : {false, true}) {
    const std::string path = "/proc/" + std::to_string(pid_) + (v6 ? "/net/tcp6" : "/net/tcp");
    std::FILE* table = std::fopen(path.c_str(), "re");
    if (!table) continue;
    char line[512];
    if (std::fgets(line, sizeof line, table)) {  // (the header)
      // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
      char remote[64];
      unsigned long inode = 0;
      while (std::fgets(line, sizeof line, table))
        if (std::sscanf(line, "%*s %*s %63s %*s %*s %*s %*s %*s %*s %lu", remote, &inode) == 2 && inode != 0)
          byInode_[inode] = {remote, v6};
    }
    std::fclose(table);
  }
}

}  // namespace rs::live

// The remote addresses of a traced program's TCP sockets, read by the consumer
// from /proc (the fd's socket inode, then /proc/<pid>/net/tcp and tcp6): no
// work in the target. A program that accepts a hundred connections announces
// them in one burst, and each table lists every socket of the network
// namespace (thousands in TIME_WAIT on a busy host), so the tables are parsed
// into an inode -> address map and read again only for an inode the map does
// not hold; an inode the tables did not list (not TCP) is not looked for again
// for kRereadNs.
// Thread contract: one thread (each consumer has its own).
#pragma once
#include <sys/types.h>

#include <cstdint>
#include <string>
#include <unordered_map>

namespace rs::live {

class PeerAddresses {
 public:
  static constexpr int64_t kRereadNs = 20'000'000;

  // The process whose sockets are looked up (0: none; then every answer is empty).
  void setPid(pid_t pid);
  // "127.0.0.1:51458" or "[::1]:51458"; empty when the fd is not a connected
  // TCP socket, the process is gone, or /proc is not readable.
  std::string of(int fd);
  // How many times the tables were read for this pid (tests).
  uint64_t reads() const { return reads_; }
  // How long an inode the tables did not list is not looked for again
  // (kRereadNs; a test sets it long, so its count of reads does not depend on
  // how fast a loaded machine runs it).
  void setRereadNs(int64_t ns) { rereadNs_ = ns; }

 private:
  struct Remote {
    std::string hex;  // /proc/net/tcp's rem_address, "0100007F:1F90"
    bool v6 = false;
  };
  void reread();

  pid_t pid_ = 0;
  int64_t rereadNs_ = kRereadNs;
  std::unordered_map<unsigned long, Remote> byInode_;
  static constexpr size_t kMaxMissed = 4096;
  std::unordered_map<unsigned long, int64_t> missedNs_;  // inode -> when the tables lacked it
  uint64_t reads_ = 0;
};

}  // namespace rs::live

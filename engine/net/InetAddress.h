// An IPv4 or IPv6 socket address. Name resolution never blocks and never leaves
// the machine: numeric addresses go through inet_pton, "localhost" maps to
// 127.0.0.1 (or ::1) directly, and any other name is rejected with a clear error.
// Thread contract: a value type; safe from any thread.
#pragma once
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace rs {

class InetAddress {
 public:
  InetAddress();
  // From a sockaddr of family AF_INET or AF_INET6 (others give an unset address).
  InetAddress(const sockaddr* sa, socklen_t len);

  // "127.0.0.1", "::1", "localhost" (-> 127.0.0.1, or ::1 with preferIpv6).
  // On failure returns nullopt and sets *error to one line naming the input.
  static std::optional<InetAddress> resolve(std::string_view host, uint16_t port,
                                            std::string* error, bool preferIpv6 = false);
  // "HOST:PORT", "[V6]:PORT"; the port must be 0..65535 (1..65535 unless allowPortZero).
  static std::optional<InetAddress> parseHostPort(std::string_view text, std::string* error,
                                                  bool allowPortZero = false);
  // Parses a decimal port in range; nullopt (and *error) otherwise.
  static std::optional<uint16_t> parsePort(std::string_view text, std::string* error,
                                           bool allowZero = true);

  bool valid() const { return addr_.ss_family == AF_INET || addr_.ss_family == AF_INET6; }
  int family() const { return addr_.ss_family; }
  uint16_t port() const;
  void setPort(uint16_t port);
  // 127.0.0.0/8, ::1, or an IPv4-mapped 127.0.0.0/8.
  bool isLoopback() const;
  bool isAny() const;  // 0.0.0.0 or ::

  const sockaddr* sockAddr() const { return reinterpret_cast<const sockaddr*>(&addr_); }
  sockaddr* sockAddr() { return reinterpret_cast<sockaddr*>(&addr_); }
  socklen_t length() const;

  std::string ip() const;        // "127.0.0.1" / "::1"
  std::string toString() const;  // "127.0.0.1:9000" / "[::1]:9000"

 private:
  sockaddr_storage addr_;
};

}  // namespace rs

#include "net/InetAddress.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace rs {

InetAddress::InetAddress() { std::memset(&addr_, 0, sizeof addr_); }

InetAddress::InetAddress(const sockaddr* sa, socklen_t len) : InetAddress() {
  if (!sa) return;
  if (sa->sa_family == AF_INET && len >= static_cast<socklen_t>(sizeof(sockaddr_in)))
    std::memcpy(&addr_, sa, sizeof(sockaddr_in));
  else if (sa->sa_family == AF_INET6 && len >= static_cast<socklen_t>(sizeof(sockaddr_in6)))
    std::memcpy(&addr_, sa, sizeof(sockaddr_in6));
}

std::optional<InetAddress> InetAddress::resolve(std::string_view host, uint16_t port,
                                                std::string* error, bool preferIpv6) {
  std::string h(host);
  if (h.size() > 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  if (h == "localhost") h = preferIpv6 ? "::1" : "127.0.0.1";
  InetAddress a;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&a.addr_);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&a.addr_);
  if (!h.empty() && inet_pton(AF_INET, h.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    return a;
  }
  if (!h.empty() && inet_pton(AF_INET6, h.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    return a;
  }
  if (error) {
    if (h.empty())
      *error = "empty address";
    else
      *error = "cannot resolve '" + std::string(host) +
               "': only numeric IPv4/IPv6 addresses and 'localhost' are accepted (no DNS lookups)";
  }
  return std::nullopt;
}

std::optional<uint16_t> InetAddress::parsePort(std::string_view text, std::string* error,
                                               bool allowZero) {
  unsigned long v = 0;
  const char* b = text.data();
  const char* e = text.data() + text.size();
  auto [p, ec] = std::from_chars(b, e, v);
  if (text.empty() || ec != std::errc() || p != e) {
    if (error) *error = "invalid port '" + std::string(text) + "': not a number";
    return std::nullopt;
  }
  if (v > 65535 || (!allowZero && v == 0)) {
    if (error)
      *error = "port " + std::string(text) + " out of range (" + (allowZero ? "0" : "1") +
               "-65535)";
    return std::nullopt;
  }
  return static_cast<uint16_t>(v);
}

std::optional<InetAddress> InetAddress::parseHostPort(std::string_view text, std::string* error,
                                                      bool allowPortZero) {
  std::string_view host, port;
  if (!text.empty() && text.front() == '[') {
    const size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      if (error) *error = "malformed address '" + std::string(text) + "': expected [IPV6]:PORT";
      return std::nullopt;
    }
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    const size_t colon = text.rfind(':');
    if (colon == std::string_view::npos || text.find(':') != colon) {
      if (error)
        *error = "malformed address '" + std::string(text) + "': expected HOST:PORT (IPv6 as [::1]:PORT)";
      return std::nullopt;
    }
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  auto p = parsePort(port, error, allowPortZero);
  if (!p) return std::nullopt;
  return resolve(host, *p, error);
}

uint16_t InetAddress::port() const {
  if (addr_.ss_family == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in*>(&addr_)->sin_port);
  if (addr_.ss_family == AF_INET6)
    return ntohs(reinterpret_cast<const sockaddr_in6*>(&addr_)->sin6_port);
  return 0;
}

void InetAddress::setPort(uint16_t port) {
  if (addr_.ss_family == AF_INET) reinterpret_cast<sockaddr_in*>(&addr_)->sin_port = htons(port);
  if (addr_.ss_family == AF_INET6) reinterpret_cast<sockaddr_in6*>(&addr_)->sin6_port = htons(port);
}

bool InetAddress::isLoopback() const {
  if (addr_.ss_family == AF_INET) {
    const uint32_t a = ntohl(reinterpret_cast<const sockaddr_in*>(&addr_)->sin_addr.s_addr);
    return (a >> 24) == 127;
  }
  if (addr_.ss_family == AF_INET6) {
    const in6_addr& a6 = reinterpret_cast<const sockaddr_in6*>(&addr_)->sin6_addr;
    if (IN6_IS_ADDR_LOOPBACK(&a6)) return true;
    if (IN6_IS_ADDR_V4MAPPED(&a6)) return a6.s6_addr[12] == 127;
  }
  return false;
}

bool InetAddress::isAny() const {
  if (addr_.ss_family == AF_INET)
    return reinterpret_cast<const sockaddr_in*>(&addr_)->sin_addr.s_addr == htonl(INADDR_ANY);
  if (addr_.ss_family == AF_INET6)
    return IN6_IS_ADDR_UNSPECIFIED(&reinterpret_cast<const sockaddr_in6*>(&addr_)->sin6_addr);
  return false;
}

socklen_t InetAddress::length() const {
  if (addr_.ss_family == AF_INET) return sizeof(sockaddr_in);
  if (addr_.ss_family == AF_INET6) return sizeof(sockaddr_in6);
  return 0;
}

std::string InetAddress::ip() const {
  char buf[INET6_ADDRSTRLEN] = {0};
  if (addr_.ss_family == AF_INET)
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&addr_)->sin_addr, buf, sizeof buf);
  else if (addr_.ss_family == AF_INET6)
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&addr_)->sin6_addr, buf, sizeof buf);
  else
    return "?";
  return buf;
}

std::string InetAddress::toString() const {
  // Appended piecewise: GCC 12's -Wrestrict misfires on "[" + std::string&& at -O3.
  std::string out;
  if (addr_.ss_family == AF_INET6) out += '[';
  out += ip();
  if (addr_.ss_family == AF_INET6) out += ']';
  out += ':';
  out += std::to_string(port());
  return out;
}

}  // namespace rs

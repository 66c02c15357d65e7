// libevent's address helpers (event2/util.h): printing and parsing IPv4/IPv6
// addresses by libevent's own rules, "host:port" parsing, address ordering, and
// getaddrinfo. libevent 2.1 parses and prints addresses itself rather than with
// the C library, and programs print what it produces, so the corners follow it:
//   - IPv4 text is four decimal numbers up to 255 separated by dots, each read
//     as scanf's %u reads it (leading zeros and blanks accepted), nothing after;
//   - IPv6 text is up to eight 1-4 digit hex groups with at most one "::", and
//     may end in an IPv4 dotted quad;
//   - IPv6 printing compresses the first longest run of two or more zero groups
//     and writes only ::a.b.c.d (both last groups non-zero) and ::ffff:a.b.c.d
//     with a dotted quad.
#include <arpa/inet.h>
#include <event2/util.h>
#include <net/if.h>
#include <netinet/in.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {

// "a.b.c.d" and nothing else, each part at most 255: the four bytes, network order.
bool parseDottedQuad(const char* text, unsigned char bytes[4]) {
  unsigned part[4];
  char trailing = 0;
  if (std::sscanf(text, "%u.%u.%u.%u%c", &part[0], &part[1], &part[2], &part[3], &trailing) != 4) return false;
  for (int i = 0; i < 4; ++i) {
    if (part[i] > 255) return false;
    bytes[i] = static_cast<unsigned char>(part[i]);
  }
  return true;
}

bool isHexDigit(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
bool isDigit(char c) { return c >= '0' && c <= '9'; }

// IPv6 text into 16 bytes; false when malformed.
bool parseIpv6(const char* text, unsigned char out[16]) {
  unsigned short groups[8] = {};
  int groupCount = 0;      // groups written before the dotted quad
  int valuesSeen = 0;      // 16-bit values the text supplies (a dotted quad is two)
  int gapAt = -1;          // where "::" stands, in groups
  const char* firstDot = std::strchr(text, '.');
  const char* groupsEnd = text + std::strlen(text);
  if (firstDot == text) return false;
  if (firstDot) {
    // The dotted quad starts at the digits just before the first dot.
    groupsEnd = firstDot;
    while (groupsEnd > text && isDigit(groupsEnd[-1])) --groupsEnd;
    unsigned char quad[4];
    if (!parseDottedQuad(groupsEnd, quad)) return false;
    groups[6] = static_cast<unsigned short>(quad[0] << 8 | quad[1]);
    groups[7] = static_cast<unsigned short>(quad[2] << 8 | quad[3]);
    valuesSeen += 2;
  }
  const char* at = text;
  while (at < groupsEnd) {
    if (groupCount > 7) return false;
    if (isHexDigit(*at)) {
      // strtol, as libevent reads a group (so "0x1" reads as 1).
      char* next = nullptr;
      const long value = std::strtol(at, &next, 16);
      if (next == at || next > at + 4 || value < 0 || value > 65536) return false;
      groups[groupCount++] = static_cast<unsigned short>(value);
      ++valuesSeen;
      at = next;
      if (*at != ':' && at != groupsEnd) return false;
      ++at;  // the separator (or one past the end of the groups)
    } else if (*at == ':' && groupCount > 0 && gapAt < 0) {
      gapAt = groupCount;
      ++at;
    } else if (*at == ':' && groupCount == 0 && at[1] == ':' && gapAt < 0) {
      gapAt = 0;
      at += 2;
    } else {
      return false;
    }
  }
  if (valuesSeen > 8 || (valuesSeen == 8 && gapAt >= 0) || (valuesSeen < 8 && gapAt < 0)) return false;
  if (gapAt >= 0) {
    // Slide the groups after "::" to the right, zeros in between.
    const int after = valuesSeen - (firstDot ? 2 : 0) - gapAt;
    const int gapLength = 8 - valuesSeen;
    if (after < 0) return false;
    std::memmove(&groups[gapAt + gapLength], &groups[gapAt], sizeof groups[0] * static_cast<size_t>(after));
    for (int i = 0; i < gapLength; ++i) groups[gapAt + i] = 0;
  }
  for (int i = 0; i < 8; ++i) {
    out[2 * i] = static_cast<unsigned char>(groups[i] >> 8);
    out[2 * i + 1] = static_cast<unsigned char>(groups[i] & 0xff);
  }
  return true;
}

// libevent's IPv6 text for 16 bytes into text (at least 64 bytes).
void formatIpv6(const unsigned char* b, char* text, size_t size) {
  unsigned groups[8];
  for (int i = 0; i < 8; ++i) groups[i] = static_cast<unsigned>(b[2 * i] << 8 | b[2 * i + 1]);
  const bool leadingZero = !groups[0] && !groups[1] && !groups[2] && !groups[3] && !groups[4];
  if (leadingZero && groups[5] == 0 && groups[6] && groups[7]) {
    std::snprintf(text, size, "::%d.%d.%d.%d", b[12], b[13], b[14], b[15]);
    return;
  }
  if (leadingZero && groups[5] == 0xffff) {
    std::snprintf(text, size, "::%x:%d.%d.%d.%d", groups[5], b[12], b[13], b[14], b[15]);
    return;
  }
  // The first longest run of zero groups, if it is at least two long.
  int bestAt = -1, bestLength = 1;
  for (int i = 0; i < 8;) {
    if (groups[i] != 0) {
      ++i;
      continue;
    }
    int end = i;
    while (end < 8 && groups[end] == 0) ++end;
    if (end - i > bestLength) {
      bestAt = i;
      bestLength = end - i;
    }
    i = end;
  }
  size_t used = 0;
  for (int i = 0; i < 8; ++i) {
    if (i == bestAt) {
      used += static_cast<size_t>(std::snprintf(text + used, size - used, i == 0 ? "::" : ":"));
      i += bestLength - 1;
      continue;
    }
    used += static_cast<size_t>(std::snprintf(text + used, size - used, i == 7 ? "%x" : "%x:", groups[i]));
  }
}

// The zone of "fe80::1%eth0" (an interface name or number); false when unknown.
bool zoneIndex(const char* zone, unsigned* index) {
  *index = if_nametoindex(zone);
  if (*index) return true;
  char* end = nullptr;
  const unsigned long number = std::strtoul(zone, &end, 10);
  if (*end != '\0') return false;
  *index = static_cast<unsigned>(number);
  return true;
}

}  // namespace

extern "C" {

const char* evutil_inet_ntop(int af, const void* src, char* dst, size_t len) {
  if (af == AF_INET) {
    const unsigned char* b = static_cast<const unsigned char*>(src);
    const int n = std::snprintf(dst, len, "%d.%d.%d.%d", b[0], b[1], b[2], b[3]);
    return n < 0 || static_cast<size_t>(n) >= len ? nullptr : dst;
  }
  if (af != AF_INET6) return nullptr;
  char text[64];
  formatIpv6(static_cast<const unsigned char*>(src), text, sizeof text);
  // libevent refuses only text longer than len; text of exactly len bytes is
  // cut by one to fit its terminator.
  const size_t length = std::strlen(text);
  if (length > len) return nullptr;
  if (len == 0) return dst;
  const size_t copied = length < len ? length : len - 1;
  std::memcpy(dst, text, copied);
  dst[copied] = '\0';
  return dst;
}

int evutil_inet_pton(int af, const char* src, void* dst) {
  if (af == AF_INET) return parseDottedQuad(src, static_cast<unsigned char*>(dst)) ? 1 : 0;
  if (af == AF_INET6) return parseIpv6(src, static_cast<unsigned char*>(dst)) ? 1 : 0;
  return -1;
}

int evutil_inet_pton_scope(int af, const char* src, void* dst, unsigned* indexp) {
  *indexp = 0;
  const char* percent = af == AF_INET6 ? std::strchr(src, '%') : nullptr;
  if (!percent) return evutil_inet_pton(af, src, dst);
  if (!zoneIndex(percent + 1, indexp)) return 0;
  char address[INET6_ADDRSTRLEN + 64];
  const size_t length = static_cast<size_t>(percent - src);
  if (length >= sizeof address) return 0;
  std::memcpy(address, src, length);
  address[length] = '\0';
  return evutil_inet_pton(af, address, dst);
}

int evutil_parse_sockaddr_port(const char* str, struct sockaddr* out, int* outlen) {
  char address[128];
  const char* addressText = str;
  const char* portText = nullptr;
  bool ipv6 = false;
  const char* colon = std::strchr(str, ':');
  if (*str == '[') {
    const char* close = std::strchr(str, ']');
    if (!close) return -1;
    const size_t length = static_cast<size_t>(close - (str + 1));
    if (length > sizeof address - 1) return -1;
    std::memcpy(address, str + 1, length);
    address[length] = '\0';
    addressText = address;
    portText = close[1] == ':' ? close + 2 : nullptr;
    ipv6 = true;
  } else if (colon && std::strchr(colon + 1, ':')) {
    ipv6 = true;  // two colons and no brackets: an address without a port
  } else if (colon) {
    const size_t length = static_cast<size_t>(colon - str);
    if (length > sizeof address - 1) return -1;
    std::memcpy(address, str, length);
    address[length] = '\0';
    addressText = address;
    portText = colon + 1;
  }
  int port = 0;
  if (portText) {
    port = std::atoi(portText);
    if (port <= 0 || port > 65535) return -1;
  }
  if (ipv6) {
    sockaddr_in6 sin6{};
    sin6.sin6_family = AF_INET6;
    sin6.sin6_port = htons(static_cast<uint16_t>(port));
    unsigned zone = 0;
    if (evutil_inet_pton_scope(AF_INET6, addressText, &sin6.sin6_addr, &zone) != 1) return -1;
    if (static_cast<int>(sizeof sin6) > *outlen) return -1;
    sin6.sin6_scope_id = zone;
    std::memset(out, 0, static_cast<size_t>(*outlen));
    std::memcpy(out, &sin6, sizeof sin6);
    *outlen = static_cast<int>(sizeof sin6);
    return 0;
  }
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_port = htons(static_cast<uint16_t>(port));
  if (evutil_inet_pton(AF_INET, addressText, &sin.sin_addr) != 1) return -1;
  if (static_cast<int>(sizeof sin) > *outlen) return -1;
  std::memset(out, 0, static_cast<size_t>(*outlen));
  std::memcpy(out, &sin, sizeof sin);
  *outlen = static_cast<int>(sizeof sin);
  return 0;
}

// libevent's order: by family, then the address as stored (network byte order
// compared as an integer for IPv4, bytewise for IPv6), then the port likewise.
int evutil_sockaddr_cmp(const struct sockaddr* sa1, const struct sockaddr* sa2, int include_port) {
  if (const int byFamily = sa1->sa_family - sa2->sa_family) return byFamily;
  if (sa1->sa_family == AF_INET) {
    const auto* a = reinterpret_cast<const sockaddr_in*>(sa1);
    const auto* b = reinterpret_cast<const sockaddr_in*>(sa2);
    if (a->sin_addr.s_addr != b->sin_addr.s_addr) return a->sin_addr.s_addr < b->sin_addr.s_addr ? -1 : 1;
    return include_port ? static_cast<int>(a->sin_port) - static_cast<int>(b->sin_port) : 0;
  }
  if (sa1->sa_family == AF_INET6) {
    const auto* a = reinterpret_cast<const sockaddr_in6*>(sa1);
    const auto* b = reinterpret_cast<const sockaddr_in6*>(sa2);
    if (const int byAddress = std::memcmp(a->sin6_addr.s6_addr, b->sin6_addr.s6_addr, 16)) return byAddress;
    return include_port ? static_cast<int>(a->sin6_port) - static_cast<int>(b->sin6_port) : 0;
  }
  return 1;
}

int evutil_getaddrinfo(const char* nodename, const char* servname, const struct evutil_addrinfo* hints_in,
                       struct evutil_addrinfo** res) {
  struct addrinfo hints {};
  if (hints_in) hints = *hints_in;
  else hints.ai_family = AF_UNSPEC;
  return ::getaddrinfo(nodename, servname, &hints, res);
}

void evutil_freeaddrinfo(struct evutil_addrinfo* ai) {
  if (ai) ::freeaddrinfo(ai);
}

// libevent's own wording for the codes it knows; the C library's for the rest.
const char* evutil_gai_strerror(int err) {
  switch (err) {
    case EVUTIL_EAI_CANCEL: return "Request canceled";
    case 0: return "No error";
    case EVUTIL_EAI_ADDRFAMILY: return "address family for nodename not supported";
    case EVUTIL_EAI_AGAIN: return "temporary failure in name resolution";
    case EVUTIL_EAI_BADFLAGS: return "invalid value for ai_flags";
    case EVUTIL_EAI_FAIL: return "non-recoverable failure in name resolution";
    case EVUTIL_EAI_FAMILY: return "ai_family not supported";
    case EVUTIL_EAI_MEMORY: return "memory allocation failure";
    case EVUTIL_EAI_NODATA: return "no address associated with nodename";
    case EVUTIL_EAI_NONAME: return "nodename nor servname provided, or not known";
    case EVUTIL_EAI_SERVICE: return "servname not supported for ai_socktype";
    case EVUTIL_EAI_SOCKTYPE: return "ai_socktype not supported";
    case EVUTIL_EAI_SYSTEM: return "system error";
    default: return ::gai_strerror(err);
  }
}

}  // extern "C"

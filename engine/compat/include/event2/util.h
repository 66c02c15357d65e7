/* ReactorScope's libevent-compatible C API: portable helpers (libevent's
 * <event2/util.h>). Same names, types and values as libevent 2.1, so programs
 * written against libevent compile unchanged. */
#ifndef REACTORSCOPE_EVENT2_UTIL_H_INCLUDED_
#define REACTORSCOPE_EVENT2_UTIL_H_INCLUDED_

/* libevent's util.h pulls these in; programs (the tutorial's server) rely on it. */
#include <errno.h>
#include <inttypes.h>
#include <netdb.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/types.h>
#include <time.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ev_uint64_t uint64_t
#define ev_int64_t int64_t
#define ev_uint32_t uint32_t
#define ev_int32_t int32_t
#define ev_uint16_t uint16_t
#define ev_int16_t int16_t
#define ev_uint8_t uint8_t
#define ev_int8_t int8_t
#define ev_uintptr_t uintptr_t
#define ev_intptr_t intptr_t
#define ev_ssize_t ssize_t
#define ev_off_t off_t
#define ev_socklen_t socklen_t

#define EV_UINT64_MAX UINT64_MAX
#define EV_INT64_MAX INT64_MAX
#define EV_INT64_MIN INT64_MIN
#define EV_UINT32_MAX UINT32_MAX
#define EV_INT32_MAX INT32_MAX
#define EV_INT32_MIN INT32_MIN
#define EV_UINT16_MAX UINT16_MAX
#define EV_INT16_MAX INT16_MAX
#define EV_INT16_MIN INT16_MIN
#define EV_UINT8_MAX UINT8_MAX
#define EV_INT8_MAX INT8_MAX
#define EV_INT8_MIN INT8_MIN
#define EV_SIZE_MAX SIZE_MAX
#define EV_SSIZE_MAX SSIZE_MAX
#define EV_SSIZE_MIN ((-SSIZE_MAX) - 1)

/* A socket: a plain fd on POSIX. */
#define evutil_socket_t int
#define EVUTIL_INVALID_SOCKET -1

int evutil_socketpair(int d, int type, int protocol, evutil_socket_t sv[2]);
int evutil_make_socket_nonblocking(evutil_socket_t sock);
int evutil_make_listen_socket_reuseable(evutil_socket_t sock);
int evutil_make_listen_socket_reuseable_port(evutil_socket_t sock);
int evutil_make_socket_closeonexec(evutil_socket_t sock);
int evutil_closesocket(evutil_socket_t sock);
#define EVUTIL_CLOSESOCKET(s) evutil_closesocket(s)

#define EVUTIL_SOCKET_ERROR() (errno)
#define EVUTIL_SET_SOCKET_ERROR(errcode) \
  do {                                   \
    errno = (errcode);                   \
  } while (0)
#define evutil_socket_geterror(sock) (errno)
/* Macros, as in libevent's util.h on Unix: libevent exports no such functions,
   so a program built against these headers must not need them from the library. */
#define evutil_socket_error_to_string(errcode) (strerror(errcode))

#define evutil_timeradd(tvp, uvp, vvp) timeradd((tvp), (uvp), (vvp))
#define evutil_timersub(tvp, uvp, vvp) timersub((tvp), (uvp), (vvp))
#define evutil_timerclear(tvp) timerclear(tvp)
#define evutil_timerisset(tvp) timerisset(tvp)
#define evutil_timercmp(tvp, uvp, cmp) \
  (((tvp)->tv_sec == (uvp)->tv_sec) ? ((tvp)->tv_usec cmp(uvp)->tv_usec) : ((tvp)->tv_sec cmp(uvp)->tv_sec))

#define evutil_gettimeofday(tv, tz) gettimeofday((tv), (tz))

ev_int64_t evutil_strtoll(const char *s, char **endptr, int base);
int evutil_snprintf(char *buf, size_t buflen, const char *format, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 3, 4)))
#endif
    ;
int evutil_vsnprintf(char *buf, size_t buflen, const char *format, va_list ap)
#ifdef __GNUC__
    __attribute__((format(printf, 3, 0)))
#endif
    ;

#define evutil_offsetof(type, field) offsetof(type, field)

/* Sockets for listeners: IPV6_V6ONLY, and TCP_DEFER_ACCEPT (0 and nothing done
 * where the platform lacks it). */
int evutil_make_listen_socket_ipv6only(evutil_socket_t sock);
int evutil_make_tcp_listen_socket_deferred(evutil_socket_t sock);

/* Case-insensitive comparison of ASCII letters only (locale-independent), for
 * protocol tokens: -1, 0 or 1. */
int evutil_ascii_strcasecmp(const char *str1, const char *str2);
int evutil_ascii_strncasecmp(const char *str1, const char *str2, size_t n);

/* "Sun, 06 Dec 2026 05:43:06 GMT" for tm (the current time when tm is NULL);
 * returns what snprintf returns. */
int evutil_date_rfc1123(char *date, const size_t datelen, const struct tm *tm);

/* A monotonic clock a program can read (libevent's own timer source). */
struct evutil_monotonic_timer;
#define EV_MONOT_PRECISE 1
#define EV_MONOT_FALLBACK 2
struct evutil_monotonic_timer *evutil_monotonic_timer_new(void);
void evutil_monotonic_timer_free(struct evutil_monotonic_timer *timer);
int evutil_configure_monotonic_time(struct evutil_monotonic_timer *timer, int flags);
int evutil_gettime_monotonic(struct evutil_monotonic_timer *timer, struct timeval *tp);

/* Addresses, with libevent's own parsing and printing rules (which differ from
 * the C library's in corners: "::2" prints as "::2", not "::0.0.0.2"). */
const char *evutil_inet_ntop(int af, const void *src, char *dst, size_t len);
int evutil_inet_pton_scope(int af, const char *src, void *dst, unsigned *indexp);
int evutil_inet_pton(int af, const char *src, void *dst);
struct sockaddr;
/* "[ipv6]:port", "[ipv6]", "ipv6", "ipv4:port" or "ipv4" (port 0 when absent);
 * 0, or -1 when malformed, the port is outside 1..65535 or *outlen is too
 * small. */
int evutil_parse_sockaddr_port(const char *str, struct sockaddr *out, int *outlen);
int evutil_sockaddr_cmp(const struct sockaddr *sa1, const struct sockaddr *sa2, int include_port);

/* Name resolution: the system's getaddrinfo (synchronous, as in libevent: a
 * name that needs DNS blocks the calling thread; numeric hosts and "localhost"
 * do not). */
#define evutil_addrinfo addrinfo
#if defined(EAI_ADDRFAMILY)
#define EVUTIL_EAI_ADDRFAMILY EAI_ADDRFAMILY
#else
#define EVUTIL_EAI_ADDRFAMILY -901
#endif
#define EVUTIL_EAI_AGAIN EAI_AGAIN
#define EVUTIL_EAI_BADFLAGS EAI_BADFLAGS
#define EVUTIL_EAI_FAIL EAI_FAIL
#define EVUTIL_EAI_FAMILY EAI_FAMILY
#define EVUTIL_EAI_MEMORY EAI_MEMORY
#if defined(EAI_NODATA)
#define EVUTIL_EAI_NODATA EAI_NODATA
#else
#define EVUTIL_EAI_NODATA -907
#endif
#define EVUTIL_EAI_NONAME EAI_NONAME
#define EVUTIL_EAI_SERVICE EAI_SERVICE
#define EVUTIL_EAI_SOCKTYPE EAI_SOCKTYPE
#define EVUTIL_EAI_SYSTEM EAI_SYSTEM
#define EVUTIL_EAI_CANCEL -90001
#define EVUTIL_AI_PASSIVE AI_PASSIVE
#define EVUTIL_AI_CANONNAME AI_CANONNAME
#define EVUTIL_AI_NUMERICHOST AI_NUMERICHOST
#define EVUTIL_AI_NUMERICSERV AI_NUMERICSERV
#define EVUTIL_AI_V4MAPPED AI_V4MAPPED
#define EVUTIL_AI_ALL AI_ALL
#define EVUTIL_AI_ADDRCONFIG AI_ADDRCONFIG
struct evutil_addrinfo;
int evutil_getaddrinfo(const char *nodename, const char *servname, const struct evutil_addrinfo *hints_in,
                       struct evutil_addrinfo **res);
void evutil_freeaddrinfo(struct evutil_addrinfo *ai);
const char *evutil_gai_strerror(int err);

/* Random bytes from the kernel (getrandom); init and seeding succeed and are
 * not needed. */
void evutil_secure_rng_get_bytes(void *buf, size_t n);
int evutil_secure_rng_init(void);
int evutil_secure_rng_set_urandom_device_file(char *fname);
void evutil_secure_rng_add_bytes(const char *dat, size_t datlen);

#ifdef __cplusplus
}
#endif

#endif /* REACTORSCOPE_EVENT2_UTIL_H_INCLUDED_ */

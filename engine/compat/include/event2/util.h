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
const char *evutil_socket_error_to_string(int errcode);

#define evutil_timeradd(tvp, uvp, vvp) timeradd((tvp), (uvp), (vvp))
#define evutil_timersub(tvp, uvp, vvp) timersub((tvp), (uvp), (vvp))
#define evutil_timerclear(tvp) timerclear(tvp)
#define evutil_timerisset(tvp) timerisset(tvp)
#define evutil_timercmp(tvp, uvp, cmp) \
  (((tvp)->tv_sec == (uvp)->tv_sec) ? ((tvp)->tv_usec cmp(uvp)->tv_usec) : ((tvp)->tv_sec cmp(uvp)->tv_sec))

int evutil_gettimeofday(struct timeval *tv, struct timezone *tz);

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

#ifdef __cplusplus
}
#endif

#endif /* REACTORSCOPE_EVENT2_UTIL_H_INCLUDED_ */

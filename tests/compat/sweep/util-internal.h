/* Sweep stand-in for libevent's private util-internal.h: only what the sweep's
   programs use, written here (the programs are libevent's; this header is ours). */
#ifndef SWEEP_UTIL_INTERNAL_H
#define SWEEP_UTIL_INTERNAL_H
#include <stdint.h>
#include <sys/socket.h>
#define EV_SSIZE_FMT "%zd"
#define EV_SIZE_FMT "%zu"
#define EVUTIL_SHUT_WR SHUT_WR
#define EVUTIL_SHUT_RD SHUT_RD
#define EVUTIL_SHUT_BOTH SHUT_RDWR
struct evutil_weakrand_state { uint32_t seed; };
static inline uint32_t evutil_weakrand_seed_(struct evutil_weakrand_state *s, uint32_t seed)
{ s->seed = seed ? seed : 1; return s->seed; }
static inline int32_t evutil_weakrand_(struct evutil_weakrand_state *s)
{ s->seed = (s->seed * 1103515245u + 12345u) & 0x7fffffffu; return (int32_t)s->seed; }

/* libevent's internal helper (exported by its .so, not part of its API): a nonblocking, close-on-exec pipe */
#include <fcntl.h>
#include <unistd.h>
static inline int sweep_make_internal_pipe(int fd[2])
{
    if (pipe(fd) != 0) return -1;
    for (int i = 0; i < 2; ++i)
        if (fcntl(fd[i], F_SETFL, O_NONBLOCK) != 0 || fcntl(fd[i], F_SETFD, FD_CLOEXEC) != 0) return -1;
    return 0;
}
#define evutil_make_internal_pipe_ sweep_make_internal_pipe
#endif

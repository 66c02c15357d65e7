/* The socket helpers the tutorial's section 4.5 server expects from its author's
 * "wrap.h" (tcp4bind, Listen, Accept, Close): our own small versions. Errors are
 * fatal with a message naming the call, the address and the errno text, as the
 * originals do. tcp4bind(port, NULL) binds 127.0.0.1 here (tests talk to
 * loopback only), and sets SO_REUSEADDR. */
#ifndef TUTORIAL_WRAP_H
#define TUTORIAL_WRAP_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static inline void wrap_fail(const char *what, const char *address) {
  fprintf(stderr, "%s %s: %s\n", what, address ? address : "", strerror(errno));
  fflush(stderr);
  exit(1);
}

static inline int tcp4bind(short port, const char *ip) {
  struct sockaddr_in addr;
  char where[64];
  int one = 1;
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) wrap_fail("socket", NULL);
  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_port = htons((unsigned short)port);
  if (inet_pton(AF_INET, ip ? ip : "127.0.0.1", &addr.sin_addr) != 1) wrap_fail("inet_pton", ip);
  snprintf(where, sizeof where, "%s:%u", ip ? ip : "127.0.0.1", (unsigned)(unsigned short)port);
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0) wrap_fail("bind", where);
  return fd;
}

static inline int Listen(int fd, int backlog) {
  if (listen(fd, backlog) < 0) wrap_fail("listen", NULL);
  printf("listening\n");
  fflush(stdout);
  return 0;
}

static inline int Accept(int fd, struct sockaddr *addr, socklen_t *len) {
  int cfd;
  do {
    cfd = accept(fd, addr, len);
  } while (cfd < 0 && (errno == EINTR || errno == ECONNABORTED));
  if (cfd < 0) wrap_fail("accept", NULL);
  return cfd;
}

static inline int Close(int fd) {
  int rc = close(fd);
  if (rc < 0) wrap_fail("close", NULL);
  return rc;
}

#endif

/* Linked into both builds of the tutorial's server_4_5.c, which stays verbatim.
 *
 * Its c_cb() clears a closed client's slot (xevent[i].fd = -1) and then looks the
 * slot up again by fd to free the event: find_fd() no longer finds it and returns
 * _EVENT_SIZE, so the tutorial reads, free()s and NULLs xevent[1024].ev -- one
 * past the array, every time a client leaves. Whatever the linker placed there
 * (in our build: the compat layer's own globals) got read as a pointer and
 * overwritten; AddressSanitizer stops the server at the first disconnect.
 *
 * server_4_5.c is compiled with -fcommon, so its `xevs xevent[1024];` is a
 * tentative (common) definition and this larger one is what gets linked: slot
 * 1024 exists and stays NULL, and the tutorial's free(NULL) is harmless. The
 * event it meant to free leaks, as it does with libevent. */
struct tutorial_fd_event {
  int fd;
  void *ev;
};
struct tutorial_fd_event xevent[1024 + 1];

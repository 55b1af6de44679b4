// One message on a unix socket with an fd beside it by SCM_RIGHTS: shared by the addon and the start client.
#ifndef TSSHIM_SEND_FD_H
#define TSSHIM_SEND_FD_H

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

/* sendmsg of data with pass_fd (if >= 0) beside it, retried on EINTR, never raising SIGPIPE: the bytes sent, or
 * -1 with errno set. */
static inline ssize_t send_with_fd(int sock, const void *data, size_t size, int pass_fd) {
  struct iovec iov = {.iov_base = (void *)data, .iov_len = size};
  union {
    char buf[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } control;
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
  if (pass_fd >= 0) {
    memset(&control, 0, sizeof control);
    msg.msg_control = control.buf;
    msg.msg_controllen = sizeof control.buf;
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &pass_fd, sizeof pass_fd);
  }
  ssize_t sent;
  do sent = sendmsg(sock, &msg, MSG_NOSIGNAL);
  while (sent < 0 && errno == EINTR);
  return sent;
}

#endif

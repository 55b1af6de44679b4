// tsshim_native: the syscalls Node cannot make.
// Every function is a thin wrapper; policy lives in TypeScript. Errors become JS Errors whose message names
// the syscall and its important arguments, with `code` set to the errno name (e.g. 'EINVAL').
#define NAPI_VERSION 8
#include <node_api.h>
#include <uv.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "send-fd.h"

/* ---------- errors and argument helpers ---------- */

// Throws Error("<what>: <strerror in lower case>") with code = errno name. Always returns NULL.
static napi_value throw_errno(napi_env env, int err, const char *fmt, ...) {
  char what[512], msg[700], reason[128];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  snprintf(reason, sizeof reason, "%s", strerror(err));
  if (reason[0] >= 'A' && reason[0] <= 'Z') reason[0] = (char)(reason[0] - 'A' + 'a');
  snprintf(msg, sizeof msg, "%s: %s", what, reason);
  const char *name = strerrorname_np(err);
  napi_value code, message, error;
  napi_create_string_utf8(env, name ? name : "EUNKNOWN", NAPI_AUTO_LENGTH, &code);
  napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &message);
  napi_create_error(env, code, message, &error);
  napi_throw(env, error);
  return NULL;
}

#define CHECK(call)                                                                                            \
  do {                                                                                                         \
    if ((call) != napi_ok) return NULL;                                                                        \
  } while (0)

// Reads up to n arguments; fails with a TypeError when fewer than `required` were passed.
static int get_args(napi_env env, napi_callback_info info, size_t required, napi_value *argv, size_t n,
                    void **data) {
  size_t argc = n;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, data) != napi_ok) return 0;
  if (argc < required) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "tsshim_native: missing arguments");
    return 0;
  }
  return 1;
}

static int get_int(napi_env env, napi_value v, int64_t *out) {
  if (napi_get_value_int64(env, v, out) == napi_ok) return 1;
  napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "tsshim_native: expected a number");
  return 0;
}

// Returns a malloc'd copy of a JS string, or NULL (with a TypeError pending). The caller frees it.
static char *get_string(napi_env env, napi_value v) {
  size_t len;
  if (napi_get_value_string_utf8(env, v, NULL, 0, &len) != napi_ok) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "tsshim_native: expected a string");
    return NULL;
  }
  char *s = malloc(len + 1);
  if (s) napi_get_value_string_utf8(env, v, s, len + 1, &len);
  return s;
}

static napi_value undefined(napi_env env) {
  napi_value u;
  napi_get_undefined(env, &u);
  return u;
}

static napi_value number(napi_env env, double d) {
  napi_value v;
  napi_create_double(env, d, &v);
  return v;
}

static void set_number(napi_env env, napi_value obj, const char *key, double d) {
  napi_set_named_property(env, obj, key, number(env, d));
}

/* ---------- owned pids: a sorted array (tens of entries at most) ---------- */

static pid_t *owned;
static size_t owned_len, owned_cap;

static size_t owned_index(pid_t pid) { // first index whose pid >= pid
  size_t lo = 0, hi = owned_len;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (owned[mid] < pid) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

static int owned_has(pid_t pid) {
  size_t i = owned_index(pid);
  return i < owned_len && owned[i] == pid;
}

static napi_value MarkOwned(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int64_t pid;
  if (!get_args(env, info, 1, argv, 1, NULL) || !get_int(env, argv[0], &pid)) return NULL;
  size_t i = owned_index((pid_t)pid);
  if (i < owned_len && owned[i] == (pid_t)pid) return undefined(env);
  if (owned_len == owned_cap) {
    size_t cap = owned_cap ? owned_cap * 2 : 64;
    pid_t *grown = realloc(owned, cap * sizeof *owned);
    if (!grown) return throw_errno(env, ENOMEM, "markOwned %lld", (long long)pid);
    owned = grown;
    owned_cap = cap;
  }
  memmove(owned + i + 1, owned + i, (owned_len - i) * sizeof *owned);
  owned[i] = (pid_t)pid;
  owned_len++;
  return undefined(env);
}

static napi_value UnmarkOwned(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int64_t pid;
  if (!get_args(env, info, 1, argv, 1, NULL) || !get_int(env, argv[0], &pid)) return NULL;
  size_t i = owned_index((pid_t)pid);
  if (i < owned_len && owned[i] == (pid_t)pid) {
    memmove(owned + i, owned + i + 1, (owned_len - i - 1) * sizeof *owned);
    owned_len--;
  }
  return undefined(env);
}

/* ---------- subreaper and reaping ---------- */

static int last_reap_blocked;

static napi_value SetChildSubreaper(napi_env env, napi_callback_info info) {
  (void)info;
  if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0) return throw_errno(env, errno, "prctl PR_SET_CHILD_SUBREAPER");
  return undefined(env);
}

// waitpid(pid, WNOHANG); appends {pid, status} to arr when the child was reaped.
static void reap_pid(napi_env env, napi_value arr, uint32_t *n, pid_t pid) {
  int st;
  pid_t got;
  do got = waitpid(pid, &st, WNOHANG);
  while (got < 0 && errno == EINTR);
  if (got != pid) return;
  int status = WIFEXITED(st) ? WEXITSTATUS(st) : WIFSIGNALED(st) ? 128 + WTERMSIG(st) : st;
  napi_value exit;
  napi_create_object(env, &exit);
  set_number(env, exit, "pid", pid);
  set_number(env, exit, "status", status);
  napi_set_element(env, arr, (*n)++, exit);
}

// An owned zombie hides the ones behind it from waitid(P_ALL), so wait for each non-owned child by pid.
// Orphans re-parent to whichever thread of ours the kernel picks, hence every task's children file.
static void reap_listed_children(napi_env env, napi_value arr, uint32_t *n) {
  DIR *tasks = opendir("/proc/self/task");
  if (!tasks) return;
  struct dirent *task;
  while ((task = readdir(tasks)) != NULL) {
    if (task->d_name[0] == '.') continue;
    char path[300];
    snprintf(path, sizeof path, "/proc/self/task/%s/children", task->d_name);
    FILE *f = fopen(path, "re");
    if (!f) continue;
    long pid;
    while (fscanf(f, "%ld", &pid) == 1)
      if (!owned_has((pid_t)pid)) reap_pid(env, arr, n, (pid_t)pid);
    fclose(f);
  }
  closedir(tasks);
}

static napi_value Reap(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value arr;
  CHECK(napi_create_array(env, &arr));
  uint32_t n = 0;
  last_reap_blocked = 0;
  for (;;) {
    siginfo_t si;
    memset(&si, 0, sizeof si);
    if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) != 0) {
      if (errno == EINTR) continue;
      break; // ECHILD: no children at all
    }
    if (si.si_pid == 0) break; // children exist, none has exited
    if (owned_has(si.si_pid)) {
      last_reap_blocked = 1;
      reap_listed_children(env, arr, &n);
      break;
    }
    uint32_t before = n;
    reap_pid(env, arr, &n, si.si_pid);
    if (n == before) break; // taken by someone else meanwhile; never spin
  }
  return arr;
}

static napi_value LastReapBlocked(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value v;
  napi_get_boolean(env, last_reap_blocked, &v);
  return v;
}

/* ---------- fds ---------- */

static napi_value Pipe(napi_env env, napi_callback_info info) {
  (void)info;
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return throw_errno(env, errno, "pipe2");
  napi_value arr;
  CHECK(napi_create_array_with_length(env, 2, &arr));
  napi_set_element(env, arr, 0, number(env, fds[0]));
  napi_set_element(env, arr, 1, number(env, fds[1]));
  return arr;
}

static napi_value Fchown(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  int64_t fd, uid, gid;
  if (!get_args(env, info, 3, argv, 3, NULL) || !get_int(env, argv[0], &fd) || !get_int(env, argv[1], &uid) ||
      !get_int(env, argv[2], &gid))
    return NULL;
  if (fchown((int)fd, (uid_t)uid, (gid_t)gid) != 0)
    return throw_errno(env, errno, "fchown fd %lld to %lld:%lld", (long long)fd, (long long)uid, (long long)gid);
  return undefined(env);
}

static napi_value Dup2(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int64_t from, to;
  if (!get_args(env, info, 2, argv, 2, NULL) || !get_int(env, argv[0], &from) || !get_int(env, argv[1], &to))
    return NULL;
  if (dup2((int)from, (int)to) < 0) return throw_errno(env, errno, "dup2 %lld to %lld", (long long)from, (long long)to);
  return undefined(env);
}

static napi_value Close(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int64_t fd;
  if (!get_args(env, info, 1, argv, 1, NULL) || !get_int(env, argv[0], &fd)) return NULL;
  if (close((int)fd) != 0 && errno != EINTR) return throw_errno(env, errno, "close fd %lld", (long long)fd);
  return undefined(env);
}

/* ---------- unix listeners: the shim's own socket, and the console socket (runc --console-socket) ---------- */

// unixListen(path, backlog): a non-blocking SOCK_STREAM listener on a new socket file; EADDRINUSE when the path
// exists. A raw fd rather than a libuv handle: the shim socket outlives the process that makes it (`start`
// hands it to the daemon), and libuv unlinks the file of a pipe server it closes.
static napi_value UnixListen(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int64_t backlog;
  if (!get_args(env, info, 2, argv, 2, NULL) || !get_int(env, argv[1], &backlog)) return NULL;
  char *path = get_string(env, argv[0]);
  if (!path) return NULL;
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  napi_value result = NULL;
  int fd = -1;
  if (strlen(path) >= sizeof addr.sun_path) {
    throw_errno(env, ENAMETOOLONG, "listen unix %s", path);
    goto out;
  }
  strcpy(addr.sun_path, path);
  fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) {
    throw_errno(env, errno, "socket for %s", path);
    goto out;
  }
  if (bind(fd, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(fd, (int)backlog) != 0) {
    throw_errno(env, errno, "listen unix %s", path);
    close(fd);
    goto out;
  }
  result = number(env, fd);
out:
  free(path);
  return result;
}

// The first fd a received message carried by SCM_RIGHTS (close-on-exec), or -1; any others are closed, never
// leaked.
static int take_passed_fd(struct msghdr *msg) {
  int fd = -1;
  for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    int *fds = (int *)CMSG_DATA(c);
    for (size_t i = 0; i < count; i++) {
      if (fd < 0) fd = fds[i];
      else close(fds[i]);
    }
  }
  if (fd >= 0) fcntl(fd, F_SETFD, FD_CLOEXEC);
  return fd;
}

// recvmsg one fd by SCM_RIGHTS; returns the fd or -errno (-EBADMSG when the message carried no fd).
static int receive_fd(int conn) {
  char byte;
  struct iovec iov = {.iov_base = &byte, .iov_len = 1};
  union {
    char buf[CMSG_SPACE(sizeof(int) * 4)];
    struct cmsghdr align;
  } control;
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf, .msg_controllen = sizeof control.buf};
  ssize_t got;
  do got = recvmsg(conn, &msg, MSG_CMSG_CLOEXEC);
  while (got < 0 && errno == EINTR);
  if (got < 0) return -errno;
  int fd = take_passed_fd(&msg);
  return fd >= 0 ? fd : -EBADMSG;
}

static napi_value ConsoleSocketReceive(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int64_t listen_fd;
  if (!get_args(env, info, 1, argv, 1, NULL) || !get_int(env, argv[0], &listen_fd)) return NULL;
  int conn = accept4((int)listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
  if (conn < 0) return throw_errno(env, errno, "accept on console socket fd %lld", (long long)listen_fd);
  // runc has sent the master before `runc create`/`runc exec` returns; the bounded wait only covers a peer
  // that connected but has not written yet, so a slow peer cannot hang the event loop.
  struct pollfd pfd = {.fd = conn, .events = POLLIN};
  int ready;
  do ready = poll(&pfd, 1, 2000);
  while (ready < 0 && errno == EINTR);
  if (ready == 0) {
    close(conn);
    return throw_errno(env, ETIMEDOUT, "receive pty master on console socket fd %lld", (long long)listen_fd);
  }
  int fd = receive_fd(conn);
  close(conn);
  if (fd < 0) return throw_errno(env, -fd, "receive pty master on console socket fd %lld", (long long)listen_fd);
  return number(env, fd);
}

static napi_value SetWinsize(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  int64_t fd, cols, rows;
  if (!get_args(env, info, 3, argv, 3, NULL) || !get_int(env, argv[0], &fd) || !get_int(env, argv[1], &cols) ||
      !get_int(env, argv[2], &rows))
    return NULL;
  struct winsize ws = {.ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols};
  if (ioctl((int)fd, TIOCSWINSZ, &ws) != 0) return throw_errno(env, errno, "ioctl TIOCSWINSZ on fd %lld", (long long)fd);
  return undefined(env);
}

// Bytes sitting unread in a pipe or FIFO (FIONREAD): lets the shim see that a client has taken its output.
static napi_value PendingBytes(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int64_t fd;
  if (!get_args(env, info, 1, argv, 1, NULL) || !get_int(env, argv[0], &fd)) return NULL;
  int n = 0;
  if (ioctl((int)fd, FIONREAD, &n) != 0) return throw_errno(env, errno, "ioctl FIONREAD on fd %lld", (long long)fd);
  return number(env, n);
}

/* ---------- mounts ---------- */

struct mount_call {
  const char *source, *target, *fstype, *data, *cwd;
  unsigned long flags;
  int err;
};

static void do_mount(struct mount_call *m) {
  m->err = mount(m->source, m->target, m->fstype, m->flags, m->data) == 0 ? 0 : errno;
}

// containerd's mountAt: the thread gets its own cwd (unshare CLONE_FS), so relative lowerdirs resolve there
// without touching the process cwd; the thread and its fs state die with it.
static void *mount_in_dir(void *arg) {
  struct mount_call *m = arg;
  if (unshare(CLONE_FS) != 0 || chdir(m->cwd) != 0) m->err = errno;
  else do_mount(m);
  return NULL;
}

static napi_value Mount(napi_env env, napi_callback_info info) {
  napi_value argv[6];
  int64_t flags;
  if (!get_args(env, info, 5, argv, 6, NULL) || !get_int(env, argv[3], &flags)) return NULL;
  napi_valuetype cwd_type; // a missing argument reads as undefined
  napi_typeof(env, argv[5], &cwd_type);
  char *source = get_string(env, argv[0]), *target = source ? get_string(env, argv[1]) : NULL;
  char *fstype = target ? get_string(env, argv[2]) : NULL, *data = fstype ? get_string(env, argv[4]) : NULL;
  char *cwd = data && cwd_type == napi_string ? get_string(env, argv[5]) : NULL;
  napi_value result = NULL;
  if (!data || (cwd_type == napi_string && !cwd)) goto out;
  struct mount_call m = {source, target, fstype[0] ? fstype : NULL, data[0] ? data : NULL, cwd, (unsigned long)flags, 0};
  if (!cwd) do_mount(&m);
  else {
    pthread_t thread;
    int err = pthread_create(&thread, NULL, mount_in_dir, &m);
    if (err) m.err = err;
    else pthread_join(thread, NULL);
  }
  if (m.err) throw_errno(env, m.err, "mount %s on %s%s%s", source, target, cwd ? " in " : "", cwd ? cwd : "");
  else result = undefined(env);
out:
  free(source), free(target), free(fstype), free(data), free(cwd);
  return result;
}

static napi_value Umount2(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int64_t flags;
  if (!get_args(env, info, 2, argv, 2, NULL) || !get_int(env, argv[1], &flags)) return NULL;
  char *target = get_string(env, argv[0]);
  if (!target) return NULL;
  napi_value result = undefined(env);
  if (umount2(target, (int)flags) != 0) result = throw_errno(env, errno, "unmount %s", target);
  free(target);
  return result;
}

/* ---------- peer credentials, eventfd ---------- */

static napi_value PeerCredentials(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int64_t fd;
  if (!get_args(env, info, 1, argv, 1, NULL) || !get_int(env, argv[0], &fd)) return NULL;
  struct ucred cred;
  socklen_t len = sizeof cred;
  if (getsockopt((int)fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0)
    return throw_errno(env, errno, "getsockopt SO_PEERCRED on fd %lld", (long long)fd);
  napi_value obj;
  CHECK(napi_create_object(env, &obj));
  set_number(env, obj, "pid", cred.pid);
  set_number(env, obj, "uid", cred.uid);
  set_number(env, obj, "gid", cred.gid);
  return obj;
}

static napi_value Eventfd(napi_env env, napi_callback_info info) {
  (void)info;
  int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (fd < 0) return throw_errno(env, errno, "eventfd");
  return number(env, fd);
}

static napi_value EventfdRead(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int64_t fd;
  if (!get_args(env, info, 1, argv, 1, NULL) || !get_int(env, argv[0], &fd)) return NULL;
  uint64_t value;
  ssize_t got;
  do got = read((int)fd, &value, sizeof value);
  while (got < 0 && errno == EINTR);
  if (got < 0 && errno == EAGAIN) return number(env, 0);
  if (got < 0) return throw_errno(env, errno, "read eventfd %lld", (long long)fd);
  if (got != sizeof value) return throw_errno(env, EIO, "read eventfd %lld: short read", (long long)fd);
  return number(env, (double)value);
}

/* ---------- pollReadable: uv_poll on the main loop ---------- */

// While open, the poll handle is active and keeps the event loop alive, like any watched socket; close() ends
// it. Stop it before closing the fd (epoll forgets a closed fd only when every duplicate is closed).
struct poller {
  uv_poll_t handle;
  napi_env env;
  napi_ref callback;
  napi_async_context async;
  int closed;
};

static void on_readable(uv_poll_t *handle, int status, int events) {
  (void)events;
  struct poller *p = handle->data;
  if (status < 0) uv_poll_stop(handle); // e.g. EBADF: the callback's read will report the real error
  napi_handle_scope scope;
  napi_open_handle_scope(p->env, &scope);
  napi_value callback, recv, ignored;
  napi_get_reference_value(p->env, p->callback, &callback);
  napi_get_global(p->env, &recv); // napi_make_callback wants an object receiver
  if (napi_make_callback(p->env, p->async, recv, callback, 0, NULL, &ignored) == napi_pending_exception) {
    napi_value error;
    napi_get_and_clear_last_exception(p->env, &error);
    napi_fatal_exception(p->env, error); // surfaces as 'uncaughtException'
  }
  napi_close_handle_scope(p->env, scope);
}

static void free_poller(uv_handle_t *handle) { free(handle->data); }

static napi_value PollerClose(napi_env env, napi_callback_info info) {
  struct poller *p;
  size_t argc = 0;
  CHECK(napi_get_cb_info(env, info, &argc, NULL, NULL, (void **)&p));
  if (p->closed) return undefined(env);
  p->closed = 1;
  uv_poll_stop(&p->handle);
  napi_delete_reference(env, p->callback);
  napi_async_destroy(env, p->async);
  uv_close((uv_handle_t *)&p->handle, free_poller);
  return undefined(env);
}

static napi_value PollReadable(napi_env env, napi_callback_info info) {
  napi_value argv[2], name, closer, obj;
  int64_t fd;
  if (!get_args(env, info, 2, argv, 2, NULL) || !get_int(env, argv[0], &fd)) return NULL;
  uv_loop_t *loop;
  CHECK(napi_get_uv_event_loop(env, &loop));
  struct poller *p = calloc(1, sizeof *p);
  if (!p) return throw_errno(env, ENOMEM, "poll fd %lld", (long long)fd);
  int err = uv_poll_init(loop, &p->handle, (int)fd);
  if (err) {
    free(p);
    return throw_errno(env, -err, "poll fd %lld", (long long)fd);
  }
  p->handle.data = p;
  p->env = env;
  napi_create_reference(env, argv[1], 1, &p->callback);
  napi_create_string_utf8(env, "tsshim:pollReadable", NAPI_AUTO_LENGTH, &name);
  napi_async_init(env, NULL, name, &p->async);
  err = uv_poll_start(&p->handle, UV_READABLE, on_readable);
  CHECK(napi_create_function(env, "close", NAPI_AUTO_LENGTH, PollerClose, p, &closer));
  CHECK(napi_create_object(env, &obj));
  napi_set_named_property(env, obj, "close", closer);
  if (err) {
    napi_call_function(env, obj, closer, 0, NULL, NULL);
    return throw_errno(env, -err, "poll fd %lld", (long long)fd);
  }
  return obj;
}

/* ---------- handover sockets (a pre-booted daemon adopting a sandbox) ---------- */

// SOCK_SEQPACKET unix sockets in the abstract namespace: no file anywhere (nothing to clean up, nothing in the
// shim socket directory), message boundaries kept, and an fd passed beside a message by SCM_RIGHTS.

static int abstract_addr(napi_env env, napi_value v, struct sockaddr_un *addr, socklen_t *len) {
  char *name = get_string(env, v);
  if (!name) return 0;
  size_t n = strlen(name);
  if (n == 0 || n + 1 > sizeof addr->sun_path) {
    free(name);
    throw_errno(env, ENAMETOOLONG, "abstract socket name of %zu bytes", n);
    return 0;
  }
  memset(addr, 0, sizeof *addr);
  addr->sun_family = AF_UNIX;
  memcpy(addr->sun_path + 1, name, n);
  *len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n);
  free(name);
  return 1;
}

// seqpacketListen(name): a non-blocking listener; throws EADDRINUSE when another process has the name.
static napi_value SeqpacketListen(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  struct sockaddr_un addr;
  socklen_t len;
  if (!get_args(env, info, 1, argv, 1, NULL) || !abstract_addr(env, argv[0], &addr, &len)) return NULL;
  int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return throw_errno(env, errno, "socket");
  if (bind(fd, (struct sockaddr *)&addr, len) != 0 || listen(fd, 4) != 0) {
    int err = errno;
    close(fd);
    return throw_errno(env, err, "listen on an abstract socket");
  }
  return number(env, fd);
}

// seqpacketConnect(name): a connected, blocking socket; throws ECONNREFUSED (or ENOENT) when nobody listens.
static napi_value SeqpacketConnect(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  struct sockaddr_un addr;
  socklen_t len;
  if (!get_args(env, info, 1, argv, 1, NULL) || !abstract_addr(env, argv[0], &addr, &len)) return NULL;
  int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  if (fd < 0) return throw_errno(env, errno, "socket");
  int rc;
  do rc = connect(fd, (struct sockaddr *)&addr, len);
  while (rc != 0 && errno == EINTR);
  if (rc != 0) {
    int err = errno;
    close(fd);
    return throw_errno(env, err, "connect to an abstract socket");
  }
  return number(env, fd);
}

// seqpacketAccept(listenFd): a connection made blocking, or throws EAGAIN when none is pending.
static napi_value SeqpacketAccept(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int64_t fd;
  if (!get_args(env, info, 1, argv, 1, NULL) || !get_int(env, argv[0], &fd)) return NULL;
  int conn = accept4((int)fd, NULL, NULL, SOCK_CLOEXEC);
  if (conn < 0) return throw_errno(env, errno, "accept on fd %lld", (long long)fd);
  return number(env, conn);
}

// sendMessage(fd, data, passFd): one message, with passFd (>= 0) beside it by SCM_RIGHTS.
static napi_value SendMessage(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  int64_t fd, pass;
  void *data;
  size_t size;
  if (!get_args(env, info, 3, argv, 3, NULL) || !get_int(env, argv[0], &fd) || !get_int(env, argv[2], &pass))
    return NULL;
  CHECK(napi_get_buffer_info(env, argv[1], &data, &size));
  ssize_t sent = send_with_fd((int)fd, data, size, (int)pass);
  if (sent < 0) return throw_errno(env, errno, "sendmsg on fd %lld", (long long)fd);
  if ((size_t)sent != size) return throw_errno(env, EMSGSIZE, "sendmsg on fd %lld: short write", (long long)fd);
  return undefined(env);
}

// recvMessage(fd, timeoutMs, maxBytes): {data, fd} (fd -1 when none came); throws ETIMEDOUT after timeoutMs,
// EMSGSIZE for a truncated message; data is empty at end of stream (the peer closed).
static napi_value RecvMessage(napi_env env, napi_callback_info info) {
  napi_value argv[3], out, buffer;
  int64_t fd, timeout, max;
  if (!get_args(env, info, 3, argv, 3, NULL) || !get_int(env, argv[0], &fd) || !get_int(env, argv[1], &timeout) ||
      !get_int(env, argv[2], &max))
    return NULL;
  struct pollfd pfd = {.fd = (int)fd, .events = POLLIN};
  int ready;
  do ready = poll(&pfd, 1, (int)timeout);
  while (ready < 0 && errno == EINTR);
  if (ready == 0) return throw_errno(env, ETIMEDOUT, "receive on fd %lld", (long long)fd);
  if (ready < 0) return throw_errno(env, errno, "poll fd %lld", (long long)fd);
  void *data;
  CHECK(napi_create_buffer(env, (size_t)max, &data, &buffer));
  struct iovec iov = {.iov_base = data, .iov_len = (size_t)max};
  union {
    char buf[CMSG_SPACE(sizeof(int) * 4)];
    struct cmsghdr align;
  } control;
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf, .msg_controllen = sizeof control.buf};
  ssize_t got;
  do got = recvmsg((int)fd, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
  while (got < 0 && errno == EINTR);
  if (got < 0) return throw_errno(env, errno, "recvmsg on fd %lld", (long long)fd);
  int passed = take_passed_fd(&msg);
  if (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) {
    if (passed >= 0) close(passed);
    return throw_errno(env, EMSGSIZE, "recvmsg on fd %lld: message truncated", (long long)fd);
  }
  napi_value slice, ctor, args[3], fdv;
  // a view of the bytes received
  CHECK(napi_get_named_property(env, buffer, "subarray", &ctor));
  args[0] = number(env, 0);
  args[1] = number(env, (double)got);
  CHECK(napi_call_function(env, buffer, ctor, 2, args, &slice));
  CHECK(napi_create_object(env, &out));
  napi_set_named_property(env, out, "data", slice);
  fdv = number(env, passed);
  napi_set_named_property(env, out, "fd", fdv);
  return out;
}

/* ---------- copyOutput: container output to its destination, in the kernel where it can ---------- */

// One copier per output stream, driven by uv_poll on the main loop. splice(2) moves bytes from the container's
// pipe to a FIFO, pipe or file without them ever entering user space; where splice does not apply (a terminal's
// master, an O_APPEND file) one buffer allocated at the first such read is reused for every read/write pair.
// Backpressure instead of buffering: while the destination is full only the destination is watched, so the
// container's pipe fills and its writes block, as they would with the Go shim; nothing is ever dropped while
// the destination can take bytes. A destination that fails for good (EPIPE: its reader closed and nobody holds
// it) is reported once, and the stream is then drained and discarded so the container is not blocked forever.

#define COPY_SPLICE_MAX (1 << 20)
#define COPY_BUF_SIZE (64 * 1024)
#define COPY_BUDGET (4 << 20) /* bytes per readiness callback, so one stream cannot starve the loop */

enum copy_event { COPY_END = 0, COPY_SINK_ERROR = 1, COPY_SOURCE_ERROR = 2 };
enum copy_wait { WAIT_NONE, WAIT_SRC, WAIT_DST, WAIT_EITHER };

struct copier {
  uv_poll_t src_poll, dst_poll;
  int src, dst;
  int dst_pollable;
  int use_splice;
  int discarding;
  int drop_lines;  /* never wait for the destination: drop whole lines it cannot take */
  int line_open;   /* the bytes passed on so far end inside a line */
  int finished, stopped, open_handles, js_alive;
  enum copy_wait waiting;
  char *buf;
  size_t buf_off, buf_len;
  double copied, discarded, dropped_lines;
  napi_env env;
  napi_ref callback;
  napi_async_context async;
};

static void copy_pump(struct copier *c);

static void copy_emit(struct copier *c, enum copy_event ev, int err) {
  napi_handle_scope scope;
  napi_open_handle_scope(c->env, &scope);
  napi_value callback, recv, ignored, argv[3];
  napi_get_reference_value(c->env, c->callback, &callback);
  napi_get_global(c->env, &recv);
  napi_create_int32(c->env, ev, &argv[0]);
  napi_create_int32(c->env, err, &argv[1]);
  napi_create_double(c->env, c->copied, &argv[2]);
  if (napi_make_callback(c->env, c->async, recv, callback, 3, argv, &ignored) == napi_pending_exception) {
    napi_value error;
    napi_get_and_clear_last_exception(c->env, &error);
    napi_fatal_exception(c->env, error);
  }
  napi_close_handle_scope(c->env, scope);
}

static void on_copy_src(uv_poll_t *h, int status, int events) {
  (void)status, (void)events;
  copy_pump(h->data);
}

static void on_copy_dst(uv_poll_t *h, int status, int events) {
  (void)status, (void)events;
  copy_pump(h->data);
}

static void copy_wait_for(struct copier *c, enum copy_wait w) {
  if (c->waiting == w) return;
  if (c->waiting == WAIT_SRC || c->waiting == WAIT_EITHER) uv_poll_stop(&c->src_poll);
  if (c->waiting == WAIT_DST || c->waiting == WAIT_EITHER) uv_poll_stop(&c->dst_poll);
  c->waiting = w;
  if (w == WAIT_SRC || w == WAIT_EITHER) uv_poll_start(&c->src_poll, UV_READABLE | UV_DISCONNECT, on_copy_src);
  if (w == WAIT_DST || w == WAIT_EITHER) uv_poll_start(&c->dst_poll, UV_WRITABLE | UV_DISCONNECT, on_copy_dst);
}

static void copy_finish(struct copier *c, enum copy_event ev, int err) {
  c->finished = 1;
  copy_wait_for(c, WAIT_NONE);
  copy_emit(c, ev, err);
}

static int copy_ensure_buf(struct copier *c) {
  if (!c->buf) c->buf = malloc(COPY_BUF_SIZE);
  return c->buf != NULL;
}

// The destination is broken for good: say so once, then read and discard until the source ends.
static void copy_sink_failed(struct copier *c, int err) {
  c->discarding = 1;
  c->use_splice = 0;
  c->discarded += (double)c->buf_len;
  c->buf_off = c->buf_len = 0;
  if (c->waiting == WAIT_DST) copy_wait_for(c, WAIT_SRC);
  copy_emit(c, COPY_SINK_ERROR, err);
}

// splice said EAGAIN: either the source is empty or the destination is full; watch the one that blocks.
static void copy_wait_blocked(struct copier *c) {
  if (c->dst_pollable) {
    struct pollfd fds[2] = {{.fd = c->src, .events = POLLIN}, {.fd = c->dst, .events = POLLOUT}};
    if (poll(fds, 2, 0) >= 0 && (fds[0].revents & POLLIN) && !(fds[1].revents & (POLLOUT | POLLERR | POLLHUP))) {
      copy_wait_for(c, WAIT_DST);
      return;
    }
  }
  copy_wait_for(c, WAIT_SRC);
}

// The destination is full and the copy must not wait for it: drop, from the bytes not yet passed on, every
// whole line that can go. The rest of a line partly passed on is kept (it completes that line), and so is a
// last line whose end has not been read yet (it may still be dropped whole).
static void copy_drop_lines(struct copier *c) {
  char *p = c->buf + c->buf_off;
  size_t n = c->buf_len, from = 0;
  if (c->line_open) {
    char *nl = memchr(p, '\n', n);
    if (!nl) return;
    from = (size_t)(nl - p) + 1;
  }
  char *last = NULL;
  for (size_t i = n; i > from; i--)
    if (p[i - 1] == '\n') {
      last = p + i - 1;
      break;
    }
  if (!last) return;
  size_t to = (size_t)(last - p) + 1;
  for (size_t i = from; i < to; i++)
    if (p[i] == '\n') c->dropped_lines++;
  c->discarded += (double)(to - from);
  memmove(p + from, p + to, n - to);
  c->buf_len -= to - from;
}

// Read/write through the buffer without ever waiting for the destination (TSSHIM_OUTPUT_DROP_LINES).
static void copy_pump_dropping(struct copier *c) {
  size_t moved = 0;
  while (!c->finished && !c->stopped && moved < COPY_BUDGET) {
    if (c->buf_len > 0) {
      ssize_t w = write(c->dst, c->buf + c->buf_off, c->buf_len);
      if (w > 0) {
        c->line_open = c->buf[c->buf_off + (size_t)w - 1] != '\n';
        c->buf_off += (size_t)w;
        c->buf_len -= (size_t)w;
        c->copied += (double)w;
        moved += (size_t)w;
        continue;
      }
      if (w < 0 && errno == EINTR) continue;
      if (w < 0 && errno != EAGAIN) {
        copy_sink_failed(c, errno);
        return;
      }
      copy_drop_lines(c);
    }
    // make room behind what is pending, then read more of the container's output
    if (c->buf_off > 0) {
      memmove(c->buf, c->buf + c->buf_off, c->buf_len);
      c->buf_off = 0;
    }
    size_t room = COPY_BUF_SIZE - c->buf_len;
    if (room == 0) {
      copy_wait_for(c, WAIT_DST); // one line longer than the buffer: it is passed on whole, later
      return;
    }
    ssize_t n = read(c->src, c->buf + c->buf_len, room);
    if (n > 0) {
      c->buf_len += (size_t)n;
      moved += (size_t)n;
    } else if (n == 0 || errno == EIO) {
      if (c->buf_len == 0) {
        copy_finish(c, COPY_END, 0);
        return;
      }
      copy_wait_for(c, WAIT_DST); // the end: what is left goes out when the destination takes it
      return;
    } else if (errno == EINTR) {
      continue;
    } else if (errno == EAGAIN) {
      copy_wait_for(c, c->buf_len > 0 ? WAIT_EITHER : WAIT_SRC);
      return;
    } else {
      copy_finish(c, COPY_SOURCE_ERROR, errno);
      return;
    }
  }
  if (!c->finished && !c->stopped && c->waiting == WAIT_NONE) copy_wait_for(c, WAIT_SRC);
}

static void copy_pump(struct copier *c) {
  if (c->drop_lines && !c->discarding) {
    copy_pump_dropping(c);
    return;
  }
  size_t moved = 0;
  while (!c->finished && !c->stopped && moved < COPY_BUDGET) {
    if (c->use_splice) {
      ssize_t n = splice(c->src, NULL, c->dst, NULL, COPY_SPLICE_MAX, SPLICE_F_NONBLOCK | SPLICE_F_MOVE);
      if (n > 0) {
        c->copied += (double)n;
        moved += (size_t)n;
      } else if (n == 0) {
        copy_finish(c, COPY_END, 0);
      } else if (errno == EINTR) {
        continue;
      } else if (errno == EAGAIN) {
        copy_wait_blocked(c);
        return;
      } else if (errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP) {
        c->use_splice = 0; // a terminal, an O_APPEND file, a destination without splice support
      } else {
        copy_sink_failed(c, errno); // a pipe source does not fail: the error is the destination's
      }
      continue;
    }
    if (c->buf_len == 0) {
      if (!copy_ensure_buf(c)) {
        copy_finish(c, COPY_SOURCE_ERROR, ENOMEM);
        return;
      }
      ssize_t n = read(c->src, c->buf, COPY_BUF_SIZE);
      if (n > 0) {
        c->buf_off = 0;
        c->buf_len = (size_t)n;
      } else if (n == 0 || errno == EIO) {
        copy_finish(c, COPY_END, 0); // EIO: a terminal master whose every slave fd is closed
        return;
      } else if (errno == EINTR) {
        continue;
      } else if (errno == EAGAIN) {
        copy_wait_for(c, WAIT_SRC);
        return;
      } else {
        copy_finish(c, COPY_SOURCE_ERROR, errno);
        return;
      }
    }
    if (c->discarding) {
      c->discarded += (double)c->buf_len;
      moved += c->buf_len;
      c->buf_len = 0;
      continue;
    }
    ssize_t w = write(c->dst, c->buf + c->buf_off, c->buf_len);
    if (w > 0) {
      c->buf_off += (size_t)w;
      c->buf_len -= (size_t)w;
      c->copied += (double)w;
      moved += (size_t)w;
    } else if (w < 0 && errno == EINTR) {
      continue;
    } else if (w < 0 && errno == EAGAIN && c->dst_pollable) {
      copy_wait_for(c, WAIT_DST);
      return;
    } else {
      copy_sink_failed(c, w < 0 ? errno : EIO);
    }
  }
  // budget spent: the watched fd is level-triggered, so the loop comes back here after other work
  if (!c->finished && !c->stopped && c->waiting == WAIT_NONE) copy_wait_for(c, WAIT_SRC);
}

// The struct lives until both its poll handles are closed and its JS object is collected: a method called on a
// stopped copier must still find it.
static void copy_release(struct copier *c) {
  if (c->open_handles > 0 || c->js_alive) return;
  free(c->buf);
  free(c);
}

static void copy_handle_closed(uv_handle_t *h) {
  struct copier *c = h->data;
  c->open_handles--;
  copy_release(c);
}

static void copy_stop(napi_env env, struct copier *c) {
  if (c->stopped) return;
  c->stopped = 1;
  copy_wait_for(c, WAIT_NONE);
  napi_delete_reference(env, c->callback);
  napi_async_destroy(env, c->async);
  uv_close((uv_handle_t *)&c->src_poll, copy_handle_closed);
  if (c->dst_pollable) uv_close((uv_handle_t *)&c->dst_poll, copy_handle_closed);
}

static void copy_finalize(napi_env env, void *data, void *hint) {
  (void)hint;
  struct copier *c = data;
  copy_stop(env, c);
  c->js_alive = 0;
  copy_release(c);
}

static struct copier *copier_this(napi_env env, napi_callback_info info) {
  napi_value self;
  size_t argc = 0;
  void *c = NULL;
  if (napi_get_cb_info(env, info, &argc, NULL, &self, NULL) != napi_ok || napi_unwrap(env, self, &c) != napi_ok) {
    napi_throw_type_error(env, NULL, "not a copier");
    return NULL;
  }
  return c;
}

static napi_value CopierStop(napi_env env, napi_callback_info info) {
  struct copier *c = copier_this(env, info);
  if (!c) return NULL;
  copy_stop(env, c);
  return undefined(env);
}

static napi_value CopierStats(napi_env env, napi_callback_info info) {
  struct copier *c = copier_this(env, info);
  if (!c) return NULL;
  napi_value obj;
  CHECK(napi_create_object(env, &obj));
  set_number(env, obj, "copied", c->copied);
  set_number(env, obj, "discarded", c->discarded);
  set_number(env, obj, "droppedLines", c->dropped_lines);
  set_number(env, obj, "spliced", c->use_splice);
  set_number(env, obj, "waitingForDestination", c->waiting == WAIT_DST);
  return obj;
}

// copyOutput(srcFd, dstFd, onEvent(event, errno, copied)): dstFd -1 discards everything. Neither fd is
// closed here; stop() must be called (after the end event or to abandon the copy) before the caller closes them.
// The methods take the copier as `this`, so they cannot outlive it.
static napi_value CopyOutput(napi_env env, napi_callback_info info) {
  napi_value argv[4], name, fn, obj;
  int64_t src, dst;
  size_t argc = 4;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 3 || !get_int(env, argv[0], &src) ||
      !get_int(env, argv[1], &dst)) {
    napi_throw_type_error(env, NULL, "copyOutput(srcFd, dstFd, onEvent[, dropLines])");
    return NULL;
  }
  bool drop_lines = false;
  if (argc > 3) napi_get_value_bool(env, argv[3], &drop_lines);
  uv_loop_t *loop;
  CHECK(napi_get_uv_event_loop(env, &loop));
  struct copier *c = calloc(1, sizeof *c);
  if (!c) return throw_errno(env, ENOMEM, "copy fd %lld", (long long)src);
  c->src = (int)src;
  c->dst = (int)dst;
  c->env = env;
  c->discarding = dst < 0;
  c->use_splice = dst >= 0;
  if (drop_lines && dst >= 0 && !copy_ensure_buf(c)) {
    free(c);
    return throw_errno(env, ENOMEM, "copy fd %lld", (long long)src);
  }
  int err = uv_poll_init(loop, &c->src_poll, c->src); // also makes the source non-blocking
  if (err) {
    free(c->buf);
    free(c);
    return throw_errno(env, -err, "poll fd %lld", (long long)src);
  }
  c->src_poll.data = c;
  c->open_handles = 1;
  // A FIFO, pipe, socket or terminal can be waited on (and is made non-blocking); a regular file or /dev/null
  // cannot be polled and never makes a writer wait.
  if (dst >= 0 && uv_poll_init(loop, &c->dst_poll, c->dst) == 0) {
    c->dst_pollable = 1;
    c->dst_poll.data = c;
    c->open_handles++;
  }
  // only a destination that can be full is worth dropping for; the buffer is the one the read/write path uses
  if (drop_lines && c->dst_pollable && c->buf) {
    c->drop_lines = 1;
    c->use_splice = 0;
  }
  napi_create_reference(env, argv[2], 1, &c->callback);
  napi_create_string_utf8(env, "tsshim:copyOutput", NAPI_AUTO_LENGTH, &name);
  napi_async_init(env, NULL, name, &c->async);
  CHECK(napi_create_object(env, &obj));
  CHECK(napi_create_function(env, "stop", NAPI_AUTO_LENGTH, CopierStop, NULL, &fn));
  napi_set_named_property(env, obj, "stop", fn);
  CHECK(napi_create_function(env, "stats", NAPI_AUTO_LENGTH, CopierStats, NULL, &fn));
  napi_set_named_property(env, obj, "stats", fn);
  c->js_alive = 1;
  if (napi_wrap(env, obj, c, copy_finalize, NULL, NULL) != napi_ok) {
    c->js_alive = 0;
    copy_stop(env, c);
    return throw_errno(env, ENOMEM, "copy fd %lld", (long long)src);
  }
  copy_wait_for(c, WAIT_SRC);
  return obj;
}

/* ---------- module ---------- */

/* ---------- memory ---------- */

int tsshim_low_memory_notification(void); /* memory.cc */
double tsshim_heap_committed_bytes(void);  /* memory.cc */

/* heapCommittedBytes(): V8's total heap size, as process.memoryUsage().heapTotal, without reading /proc. */
static napi_value HeapCommittedBytes(napi_env env, napi_callback_info info) {
  (void)info;
  return number(env, tsshim_heap_committed_bytes());
}

/* A memory-reducing collection (V8) then malloc_trim(0) (glibc keeps freed heap pages otherwise). Returns true
 * when V8 was reached. */
static napi_value ReduceMemory(napi_env env, napi_callback_info info) {
  (void)info;
  int reached = tsshim_low_memory_notification();
  malloc_trim(0);
  napi_value out;
  napi_get_boolean(env, reached != 0, &out);
  return out;
}

/* ---------- digest ---------- */

/* sha256Hex(text): the hex SHA-256 of text's UTF-8 bytes, by the OpenSSL inside Node.js. node:crypto would do
 * the same after loading sixteen of Node's modules, which a daemon would then compile (its V8 flags make V8 refuse
 * Node's own code cache) and keep for its whole life, for the one digest it needs: its socket's name. */
static napi_value Sha256Hex(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1) {
    napi_throw_type_error(env, NULL, "sha256Hex(text)");
    return NULL;
  }
  size_t len = 0;
  if (napi_get_value_string_utf8(env, argv[0], NULL, 0, &len) != napi_ok) {
    napi_throw_type_error(env, NULL, "sha256Hex: text must be a string");
    return NULL;
  }
  char *text = malloc(len + 1);
  if (text == NULL) return throw_errno(env, ENOMEM, "sha256Hex");
  napi_get_value_string_utf8(env, argv[0], text, len + 1, &len);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_len = 0;
  int ok = EVP_Digest(text, len, digest, &digest_len, EVP_sha256(), NULL);
  free(text);
  if (ok != 1 || digest_len != 32) {
    napi_throw_error(env, NULL, "sha256Hex: EVP_Digest failed");
    return NULL;
  }
  static const char hexdigits[] = "0123456789abcdef";
  char hex[65];
  for (unsigned int i = 0; i < 32; i++) {
    hex[2 * i] = hexdigits[digest[i] >> 4];
    hex[2 * i + 1] = hexdigits[digest[i] & 15];
  }
  napi_value out;
  napi_create_string_latin1(env, hex, 64, &out);
  return out;
}

NAPI_MODULE_INIT() {
  static const struct {
    const char *name;
    napi_callback fn;
  } fns[] = {
      {"setChildSubreaper", SetChildSubreaper},
      {"markOwned", MarkOwned},
      {"unmarkOwned", UnmarkOwned},
      {"reap", Reap},
      {"lastReapBlocked", LastReapBlocked},
      {"pipe", Pipe},
      {"fchown", Fchown},
      {"dup2", Dup2},
      {"close", Close},
      {"unixListen", UnixListen},
      {"heapCommittedBytes", HeapCommittedBytes},
      {"consoleSocketReceive", ConsoleSocketReceive},
      {"setWinsize", SetWinsize},
      {"pendingBytes", PendingBytes},
      {"mount", Mount},
      {"umount2", Umount2},
      {"peerCredentials", PeerCredentials},
      {"eventfd", Eventfd},
      {"pollReadable", PollReadable},
      {"eventfdRead", EventfdRead},
      {"reduceMemory", ReduceMemory},
      {"copyOutput", CopyOutput},
      {"seqpacketListen", SeqpacketListen},
      {"seqpacketConnect", SeqpacketConnect},
      {"seqpacketAccept", SeqpacketAccept},
      {"sendMessage", SendMessage},
      {"recvMessage", RecvMessage},
      {"sha256Hex", Sha256Hex},
  };
  for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
    napi_value f;
    if (napi_create_function(env, fns[i].name, NAPI_AUTO_LENGTH, fns[i].fn, NULL, &f) != napi_ok) return NULL;
    if (napi_set_named_property(env, exports, fns[i].name, f) != napi_ok) return NULL;
  }
  return exports;
}

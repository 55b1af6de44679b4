// tsshim_start: `start` without booting Node.js, when this containerd's spare daemon answers.
//
//   tsshim_start NODE MAIN N DAEMON-NODE-FLAG×N SHIM-ARGS...   (bin/containerd-shim-tsshim-v2 runs it for `start`)
//
// It connects to the spare's abstract socket (the name src/shim/spare/identity.ts derives: same user, same
// containerd address, same build of the daemon code and of node), sends its working directory (the bundle), its
// parent's pid, its arguments and environment, with its stdin beside them, and waits at most ACK_MS for an
// acknowledgement. Only after it confirms does the spare act on the request (src/shim/spare/start-request.ts):
// a spare that answers too late has touched nothing. After the confirmation the spare does the whole of `start`
// and returns what it would have printed, its exit status, and whether to boot the next spare.
//
// With no spare ready (the first container, or several starting at once) the client boots a daemon for this
// start alone, listening on a name of its own (TSSHIM_SPARE_LISTEN_FD), and brings it the same request: one
// Node.js process per sandbox either way, where the Node `start` would be a second. Only when that daemon does
// not come up does it run `node MAIN SHIM-ARGS...`, as if it had never tried.
//
// After printing the answer it boots the next spare (the command line of a daemon for one start, with the lock in
// place of the listener), detached, if it can take the spare lock: an abstract name
// bound here and handed to the spare (TSSHIM_SPARE_LOCK_FD), which holds it until it adopts a sandbox, so that
// concurrent starts never boot spares only to have them find the name taken.
//
// The client never interprets the request: the spare parses the flags with the shim's own parser.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "send-fd.h"

extern char **environ;

/* how long the spare has to acknowledge (start's handover waits as long: HANDOVER_ACK_MS) */
#define ACK_MS 200
/* how long a daemon booted for this start has to come up and acknowledge (a node boot on a loaded host) */
#define BOOT_ACK_MS 10000
/* room in a daemon's command line for the title it takes (TITLE_ROOM in src/shim/actions/start.ts) */
#define TITLE_ROOM 384
/* how long the spare may take for the start itself once confirmed */
#define DONE_MS 60000
#define MAX_REQUEST (192 * 1024)
#define MAX_REPLY (256 * 1024)

static const char REQUEST_TAG[] = "tsshim-start 1";
static const char REPLY_TAG[] = "tsshim-start-done 1";
static const char CONFIRM[] = "adopt";

static char *node_path, *main_path;
static int shim_argc;
static char **shim_argv;
static int daemon_flag_count;
static char **daemon_flags;

/* Run the Node `start`, exactly as the launcher would have without this client. */
static void run_node(void) {
  char **args = calloc((size_t)shim_argc + 3, sizeof *args);
  if (!args) _exit(1);
  args[0] = node_path;
  args[1] = main_path;
  for (int i = 0; i < shim_argc; i++) args[i + 2] = shim_argv[i];
  execv(node_path, args);
  fprintf(stderr, "containerd-shim-tsshim-v2: cannot run %s: %s\n", node_path, strerror(errno));
  _exit(1);
}

/* The value of -address in Go flag syntax, or NULL when the arguments are not a plain `start` with one. */
static const char *start_address(void) {
  static const char *string_flags[] = {"namespace", "id", "address", "publish-binary", "bundle", "socket",
                                       "debug-socket"};
  static const char *bool_flags[] = {"debug", "v", "version", "info"};
  const char *address = NULL;
  int i = 0;
  for (; i < shim_argc; i++) {
    const char *arg = shim_argv[i];
    if (strcmp(arg, "--") == 0) {
      i++;
      break;
    }
    if (arg[0] != '-' || arg[1] == '\0') break;
    const char *body = arg + (arg[1] == '-' ? 2 : 1);
    const char *eq = strchr(body, '=');
    size_t name_len = eq ? (size_t)(eq - body) : strlen(body);
    int known = 0;
    for (size_t k = 0; k < sizeof bool_flags / sizeof *bool_flags; k++)
      if (strlen(bool_flags[k]) == name_len && strncmp(body, bool_flags[k], name_len) == 0) {
        if (k > 0) return NULL; /* -v, -info: not a start */
        known = 1;
      }
    for (size_t k = 0; !known && k < sizeof string_flags / sizeof *string_flags; k++) {
      if (strlen(string_flags[k]) != name_len || strncmp(body, string_flags[k], name_len) != 0) continue;
      known = 1;
      const char *value = eq ? eq + 1 : (i + 1 < shim_argc ? shim_argv[++i] : NULL);
      if (!value) return NULL;
      if (strcmp(string_flags[k], "address") == 0) address = value;
    }
    if (!known) return NULL; /* let the shim report it */
  }
  if (i >= shim_argc || strcmp(shim_argv[i], "start") != 0) return NULL;
  return address && address[0] ? address : NULL;
}

/* dev:ino:mtime-ns:size of a file, as identity.ts writes it, or "absent" */
static void file_stamp(const char *path, char *out, size_t size) {
  struct stat st;
  if (stat(path, &st) != 0) {
    snprintf(out, size, "absent");
    return;
  }
  unsigned long long mtime_ns = (unsigned long long)st.st_mtim.tv_sec * 1000000000ULL + (unsigned long long)st.st_mtim.tv_nsec;
  snprintf(out, size, "%llu:%llu:%llu:%lld", (unsigned long long)st.st_dev, (unsigned long long)st.st_ino, mtime_ns,
           (long long)st.st_size);
}

static uint64_t fnv1a64(const unsigned char *data, size_t len) {
  uint64_t hash = 0xcbf29ce484222325ULL;
  for (size_t i = 0; i < len; i++) {
    hash ^= data[i];
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

/* The spare's abstract name: tsshim-spare/<euid>/<fnv1a64(address \0 daemon-stamp \0 node-stamp)>; the lock
 * and a daemon booted for one start take the same hash under other prefixes (spareLockName in identity.ts). */
static int spare_hash(const char *address, char *out, size_t size) {
  char daemon_path[PATH_MAX], daemon_stamp[128], node_stamp[128];
  const char *slash = strrchr(main_path, '/');
  if (!slash || (size_t)(slash - main_path) + sizeof "/daemon.cjs" > sizeof daemon_path) return 0;
  snprintf(daemon_path, sizeof daemon_path, "%.*s/daemon.cjs", (int)(slash - main_path), main_path);
  file_stamp(daemon_path, daemon_stamp, sizeof daemon_stamp);
  file_stamp(node_path, node_stamp, sizeof node_stamp);
  size_t alen = strlen(address), dlen = strlen(daemon_stamp), nlen = strlen(node_stamp);
  size_t total = alen + 1 + dlen + 1 + nlen;
  unsigned char *text = malloc(total);
  if (!text) return 0;
  memcpy(text, address, alen);
  text[alen] = 0;
  memcpy(text + alen + 1, daemon_stamp, dlen);
  text[alen + 1 + dlen] = 0;
  memcpy(text + alen + 2 + dlen, node_stamp, nlen);
  uint64_t hash = fnv1a64(text, total);
  free(text);
  snprintf(out, size, "%u/%016llx", (unsigned)geteuid(), (unsigned long long)hash);
  return 1;
}

static void abstract_address(const char *name, struct sockaddr_un *addr, socklen_t *len) {
  size_t n = strlen(name);
  memset(addr, 0, sizeof *addr);
  addr->sun_family = AF_UNIX;
  memcpy(addr->sun_path + 1, name, n);
  *len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n);
}

/* A listener on an abstract name, or -1 (EADDRINUSE: somebody holds it). Close-on-exec: only the child it is
 * meant for gets it, by dup2. */
static int listen_abstract(const char *name, int backlog) {
  struct sockaddr_un addr;
  socklen_t len;
  abstract_address(name, &addr, &len);
  int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  if (bind(fd, (struct sockaddr *)&addr, len) != 0 || listen(fd, backlog) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

static int connect_abstract(const char *name) {
  struct sockaddr_un addr;
  socklen_t len;
  abstract_address(name, &addr, &len);
  int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  int rc;
  do rc = connect(fd, (struct sockaddr *)&addr, len);
  while (rc != 0 && errno == EINTR);
  if (rc != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

struct buffer {
  char *data;
  size_t len, cap;
};

static int put(struct buffer *b, const void *data, size_t len) {
  if (b->len + len > b->cap) return 0;
  memcpy(b->data + b->len, data, len);
  b->len += len;
  return 1;
}

static int put_string(struct buffer *b, const char *s) { return put(b, s, strlen(s) + 1); }

static int put_number(struct buffer *b, long long n) {
  char text[32];
  snprintf(text, sizeof text, "%lld", n);
  return put_string(b, text);
}

/* The request: tag, cwd, parent pid, argument count, arguments, environment, each NUL-terminated. */
static int build_request(struct buffer *b) {
  char cwd[PATH_MAX];
  if (!getcwd(cwd, sizeof cwd)) return 0;
  int ok = put_string(b, REQUEST_TAG) && put_string(b, cwd) && put_number(b, (long long)getppid()) &&
           put_number(b, shim_argc);
  for (int i = 0; ok && i < shim_argc; i++) ok = put_string(b, shim_argv[i]);
  for (char **e = environ; ok && *e; e++) ok = put_string(b, *e);
  return ok;
}

static int send_request(int conn, const struct buffer *b) {
  /* stdin rides along: 2.3+ writes its bootstrap parameters there, older daemons the runtime options */
  int stdin_fd = fcntl(0, F_GETFD) != -1 ? 0 : -1;
  return send_with_fd(conn, b->data, b->len, stdin_fd) == (ssize_t)b->len;
}

/* One message within timeout_ms: its length, 0 at end of stream, -1 on timeout or error. */
static ssize_t receive(int conn, char *buf, size_t size, int timeout_ms) {
  struct pollfd pfd = {.fd = conn, .events = POLLIN};
  struct timespec start, now;
  clock_gettime(CLOCK_MONOTONIC, &start);
  for (;;) {
    clock_gettime(CLOCK_MONOTONIC, &now);
    long elapsed = (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000;
    if (elapsed >= timeout_ms) return -1;
    int ready = poll(&pfd, 1, (int)(timeout_ms - elapsed));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) return -1;
    ssize_t got = recv(conn, buf, size, MSG_DONTWAIT | MSG_TRUNC);
    if (got < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (got > (ssize_t)size) return -1;
    return got;
  }
}

static void write_all(int fd, const char *data, size_t len) {
  while (len > 0) {
    ssize_t n = write(fd, data, len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    data += n;
    len -= (size_t)n;
  }
}

/* Boots a daemon in a session of its own, stdio on /dev/null, not waited for; pass_fd (if >= 0) becomes its fd
 * 3, named by pass_env=3 in its environment. Returns its pid, or -1. */
static pid_t boot_daemon(char **argv, int pass_fd, const char *pass_env) {
  pid_t pid = fork();
  if (pid != 0) return pid;
  setsid();
  /* fd 3 first: pass_fd may be 0-2 (the caller may have closed its stdout), which /dev/null goes over next */
  if (pass_fd >= 0) {
    /* dup2 clears close-on-exec on the copy; an fd already at 3 is one dup2 would leave as it is */
    if (pass_fd == 3 ? fcntl(3, F_SETFD, 0) != 0 : dup2(pass_fd, 3) != 3) _exit(1);
    setenv(pass_env, "3", 1);
  }
  int null = open("/dev/null", O_RDWR);
  if (null >= 0) {
    dup2(null, 0);
    dup2(null, 1);
    dup2(null, 2);
    if (null > 2) close(null); /* not 3 when pass_fd is there: 3 is taken */
  }
  if (chdir("/") != 0) _exit(1);
  execv(argv[0], argv);
  _exit(1);
}

/* node, its daemon flags (TSSHIM_DAEMON_NODE_FLAGS replaces them, as for the Node start), main, -address, spare */
static char **daemon_command(const char *address) {
  static char title_room[TITLE_ROOM + 1];
  const char *override = getenv("TSSHIM_DAEMON_NODE_FLAGS");
  char *copy = override ? strdup(override) : NULL;
  int flag_count = daemon_flag_count;
  char *override_flags[64];
  if (copy) {
    flag_count = 0;
    for (char *tok = strtok(copy, " \t\n"); tok && flag_count < 64; tok = strtok(NULL, " \t\n"))
      override_flags[flag_count++] = tok;
  }
  char **argv = calloc((size_t)flag_count + 7, sizeof *argv);
  if (!argv) return NULL;
  int n = 0;
  argv[n++] = node_path;
  for (int i = 0; i < flag_count; i++) argv[n++] = copy ? override_flags[i] : daemon_flags[i];
  argv[n++] = main_path;
  argv[n++] = "-address";
  argv[n++] = (char *)address;
  argv[n++] = "spare";
  memset(title_room, '-', TITLE_ROOM);
  argv[n++] = title_room;
  return argv;
}

/* The next NUL-terminated field of a reply, or NULL when the reply ends first. */
static const char *field(const char **at, const char *end) {
  const char *start = *at;
  const char *nul = memchr(start, 0, (size_t)(end - start));
  if (!nul) return NULL;
  *at = nul + 1;
  return start;
}

static int parse_count(const char *s, long long max, long long *out) {
  if (!s || !*s) return 0;
  char *rest;
  errno = 0;
  long long v = strtoll(s, &rest, 10);
  if (errno || *rest || v < 0 || v > max) return 0;
  *out = v;
  return 1;
}

/* Prints the spare's answer and exits with its status; a reply it cannot read fails the start. The next spare is
 * daemon (the command line of a daemon for one start), given the lock instead of a listener. */
static void finish(const char *reply, size_t len, const char *lock_name, char **daemon) {
  const char *at = reply, *end = reply + len;
  long long code, out_len, err_len, boot_next;
  const char *tag = field(&at, end);
  if (!tag || strcmp(tag, REPLY_TAG) != 0 || !parse_count(field(&at, end), 255, &code) ||
      !parse_count(field(&at, end), MAX_REPLY, &out_len) || !parse_count(field(&at, end), MAX_REPLY, &err_len) ||
      !parse_count(field(&at, end), 1, &boot_next) || (long long)(end - at) != out_len + err_len) {
    fprintf(stderr, "containerd-shim-tsshim-v2: malformed answer from the spare daemon\n");
    _exit(1);
  }
  write_all(1, at, (size_t)out_len);
  write_all(2, at + out_len, (size_t)err_len);
  if (boot_next && daemon) {
    /* without the lock a spare runs or is booting already (its stdio goes to /dev/null in boot_daemon: containerd
     * reads our stdout to its end, and the spare must not hold it) */
    int lock = listen_abstract(lock_name, 1);
    if (lock >= 0) boot_daemon(daemon, lock, "TSSHIM_SPARE_LOCK_FD");
  }
  _exit((int)code);
}

/* Sends the request on conn and waits ack_ms for the acknowledgement, then confirms: 1 when the other side now
 * owns the start, 0 when it has done nothing (no answer in time, or gone). */
static int hand_over(int conn, const struct buffer *request, char *reply, int ack_ms) {
  if (!send_request(conn, request)) return 0;
  if (receive(conn, reply, MAX_REPLY, ack_ms) <= 0) return 0;
  return send(conn, CONFIRM, sizeof CONFIRM - 1, MSG_NOSIGNAL) == (ssize_t)(sizeof CONFIRM - 1);
}

/* The start is the other side's: its answer, or a failed start if it never comes. */
static void await_answer(int conn, char *reply, const char *lock_name, char **daemon) {
  ssize_t got = receive(conn, reply, MAX_REPLY, DONE_MS);
  if (got <= 0) {
    /* it took the start and did not finish it: what it did is unknown, so the start fails as a crash would */
    fprintf(stderr, "containerd-shim-tsshim-v2: the spare daemon did not complete start\n");
    _exit(1);
  }
  finish(reply, (size_t)got, lock_name, daemon);
}

int main(int argc, char **argv) {
  char *end;
  long flag_count = argc > 3 ? strtol(argv[3], &end, 10) : -1;
  if (argc < 4 || *end || flag_count < 0 || flag_count > argc - 4) {
    fprintf(stderr, "usage: tsshim_start NODE MAIN N DAEMON-NODE-FLAG×N SHIM-ARGS...\n");
    return 2;
  }
  node_path = argv[1];
  main_path = argv[2];
  daemon_flag_count = (int)flag_count;
  daemon_flags = argv + 4;
  shim_argc = argc - 4 - (int)flag_count;
  shim_argv = argv + 4 + flag_count;

  const char *address = start_address();
  char hash[64], name[108], lock_name[108], own_name[108];
  if (!address || !spare_hash(address, hash, sizeof hash)) run_node();
  snprintf(name, sizeof name, "tsshim-spare/%s", hash);
  snprintf(lock_name, sizeof lock_name, "tsshim-spare-lock/%s", hash);
  snprintf(own_name, sizeof own_name, "tsshim-spare-boot/%s/%d", hash, (int)getpid());

  struct buffer request = {.data = malloc(MAX_REQUEST), .len = 0, .cap = MAX_REQUEST};
  char *reply = malloc(MAX_REPLY);
  if (!request.data || !reply || !build_request(&request)) run_node();
  /* what a daemon for one start runs, and the next spare */
  char **command = daemon_command(address);

  /* this containerd's spare, if one is ready */
  int conn = connect_abstract(name);
  if (conn >= 0) {
    if (hand_over(conn, &request, reply, ACK_MS)) await_answer(conn, reply, lock_name, command);
    close(conn);
  }

  /* none (or wedged): a daemon for this start alone, on a name of our own */
  int listener = command ? listen_abstract(own_name, 1) : -1;
  if (listener >= 0) {
    /* queued before the daemon exists: if it dies unborn, the connection fails instead of waiting */
    conn = connect_abstract(own_name);
    pid_t pid = conn >= 0 ? boot_daemon(command, listener, "TSSHIM_SPARE_LISTEN_FD") : -1;
    close(listener);
    if (pid > 0) {
      if (hand_over(conn, &request, reply, BOOT_ACK_MS)) await_answer(conn, reply, lock_name, command);
      kill(pid, SIGKILL); /* it never came up: it has done nothing, and never will */
    }
    if (conn >= 0) close(conn);
  }
  run_node();
  return 1;
}

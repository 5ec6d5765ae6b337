/* Runs a command with NOTIFY_SOCKET set to a datagram socket of its own and returns
 * once the command has said READY=1 there (then kills it and reaps it) or has exited
 * by itself: timed from outside (hyperfine), that is the command's start-to-ready
 * time. A command that never says READY, such as /bin/true, is timed to its exit, so
 * the same probe gives the baseline for a ratio.
 * Usage: ready_probe COMMAND [ARGS...]   (exit 0 when ready, or the command's own
 * status; 124 after 10 s without either) */
#define _GNU_SOURCE
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

int main(int argc, char** argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: ready_probe COMMAND [ARGS...]\n");
    return 2;
  }
  char name[64];
  snprintf(name, sizeof name, "@remaphore-ready-probe-%d", (int)getpid());
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  size_t len = strlen(name);
  memcpy(addr.sun_path, name, len);
  addr.sun_path[0] = '\0'; /* abstract: nothing to clean up */
  int sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (sock < 0 || bind(sock, (struct sockaddr*)&addr, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len)) < 0) {
    perror("ready_probe: socket");
    return 2;
  }
  setenv("NOTIFY_SOCKET", name, 1);
  pid_t child;
  if (posix_spawnp(&child, argv[1], NULL, NULL, argv + 1, environ) != 0) {
    perror("ready_probe: spawn");
    return 2;
  }
  int pidfd = (int)syscall(SYS_pidfd_open, child, 0);
  if (pidfd < 0) {
    perror("ready_probe: pidfd_open");
    return 2;
  }
  struct pollfd fds[2] = {{.fd = sock, .events = POLLIN}, {.fd = pidfd, .events = POLLIN}};
  int status = 0;
  for (;;) {
    int n = poll(fds, 2, 10000);
    if (n <= 0) {
      kill(child, SIGKILL);
      waitpid(child, &status, 0);
      return 124;
    }
    if (fds[0].revents & POLLIN) {
      char buf[256];
      ssize_t got = recv(sock, buf, sizeof buf - 1, 0);
      if (got > 0) {
        buf[got] = '\0';
        if (strstr(buf, "READY=1")) {
          kill(child, SIGKILL);
          waitpid(child, &status, 0);
          return 0;
        }
      }
    }
    if (fds[1].revents & POLLIN) {
      waitpid(child, &status, 0);
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
  }
}

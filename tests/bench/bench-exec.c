/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-exec: one run of a command as a whole process (issue 9, item 9):
 * wall time from fork to reaping, and the kernel's peak RSS of that child.
 * Forked from this small program rather than from the Python harness, whose
 * own pages a forked child would count as resident until it execs.
 *
 *   bench-exec PROGRAM [ARG…]      prints: wall_ms=… maxrss_kb=… status=…
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec * 1e3 + (double) ts.tv_nsec / 1e6;
}

int main(int argc, char *argv[]) {
        struct rusage ru = {};
        int status;

        if (argc < 2) {
                fprintf(stderr, "usage: bench-exec PROGRAM [ARG…]\n");
                return 2;
        }
        double t0 = now_ms();
        pid_t pid = fork();
        if (pid < 0)
                return 1;
        if (pid == 0) {
                execv(argv[1], argv + 1);
                fprintf(stderr, "bench-exec: cannot run %s: %s\n", argv[1], strerror(errno));
                _exit(127);
        }
        if (wait4(pid, &status, 0, &ru) < 0)
                return 1;
        double t1 = now_ms();
        printf("wall_ms=%.3f maxrss_kb=%ld status=%d\n", t1 - t0, ru.ru_maxrss,
               WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
        return 0;
}

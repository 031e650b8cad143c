/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-startup: start-up of a bus service as its users see it (issue 9):
 * from exec to its well-known name being owned (NameOwnerChanged), and, with
 * --ready, on to the first org.massaged1.Device whose ConnectionState turns
 * "ready". Then SIGTERM, and the child's peak RSS from the kernel (wait4).
 *
 *   bench-startup --bus ADDR --name NAME [--ready] -- PROGRAM [ARG…]
 *
 * Prints: name_ms=… ready_ms=… maxrss_kb=… (ready_ms=0 without --ready).
 */
#include <errno.h>
#include <stdbool.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <systemd/sd-bus.h>
#include <time.h>
#include <unistd.h>

#include "macro.h"

typedef struct State {
        const char *name;
        uint64_t t_name, t_ready;
} State;

static uint64_t now_ns(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000000u + (uint64_t) ts.tv_nsec;
}

static int on_owner_changed(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        State *s = userdata;
        const char *name, *old, *new;

        if (sd_bus_message_read(m, "sss", &name, &old, &new) >= 0 && strcmp(name, s->name) == 0 && *new && !s->t_name)
                s->t_name = now_ns();
        return 0;
}

static int on_properties_changed(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        State *s = userdata;
        const char *iface, *prop, *value;

        if (sd_bus_message_read(m, "s", &iface) < 0 || sd_bus_message_enter_container(m, 'a', "{sv}") < 0)
                return 0;
        while (sd_bus_message_enter_container(m, 'e', "sv") > 0) {
                if (sd_bus_message_read(m, "s", &prop) < 0)
                        return 0;
                if (strcmp(prop, "ConnectionState") == 0 && sd_bus_message_read(m, "v", "s", &value) >= 0) {
                        if (strcmp(value, "ready") == 0 && !s->t_ready)
                                s->t_ready = now_ns();
                } else if (sd_bus_message_skip(m, "v") < 0)
                        return 0;
                if (sd_bus_message_exit_container(m) < 0)
                        return 0;
        }
        return 0;
}

int main(int argc, char *argv[]) {
        static const struct option options[] = {
                { "bus", required_argument, NULL, 'B' },
                { "name", required_argument, NULL, 'N' },
                { "ready", no_argument, NULL, 'r' },
                {}
        };
        const char *address = NULL;
        bool want_ready = false;
        State s = {};
        sd_bus *bus = NULL;
        int c, r;

        while ((c = getopt_long(argc, argv, "+", options, NULL)) >= 0)
                switch (c) {
                case 'B': address = optarg; break;
                case 'N': s.name = optarg; break;
                case 'r': want_ready = true; break;
                default: return 2;
                }
        if (!address || !s.name || optind >= argc) {
                fprintf(stderr, "usage: bench-startup --bus ADDR --name NAME [--ready] -- PROGRAM [ARG…]\n");
                return 2;
        }
        r = sd_bus_new(&bus);
        if (r >= 0)
                r = sd_bus_set_address(bus, address);
        if (r >= 0)
                r = sd_bus_set_bus_client(bus, 1);
        if (r >= 0)
                r = sd_bus_start(bus);
        if (r >= 0)
                r = sd_bus_match_signal(bus, NULL, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                        "org.freedesktop.DBus", "NameOwnerChanged", on_owner_changed, &s);
        if (r >= 0 && want_ready)
                r = sd_bus_add_match(bus, NULL,
                                     "type='signal',interface='org.freedesktop.DBus.Properties',"
                                     "member='PropertiesChanged',arg0='org.massaged1.Device'",
                                     on_properties_changed, &s);
        if (r < 0) {
                fprintf(stderr, "bench-startup: cannot watch %s: %s\n", address, strerror(-r));
                return 1;
        }

        uint64_t t0 = now_ns();
        pid_t pid = fork();
        if (pid < 0)
                return 1;
        if (pid == 0) {
                execv(argv[optind], argv + optind);
                fprintf(stderr, "bench-startup: cannot run %s: %s\n", argv[optind], strerror(errno));
                _exit(127);
        }
        uint64_t deadline = t0 + 30ULL * 1000000000u;
        while (!s.t_name || (want_ready && !s.t_ready)) {
                uint64_t t = now_ns();
                if (t >= deadline || waitpid(pid, NULL, WNOHANG) != 0) {
                        fprintf(stderr, "bench-startup: %s %s within 30 s\n", argv[optind],
                                t >= deadline ? "did not get there" : "exited");
                        (void) kill(pid, SIGKILL);
                        return 1;
                }
                r = sd_bus_process(bus, NULL);
                if (r < 0)
                        return 1;
                if (r == 0)
                        (void) sd_bus_wait(bus, (deadline - t) / 1000);
        }

        struct rusage ru = {};
        int status;
        (void) kill(pid, SIGTERM);
        if (wait4(pid, &status, 0, &ru) < 0)
                return 1;
        printf("name_ms=%.3f ready_ms=%.3f maxrss_kb=%ld\n", (double) (s.t_name - t0) / 1e6,
               want_ready ? (double) (s.t_ready - t0) / 1e6 : 0.0, ru.ru_maxrss);
        sd_bus_flush_close_unref(bus);
        return 0;
}

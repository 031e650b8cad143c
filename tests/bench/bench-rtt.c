/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-rtt: times synchronous D-Bus method calls one after the other from
 * a C sd-bus client (issue 9), the same client for massaged and for the
 * floor (bench-echo), so the ratio compares the services and not the
 * clients.
 *
 *   bench-rtt --bus ADDR --dest NAME --path PATH --iface IFACE --method M
 *             [--signature SIG] [-n COUNT] [--warmup N] [--seconds S] [ARG…]
 *
 * ARGs are the call's arguments, one per character of SIG (y u x b s).
 * -n: calls timed (default 10000); --seconds: keep calling until S seconds
 * have passed instead (load generator, throughput); --raw FILE: append each
 * call's latency (µs, one a line) to FILE, so that runs interleaved with a
 * floor's can be pooled. Prints one line:
 *   n=… p50_us=… p99_us=… max_us=… mean_us=… calls_per_s=…
 * Any failed call ends it with exit status 1 and the error.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>
#include <time.h>

#include "macro.h"

static uint64_t now_ns(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000000u + (uint64_t) ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b) {
        uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;
        return x < y ? -1 : x > y;
}

/* A whole unsigned number within [0, max], or a message naming the option. */
static int parse_num(const char *what, const char *s, double max, double *ret) {
        char *end;
        double v;

        errno = 0;
        v = strtod(s, &end);
        if (errno != 0 || end == s || *end != '\0' || v < 0 || v > max) {
                fprintf(stderr, "bench-rtt: %s '%s' is not a number in 0…%.0f\n", what, s, max);
                return -EINVAL;
        }
        *ret = v;
        return 0;
}

static int append_args(sd_bus_message *m, const char *sig, char **args, int n_args) {
        int r;

        if ((int) strlen(sig) != n_args) {
                fprintf(stderr, "bench-rtt: signature '%s' wants %zu arguments, %d given\n", sig, strlen(sig), n_args);
                return -EINVAL;
        }
        for (int i = 0; i < n_args; i++) {
                double v = 0;

                if (strchr("yux", sig[i])) {
                        r = parse_num("argument", args[i], sig[i] == 'y' ? 255 : sig[i] == 'u' ? 4294967295.0 : 9.2e18,
                                      &v);
                        if (r < 0)
                                return r;
                }
                switch (sig[i]) {
                case 'y': {
                        uint8_t b = (uint8_t) v;
                        r = sd_bus_message_append_basic(m, 'y', &b);
                        break;
                }
                case 'u': {
                        uint32_t u = (uint32_t) v;
                        r = sd_bus_message_append_basic(m, 'u', &u);
                        break;
                }
                case 'x': {
                        /* strtoll, not the double: microsecond times need all 63 bits. */
                        int64_t x = strtoll(args[i], NULL, 10);
                        r = sd_bus_message_append_basic(m, 'x', &x);
                        break;
                }
                case 'b': {
                        int b = strcmp(args[i], "true") == 0 || strcmp(args[i], "1") == 0;
                        r = sd_bus_message_append_basic(m, 'b', &b);
                        break;
                }
                case 's':
                        r = sd_bus_message_append_basic(m, 's', args[i]);
                        break;
                default:
                        fprintf(stderr, "bench-rtt: type '%c' not supported (y u x b s)\n", sig[i]);
                        return -EINVAL;
                }
                if (r < 0)
                        return r;
        }
        return 0;
}

int main(int argc, char *argv[]) {
        static const struct option options[] = {
                { "bus", required_argument, NULL, 'B' },
                { "dest", required_argument, NULL, 'd' },
                { "path", required_argument, NULL, 'p' },
                { "iface", required_argument, NULL, 'i' },
                { "method", required_argument, NULL, 'm' },
                { "signature", required_argument, NULL, 'S' },
                { "warmup", required_argument, NULL, 'w' },
                { "seconds", required_argument, NULL, 't' },
                { "raw", required_argument, NULL, 'R' },
                {}
        };
        const char *raw = NULL;
        const char *address = NULL, *dest = NULL, *path = NULL, *iface = NULL, *method = NULL, *sig = "";
        double count = 10000, warmup = 100, seconds = 0;
        sd_bus *bus = NULL;
        uint64_t *lat = NULL;
        size_t n = 0, cap;
        int c, r;

        while ((c = getopt_long(argc, argv, "n:", options, NULL)) >= 0)
                switch (c) {
                case 'B': address = optarg; break;
                case 'd': dest = optarg; break;
                case 'p': path = optarg; break;
                case 'i': iface = optarg; break;
                case 'm': method = optarg; break;
                case 'S': sig = optarg; break;
                case 'n':
                        if (parse_num("-n", optarg, 1e8, &count) < 0)
                                return 2;
                        break;
                case 'w':
                        if (parse_num("--warmup", optarg, 1e8, &warmup) < 0)
                                return 2;
                        break;
                case 't':
                        if (parse_num("--seconds", optarg, 86400, &seconds) < 0)
                                return 2;
                        break;
                case 'R': raw = optarg; break;
                default: return 2;
                }
        if (!address || !dest || !path || !iface || !method || count < 1) {
                fprintf(stderr, "usage: bench-rtt --bus ADDR --dest NAME --path PATH --iface IFACE --method M "
                                "[--signature SIG] [-n COUNT] [--warmup N] [--seconds S] [ARG…]\n");
                return 2;
        }
        cap = seconds > 0 ? 1u << 20 : (size_t) count;
        lat = calloc(cap, sizeof *lat);
        if (!lat)
                return 1;

        r = sd_bus_new(&bus);
        if (r >= 0)
                r = sd_bus_set_address(bus, address);
        if (r >= 0)
                r = sd_bus_set_bus_client(bus, 1);
        if (r >= 0)
                r = sd_bus_start(bus);
        if (r < 0) {
                fprintf(stderr, "bench-rtt: cannot connect to %s: %s\n", address, strerror(-r));
                return 1;
        }

        uint64_t t_begin = 0, deadline = 0;
        for (size_t i = 0;; i++) {
                sd_bus_message *m = NULL, *reply = NULL;
                sd_bus_error error = SD_BUS_ERROR_NULL;

                if (i == (size_t) warmup) {
                        t_begin = now_ns();
                        deadline = t_begin + (uint64_t) (seconds * 1e9);
                }
                if (i >= (size_t) warmup && (seconds > 0 ? (now_ns() >= deadline || n == cap) : n == cap))
                        break;
                r = sd_bus_message_new_method_call(bus, &m, dest, path, iface, method);
                if (r >= 0)
                        r = append_args(m, sig, argv + optind, argc - optind);
                if (r < 0) {
                        fprintf(stderr, "bench-rtt: cannot build the call: %s\n", strerror(-r));
                        return 1;
                }
                uint64_t t0 = now_ns();
                r = sd_bus_call(bus, m, 30 * 1000000ULL, &error, &reply);
                uint64_t t1 = now_ns();
                sd_bus_message_unref(m);
                sd_bus_message_unref(reply);
                if (r < 0) {
                        fprintf(stderr, "bench-rtt: %s.%s failed after %zu calls: %s: %s\n", iface, method, i,
                                error.name ?: "", error.message ?: strerror(-r));
                        sd_bus_error_free(&error);
                        return 1;
                }
                if (i >= (size_t) warmup)
                        lat[n++] = t1 - t0;
        }
        uint64_t elapsed = now_ns() - t_begin;
        if (n == 0) {
                fprintf(stderr, "bench-rtt: no call was timed\n");
                return 1;
        }

        double sum = 0;
        for (size_t i = 0; i < n; i++)
                sum += (double) lat[i];
        if (raw) {
                FILE *f = fopen(raw, "ae");
                if (!f) {
                        fprintf(stderr, "bench-rtt: cannot open %s: %m\n", raw);
                        return 1;
                }
                for (size_t i = 0; i < n; i++)
                        fprintf(f, "%.1f\n", (double) lat[i] / 1e3);
                if (fclose(f) != 0) {
                        fprintf(stderr, "bench-rtt: cannot write %s: %m\n", raw);
                        return 1;
                }
        }
        qsort(lat, n, sizeof *lat, cmp_u64);
        printf("n=%zu p50_us=%.1f p99_us=%.1f max_us=%.1f mean_us=%.1f calls_per_s=%.0f\n", n,
               (double) lat[n / 2] / 1e3, (double) lat[MIN(n - 1, n * 99 / 100)] / 1e3, (double) lat[n - 1] / 1e3,
               sum / (double) n / 1e3, (double) n / ((double) elapsed / 1e9));
        free(lat);
        sd_bus_flush_close_unref(bus);
        return 0;
}

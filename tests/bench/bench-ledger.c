/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-ledger: writes N completed sessions into a ledger through the
 * daemon's own ledger code (ledger_session_begin + ledger_session_end, each
 * durable as in the daemon), timing each session's writes, and reports the
 * file size per session (issue 9, item 7).
 *
 *   bench-ledger DB N [SPACING_MIN] [LENGTH_MIN]
 *
 * Session i starts (N - i) * SPACING_MIN minutes ago (default 30) and runs
 * LENGTH_MIN minutes (default 15), the newest ending before now. Prints:
 *   sessions=… write_p50_us=… write_p99_us=… write_mean_us=… bytes=… bytes_per_session=…
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "ledger.h"
#include "macro.h"

static int64_t clock_us(clockid_t id) {
        struct timespec ts;
        clock_gettime(id, &ts);
        return (int64_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int cmp_i64(const void *a, const void *b) {
        int64_t x = *(const int64_t *) a, y = *(const int64_t *) b;
        return x < y ? -1 : x > y;
}

static off_t file_size(const char *db, const char *suffix) {
        char path[4096];
        struct stat st;

        (void) snprintf(path, sizeof path, "%s%s", db, suffix);
        return stat(path, &st) < 0 ? 0 : st.st_size;
}

int main(int argc, char *argv[]) {
        Ledger *l = NULL;
        char *error = NULL;
        int r;

        if (argc < 3 || argc > 5) {
                fprintf(stderr, "usage: bench-ledger DB N [SPACING_MIN] [LENGTH_MIN]\n");
                return 2;
        }
        long n = strtol(argv[2], NULL, 10);
        long spacing = argc > 3 ? strtol(argv[3], NULL, 10) : 30;
        long len = argc > 4 ? strtol(argv[4], NULL, 10) : 15;
        if (n <= 0 || spacing <= 0 || len <= 0 || len > spacing) {
                fprintf(stderr, "bench-ledger: want N > 0 and 0 < LENGTH_MIN <= SPACING_MIN\n");
                return 2;
        }
        int64_t *cost = calloc((size_t) n, sizeof *cost);
        if (!cost)
                return 1;
        r = ledger_open(argv[1], NULL, &l, &error);
        if (r < 0) {
                fprintf(stderr, "bench-ledger: %s\n", error ?: strerror(-r));
                return 1;
        }
        int64_t now = clock_us(CLOCK_REALTIME);
        ProgramStep pstep = { .seconds = 60, .intensity_pct = 100, .pattern = MASSAGER_PATTERN_STEADY };
        Program program = { .name = (char *) "gentle", .n_steps = 1, .steps = &pstep };
        PolicyStep step = { .at_s = 0, .seconds = (uint32_t) len * 60, .intensity = 1,
                            .pattern = MASSAGER_PATTERN_STEADY };
        PolicyPlan plan = { .program = &program, .session_s = (uint32_t) len * 60, .intensity = 1,
                            .intensity_cap = 10, .n_steps = 1, .steps = &step };
        double sum = 0;

        for (long i = 0; i < n; i++) {
                int64_t begin_us = now - (int64_t) (n - i) * spacing * 60 * 1000000;
                SafetyClock start, end;
                int64_t id;

                r = safety_clock_make(begin_us, 0, NULL, &start);
                if (r >= 0)
                        r = safety_clock_make(begin_us + (int64_t) len * 60 * 1000000, 0, NULL, &end);
                int64_t t0 = clock_us(CLOCK_MONOTONIC);
                if (r >= 0)
                        r = ledger_session_begin(l, &start, "00:00:00:00:00:00", &plan, &id);
                if (r >= 0)
                        r = ledger_session_end(l, id, &end, (uint32_t) len * 60, 0, POLICY_END_COMPLETED);
                cost[i] = clock_us(CLOCK_MONOTONIC) - t0;
                sum += (double) cost[i];
                if (r < 0) {
                        fprintf(stderr, "bench-ledger: session %ld: %s\n", i, ledger_error(l));
                        return 1;
                }
        }
        ledger_close(l);
        qsort(cost, (size_t) n, sizeof *cost, cmp_i64);
        off_t bytes = file_size(argv[1], "") + file_size(argv[1], "-wal");
        printf("sessions=%ld write_p50_us=%" PRId64 " write_p99_us=%" PRId64 " write_mean_us=%.0f bytes=%lld "
               "bytes_per_session=%.0f\n",
               n, cost[n / 2], cost[n * 99 / 100], sum / (double) n, (long long) bytes, (double) bytes / (double) n);
        free(cost);
        return 0;
}

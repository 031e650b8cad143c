/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ledger-seed: writes past sessions into a ledger through the ledger's own
 * API, so integration tests can put the daemon in front of a history (daily
 * cap reached, rest not over) without any test-only switch in the daemon.
 *
 *   ledger-seed DB AGO_MIN:LENGTH_MIN [AGO_MIN:LENGTH_MIN …]
 *
 * Each pair is one completed session that started AGO_MIN minutes ago and
 * ran LENGTH_MIN minutes. The sessions carry no boot id, so only wall-clock
 * times are compared with them.
 *
 * AGO_MIN:LENGTH_MIN@SHIFT_MIN is a session of this boot instead (its
 * boot id and monotonic times, AGO_MIN minutes back on CLOCK_BOOTTIME) that
 * ran while the wall clock was SHIFT_MIN minutes ahead: what a wall clock
 * stepped back since leaves behind.
 *
 * AGO_MIN:LENGTH_MIN+SEC moves a (wall-clock) session SEC seconds later, for
 * a rest that runs out a few seconds after the daemon starts.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ledger.h"
#include "macro.h"

int main(int argc, char *argv[]) {
        Ledger *l = NULL;
        char *error = NULL;
        int r;

        if (argc < 3) {
                (void) fprintf(stderr, "usage: ledger-seed DB AGO_MIN:LENGTH_MIN…\n");
                return 2;
        }
        r = ledger_open(argv[1], NULL, &l, &error);
        if (r < 0) {
                (void) fprintf(stderr, "ledger-seed: %s\n", error ?: strerror(-r));
                return 1;
        }
        SafetyClock now_clock;
        r = safety_clock_now(&now_clock);
        if (r < 0) {
                (void) fprintf(stderr, "ledger-seed: cannot read the clock: %s\n", strerror(-r));
                return 1;
        }
        int64_t now = now_clock.wall_us;

        for (int i = 2; i < argc; i++) {
                unsigned ago, len;
                int shift = 0, n = sscanf(argv[i], "%u:%u@%d", &ago, &len, &shift);
                bool this_boot = n == 3;
                const char *plus = strchr(argv[i], '+');
                int64_t later_us = plus && !this_boot ? (int64_t) strtoul(plus + 1, NULL, 10) * 1000000 : 0;
                if (n < 2 || len == 0 || len > ago ||
                    (this_boot && (uint64_t) ago * 60 * 1000000 >= now_clock.mono_us)) {
                        (void) fprintf(stderr, "ledger-seed: '%s' is not AGO_MIN:LENGTH_MIN[@SHIFT_MIN] with 0 < "
                                       "LENGTH ≤ AGO (and AGO within this boot)\n", argv[i]);
                        return 2;
                }
                ProgramStep pstep = { .seconds = 60, .intensity_pct = 100, .pattern = MASSAGER_PATTERN_STEADY };
                Program program = { .name = (char *) "gentle", .n_steps = 1, .steps = &pstep };
                PolicyStep step = { .at_s = 0, .seconds = len * 60, .intensity = 1,
                                    .pattern = MASSAGER_PATTERN_STEADY };
                PolicyPlan plan = { .program = &program, .session_s = len * 60, .intensity = 1,
                                    .intensity_cap = 10, .n_steps = 1, .steps = &step };
                SafetyClock start, end;
                int64_t id;

                int64_t wall_shift = (int64_t) shift * 60 * 1000000 + later_us;
                uint64_t mono_start = this_boot ? now_clock.mono_us - (uint64_t) ago * 60 * 1000000 : 0;
                uint64_t mono_end = this_boot ? mono_start + (uint64_t) len * 60 * 1000000 : 0;
                const char *boot = this_boot ? now_clock.boot_id : NULL;

                r = safety_clock_make(now - (int64_t) ago * 60 * 1000000 + wall_shift, mono_start, boot, &start);
                if (r >= 0)
                        r = safety_clock_make(now - (int64_t) (ago - len) * 60 * 1000000 + wall_shift, mono_end,
                                              boot, &end);
                if (r >= 0)
                        r = ledger_session_begin(l, &start, "00:00:00:00:00:00", &plan, &id);
                if (r >= 0)
                        r = ledger_session_end(l, id, &end, len * 60, 0, POLICY_END_COMPLETED);
                if (r < 0) {
                        (void) fprintf(stderr, "ledger-seed: %s: %s\n", argv[i], ledger_error(l));
                        return 1;
                }
        }
        ledger_close(l);
        return 0;
}

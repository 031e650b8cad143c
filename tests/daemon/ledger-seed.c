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
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ledger.h"
#include "macro.h"

int main(int argc, char *argv[]) {
        Ledger *l = NULL;
        char *error = NULL;
        struct timespec ts;
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
        clock_gettime(CLOCK_REALTIME, &ts);
        int64_t now = (int64_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;

        for (int i = 2; i < argc; i++) {
                unsigned ago, len;
                if (sscanf(argv[i], "%u:%u", &ago, &len) != 2 || len == 0 || len > ago) {
                        (void) fprintf(stderr, "ledger-seed: '%s' is not AGO_MIN:LENGTH_MIN with 0 < LENGTH ≤ AGO\n", argv[i]);
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

                r = safety_clock_make(now - (int64_t) ago * 60 * 1000000, 0, NULL, &start);
                if (r >= 0)
                        r = safety_clock_make(now - (int64_t) (ago - len) * 60 * 1000000, 0, NULL, &end);
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

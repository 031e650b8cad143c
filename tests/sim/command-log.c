/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Each device's last SIM_COMMAND_LOG_MAX Control Point writes as they
 * arrived, with their CLOCK_MONOTONIC arrival time: what lets a test or the
 * bench judge from the outside when the daemon's timers really acted
 * (doc/performance.md, round 2). Bounded: the oldest entry makes room. The
 * ring is allocated on a device's first write, so the 64 idle devices of the
 * scale bench cost nothing.
 */

#include <time.h>

#include "macro.h"
#include "sim.h"

static uint64_t monotonic_us(void) {
        struct timespec ts;

        /* The write's own time, not the event loop's iteration start: several
         * writes handled in one iteration must not share a time. */
        (void) clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000u + (uint64_t) ts.tv_nsec / 1000u;
}

void sim_command_log_add(SimDevice *d, const uint8_t *value, size_t len) {
        SimCommandRecord *rec;

        if (!d->command_log) {
                d->command_log = calloc(SIM_COMMAND_LOG_MAX, sizeof *d->command_log);
                if (!d->command_log)
                        return;         /* a test aid: losing it must not fail the write */
        }
        rec = &d->command_log[d->command_log_next % SIM_COMMAND_LOG_MAX];
        rec->at_us = monotonic_us();
        rec->len = (uint8_t) MIN(len, sizeof rec->bytes);
        memcpy(rec->bytes, value, rec->len);
        d->command_log_next++;
}

int sim_command_log_append(const SimDevice *d, sd_bus_message *reply) {
        unsigned n = MIN(d->command_log_next, SIM_COMMAND_LOG_MAX);
        int r;

        r = sd_bus_message_open_container(reply, 'a', "(tay)");
        if (r < 0)
                return r;
        for (unsigned i = d->command_log_next - n; d->command_log && i != d->command_log_next; i++) {
                const SimCommandRecord *rec = &d->command_log[i % SIM_COMMAND_LOG_MAX];

                r = sd_bus_message_open_container(reply, 'r', "tay");
                if (r >= 0)
                        r = sd_bus_message_append(reply, "t", rec->at_us);
                if (r >= 0)
                        r = sd_bus_message_append_array(reply, 'y', rec->bytes, rec->len);
                if (r >= 0)
                        r = sd_bus_message_close_container(reply);
                if (r < 0)
                        return r;
        }
        return sd_bus_message_close_container(reply);
}

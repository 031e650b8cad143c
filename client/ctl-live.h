/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The live view of `monitor` and `start --wait`: follows Device
 * PropertiesChanged and SessionEnded on one sd-event loop (signals through
 * sd_event_add_signal, no polling). On a terminal it redraws a block per
 * device in place (program, pattern, intensity, heat, pad temperature, a
 * progress bar and countdown); otherwise it prints one plain line per event,
 * or one JSON object per line with --json.
 */

#include <stdint.h>

#include "massagectl.h"

typedef enum LiveMode {
        LIVE_MONITOR,           /* until Ctrl-C; exit 0 */
        LIVE_WAIT,              /* until the watched session ends; Ctrl-C stops it */
} LiveMode;

typedef struct Live Live;

/* Subscribes to the signals (call before Start so nothing is missed).
 * only_path: one device, or NULL for all. */
int live_new(Ctl *c, LiveMode mode, const char *only_path, Live **ret);
Live *live_free(Live *l);
static inline void live_freep(Live **l) {
        live_free(*l);
}
#define _cleanup_live_ __attribute__((cleanup(live_freep)))

/* For the progress bar when the length is known (start --duration). */
void live_set_planned(Live *l, uint64_t seconds);

/* Runs until done. Returns an exit code (≥ 0) or a recorded failure (< 0). */
int live_run(Live *l);


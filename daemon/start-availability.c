/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-event.h>

#include "base/log.h"
#include "base/util.h"
#include "device.h"
#include "massaged-dbus.h"
#include "safety/policy-advice.h"
#include "start-availability.h"
#include "start-decision.h"

struct StartAvailability {
        const DeviceContext *ctx;       /* the manager's: event loop, API bus, the devices */
        StartSummary current;
        bool have;
        sd_event_source *defer;         /* a recompute asked for this loop turn */
        sd_event_source *timer;         /* the next moment the answer can change by itself */
};

/* The device the answer is for: the connected one (the lowest address if several). */
static Device *default_device(const DeviceContext *ctx) {
        GHashTableIter i;
        gpointer v;
        Device *best = NULL;

        g_hash_table_iter_init(&i, ctx->devices);
        while (g_hash_table_iter_next(&i, NULL, &v)) {
                Device *d = v;
                if (device_is_ready(d) && d->have_info && (!best || strcmp(d->address, best->address) < 0))
                        best = d;
        }
        return best;
}

static int on_timer(sd_event_source *es, uint64_t usec, void *userdata);

/* One timer, re-armed for the next change or switched off; next_us is wall time. */
static void arm(StartAvailability *a, int64_t next_us, int64_t now_us) {
        uint64_t at;
        int r;

        if (next_us <= 0) {
                if (a->timer)
                        (void) sd_event_source_set_enabled(a->timer, SD_EVENT_OFF);
                return;
        }
        /* Relative on CLOCK_BOOTTIME: the rest rule counts that clock too. 1 ms late
         * rather than early, so the recompute sees the change. */
        at = now_usec(CLOCK_BOOTTIME) + (uint64_t) MAX(next_us - now_us, (int64_t) 0) + 1000;
        if (a->timer) {
                r = sd_event_source_set_time(a->timer, at);
                if (r >= 0)
                        r = sd_event_source_set_enabled(a->timer, SD_EVENT_ONESHOT);
        } else
                r = sd_event_add_time(a->ctx->event, &a->timer, CLOCK_BOOTTIME, at, 1, on_timer, a);
        if (r < 0)
                log_warning_errno(r, "Cannot arm the StartAvailability timer: %m; it follows events only");
}

static void recompute(StartAvailability *a) {
        const DeviceContext *ctx = a->ctx;
        _cleanup_(start_decision_clear) StartDecision dec = {};
        StartSummary next = {};
        int64_t change = 0;
        Device *d;
        int r;

        d = default_device(ctx);
        if (!d)
                r = start_summary_no_device(&next);
        else {
                SessionRequest defaults = { .intensity = -1, .heat = -1, .duration_s = -1 };
                r = start_decide(d, &defaults, &dec);
                if (r >= 0)
                        r = start_summary_from(&next, &dec, false);
                if (r >= 0 && dec.input.figures) {
                        change = policy_next_change(&dec.input);
                        if (dec.available_at_us > dec.clock.wall_us && dec.available_at_us < change)
                                change = dec.available_at_us;
                } else if (r >= 0 && dec.available_at_us > 0)
                        change = dec.available_at_us;       /* starts held: until the hold ends */
        }
        if (r < 0) {
                log_warning_errno(r, "Cannot work out StartAvailability: %m; keeping the last answer");
                return;
        }
        arm(a, change, dec.clock.wall_us ? dec.clock.wall_us : (int64_t) now_usec(CLOCK_REALTIME));

        if (a->have && start_summary_equal(&a->current, &next)) {
                start_summary_clear(&next);
                return;
        }
        bool had = a->have;
        start_summary_clear(&a->current);
        a->current = next;
        a->have = true;
        log_debug("StartAvailability: %s%s%s", a->current.allowed ? "allowed" : a->current.reason,
                  a->current.allowed ? "" : ": ", a->current.message);
        if (had && ctx->api)
                (void) sd_bus_emit_properties_changed(ctx->api, MASSAGED_MANAGER_PATH, MASSAGED_MANAGER_INTERFACE,
                                                      "StartAvailability", NULL);
}

static int on_timer(sd_event_source *es, uint64_t usec, void *userdata) {
        recompute(userdata);
        return 0;
}

static int on_defer(sd_event_source *es, void *userdata) {
        StartAvailability *a = userdata;

        a->defer = sd_event_source_disable_unref(a->defer);
        recompute(a);
        return 0;
}

void start_availability_invalidate(StartAvailability *a) {
        int r;

        if (!a || a->defer || (a->ctx->hooks->exiting && a->ctx->hooks->exiting(a->ctx->userdata)))
                return;
        r = sd_event_add_defer(a->ctx->event, &a->defer, on_defer, a);
        if (r < 0)
                log_warning_errno(r, "Cannot schedule a StartAvailability update: %m");
}

const StartSummary *start_availability_get(StartAvailability *a) {
        if (!a->have)
                recompute(a);
        if (!a->have) {
                /* Out of memory twice over: an answer that refuses, never a crash. */
                static const StartSummary none = { .error = (char *) MASSAGED_ERROR_FAILED,
                                                   .reason = (char *) "unknown", .message = (char *) "" };
                return &none;
        }
        return &a->current;
}

int start_availability_new(StartAvailability **ret, const DeviceContext *ctx) {
        StartAvailability *a = calloc(1, sizeof *a);

        if (!a)
                return -ENOMEM;
        a->ctx = ctx;
        *ret = a;
        return 0;
}

StartAvailability *start_availability_free(StartAvailability *a) {
        if (!a)
                return NULL;
        a->defer = sd_event_source_disable_unref(a->defer);
        a->timer = sd_event_source_disable_unref(a->timer);
        start_summary_clear(&a->current);
        free(a);
        return NULL;
}

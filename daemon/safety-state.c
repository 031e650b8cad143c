/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-event.h>

#include "base/log.h"
#include "base/util.h"
#include "device.h"
#include "massaged-dbus.h"
#include "safety-glue.h"
#include "safety-state.h"
#include "safety/policy-advice.h"

struct SafetyState {
        const DeviceContext *ctx;       /* the manager's: event loop, API bus, safety context */
        SafetyStateValues current;
        bool have;
        sd_event_source *defer;         /* a recompute asked for this loop turn */
        sd_event_source *timer;         /* the next moment a figure can change by itself */
};

static int on_timer(sd_event_source *es, uint64_t usec, void *userdata);

/* One timer, re-armed for the next boundary; next_us is wall time. Armed with
 * or without a device: midnight and the symptom cap pass either way. */
static void arm(SafetyState *s, int64_t next_us, int64_t now_us) {
        uint64_t at;
        int r;

        if (next_us <= 0) {
                if (s->timer)
                        (void) sd_event_source_set_enabled(s->timer, SD_EVENT_OFF);
                return;
        }
        /* On CLOCK_BOOTTIME like StartAvailability's: the policy counts that clock
         * within a boot. 1 ms late rather than early, so the recompute sees it. */
        at = now_usec(CLOCK_BOOTTIME) + (uint64_t) MAX(next_us - now_us, (int64_t) 0) + 1000;
        if (s->timer) {
                r = sd_event_source_set_time(s->timer, at);
                if (r >= 0)
                        r = sd_event_source_set_enabled(s->timer, SD_EVENT_ONESHOT);
        } else
                r = sd_event_add_time(s->ctx->event, &s->timer, CLOCK_BOOTTIME, at, 1, on_timer, s);
        if (r < 0)
                log_warning_errno(r, "Cannot arm the safety state timer: %m; it follows events only");
}

/* The policy's own reading of each figure (policy.c: check_screening(), symptom_cap_active()). */
static void values_from(SafetyStateValues *v, const PolicyFigures *f, const Limits *limits) {
        const SafetyClock *c = &f->clock;
        const int64_t valid_us = (int64_t) POLICY_SCREENING_VALID_S * (int64_t) USEC_PER_SEC;
        const uint64_t cap_us = (uint64_t) POLICY_SYMPTOM_CAP_S * USEC_PER_SEC;

        *v = (SafetyStateValues) {
                .sessions_today = f->sessions_today,
                .seconds_today = f->seconds_today,
                .heat_seconds_today = f->heat_seconds_today,
                .sessions_24h = f->sessions_24h,
                .seconds_24h = f->seconds_24h,
                .heat_seconds_24h = f->heat_seconds_24h,
                .week_seconds = f->seconds_week,
                .thermal_lockout = f->thermal_locked,
                .heat_disabled = f->heat_disabled,
                .limits = *limits,
        };
        /* In force: answered, not due again, and no "yes" standing without clearance. */
        if (f->screened && (!f->screening_yes || f->screening_cleared) &&
            (c->wall_us <= f->screening_wall_us || c->wall_us - f->screening_wall_us < valid_us))
                v->screening_valid_until_us = f->screening_wall_us + valid_us;
        if (f->has_symptom_stop &&
            safety_clock_elapsed_us(c, f->last_symptom_wall_us, f->last_symptom_mono_us, f->last_symptom_boot_id) <
            cap_us)
                v->symptom_cap_until_us = c->wall_us + (int64_t) cap_us -
                        safety_clock_since_us(c, f->last_symptom_wall_us, f->last_symptom_mono_us,
                                              f->last_symptom_boot_id);
}

/* Within the same boot the cap's end is reckoned on the monotonic clock and
 * told in wall time: two readings differ by the µs between clock reads. */
static bool same_instant(int64_t a, int64_t b) {
        if ((a == 0) != (b == 0))
                return false;
        return (a > b ? a - b : b - a) < (int64_t) USEC_PER_SEC;
}

static void recompute(SafetyState *s) {
        SafetyContext *safety = s->ctx->safety;
        SafetyStateValues next;
        SafetyClock clock;
        PolicyFigures f;
        const char *changed[8];
        size_t n = 0;
        int r;

        if (!safety->ledger)
                return;         /* no figures to tell; StorageError says why */
        r = safety_figures(safety, &clock, &f);
        if (r < 0) {
                log_warning("Cannot read the ledger for the safety state (%s); keeping the last values",
                            safety_storage_error(safety));
                return;
        }
        values_from(&next, &f, &safety->limits);
        PolicyInput in = safety_policy_input(safety, &f, NULL, NULL);
        arm(s, policy_next_change(&in), f.clock.wall_us);

        if (!s->have) {
                s->current = next;
                s->have = true;
                return;
        }
        const SafetyStateValues *o = &s->current;
        if (o->sessions_today != next.sessions_today || o->seconds_today != next.seconds_today ||
            o->heat_seconds_today != next.heat_seconds_today || o->sessions_24h != next.sessions_24h ||
            o->seconds_24h != next.seconds_24h || o->heat_seconds_24h != next.heat_seconds_24h)
                changed[n++] = MANAGER_PROP_USAGE_TODAY;
        if (o->week_seconds != next.week_seconds)
                changed[n++] = MANAGER_PROP_WEEK_SECONDS;
        if (o->screening_valid_until_us != next.screening_valid_until_us)
                changed[n++] = MANAGER_PROP_SCREENING_VALID_UNTIL;
        if (o->thermal_lockout != next.thermal_lockout)
                changed[n++] = MANAGER_PROP_THERMAL_LOCKOUT;
        if (o->heat_disabled != next.heat_disabled)
                changed[n++] = MANAGER_PROP_HEAT_DISABLED;
        if (same_instant(o->symptom_cap_until_us, next.symptom_cap_until_us))
                next.symptom_cap_until_us = o->symptom_cap_until_us;
        else
                changed[n++] = MANAGER_PROP_SYMPTOM_CAP_UNTIL;
        if (memcmp(o->limits.value, next.limits.value, sizeof next.limits.value) != 0)
                changed[n++] = MANAGER_PROP_LIMITS;
        changed[n] = NULL;
        s->current = next;
        if (n > 0 && s->ctx->api)
                (void) sd_bus_emit_properties_changed_strv(s->ctx->api, MASSAGED_MANAGER_PATH,
                                                           MASSAGED_MANAGER_INTERFACE, (char **) changed);
}

static int on_timer(sd_event_source *es, uint64_t usec, void *userdata) {
        recompute(userdata);
        return 0;
}

static int on_defer(sd_event_source *es, void *userdata) {
        SafetyState *s = userdata;

        s->defer = sd_event_source_disable_unref(s->defer);
        recompute(s);
        return 0;
}

void safety_state_invalidate(SafetyState *s) {
        int r;

        if (!s || s->defer || (s->ctx->hooks->exiting && s->ctx->hooks->exiting(s->ctx->userdata)))
                return;
        r = sd_event_add_defer(s->ctx->event, &s->defer, on_defer, s);
        if (r < 0)
                log_warning_errno(r, "Cannot schedule a safety state update: %m");
}

const SafetyStateValues *safety_state_get(SafetyState *s) {
        if (!s->have)
                recompute(s);
        if (!s->have) {
                /* No ledger: nothing is known to be in force; the limits are still the effective ones. */
                static SafetyStateValues none;
                none.limits = s->ctx->safety->limits;
                return &none;
        }
        return &s->current;
}

int safety_state_new(SafetyState **ret, const DeviceContext *ctx) {
        SafetyState *s = calloc(1, sizeof *s);

        if (!s)
                return -ENOMEM;
        s->ctx = ctx;
        *ret = s;
        /* The first values now: the timer is armed for midnight and the caps even before any client reads. */
        recompute(s);
        return 0;
}

SafetyState *safety_state_free(SafetyState *s) {
        if (!s)
                return NULL;
        s->defer = sd_event_source_disable_unref(s->defer);
        s->timer = sd_event_source_disable_unref(s->timer);
        free(s);
        return NULL;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "idle.h"
#include "base/log.h"
#include "macro.h"
#include "massaged-dbus.h"
#include "base/util.h"

#define IDLE_BUSY_RECHECK_USEC (5ULL * USEC_PER_SEC)
/* The exit need not be punctual: let sd-event fold the expiry into another wakeup. */
#define IDLE_ACCURACY_USEC (250ULL * USEC_PER_MSEC)

struct Idle {
        sd_event *event;
        sd_bus *api;
        IdleBusy busy;
        void *userdata;
        uint64_t timeout_usec;
        uint64_t last_activity;         /* CLOCK_MONOTONIC: last method call, or last seen busy */
        sd_event_source *timer;
        sd_bus_slot *filter;
        bool releasing;                 /* ReleaseName sent: exiting unless something started meanwhile */
};

static bool is_busy(Idle *i) {
        return i->busy && i->busy(i->userdata);
}

static void arm(Idle *i, uint64_t when) {
        (void) sd_event_source_set_time(i->timer, when);
        (void) sd_event_source_set_enabled(i->timer, SD_EVENT_ONESHOT);
}

static void format_timeout(uint64_t usec, char *buf, size_t size) {
        uint64_t s = usec / USEC_PER_SEC;
        if (s >= 60 && s % 60 == 0)
                (void) snprintf(buf, size, "%" PRIu64 " min", s / 60);
        else
                (void) snprintf(buf, size, "%" PRIu64 " s", s);
}

static int on_released(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        Idle *i = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(reply);

        i->releasing = false;
        if (e) {
                log_warning("Cannot release %s (%s); staying up", MASSAGED_BUS_NAME, e->message);
                i->last_activity = now_usec(CLOCK_MONOTONIC);
                arm(i, i->last_activity + i->timeout_usec);
                return 0;
        }
        /* Calls already routed to us before the release were answered in
         * order; if one of them started something, this instance must not
         * walk away from it. A new instance may own the name by now, so do
         * not fight over it: stop everything properly, as on SIGTERM. */
        if (is_busy(i)) {
                log_notice("A call during the idle exit started work; stopping it and exiting");
                return kill(getpid(), SIGTERM) < 0 ? -errno : 0;
        }
        return sd_event_exit(i->event, 0);
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        Idle *i = userdata;
        uint64_t now = now_usec(CLOCK_MONOTONIC);
        char buf[32];
        int r;

        if (i->releasing)
                return 0;
        if (is_busy(i)) {
                i->last_activity = now;
                arm(i, now + MIN(i->timeout_usec, IDLE_BUSY_RECHECK_USEC));
                return 0;
        }
        if (now < i->last_activity + i->timeout_usec) {
                arm(i, i->last_activity + i->timeout_usec);
                return 0;
        }
        format_timeout(i->timeout_usec, buf, sizeof buf);
        log_info("Idle for %s (no session, no API call): exiting; the next client call starts massaged again", buf);
        r = sd_bus_release_name_async(i->api, NULL, MASSAGED_BUS_NAME, on_released, i);
        if (r < 0) {
                log_warning_errno(r, "Cannot release %s (%m); exiting anyway", MASSAGED_BUS_NAME);
                return sd_event_exit(i->event, 0);
        }
        i->releasing = true;
        return 0;
}

/* Sees every incoming message before dispatch; only method calls count. */
static int on_message(sd_bus_message *msg, void *userdata, sd_bus_error *ret_error) {
        Idle *i = userdata;
        uint8_t type = 0;

        if (sd_bus_message_get_type(msg, &type) >= 0 && type == SD_BUS_MESSAGE_METHOD_CALL && !i->releasing) {
                i->last_activity = now_usec(CLOCK_MONOTONIC);
                /* Moves the deadline; sd-event re-arms its timerfd once per loop iteration at most. */
                (void) sd_event_source_set_time(i->timer, i->last_activity + i->timeout_usec);
        }
        return 0;       /* never consumes the message */
}

int idle_new(Idle **ret, sd_event *event, sd_bus *api, uint64_t timeout_usec, IdleBusy busy, void *userdata) {
        Idle *i;
        int r;

        *ret = NULL;
        if (timeout_usec == 0)
                return 0;
        i = calloc(1, sizeof *i);
        if (!i)
                return -ENOMEM;
        i->event = event;
        i->api = api;
        i->busy = busy;
        i->userdata = userdata;
        i->timeout_usec = timeout_usec;
        i->last_activity = now_usec(CLOCK_MONOTONIC);
        r = sd_event_add_time(event, &i->timer, CLOCK_MONOTONIC, i->last_activity + timeout_usec,
                              IDLE_ACCURACY_USEC, on_timer, i);
        if (r >= 0)
                r = sd_bus_add_filter(api, &i->filter, on_message, i);
        if (r < 0) {
                idle_free(i);
                return log_error_errno(r, "Cannot set up the idle timer: %m");
        }
        *ret = i;
        return 0;
}

Idle *idle_free(Idle *i) {
        if (!i)
                return NULL;
        i->timer = sd_event_source_disable_unref(i->timer);
        i->filter = sd_bus_slot_unref(i->filter);
        free(i);
        return NULL;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "base/log.h"
#include "base/timer-accuracy.h"
#include "macro.h"
#include "sleep-inhibit.h"

#define LOGIND_NAME "org.freedesktop.login1"
#define LOGIND_PATH "/org/freedesktop/login1"
#define LOGIND_MANAGER "org.freedesktop.login1.Manager"

struct SleepInhibit {
        sd_bus *bus;
        sd_event *event;
        SleepInhibitCallbacks cb;
        void *userdata;
        int fd;                         /* the delay lock; -1 while not held */
        sd_bus_slot *inhibit_call;
        sd_bus_slot *signal_match;
        sd_event_source *release_timer; /* bounds how long sleep waits for us */
        bool warned;                    /* "no logind" logged once */
};

static int safe_close(int fd) {
        if (fd >= 0)
                (void) close(fd);
        return -1;
}

bool sleep_inhibit_held(SleepInhibit *s) {
        return s && s->fd >= 0;
}

void sleep_inhibit_release(SleepInhibit *s) {
        if (!s)
                return;
        s->release_timer = sd_event_source_disable_unref(s->release_timer);
        if (s->fd < 0)
                return;
        s->fd = safe_close(s->fd);
        log_info("Released the sleep inhibitor: the computer may sleep now");
}

static int on_inhibit_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        SleepInhibit *s = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(reply);
        int fd, r;

        s->inhibit_call = sd_bus_slot_unref(s->inhibit_call);
        if (e) {
                if (!s->warned)
                        log_notice("Cannot take a sleep inhibitor from logind (%s: %s); carrying on without it: "
                                   "a suspend mid-session leaves the massager to stop by its lease",
                                   e->name, e->message);
                s->warned = true;
                return 0;
        }
        r = sd_bus_message_read(reply, "h", &fd);
        if (r >= 0) {
                /* The message owns its fd: keep a copy of our own. */
                fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
                r = fd < 0 ? -errno : 0;
        }
        if (r < 0) {
                log_warning_errno(r, "Cannot use logind's sleep inhibitor: %m; carrying on without it");
                return 0;
        }
        safe_close(s->fd);
        s->fd = fd;
        log_debug("Holding a sleep delay inhibitor (fd %d)", fd);
        return 0;
}

static int take(SleepInhibit *s) {
        int r;

        if (s->fd >= 0 || s->inhibit_call)
                return 0;
        r = sd_bus_call_method_async(s->bus, &s->inhibit_call, LOGIND_NAME, LOGIND_PATH, LOGIND_MANAGER, "Inhibit",
                                     on_inhibit_reply, s, "ssss", "sleep", "massaged",
                                     "Stop the massager before sleep", "delay");
        if (r < 0)
                return log_warning_errno(r, "Cannot ask logind for a sleep inhibitor: %m; carrying on without it");
        return 0;
}

static int on_release_timeout(sd_event_source *src, uint64_t usec, void *userdata) {
        log_warning("Massagers did not confirm STOP before sleep in time; letting the computer sleep, "
                    "their leases stop them");
        sleep_inhibit_release(userdata);
        return 0;
}

static int on_prepare_for_sleep(sd_bus_message *msg, void *userdata, sd_bus_error *ret_error) {
        SleepInhibit *s = userdata;
        int start, r;

        r = sd_bus_message_read(msg, "b", &start);
        if (r < 0) {
                log_warning_errno(r, "Ignoring a malformed PrepareForSleep signal: %m");
                return 0;
        }
        if (!start) {
                log_info("Resumed from sleep");
                sleep_inhibit_release(s);       /* a stale lock from a sleep we did not see */
                if (s->cb.resumed)
                        s->cb.resumed(s, s->userdata);
                (void) take(s);
                return 0;
        }
        log_info("The computer is going to sleep: stopping every massager first");
        if (s->fd >= 0) {
                s->release_timer = sd_event_source_disable_unref(s->release_timer);
                r = sd_event_add_time_relative(s->event, &s->release_timer, CLOCK_MONOTONIC, SLEEP_STOP_TIMEOUT_USEC,
                                               TIMER_ACCURACY_COARSE_USEC, on_release_timeout, s);
                if (r < 0) {
                        /* Unbounded, we could hold sleep off until logind's own limit: not worth it. */
                        log_warning_errno(r, "Cannot bound the wait for STOP before sleep: %m; not waiting");
                        s->fd = safe_close(s->fd);
                }
        }
        /* Stops and closes sessions even without a lock: it may still run before the freeze. */
        if (s->cb.prepare)
                s->cb.prepare(s, s->userdata);
        return 0;
}

int sleep_inhibit_new(SleepInhibit **ret, sd_bus *bus, sd_event *event, const SleepInhibitCallbacks *cb,
                      void *userdata) {
        SleepInhibit *s;
        int r;

        s = calloc(1, sizeof *s);
        if (!s)
                return -ENOMEM;
        s->bus = sd_bus_ref(bus);
        s->event = sd_event_ref(event);
        s->cb = *cb;
        s->userdata = userdata;
        s->fd = -1;
        /* The match first, so no PrepareForSleep after the lock is missed. */
        r = sd_bus_match_signal_async(bus, &s->signal_match, LOGIND_NAME, LOGIND_PATH, LOGIND_MANAGER,
                                      "PrepareForSleep", on_prepare_for_sleep, NULL, s);
        if (r < 0) {
                sleep_inhibit_free(s);
                return log_error_errno(r, "Cannot watch for sleep: %m");
        }
        (void) take(s);
        *ret = s;
        return 0;
}

SleepInhibit *sleep_inhibit_free(SleepInhibit *s) {
        if (!s)
                return NULL;
        s->release_timer = sd_event_source_disable_unref(s->release_timer);
        s->inhibit_call = sd_bus_slot_unref(s->inhibit_call);
        s->signal_match = sd_bus_slot_unref(s->signal_match);
        s->fd = safe_close(s->fd);
        sd_bus_unref(s->bus);
        sd_event_unref(s->event);
        free(s);
        return NULL;
}

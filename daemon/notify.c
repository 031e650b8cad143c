/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>

#include "device.h"
#include "base/log.h"
#include "macro.h"
#include "notify.h"
#include "session.h"
#include "base/util.h"

#define STATUS_MAX 512

struct Notify {
        NotifyGetState get_state;
        void *userdata;
        sd_event_source *post;
        char sent[STATUS_MAX];          /* the last STATUS= text sent */
        bool failed;                    /* sd_notify failed once: logged, not repeated */
};

static void format_minutes(char *buf, size_t size, uint32_t remaining_s) {
        if (remaining_s == 0)
                (void) snprintf(buf, size, "ending");
        else    /* rounded up: "1 min left" until the last second */
                (void) snprintf(buf, size, "%u min left", (remaining_s + 59) / 60);
}

/* Appends to buf (always NUL-terminated, cut short rather than overflowing). */
static void append(char *buf, size_t size, const char *format, ...) _printf_(3, 4);
static void append(char *buf, size_t size, const char *format, ...) {
        size_t len = strnlen(buf, size);
        va_list ap;

        if (len + 1 >= size)
                return;
        va_start(ap, format);
        (void) vsnprintf(buf + len, size - len, format, ap);
        va_end(ap);
}

static void format_status(const NotifyState *st, char *buf, size_t size) {
        unsigned ready = 0, sessions = 0;
        GHashTableIter i;
        gpointer v;

        buf[0] = '\0';
        if (st->stopping) {
                append(buf, size, "Stopping every massager before exit");
                return;
        }
        g_hash_table_iter_init(&i, st->devices);
        while (g_hash_table_iter_next(&i, NULL, &v)) {
                Device *d = v;
                char left[32];

                if (device_is_ready(d))
                        ready++;
                if (!d->session)
                        continue;
                format_minutes(left, sizeof left, session_remaining(d->session));
                append(buf, size, "%sSession on %s%s, %s", sessions > 0 ? "; " : "", d->address,
                       session_is_paused(d->session) ? " paused" : "", left);
                sessions++;
        }
        if (sessions > 0)
                return;
        if (st->suspending)
                append(buf, size, "Stopped for sleep, ");
        else
                append(buf, size, "Idle, ");
        if (ready == 0)
                append(buf, size, "no massager connected");
        else
                append(buf, size, "%u massager%s connected", ready, ready == 1 ? "" : "s");
        if (st->bluetooth_missing)
                append(buf, size, " (Bluetooth service not running)");
}

void notify_flush(Notify *n) {
        char status[STATUS_MAX], line[STATUS_MAX + 32];
        int r;

        if (!n)
                return;
        NotifyState state = {};

        n->get_state(&state, n->userdata);
        format_status(&state, status, sizeof status);
        if (streq(status, n->sent))
                return;
        memcpy(n->sent, status, sizeof n->sent);
        /* STOPPING=1 with the shutdown status: systemd shows "deactivating" at once. */
        (void) snprintf(line, sizeof line, "%sSTATUS=%s", state.stopping ? "STOPPING=1\n" : "", status);
        /* A datagram with MSG_DONTWAIT: never blocks the loop. */
        r = sd_notify(false, line);
        if (r < 0 && !n->failed) {
                n->failed = true;
                log_warning_errno(r, "Cannot tell the service manager our status: %m; carrying on without it");
        }
}

static int on_post(sd_event_source *s, void *userdata) {
        notify_flush(userdata);
        return 0;
}

int notify_new(Notify **ret, sd_event *event, NotifyGetState get_state, void *userdata) {
        _cleanup_free_ Notify *n = NULL;
        const char *socket = getenv("NOTIFY_SOCKET");
        int r;

        *ret = NULL;
        if (!socket || !*socket)
                return 0;
        n = calloc(1, sizeof *n);
        if (!n)
                return -ENOMEM;
        n->get_state = get_state;
        n->userdata = userdata;
        r = sd_event_add_post(event, &n->post, on_post, n);
        if (r < 0)
                return log_error_errno(r, "Cannot set up status notifications: %m");
        *ret = STEAL_PTR(n);
        return 0;
}

Notify *notify_free(Notify *n) {
        if (!n)
                return NULL;
        n->post = sd_event_source_disable_unref(n->post);
        free(n);
        return NULL;
}

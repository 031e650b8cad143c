/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Tells the service manager what massaged is doing, as sd_notify STATUS=
 * lines that `systemctl --user status massaged` shows: "Session on
 * C0:FF:EE:00:00:01, 9 min left", "Idle, 1 massager connected" (doc/packaging.md).
 *
 * Nothing else calls in: a post event source re-reads the state after every
 * event the loop dispatched and sends a line only when the text changed. So
 * the status is current after every state change, the countdown moves once a
 * minute on the session's own wakeups, and an idle daemon has no wakeup of
 * ours. Without $NOTIFY_SOCKET nothing is set up at all.
 */

#include <glib.h>
#include <stdbool.h>
#include <systemd/sd-event.h>

typedef struct Notify Notify;

/* What the status line is made of, asked for after every event. */
typedef struct NotifyState {
        bool stopping;                  /* exiting: stopping every massager first */
        bool suspending;                /* stopped for sleep */
        bool bluetooth_missing;         /* serving the API while org.bluez has no owner */
        GHashTable *devices;            /* address → Device: sessions and connected devices */
} NotifyState;
typedef void (*NotifyGetState)(NotifyState *ret, void *userdata);

/* *ret = NULL without $NOTIFY_SOCKET. */
int notify_new(Notify **ret, sd_event *event, NotifyGetState get_state, void *userdata);
Notify *notify_free(Notify *n);

/* Send the current status at once (before a blocking exit path, or when the
 * loop will not run again). */
void notify_flush(Notify *n);

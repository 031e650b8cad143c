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

typedef struct Manager Manager;
typedef struct Notify Notify;

int notify_new(Notify **ret, Manager *m);      /* *ret = NULL without $NOTIFY_SOCKET */
Notify *notify_free(Notify *n);

/* Send the current status at once (before a blocking exit path, or when the
 * loop will not run again). */
void notify_flush(Notify *n);

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The app's notifications (GNotification), whether or not its window is open:
 *   - a session running, with a Stop button that works with the window closed
 *     (the app holds itself alive while a session runs);
 *   - a session ended: completed, or stopped for safety with the reason;
 *   - a battery running low.
 */

#include <adwaita.h>

#include "daemon-link.h"

typedef struct Notifications Notifications;

Notifications *notifications_new(GApplication *app, DaemonLink *link);
void notifications_free(Notifications *n);

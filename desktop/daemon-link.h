/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The link to massaged: an object manager client for /org/massaged1 on the
 * user bus. It starts the daemon by D-Bus activation, follows it going away
 * and coming back (the objects vanish and reappear with it), and never keeps
 * a proxy of a daemon that is gone, so no page can show a stale "running".
 *
 * Signals:
 *   "daemon-changed" ()            the daemon appeared or vanished
 *   "device-added"   (MassagedDevice *)
 *   "device-removed" (MassagedDevice *)
 *   "manager-changed" ()           a Manager property changed (PropertiesChanged)
 *   "advice"         (const char *) Manager.Advice: the policy's follow-up after a symptom stop
 */

#include <gio/gio.h>

#include "massaged-proxy.h"

G_DECLARE_FINAL_TYPE(DaemonLink, daemon_link, DAEMON, LINK, GObject)

DaemonLink *daemon_link_new(void);
/* NULL while massaged is not running (or not reachable). */
MassagedManager *daemon_link_get_manager(DaemonLink *link);
MassagedHistory *daemon_link_get_history(DaemonLink *link);
/* The known devices (MassagedDevice *), sorted by address; free the list, not the items. */
GList *daemon_link_get_devices(DaemonLink *link);
gboolean daemon_link_is_running(DaemonLink *link);
/* Why the daemon cannot be reached, for the window; NULL when it can. */
const char *daemon_link_get_error(DaemonLink *link);

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The system time zone changing while the daemon runs (timedatectl
 * set-timezone replaces /etc/localtime): the safety clock keeps each local
 * day's bounds and reads the zone only when told (safety-clock.h), so this
 * watch on /etc tells it (doc/safety.md, "The zone is read when it
 * changes"). A wall-clock jump needs no watch: every lookup starts from the
 * wall time's own local date.
 */

#include <systemd/sd-event.h>

/* Watch /etc for "localtime" being created, replaced, removed or written.
 * The source belongs to the event loop. Failing to watch (no /etc, no
 * inotify) is logged and not fatal: the zone is then read at start only. */
void zone_watch_start(sd_event *event);

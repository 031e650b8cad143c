/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Exit when idle, as ratbagd and fwupd do: after `timeout` with no session,
 * no device connecting or setting up, no command, Connect(), pairing or
 * client-requested scan pending, and no method call on the API bus,
 * massaged releases org.massaged1 and exits 0. The next client call starts
 * it again through D-Bus activation; on start it attaches to devices
 * BlueZ still has connected (device.c stops one found running).
 *
 * Wakeups: one timer. Every method call moves its deadline (no wakeup);
 * while idle it fires once, at the expiry. While busy it re-checks every
 * IDLE_BUSY_RECHECK_USEC (the daemon is awake for the session's lease anyway), so
 * the idle time is counted from when the last session ended.
 */

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

typedef struct Idle Idle;

/* Is anything under way that an exit would cut short? Asked, like systemd's
 * bus_event_loop_with_idle() check_idle, instead of reading others' state. */
typedef bool (*IdleBusy)(void *userdata);

/* timeout_usec 0: never exit (nothing is set up). api: the bus whose method
 * calls count as activity and whose name is released. */
int idle_new(Idle **ret, sd_event *event, sd_bus *api, uint64_t timeout_usec, IdleBusy busy, void *userdata);
Idle *idle_free(Idle *i);

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The accuracy every daemon timer gives sd-event (doc/reliability.md,
 * "Timers"). An accuracy of 0 is not "exact": sd-event turns it into 250 ms,
 * so a session's step, its end or a pause deadline could act a quarter of a
 * second late. Each timer names one of these; none is left at 0.
 */

/* Timers whose lateness a user feels or the safety rules count: the
 * session's steps, soft start and end, the pause deadline, the 1 s policy
 * tick (thermal and limit checks), a command's answer timeout (its expiry
 * stops the device to be safe). 1 ms still lets sd-event merge wakeups. */
#define TIMER_ACCURACY_PRECISE_USEC (1ULL * 1000ULL)

/* Bounds and retries measured in seconds, where a late firing costs nothing:
 * the lease renewal (every 3 s for a 10 s lease), reconnect backoff, the
 * resolve and Connect() time limits, BlueZ's InProgress retry, the waits at
 * shutdown, sleep and start-up. */
#define TIMER_ACCURACY_COARSE_USEC (100ULL * 1000ULL)

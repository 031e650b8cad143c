/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The clock as the safety rules see it (doc/safety.md "Durations use a monotonic
 * clock; day boundaries use local time; a wall-clock jump never grants extra
 * time").
 *
 * A SafetyClock is a snapshot taken once per decision and handed to the pure
 * policy and to the ledger's figure queries, so that one decision never reads
 * the clocks twice. It carries:
 *   - wall_us: CLOCK_REALTIME in µs since the epoch (may jump either way);
 *   - mono_us: CLOCK_BOOTTIME in µs (never jumps, counts suspend), valid only
 *     together with boot_id (a different boot makes mono values incomparable);
 *   - the local-day bounds of wall_us (local midnight today and tomorrow, and
 *     local midnight six days ago for the rolling 7-day week), computed with
 *     localtime_r()/mktime() so DST days are 23 or 25 hours long;
 *   - utc_offset_s, the local offset at wall_us, for formatting times in
 *     human messages ("available again at 14:35").
 *
 * How wall-clock jumps are kept from granting time:
 *   - Durations (session length, heat-on time) are measured by the daemon on
 *     the monotonic clock and stored as seconds; the ledger derives a
 *     session's end as start + duration, never from the wall clock at its end.
 *   - safety_clock_reconcile() caps wall_us at the time implied by the most
 *     recent ledger row of the same boot (its wall time + monotonic time
 *     elapsed since), so a forward jump within one boot neither opens a new day
 *     nor shortens a rest period. Across a reboot there is no monotonic
 *     anchor; the wall clock is then trusted (documented in doc/safety.md).
 *   - A backward jump is handled by the ledger: its day/week figures count
 *     everything from the window's start onwards with no upper bound, so rows
 *     that now lie "in the future" still count against today; rest between
 *     sessions uses the monotonic clock within a boot and treats a last end in
 *     the future as "just ended".
 *
 * Only safety_clock_now() and safety_clock_local_bounds() read the system
 * (clocks, /proc boot id, the time zone); everything else is arithmetic.
 * The boot id is read once per process; the local bounds of a date are kept
 * until the zone changes (TZ, or safety_clock_zone_changed()).
 */

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#define USEC_PER_SEC  UINT64_C(1000000)
#define USEC_PER_MIN  (UINT64_C(60) * USEC_PER_SEC)
#define USEC_PER_HOUR (UINT64_C(60) * USEC_PER_MIN)
#define USEC_PER_DAY  (UINT64_C(24) * USEC_PER_HOUR)

#define SAFETY_BOOT_ID_LEN 32   /* 128-bit boot id as 32 lowercase hex digits */

typedef struct SafetyClock {
        int64_t wall_us;                /* CLOCK_REALTIME, µs since the epoch (possibly reconciled) */
        uint64_t mono_us;               /* CLOCK_BOOTTIME, µs */
        char boot_id[SAFETY_BOOT_ID_LEN + 1];   /* "" when unknown: mono values then never compared */
        int64_t day_start_us;           /* local midnight at or before wall_us */
        int64_t next_day_start_us;      /* the following local midnight (23, 24 or 25 h later) */
        int64_t week_start_us;          /* local midnight six local days before day_start_us */
        int32_t utc_offset_s;           /* local offset from UTC at wall_us (tm_gmtoff) */
        bool reconciled;                /* wall_us was capped by safety_clock_reconcile() */
} SafetyClock;

/* Read CLOCK_REALTIME, CLOCK_BOOTTIME and the boot id, and compute the local
 * bounds. Returns 0 or a negative errno (clock_gettime failure, or a wall time
 * that localtime cannot represent). A missing boot id is not an error. */
int safety_clock_now(SafetyClock *ret);

/* Build a clock from explicit values (tests, and the daemon when it already
 * has the readings). boot_id may be NULL. Computes the local bounds of wall_us
 * with the process's time zone (TZ). Returns 0 or -ERANGE. */
int safety_clock_make(int64_t wall_us, uint64_t mono_us, const char *boot_id, SafetyClock *ret);

/* Local midnight at or before wall_us, the next local midnight, the local
 * midnight six days before that, and the UTC offset at wall_us, in the
 * process's time zone. Any of the out pointers may be NULL. Returns 0 or
 * -ERANGE. A day is 23 or 25 hours long across a DST change. */
int safety_clock_local_bounds(int64_t wall_us, int64_t *ret_day_start, int64_t *ret_next_day_start,
                              int64_t *ret_week_start, int32_t *ret_utc_offset);

/* The system's time zone may have changed (/etc/localtime replaced, as by
 * timedatectl set-timezone): the next lookup re-reads it (tzset()) and drops
 * every kept day bound. A change of TZ in the environment is noticed without
 * it. The daemon calls this from its watch on /etc (daemon/zone-watch.c). */
void safety_clock_zone_changed(void);
/* Changes whenever the zone was read again: what is kept per zone (the
 * ledger's day figures) is valid for one generation only. */
unsigned safety_clock_zone_generation(void);

/* Cap clock->wall_us at what the anchor implies: if the anchor (a ledger row's
 * wall and monotonic time) is from the same boot, the true wall time now is
 * at most anchor_wall + (clock->mono_us - anchor_mono). When it caps, it
 * recomputes the local bounds and sets clock->reconciled. anchor_boot_id NULL
 * or different from clock->boot_id: nothing is changed. Returns 0, or -ERANGE. */
int safety_clock_reconcile(SafetyClock *clock, int64_t anchor_wall_us, uint64_t anchor_mono_us,
                           const char *anchor_boot_id);

/* Microseconds elapsed from an event to the clock's now, never negative and
 * never more than the truth allows: the monotonic difference when the event is
 * from the same boot, otherwise the wall difference clamped at 0 (an event "in
 * the future" after a backward jump counts as just happened). */
uint64_t safety_clock_elapsed_us(const SafetyClock *clock, int64_t event_wall_us, uint64_t event_mono_us,
                                 const char *event_boot_id);

/* Like safety_clock_elapsed_us(), but an event of the same boot that lies
 * ahead on the monotonic clock (a planned end not reached yet) gives a
 * negative value: how long until it comes. Events of another boot (or with no
 * boot id) keep the wall difference clamped at 0, since their wall time in the
 * future means a clock set back, not an end still to come. */
int64_t safety_clock_since_us(const SafetyClock *clock, int64_t event_wall_us, uint64_t event_mono_us,
                              const char *event_boot_id);

/* Format wall_us as local "HH:MM" using the clock's UTC offset (pure, no
 * time-zone lookup). buf must hold at least 6 bytes. Returns buf. */
char *safety_clock_format_hhmm(const SafetyClock *clock, int64_t wall_us, char buf[static 6]);

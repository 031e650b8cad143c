/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Clock snapshots and the rules that keep clock jumps from granting time. */

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "macro.h"
#include "safety-clock.h"

static int64_t floor_div(int64_t a, int64_t b) {
        int64_t q = a / b;
        if ((a % b != 0) && ((a < 0) != (b < 0)))
                q--;
        return q;
}

/*
 * The local bounds of one local date, computed with mktime(), which re-reads
 * the zone (stats /etc/localtime when TZ is unset) on every call. They
 * depend only on the date and the zone, so they are kept per date; a lookup
 * costs one localtime_r(), which does not re-read the zone. The zone is read
 * again (tzset()) only when TZ changes (compared on every lookup, no system
 * call) or when the daemon says /etc/localtime changed
 * (safety_clock_zone_changed()). A wall-clock jump needs nothing: every
 * lookup starts from the wall time's own local date. doc/safety.md, "The zone is
 * read when it changes".
 */
typedef struct DayBounds {
        bool used;
        unsigned zone_gen;
        int year, yday;         /* the local date (struct tm) */
        int error;              /* 0 or -ERANGE: the date's bounds cannot be represented */
        time_t start, next, week;       /* mktime() of its midnight, the next, and six days before */
} DayBounds;

#define DAY_CACHE_SIZE 16       /* the figures look at 8 consecutive days; History at a few more */

static DayBounds day_cache[DAY_CACHE_SIZE];
static size_t day_cache_next;
static unsigned zone_gen = 1;
static bool zone_read;
static char zone_tz[256];       /* TZ at the last tzset(), "" when unset */
static bool zone_tz_set;

static void zone_check(void);

void safety_clock_zone_changed(void) {
        zone_read = false;      /* the next lookup calls tzset() and starts a new generation */
}

unsigned safety_clock_zone_generation(void) {
        zone_check();
        return zone_gen;
}

static void zone_check(void) {
        const char *tz = getenv("TZ");
        bool set = tz != NULL;

        /* A TZ too long for the copy is never taken as unchanged. */
        if (zone_read && set == zone_tz_set && (!set || (strlen(tz) < sizeof zone_tz && strcmp(tz, zone_tz) == 0)))
                return;
        tzset();
        zone_gen++;
        zone_read = true;
        zone_tz_set = set;
        (void) snprintf(zone_tz, sizeof zone_tz, "%s", set ? tz : "");
}

static void day_bounds_compute(const struct tm *tm, DayBounds *d) {
        struct tm day = *tm;

        /* mktime() with tm_isdst = -1 finds the real offset of each midnight,
         * so across a DST change a day is 23 or 25 hours long. */
        day.tm_hour = day.tm_min = day.tm_sec = 0;
        day.tm_isdst = -1;
        struct tm d0 = day, d1 = day, dw = day;
        d->start = mktime(&d0);
        d1.tm_mday += 1;
        d->next = mktime(&d1);
        dw.tm_mday -= 6;
        d->week = mktime(&dw);
        /* A wall time near INT64_MIN/MAX µs (any client may send one to History) has
         * day bounds whose µs overflow int64_t: refuse it instead (test-daemon-abuse.py). */
        bool unrepresentable = d->start == (time_t) -1 || d->next == (time_t) -1 || d->week == (time_t) -1 ||
                               (int64_t) d->week < INT64_MIN / (int64_t) USEC_PER_SEC ||
                               (int64_t) d->next > INT64_MAX / (int64_t) USEC_PER_SEC;
        d->error = unrepresentable ? -ERANGE : 0;
}

static const DayBounds *day_bounds(const struct tm *tm) {
        DayBounds *d;

        for (size_t i = 0; i < DAY_CACHE_SIZE; i++) {
                d = &day_cache[i];
                if (d->used && d->zone_gen == zone_gen && d->year == tm->tm_year && d->yday == tm->tm_yday)
                        return d;
        }
        d = &day_cache[day_cache_next];
        day_cache_next = (day_cache_next + 1) % DAY_CACHE_SIZE;
        *d = (DayBounds) { .used = true, .zone_gen = zone_gen, .year = tm->tm_year, .yday = tm->tm_yday };
        day_bounds_compute(tm, d);
        return d;
}

int safety_clock_local_bounds(int64_t wall_us, int64_t *ret_day_start, int64_t *ret_next_day_start,
                              int64_t *ret_week_start, int32_t *ret_utc_offset) {
        time_t t = (time_t) floor_div(wall_us, (int64_t) USEC_PER_SEC);
        const DayBounds *d;
        struct tm tm;
        time_t start;

        zone_check();
        if (!localtime_r(&t, &tm))
                return -ERANGE;
        d = day_bounds(&tm);
        if (d->error < 0)
                return d->error;
        /* Where midnight does not exist (a DST jump at 00:00) mktime() lands
         * after the wall time's own day start; never let "today" begin after now. */
        start = MIN(d->start, t);

        if (ret_day_start)
                *ret_day_start = (int64_t) start * (int64_t) USEC_PER_SEC;
        if (ret_next_day_start)
                *ret_next_day_start = (int64_t) d->next * (int64_t) USEC_PER_SEC;
        if (ret_week_start)
                *ret_week_start = (int64_t) d->week * (int64_t) USEC_PER_SEC;
        if (ret_utc_offset)
                *ret_utc_offset = (int32_t) tm.tm_gmtoff;
        return 0;
}

static int clock_fill_bounds(SafetyClock *c) {
        return safety_clock_local_bounds(c->wall_us, &c->day_start_us, &c->next_day_start_us, &c->week_start_us,
                                         &c->utc_offset_s);
}

int safety_clock_make(int64_t wall_us, uint64_t mono_us, const char *boot_id, SafetyClock *ret) {
        SafetyClock c = {
                .wall_us = wall_us,
                .mono_us = mono_us,
        };
        int r;

        if (boot_id)
                (void) snprintf(c.boot_id, sizeof c.boot_id, "%s", boot_id);
        r = clock_fill_bounds(&c);
        if (r < 0)
                return r;
        *ret = c;
        return 0;
}

static void read_boot_id(char out[static SAFETY_BOOT_ID_LEN + 1]) {
        /* The boot id cannot change while a process runs: read once, and kept
         * once read whole (a failed read, e.g. out of descriptors, is retried). */
        static char cached[SAFETY_BOOT_ID_LEN + 1];
        FILE *f;
        char line[64];
        size_t n = 0;

        if (cached[0]) {
                memcpy(out, cached, sizeof cached);
                return;
        }
        out[0] = '\0';
        f = fopen("/proc/sys/kernel/random/boot_id", "re");
        if (!f)
                return;         /* no boot id: monotonic values are then never compared */
        if (fgets(line, sizeof line, f))
                for (const char *p = line; *p && n < SAFETY_BOOT_ID_LEN; p++)
                        if ((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f'))
                                out[n++] = *p;
        (void) fclose(f);
        out[n == SAFETY_BOOT_ID_LEN ? n : 0] = '\0';
        memcpy(cached, out, sizeof cached);
}

int safety_clock_now(SafetyClock *ret) {
        struct timespec rt, bt;
        char boot_id[SAFETY_BOOT_ID_LEN + 1];

        if (clock_gettime(CLOCK_REALTIME, &rt) < 0)
                return -errno;
        /* BOOTTIME rather than MONOTONIC: time spent suspended is real rest time. */
        if (clock_gettime(CLOCK_BOOTTIME, &bt) < 0)
                return -errno;
        read_boot_id(boot_id);
        return safety_clock_make((int64_t) rt.tv_sec * (int64_t) USEC_PER_SEC + rt.tv_nsec / 1000,
                                 (uint64_t) bt.tv_sec * USEC_PER_SEC + (uint64_t) bt.tv_nsec / 1000, boot_id, ret);
}

static bool same_boot(const char *a, const char *b) {
        return a && b && a[0] && strcmp(a, b) == 0;
}

int safety_clock_reconcile(SafetyClock *clock, int64_t anchor_wall_us, uint64_t anchor_mono_us,
                           const char *anchor_boot_id) {
        int64_t implied;

        if (!same_boot(clock->boot_id, anchor_boot_id) || clock->mono_us < anchor_mono_us)
                return 0;

        implied = anchor_wall_us + (int64_t) (clock->mono_us - anchor_mono_us);
        if (clock->wall_us <= implied)
                return 0;       /* a backward jump is handled by open-ended windows */

        clock->wall_us = implied;
        clock->reconciled = true;
        return clock_fill_bounds(clock);
}

uint64_t safety_clock_elapsed_us(const SafetyClock *clock, int64_t event_wall_us, uint64_t event_mono_us,
                                 const char *event_boot_id) {
        if (same_boot(clock->boot_id, event_boot_id))
                return clock->mono_us > event_mono_us ? clock->mono_us - event_mono_us : 0;
        return clock->wall_us > event_wall_us ? (uint64_t) (clock->wall_us - event_wall_us) : 0;
}

int64_t safety_clock_since_us(const SafetyClock *clock, int64_t event_wall_us, uint64_t event_mono_us,
                              const char *event_boot_id) {
        if (same_boot(clock->boot_id, event_boot_id))
                return clock->mono_us >= event_mono_us ? (int64_t) (clock->mono_us - event_mono_us)
                                                       : -(int64_t) (event_mono_us - clock->mono_us);
        return (int64_t) safety_clock_elapsed_us(clock, event_wall_us, event_mono_us, event_boot_id);
}

char *safety_clock_format_hhmm(const SafetyClock *clock, int64_t wall_us, char buf[static 6]) {
        int64_t local_s = floor_div(wall_us, (int64_t) USEC_PER_SEC) + clock->utc_offset_s;
        int64_t sod = local_s - floor_div(local_s, 86400) * 86400;

        (void) snprintf(buf, 6, "%02u:%02u", (unsigned) (sod / 3600) % 24u, (unsigned) (sod % 3600 / 60) % 60u);
        return buf;
}

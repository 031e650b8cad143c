/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#include "local-days.h"
#include "macro.h"
#include "safety-clock.h"

/* Two hours is the largest DST shift in use (Antarctica/Troll); twice that
 * leaves room for any shift a zone might adopt. */
#define NEAR_CHANGE_S (4 * 3600)

static bool same_offset(time_t t, long gmtoff) {
        struct tm tm;

        return localtime_r(&t, &tm) && tm.tm_gmtoff == gmtoff;
}

/*
 * The next local midnight after day_start (a day start: a midnight, or where
 * mktime() put a midnight that does not exist), without mktime(): when the
 * day's offset from UTC still holds at the next midnight and 4 h past it, that
 * midnight exists once and lies exactly 24 h of local time after this day's
 * start. False on the few days a year near a clock change.
 *
 * localtime_r() does not re-read the time zone; local_days()'s first
 * safety_clock_local_bounds() (mktime(), which does) has just loaded it.
 */
static bool next_day_start_fast(int64_t day_start_us, int64_t *ret) {
        struct tm tm, next;
        time_t t, c;

        if (day_start_us % (int64_t) USEC_PER_SEC != 0)
                return false;
        t = (time_t) (day_start_us / (int64_t) USEC_PER_SEC);
        if (!localtime_r(&t, &tm))
                return false;
        c = t - (tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec) + 24 * 3600;
        if ((int64_t) c > INT64_MAX / (int64_t) USEC_PER_SEC - NEAR_CHANGE_S)
                return false;
        if (!localtime_r(&c, &next) || next.tm_gmtoff != tm.tm_gmtoff || next.tm_hour != 0 || next.tm_min != 0 ||
            next.tm_sec != 0 || next.tm_mday == tm.tm_mday || !same_offset(c + NEAR_CHANGE_S, tm.tm_gmtoff))
                return false;
        *ret = (int64_t) c * (int64_t) USEC_PER_SEC;
        return true;
}

/* Near a clock change, mktime() decides, as for the policy's "today". */
static int next_day_start(int64_t day_start_us, int64_t *ret) {
        if (next_day_start_fast(day_start_us, ret))
                return 0;
        if (safety_clock_local_bounds(day_start_us, NULL, ret, NULL, NULL) < 0 || *ret <= day_start_us)
                return -ERANGE;
        return 0;
}

int local_days(int64_t from_us, int64_t to_us, size_t max, int64_t **ret_starts, size_t *ret_n, int64_t *ret_end) {
        int64_t *v = NULL, d;
        size_t n = 0, allocated = 0;
        int r = 0;

        if (to_us <= from_us)
                return -EINVAL;
        if (safety_clock_local_bounds(from_us, &d, NULL, NULL, NULL) < 0)
                return -ERANGE;
        while (r >= 0 && d < to_us) {
                int64_t next;

                if (n >= max) {
                        r = -E2BIG;
                        break;
                }
                r = next_day_start(d, &next);
                if (r < 0)
                        break;
                if (n == allocated) {
                        size_t na = MIN(max, MAX((size_t) 32, allocated * 2));
                        int64_t *nv = realloc(v, na * sizeof *nv);
                        if (!nv) {
                                r = -ENOMEM;
                                break;
                        }
                        v = nv;
                        allocated = na;
                }
                v[n++] = d;
                d = next;
        }
        if (r < 0 || n == 0) {
                free(v);
                return r < 0 ? r : -EINVAL;
        }
        *ret_starts = v;
        *ret_n = n;
        *ret_end = d;
        return 0;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Clock rules: local day bounds across DST (Europe/Berlin), reconciling wall
 * jumps against the monotonic clock, elapsed time that never grows by a jump. */

#include "config.h"

#include <glib.h>

#include "safety-clock.h"
#include "safety-test-util.h"

typedef struct BoundsCase { // NOLINT(clang-analyzer-optin.performance.Padding): table layout
        const char *name;
        int64_t wall;                   /* filled in main() */
        int y, mo, d, h, mi;            /* the wall time, UTC */
        int sy, smo, sd, sh;            /* expected day start, UTC */
        int64_t day_len_h;
        int32_t offset_h;
} BoundsCase;

static BoundsCase bounds_cases[] = {
        /* 12:00 CEST; midnight CEST = 22:00Z the day before; 24 h. */
        { "summer", 0, 2026, 6, 15, 10, 0, 2026, 6, 14, 22, 24, 2 },
        /* 29 March 2026: 02:00 CET → 03:00 CEST, a 23-hour day. */
        { "dst-spring", 0, 2026, 3, 29, 10, 0, 2026, 3, 28, 23, 23, 2 },
        /* 00:30 CET on the spring day, before the change. */
        { "dst-spring-early", 0, 2026, 3, 28, 23, 30, 2026, 3, 28, 23, 23, 1 },
        /* 25 October 2026: 03:00 CEST → 02:00 CET, a 25-hour day. */
        { "dst-autumn", 0, 2026, 10, 25, 12, 0, 2026, 10, 24, 22, 25, 1 },
        /* The second 02:30 of the autumn day (CET) is still the same day. */
        { "dst-autumn-repeated-hour", 0, 2026, 10, 25, 1, 30, 2026, 10, 24, 22, 25, 1 },
        /* Exactly local midnight belongs to the new day. */
        { "midnight", 0, 2026, 6, 14, 22, 0, 2026, 6, 14, 22, 24, 2 },
        /* One second before midnight belongs to the old day. */
        { "midnight-minus-1s", 0, 2026, 6, 14, 21, 59, 2026, 6, 13, 22, 24, 2 },
};

static void run_bounds(gconstpointer data) {
        const BoundsCase *c = data;
        int64_t wall = c->wall, start, next, week;
        int32_t off;

        g_assert_cmpint(safety_clock_local_bounds(wall, &start, &next, &week, &off), ==, 0);
        g_assert_cmpint(start, ==, test_utc(c->sy, c->smo, c->sd, c->sh, 0, 0));
        g_assert_cmpint(next - start, ==, c->day_len_h * (int64_t) USEC_PER_HOUR);
        g_assert_cmpint(off, ==, c->offset_h * 3600);
        g_assert_cmpint(start, <=, wall);
        g_assert_cmpint(wall, <, next);
        /* Six local days back, each 23–25 h. */
        g_assert_cmpint(start - week, >=, 6 * 23 * (int64_t) USEC_PER_HOUR);
        g_assert_cmpint(start - week, <=, 6 * 25 * (int64_t) USEC_PER_HOUR);
}

static void test_week_across_dst(void) {
        /* Tuesday 31 March 2026 12:00 CEST: the week window starts Wednesday
         * 25 March 00:00 CET (23:00Z on the 24th), and includes the 23-hour Sunday. */
        int64_t start, week;

        g_assert_cmpint(safety_clock_local_bounds(test_utc(2026, 3, 31, 10, 0, 0), &start, NULL, &week, NULL), ==, 0);
        g_assert_cmpint(week, ==, test_utc(2026, 3, 24, 23, 0, 0));
        g_assert_cmpint(start, ==, test_utc(2026, 3, 30, 22, 0, 0));
        g_assert_cmpint(start - week, ==, (6 * 24 - 1) * (int64_t) USEC_PER_HOUR);
}

/* Extreme wall times (any D-Bus client can send one to History) are refused, not overflowed. */
static void test_bounds_extreme(void) {
        int64_t start, next, week;

        g_assert_cmpint(safety_clock_local_bounds(INT64_MIN, &start, &next, &week, NULL), ==, -ERANGE);
        g_assert_cmpint(safety_clock_local_bounds(INT64_MAX, &start, &next, &week, NULL), ==, -ERANGE);
        g_assert_cmpint(safety_clock_local_bounds(-1, &start, &next, &week, NULL), ==, 0);
        g_assert_cmpint(start, <=, -1);
        g_assert_cmpint(next, >, -1);
}

/* The day bounds are kept per date and zone: a new TZ is noticed, and
 * safety_clock_zone_changed() (the daemon's /etc/localtime watch) reads the
 * zone again. */
static void test_zone_change(void) {
        int64_t wall = test_utc(2026, 6, 15, 20, 0, 0), start;
        int32_t off;
        unsigned gen;

        g_assert_cmpint(safety_clock_local_bounds(wall, &start, NULL, NULL, &off), ==, 0);
        g_assert_cmpint(start, ==, test_utc(2026, 6, 14, 22, 0, 0));   /* Berlin */
        gen = safety_clock_zone_generation();
        g_assert_cmpint(setenv("TZ", "Asia/Tokyo", 1), ==, 0);
        g_assert_cmpint(safety_clock_local_bounds(wall, &start, NULL, NULL, &off), ==, 0);
        g_assert_cmpint(start, ==, test_utc(2026, 6, 15, 15, 0, 0));   /* 05:00 on the 16th in Tokyo */
        g_assert_cmpint(off, ==, 9 * 3600);
        g_assert_cmpuint(safety_clock_zone_generation(), !=, gen);
        gen = safety_clock_zone_generation();
        g_assert_cmpuint(safety_clock_zone_generation(), ==, gen);
        safety_clock_zone_changed();
        g_assert_cmpuint(safety_clock_zone_generation(), !=, gen);
        g_assert_cmpint(safety_clock_local_bounds(wall, &start, NULL, NULL, &off), ==, 0);
        g_assert_cmpint(start, ==, test_utc(2026, 6, 15, 15, 0, 0));
        test_set_tz();
        g_assert_cmpint(safety_clock_local_bounds(wall, &start, NULL, NULL, &off), ==, 0);
        g_assert_cmpint(start, ==, test_utc(2026, 6, 14, 22, 0, 0));
}

static void test_reconcile(void) {
        int64_t w = test_utc(2026, 6, 15, 21, 0, 0);     /* 23:00 CEST */
        uint64_t m = 5000 * USEC_PER_SEC;
        SafetyClock c;

        /* Forward jump of 2 h within one boot: capped at the anchor + monotonic. */
        g_assert_cmpint(safety_clock_make(w + S(7200 + 60), m + (uint64_t) S(60), TEST_BOOT, &c), ==, 0);
        g_assert_cmpint(c.day_start_us, ==, test_utc(2026, 6, 15, 22, 0, 0));    /* the jump crossed midnight */
        g_assert_cmpint(safety_clock_reconcile(&c, w, m, TEST_BOOT), ==, 0);
        g_assert_true(c.reconciled);
        g_assert_cmpint(c.wall_us, ==, w + S(60));
        g_assert_cmpint(c.day_start_us, ==, test_utc(2026, 6, 14, 22, 0, 0));    /* back on the old day */

        /* A backward jump is left alone (the ledger's open-ended windows handle it). */
        g_assert_cmpint(safety_clock_make(w - S(3600), m + (uint64_t) S(60), TEST_BOOT, &c), ==, 0);
        g_assert_cmpint(safety_clock_reconcile(&c, w, m, TEST_BOOT), ==, 0);
        g_assert_false(c.reconciled);
        g_assert_cmpint(c.wall_us, ==, w - S(3600));

        /* Another boot: no anchor, nothing to compare. */
        g_assert_cmpint(safety_clock_make(w + S(7200), 10, TEST_BOOT, &c), ==, 0);
        g_assert_cmpint(safety_clock_reconcile(&c, w, m, TEST_OTHER_BOOT), ==, 0);
        g_assert_false(c.reconciled);
        g_assert_cmpint(safety_clock_reconcile(&c, w, m, NULL), ==, 0);
        g_assert_false(c.reconciled);

        /* An unknown boot id never matches, not even another unknown one. */
        g_assert_cmpint(safety_clock_make(w + S(7200), m + 1, "", &c), ==, 0);
        g_assert_cmpint(safety_clock_reconcile(&c, w, m, ""), ==, 0);
        g_assert_false(c.reconciled);
}

static void test_elapsed(void) {
        int64_t w = test_utc(2026, 6, 15, 10, 0, 0);
        uint64_t m = 5000 * USEC_PER_SEC;
        SafetyClock c;

        g_assert_cmpint(safety_clock_make(w, m, TEST_BOOT, &c), ==, 0);
        /* Same boot: the monotonic difference, whatever the wall says. */
        g_assert_cmpuint(safety_clock_elapsed_us(&c, w - S(7200), m - (uint64_t) S(600), TEST_BOOT), ==, S(600));
        g_assert_cmpuint(safety_clock_elapsed_us(&c, w + S(7200), m - (uint64_t) S(600), TEST_BOOT), ==, S(600));
        /* Other boot: the wall difference, never negative. */
        g_assert_cmpuint(safety_clock_elapsed_us(&c, w - S(7200), 1, TEST_OTHER_BOOT), ==, S(7200));
        g_assert_cmpuint(safety_clock_elapsed_us(&c, w + S(7200), 1, TEST_OTHER_BOOT), ==, 0);
        /* Monotonic "from the future" (impossible, but never negative). */
        g_assert_cmpuint(safety_clock_elapsed_us(&c, w, m + 1, TEST_BOOT), ==, 0);
}

static void test_format(void) {
        SafetyClock c;
        char buf[6];

        g_assert_cmpint(safety_clock_make(test_utc(2026, 6, 15, 10, 0, 0), 1, NULL, &c), ==, 0);
        g_assert_cmpstr(safety_clock_format_hhmm(&c, c.next_day_start_us, buf), ==, "00:00");
        g_assert_cmpstr(safety_clock_format_hhmm(&c, test_utc(2026, 6, 15, 12, 35, 0), buf), ==, "14:35");
        g_assert_cmpstr(safety_clock_format_hhmm(&c, test_utc(1969, 12, 31, 23, 59, 0), buf), ==, "01:59");
}

static void test_now(void) {
        SafetyClock a, b;

        g_assert_cmpint(safety_clock_now(&a), ==, 0);
        g_assert_cmpint(safety_clock_now(&b), ==, 0);
        g_assert_cmpuint(b.mono_us, >=, a.mono_us);
        g_assert_cmpint(a.day_start_us, <=, a.wall_us);
        g_assert_cmpint(a.wall_us, <, a.next_day_start_us);
        /* Linux has a boot id; it is 32 hex digits and stable. */
        g_assert_cmpuint(strlen(a.boot_id), ==, SAFETY_BOOT_ID_LEN);
        g_assert_cmpstr(a.boot_id, ==, b.boot_id);
}

int main(int argc, char *argv[]) {
        test_set_tz();
        g_test_init(&argc, &argv, NULL);

        for (size_t i = 0; i < G_N_ELEMENTS(bounds_cases); i++) {
                BoundsCase *c = &bounds_cases[i];
                g_autofree char *path = g_strdup_printf("/clock/bounds/%s", c->name);
                c->wall = test_utc(c->y, c->mo, c->d, c->h, c->mi, c->name[strlen(c->name) - 1] == 's' &&
                                   strstr(c->name, "minus-1s") ? 59 : 0);
                g_test_add_data_func(path, c, run_bounds);
        }
        g_test_add_func("/clock/bounds/week-across-dst", test_week_across_dst);
        g_test_add_func("/clock/bounds/extreme", test_bounds_extreme);
        g_test_add_func("/clock/bounds/zone-change", test_zone_change);
        g_test_add_func("/clock/reconcile", test_reconcile);
        g_test_add_func("/clock/elapsed", test_elapsed);
        g_test_add_func("/clock/format-hhmm", test_format);
        g_test_add_func("/clock/now", test_now);
        return g_test_run();
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Shared fixtures of the safety unit tests: a device like the simulator's,
 * a program built in code, a clock in Europe/Berlin. */

#include <glib.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "policy.h"
#include "program.h"
#include "safety-clock.h"

#ifndef TEST_TOP_SRCDIR
#define TEST_TOP_SRCDIR "."
#endif

#define TEST_BOOT "0123456789abcdef0123456789abcdef"
#define TEST_OTHER_BOOT "fedcba9876543210fedcba9876543210"
#define S(x) ((int64_t) (x) * (int64_t) USEC_PER_SEC)

/* A file of the source tree: $top_srcdir (exported by `make check`), else
 * the source directory this test was built from. */
static inline char *test_srcdir_path(const char *rel) {
        const char *top = g_getenv("top_srcdir");
        return g_build_filename(top && *top ? top : TEST_TOP_SRCDIR, rel, NULL);
}

/* Must run before the first localtime call of the process. */
static inline void test_set_tz(void) {
        g_assert_cmpint(setenv("TZ", "Europe/Berlin", 1), ==, 0);
        tzset();
}

/* Wall µs of a UTC date/time. */
static inline int64_t test_utc(int y, int mo, int d, int h, int mi, int s) {
        struct tm tm = { .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi, .tm_sec = s };
        return S(timegm(&tm));
}

static inline MassagerDeviceInfo test_device(void) {
        return (MassagerDeviceInfo) {
                .protocol_version = 1,
                .intensity_max = 10,
                .heat_levels = 3,
                .patterns = 0x3f,
                .heat_setpoint = { 380, 400, 420 },
                .model = "test",
        };
}

/* A program on the caller's stack (no heap: nothing for a test to leak). */
typedef struct TestProgram {
        Program p;
        ProgramStep steps[8];
        char name[PROGRAM_NAME_MAX + 1];
        char description[1];
} TestProgram;

static inline Program *test_program(TestProgram *t, const char *name, bool gentle, bool heat, size_t n,
                                    const uint32_t *seconds, const uint8_t *pct, const uint8_t *pattern) {
        g_assert_cmpuint(n, <=, G_N_ELEMENTS(t->steps));
        *t = (TestProgram) {};
        g_strlcpy(t->name, name, sizeof t->name);
        t->p = (Program) {
                .name = t->name,
                .description = t->description,
                .gentle = gentle,
                .heat = heat,
                .repeat = true,
                .n_steps = n,
                .steps = t->steps,
        };
        for (size_t i = 0; i < n; i++)
                t->steps[i] = (ProgramStep) { seconds[i], pct[i], pattern[i], true };
        return &t->p;
}

static inline Program *test_program_steady(TestProgram *t) {
        static const uint32_t sec[] = { 60 };
        static const uint8_t pct[] = { 100 }, pat[] = { MASSAGER_PATTERN_STEADY };
        return test_program(t, "steady", false, false, 1, sec, pct, pat);
}

/* Two PolicyFigures field by field (padding may differ): the ledger's kept
 * figures against ones read from the file (tests/test-ledger-figures-cache.c). */
static inline void test_assert_figures_equal(const PolicyFigures *a, const PolicyFigures *b) {
        g_assert_cmpint(a->clock.wall_us, ==, b->clock.wall_us);
        g_assert_cmpuint(a->clock.mono_us, ==, b->clock.mono_us);
        g_assert_cmpstr(a->clock.boot_id, ==, b->clock.boot_id);
        g_assert_cmpint(a->clock.day_start_us, ==, b->clock.day_start_us);
        g_assert_cmpint(a->clock.next_day_start_us, ==, b->clock.next_day_start_us);
        g_assert_cmpint(a->clock.week_start_us, ==, b->clock.week_start_us);
        g_assert_cmpint(a->clock.utc_offset_s, ==, b->clock.utc_offset_s);
        g_assert_cmpint(a->clock.reconciled, ==, b->clock.reconciled);
        g_assert_cmpuint(a->sessions_today, ==, b->sessions_today);
        g_assert_cmpuint(a->seconds_today, ==, b->seconds_today);
        g_assert_cmpuint(a->heat_seconds_today, ==, b->heat_seconds_today);
        g_assert_cmpuint(a->seconds_week, ==, b->seconds_week);
        g_assert_cmpuint(a->sessions_24h, ==, b->sessions_24h);
        g_assert_cmpuint(a->seconds_24h, ==, b->seconds_24h);
        g_assert_cmpuint(a->heat_seconds_24h, ==, b->heat_seconds_24h);
        g_assert_cmpuint(a->n_starts_24h, ==, b->n_starts_24h);
        for (size_t i = 0; i < a->n_starts_24h; i++)
                g_assert_cmpint(a->starts_24h[i], ==, b->starts_24h[i]);
        g_assert_cmpuint(a->n_rolling, ==, b->n_rolling);
        for (size_t i = 0; i < a->n_rolling; i++) {
                g_assert_cmpint(a->rolling[i].end_wall_us, ==, b->rolling[i].end_wall_us);
                g_assert_cmpuint(a->rolling[i].seconds, ==, b->rolling[i].seconds);
                g_assert_cmpuint(a->rolling[i].heat_seconds, ==, b->rolling[i].heat_seconds);
        }
        g_assert_cmpuint(a->days_used_week, ==, b->days_used_week);
        g_assert_cmpuint(a->sessions_open, ==, b->sessions_open);
        g_assert_cmpint(a->has_last_end, ==, b->has_last_end);
        g_assert_cmpint(a->last_end_wall_us, ==, b->last_end_wall_us);
        g_assert_cmpuint(a->last_end_mono_us, ==, b->last_end_mono_us);
        g_assert_cmpstr(a->last_end_boot_id, ==, b->last_end_boot_id);
        g_assert_cmpuint(a->symptom_stops_7d, ==, b->symptom_stops_7d);
        g_assert_cmpint(a->has_symptom_stop, ==, b->has_symptom_stop);
        g_assert_cmpint(a->last_symptom_wall_us, ==, b->last_symptom_wall_us);
        g_assert_cmpuint(a->last_symptom_mono_us, ==, b->last_symptom_mono_us);
        g_assert_cmpstr(a->last_symptom_boot_id, ==, b->last_symptom_boot_id);
        g_assert_cmpint(a->thermal_locked, ==, b->thermal_locked);
        g_assert_cmpint(a->last_trip_wall_us, ==, b->last_trip_wall_us);
        g_assert_cmpstr(a->last_trip_device, ==, b->last_trip_device);
        g_assert_cmpint(a->heat_disabled, ==, b->heat_disabled);
        g_assert_cmpint(a->screened, ==, b->screened);
        g_assert_cmpint(a->screening_wall_us, ==, b->screening_wall_us);
        g_assert_cmpuint(a->screening_yes, ==, b->screening_yes);
        g_assert_cmpint(a->screening_cleared, ==, b->screening_cleared);
}


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

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * History's queries (issue 18): the local days of GetUsagePerDay computed
 * without a mktime() per day, checked day by day against the policy's own
 * safety_clock_local_bounds() in zones with odd clock changes; usage per day
 * across a DST week; the covering index read by the usage query, on a new file
 * and on one migrated from schema 5 with every row kept.
 */
#include "config.h"

#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledger-internal.h"
#include "local-days.h"
#include "safety-test-util.h"

static void set_zone(const char *zone) {
        g_assert_cmpint(setenv("TZ", zone, 1), ==, 0);
        tzset();
}

/* ---- local days -------------------------------------------------------- */

/* The days local_days() gives for [from, to) equal the chain of
 * safety_clock_local_bounds() the query used before, start by start. */
static void assert_days_match(int64_t from, int64_t to) {
        g_autofree int64_t *starts = NULL;
        int64_t end = 0, d, next;
        size_t n = 0;

        g_assert_cmpint(local_days(from, to, 366, &starts, &n, &end), ==, 0);
        g_assert_cmpint(safety_clock_local_bounds(from, &d, NULL, NULL, NULL), ==, 0);
        for (size_t i = 0; i < n; i++) {
                if (starts[i] != d)
                        g_error("%s: day %zu of [%" G_GINT64_FORMAT ", …) starts at %" G_GINT64_FORMAT
                                ", mktime() says %" G_GINT64_FORMAT, g_getenv("TZ"), i, from, starts[i], d);
                g_assert_cmpint(safety_clock_local_bounds(d, NULL, &next, NULL, NULL), ==, 0);
                d = next;
        }
        g_assert_cmpint(end, ==, d);
        g_assert_cmpint(starts[n - 1], <, to);
        g_assert_cmpint(end, >=, to);
}

/* Zones where midnight is skipped or repeated (Santiago, Havana, Beirut), a
 * half-hour change (Lord Howe), a two-hour one (Troll), a skipped day (Apia,
 * 30 Dec 2011), and the tests' Berlin; 1990–2037, a year per call. */
static void test_days_match_mktime(void) {
        static const char *const zones[] = {
                "Europe/Berlin", "America/New_York", "America/Santiago", "America/Havana", "Asia/Beirut",
                "Australia/Lord_Howe", "Antarctica/Troll", "Pacific/Apia", "UTC",
        };

        for (size_t z = 0; z < G_N_ELEMENTS(zones); z++) {
                g_autofree char *file = g_build_filename("/usr/share/zoneinfo", zones[z], NULL);
                if (!g_file_test(file, G_FILE_TEST_EXISTS)) {
                        g_test_message("no tzdata for %s, skipped", zones[z]);
                        continue;
                }
                set_zone(zones[z]);
                for (int y = 1990; y < 2037; y++)
                        /* Starting at noon UTC: mid-day somewhere, near midnight elsewhere. */
                        assert_days_match(test_utc(y, 1, 1, 12, 0, 0), test_utc(y, 12, 31, 12, 0, 0));
        }
        set_zone("Europe/Berlin");
}

/* A DST week is 7 days, one of them 23 (spring) or 25 hours (autumn) long. */
static void test_days_dst_week(void) {
        g_autofree int64_t *spring = NULL, *autumn = NULL;
        int64_t end = 0;
        size_t n = 0;

        set_zone("Europe/Berlin");
        /* Mon 23 – Sun 29 March 2026, the 29th 23 h long. */
        g_assert_cmpint(local_days(test_utc(2026, 3, 22, 23, 0, 0), test_utc(2026, 3, 29, 22, 0, 0), 366, &spring,
                                   &n, &end), ==, 0);
        g_assert_cmpuint(n, ==, 7);
        g_assert_cmpint(spring[0], ==, test_utc(2026, 3, 22, 23, 0, 0));
        g_assert_cmpint(spring[6], ==, test_utc(2026, 3, 28, 23, 0, 0));
        g_assert_cmpint(end, ==, test_utc(2026, 3, 29, 22, 0, 0));
        for (size_t i = 0; i + 1 < n; i++)
                g_assert_cmpint(spring[i + 1] - spring[i], ==, S(86400));
        /* Mon 19 – Sun 25 October 2026, the 25th 25 h long. */
        g_assert_cmpint(local_days(test_utc(2026, 10, 18, 22, 0, 0), test_utc(2026, 10, 25, 23, 0, 0), 366, &autumn,
                                   &n, &end), ==, 0);
        g_assert_cmpuint(n, ==, 7);
        g_assert_cmpint(end - autumn[6], ==, S(25 * 3600));
        g_assert_cmpint(end, ==, test_utc(2026, 10, 25, 23, 0, 0));
}

static void test_days_refused(void) {
        int64_t *starts = NULL, end = 0;
        size_t n = 0;

        set_zone("Europe/Berlin");
        g_assert_cmpint(local_days(S(10), S(5), 366, &starts, &n, &end), ==, -EINVAL);
        g_assert_cmpint(local_days(S(10), S(10), 366, &starts, &n, &end), ==, -EINVAL);
        /* 2026 and the first day of 2027: 366 local days, the most one call gives. */
        g_assert_cmpint(local_days(test_utc(2025, 12, 31, 23, 0, 0), test_utc(2027, 1, 1, 23, 0, 0), 366, &starts, &n,
                                   &end), ==, 0);
        g_assert_cmpuint(n, ==, 366);
        g_clear_pointer(&starts, free);
        g_assert_cmpint(local_days(test_utc(2025, 12, 31, 23, 0, 0), test_utc(2027, 1, 1, 23, 0, 1), 366, &starts, &n,
                                   &end), ==, -E2BIG);
        g_assert_cmpint(local_days(INT64_MIN, INT64_MIN + 1, 366, &starts, &n, &end), ==, -ERANGE);
        g_assert_cmpint(local_days(INT64_MAX - S(86400), INT64_MAX, 366, &starts, &n, &end), ==, -ERANGE);
        g_assert_null(starts);
}

/* ---- the ledger -------------------------------------------------------- */

typedef struct Fixture {
        char *dir;
        char *path;
        Ledger *l;
} Fixture;

static void fixture_setup(Fixture *f, gconstpointer data) {
        f->dir = g_dir_make_tmp("massaged-history-XXXXXX", NULL);
        g_assert_nonnull(f->dir);
        f->path = g_build_filename(f->dir, "usage.db", NULL);
        set_zone("Europe/Berlin");
}

static void fixture_teardown(Fixture *f, gconstpointer data) {
        g_autofree char *wal = g_strconcat(f->path, "-wal", NULL);

        ledger_close(f->l);
        (void) g_unlink(f->path);
        (void) g_unlink(wal);
        (void) g_rmdir(f->dir);
        g_free(f->dir);
        g_free(f->path);
}

static Ledger *open_at(const char *path, int64_t wall) {
        g_autofree char *err = NULL;
        SafetyClock c;
        Ledger *l = NULL;

        g_assert_cmpint(safety_clock_make(wall, 1, TEST_BOOT, &c), ==, 0);
        if (ledger_open(path, &c, &l, &err) < 0)
                g_error("ledger_open: %s", err);
        return l;
}

/* n completed sessions of `seconds` (half of it with heat), every `step_s`
 * from `first`, written as massaged writes them. */
static void add_sessions(Ledger *l, int64_t first, int n, int step_s, uint32_t seconds) {
        static ProgramStep pstep = { .seconds = 60, .intensity_pct = 100, .pattern = MASSAGER_PATTERN_STEADY };
        static Program program = { .name = (char *) "gentle", .n_steps = 1, .steps = &pstep };

        for (int i = 0; i < n; i++) {
                int64_t t = first + S((int64_t) i * step_s);
                PolicyStep step = { .seconds = seconds, .intensity = 1, .pattern = MASSAGER_PATTERN_STEADY,
                                    .heat_level = 1 };
                PolicyPlan plan = { .program = &program, .session_s = seconds, .intensity = 1, .intensity_cap = 10,
                                    .heat_level = 1, .heat_budget_s = seconds / 2, .n_steps = 1, .steps = &step };
                SafetyClock b, e;
                int64_t id;

                g_assert_cmpint(safety_clock_make(t, 1, TEST_BOOT, &b), ==, 0);
                g_assert_cmpint(safety_clock_make(t + S(seconds), 2, TEST_BOOT, &e), ==, 0);
                g_assert_cmpint(ledger_session_begin(l, &b, "AA:BB:CC:DD:EE:FF", &plan, &id), ==, 0);
                g_assert_cmpint(ledger_session_end(l, id, &e, seconds, seconds / 2, POLICY_END_COMPLETED), ==, 0);
        }
}

/* Sessions at 00:30 and 23:30 local time every day of the spring DST week:
 * each lands on its own day, the 23-hour Sunday included. */
static void test_usage_dst_week(Fixture *f, gconstpointer data) {
        int64_t monday = test_utc(2026, 3, 22, 23, 0, 0);      /* 00:00 CET, Mon 23 March */
        LedgerDayUsage *d = NULL;
        size_t n = 0;

        f->l = open_at(f->path, monday);
        add_sessions(f->l, monday + S(1800), 6, 86400, 600);          /* 00:30 CET, Mon–Sat */
        add_sessions(f->l, monday + S(6 * 86400 + 1800), 1, 0, 600);  /* 00:30 CET, Sun (before the change) */
        add_sessions(f->l, monday + S(23 * 3600 + 1800), 6, 86400, 600);      /* 23:30 CET, Mon–Sat */
        /* 23:30 CEST on Sunday = 21:30Z: 22 h 30 min after Sunday's midnight. */
        add_sessions(f->l, test_utc(2026, 3, 29, 21, 30, 0), 1, 0, 600);
        /* 00:30 CEST on the Monday after: not in the week. */
        add_sessions(f->l, test_utc(2026, 3, 29, 22, 30, 0), 1, 0, 600);

        g_assert_cmpint(ledger_usage_per_day(f->l, monday, test_utc(2026, 3, 29, 22, 0, 0), &d, &n), ==, 0);
        g_assert_cmpuint(n, ==, 7);
        for (size_t i = 0; i < n; i++) {
                g_assert_cmpuint(d[i].sessions, ==, 2);
                g_assert_cmpuint(d[i].seconds, ==, 1200);
                g_assert_cmpuint(d[i].heat_seconds, ==, 600);
        }
        g_assert_cmpint(d[6].day_start_us, ==, test_utc(2026, 3, 28, 23, 0, 0));
        free(d);
}

static char *plan_of(Ledger *l, const char *sql) {
        GString *plan = g_string_new(NULL);
        g_autofree char *explain = g_strconcat("EXPLAIN QUERY PLAN ", sql, NULL);
        sqlite3_stmt *s = NULL;

        g_assert_cmpint(sqlite3_prepare_v2(ledger_db(l), explain, -1, &s, NULL), ==, SQLITE_OK);
        while (sqlite3_step(s) == SQLITE_ROW)
                g_string_append_printf(plan, "%s; ", (const char *) sqlite3_column_text(s, 3));
        sqlite3_finalize(s);
        return g_string_free(plan, FALSE);
}

static char *usage_sql;

static int keep_sql(unsigned type, void *ctx, void *p, void *x) {
        if (!usage_sql && strstr(sqlite3_sql(p), "FROM sessions"))
                usage_sql = g_strdup(sqlite3_sql(p));
        return 0;
}

/* The statement ledger_usage_per_day() runs reads the covering index alone:
 * no table lookup per row, no sort. */
static void assert_usage_covered(Ledger *l) {
        g_autofree char *plan = NULL;
        LedgerDayUsage *d = NULL;
        size_t n = 0;

        g_clear_pointer(&usage_sql, g_free);
        g_assert_cmpint(sqlite3_trace_v2(ledger_db(l), SQLITE_TRACE_PROFILE, keep_sql, NULL), ==, SQLITE_OK);
        g_assert_cmpint(ledger_usage_per_day(l, 0, S(86400), &d, &n), ==, 0);
        (void) sqlite3_trace_v2(ledger_db(l), 0, NULL, NULL);
        free(d);
        g_assert_nonnull(usage_sql);
        plan = plan_of(l, usage_sql);
        g_test_message("%s: %s", usage_sql, plan);
        g_assert_nonnull(strstr(plan, "USING COVERING INDEX sessions_start_usage (start_wall_us>? AND start_wall_us<?)"));
        g_assert_null(strstr(plan, "TEMP B-TREE"));
        g_clear_pointer(&usage_sql, g_free);
}

static void test_usage_covered(Fixture *f, gconstpointer data) {
        f->l = open_at(f->path, test_utc(2026, 6, 15, 10, 0, 0));
        assert_usage_covered(f->l);
}

/* A file of schema 5 (before the covering index) opens, migrates, keeps every
 * row and answers usage and sessions from the new index. */
static void test_usage_migrated(Fixture *f, gconstpointer data) {
        int64_t first = test_utc(2026, 6, 1, 8, 0, 0);
        Ledger old = { .path = f->path };
        LedgerSession *s = NULL;
        LedgerDayUsage *d = NULL;
        size_t n = 0;
        uint32_t sessions = 0;

        char sql[1024];

        /* The file as massaged of schema 5 wrote it: 100 sessions 6 h apart. */
        g_assert_cmpint(sqlite3_open(f->path, &old.db), ==, SQLITE_OK);
        g_assert_cmpint(ledger_schema_migrate(&old, 5), ==, 0);
        (void) snprintf(sql, sizeof sql,
                        "WITH RECURSIVE i(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM i WHERE n < 99) "
                        "INSERT INTO sessions (device, program, start_wall_us, start_mono_us, boot_id, planned_s, "
                        "planned_heat_s, intensity, heat_level, plan, seconds, heat_seconds, end_wall_us, end_mono_us, "
                        "end_reason) SELECT 'AA:BB:CC:DD:EE:FF', 'gentle', %lld + n * 21600000000, 1, 'b', 600, 300, 3, "
                        "1, '', 600, 300, %lld + n * 21600000000 + 600000000, 2, 'completed' FROM i",
                        (long long) first, (long long) first);
        g_assert_cmpint(sqlite3_exec(old.db, sql, NULL, NULL, NULL), ==, SQLITE_OK);
        g_assert_cmpint(sqlite3_close(old.db), ==, SQLITE_OK);

        f->l = open_at(f->path, first + S(30 * 86400));
        g_assert_cmpint(ledger_schema_version(f->l), ==, 6);
        assert_usage_covered(f->l);
        /* 100 sessions, 4 a day from 1 June 2026 08:00 UTC (10:00 CEST) on. */
        g_assert_cmpint(ledger_sessions_range(f->l, 0, INT64_MAX, 0, &s, &n), ==, 0);
        g_assert_cmpuint(n, ==, 100);
        for (size_t i = 0; i < n; i++) {
                g_assert_cmpint(s[i].start_wall_us, ==, first + S((int64_t) i * 21600));
                g_assert_cmpuint(s[i].seconds, ==, 600);
                g_assert_cmpuint(s[i].heat_seconds, ==, 300);
        }
        ledger_session_list_free(s, n);
        g_assert_cmpint(ledger_usage_per_day(f->l, first, first + S(24 * 86400), &d, &n), ==, 0);
        g_assert_cmpuint(n, ==, 25);
        for (size_t i = 0; i < n; i++) {
                /* 10:00, 16:00, 22:00 CEST on this day; 04:00 of the next on it. */
                g_assert_cmpuint(d[i].sessions, ==, i == 0 ? 3 : 4);
                g_assert_cmpuint(d[i].seconds, ==, d[i].sessions * 600);
                g_assert_cmpuint(d[i].heat_seconds, ==, d[i].sessions * 300);
        }
        free(d);
        g_assert_cmpint(ledger_usage_range(f->l, 0, INT64_MAX / 2, &sessions, NULL), ==, 0);
        g_assert_cmpuint(sessions, ==, 100);
}

/* A year, 48 sessions a day: every row counted once, on the right day. */
static void test_usage_dense_year(Fixture *f, gconstpointer data) {
        int64_t first = test_utc(2025, 12, 31, 23, 0, 0);       /* 00:00 CET, 1 January 2026 */
        LedgerDayUsage *d = NULL;
        uint64_t total = 0;
        size_t n = 0;
        char sql[1024];

        f->l = open_at(f->path, first);
        (void) snprintf(sql, sizeof sql,
                        "WITH RECURSIVE i(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM i WHERE n < %d) "
                        "INSERT INTO sessions (device, program, start_wall_us, start_mono_us, boot_id, planned_s, "
                        "planned_heat_s, intensity, heat_level, plan, seconds, heat_seconds, end_wall_us, end_mono_us, "
                        "end_reason) SELECT 'dev', 'gentle', %lld + n * 1800000000, 0, 'old', 900, 0, 3, 0, '', "
                        "n %% 7, n %% 3, %lld + n * 1800000000 + 900000000, 0, 'completed' FROM i",
                        365 * 48 - 1, (long long) first, (long long) first);
        g_assert_cmpint(sqlite3_exec(ledger_db(f->l), sql, NULL, NULL, NULL), ==, SQLITE_OK);
        g_assert_cmpint(ledger_usage_per_day(f->l, first, first + S(365 * 86400), &d, &n), ==, 0);
        g_assert_cmpuint(n, ==, 365);
        for (size_t i = 0; i < n; i++) {
                uint32_t want = 48;
                if (d[i].day_start_us == test_utc(2026, 3, 28, 23, 0, 0))
                        want = 46;      /* 23 h */
                else if (d[i].day_start_us == test_utc(2026, 10, 24, 22, 0, 0))
                        want = 50;      /* 25 h */
                g_assert_cmpuint(d[i].sessions, ==, want);
                total += d[i].sessions;
        }
        g_assert_cmpuint(total, ==, 365 * 48);
        total = 0;
        for (size_t i = 0; i < n; i++)
                total += d[i].seconds * 1000 + d[i].heat_seconds;
        free(d);
        {
                sqlite3_stmt *s = NULL;
                g_assert_cmpint(sqlite3_prepare_v2(ledger_db(f->l), "SELECT SUM(seconds) * 1000 + SUM(heat_seconds) "
                                                   "FROM sessions", -1, &s, NULL), ==, SQLITE_OK);
                g_assert_cmpint(sqlite3_step(s), ==, SQLITE_ROW);
                g_assert_cmpuint(total, ==, (uint64_t) sqlite3_column_int64(s, 0));
                sqlite3_finalize(s);
        }
}

#define ADD(path, fn) g_test_add(path, Fixture, NULL, fixture_setup, fn, fixture_teardown)

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);
        set_zone("Europe/Berlin");
        g_test_add_func("/history/days/match-mktime", test_days_match_mktime);
        g_test_add_func("/history/days/dst-week", test_days_dst_week);
        g_test_add_func("/history/days/refused", test_days_refused);
        ADD("/history/usage/dst-week", test_usage_dst_week);
        ADD("/history/usage/covering-index", test_usage_covered);
        ADD("/history/usage/migrated-from-5", test_usage_migrated);
        ADD("/history/usage/dense-year", test_usage_dense_year);
        return g_test_run();
}

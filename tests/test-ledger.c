/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The usage ledger: creation and permissions, conservative session rows,
 * figures across day boundaries, DST and clock jumps, crash recovery after a
 * SIGKILL, corrupt/read-only/full storage (fail closed, file untouched),
 * migrations from every earlier schema version, the diary, and a 100k-session
 * query whose time is printed as a figure.
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <glob.h>
#include <pwd.h>
#include <signal.h>
#include <grp.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ledger-internal.h"
#include "safety-test-util.h"

/* Wall → monotonic on the test's one boot: consistent, so no reconcile. */
static const int64_t MONO_OFFSET = INT64_C(1) << 50;

static SafetyClock clk(int64_t wall) {
        SafetyClock c;
        g_assert_cmpint(safety_clock_make(wall, (uint64_t) (wall - test_utc(2020, 1, 1, 0, 0, 0) + MONO_OFFSET),
                                          TEST_BOOT, &c), ==, 0);
        return c;
}

typedef struct Fixture {
        char *dir;
        char *path;
        Ledger *l;
} Fixture;

static void rm_rf(const char *dir) {
        g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", dir);
        g_assert_cmpint(system(cmd), ==, 0);
}

static void fixture_setup(Fixture *f, gconstpointer data) {
        f->dir = g_dir_make_tmp("massaged-ledger-XXXXXX", NULL);
        g_assert_nonnull(f->dir);
        f->path = g_build_filename(f->dir, "state", "massaged", "usage.db", NULL);
        f->l = NULL;
}

static void fixture_teardown(Fixture *f, gconstpointer data) {
        ledger_close(f->l);
        rm_rf(f->dir);
        g_free(f->dir);
        g_free(f->path);
}

static Ledger *open_at(const char *path, int64_t wall) {
        g_autofree char *err = NULL;
        SafetyClock c = clk(wall);
        Ledger *l = NULL;
        int r = ledger_open(path, &c, &l, &err);
        if (r < 0)
                g_error("ledger_open: %s", err);
        return l;
}

/* A plan of `seconds` with heat for the first heat_s seconds. */
static PolicyPlan test_plan(uint32_t seconds, uint32_t heat_s, const char *program) {
        PolicyPlan p = { .session_s = seconds, .intensity = 3, .intensity_cap = 10 };
        static const uint32_t sec[] = { 60 };
        static const uint8_t pct[] = { 100 }, pat[] = { MASSAGER_PATTERN_STEADY };

        TestProgram tp;

        p.program = program_dup(test_program(&tp, program ? program : "gentle", false, heat_s > 0, 1, sec, pct, pat));
        p.heat_level = heat_s ? 1 : 0;
        p.heat_budget_s = heat_s;
        p.steps = calloc(2, sizeof *p.steps);
        if (heat_s && heat_s < seconds) {
                p.steps[0] = (PolicyStep) { 0, heat_s, 3, 0, 1 };
                p.steps[1] = (PolicyStep) { heat_s, seconds - heat_s, 3, 0, 0 };
                p.n_steps = 2;
        } else {
                p.steps[0] = (PolicyStep) { 0, seconds, 3, 0, heat_s ? 1 : 0 };
                p.n_steps = 1;
        }
        return p;
}

/* Begin at wall; end after `actual` seconds (< 0: leave open). */
static int64_t add_session_full(Ledger *l, int64_t wall, uint32_t planned, int actual, uint32_t heat,
                                PolicyEndReason reason, const char *program) {
        PolicyPlan p = test_plan(planned, heat, program);
        SafetyClock c = clk(wall);
        int64_t id = 0;

        g_assert_cmpint(ledger_session_begin(l, &c, "AA:BB:CC:DD:EE:FF", &p, &id), ==, 0);
        g_assert_cmpint(id, >, 0);
        if (actual >= 0) {
                SafetyClock e = clk(wall + S(actual));
                g_assert_cmpint(ledger_session_end(l, id, &e, (uint32_t) actual, MIN(heat, (uint32_t) actual), reason),
                                ==, 0);
        }
        policy_plan_clear(&p);
        return id;
}

static int64_t add_session(Ledger *l, int64_t wall, uint32_t planned, int actual) {
        return add_session_full(l, wall, planned, actual, 0, POLICY_END_COMPLETED, NULL);
}

static PolicyFigures figures_at(Ledger *l, int64_t wall) {
        SafetyClock c = clk(wall);
        PolicyFigures f, fresh;
        g_assert_cmpint(ledger_figures(l, &c, &f), ==, 0);
        /* What the ledger kept in memory is what the file says (ledger-figures-cache.c). */
        g_assert_cmpint(ledger_figures_uncached(l, &c, &fresh), ==, 0);
        test_assert_figures_equal(&f, &fresh);
        return f;
}

static char *read_all(const char *path, gsize *len) {
        char *data = NULL;
        g_assert_true(g_file_get_contents(path, &data, len, NULL));
        return data;
}

/* ---- creation ---- */

static void test_create(Fixture *f, gconstpointer data) {
        g_autofree char *parent = g_path_get_dirname(f->path);
        struct stat st;

        f->l = open_at(f->path, test_utc(2026, 6, 15, 10, 0, 0));
        g_assert_cmpint(stat(f->path, &st), ==, 0);
        g_assert_cmpint(st.st_mode & 07777, ==, 0600);
        g_assert_cmpint(stat(parent, &st), ==, 0);
        g_assert_cmpint(st.st_mode & 07777, ==, 0700);
        g_assert_cmpint(ledger_schema_version(f->l), ==, LEDGER_SCHEMA_VERSION);
        g_assert_cmpstr(ledger_path(f->l), ==, f->path);
        g_assert_cmpuint(ledger_recovered_count(f->l), ==, 0);
        {
                _cleanup_stmt_ sqlite3_stmt *s = NULL;
                g_assert_cmpint(sqlite3_prepare_v2(ledger_db(f->l), "PRAGMA journal_mode", -1, &s, NULL), ==, SQLITE_OK);
                g_assert_cmpint(sqlite3_step(s), ==, SQLITE_ROW);
                g_assert_cmpstr((const char *) sqlite3_column_text(s, 0), ==, "wal");
        }
        f->l = ledger_close(f->l);

        /* An existing file with loose permissions is made private. */
        g_assert_cmpint(chmod(f->path, 0644), ==, 0);
        f->l = open_at(f->path, test_utc(2026, 6, 15, 10, 0, 0));
        g_assert_cmpint(stat(f->path, &st), ==, 0);
        g_assert_cmpint(st.st_mode & 07777, ==, 0600);
}

/* ---- sessions and figures ---- */

static void test_session_rows(Fixture *f, gconstpointer data) {
        int64_t t0 = test_utc(2026, 6, 15, 10, 0, 0);   /* 12:00 CEST */
        LedgerSession *s = NULL;
        PolicyFigures fig;
        size_t n = 0;
        int64_t id;

        f->l = open_at(f->path, t0 - S(3600));
        id = add_session_full(f->l, t0, 900, -1, 600, POLICY_END_COMPLETED, NULL);

        /* Open: counted at its planned length and heat, ending at its planned end. */
        fig = figures_at(f->l, t0 + S(60));
        g_assert_cmpuint(fig.sessions_today, ==, 1);
        g_assert_cmpuint(fig.seconds_today, ==, 900);
        g_assert_cmpuint(fig.heat_seconds_today, ==, 600);
        g_assert_true(fig.has_last_end);
        g_assert_cmpint(fig.last_end_wall_us, ==, t0 + S(900));

        /* Ended after 300 s: the measured figures replace the planned ones. */
        {
                SafetyClock e = clk(t0 + S(300));
                g_assert_cmpint(ledger_session_end(f->l, id, &e, 300, 200, POLICY_END_USER), ==, 0);
                g_assert_cmpint(ledger_session_end(f->l, id, &e, 300, 200, POLICY_END_USER), ==, -EALREADY);
                g_assert_cmpint(ledger_session_end(f->l, id + 100, &e, 300, 200, POLICY_END_USER), ==, -ENOENT);
                g_assert_nonnull(strstr(ledger_error(f->l), "No session"));
        }
        fig = figures_at(f->l, t0 + S(400));
        g_assert_cmpuint(fig.seconds_today, ==, 300);
        g_assert_cmpuint(fig.heat_seconds_today, ==, 200);
        g_assert_cmpint(fig.last_end_wall_us, ==, t0 + S(300));

        g_assert_cmpint(ledger_sessions_range(f->l, t0, t0 + S(1), 0, &s, &n), ==, 0);
        g_assert_cmpuint(n, ==, 1);
        g_assert_cmpstr(s[0].end_reason, ==, "user");
        g_assert_false(s[0].open);
        g_assert_cmpuint(s[0].planned_s, ==, 900);
        g_assert_cmpuint(s[0].seconds, ==, 300);
        g_assert_cmpint(s[0].pain_before, ==, -1);
        ledger_session_list_free(s, n);
}

/* The end is start + monotonic elapsed: a wall jump during the session changes nothing. */
static void test_session_end_wall_jump(Fixture *f, gconstpointer data) {
        int64_t t0 = test_utc(2026, 6, 15, 10, 0, 0);
        PolicyPlan p = test_plan(900, 0, NULL);
        SafetyClock b = clk(t0), e = clk(t0 + S(600));
        int64_t id, last;

        f->l = open_at(f->path, t0);
        g_assert_cmpint(ledger_session_begin(f->l, &b, "dev", &p, &id), ==, 0);
        e.wall_us += S(5 * 3600);       /* the wall clock jumped 5 h forward meanwhile */
        g_assert_cmpint(ledger_session_end(f->l, id, &e, 600, 0, POLICY_END_COMPLETED), ==, 0);
        g_assert_cmpint(ledger_last_session_end(f->l, &last), ==, 0);
        g_assert_cmpint(last, ==, t0 + S(600));
        policy_plan_clear(&p);
}

static void test_day_boundary(Fixture *f, gconstpointer data) {
        int64_t midnight = test_utc(2026, 6, 14, 22, 0, 0);      /* 15 June 00:00 CEST */
        PolicyFigures fig;

        f->l = open_at(f->path, midnight - S(86400));
        /* 23:50 → 00:10: 10 min yesterday, 10 min today; started yesterday. */
        add_session(f->l, midnight - S(600), 1200, 1200);
        fig = figures_at(f->l, midnight + S(3 * 3600));
        g_assert_cmpuint(fig.sessions_today, ==, 0);
        g_assert_cmpuint(fig.seconds_today, ==, 600);
        g_assert_cmpuint(fig.seconds_week, ==, 1200);
        g_assert_cmpuint(fig.days_used_week, ==, 1);

        /* At 23:59:59 the same session is all "today". */
        fig = figures_at(f->l, midnight - S(1));
        g_assert_cmpuint(fig.sessions_today, ==, 1);
        g_assert_cmpuint(fig.seconds_today, ==, 1200);

        /* Exactly at midnight a session starting then is today's. */
        add_session(f->l, midnight + S(7200), 300, 300);
        fig = figures_at(f->l, midnight + S(7200 + 300));
        g_assert_cmpuint(fig.sessions_today, ==, 1);
        g_assert_cmpuint(fig.seconds_today, ==, 900);
        g_assert_cmpuint(fig.days_used_week, ==, 2);

        /* The week: 7 local days; 8 days later everything has left the window. */
        fig = figures_at(f->l, midnight + S(7 * 86400 + 3600));
        g_assert_cmpuint(fig.seconds_week, ==, 0);
        g_assert_cmpuint(fig.days_used_week, ==, 0);
}

static void test_dst(Fixture *f, gconstpointer data) {
        /* 29 March 2026 (23 h): 00:30 CET = 23:30Z on the 28th belongs to the 29th. */
        int64_t spring_early = test_utc(2026, 3, 28, 23, 30, 0);
        /* 25 October 2026 (25 h): 23:30 CET = 22:30Z belongs to the 25th; 00:30 CET on the 26th does not. */
        int64_t autumn_late = test_utc(2026, 10, 25, 22, 30, 0), autumn_next = test_utc(2026, 10, 25, 23, 30, 0);
        PolicyFigures fig;

        f->l = open_at(f->path, test_utc(2026, 3, 1, 0, 0, 0));
        add_session(f->l, spring_early, 600, 600);
        fig = figures_at(f->l, test_utc(2026, 3, 29, 20, 0, 0));         /* 22:00 CEST on the 29th */
        g_assert_cmpuint(fig.sessions_today, ==, 1);
        g_assert_cmpuint(fig.seconds_today, ==, 600);
        g_assert_cmpint(fig.clock.next_day_start_us - fig.clock.day_start_us, ==, 23 * (int64_t) USEC_PER_HOUR);

        add_session(f->l, autumn_late, 600, 600);
        add_session(f->l, autumn_next, 600, 600);
        fig = figures_at(f->l, test_utc(2026, 10, 25, 22, 50, 0));       /* 23:50 CET on the 25th */
        g_assert_cmpuint(fig.sessions_today, ==, 2);    /* the "future" row of the 26th counts (open-ended window) */
        fig = figures_at(f->l, test_utc(2026, 10, 26, 12, 0, 0));        /* on the 26th */
        g_assert_cmpuint(fig.sessions_today, ==, 1);
        g_assert_cmpuint(fig.seconds_today, ==, 600);

        /* Usage per day over the autumn change: 3 days, the 25th 25 h long. */
        {
                LedgerDayUsage *d = NULL;
                size_t n = 0;
                g_assert_cmpint(ledger_usage_per_day(f->l, test_utc(2026, 10, 24, 10, 0, 0),
                                                     test_utc(2026, 10, 26, 10, 0, 0), &d, &n), ==, 0);
                g_assert_cmpuint(n, ==, 3);
                g_assert_cmpint(d[1].day_start_us, ==, test_utc(2026, 10, 24, 22, 0, 0));
                g_assert_cmpint(d[2].day_start_us - d[1].day_start_us, ==, 25 * (int64_t) USEC_PER_HOUR);
                g_assert_cmpuint(d[0].sessions, ==, 0);
                g_assert_cmpuint(d[1].sessions, ==, 1);
                g_assert_cmpuint(d[1].seconds, ==, 600);
                g_assert_cmpuint(d[2].sessions, ==, 1);
                free(d);
                g_assert_cmpint(ledger_usage_per_day(f->l, 0, S(400 * 86400), &d, &n), ==, -E2BIG);
                g_assert_cmpint(ledger_usage_per_day(f->l, S(10), S(5), &d, &n), ==, -EINVAL);
        }
}

/* Wall jumps never grant time: forward within a boot is reconciled; backward
 * leaves rows in the future, which still count. */
static void test_clock_jumps(Fixture *f, gconstpointer data) {
        int64_t t0 = test_utc(2026, 6, 15, 19, 0, 0);    /* 21:00 CEST */
        SafetyClock c;
        PolicyFigures fig;

        f->l = open_at(f->path, t0);
        add_session(f->l, t0, 900, 900);
        add_session(f->l, t0 + S(3600), 900, 900);
        add_session(f->l, t0 + S(7200), 900, 900);

        /* 23:30 CEST truly, but the wall clock was set 6 h ahead (tomorrow 05:30). */
        c = clk(t0 + S(9000));
        c.wall_us += S(6 * 3600);
        g_assert_cmpint(safety_clock_make(c.wall_us, c.mono_us, TEST_BOOT, &c), ==, 0);
        g_assert_cmpint(ledger_figures(f->l, &c, &fig), ==, 0);
        g_assert_true(fig.clock.reconciled);
        g_assert_cmpint(fig.clock.wall_us, ==, t0 + S(9000));
        g_assert_cmpuint(fig.sessions_today, ==, 3);            /* still today: no fresh daily cap */
        g_assert_cmpuint(fig.seconds_today, ==, 2700);

        /* The wall clock set back a day (same boot, later monotonic): today's rows lie in the future. */
        c = clk(t0 + S(9000));
        g_assert_cmpint(safety_clock_make(c.wall_us - S(86400), c.mono_us, TEST_BOOT, &c), ==, 0);
        g_assert_cmpint(ledger_figures(f->l, &c, &fig), ==, 0);
        g_assert_false(fig.clock.reconciled);
        g_assert_cmpuint(fig.sessions_today, ==, 3);
        g_assert_cmpuint(fig.seconds_today, ==, 2700);
        /* Rest since the last end follows the monotonic clock: 9000 - 8100 = 900 s. */
        g_assert_cmpuint(safety_clock_elapsed_us(&fig.clock, fig.last_end_wall_us, fig.last_end_mono_us,
                                                 fig.last_end_boot_id), ==, S(900));

        /* After a reboot with the clock set back: no monotonic anchor, the rows in
         * the future still count and rest counts as just ended. */
        g_assert_cmpint(safety_clock_make(t0 - S(86400), 1000, TEST_OTHER_BOOT, &c), ==, 0);
        g_assert_cmpint(ledger_figures(f->l, &c, &fig), ==, 0);
        g_assert_cmpuint(fig.sessions_today, ==, 3);
        g_assert_cmpuint(safety_clock_elapsed_us(&fig.clock, fig.last_end_wall_us, fig.last_end_mono_us,
                                                 fig.last_end_boot_id), ==, 0);
}

/* The query last_end() runs on every start decision (ledger-query.c) is one
 * index seek, not a scan of every session: a ledger of years stays fast, on a
 * file made by this version and on one migrated from version 1. */
static void assert_seek(Ledger *l) {
        sqlite3_stmt *s = NULL;
        GString *plan = g_string_new(NULL);

        g_assert_cmpint(sqlite3_prepare_v2(ledger_db(l), "EXPLAIN QUERY PLAN SELECT end_wall_us, end_mono_us, boot_id "
                                           "FROM sessions WHERE boot_id = ?1 ORDER BY end_mono_us DESC LIMIT 1",
                                           -1, &s, NULL), ==, SQLITE_OK);
        while (sqlite3_step(s) == SQLITE_ROW)
                g_string_append_printf(plan, "%s; ", (const char *) sqlite3_column_text(s, 3));
        sqlite3_finalize(s);
        g_test_message("plan: %s", plan->str);
        g_assert_nonnull(strstr(plan->str, "USING INDEX sessions_boot_end (boot_id=?)"));
        g_assert_null(strstr(plan->str, "TEMP B-TREE"));
        g_string_free(plan, TRUE);
}

/* Every query of a start decision reads by index, never a walk over every
 * session: on a ledger of years, ledger_figures() must cost what the last
 * days hold. Each statement's virtual-machine steps are counted as it
 * finishes; 5000 old sessions would cost well over 5000 steps to walk. */
static int worst_steps;
static char *worst_sql;

static int count_steps(unsigned type, void *ctx, void *p, void *x) {
        sqlite3_stmt *s = p;
        int n = sqlite3_stmt_status(s, SQLITE_STMTSTATUS_VM_STEP, 0);

        if (n > worst_steps) {
                worst_steps = n;
                g_free(worst_sql);
                worst_sql = g_strdup(sqlite3_sql(s));
        }
        return 0;
}

static void test_figures_indexed(Fixture *f, gconstpointer data) {
        int64_t t0 = test_utc(2026, 6, 15, 10, 0, 0);
        char sql[512];
        PolicyFigures fig;

        f->l = open_at(f->path, t0);
        /* 5000 sessions of another boot, 30 min apart, the newest 30 days ago. */
        (void) snprintf(sql, sizeof sql,
                        "WITH RECURSIVE i(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM i WHERE n < 5000) "
                        "INSERT INTO sessions (device, program, start_wall_us, start_mono_us, boot_id, planned_s, "
                        "planned_heat_s, intensity, heat_level, plan, seconds, heat_seconds, end_wall_us, end_mono_us, "
                        "end_reason) SELECT 'dev', 'gentle', %lld - n * 1800000000, 0, 'old', 900, 0, 3, 0, '', 900, 0, "
                        "%lld - n * 1800000000 + 900000000, 0, 'completed' FROM i",
                        (long long) (t0 - S(30 * 86400)), (long long) (t0 - S(30 * 86400)));
        g_assert_cmpint(sqlite3_exec(ledger_db(f->l), sql, NULL, NULL, NULL), ==, SQLITE_OK);
        add_session(f->l, t0 - S(3600), 900, 600);

        worst_steps = 0;
        g_assert_cmpint(sqlite3_trace_v2(ledger_db(f->l), SQLITE_TRACE_PROFILE, count_steps, NULL), ==, SQLITE_OK);
        fig = figures_at(f->l, t0);
        (void) sqlite3_trace_v2(ledger_db(f->l), 0, NULL, NULL);
        g_test_message("most steps: %d, %s", worst_steps, worst_sql);
        g_assert_cmpuint(fig.sessions_today, ==, 1);
        g_assert_cmpint(worst_steps, <, 1000);
        g_clear_pointer(&worst_sql, g_free);
}

static void test_last_end_indexed(Fixture *f, gconstpointer data) {
        f->l = open_at(f->path, test_utc(2026, 6, 15, 10, 0, 0));
        assert_seek(f->l);
}

/* A wall clock stepped back earlier in this boot: session X ran while the wall
 * clock was 2 h ahead, Y ran after the step back and truly ended later. The
 * latest end is Y's (by the monotonic clock), although X's wall end is later. */
static void test_last_end_backward_step(Fixture *f, gconstpointer data) {
        int64_t t0 = test_utc(2026, 6, 15, 10, 0, 0);
        PolicyPlan p = test_plan(60, 0, NULL);
        SafetyClock b = clk(t0), e = clk(t0 + S(60)), now = clk(t0 + S(67 * 60));
        PolicyFigures fig;
        int64_t id;

        f->l = open_at(f->path, t0 - S(60));
        g_assert_cmpint(safety_clock_make(b.wall_us + S(7200), b.mono_us, TEST_BOOT, &b), ==, 0);
        g_assert_cmpint(safety_clock_make(e.wall_us + S(7200), e.mono_us, TEST_BOOT, &e), ==, 0);
        g_assert_cmpint(ledger_session_begin(f->l, &b, "dev", &p, &id), ==, 0);
        g_assert_cmpint(ledger_session_end(f->l, id, &e, 60, 0, POLICY_END_COMPLETED), ==, 0);
        (void) add_session(f->l, t0 + S(65 * 60), 60, 60);         /* Y: ends at t0 + 66 min */

        fig = figures_at(f->l, t0 + S(67 * 60));
        g_assert_true(fig.has_last_end);
        g_assert_cmpuint(fig.last_end_mono_us, ==, clk(t0 + S(66 * 60)).mono_us);
        g_assert_cmpint(safety_clock_since_us(&now, fig.last_end_wall_us, fig.last_end_mono_us,
                                              fig.last_end_boot_id), ==, S(60));
        g_assert_cmpuint(fig.sessions_open, ==, 0);

        /* A row of another boot whose wall end is later than Y's really is later. */
        {
                SafetyClock ob, oe;
                g_assert_cmpint(safety_clock_make(t0 + S(66 * 60 + 30), 5, TEST_OTHER_BOOT, &ob), ==, 0);
                g_assert_cmpint(safety_clock_make(t0 + S(66 * 60 + 40), 5 + S(10), TEST_OTHER_BOOT, &oe), ==, 0);
                g_assert_cmpint(ledger_session_begin(f->l, &ob, "dev", &p, &id), ==, 0);
                g_assert_cmpint(ledger_session_end(f->l, id, &oe, 10, 0, POLICY_END_COMPLETED), ==, 0);
        }
        fig = figures_at(f->l, t0 + S(67 * 60));
        g_assert_cmpstr(fig.last_end_boot_id, ==, TEST_OTHER_BOOT);
        g_assert_cmpint(fig.last_end_wall_us, ==, t0 + S(66 * 60 + 40));
        policy_plan_clear(&p);
}

/* An open session counts as running until it is closed: paused for longer
 * than its planned length plus the rest, it still ends "now" at the earliest. */
static void test_open_session_counts(Fixture *f, gconstpointer data) {
        int64_t t0 = test_utc(2026, 6, 15, 10, 0, 0);
        PolicyFigures fig;
        int64_t id;

        f->l = open_at(f->path, t0 - S(60));
        id = add_session(f->l, t0, 60, -1);
        fig = figures_at(f->l, t0 + S(31 * 60));
        g_assert_cmpuint(fig.sessions_open, ==, 1);
        g_assert_true(fig.has_last_end);
        g_assert_cmpint(fig.last_end_wall_us, ==, t0 + S(31 * 60));
        g_assert_cmpuint(fig.last_end_mono_us, ==, clk(t0 + S(31 * 60)).mono_us);

        /* Before its planned end, the planned end stays the later one. */
        fig = figures_at(f->l, t0 + S(30));
        g_assert_cmpint(fig.last_end_wall_us, ==, t0 + S(60));

        {
                SafetyClock e = clk(t0 + S(31 * 60 + 10));
                g_assert_cmpint(ledger_session_end(f->l, id, &e, 10, 0, POLICY_END_USER), ==, 0);
        }
        fig = figures_at(f->l, t0 + S(32 * 60));
        g_assert_cmpuint(fig.sessions_open, ==, 0);
        g_assert_cmpint(fig.last_end_wall_us, ==, t0 + S(31 * 60 + 10));
}

/* Resume moves the planned end durably: a crash afterwards counts the rest
 * from the real end (issue 13, item 5). */
static void test_session_resume(Fixture *f, gconstpointer data) {
        int64_t t0 = test_utc(2026, 6, 15, 10, 0, 0), last;
        LedgerSession *s = NULL;
        PolicyFigures fig;
        SafetyClock c;
        size_t n = 0;
        int64_t id;

        f->l = open_at(f->path, t0 - S(60));
        id = add_session(f->l, t0, 60, -1);             /* planned end t0 + 60 */
        /* Paused at 5 s, resumed at 70 s with 55 s left: the end is t0 + 125. */
        c = clk(t0 + S(70));
        g_assert_cmpint(ledger_session_resume(f->l, id, &c, 55), ==, 0);
        g_assert_cmpint(ledger_last_session_end(f->l, &last), ==, 0);
        g_assert_cmpint(last, ==, t0 + S(125));
        /* Never earlier; a wall jump does not move it (the monotonic time does). */
        c = clk(t0 + S(80));
        g_assert_cmpint(ledger_session_resume(f->l, id, &c, 1), ==, 0);
        c.wall_us += S(5 * 3600);
        g_assert_cmpint(ledger_session_resume(f->l, id, &c, 50), ==, 0);
        g_assert_cmpint(ledger_last_session_end(f->l, &last), ==, 0);
        g_assert_cmpint(last, ==, t0 + S(130));
        g_assert_cmpint(ledger_session_resume(f->l, id + 1, &c, 50), ==, -ENOENT);

        /* The daemon dies here: the recovered row keeps the moved end, and the rest counts from it. */
        f->l = ledger_close(f->l);
        f->l = open_at(f->path, t0 + S(90));
        g_assert_cmpuint(ledger_recovered_count(f->l), ==, 1);
        g_assert_cmpint(ledger_sessions_range(f->l, t0, t0 + S(1), 0, &s, &n), ==, 0);
        g_assert_cmpuint(n, ==, 1);
        g_assert_cmpstr(s[0].end_reason, ==, "interrupted");
        g_assert_cmpint(s[0].end_wall_us, ==, t0 + S(130));
        ledger_session_list_free(s, n);
        fig = figures_at(f->l, t0 + S(90));
        g_assert_cmpuint(fig.last_end_mono_us, ==, clk(t0 + S(130)).mono_us);
        c = clk(t0 + S(90));
        g_assert_cmpint(ledger_session_resume(f->l, id, &c, 50), ==, -EALREADY);
}

/* A pause is bounded: the row holds the bound from the Pause on, so a crash
 * while paused closes it at the bound: not at the pause (time paused is never
 * rest), not at the planned end (the motors could not run again without a
 * Resume); a wall jump does not move the bound (the monotonic time does). */
static void test_session_pause_bound(Fixture *f, gconstpointer data) {
        int64_t t0 = test_utc(2026, 6, 15, 10, 0, 0);
        LedgerSession *s = NULL;
        PolicyFigures fig;
        SafetyClock c;
        size_t n = 0;
        int64_t id;

        f->l = open_at(f->path, t0 - S(60));
        id = add_session(f->l, t0, 900, -1);            /* planned end t0 + 900 */
        /* Paused at 30 s with a 10 min bound: t0 + 630. */
        c = clk(t0 + S(30));
        g_assert_cmpint(ledger_session_pause(f->l, id, &c, c.mono_us - 1), ==, -EINVAL);
        c.wall_us += S(5 * 3600);
        g_assert_cmpint(ledger_session_pause(f->l, id, &c, c.mono_us + 10 * USEC_PER_MIN), ==, 0);
        g_assert_cmpint(ledger_session_pause(f->l, id + 1, &c, c.mono_us), ==, -ENOENT);

        /* The daemon dies while paused, 2 min in: the row ends at the bound, the rest counts from it. */
        f->l = ledger_close(f->l);
        f->l = open_at(f->path, t0 + S(150));
        g_assert_cmpuint(ledger_recovered_count(f->l), ==, 1);
        g_assert_cmpint(ledger_sessions_range(f->l, t0, t0 + S(1), 0, &s, &n), ==, 0);
        g_assert_cmpuint(n, ==, 1);
        g_assert_cmpstr(s[0].end_reason, ==, "interrupted");
        g_assert_cmpint(s[0].end_wall_us, ==, t0 + S(630));
        ledger_session_list_free(s, n);
        fig = figures_at(f->l, t0 + S(150));
        g_assert_cmpuint(fig.sessions_open, ==, 0);
        g_assert_cmpuint(fig.last_end_mono_us, ==, clk(t0 + S(630)).mono_us);
        c = clk(t0 + S(150));
        g_assert_cmpint(ledger_session_pause(f->l, id, &c, c.mono_us + USEC_PER_MIN), ==, -EALREADY);
}

/* Resume clears the bound: a crash after it counts from the resumed end. */
static void test_session_pause_resume(Fixture *f, gconstpointer data) {
        int64_t t0 = test_utc(2026, 6, 15, 10, 0, 0);
        LedgerSession *s = NULL;
        SafetyClock c;
        size_t n = 0;
        int64_t id;

        f->l = open_at(f->path, t0 - S(60));
        id = add_session(f->l, t0, 60, -1);
        c = clk(t0 + S(30));
        g_assert_cmpint(ledger_session_pause(f->l, id, &c, c.mono_us + 10 * USEC_PER_MIN), ==, 0);
        c = clk(t0 + S(40));                            /* resumed with 30 s left: ends t0 + 70 */
        g_assert_cmpint(ledger_session_resume(f->l, id, &c, 30), ==, 0);
        f->l = ledger_close(f->l);
        f->l = open_at(f->path, t0 + S(90));
        g_assert_cmpint(ledger_sessions_range(f->l, t0, t0 + S(1), 0, &s, &n), ==, 0);
        g_assert_cmpuint(n, ==, 1);
        g_assert_cmpstr(s[0].end_reason, ==, "interrupted");
        g_assert_cmpint(s[0].end_wall_us, ==, t0 + S(70));
        ledger_session_list_free(s, n);
}

/* Paused 9 min, then ended by the bound: the row ends at the bound with the
 * motor time before the pause, and the rest runs from that end. */
static void test_session_pause_timeout(Fixture *f, gconstpointer data) {
        int64_t t0 = test_utc(2026, 6, 15, 10, 0, 0);
        LedgerSession *s = NULL;
        PolicyFigures fig;
        SafetyClock c;
        size_t n = 0;
        int64_t id;

        f->l = open_at(f->path, t0 - S(60));
        id = add_session(f->l, t0, 900, -1);
        c = clk(t0 + S(60));
        g_assert_cmpint(ledger_session_pause(f->l, id, &c, c.mono_us + 9 * USEC_PER_MIN), ==, 0);
        c = clk(t0 + S(60 + 9 * 60));
        g_assert_cmpint(ledger_session_end(f->l, id, &c, 60, 0, POLICY_END_PAUSE_TIMEOUT), ==, 0);
        g_assert_cmpint(ledger_sessions_range(f->l, t0, t0 + S(1), 0, &s, &n), ==, 0);
        g_assert_cmpuint(n, ==, 1);
        g_assert_cmpstr(s[0].end_reason, ==, "pause_timeout");
        g_assert_cmpuint(s[0].seconds, ==, 60);
        g_assert_cmpint(s[0].end_wall_us, ==, t0 + S(600));
        ledger_session_list_free(s, n);
        fig = figures_at(f->l, t0 + S(700));
        g_assert_cmpuint(fig.sessions_open, ==, 0);
        g_assert_cmpint(fig.last_end_wall_us, ==, t0 + S(600));
        g_assert_cmpuint(fig.last_end_mono_us, ==, clk(t0 + S(600)).mono_us);
}

/* ---- crash recovery ---- */

static void test_recovery_sigkill(Fixture *f, gconstpointer data) {
        int64_t t0 = test_utc(2026, 6, 15, 10, 0, 0);
        LedgerSession *s = NULL;
        LedgerEvent *ev = NULL;
        size_t n = 0, ne = 0;
        int pipefd[2], status;
        char buf[32] = "";
        pid_t pid;

        /* Create the file first so the child only writes the session. */
        f->l = open_at(f->path, t0 - S(60));
        f->l = ledger_close(f->l);

        g_assert_cmpint(pipe(pipefd), ==, 0);
        pid = fork();
        g_assert_cmpint(pid, >=, 0);
        if (pid == 0) {
                Ledger *l = NULL;
                SafetyClock c = clk(t0);
                PolicyPlan p = test_plan(900, 300, NULL);
                int64_t id;
                close(pipefd[0]);
                if (ledger_open(f->path, &c, &l, NULL) < 0 || ledger_session_begin(l, &c, "dev", &p, &id) < 0)
                        _exit(1);
                (void) !write(pipefd[1], "started", 7);
                for (;;)
                        pause();        /* killed here, between the start and the end row */
        }
        close(pipefd[1]);
        g_assert_cmpint(read(pipefd[0], buf, sizeof buf - 1), ==, 7);
        g_assert_cmpstr(buf, ==, "started");
        close(pipefd[0]);
        g_assert_cmpint(kill(pid, SIGKILL), ==, 0);
        g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
        g_assert_true(WIFSIGNALED(status));
        g_assert_cmpint(WTERMSIG(status), ==, SIGKILL);

        f->l = open_at(f->path, t0 + S(120));
        g_assert_cmpuint(ledger_recovered_count(f->l), ==, 1);
        g_assert_cmpint(ledger_sessions_range(f->l, t0, t0 + S(1), 0, &s, &n), ==, 0);
        g_assert_cmpuint(n, ==, 1);
        g_assert_cmpstr(s[0].end_reason, ==, "interrupted");
        g_assert_cmpuint(s[0].seconds, ==, 900);        /* counted as planned */
        g_assert_cmpuint(s[0].heat_seconds, ==, 300);
        g_assert_cmpint(s[0].end_wall_us, ==, t0 + S(900));
        ledger_session_list_free(s, n);

        g_assert_cmpint(ledger_events_range(f->l, 0, INT64_MAX, &ev, &ne), ==, 0);
        g_assert_cmpuint(ne, ==, 1);
        g_assert_cmpstr(ev[0].kind, ==, "recovered");
        ledger_event_list_free(ev, ne);

        /* Conservative: the interrupted session blocks like a full one (rest from its planned end). */
        {
                PolicyFigures fig = figures_at(f->l, t0 + S(120));
                g_assert_cmpuint(fig.seconds_today, ==, 900);
                g_assert_cmpint(fig.last_end_wall_us, ==, t0 + S(900));
        }
        f->l = ledger_close(f->l);
        f->l = open_at(f->path, t0 + S(180));
        g_assert_cmpuint(ledger_recovered_count(f->l), ==, 0);
}

/* ---- broken storage: fail closed, never touch the file ---- */

static void assert_open_fails(const char *path, int expect, const char *needle) {
        g_autofree char *err = NULL;
        SafetyClock c = clk(test_utc(2026, 6, 15, 10, 0, 0));
        Ledger *l = NULL;

        g_assert_cmpint(ledger_open(path, &c, &l, &err), ==, expect);
        g_assert_null(l);
        g_assert_nonnull(err);
        if (!strstr(err, needle))
                g_test_message("error: %s", err);
        g_assert_nonnull(strstr(err, needle));
        g_assert_nonnull(strstr(err, path));
}

static void test_corrupt_garbage(Fixture *f, gconstpointer data) {
        g_autofree char *parent = g_path_get_dirname(f->path);
        g_autofree char *before = NULL, *after = NULL;
        gsize n1, n2;
        char junk[8192];

        for (size_t i = 0; i < sizeof junk; i++)
                junk[i] = (char) (i * 7 + 3);
        g_assert_cmpint(g_mkdir_with_parents(parent, 0700), ==, 0);
        g_assert_true(g_file_set_contents(f->path, junk, sizeof junk, NULL));
        before = read_all(f->path, &n1);
        assert_open_fails(f->path, -EBADMSG, "move it aside");
        after = read_all(f->path, &n2);
        g_assert_cmpmem(before, n1, after, n2);
}

static void test_corrupt_page(Fixture *f, gconstpointer data) {
        g_autofree char *before = NULL, *after = NULL;
        int64_t t0 = test_utc(2026, 6, 15, 10, 0, 0);
        gsize n1, n2;
        int fd;

        f->l = open_at(f->path, t0);
        for (int i = 0; i < 300; i++)
                add_session(f->l, t0 - S(86400 * (i + 1)), 600, 600);
        f->l = ledger_close(f->l);      /* checkpoints the WAL into the file */

        fd = open(f->path, O_WRONLY);
        g_assert_cmpint(fd, >=, 0);
        {
                char junk[4096];
                memset(junk, 0x55, sizeof junk);
                g_assert_cmpint(pwrite(fd, junk, sizeof junk, 4096 * 3), ==, sizeof junk);
        }
        close(fd);
        before = read_all(f->path, &n1);
        assert_open_fails(f->path, -EBADMSG, "damaged");
        after = read_all(f->path, &n2);
        g_assert_cmpmem(before, n1, after, n2);
}

static void test_newer_version(Fixture *f, gconstpointer data) {
        f->l = open_at(f->path, test_utc(2026, 6, 15, 10, 0, 0));
        g_assert_cmpint(sqlite3_exec(ledger_db(f->l), "PRAGMA user_version = 99", NULL, NULL, NULL), ==, SQLITE_OK);
        f->l = ledger_close(f->l);
        assert_open_fails(f->path, -EPROTO, "newer massaged");
}

static void test_not_a_file(Fixture *f, gconstpointer data) {
        g_assert_cmpint(g_mkdir_with_parents(f->path, 0700), ==, 0);   /* a directory where the file should be */
        assert_open_fails(f->path, -EISDIR, "cannot open for writing");
}

/* Run ledger_open in a child without root's powers; report r and the message. */
static int open_unprivileged(const char *path, char *msg, size_t size) {
        int pipefd[2], status;
        ssize_t n;
        pid_t pid;

        g_assert_cmpint(pipe(pipefd), ==, 0);
        pid = fork();
        g_assert_cmpint(pid, >=, 0);
        if (pid == 0) {
                char *err = NULL;
                Ledger *l = NULL;
                SafetyClock c = clk(test_utc(2026, 6, 15, 10, 0, 0));
                int r;
                close(pipefd[0]);
                if (geteuid() == 0) {
                        struct passwd *pw = getpwnam("nobody");
                        if (!pw || setgroups(0, NULL) < 0 || setgid(pw->pw_gid) < 0 || setuid(pw->pw_uid) < 0)
                                _exit(100);
                }
                r = ledger_open(path, &c, &l, &err);
                (void) !write(pipefd[1], err ? err : "", err ? strlen(err) : 0);
                _exit(r < 0 ? (-r & 0x7f) : 0);
        }
        close(pipefd[1]);
        n = read(pipefd[0], msg, size - 1);
        msg[n > 0 ? n : 0] = '\0';
        close(pipefd[0]);
        g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
        g_assert_true(WIFEXITED(status));
        g_assert_cmpint(WEXITSTATUS(status), !=, 100);
        return -WEXITSTATUS(status);
}

static void test_read_only(Fixture *f, gconstpointer data) {
        g_autofree char *parent = g_path_get_dirname(f->path);
        char msg[1024];
        int r;

        f->l = open_at(f->path, test_utc(2026, 6, 15, 10, 0, 0));
        f->l = ledger_close(f->l);
        g_assert_cmpint(chmod(f->dir, 0755), ==, 0);
        {
                g_autofree char *state = g_path_get_dirname(parent);
                g_assert_cmpint(chmod(state, 0755), ==, 0);
        }

        /* File read-only to us. */
        g_assert_cmpint(chmod(parent, 0755), ==, 0);
        g_assert_cmpint(chmod(f->path, 0444), ==, 0);
        r = open_unprivileged(f->path, msg, sizeof msg);
        g_assert_cmpint(r, ==, -EACCES);
        g_assert_nonnull(strstr(msg, f->path));
        g_assert_nonnull(strstr(msg, "writable"));

        /* File writable but its directory read-only (no WAL can be created). */
        if (geteuid() == 0) {
                struct passwd *pw = getpwnam("nobody");
                g_assert_nonnull(pw);
                g_assert_cmpint(chown(f->path, pw->pw_uid, pw->pw_gid), ==, 0);
        }
        g_assert_cmpint(chmod(f->path, 0600), ==, 0);
        g_assert_cmpint(chmod(parent, 0555), ==, 0);
        r = open_unprivileged(f->path, msg, sizeof msg);
        g_assert_cmpint(r, <, 0);
        g_assert_nonnull(strstr(msg, f->path));
        g_test_message("read-only directory: %s", msg);
        g_assert_cmpint(chmod(parent, 0700), ==, 0);
}

/* Sessions in a ledger file as a fresh process sees it (closes what it opens). */
static size_t sessions_on_disk(const char *path) {
        g_autofree char *err = NULL;
        LedgerSession *list = NULL;
        Ledger *l = NULL;
        SafetyClock c = clk(test_utc(2026, 6, 16, 10, 0, 0));
        size_t n = 0;

        if (ledger_open(path, &c, &l, &err) < 0)
                g_error("reopening %s: %s", path, err);
        g_assert_cmpint(ledger_sessions_range(l, 0, INT64_MAX, 0, &list, &n), ==, 0);
        ledger_session_list_free(list, n);
        ledger_close(l);
        return n;
}

/* An integer read from the database file itself while the ledger holds it
 * (immutable: no lock, no WAL), as a crash would leave it. */
static int64_t rows_in_file(const char *path, const char *sql) {
        g_autofree char *uri = g_strconcat("file:", path, "?immutable=1", NULL);
        sqlite3_stmt *s = NULL;
        sqlite3 *db = NULL;
        int64_t n;

        g_assert_cmpint(sqlite3_open_v2(uri, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL), ==, SQLITE_OK);
        g_assert_cmpint(sqlite3_prepare_v2(db, sql, -1, &s, NULL), ==, SQLITE_OK);
        g_assert_cmpint(sqlite3_step(s), ==, SQLITE_ROW);
        n = sqlite3_column_int64(s, 0);
        sqlite3_finalize(s);
        sqlite3_close(db);
        return n;
}

static void unlink_all(const char *path, const char *const *suffixes) {
        for (const char *const *x = suffixes; *x; x++) {
                g_autofree char *p = g_strconcat(path, *x, NULL);
                g_assert_cmpint(unlink(p), ==, 0);
        }
}

/* Deleted while open: the next write puts the file back with everything in it. */
static void test_file_deleted(Fixture *f, gconstpointer data) {
        static const char *const all[] = { "", "-wal", NULL }, *const db[] = { "", NULL };
        int64_t t0 = test_utc(2026, 6, 15, 10, 0, 0);
        PolicyPlan p = test_plan(900, 0, NULL);
        SafetyClock c = clk(t0 + S(3600));
        struct stat st;
        int64_t id;

        f->l = open_at(f->path, t0);
        add_session_full(f->l, t0, 900, 600, 0, POLICY_END_USER, NULL);
        unlink_all(f->path, data ? db : all);
        g_assert_cmpint(ledger_session_begin(f->l, &c, "dev", &p, &id), ==, 0);       /* writes after the check */
        g_assert_cmpint(ledger_relinked_count(f->l), ==, 1);
        g_assert_cmpint(stat(f->path, &st), ==, 0);
        g_assert_cmpint(st.st_mode & 07777, ==, 0600);
        f->l = ledger_close(f->l);
        g_assert_cmpuint(sessions_on_disk(f->path), ==, 2);
        policy_plan_clear(&p);
}

static void test_file_sidecars_deleted(Fixture *f, gconstpointer data) {
        static const char *const sidecars[] = { "-wal", NULL };
        int64_t t0 = test_utc(2026, 6, 15, 10, 0, 0);
        g_autofree char *wal = g_strconcat(f->path, "-wal", NULL);

        f->l = open_at(f->path, t0);
        add_session_full(f->l, t0, 900, 600, 0, POLICY_END_USER, NULL);
        unlink_all(f->path, sidecars);
        g_assert_cmpint(ledger_device_add(f->l, "AA:BB:CC:DD:EE:01", "x", t0), ==, 0);
        g_assert_cmpint(ledger_relinked_count(f->l), ==, 1);
        g_assert_true(g_file_test(wal, G_FILE_TEST_EXISTS));
        /* Nothing lost if the process dies now: the file itself holds both rows. */
        g_assert_cmpint(rows_in_file(f->path, "SELECT COUNT(*) FROM sessions"), ==, 1);
        g_assert_cmpint(rows_in_file(f->path, "SELECT COUNT(*) FROM devices"), ==, 1);
        g_assert_cmpint(ledger_device_known(f->l, "AA:BB:CC:DD:EE:01"), ==, 1);
}

/* No -shm ever: the WAL's index is in the daemon's heap (locking_mode=EXCLUSIVE),
 * so a user truncating a -shm cannot fault a mapping; another opener waits. */
static void test_file_no_shm(Fixture *f, gconstpointer data) {
        int64_t t0 = test_utc(2026, 6, 15, 10, 0, 0);
        g_autofree char *shm = g_strconcat(f->path, "-shm", NULL);
        sqlite3 *other = NULL;

        f->l = open_at(f->path, t0);
        add_session_full(f->l, t0, 900, 600, 0, POLICY_END_USER, NULL);
        g_assert_false(g_file_test(shm, G_FILE_TEST_EXISTS));
        g_assert_cmpint(sqlite3_open_v2(f->path, &other, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
        g_assert_cmpint(sqlite3_exec(other, "SELECT COUNT(*) FROM sessions", NULL, NULL, NULL), ==, SQLITE_BUSY);
        (void) sqlite3_close(other);
        g_assert_false(g_file_test(shm, G_FILE_TEST_EXISTS));
        f->l = ledger_close(f->l);
        g_assert_cmpuint(sessions_on_disk(f->path), ==, 1);
}

/* Another file took the path: it is never touched; our records go to a kept copy. */
static void test_file_replaced(Fixture *f, gconstpointer data) {
        int64_t t0 = test_utc(2026, 6, 15, 10, 0, 0);
        static const char garbage[] = "not a ledger, and massaged must leave it alone";
        g_autofree char *tmp = g_strconcat(f->path, ".new", NULL), *kept = NULL, *content = NULL;
        PolicyPlan p = test_plan(900, 0, NULL);
        SafetyClock c = clk(t0 + S(3600));
        int64_t open_id, id;
        gsize len;

        f->l = open_at(f->path, t0);
        open_id = add_session_full(f->l, t0, 900, -1, 0, POLICY_END_USER, NULL);
        g_assert_true(g_file_set_contents(tmp, garbage, -1, NULL));
        g_assert_cmpint(rename(tmp, f->path), ==, 0);

        /* The running session's end still goes somewhere: the kept copy. */
        g_assert_cmpint(ledger_session_end(f->l, open_id, &c, 300, 0, POLICY_END_USER), ==, 0);
        g_assert_nonnull(ledger_abandoned_path(f->l));
        g_assert_cmpstr(ledger_abandoned_path(f->l), ==, f->path);
        kept = g_strdup(ledger_path(f->l));
        g_assert_true(g_str_has_prefix(kept, f->path) && strstr(kept, ".kept-"));
        /* No new session while two files claim to be the ledger. */
        g_assert_cmpint(ledger_session_begin(f->l, &c, "dev", &p, &id), ==, -ESTALE);
        g_assert_nonnull(strstr(ledger_error(f->l), "replaced"));
        g_assert_nonnull(strstr(ledger_error(f->l), kept));
        g_assert_true(g_file_get_contents(f->path, &content, &len, NULL));
        g_assert_cmpstr(content, ==, garbage);
        f->l = ledger_close(f->l);
        g_assert_cmpuint(sessions_on_disk(kept), ==, 1);
        policy_plan_clear(&p);
}

/* ---- the WAL changing under us, backup and restore (doc/safety.md) ---- */

static void overwrite(const char *path, off_t off, size_t n, int byte) {
        char junk[4096];
        int fd = open(path, O_WRONLY);

        g_assert_cmpint(fd, >=, 0);
        memset(junk, byte, sizeof junk);
        for (size_t done = 0; done < n; ) {
                size_t k = MIN(n - done, sizeof junk);
                g_assert_cmpint(pwrite(fd, junk, k, off + (off_t) done), ==, (ssize_t) k);
                done += k;
        }
        g_assert_cmpint(close(fd), ==, 0);
}

/* The WAL truncated (data NULL) or zeroed in place while it holds frames the
 * file does not (the checkpoint after each commit could not run: the hook
 * only records): the next write and the close must not copy it into the file. */
static int record_only(void *userdata, sqlite3 *db, const char *name, int n_frames) {
        (void) ledger_wal_record(userdata, n_frames);
        return SQLITE_OK;
}

static void test_wal_damaged(Fixture *f, gconstpointer data) {
        int64_t t0 = test_utc(2026, 6, 15, 10, 0, 0);
        g_autofree char *wal = g_strconcat(f->path, "-wal", NULL), *aside = NULL;
        struct stat st;
        glob_t g;

        f->l = open_at(f->path, t0);
        add_session(f->l, t0, 900, 600);                       /* checkpointed into the file */
        (void) sqlite3_wal_hook(ledger_db(f->l), record_only, f->l);
        add_session(f->l, t0 + S(7200), 900, 600);             /* only in the WAL */
        g_assert_cmpint(stat(wal, &st), ==, 0);
        g_assert_cmpint(st.st_size, >, 0);
        if (data)
                overwrite(wal, 0, (size_t) st.st_size, 0);
        else
                g_assert_cmpint(truncate(wal, 0), ==, 0);
        g_assert_cmpint(ledger_device_add(f->l, "AA:BB:CC:DD:EE:01", "x", t0), ==, 0);
        g_assert_cmpuint(ledger_wal_discarded_count(f->l), ==, 1);
        g_assert_cmpuint(ledger_wal_lost_frames(f->l), >, 0);
        /* Records may be missing: no start for 24 h. */
        g_assert_cmpint(ledger_check_start(f->l), ==, -EAGAIN);
        g_assert_nonnull(strstr(ledger_error(f->l), "restored"));
        f->l = ledger_close(f->l);

        /* The file is whole: the first session, the device written after the check. */
        f->l = open_at(f->path, t0 + S(86400));
        g_assert_null(ledger_broken_path(f->l));
        g_assert_cmpint(ledger_device_known(f->l, "AA:BB:CC:DD:EE:01"), ==, 1);
        f->l = ledger_close(f->l);
        g_assert_cmpuint(sessions_on_disk(f->path), ==, 1);
        /* The damaged WAL was set aside, not deleted. */
        aside = g_strconcat(f->path, ".broken-*-wal", NULL);
        g_assert_cmpint(glob(aside, 0, NULL, &g), ==, 0);
        g_assert_cmpuint(g.gl_pathc, ==, 1);
        globfree(&g);
}

/* Between our transactions the WAL is empty: truncating it costs nothing. */
static void test_wal_checkpointed(Fixture *f, gconstpointer data) {
        int64_t t0 = test_utc(2026, 6, 15, 10, 0, 0);
        g_autofree char *wal = g_strconcat(f->path, "-wal", NULL);
        struct stat st;

        f->l = open_at(f->path, t0);
        add_session(f->l, t0, 900, 600);
        add_session(f->l, t0 + S(7200), 900, 600);
        g_assert_cmpint(stat(wal, &st), ==, 0);
        g_assert_cmpint(st.st_size, ==, 0);
        g_assert_cmpint(truncate(wal, 0), ==, 0);
        g_assert_cmpint(ledger_device_add(f->l, "AA:BB:CC:DD:EE:01", "x", t0), ==, 0);
        g_assert_cmpuint(ledger_wal_lost_frames(f->l), ==, 0);
        f->l = ledger_close(f->l);
        g_assert_cmpuint(sessions_on_disk(f->path), ==, 2);
}

static int backup_mode(const char *path) {
        g_autofree char *b = g_strconcat(path, ".backup", NULL);
        struct stat st;
        return stat(b, &st) < 0 ? -1 : (int) (st.st_mode & 07777);
}

/* Damaged while closed, a good backup beside it: restored, the damaged file
 * kept aside byte for byte, a "restored" event, starts held for 24 h. */
static void test_backup_restore(Fixture *f, gconstpointer data) {
        int64_t t0 = test_utc(2026, 6, 15, 10, 0, 0), t1 = t0 + S(86400);
        g_autofree char *before = NULL, *after = NULL;
        LedgerEvent *ev = NULL;
        size_t n_ev = 0;
        gsize n1, n2;

        f->l = open_at(f->path, t0);
        add_session(f->l, t0, 900, 600);
        add_session(f->l, t0 + S(7200), 900, 300);
        g_assert_cmpint(ledger_backup(f->l), ==, 0);
        g_assert_cmpuint(ledger_backup_count(f->l), ==, 1);
        g_assert_cmpint(backup_mode(f->path), ==, 0600);
        f->l = ledger_close(f->l);

        overwrite(f->path, 0, 4096, 0);         /* "file is not a database" */
        before = read_all(f->path, &n1);
        f->l = open_at(f->path, t1);
        g_assert_nonnull(ledger_broken_path(f->l));
        after = read_all(ledger_broken_path(f->l), &n2);
        g_assert_cmpmem(before, n1, after, n2);
        g_assert_cmpint(ledger_events_range(f->l, 0, INT64_MAX, &ev, &n_ev), ==, 0);
        g_assert_cmpuint(n_ev, ==, 1);
        g_assert_cmpstr(ev[0].kind, ==, "restored");
        g_assert_nonnull(strstr(ev[0].detail, ledger_broken_path(f->l)));
        ledger_event_list_free(ev, n_ev);
        {
                SafetyClock c = clk(t1 + S(23 * 3600)), d = clk(t1 + S(24 * 3600));
                g_assert_cmpint(ledger_restore_hold(f->l, &c), ==, -EAGAIN);
                g_assert_nonnull(strstr(ledger_error(f->l), "restored from its backup"));
                g_assert_cmpint(ledger_restore_hold(f->l, &d), ==, 0);
        }
        f->l = ledger_close(f->l);
        g_assert_cmpuint(sessions_on_disk(f->path), ==, 2);
}

/* No usable backup: nothing is moved, replaced or deleted, and the fix says
 * what moving the file aside would cost. */
static void test_backup_unusable(Fixture *f, gconstpointer data) {
        int64_t t0 = test_utc(2026, 6, 15, 10, 0, 0);
        g_autofree char *backup = g_strconcat(f->path, ".backup", NULL), *b1 = NULL, *d1 = NULL, *b2 = NULL,
                        *d2 = NULL, *pattern = g_strconcat(f->path, ".broken-*", NULL);
        gsize nb1, nd1, nb2, nd2;
        glob_t g;

        f->l = open_at(f->path, t0);
        add_session(f->l, t0, 900, 600);
        if (data)
                g_assert_cmpint(ledger_backup(f->l), ==, 0);
        f->l = ledger_close(f->l);
        overwrite(f->path, 0, 4096, 0);
        if (data) {
                overwrite(backup, 100, 4000, 0xff);
                b1 = read_all(backup, &nb1);
        }
        d1 = read_all(f->path, &nd1);
        assert_open_fails(f->path, -EBADMSG, "EMPTY ledger");
        assert_open_fails(f->path, -EBADMSG, "lost");
        d2 = read_all(f->path, &nd2);
        g_assert_cmpmem(d1, nd1, d2, nd2);
        if (data) {
                b2 = read_all(backup, &nb2);
                g_assert_cmpmem(b1, nb1, b2, nb2);
        }
        g_assert_cmpint(glob(pattern, 0, NULL, &g), ==, GLOB_NOMATCH);
}

/* The ledger damaged on disk under an open connection: a copy that fails its
 * check never replaces the previous, good backup. */
static void test_backup_never_broken(Fixture *f, gconstpointer data) {
        int64_t t0 = test_utc(2026, 6, 15, 10, 0, 0);
        g_autofree char *backup = g_strconcat(f->path, ".backup", NULL), *tmp = g_strconcat(backup, "-new", NULL);
        g_autofree char *b1 = NULL, *b2 = NULL;
        gsize n1, n2;

        f->l = open_at(f->path, t0);
        for (int i = 0; i < 300; i++)
                add_session(f->l, t0 - S(86400 * (i + 1)), 600, 600);
        g_assert_cmpint(ledger_backup(f->l), ==, 0);
        b1 = read_all(backup, &n1);
        overwrite(f->path, 4096 * 5 + 100, 3996, 0x55);       /* inside the cells: only a check sees it */
        (void) sqlite3_db_release_memory(ledger_db(f->l));     /* read the damaged pages, not the cache */
        g_assert_cmpint(ledger_backup(f->l), ==, -EBADMSG);
        g_assert_nonnull(strstr(ledger_error(f->l), "previous backup"));
        b2 = read_all(backup, &n2);
        g_assert_cmpmem(b1, n1, b2, n2);
        g_assert_false(g_file_test(tmp, G_FILE_TEST_EXISTS));
        g_assert_cmpint(backup_mode(f->path), ==, 0600);
}

static void test_full(Fixture *f, gconstpointer data) {
        int64_t t0 = test_utc(2026, 6, 15, 10, 0, 0);
        PolicyPlan p = test_plan(900, 0, NULL);
        sqlite3_stmt *s = NULL;
        int64_t pages, id = 0;
        char sql[64];
        int r = 0, ok = 0;
        uint32_t sessions = 0;

        f->l = open_at(f->path, t0);
        g_assert_cmpint(sqlite3_prepare_v2(ledger_db(f->l), "PRAGMA page_count", -1, &s, NULL), ==, SQLITE_OK);
        g_assert_cmpint(sqlite3_step(s), ==, SQLITE_ROW);
        pages = sqlite3_column_int64(s, 0);
        sqlite3_finalize(s);
        (void) snprintf(sql, sizeof sql, "PRAGMA max_page_count = %lld", (long long) pages + 2);
        g_assert_cmpint(sqlite3_exec(ledger_db(f->l), sql, NULL, NULL, NULL), ==, SQLITE_OK);

        for (int i = 0; i < 100000 && r == 0; i++) {
                SafetyClock c = clk(t0 + S(i));
                r = ledger_session_begin(f->l, &c, "dev", &p, &id);
                if (r == 0)
                        ok++;
        }
        g_assert_cmpint(r, ==, -ENOSPC);
        g_assert_nonnull(strstr(ledger_error(f->l), "disk is full"));
        g_assert_nonnull(strstr(ledger_error(f->l), f->path));
        /* Exactly the rows that were reported written exist; reading still works. */
        g_assert_cmpint(ledger_usage_range(f->l, t0, t0 + S(200000), &sessions, NULL), ==, 0);
        g_assert_cmpuint(sessions, ==, ok);
        g_assert_cmpint(ok, >, 0);
        policy_plan_clear(&p);
}

/* ---- migrations: a file of every earlier version opens with its rows ---- */

static void build_version(const char *path, int version) {
        Ledger l = { .path = (char *) path };
        int64_t w = test_utc(2026, 6, 15, 8, 0, 0);
        int64_t w500 = w + S(500), w3600 = w + S(3600), w4500 = w + S(4500);
        char sql[1024];

        g_assert_cmpint(sqlite3_open(path, &l.db), ==, SQLITE_OK);
        g_assert_cmpint(ledger_schema_migrate(&l, version), ==, 0);
        g_assert_cmpint(ledger_schema_version(&l), ==, version);
        if (version >= 1) {
                (void) snprintf(sql, sizeof sql,
                         "INSERT INTO devices VALUES ('AA:BB:CC:DD:EE:FF', 'old', %lld);"
                         "INSERT INTO sessions (device, program, start_wall_us, start_mono_us, boot_id, planned_s, "
                         "planned_heat_s, intensity, heat_level, plan, seconds, heat_seconds, end_wall_us, end_mono_us, "
                         "end_reason) VALUES ('AA:BB:CC:DD:EE:FF', 'gentle', %lld, 1, 'b', 600, 0, 3, 0, '', 500, 0, "
                         "%lld, 2, 'completed');"
                         "INSERT INTO sessions (device, program, start_wall_us, start_mono_us, boot_id, planned_s, "
                         "planned_heat_s, intensity, heat_level, plan, seconds, heat_seconds, end_wall_us, end_mono_us) "
                         "VALUES ('AA:BB:CC:DD:EE:FF', 'relax', %lld, 1, 'b', 900, 900, 3, 2, '', 900, 900, %lld, 2);"
                         "INSERT INTO events (wall_us, mono_us, boot_id, kind, detail) VALUES (%lld, 1, 'b', "
                         "'stop_reason', 'numbness');",
                         (long long) w, (long long) w, (long long) w500, (long long) w3600, (long long) w4500,
                         (long long) w);
                g_assert_cmpint(sqlite3_exec(l.db, sql, NULL, NULL, NULL), ==, SQLITE_OK);
        }
        if (version >= 2) {
                /* A "yes" (cleared), then all "no" without a clearance: what the
                 * old code let lift a contraindication by re-answering. */
                (void) snprintf(sql, sizeof sql,
                         "INSERT INTO screening (wall_us, mono_us, boot_id, answered, yes, cleared_wall_us) "
                         "VALUES (%lld, 1, 'b', %u, %u, %lld);"
                         "INSERT INTO screening (wall_us, mono_us, boot_id, answered, yes) VALUES (%lld, 1, 'b', %u, 0);"
                         "INSERT INTO settings VALUES ('session_minutes', 10, 'api', %lld);",
                         (long long) w, SCREENING_ALL_MASK,
                         (1u << SCREENING_PACEMAKER) | (1u << SCREENING_REDUCED_SKIN_SENSATION), (long long) w,
                         (long long) w500, SCREENING_ALL_MASK, (long long) w);
                g_assert_cmpint(sqlite3_exec(l.db, sql, NULL, NULL, NULL), ==, SQLITE_OK);
        }
        if (version >= 4)
                /* What massaged of version 4 wrote: the "yes" answers in force after each row. */
                g_assert_cmpint(sqlite3_exec(l.db, "UPDATE screening SET standing = yes WHERE id = 1;"
                                                   "UPDATE screening SET standing = (SELECT yes FROM screening "
                                                   "WHERE id = 1) WHERE id = 2;", NULL, NULL, NULL), ==, SQLITE_OK);
        sqlite3_close(l.db);
}

static void test_migrations(Fixture *f, gconstpointer data) {
        g_autofree char *parent = g_path_get_dirname(f->path);

        g_assert_cmpint(g_mkdir_with_parents(parent, 0700), ==, 0);
        for (int v = 0; v < LEDGER_SCHEMA_VERSION; v++) {
                int64_t t = test_utc(2026, 6, 15, 10, 0, 0);
                PolicyFigures fig;

                g_unlink(f->path);
                build_version(f->path, v);
                f->l = open_at(f->path, t);
                g_assert_cmpint(ledger_schema_version(f->l), ==, LEDGER_SCHEMA_VERSION);
                fig = figures_at(f->l, t);
                assert_seek(f->l);
                if (v >= 1) {
                        LedgerSession *s = NULL;
                        size_t n = 0;
                        g_assert_cmpint(ledger_device_known(f->l, "AA:BB:CC:DD:EE:FF"), ==, 1);
                        /* The open row of the old file is recovered conservatively. */
                        g_assert_cmpuint(ledger_recovered_count(f->l), ==, 1);
                        g_assert_cmpuint(fig.sessions_today, ==, 2);
                        g_assert_cmpuint(fig.seconds_today, ==, 500 + 900);
                        g_assert_cmpuint(fig.symptom_stops_7d, ==, 1);
                        g_assert_cmpint(ledger_sessions_range(f->l, 0, INT64_MAX, 0, &s, &n), ==, 0);
                        g_assert_cmpuint(n, ==, 2);
                        g_assert_cmpstr(s[1].end_reason, ==, "interrupted");
                        /* No pause recorded (schema 5): it ends at its planned end. */
                        g_assert_cmpint(s[1].end_wall_us, ==, test_utc(2026, 6, 15, 8, 0, 0) + S(4500));
                        ledger_session_list_free(s, n);
                        /* New tables work on the migrated file. */
                        g_assert_cmpint(ledger_diary_set(f->l, 1, 6, 3, "better", t), ==, 0);
                } else
                        g_assert_cmpuint(fig.sessions_today, ==, 0);
                if (v >= 2) {
                        Limits lim;
                        LimitSource src[_LIMIT_MAX] = {};
                        char **w = NULL;
                        g_assert_true(fig.screened);
                        g_assert_cmpint(fig.screening_wall_us, ==, test_utc(2026, 6, 15, 8, 0, 0) + S(500));
                        /* The "yes" answers before the all-"no" stay in force after the
                         * upgrade, and the latest submission was not cleared. */
                        g_assert_cmphex(fig.screening_yes, ==,
                                        (1u << SCREENING_PACEMAKER) | (1u << SCREENING_REDUCED_SKIN_SENSATION));
                        g_assert_false(fig.screening_cleared);
                        limits_init_default(&lim);
                        g_assert_cmpint(ledger_settings_apply(f->l, &lim, src, &w), ==, 0);
                        g_assert_null(w);
                        g_assert_cmpuint(lim.value[LIMIT_SESSION_MINUTES], ==, 10);
                        g_assert_cmpint(src[LIMIT_SESSION_MINUTES], ==, LIMIT_SOURCE_API);
                } else
                        g_assert_false(fig.screened);
                f->l = ledger_close(f->l);
        }
}

/* ---- devices, screening, events, settings, diary ---- */

static void test_devices(Fixture *f, gconstpointer data) {
        LedgerDevice *d = NULL;
        size_t n = 0;

        f->l = open_at(f->path, test_utc(2026, 6, 15, 10, 0, 0));
        g_assert_cmpint(ledger_device_known(f->l, "AA:BB:CC:DD:EE:01"), ==, 0);
        g_assert_cmpint(ledger_device_add(f->l, "AA:BB:CC:DD:EE:01", "Neck One", 5), ==, 0);
        g_assert_cmpint(ledger_device_add(f->l, "AA:BB:CC:DD:EE:02", NULL, 6), ==, 0);
        g_assert_cmpint(ledger_device_add(f->l, "AA:BB:CC:DD:EE:01", "Renamed", 7), ==, 0);
        g_assert_cmpint(ledger_device_add(f->l, "", "x", 7), ==, -EINVAL);
        g_assert_cmpint(ledger_device_known(f->l, "AA:BB:CC:DD:EE:01"), ==, 1);
        g_assert_cmpint(ledger_device_list(f->l, &d, &n), ==, 0);
        g_assert_cmpuint(n, ==, 2);
        g_assert_cmpstr(d[0].name, ==, "Renamed");
        g_assert_cmpint(d[0].added_wall_us, ==, 5);
        g_assert_cmpstr(d[1].name, ==, "");
        ledger_device_list_free(d, n);
        g_assert_cmpint(ledger_device_remove(f->l, "AA:BB:CC:DD:EE:01"), ==, 0);
        g_assert_cmpint(ledger_device_remove(f->l, "AA:BB:CC:DD:EE:01"), ==, -ENOENT);
        g_assert_cmpint(ledger_device_known(f->l, "AA:BB:CC:DD:EE:01"), ==, 0);
}

/* Record a complete submission with the "yes" answers in yes. */
static int answer_full(Ledger *l, int64_t wall_us, uint32_t yes, bool clearance, bool correction,
                       uint32_t *ret_corrected) {
        ScreeningAnswers a = { .clearance = clearance, .correction = correction };
        SafetyClock c = clk(wall_us);

        for (unsigned q = 0; q < _SCREENING_QUESTION_MAX; q++)
                g_assert_cmpint(screening_answers_set(&a, screening_question_key(q), yes & (1u << q)), ==, 0);
        return ledger_screening_record(l, &c, &a, ret_corrected);
}

static int answer(Ledger *l, int64_t wall_us, uint32_t yes, bool clearance, bool correction) {
        return answer_full(l, wall_us, yes, clearance, correction, NULL);
}

static size_t count_events(Ledger *l, const char *kind, const char *detail_has) {
        LedgerEvent *e = NULL;
        size_t n = 0, found = 0;

        g_assert_cmpint(ledger_events_range(l, 0, INT64_MAX, &e, &n), ==, 0);
        for (size_t i = 0; i < n; i++)
                if (strcmp(e[i].kind, kind) == 0 && (!detail_has || (e[i].detail && strstr(e[i].detail, detail_has))))
                        found++;
        ledger_event_list_free(e, n);
        return found;
}

static void test_screening(Fixture *f, gconstpointer data) {
        int64_t t0 = test_utc(2026, 6, 15, 10, 0, 0);
        SafetyClock c = clk(t0);
        ScreeningAnswers a = {};
        PolicyFigures fig;
        const char *missing = NULL;

        f->l = open_at(f->path, t0);
        g_assert_cmpint(ledger_screening_clear(f->l, &c), ==, -ENOENT);
        g_assert_cmpint(ledger_screening_record(f->l, &c, &a, NULL), ==, -EINVAL);
        g_assert_false(figures_at(f->l, t0).screened);

        for (unsigned q = 0; q < _SCREENING_QUESTION_MAX; q++)
                g_assert_cmpint(screening_answers_set(&a, screening_question_key(q), q == SCREENING_PACEMAKER), ==, 0);
        g_assert_cmpint(screening_answers_set(&a, "pacemaker", false), ==, -EEXIST);
        g_assert_cmpint(screening_answers_set(&a, "smoker", false), ==, -ENOENT);
        g_assert_cmpint(screening_answers_complete(&a, &missing), ==, 0);
        g_assert_cmpint(ledger_screening_record(f->l, &c, &a, NULL), ==, 0);
        fig = figures_at(f->l, t0);
        g_assert_true(fig.screened);
        g_assert_cmphex(fig.screening_yes, ==, 1u << SCREENING_PACEMAKER);
        g_assert_false(fig.screening_cleared);

        g_assert_cmpint(ledger_screening_clear(f->l, &c), ==, 0);
        g_assert_true(figures_at(f->l, t0).screening_cleared);

        /* A new submission needs its own clearance. */
        g_assert_cmpint(ledger_screening_record(f->l, &c, &a, NULL), ==, 0);
        g_assert_false(figures_at(f->l, t0).screening_cleared);
        a.clearance = true;
        g_assert_cmpint(ledger_screening_record(f->l, &c, &a, NULL), ==, 0);
        g_assert_true(figures_at(f->l, t0).screening_cleared);

        /* All "no" after the "yes": recorded as given, but the "yes" stays in
         * force (not corrected), and this submission is not cleared. */
        g_assert_cmpint(answer(f->l, t0 + S(10), 0, false, false), ==, 0);
        fig = figures_at(f->l, t0 + S(10));
        g_assert_cmpint(fig.screening_wall_us, ==, t0 + S(10));
        g_assert_cmphex(fig.screening_yes, ==, 1u << SCREENING_PACEMAKER);
        g_assert_false(fig.screening_cleared);

        /* Incomplete answers name the first missing key. */
        a = (ScreeningAnswers) {};
        g_assert_cmpint(screening_answers_set(&a, "pregnancy", false), ==, 0);
        g_assert_cmpint(screening_answers_complete(&a, &missing), ==, -ENODATA);
        g_assert_cmpstr(missing, ==, "recent_injury_or_surgery");
        g_assert_null(screening_question_help(_SCREENING_QUESTION_MAX));
        for (unsigned q = 0; q < _SCREENING_QUESTION_MAX; q++) {
                g_assert_nonnull(screening_question_text(q));
                /* Served as they are (Manager.ScreeningQuestions): a question, and a help that says what to do. */
                g_assert_true(g_str_has_suffix(screening_question_text(q), "?"));
                g_assert_true(g_str_has_suffix(screening_question_help(q), "."));
                g_assert_true(g_str_has_prefix(screening_question_help(q), "A yes blocks sessions"));
                g_assert_cmpint(screening_question_from_key(screening_question_key(q)), ==, (int) q);
        }
}

/* A "yes" stands across later submissions until a correction; a clearance
 * covers every "yes" in force; reduced skin sensation (heat off) too. */
static void test_screening_standing(Fixture *f, gconstpointer data) {
        const uint32_t pace = 1u << SCREENING_PACEMAKER, numb = 1u << SCREENING_REDUCED_SKIN_SENSATION;
        const uint32_t preg = 1u << SCREENING_PREGNANCY;
        int64_t t0 = test_utc(2026, 6, 15, 10, 0, 0);
        PolicyFigures fig;

        f->l = open_at(f->path, t0);
        g_assert_cmpint(answer(f->l, t0, pace | numb, false, false), ==, 0);
        g_assert_cmpint(answer(f->l, t0 + S(1), preg, false, false), ==, 0);
        fig = figures_at(f->l, t0 + S(1));
        g_assert_cmphex(fig.screening_yes, ==, pace | numb | preg);
        g_assert_false(fig.screening_cleared);

        /* A clearance given with all "no" covers all three; they stay in force. */
        g_assert_cmpint(answer(f->l, t0 + S(2), 0, true, false), ==, 0);
        fig = figures_at(f->l, t0 + S(2));
        g_assert_cmphex(fig.screening_yes, ==, pace | numb | preg);
        g_assert_true(fig.screening_cleared);
        g_assert_cmpuint(count_events(f->l, "clearance", NULL), ==, 1);

        /* The 6-monthly screening all "no" without a clearance: not cleared any more. */
        g_assert_cmpint(answer(f->l, t0 + S(3), 0, false, false), ==, 0);
        fig = figures_at(f->l, t0 + S(3));
        g_assert_cmphex(fig.screening_yes, ==, pace | numb | preg);
        g_assert_false(fig.screening_cleared);
        g_assert_cmpuint(count_events(f->l, "screening_correction", NULL), ==, 0);
}

/* A correction replaces the answers in force, records which "yes" it turned
 * into "no" (row and event), and only those. */
static void test_screening_correction(Fixture *f, gconstpointer data) {
        const uint32_t pace = 1u << SCREENING_PACEMAKER, numb = 1u << SCREENING_REDUCED_SKIN_SENSATION;
        const uint32_t preg = 1u << SCREENING_PREGNANCY;
        int64_t t0 = test_utc(2026, 6, 15, 10, 0, 0);
        uint32_t corrected = 0xff;
        PolicyFigures fig;

        f->l = open_at(f->path, t0);
        /* Nothing in force: a correction corrects nothing and writes no event. */
        g_assert_cmpint(answer_full(f->l, t0, 0, false, true, &corrected), ==, 0);
        g_assert_cmphex(corrected, ==, 0);
        g_assert_cmpuint(count_events(f->l, "screening_correction", NULL), ==, 0);

        g_assert_cmpint(answer(f->l, t0 + S(1), pace | numb, true, false), ==, 0);
        /* pacemaker was a mistake; reduced sensation and (new) pregnancy hold. */
        g_assert_cmpint(answer_full(f->l, t0 + S(2), numb | preg, false, true, &corrected), ==, 0);
        g_assert_cmphex(corrected, ==, pace);
        fig = figures_at(f->l, t0 + S(2));
        g_assert_cmphex(fig.screening_yes, ==, numb | preg);
        g_assert_false(fig.screening_cleared);
        g_assert_cmpuint(count_events(f->l, "screening_correction", "corrected from yes to no: pacemaker"), ==, 1);

        /* Correcting reduced skin sensation too (heat allowed again) needs the same explicit act. */
        g_assert_cmpint(answer_full(f->l, t0 + S(3), 0, false, true, &corrected), ==, 0);
        g_assert_cmphex(corrected, ==, numb | preg);
        fig = figures_at(f->l, t0 + S(3));
        g_assert_cmphex(fig.screening_yes, ==, 0);
        g_assert_cmpuint(count_events(f->l, "screening_correction",
                                      "corrected from yes to no: pregnancy,reduced_skin_sensation"), ==, 1);
        g_assert_cmpuint(count_events(f->l, "screening", NULL), ==, 4);
}

static void test_thermal_events(Fixture *f, gconstpointer data) {
        int64_t t0 = test_utc(2026, 6, 15, 10, 0, 0);
        SafetyClock c;
        PolicyFigures fig;

        f->l = open_at(f->path, t0);
        c = clk(t0);
        g_assert_cmpint(ledger_event_add(f->l, &c, LEDGER_EVENT_THERMAL_TRIP, "dev", "45.2 °C"), ==, 0);
        fig = figures_at(f->l, t0 + S(60));
        g_assert_true(fig.thermal_locked);
        g_assert_cmpint(fig.last_trip_wall_us, ==, t0);
        g_assert_false(fig.heat_disabled);

        c = clk(t0 + S(600));
        g_assert_cmpint(ledger_event_add(f->l, &c, LEDGER_EVENT_THERMAL_ACK, "dev", NULL), ==, 0);
        fig = figures_at(f->l, t0 + S(660));
        g_assert_false(fig.thermal_locked);

        /* A second trip 25 h later: locked, but not two within 24 h. */
        c = clk(t0 + S(25 * 3600));
        g_assert_cmpint(ledger_event_add(f->l, &c, LEDGER_EVENT_THERMAL_TRIP, "dev", NULL), ==, 0);
        fig = figures_at(f->l, t0 + S(25 * 3600 + 60));
        g_assert_true(fig.thermal_locked);
        g_assert_false(fig.heat_disabled);

        /* A third, 24 h after the second exactly: two in 24 h → heat disabled. */
        c = clk(t0 + S(25 * 3600 + 600));
        g_assert_cmpint(ledger_event_add(f->l, &c, LEDGER_EVENT_THERMAL_ACK, "dev", NULL), ==, 0);
        c = clk(t0 + S(49 * 3600));
        g_assert_cmpint(ledger_event_add(f->l, &c, LEDGER_EVENT_THERMAL_TRIP, "dev", NULL), ==, 0);
        fig = figures_at(f->l, t0 + S(49 * 3600 + 60));
        g_assert_true(fig.heat_disabled);
        c = clk(t0 + S(49 * 3600 + 600));
        g_assert_cmpint(ledger_event_add(f->l, &c, LEDGER_EVENT_THERMAL_ACK, "dev", NULL), ==, 0);
        fig = figures_at(f->l, t0 + S(49 * 3600 + 660));
        g_assert_false(fig.thermal_locked);
        g_assert_true(fig.heat_disabled);       /* the acknowledgement does not re-enable heat */
        g_assert_cmpint(ledger_event_add(f->l, &c, LEDGER_EVENT_HEAT_RESET, NULL, NULL), ==, 0);
        fig = figures_at(f->l, t0 + S(49 * 3600 + 700));
        g_assert_false(fig.heat_disabled);

        g_assert_cmpint(ledger_event_add(f->l, &c, _LEDGER_EVENT_MAX, NULL, NULL), ==, -EINVAL);
        /* The pad that tripped, for the acknowledgement: the latest unacknowledged trip's device. */
        c = clk(t0 + S(50 * 3600));
        g_assert_cmpint(ledger_event_add(f->l, &c, LEDGER_EVENT_THERMAL_TRIP, "AA:AA:AA:AA:AA:01", NULL), ==, 0);
        fig = figures_at(f->l, t0 + S(50 * 3600 + 60));
        g_assert_true(fig.thermal_locked);
        g_assert_cmpstr(fig.last_trip_device, ==, "AA:AA:AA:AA:AA:01");
        for (unsigned k = 0; k < _LEDGER_EVENT_MAX; k++)
                g_assert_cmpint(ledger_event_kind_from_string(ledger_event_kind_to_string(k)), ==, (int) k);
}

static void test_symptom_stops(Fixture *f, gconstpointer data) {
        int64_t t0 = test_utc(2026, 6, 15, 10, 0, 0);
        PolicyFigures fig;
        char advice[POLICY_MESSAGE_MAX];

        f->l = open_at(f->path, t0);
        add_session_full(f->l, t0, 900, 120, 0, POLICY_END_NUMBNESS, NULL);
        fig = figures_at(f->l, t0 + S(200));
        g_assert_cmpuint(fig.symptom_stops_7d, ==, 1);
        g_assert_true(fig.has_symptom_stop);
        g_assert_cmpint(fig.last_symptom_wall_us, ==, t0 + S(120));
        g_assert_false(policy_symptom_advice_due(&fig, advice, sizeof advice));

        add_session_full(f->l, t0 + S(2 * 86400), 900, 60, 0, POLICY_END_DIZZINESS, NULL);
        fig = figures_at(f->l, t0 + S(2 * 86400 + 100));
        g_assert_cmpuint(fig.symptom_stops_7d, ==, 2);
        g_assert_true(policy_symptom_advice_due(&fig, advice, sizeof advice));

        /* A user stop is not a symptom. */
        add_session_full(f->l, t0 + S(3 * 86400), 900, 60, 0, POLICY_END_USER, NULL);
        g_assert_cmpuint(figures_at(f->l, t0 + S(3 * 86400 + 100)).symptom_stops_7d, ==, 2);
        /* Eight days after the first, only the second is within 7 days. */
        g_assert_cmpuint(figures_at(f->l, t0 + S(8 * 86400)).symptom_stops_7d, ==, 1);
}

/* StopWithReason after the session ended: the symptom is recorded anyway
 * (the 24 h cap follows from it), attached to that device's last session
 * when it ended within the window. */
static void test_symptom_after_session(Fixture *f, gconstpointer data) {
        int64_t t0 = test_utc(2026, 6, 15, 10, 0, 0), id, got = -1;
        const uint64_t window = 60 * USEC_PER_MIN;
        PolicyFigures fig;
        SafetyClock c;
        LedgerEvent *e = NULL;
        size_t n = 0;

        f->l = open_at(f->path, t0);
        id = add_session_full(f->l, t0, 900, 120, 0, POLICY_END_USER, NULL);
        fig = figures_at(f->l, t0 + S(130));
        g_assert_false(fig.has_symptom_stop);

        c = clk(t0 + S(130));
        g_assert_cmpint(ledger_symptom_report(f->l, &c, "AA:BB:CC:DD:EE:FF", POLICY_END_DIZZINESS, window, &got),
                        ==, 0);
        g_assert_cmpint(got, ==, id);
        fig = figures_at(f->l, t0 + S(140));
        g_assert_true(fig.has_symptom_stop);
        g_assert_cmpint(fig.last_symptom_wall_us, ==, t0 + S(130));
        g_assert_cmpuint(fig.symptom_stops_7d, ==, 1);
        g_assert_cmpint(ledger_events_range(f->l, t0, t0 + S(200), &e, &n), ==, 0);
        g_assert_cmpuint(n, ==, 1);
        g_assert_cmpstr(e[0].kind, ==, "stop_reason");
        g_assert_cmpstr(e[0].device, ==, "AA:BB:CC:DD:EE:FF");
        g_assert_nonnull(strstr(e[0].detail, "dizziness"));
        g_assert_nonnull(strstr(e[0].detail, "10 s after session"));
        ledger_event_list_free(e, n);

        /* Outside the window (or another device, with no session): still recorded, unattached. */
        c = clk(t0 + S(3 * 3600));
        g_assert_cmpint(ledger_symptom_report(f->l, &c, "AA:BB:CC:DD:EE:FF", POLICY_END_TINGLING, window, &got),
                        ==, 0);
        g_assert_cmpint(got, ==, 0);
        g_assert_cmpint(ledger_symptom_report(f->l, &c, "11:22:33:44:55:66", POLICY_END_NUMBNESS, window, &got),
                        ==, 0);
        g_assert_cmpint(got, ==, 0);
        fig = figures_at(f->l, t0 + S(3 * 3600 + 1));
        g_assert_cmpuint(fig.symptom_stops_7d, ==, 3);
        g_assert_cmpint(fig.last_symptom_wall_us, ==, t0 + S(3 * 3600));

        /* Only symptom reasons. */
        g_assert_cmpint(ledger_symptom_report(f->l, &c, "AA:BB:CC:DD:EE:FF", POLICY_END_USER, window, &got),
                        ==, -EINVAL);
}

/* The rolling 24 h do not depend on the time zone: three sessions just after
 * local midnight in one zone lie "yesterday" in a zone an hour west, and
 * still count in the last 24 hours. */
static void test_figures_rolling(Fixture *f, gconstpointer data) {
        int64_t t0 = test_utc(2026, 6, 15, 22, 10, 0);   /* 00:10 CEST (the tests' Europe/Berlin) */
        PolicyFigures fig;

        f->l = open_at(f->path, t0);
        add_session(f->l, t0, 900, 900);
        add_session(f->l, t0 + S(3600), 900, 600);
        add_session_full(f->l, t0 + S(7200), 900, 300, 120, POLICY_END_USER, NULL);
        fig = figures_at(f->l, t0 + S(3 * 3600));
        g_assert_cmpuint(fig.sessions_today, ==, 3);
        g_assert_cmpuint(fig.sessions_24h, ==, 3);
        g_assert_cmpuint(fig.seconds_24h, ==, 1800);
        g_assert_cmpuint(fig.heat_seconds_24h, ==, 120);
        g_assert_cmpuint(fig.n_starts_24h, ==, 3);
        g_assert_cmpint(fig.starts_24h[0], ==, t0 + S(7200));
        g_assert_cmpint(fig.starts_24h[2], ==, t0);
        g_assert_cmpuint(fig.n_rolling, ==, 3);
        g_assert_cmpint(fig.rolling[0].end_wall_us, ==, t0 + S(7200 + 300));
        g_assert_cmpint(fig.rolling[2].end_wall_us, ==, t0 + S(900));
        g_assert_cmpuint(fig.rolling[2].seconds, ==, 900);

        /* Three hours west (UTC-1, as TZ=Etc/GMT+1): local midnight moves past all three. */
        g_assert_cmpint(setenv("TZ", "XXX+1", 1), ==, 0);
        tzset();
        fig = figures_at(f->l, t0 + S(3 * 3600));
        g_assert_cmpint(setenv("TZ", "Europe/Berlin", 1), ==, 0);
        tzset();
        g_assert_cmpuint(fig.sessions_today, ==, 0);
        g_assert_cmpuint(fig.seconds_today, ==, 0);
        g_assert_cmpuint(fig.sessions_24h, ==, 3);
        g_assert_cmpuint(fig.seconds_24h, ==, 1800);

        /* A session reaching in from before the window counts its part inside. */
        fig = figures_at(f->l, t0 + S(86400 + 300));
        g_assert_cmpuint(fig.sessions_24h, ==, 2);
        g_assert_cmpuint(fig.seconds_24h, ==, 600 + 600 + 300);
        g_assert_cmpuint(fig.n_rolling, ==, 3);
}

static void test_settings(Fixture *f, gconstpointer data) {
        Limits lim;
        LimitSource src[_LIMIT_MAX] = {};
        char **w = NULL;

        f->l = open_at(f->path, test_utc(2026, 6, 15, 10, 0, 0));
        g_assert_cmpint(ledger_setting_set(f->l, LIMIT_SESSION_MINUTES, 12, LIMIT_SOURCE_API, 1), ==, 0);
        g_assert_cmpint(ledger_setting_set(f->l, LIMIT_SESSION_MINUTES, 21, LIMIT_SOURCE_API, 1), ==, -ERANGE);
        g_assert_nonnull(strstr(ledger_error(f->l), "out of range [1, 20]"));
        g_assert_cmpint(ledger_setting_set(f->l, LIMIT_REST_MINUTES, 45, LIMIT_SOURCE_API, 1), ==, 0);
        /* Rows a newer or tampered ledger might hold. */
        g_assert_cmpint(sqlite3_exec(ledger_db(f->l),
                                     "INSERT INTO settings VALUES ('future_limit', 1, 'api', 1);"
                                     "INSERT INTO settings VALUES ('daily_minutes', 999, 'api', 1);",
                                     NULL, NULL, NULL), ==, SQLITE_OK);
        limits_init_default(&lim);
        g_assert_cmpint(ledger_settings_apply(f->l, &lim, src, &w), ==, 0);
        g_assert_cmpuint(lim.value[LIMIT_SESSION_MINUTES], ==, 12);
        g_assert_cmpuint(lim.value[LIMIT_REST_MINUTES], ==, 45);
        g_assert_cmpuint(lim.value[LIMIT_DAILY_MINUTES], ==, 60);       /* clamped to the hard limit */
        g_assert_cmpint(src[LIMIT_SESSION_MINUTES], ==, LIMIT_SOURCE_API);
        g_assert_cmpint(src[LIMIT_DAILY_SESSIONS], ==, LIMIT_SOURCE_DEFAULT);
        g_assert_nonnull(w);
        g_assert_nonnull(strstr(w[0], "daily_minutes = 999 out of range"));
        g_assert_nonnull(strstr(w[1], "\"future_limit\" is unknown"));
        g_assert_null(w[2]);
        program_strv_free(w);
        g_assert_cmpint(ledger_setting_delete(f->l, LIMIT_SESSION_MINUTES), ==, 0);
        g_assert_cmpint(ledger_setting_delete(f->l, LIMIT_SESSION_MINUTES), ==, -ENOENT);
}

static void test_diary(Fixture *f, gconstpointer data) {
        int64_t t0 = test_utc(2026, 6, 15, 10, 0, 0);
        LedgerDiarySummary *s = NULL;
        LedgerSession *list = NULL;
        size_t n = 0;
        int64_t a, b, c, d;

        f->l = open_at(f->path, t0);
        a = add_session_full(f->l, t0, 600, 600, 0, POLICY_END_COMPLETED, "gentle");
        b = add_session_full(f->l, t0 + S(86400), 600, 600, 0, POLICY_END_COMPLETED, "gentle");
        c = add_session_full(f->l, t0 + S(2 * 86400), 600, 600, 300, POLICY_END_COMPLETED, "relax");
        d = add_session_full(f->l, t0 + S(3 * 86400), 600, 600, 0, POLICY_END_COMPLETED, "relax");

        g_assert_cmpint(ledger_diary_set(f->l, a, 6, 4, "after work", t0), ==, 0);
        g_assert_cmpint(ledger_diary_set(f->l, b, 7, 3, NULL, t0), ==, 0);
        g_assert_cmpint(ledger_diary_set(f->l, c, 5, 4, "warm", t0), ==, 0);
        g_assert_cmpint(ledger_diary_set(f->l, d, 5, -1, "forgot", t0), ==, 0);  /* no "after": not summarised */
        g_assert_cmpint(ledger_diary_set(f->l, a, 11, 4, NULL, t0), ==, -ERANGE);
        g_assert_cmpint(ledger_diary_set(f->l, a, 3, -2, NULL, t0), ==, -ERANGE);
        g_assert_cmpint(ledger_diary_set(f->l, 9999, 3, 2, NULL, t0), ==, -ENOENT);
        {
                static char big[5000];
                memset(big, 'x', sizeof big - 1);
                g_assert_cmpint(ledger_diary_set(f->l, a, 3, 2, big, t0), ==, -E2BIG);
        }
        /* Replacing an entry. */
        g_assert_cmpint(ledger_diary_set(f->l, a, 6, 4, "after work, again", t0), ==, 0);

        g_assert_cmpint(ledger_diary_summary(f->l, t0, t0 + S(4 * 86400), &s, &n), ==, 0);
        g_assert_cmpuint(n, ==, 2);
        g_assert_cmpstr(s[0].program, ==, "gentle");
        g_assert_false(s[0].heat);
        g_assert_cmpuint(s[0].entries, ==, 2);
        g_assert_cmpfloat_with_epsilon(s[0].mean_change, -3.0, 1e-9);
        g_assert_cmpstr(s[1].program, ==, "relax");
        g_assert_true(s[1].heat);
        g_assert_cmpuint(s[1].entries, ==, 1);
        g_assert_cmpfloat_with_epsilon(s[1].mean_change, -1.0, 1e-9);
        ledger_diary_summary_free(s, n);

        g_assert_cmpint(ledger_sessions_range(f->l, t0, t0 + S(1), 0, &list, &n), ==, 0);
        g_assert_cmpuint(n, ==, 1);
        g_assert_cmpint(list[0].pain_before, ==, 6);
        g_assert_cmpint(list[0].pain_after, ==, 4);
        g_assert_cmpstr(list[0].note, ==, "after work, again");
        ledger_session_list_free(list, n);
}

/* ---- 100k sessions ---- */

static void test_100k(Fixture *f, gconstpointer data) {
        const int N = 100000, STEP = 315;       /* one session every 315 s: ~1 year */
        int64_t base = test_utc(2025, 6, 15, 10, 0, 0), end = base + S((int64_t) N * STEP), t, ts;
        sqlite3_stmt *ins = NULL;
        LedgerSession *list = NULL;
        LedgerDayUsage *days = NULL;
        PolicyFigures fig;
        uint32_t sessions = 0;
        uint64_t seconds = 0;
        size_t n = 0;
        sqlite3 *db;

        f->l = open_at(f->path, base);
        db = ledger_db(f->l);
        g_assert_cmpint(sqlite3_exec(db, "BEGIN", NULL, NULL, NULL), ==, SQLITE_OK);
        g_assert_cmpint(sqlite3_prepare_v2(db,
                "INSERT INTO sessions (device, program, start_wall_us, start_mono_us, boot_id, planned_s, planned_heat_s, "
                "intensity, heat_level, plan, seconds, heat_seconds, end_wall_us, end_mono_us, end_reason) "
                "VALUES ('AA:BB:CC:DD:EE:FF', 'gentle', ?1, 0, 'old', 300, 0, 3, 0, '', 300, 0, ?1 + 300000000, 0, "
                "'completed')", -1, &ins, NULL), ==, SQLITE_OK);
        for (int i = 0; i < N; i++) {
                sqlite3_reset(ins);
                sqlite3_bind_int64(ins, 1, base + S((int64_t) i * STEP));
                g_assert_cmpint(sqlite3_step(ins), ==, SQLITE_DONE);
        }
        sqlite3_finalize(ins);
        g_assert_cmpint(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL), ==, SQLITE_OK);

        /* Figures for the policy at the end of the history. */
        t = g_get_monotonic_time();
        fig = figures_at(f->l, end);
        t = g_get_monotonic_time() - t;
        /* The last 7 local days hold ~1920 sessions of 300 s; exact: count starts ≥ week start. */
        {
                int64_t first = (fig.clock.week_start_us - base + S(STEP) - 1) / S(STEP);
                uint64_t expect_sessions = (uint64_t) (N - first);
                g_assert_cmpuint(fig.seconds_week, >=, expect_sessions * 300);
                g_assert_cmpuint(fig.seconds_week, <=, expect_sessions * 300 + 300);
                g_assert_cmpuint(fig.days_used_week, ==, 7);
        }
        g_assert_true(fig.has_last_end);
        g_assert_cmpint(fig.last_end_wall_us, ==, base + S((int64_t) (N - 1) * STEP + 300));
        printf("# 100k sessions: ledger_figures (everything the policy needs) took %.3f ms\n", t / 1000.0);

        /* One day's usage. */
        t = g_get_monotonic_time();
        g_assert_cmpint(ledger_usage_range(f->l, base, base + S(86400), &sessions, &seconds), ==, 0);
        t = g_get_monotonic_time() - t;
        g_assert_cmpuint(sessions, ==, (86400 + STEP - 1) / STEP);
        /* Overlap with the range: the last session is cut at its end. */
        g_assert_cmpuint(seconds, ==, (uint64_t) (sessions - 1) * 300 + MIN(300, 86400 - (sessions - 1) * STEP));
        printf("# 100k sessions: usage in a 24 h range took %.3f ms\n", t / 1000.0);

        /* A week of history rows (what History.Sessions returns). */
        ts = base + S(200 * 86400);
        t = g_get_monotonic_time();
        g_assert_cmpint(ledger_sessions_range(f->l, ts, ts + S(7 * 86400), 0, &list, &n), ==, 0);
        t = g_get_monotonic_time() - t;
        g_assert_cmpuint(n, >=, 7 * 86400 / STEP);
        g_assert_cmpuint(n, <=, 7 * 86400 / STEP + 1);
        for (size_t i = 0; i < n; i++) {
                g_assert_cmpint(list[i].start_wall_us, >=, ts);
                g_assert_cmpint(list[i].start_wall_us, <, ts + S(7 * 86400));
                g_assert_cmpuint(list[i].seconds, ==, 300);
        }
        ledger_session_list_free(list, n);
        printf("# 100k sessions: %zu sessions of a 7-day range took %.3f ms\n", n, t / 1000.0);

        /* 30 days of per-day usage. */
        t = g_get_monotonic_time();
        g_assert_cmpint(ledger_usage_per_day(f->l, ts, ts + S(30 * 86400), &days, &n), ==, 0);
        t = g_get_monotonic_time() - t;
        g_assert_cmpuint(n, >=, 30);
        g_assert_cmpuint(n, <=, 31);
        {
                uint32_t total = 0;
                for (size_t i = 0; i < n; i++) {
                        total += days[i].sessions;
                        if (i > 0 && i + 1 < n)
                                g_assert_cmpuint(days[i].sessions, >=, 23 * 3600 / STEP);
                }
                g_assert_cmpuint(total, >, 30 * 86400 / STEP - 300);
        }
        free(days);
        printf("# 100k sessions: usage per day for 30 days took %.3f ms\n", t / 1000.0);

        /* Last session end. */
        t = g_get_monotonic_time();
        g_assert_cmpint(ledger_last_session_end(f->l, &ts), ==, 0);
        t = g_get_monotonic_time() - t;
        g_assert_cmpint(ts, ==, base + S((int64_t) (N - 1) * STEP + 300));
        printf("# 100k sessions: last session end took %.3f ms\n", t / 1000.0);

        /* Opening runs the integrity check over the whole file: the daemon's start-up cost. */
        f->l = ledger_close(f->l);
        t = g_get_monotonic_time();
        f->l = open_at(f->path, end);
        t = g_get_monotonic_time() - t;
        g_assert_cmpuint(ledger_recovered_count(f->l), ==, 0);
        printf("# 100k sessions: ledger_open (integrity check, migrations, recovery) took %.3f ms\n", t / 1000.0);
}

static void test_default_path(void) {
        g_autofree char *p = NULL;

        g_assert_cmpint(setenv("XDG_STATE_HOME", "/tmp/xdg-state", 1), ==, 0);
        p = ledger_default_path();
        g_assert_cmpstr(p, ==, "/tmp/xdg-state/massaged/usage.db");
        g_free(p);
        g_assert_cmpint(setenv("XDG_STATE_HOME", "relative", 1), ==, 0);
        g_assert_cmpint(setenv("HOME", "/home/u", 1), ==, 0);
        p = ledger_default_path();
        g_assert_cmpstr(p, ==, "/home/u/.local/state/massaged/usage.db");
}

#define ADD(path, fn) g_test_add(path, Fixture, NULL, fixture_setup, fn, fixture_teardown)

int main(int argc, char *argv[]) {
        test_set_tz();
        g_test_init(&argc, &argv, NULL);
        ADD("/ledger/create", test_create);
        ADD("/ledger/session/rows", test_session_rows);
        ADD("/ledger/session/end-wall-jump", test_session_end_wall_jump);
        ADD("/ledger/figures/day-boundary", test_day_boundary);
        ADD("/ledger/figures/dst", test_dst);
        ADD("/ledger/figures/clock-jumps", test_clock_jumps);
        ADD("/ledger/figures/last-end-backward-step", test_last_end_backward_step);
        ADD("/ledger/figures/last-end-indexed", test_last_end_indexed);
        ADD("/ledger/figures/indexed", test_figures_indexed);
        ADD("/ledger/figures/open-session-counts", test_open_session_counts);
        ADD("/ledger/session/resume-moves-end", test_session_resume);
        ADD("/ledger/session/pause-bound-recovered", test_session_pause_bound);
        ADD("/ledger/session/pause-resume-clears-bound", test_session_pause_resume);
        ADD("/ledger/session/pause-timeout-end", test_session_pause_timeout);
        ADD("/ledger/recovery/sigkill", test_recovery_sigkill);
        ADD("/ledger/fail-closed/corrupt-garbage", test_corrupt_garbage);
        ADD("/ledger/fail-closed/corrupt-page", test_corrupt_page);
        ADD("/ledger/fail-closed/newer-version", test_newer_version);
        ADD("/ledger/fail-closed/not-a-file", test_not_a_file);
        ADD("/ledger/fail-closed/read-only", test_read_only);
        ADD("/ledger/fail-closed/full", test_full);
        g_test_add("/ledger/file/deleted", Fixture, NULL, fixture_setup, test_file_deleted, fixture_teardown);
        g_test_add("/ledger/file/deleted-db-only", Fixture, "db", fixture_setup, test_file_deleted, fixture_teardown);
        ADD("/ledger/file/sidecars-deleted", test_file_sidecars_deleted);
        ADD("/ledger/file/no-shm", test_file_no_shm);
        ADD("/ledger/file/replaced", test_file_replaced);
        ADD("/ledger/wal/truncated", test_wal_damaged);
        g_test_add("/ledger/wal/zeroed", Fixture, "zero", fixture_setup, test_wal_damaged, fixture_teardown);
        ADD("/ledger/wal/checkpointed", test_wal_checkpointed);
        ADD("/ledger/backup/restore", test_backup_restore);
        ADD("/ledger/backup/none", test_backup_unusable);
        g_test_add("/ledger/backup/damaged-too", Fixture, "backup", fixture_setup, test_backup_unusable,
                   fixture_teardown);
        ADD("/ledger/backup/never-broken", test_backup_never_broken);
        ADD("/ledger/migrations", test_migrations);
        ADD("/ledger/devices", test_devices);
        ADD("/ledger/screening", test_screening);
        ADD("/ledger/screening/standing", test_screening_standing);
        ADD("/ledger/screening/correction", test_screening_correction);
        ADD("/ledger/thermal-events", test_thermal_events);
        ADD("/ledger/symptom-after-session", test_symptom_after_session);
        ADD("/ledger/figures/rolling-24h", test_figures_rolling);
        ADD("/ledger/symptom-stops", test_symptom_stops);
        ADD("/ledger/settings", test_settings);
        ADD("/ledger/diary", test_diary);
        ADD("/ledger/100k-sessions", test_100k);
        g_test_add_func("/ledger/default-path", test_default_path);
        return g_test_run();
}

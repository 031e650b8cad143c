/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The figures ledger_figures() keeps in memory (ledger-figures-cache.c): a
 * write drops them, repeated reads do not touch the file, and across random
 * writes, clock moves (forward, back, across DST, a wall clock the
 * monotonic clock does not vouch for) and zone changes they always equal
 * what ledger_figures_uncached() reads from the file.
 */

#include "config.h"

#include <glib.h>
#include <unistd.h>

#include "ledger-internal.h"
#include "safety-test-util.h"

static const int64_t MONO_OFFSET = INT64_C(1) << 50;

static SafetyClock clock_at(int64_t wall, uint64_t mono) {
        SafetyClock c;
        g_assert_cmpint(safety_clock_make(wall, mono, TEST_BOOT, &c), ==, 0);
        return c;
}

static SafetyClock clk(int64_t wall) {
        return clock_at(wall, (uint64_t) (wall - test_utc(2020, 1, 1, 0, 0, 0) + MONO_OFFSET));
}

static PolicyFigures checked(Ledger *l, const SafetyClock *c) {
        PolicyFigures cached, fresh;

        g_assert_cmpint(ledger_figures(l, c, &cached), ==, 0);
        g_assert_cmpint(ledger_figures_uncached(l, c, &fresh), ==, 0);
        test_assert_figures_equal(&cached, &fresh);
        return cached;
}

static PolicyPlan plan(uint32_t seconds, uint32_t heat_s) {
        static const uint32_t sec[] = { 60 };
        static const uint8_t pct[] = { 100 }, pat[] = { MASSAGER_PATTERN_STEADY };
        PolicyPlan p = { .session_s = seconds, .intensity = 3, .intensity_cap = 10 };
        TestProgram tp;

        p.program = program_dup(test_program(&tp, "gentle", false, heat_s > 0, 1, sec, pct, pat));
        p.heat_level = heat_s ? 1 : 0;
        p.heat_budget_s = heat_s;
        p.steps = calloc(1, sizeof *p.steps);
        p.steps[0] = (PolicyStep) { 0, seconds, 3, 0, heat_s ? 1 : 0 };
        p.n_steps = 1;
        return p;
}

typedef struct Fixture {
        char *dir, *path;
        Ledger *l;
} Fixture;

static void fixture_setup(Fixture *f, gconstpointer data) {
        f->dir = g_dir_make_tmp("massaged-figures-XXXXXX", NULL);
        g_assert_nonnull(f->dir);
        f->path = g_build_filename(f->dir, "usage.db", NULL);
}

static void fixture_teardown(Fixture *f, gconstpointer data) {
        g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", f->dir);

        ledger_close(f->l);
        g_assert_cmpint(system(cmd), ==, 0);
        g_free(f->dir);
        g_free(f->path);
}

static void open_ledger(Fixture *f, int64_t wall) {
        g_autofree char *err = NULL;
        SafetyClock c = clk(wall);

        if (ledger_open(f->path, &c, &f->l, &err) < 0)
                g_error("ledger_open: %s", err);
}

/* Kept figures answer repeated reads; a session's end drops them and shows. */
static void test_write_invalidates(Fixture *f, gconstpointer data) {
        int64_t t0 = test_utc(2026, 6, 15, 10, 0, 0), id = 0;
        PolicyPlan p = plan(900, 0);
        SafetyClock c = clk(t0);
        LedgerFiguresCacheStats before, after;
        PolicyFigures fig;

        open_ledger(f, t0);
        g_assert_cmpint(ledger_session_begin(f->l, &c, "AA:BB:CC:DD:EE:FF", &p, &id), ==, 0);
        c = clk(t0 + S(60));
        fig = checked(f->l, &c);
        g_assert_cmpuint(fig.sessions_open, ==, 1);
        g_assert_cmpuint(fig.seconds_today, ==, 900);   /* planned while open */

        /* Read again, a minute later: nothing read from the file. */
        before = ledger_figures_cache_stats(f->l);
        c = clk(t0 + S(120));
        g_assert_cmpint(ledger_figures(f->l, &c, &fig), ==, 0);
        after = ledger_figures_cache_stats(f->l);
        g_assert_cmpuint(after.stable_reads, ==, before.stable_reads);
        g_assert_cmpuint(after.day_reads, ==, before.day_reads);
        g_assert_cmpuint(after.row_reads, ==, before.row_reads);
        g_assert_cmpuint(fig.seconds_24h, ==, 900);

        /* The end is a write: the next figures read it. */
        g_assert_cmpint(ledger_session_end(f->l, id, &c, 120, 0, POLICY_END_USER), ==, 0);
        fig = checked(f->l, &c);
        g_assert_cmpuint(fig.sessions_open, ==, 0);
        g_assert_cmpuint(fig.seconds_today, ==, 120);
        g_assert_cmpuint(fig.seconds_24h, ==, 120);
        g_assert_cmpuint(ledger_figures_cache_stats(f->l).stable_reads, >, after.stable_reads);
        policy_plan_clear(&p);
}

static const char *const zones[] = { "Europe/Berlin", "UTC", "America/New_York", "Asia/Kolkata" };

/* Random writes and clock moves; kept and fresh figures agree at every step. */
static void test_property(Fixture *f, gconstpointer data) {
        int64_t wall = test_utc(2026, 3, 20, 8, 0, 0);     /* DST in Europe on 29 March */
        uint64_t mono = (uint64_t) (wall - test_utc(2020, 1, 1, 0, 0, 0) + MONO_OFFSET);
        int64_t open_id = 0;
        GRand *rand = g_rand_new_with_seed(18);
        unsigned hits = 0;

        open_ledger(f, wall);
        for (unsigned step = 0; step < 1500; step++) {
                SafetyClock c = clock_at(wall, mono);
                LedgerFiguresCacheStats before;
                PolicyFigures fig;
                int64_t dt;

                switch (g_rand_int_range(rand, 0, 12)) {
                case 0: case 1: case 2:
                        if (!open_id) {
                                PolicyPlan p = plan((uint32_t) g_rand_int_range(rand, 60, 1800),
                                                    (uint32_t) g_rand_int_range(rand, 0, 2) * 300);
                                g_assert_cmpint(ledger_session_begin(f->l, &c, "AA:BB:CC:DD:EE:FF", &p, &open_id), ==, 0);
                                policy_plan_clear(&p);
                        } else {
                                uint32_t s = (uint32_t) g_rand_int_range(rand, 0, 1800);
                                g_assert_cmpint(ledger_session_end(f->l, open_id, &c, s, s / 3,
                                                                   g_rand_boolean(rand) ? POLICY_END_USER
                                                                                        : POLICY_END_PAIN_RISING),
                                                ==, 0);
                                open_id = 0;
                        }
                        break;
                case 3:
                        g_assert_cmpint(ledger_event_add(f->l, &c, g_rand_boolean(rand) ? LEDGER_EVENT_THERMAL_TRIP
                                                                                       : LEDGER_EVENT_THERMAL_ACK,
                                                         "AA:BB:CC:DD:EE:FF", NULL), ==, 0);
                        break;
                case 4: {
                        int64_t sid = 0;
                        g_assert_cmpint(ledger_symptom_report(f->l, &c, "AA:BB:CC:DD:EE:FF", POLICY_END_DIZZINESS,
                                                              USEC_PER_HOUR, &sid), ==, 0);
                        break;
                }
                case 5:
                        /* A zone change (TZ): the day figures follow it. */
                        g_assert_cmpint(setenv("TZ", zones[g_rand_int_range(rand, 0, G_N_ELEMENTS(zones))], 1), ==, 0);
                        break;
                default:
                        break;
                }

                /* Time moves: mostly minutes, sometimes a day; the wall clock
                 * sometimes jumps back, or ahead of what the monotonic clock
                 * vouches for (then reconciled against the anchor). */
                dt = S(g_rand_int_range(rand, 0, 3600));
                if (g_rand_int_range(rand, 0, 20) == 0)
                        dt = S(g_rand_int_range(rand, 20 * 3600, 30 * 3600));
                dt += g_rand_int_range(rand, 0, 1000000);      /* windows not on whole seconds */
                mono += (uint64_t) dt;
                wall += dt;
                if (g_rand_int_range(rand, 0, 25) == 0)
                        wall -= S(g_rand_int_range(rand, 60, 48 * 3600));
                else if (g_rand_int_range(rand, 0, 25) == 0)
                        wall += S(g_rand_int_range(rand, 60, 48 * 3600));

                c = clock_at(wall, mono);
                (void) checked(f->l, &c);
                /* A second read at the same clock comes from memory. */
                before = ledger_figures_cache_stats(f->l);
                g_assert_cmpint(ledger_figures(f->l, &c, &fig), ==, 0);
                g_assert_cmpuint(ledger_figures_cache_stats(f->l).stable_reads, ==, before.stable_reads);
                hits++;
        }
        g_assert_cmpuint(hits, ==, 1500);
        g_rand_free(rand);
        test_set_tz();
}

int main(int argc, char *argv[]) {
        test_set_tz();
        g_test_init(&argc, &argv, NULL);
        g_test_add("/ledger/figures-cache/write-invalidates", Fixture, NULL, fixture_setup, test_write_invalidates,
                   fixture_teardown);
        g_test_add("/ledger/figures-cache/property", Fixture, NULL, fixture_setup, test_property, fixture_teardown);
        return g_test_run();
}

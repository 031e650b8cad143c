/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ledger_figures() without reading the file every time (doc/safety.md,
 * "Figures kept in memory"; doc/performance.md, issue 18).
 *
 * The daemon is the ledger's only writer (locking_mode=EXCLUSIVE, see
 * ledger_connect()), and every write passes through a commit or a rollback,
 * which bump l->generation (as does every new connection: a file relinked,
 * replaced, restored, a WAL set aside). What is kept is valid only for the
 * generation it was read at; any change of the file drops all of it.
 *
 * Within one generation, what moves with the clock is handled so:
 *   - the anchor, the thermal state, the screening, the last symptom stop
 *     and the end candidates do not depend on the clock at all (which end
 *     wins is arithmetic on the clock: ledger_figures_last_end());
 *   - today's and this week's figures depend only on the (reconciled) day
 *     and week start and the zone: kept for those, read again when they move;
 *   - the rolling 24 h and the 7-day symptom count move with every
 *     microsecond: the rows are kept from a window start at or before the
 *     current one, and the figures are computed from them with exactly the
 *     SQL's arithmetic (ledger-query.c rolling_day(), symptom_count()). A
 *     window start before the kept one (the clock set back) reads them again.
 * Inside a transaction of our own nothing is kept or used: what it wrote
 * may still be rolled back.
 */

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledger-internal.h"
#include "macro.h"

typedef struct CachedSession {
        int64_t id, start, end, seconds, heat;
} CachedSession;

typedef struct LedgerFiguresCache { // NOLINT(clang-analyzer-optin.performance.Padding): grouped by meaning
        uint64_t generation;            /* 0: nothing kept */
        char boot_id[SAFETY_BOOT_ID_LEN + 1];

        /* Independent of the clock. */
        bool anchor;
        int64_t anchor_wall;
        uint64_t anchor_mono;
        PolicyFigures stable;           /* only the fields ledger_figures_stable() fills */
        LedgerEndCandidates ends;

        /* The day's part, for one day start, week start and zone. */
        bool day_valid;
        int64_t day_start, week_start;
        unsigned zone_gen;
        PolicyFigures day;              /* only the fields ledger_figures_day() fills */

        /* Sessions with end > rows_from or start >= rows_from, latest end first (ties: id). */
        bool rows_valid;
        int64_t rows_from;
        CachedSession *rows;
        size_t n_rows;

        /* Walls of symptom stops at or after symptoms_from. */
        bool symptoms_valid;
        int64_t symptoms_from;
        int64_t *symptoms;
        size_t n_symptoms;

        LedgerFiguresCacheStats stats;
} LedgerFiguresCache;

static void drop(LedgerFiguresCache *c) {
        free(c->rows);
        free(c->symptoms);
        c->rows = NULL;
        c->symptoms = NULL;
        c->n_rows = c->n_symptoms = 0;
        c->generation = 0;
        c->day_valid = c->rows_valid = c->symptoms_valid = false;
}

void ledger_figures_cache_free(LedgerFiguresCache *c) {
        if (!c)
                return;
        drop(c);
        free(c);
}

LedgerFiguresCacheStats ledger_figures_cache_stats(const Ledger *l) {
        return l && l->figures_cache ? l->figures_cache->stats : (LedgerFiguresCacheStats) {};
}

static int read_stable(Ledger *l, LedgerFiguresCache *c, const SafetyClock *clock) {
        int r;

        drop(c);
        (void) snprintf(c->boot_id, sizeof c->boot_id, "%s", clock->boot_id);
        r = ledger_figures_anchor(l, clock->boot_id, &c->anchor, &c->anchor_wall, &c->anchor_mono);
        if (r < 0)
                return r;
        c->stable = (PolicyFigures) { .clock = *clock };
        r = ledger_figures_stable(l, &c->stable, &c->ends);
        if (r < 0)
                return r;
        c->stats.stable_reads++;
        c->generation = l->generation;
        return 0;
}

static int read_day(Ledger *l, LedgerFiguresCache *c, const SafetyClock *clock) {
        int r;

        c->day_valid = false;
        c->day = (PolicyFigures) { .clock = *clock };
        r = ledger_figures_day(l, &c->day);
        if (r < 0)
                return r;
        c->day_start = clock->day_start_us;
        c->week_start = clock->week_start_us;
        c->zone_gen = safety_clock_zone_generation();
        c->day_valid = true;
        c->stats.day_reads++;
        return 0;
}

static int read_rows(Ledger *l, LedgerFiguresCache *c, int64_t from) {
        _cleanup_stmt_ sqlite3_stmt *s = NULL;
        size_t allocated = 0;
        int r, rc;

        c->rows_valid = false;
        c->n_rows = 0;
        r = ledger_prepare(l, "SELECT id, start_wall_us, end_wall_us, seconds, heat_seconds FROM sessions "
                              "WHERE end_wall_us > ?1 OR start_wall_us >= ?1 ORDER BY +end_wall_us DESC, id DESC", &s);
        if (r < 0)
                return r;
        sqlite3_bind_int64(s, 1, from);
        while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
                if (c->n_rows == allocated) {
                        size_t n = MAX(allocated * 2, (size_t) 16);
                        CachedSession *p = reallocarray(c->rows, n, sizeof *p);
                        if (!p)
                                return ledger_failf(l, -ENOMEM, "Out of memory");
                        c->rows = p;
                        allocated = n;
                }
                c->rows[c->n_rows++] = (CachedSession) {
                        .id = sqlite3_column_int64(s, 0),
                        .start = sqlite3_column_int64(s, 1),
                        .end = sqlite3_column_int64(s, 2),
                        .seconds = sqlite3_column_int64(s, 3),
                        .heat = sqlite3_column_int64(s, 4),
                };
        }
        if (rc != SQLITE_DONE)
                return ledger_fail(l, rc, "reading the last 24 hours");
        c->rows_from = from;
        c->rows_valid = true;
        c->stats.row_reads++;
        return 0;
}

static int read_symptoms(Ledger *l, LedgerFiguresCache *c, int64_t from) {
        _cleanup_stmt_ sqlite3_stmt *s = NULL;
        size_t allocated = 0;
        int r, rc;

        c->symptoms_valid = false;
        c->n_symptoms = 0;
        r = ledger_prepare(l, "SELECT wall_us FROM events WHERE kind = 'stop_reason' AND wall_us >= ?", &s);
        if (r < 0)
                return r;
        sqlite3_bind_int64(s, 1, from);
        while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
                if (c->n_symptoms == allocated) {
                        size_t n = MAX(allocated * 2, (size_t) 16);
                        int64_t *p = reallocarray(c->symptoms, n, sizeof *p);
                        if (!p)
                                return ledger_failf(l, -ENOMEM, "Out of memory");
                        c->symptoms = p;
                        allocated = n;
                }
                c->symptoms[c->n_symptoms++] = sqlite3_column_int64(s, 0);
        }
        if (rc != SQLITE_DONE)
                return ledger_fail(l, rc, "counting symptom stops");
        c->symptoms_from = from;
        c->symptoms_valid = true;
        return 0;
}

/* rolling_day() of ledger-query.c, over the kept rows (same windows, same
 * rounding, same order). */
static void rolling_from_rows(const LedgerFiguresCache *c, PolicyFigures *f) {
        int64_t from = f->clock.wall_us - (int64_t) USEC_PER_DAY;

        for (size_t i = 0; i < c->n_rows; i++) {
                const CachedSession *row = &c->rows[i];

                if (row->start >= from) {
                        size_t k;

                        f->sessions_24h++;
                        /* The newest POLICY_ROLLING_MAX starts, newest first. */
                        for (k = f->n_starts_24h; k > 0 && f->starts_24h[k - 1] < row->start; k--)
                                if (k < POLICY_ROLLING_MAX)
                                        f->starts_24h[k] = f->starts_24h[k - 1];
                        if (k < POLICY_ROLLING_MAX) {
                                f->starts_24h[k] = row->start;
                                if (f->n_starts_24h < POLICY_ROLLING_MAX)
                                        f->n_starts_24h++;
                        }
                }
                if (!(row->end > from || row->start >= from))
                        continue;

                int64_t part = row->start >= from ? row->seconds : MIN(row->seconds, (row->end - from + 999999) / 1000000);
                uint64_t sec = (uint64_t) MAX(0, part);
                uint64_t heat = (uint64_t) MAX(0, row->heat);

                f->seconds_24h += sec;
                f->heat_seconds_24h += heat;
                if (f->n_rolling < POLICY_ROLLING_MAX)
                        f->rolling[f->n_rolling++].end_wall_us = row->end;
                f->rolling[f->n_rolling - 1].seconds += sec;
                f->rolling[f->n_rolling - 1].heat_seconds += heat;
        }
}

static void copy_day(const PolicyFigures *day, PolicyFigures *f) {
        f->sessions_today = day->sessions_today;
        f->seconds_today = day->seconds_today;
        f->heat_seconds_today = day->heat_seconds_today;
        f->seconds_week = day->seconds_week;
        f->days_used_week = day->days_used_week;
}

static void copy_stable(const PolicyFigures *s, PolicyFigures *f) {
        f->has_symptom_stop = s->has_symptom_stop;
        f->last_symptom_wall_us = s->last_symptom_wall_us;
        f->last_symptom_mono_us = s->last_symptom_mono_us;
        memcpy(f->last_symptom_boot_id, s->last_symptom_boot_id, sizeof f->last_symptom_boot_id);
        f->thermal_locked = s->thermal_locked;
        f->last_trip_wall_us = s->last_trip_wall_us;
        memcpy(f->last_trip_device, s->last_trip_device, sizeof f->last_trip_device);
        f->heat_disabled = s->heat_disabled;
        f->screened = s->screened;
        f->screening_wall_us = s->screening_wall_us;
        f->screening_yes = s->screening_yes;
        f->screening_cleared = s->screening_cleared;
}

static int figures_cached(Ledger *l, LedgerFiguresCache *c, const SafetyClock *clock, PolicyFigures *ret) {
        PolicyFigures f = { .clock = *clock };
        int64_t rolling_from, symptoms_from;
        int r;

        if (c->generation != l->generation || strcmp(c->boot_id, clock->boot_id) != 0) {
                r = read_stable(l, c, clock);
                if (r < 0)
                        return r;
        }
        /* Reconcile first, so "today" is the day the monotonic clock vouches for. */
        if (c->anchor) {
                r = safety_clock_reconcile(&f.clock, c->anchor_wall, c->anchor_mono, clock->boot_id);
                if (r < 0)
                        return ledger_failf(l, r, "Cannot compute local time bounds");
        }

        if (!c->day_valid || c->day_start != f.clock.day_start_us || c->week_start != f.clock.week_start_us ||
            c->zone_gen != safety_clock_zone_generation()) {
                r = read_day(l, c, &f.clock);
                if (r < 0)
                        return r;
        }
        copy_day(&c->day, &f);

        rolling_from = f.clock.wall_us - (int64_t) USEC_PER_DAY;
        if (!c->rows_valid || rolling_from < c->rows_from) {
                r = read_rows(l, c, rolling_from);
                if (r < 0)
                        return r;
        }
        rolling_from_rows(c, &f);

        copy_stable(&c->stable, &f);
        ledger_figures_last_end(&c->ends, &f);

        symptoms_from = f.clock.wall_us - (int64_t) POLICY_SYMPTOM_ADVICE_WINDOW_S * (int64_t) USEC_PER_SEC;
        if (!c->symptoms_valid || symptoms_from < c->symptoms_from) {
                r = read_symptoms(l, c, symptoms_from);
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < c->n_symptoms; i++)
                f.symptom_stops_7d += c->symptoms[i] >= symptoms_from;

        *ret = f;
        return 0;
}

int ledger_figures(Ledger *l, const SafetyClock *clock, PolicyFigures *ret) {
        int r;

        if (!clock || !ret)
                return ledger_failf(l, -EINVAL, "Invalid arguments");
        /* A start decision counts what is in the file, not in a deleted inode.
         * Whatever the guard does (relink, reconnect) bumps the generation. */
        r = ledger_guard(l, false);
        if (r < 0)
                return r;
        if (!l->db || !sqlite3_get_autocommit(l->db))
                return ledger_figures_uncached(l, clock, ret);

        if (!l->figures_cache) {
                l->figures_cache = calloc(1, sizeof *l->figures_cache);
                if (!l->figures_cache)
                        return ledger_figures_uncached(l, clock, ret);
        }
        r = figures_cached(l, l->figures_cache, clock, ret);
        if (r < 0)
                /* Fail closed, and read everything again next time. */
                drop(l->figures_cache);
        return r;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Ledger queries: the figures the policy needs, history and usage for the
 * History interface, the diary. Every range query runs on an index
 * (sessions_start_usage / sessions_end / events_kind_time), so they stay fast on a
 * ledger of 100k sessions (tests/test-ledger.c measures it).
 *
 * Counting is conservative (see ledger.h): a session row counts its planned
 * figures until its end is recorded, and the policy's windows are
 * open-ended so rows from "the future" (a wall clock set back) still count.
 */

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledger-internal.h"
#include "local-days.h"
#include "macro.h"

static void copy_boot(char dst[static SAFETY_BOOT_ID_LEN + 1], const unsigned char *src) {
        (void) snprintf(dst, SAFETY_BOOT_ID_LEN + 1, "%s", src ? (const char *) src : "");
}

/* Motor seconds inside [from, ∞) (to < 0) or [from, to): a session that began
 * earlier contributes only the part after from, rounded up to whole seconds. */
static int seconds_since(Ledger *l, int64_t from, uint64_t *ret) {
        _cleanup_stmt_ sqlite3_stmt *s = NULL;
        int r, rc;

        r = ledger_prepare(l, "SELECT COALESCE(SUM(CASE WHEN start_wall_us >= ?1 THEN seconds "
                              "ELSE MIN(seconds, (end_wall_us - ?1 + 999999) / 1000000) END), 0) "
                              "FROM sessions WHERE end_wall_us > ?1 OR start_wall_us >= ?1", &s);
        if (r < 0)
                return r;
        sqlite3_bind_int64(s, 1, from);
        rc = sqlite3_step(s);
        if (rc != SQLITE_ROW)
                return ledger_fail(l, rc, "summing usage");
        *ret = (uint64_t) MAX(0, sqlite3_column_int64(s, 0));
        return 0;
}

static int count_int64(Ledger *l, const char *sql, int64_t a, int64_t *ret) {
        _cleanup_stmt_ sqlite3_stmt *s = NULL;
        int r, rc;

        r = ledger_prepare(l, sql, &s);
        if (r < 0)
                return r;
        sqlite3_bind_int64(s, 1, a);
        rc = sqlite3_step(s);
        if (rc != SQLITE_ROW)
                return ledger_fail(l, rc, "counting");
        *ret = sqlite3_column_int64(s, 0);
        return 0;
}

static int days_used(Ledger *l, const SafetyClock *c, uint32_t *ret) {
        _cleanup_stmt_ sqlite3_stmt *s = NULL;
        int64_t bounds[8];
        bool used[7] = {};
        uint32_t n = 0;
        size_t k = 0;
        int r, rc;

        /* The 7 local days of the window, each its own length across DST. */
        bounds[0] = c->week_start_us;
        for (size_t d = 1; d < 8; d++)
                if (safety_clock_local_bounds(bounds[d - 1], NULL, &bounds[d], NULL, NULL) < 0)
                        return ledger_failf(l, -ERANGE, "Cannot compute local day bounds");

        r = ledger_prepare(l, "SELECT start_wall_us FROM sessions WHERE start_wall_us >= ? ORDER BY start_wall_us",
                           &s);
        if (r < 0)
                return r;
        sqlite3_bind_int64(s, 1, c->week_start_us);
        while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
                int64_t start = sqlite3_column_int64(s, 0);
                while (k < 6 && start >= bounds[k + 1])
                        k++;
                /* Rows after today (a clock set back) all belong to "today", the last day. */
                used[k] = true;
        }
        if (rc != SQLITE_DONE)
                return ledger_fail(l, rc, "counting days used");
        for (size_t d = 0; d < 7; d++)
                n += used[d];
        *ret = n;
        return 0;
}

/* One candidate for the latest end: the first row sql finds (bound to the boot id). */
static int end_candidate(Ledger *l, const char *sql, const char *boot_id, bool *ret_found, int64_t *ret_wall,
                         uint64_t *ret_mono, char ret_boot[static SAFETY_BOOT_ID_LEN + 1]) {
        _cleanup_stmt_ sqlite3_stmt *s = NULL;
        int r, rc;

        r = ledger_prepare(l, sql, &s);
        if (r < 0)
                return r;
        sqlite3_bind_text(s, 1, boot_id, -1, SQLITE_STATIC);
        rc = sqlite3_step(s);
        *ret_found = rc == SQLITE_ROW;
        if (rc == SQLITE_DONE)
                return 0;
        if (rc != SQLITE_ROW)
                return ledger_fail(l, rc, "finding the last session");
        *ret_wall = sqlite3_column_int64(s, 0);
        *ret_mono = (uint64_t) sqlite3_column_int64(s, 1);
        copy_boot(ret_boot, sqlite3_column_text(s, 2));
        return 0;
}

/*
 * The end that is really the latest, for the rest rule. A wall clock stepped
 * back earlier in this boot leaves an older row with a later wall end, so
 * rows of this boot are ordered by their monotonic end; rows of other boots
 * (and rows without a boot id) by wall. Of the two, the one that leaves less
 * time since it wins (ledger_figures_last_end(): that part depends on the
 * clock, the rows do not). An open row counts as running until it is
 * closed: its end is at least now (doc/safety.md, "an open session counts as
 * running").
 */
static int end_candidates(Ledger *l, const char *boot_id, LedgerEndCandidates *e) {
        int64_t n = 0;
        int r;

        *e = (LedgerEndCandidates) {};
        r = count_int64(l, "SELECT COUNT(*) FROM sessions WHERE end_reason IS NULL", 0, &n);
        if (r < 0)
                return r;
        e->sessions_open = (uint32_t) n;

        if (boot_id[0]) {
                r = end_candidate(l, "SELECT end_wall_us, end_mono_us, boot_id FROM sessions WHERE boot_id = ?1 "
                                     "ORDER BY end_mono_us DESC LIMIT 1", boot_id, &e->found, &e->wall, &e->mono,
                                  e->boot);
                if (r < 0)
                        return r;
        }
        return end_candidate(l, "SELECT end_wall_us, end_mono_us, boot_id FROM sessions WHERE ?1 IS NULL OR boot_id IS NOT ?1 "
                                "ORDER BY end_wall_us DESC LIMIT 1", boot_id[0] ? boot_id : NULL, &e->other,
                             &e->other_wall, &e->other_mono, e->other_boot);
}

void ledger_figures_last_end(const LedgerEndCandidates *e, PolicyFigures *f) {
        const SafetyClock *c = &f->clock;
        int64_t wall = e->wall;
        uint64_t mono = e->mono;
        const char *boot = e->boot;
        bool found = e->found;

        f->sessions_open = e->sessions_open;
        if (e->other && (!found || safety_clock_since_us(c, e->other_wall, e->other_mono, e->other_boot) <
                                   safety_clock_since_us(c, wall, mono, boot))) {
                found = true;
                wall = e->other_wall;
                mono = e->other_mono;
                boot = e->other_boot;
        }
        if (f->sessions_open > 0 && (!found || safety_clock_since_us(c, wall, mono, boot) > 0)) {
                found = true;
                wall = c->wall_us;
                mono = c->mono_us;
                boot = c->boot_id;
        }
        f->has_last_end = found;
        f->last_end_wall_us = found ? wall : 0;
        f->last_end_mono_us = found ? mono : 0;
        (void) snprintf(f->last_end_boot_id, sizeof f->last_end_boot_id, "%s", found ? boot : "");
}

static int symptom_count(Ledger *l, PolicyFigures *f) {
        int64_t n = 0;
        int r;

        r = count_int64(l, "SELECT COUNT(*) FROM events WHERE kind = 'stop_reason' AND wall_us >= ?",
                        f->clock.wall_us - (int64_t) POLICY_SYMPTOM_ADVICE_WINDOW_S * (int64_t) USEC_PER_SEC, &n);
        if (r < 0)
                return r;
        f->symptom_stops_7d = (uint32_t) n;
        return 0;
}

static int symptom_last(Ledger *l, PolicyFigures *f) {
        _cleanup_stmt_ sqlite3_stmt *s = NULL;
        int r, rc;

        r = ledger_prepare(l, "SELECT wall_us, mono_us, boot_id FROM events WHERE kind = 'stop_reason' "
                              "ORDER BY wall_us DESC LIMIT 1", &s);
        if (r < 0)
                return r;
        rc = sqlite3_step(s);
        if (rc == SQLITE_DONE)
                return 0;
        if (rc != SQLITE_ROW)
                return ledger_fail(l, rc, "finding the last symptom stop");
        f->has_symptom_stop = true;
        f->last_symptom_wall_us = sqlite3_column_int64(s, 0);
        f->last_symptom_mono_us = (uint64_t) sqlite3_column_int64(s, 1);
        copy_boot(f->last_symptom_boot_id, sqlite3_column_text(s, 2));
        return 0;
}

/* Lock-out: a trip after the last acknowledgement. Heat disabled: two trips
 * within 24 h of each other since the last manual reset. Event order is by
 * id (insertion order), which a wall-clock jump cannot reorder. */
static int thermal(Ledger *l, PolicyFigures *f) {
        _cleanup_stmt_ sqlite3_stmt *s = NULL;
        int64_t last_ack = 0, last_reset = 0, prev_wall = 0;
        bool have_prev = false;
        int r, rc;

        {
                _cleanup_stmt_ sqlite3_stmt *m = NULL;
                r = ledger_prepare(l, "SELECT COALESCE(MAX(CASE WHEN kind = 'thermal_ack' THEN id END), 0), "
                                      "COALESCE(MAX(CASE WHEN kind = 'heat_reset' THEN id END), 0) FROM events "
                                      "WHERE kind IN ('thermal_ack', 'heat_reset')", &m);
                if (r < 0)
                        return r;
                rc = sqlite3_step(m);
                if (rc != SQLITE_ROW)
                        return ledger_fail(l, rc, "reading thermal acknowledgements");
                last_ack = sqlite3_column_int64(m, 0);
                last_reset = sqlite3_column_int64(m, 1);
        }

        r = ledger_prepare(l, "SELECT id, wall_us, device FROM events WHERE kind = 'thermal_trip' AND id > ? "
                              "ORDER BY id", &s);
        if (r < 0)
                return r;
        sqlite3_bind_int64(s, 1, MIN(last_ack, last_reset));
        while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
                int64_t id = sqlite3_column_int64(s, 0), wall = sqlite3_column_int64(s, 1);

                if (id > last_ack) {
                        const unsigned char *dev = sqlite3_column_text(s, 2);
                        f->thermal_locked = true;
                        f->last_trip_wall_us = wall;
                        /* The acknowledgement must read this pad, not another device's. */
                        (void) snprintf(f->last_trip_device, sizeof f->last_trip_device, "%s",
                                        dev ? (const char *) dev : "");
                }
                if (id > last_reset) {
                        int64_t d = have_prev ? wall - prev_wall : INT64_MAX;
                        if (have_prev && (d < 0 ? -d : d) <= (int64_t) POLICY_THERMAL_TRIP_WINDOW_S * (int64_t) USEC_PER_SEC)
                                f->heat_disabled = true;
                        prev_wall = wall;
                        have_prev = true;
                }
        }
        if (rc != SQLITE_DONE)
                return ledger_fail(l, rc, "reading thermal cut-offs");
        return 0;
}

static int screening(Ledger *l, PolicyFigures *f) {
        _cleanup_stmt_ sqlite3_stmt *s = NULL;
        int r, rc;

        /* standing, not yes: an earlier "yes" stays in force until corrected (ledger_screening_record()). */
        r = ledger_prepare(l, "SELECT wall_us, standing, cleared_wall_us IS NOT NULL FROM screening "
                              "ORDER BY id DESC LIMIT 1", &s);
        if (r < 0)
                return r;
        rc = sqlite3_step(s);
        if (rc == SQLITE_DONE)
                return 0;
        if (rc != SQLITE_ROW)
                return ledger_fail(l, rc, "reading the screening");
        f->screened = true;
        f->screening_wall_us = sqlite3_column_int64(s, 0);
        f->screening_yes = (uint32_t) sqlite3_column_int64(s, 1) & SCREENING_ALL_MASK;
        f->screening_cleared = sqlite3_column_int(s, 2) != 0;
        return 0;
}

/* The last 24 h, in absolute time (no time zone): counts, and the sessions
 * with the part of their usage inside it, to say when it frees up. */
static int rolling_day(Ledger *l, PolicyFigures *f) {
        _cleanup_stmt_ sqlite3_stmt *s = NULL, *st = NULL;
        int64_t from = f->clock.wall_us - (int64_t) USEC_PER_DAY;
        int64_t n = 0;
        int r, rc;

        r = count_int64(l, "SELECT COUNT(*) FROM sessions WHERE start_wall_us >= ?", from, &n);
        if (r < 0)
                return r;
        f->sessions_24h = (uint32_t) n;

        r = ledger_prepare(l, "SELECT start_wall_us FROM sessions WHERE start_wall_us >= ? "
                              "ORDER BY start_wall_us DESC LIMIT ?", &st);
        if (r < 0)
                return r;
        sqlite3_bind_int64(st, 1, from);
        sqlite3_bind_int64(st, 2, POLICY_ROLLING_MAX);
        while ((rc = sqlite3_step(st)) == SQLITE_ROW)
                f->starts_24h[f->n_starts_24h++] = sqlite3_column_int64(st, 0);
        if (rc != SQLITE_DONE)
                return ledger_fail(l, rc, "reading the last 24 hours");

        /* Same counting as seconds_since(): a session reaching in from before
         * contributes its part after from; heat counts whole. "+end_wall_us":
         * ordering by the bare column makes SQLite walk sessions_end over the
         * whole table to skip a sort (40 ms on 100k sessions); this way it
         * reads the day's rows through both indexes and sorts those few.
         * "id DESC": equal ends in one order, the one ledger-figures-cache.c uses. */
        r = ledger_prepare(l, "SELECT end_wall_us, CASE WHEN start_wall_us >= ?1 THEN seconds "
                              "ELSE MIN(seconds, (end_wall_us - ?1 + 999999) / 1000000) END, heat_seconds "
                              "FROM sessions WHERE end_wall_us > ?1 OR start_wall_us >= ?1 "
                              "ORDER BY +end_wall_us DESC, id DESC", &s);
        if (r < 0)
                return r;
        sqlite3_bind_int64(s, 1, from);
        while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
                int64_t end = sqlite3_column_int64(s, 0);
                uint64_t sec = (uint64_t) MAX(0, sqlite3_column_int64(s, 1));
                uint64_t heat = (uint64_t) MAX(0, sqlite3_column_int64(s, 2));

                f->seconds_24h += sec;
                f->heat_seconds_24h += heat;
                if (f->n_rolling < POLICY_ROLLING_MAX)
                        f->rolling[f->n_rolling++].end_wall_us = end;
                /* Beyond the array: summed into the last entry, which leaves the
                 * window at its (later) end — conservative. */
                f->rolling[f->n_rolling - 1].seconds += sec;
                f->rolling[f->n_rolling - 1].heat_seconds += heat;
        }
        if (rc != SQLITE_DONE)
                return ledger_fail(l, rc, "reading the last 24 hours");
        return 0;
}

int ledger_figures_anchor(Ledger *l, const char *boot_id, bool *ret_found, int64_t *ret_wall,
                          uint64_t *ret_mono) {
        _cleanup_stmt_ sqlite3_stmt *s = NULL;
        int r, rc;

        *ret_found = false;
        if (!boot_id[0])
                return 0;
        r = ledger_prepare(l, "SELECT wall_us, mono_us FROM anchors WHERE boot_id = ?", &s);
        if (r < 0)
                return r;
        sqlite3_bind_text(s, 1, boot_id, -1, SQLITE_STATIC);
        rc = sqlite3_step(s);
        if (rc == SQLITE_DONE)
                return 0;
        if (rc != SQLITE_ROW)
                return ledger_fail(l, rc, "reading the clock anchor");
        *ret_found = true;
        *ret_wall = sqlite3_column_int64(s, 0);
        *ret_mono = (uint64_t) sqlite3_column_int64(s, 1);
        return 0;
}

int ledger_figures_day(Ledger *l, PolicyFigures *f) {
        int64_t n = 0;
        int r;

        r = count_int64(l, "SELECT COUNT(*) FROM sessions WHERE start_wall_us >= ?", f->clock.day_start_us, &n);
        if (r < 0)
                return r;
        f->sessions_today = (uint32_t) n;
        r = seconds_since(l, f->clock.day_start_us, &f->seconds_today);
        if (r < 0)
                return r;
        /* Heat of any session reaching into today counts whole: skin exposure is not split at midnight. */
        r = count_int64(l, "SELECT COALESCE(SUM(heat_seconds), 0) FROM sessions WHERE end_wall_us > ?1 "
                           "OR start_wall_us >= ?1", f->clock.day_start_us, &n);
        if (r < 0)
                return r;
        f->heat_seconds_today = (uint64_t) MAX(0, n);
        r = seconds_since(l, f->clock.week_start_us, &f->seconds_week);
        if (r < 0)
                return r;
        return days_used(l, &f->clock, &f->days_used_week);
}

int ledger_figures_stable(Ledger *l, PolicyFigures *f, LedgerEndCandidates *ret_ends) {
        int r;

        r = end_candidates(l, f->clock.boot_id, ret_ends);
        if (r < 0)
                return r;
        r = symptom_last(l, f);
        if (r < 0)
                return r;
        r = thermal(l, f);
        if (r < 0)
                return r;
        return screening(l, f);
}

int ledger_figures_uncached(Ledger *l, const SafetyClock *clock, PolicyFigures *ret) {
        PolicyFigures f = {};
        LedgerEndCandidates ends;
        int64_t anchor_wall = 0;
        uint64_t anchor_mono = 0;
        bool anchor = false;
        int r;

        if (!clock || !ret)
                return ledger_failf(l, -EINVAL, "Invalid arguments");
        f.clock = *clock;
        /* A start decision counts what is in the file, not in a deleted inode. */
        r = ledger_guard(l, false);
        if (r < 0)
                return r;

        /* Reconcile first, so "today" is the day the monotonic clock vouches for. */
        r = ledger_figures_anchor(l, clock->boot_id, &anchor, &anchor_wall, &anchor_mono);
        if (r < 0)
                return r;
        if (anchor) {
                r = safety_clock_reconcile(&f.clock, anchor_wall, anchor_mono, clock->boot_id);
                if (r < 0)
                        return ledger_failf(l, r, "Cannot compute local time bounds");
        }

        r = ledger_figures_day(l, &f);
        if (r < 0)
                return r;
        r = rolling_day(l, &f);
        if (r < 0)
                return r;
        r = ledger_figures_stable(l, &f, &ends);
        if (r < 0)
                return r;
        ledger_figures_last_end(&ends, &f);
        r = symptom_count(l, &f);
        if (r < 0)
                return r;
        *ret = f;
        return 0;
}

int ledger_usage_range(Ledger *l, int64_t from, int64_t to, uint32_t *ret_sessions, uint64_t *ret_seconds) {
        _cleanup_stmt_ sqlite3_stmt *s = NULL, *c = NULL;
        int r, rc;

        if (to < from)
                return ledger_failf(l, -EINVAL, "Time range ends before it starts");
        /* Overlap of each session's [start, end) with [from, to), capped by its counted seconds. */
        /* Ranged on the start index: a session's wall span (start to end, pauses
         * included) is assumed to be under LEDGER_SPAN_MAX (see ledger.h). */
        r = ledger_prepare(l, "SELECT COALESCE(SUM(MIN(seconds, (MIN(end_wall_us, ?2) - MAX(start_wall_us, ?1) "
                              "+ 999999) / 1000000)), 0) FROM sessions "
                              "WHERE start_wall_us >= ?1 - ?3 AND start_wall_us < ?2 AND end_wall_us > ?1", &s);
        if (r < 0)
                return r;
        sqlite3_bind_int64(s, 1, from);
        sqlite3_bind_int64(s, 2, to);
        sqlite3_bind_int64(s, 3, LEDGER_SPAN_MAX_US);
        rc = sqlite3_step(s);
        if (rc != SQLITE_ROW)
                return ledger_fail(l, rc, "summing usage");
        if (ret_seconds)
                *ret_seconds = (uint64_t) MAX(0, sqlite3_column_int64(s, 0));

        r = ledger_prepare(l, "SELECT COUNT(*) FROM sessions WHERE start_wall_us >= ? AND start_wall_us < ?", &c);
        if (r < 0)
                return r;
        sqlite3_bind_int64(c, 1, from);
        sqlite3_bind_int64(c, 2, to);
        rc = sqlite3_step(c);
        if (rc != SQLITE_ROW)
                return ledger_fail(l, rc, "counting sessions");
        if (ret_sessions)
                *ret_sessions = (uint32_t) sqlite3_column_int64(c, 0);
        return 0;
}

/* Sums each session into the day its start falls in; days[] holds the day starts. */
static int usage_walk(Ledger *l, LedgerDayUsage *days, size_t n, int64_t end) {
        _cleanup_stmt_ sqlite3_stmt *s = NULL;
        size_t i = 0;
        int r, rc;

        /* Read from the covering index sessions_start_usage: no table lookups. */
        r = ledger_prepare(l, "SELECT start_wall_us, seconds, heat_seconds FROM sessions "
                              "WHERE start_wall_us >= ? AND start_wall_us < ? ORDER BY start_wall_us", &s);
        if (r < 0)
                return r;
        sqlite3_bind_int64(s, 1, days[0].day_start_us);
        sqlite3_bind_int64(s, 2, end);
        while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
                int64_t start = sqlite3_column_int64(s, 0);
                while (i + 1 < n && start >= days[i + 1].day_start_us)
                        i++;
                days[i].sessions++;
                days[i].seconds += (uint64_t) sqlite3_column_int64(s, 1);
                days[i].heat_seconds += (uint64_t) sqlite3_column_int64(s, 2);
        }
        if (rc != SQLITE_DONE)
                return ledger_fail(l, rc, "reading usage per day");
        return 0;
}

int ledger_usage_per_day(Ledger *l, int64_t from, int64_t to, LedgerDayUsage **ret, size_t *ret_n) {
        LedgerDayUsage *days;
        int64_t *starts = NULL, end = 0;
        size_t n = 0;
        int r;

        /* Local days, each its own length (23/24/25 h). */
        r = local_days(from, to, 366, &starts, &n, &end);
        if (r == -EINVAL)
                return ledger_failf(l, r, "Time range ends before it starts");
        if (r == -E2BIG)
                return ledger_failf(l, r, "Time range longer than 366 days; ask for less");
        if (r == -ERANGE)
                return ledger_failf(l, r, "Time out of range");
        if (r < 0)
                return r;
        days = calloc(n, sizeof *days);
        for (size_t d = 0; days && d < n; d++)
                days[d].day_start_us = starts[d];
        free(starts);
        if (!days)
                return -ENOMEM;

        r = usage_walk(l, days, n, end);
        if (r < 0) {
                free(days);
                return r;
        }
        *ret = days;
        *ret_n = n;
        return 0;
}

int ledger_last_session_end(Ledger *l, int64_t *ret_wall_us) {
        PolicyFigures f = {};
        LedgerEndCandidates e;
        int r = end_candidates(l, f.clock.boot_id, &e);

        if (r < 0)
                return r;
        ledger_figures_last_end(&e, &f);
        if (!f.has_last_end)
                return -ENOENT;
        *ret_wall_us = f.last_end_wall_us;
        return 0;
}

static char *dup_col(sqlite3_stmt *s, int col) {
        const unsigned char *t = sqlite3_column_text(s, col);
        return t ? strdup((const char *) t) : NULL;
}

void ledger_session_list_free(LedgerSession *s, size_t n) {
        for (size_t i = 0; s && i < n; i++) {
                free(s[i].device);
                free(s[i].program);
                free(s[i].end_reason);
                free(s[i].note);
        }
        free(s);
}

int ledger_sessions_range(Ledger *l, int64_t from, int64_t to, size_t limit, LedgerSession **ret, size_t *ret_n) {
        _cleanup_stmt_ sqlite3_stmt *s = NULL;
        LedgerSession *v = NULL;
        size_t n = 0, allocated = 0;
        int r, rc;

        r = ledger_prepare(l, "SELECT s.id, s.device, s.program, s.start_wall_us, s.end_wall_us, s.planned_s, "
                              "s.seconds, s.heat_seconds, s.intensity, s.heat_level, s.end_reason, "
                              "d.pain_before, d.pain_after, d.note "
                              "FROM sessions s LEFT JOIN diary d ON d.session_id = s.id "
                              "WHERE s.start_wall_us >= ? AND s.start_wall_us < ? "
                              "ORDER BY s.start_wall_us LIMIT ?", &s);
        if (r < 0)
                return r;
        sqlite3_bind_int64(s, 1, from);
        sqlite3_bind_int64(s, 2, to);
        sqlite3_bind_int64(s, 3, limit == 0 ? -1 : (sqlite3_int64) limit);
        while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
                LedgerSession *e;
                if (n == allocated) {
                        size_t na = MAX((size_t) 64, allocated * 2);
                        LedgerSession *nv = realloc(v, na * sizeof *nv);
                        if (!nv) {
                                ledger_session_list_free(v, n);
                                return -ENOMEM;
                        }
                        v = nv;
                        allocated = na;
                }
                e = &v[n++];
                *e = (LedgerSession) {
                        .id = sqlite3_column_int64(s, 0),
                        .device = dup_col(s, 1),
                        .program = dup_col(s, 2),
                        .start_wall_us = sqlite3_column_int64(s, 3),
                        .end_wall_us = sqlite3_column_int64(s, 4),
                        .planned_s = (uint32_t) sqlite3_column_int64(s, 5),
                        .seconds = (uint32_t) sqlite3_column_int64(s, 6),
                        .heat_seconds = (uint32_t) sqlite3_column_int64(s, 7),
                        .intensity = (uint8_t) sqlite3_column_int(s, 8),
                        .heat_level = (uint8_t) sqlite3_column_int(s, 9),
                        .open = sqlite3_column_type(s, 10) == SQLITE_NULL,
                        .end_reason = dup_col(s, 10),
                        .pain_before = sqlite3_column_type(s, 11) == SQLITE_NULL ? -1 : sqlite3_column_int(s, 11),
                        .pain_after = sqlite3_column_type(s, 12) == SQLITE_NULL ? -1 : sqlite3_column_int(s, 12),
                        .note = dup_col(s, 13),
                };
                if (!e->device || !e->program) {
                        ledger_session_list_free(v, n);
                        return -ENOMEM;
                }
        }
        if (rc != SQLITE_DONE) {
                ledger_session_list_free(v, n);
                return ledger_fail(l, rc, "listing sessions");
        }
        *ret = v;
        *ret_n = n;
        return 0;
}

void ledger_event_list_free(LedgerEvent *e, size_t n) {
        for (size_t i = 0; e && i < n; i++) {
                free(e[i].kind);
                free(e[i].device);
                free(e[i].detail);
        }
        free(e);
}

int ledger_events_range(Ledger *l, int64_t from, int64_t to, LedgerEvent **ret, size_t *ret_n) {
        _cleanup_stmt_ sqlite3_stmt *s = NULL;
        LedgerEvent *v = NULL;
        size_t n = 0;
        int r, rc;

        r = ledger_prepare(l, "SELECT id, wall_us, kind, device, detail FROM events "
                              "WHERE wall_us >= ? AND wall_us < ? ORDER BY id", &s);
        if (r < 0)
                return r;
        sqlite3_bind_int64(s, 1, from);
        sqlite3_bind_int64(s, 2, to);
        while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
                LedgerEvent *nv = realloc(v, (n + 1) * sizeof *nv);
                if (!nv) {
                        ledger_event_list_free(v, n);
                        return -ENOMEM;
                }
                v = nv;
                v[n++] = (LedgerEvent) {
                        .id = sqlite3_column_int64(s, 0),
                        .wall_us = sqlite3_column_int64(s, 1),
                        .kind = dup_col(s, 2),
                        .device = dup_col(s, 3),
                        .detail = dup_col(s, 4),
                };
        }
        if (rc != SQLITE_DONE) {
                ledger_event_list_free(v, n);
                return ledger_fail(l, rc, "listing safety events");
        }
        *ret = v;
        *ret_n = n;
        return 0;
}

/* ---- diary -------------------------------------------------------------- */

int ledger_diary_set(Ledger *l, int64_t session_id, int pain_before, int pain_after, const char *note,
                     int64_t wall_us) {
        _cleanup_stmt_ sqlite3_stmt *s = NULL;
        int64_t exists = 0;
        int r, rc;

        if (pain_before < -1 || pain_before > LEDGER_PAIN_MAX || pain_after < -1 || pain_after > LEDGER_PAIN_MAX)
                return ledger_failf(l, -ERANGE, "Pain must be from 0 (none) to 10 (worst), got %d and %d",
                                    pain_before, pain_after);
        if (note && strlen(note) > LEDGER_NOTE_MAX_BYTES)
                return ledger_failf(l, -E2BIG, "Note longer than %u bytes", LEDGER_NOTE_MAX_BYTES);
        r = ledger_guard(l, false);
        if (r < 0)
                return r;
        r = count_int64(l, "SELECT COUNT(*) FROM sessions WHERE id = ?", session_id, &exists);
        if (r < 0)
                return r;
        if (!exists)
                return ledger_failf(l, -ENOENT, "No session %lld in the ledger", (long long) session_id);

        r = ledger_prepare(l, "INSERT INTO diary (session_id, pain_before, pain_after, note, wall_us) "
                              "VALUES (?, ?, ?, ?, ?) ON CONFLICT(session_id) DO UPDATE SET "
                              "pain_before = excluded.pain_before, pain_after = excluded.pain_after, "
                              "note = excluded.note, wall_us = excluded.wall_us", &s);
        if (r < 0)
                return r;
        sqlite3_bind_int64(s, 1, session_id);
        if (pain_before >= 0)
                sqlite3_bind_int(s, 2, pain_before);
        if (pain_after >= 0)
                sqlite3_bind_int(s, 3, pain_after);
        if (note)
                sqlite3_bind_text(s, 4, note, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 5, wall_us);
        rc = sqlite3_step(s);
        if (rc != SQLITE_DONE)
                return ledger_fail(l, rc, "writing the diary");
        return 0;
}

void ledger_diary_summary_free(LedgerDiarySummary *s, size_t n) {
        for (size_t i = 0; s && i < n; i++)
                free(s[i].program);
        free(s);
}

int ledger_diary_summary(Ledger *l, int64_t from, int64_t to, LedgerDiarySummary **ret, size_t *ret_n) {
        _cleanup_stmt_ sqlite3_stmt *s = NULL;
        LedgerDiarySummary *v = NULL;
        size_t n = 0;
        int r, rc;

        r = ledger_prepare(l, "SELECT s.program, s.heat_seconds > 0 AS heat, COUNT(*), "
                              "AVG(d.pain_after - d.pain_before) "
                              "FROM sessions s JOIN diary d ON d.session_id = s.id "
                              "WHERE s.start_wall_us >= ? AND s.start_wall_us < ? "
                              "AND d.pain_before IS NOT NULL AND d.pain_after IS NOT NULL "
                              "GROUP BY s.program, heat ORDER BY s.program, heat", &s);
        if (r < 0)
                return r;
        sqlite3_bind_int64(s, 1, from);
        sqlite3_bind_int64(s, 2, to);
        while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
                LedgerDiarySummary *nv = realloc(v, (n + 1) * sizeof *nv);
                if (!nv) {
                        ledger_diary_summary_free(v, n);
                        return -ENOMEM;
                }
                v = nv;
                v[n++] = (LedgerDiarySummary) {
                        .program = dup_col(s, 0),
                        .heat = sqlite3_column_int(s, 1) != 0,
                        .entries = (uint32_t) sqlite3_column_int64(s, 2),
                        .mean_change = sqlite3_column_double(s, 3),
                };
        }
        if (rc != SQLITE_DONE) {
                ledger_diary_summary_free(v, n);
                return ledger_fail(l, rc, "summarising the diary");
        }
        *ret = v;
        *ret_n = n;
        return 0;
}

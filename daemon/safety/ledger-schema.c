/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The ledger's schema history. Each entry upgrades version N to N+1 and is
 * never edited once released: a file written by any earlier massaged opens
 * with every row kept. Tests build a file of each earlier version, fill it,
 * and open it with the current code (tests/test-ledger.c).
 */

#include "config.h"

#include <errno.h>
#include <stdio.h>

#include "ledger-internal.h"
#include "macro.h"

static const char *const migrations[LEDGER_SCHEMA_VERSION] = {
        /* 0 → 1: allow-list, sessions, safety events. A session row carries its
         * planned figures in seconds/heat_seconds/end_* from the start, so an
         * unfinished row is already counted conservatively. */
        "CREATE TABLE devices ("
        "  address TEXT PRIMARY KEY NOT NULL,"
        "  name TEXT NOT NULL DEFAULT '',"
        "  added_wall_us INTEGER NOT NULL);"
        "CREATE TABLE sessions ("
        "  id INTEGER PRIMARY KEY,"
        "  device TEXT NOT NULL,"
        "  program TEXT NOT NULL,"
        "  start_wall_us INTEGER NOT NULL,"
        "  start_mono_us INTEGER NOT NULL,"
        "  boot_id TEXT NOT NULL,"
        "  planned_s INTEGER NOT NULL CHECK (planned_s >= 0),"
        "  planned_heat_s INTEGER NOT NULL CHECK (planned_heat_s >= 0),"
        "  intensity INTEGER NOT NULL,"
        "  heat_level INTEGER NOT NULL,"
        "  plan TEXT NOT NULL,"
        "  seconds INTEGER NOT NULL,"
        "  heat_seconds INTEGER NOT NULL,"
        "  end_wall_us INTEGER NOT NULL,"
        "  end_mono_us INTEGER NOT NULL,"
        "  end_reason TEXT);"
        "CREATE INDEX sessions_start ON sessions(start_wall_us);"
        "CREATE INDEX sessions_end ON sessions(end_wall_us);"
        "CREATE TABLE events ("
        "  id INTEGER PRIMARY KEY,"
        "  wall_us INTEGER NOT NULL,"
        "  mono_us INTEGER NOT NULL,"
        "  boot_id TEXT NOT NULL,"
        "  kind TEXT NOT NULL,"
        "  device TEXT,"
        "  detail TEXT);"
        "CREATE INDEX events_kind_time ON events(kind, wall_us);",

        /* 1 → 2: screening answers and clearances; limits set at run time. */
        "CREATE TABLE screening ("
        "  id INTEGER PRIMARY KEY,"
        "  wall_us INTEGER NOT NULL,"
        "  mono_us INTEGER NOT NULL,"
        "  boot_id TEXT NOT NULL,"
        "  answered INTEGER NOT NULL,"
        "  yes INTEGER NOT NULL,"
        "  cleared_wall_us INTEGER);"
        "CREATE TABLE settings ("
        "  key TEXT PRIMARY KEY NOT NULL,"
        "  value INTEGER NOT NULL,"
        "  source TEXT NOT NULL,"
        "  wall_us INTEGER NOT NULL);",

        /* 2 → 3: the symptom diary; one clock anchor per boot; open sessions
         * found without a scan at recovery. */
        "CREATE TABLE diary ("
        "  session_id INTEGER PRIMARY KEY REFERENCES sessions(id),"
        "  pain_before INTEGER CHECK (pain_before IS NULL OR pain_before BETWEEN 0 AND 10),"
        "  pain_after INTEGER CHECK (pain_after IS NULL OR pain_after BETWEEN 0 AND 10),"
        "  note TEXT,"
        "  wall_us INTEGER NOT NULL);"
        "CREATE TABLE anchors ("
        "  boot_id TEXT PRIMARY KEY NOT NULL,"
        "  wall_us INTEGER NOT NULL,"
        "  mono_us INTEGER NOT NULL);"
        "CREATE INDEX sessions_open ON sessions(id) WHERE end_reason IS NULL;"
        "CREATE INDEX events_time ON events(wall_us);",

        /* 3 → 4: a "yes" stands until corrected. corrected: the standing
         * "yes" answers a correction turned into "no"; standing: the "yes"
         * answers in force after the row. Before, only the latest row counted,
         * so an all-"no" submission lifted any "yes": rows written then get
         * every "yes" up to them (8 questions, one bit each), so such a lift
         * does not survive the upgrade. */
        "ALTER TABLE screening ADD COLUMN corrected INTEGER NOT NULL DEFAULT 0;"
        "ALTER TABLE screening ADD COLUMN standing INTEGER NOT NULL DEFAULT 0;"
        "UPDATE screening SET standing = (SELECT MAX(p.yes & 1) | MAX(p.yes & 2) | MAX(p.yes & 4) | "
        "  MAX(p.yes & 8) | MAX(p.yes & 16) | MAX(p.yes & 32) | MAX(p.yes & 64) | MAX(p.yes & 128) "
        "  FROM screening AS p WHERE p.id <= screening.id);",

        /* 4 → 5: a pause is bounded (doc/safety.md). While a session is
         * paused its row holds the bound: the latest moment the pause may
         * last, NULL otherwise. A row a crash left open while paused ends at
         * it, so time paused never counts as rest. Older rows hold no pause:
         * NULL. */
        "ALTER TABLE sessions ADD COLUMN pause_end_wall_us INTEGER;"
        "ALTER TABLE sessions ADD COLUMN pause_end_mono_us INTEGER;",

        /* 5 → 6: History's usage per day reads start, seconds and heat of up to
         * a year of rows; an index holding all three answers it without looking
         * each row up in the table (doc/performance.md, round 2). It replaces
         * sessions_start, its prefix: every query that ranged on that one
         * ranges on this one, and a session's writes keep one start index. */
        "CREATE INDEX sessions_start_usage ON sessions(start_wall_us, seconds, heat_seconds);"
        "DROP INDEX sessions_start;",
};

int ledger_schema_version(Ledger *l) {
        _cleanup_stmt_ sqlite3_stmt *s = NULL;
        int r, rc;

        r = ledger_prepare(l, "PRAGMA user_version", &s);
        if (r < 0)
                return r;
        rc = sqlite3_step(s);
        if (rc != SQLITE_ROW)
                return ledger_fail(l, rc, "reading the schema version");
        return sqlite3_column_int(s, 0);
}

int ledger_schema_migrate(Ledger *l, int target) {
        int v, r;

        v = ledger_schema_version(l);
        if (v < 0)
                return v;
        if (v > LEDGER_SCHEMA_VERSION || target > LEDGER_SCHEMA_VERSION)
                return ledger_failf(l, -EPROTO,
                                    "%s: written by a newer massaged (schema version %d, this one knows up to %d); "
                                    "update massaged, or move the file aside to start a new ledger", l->path, v,
                                    LEDGER_SCHEMA_VERSION);
        for (; v < target; v++) {
                char pragma[48];

                r = ledger_exec(l, migrations[v], "migrating the schema");
                if (r < 0)
                        return r;
                (void) snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d", v + 1);
                r = ledger_exec(l, pragma, "recording the schema version");
                if (r < 0)
                        return r;
        }
        return 0;
}

/* Indexes that serve queries without changing what a file holds or means, so
 * they need no schema version: any massaged can open a file with or without
 * them. Created at every open (IF NOT EXISTS: once per file). A migration
 * that later wants one of them must use the same name and IF NOT EXISTS. */
static const char indexes[] =
        /* last_end() (ledger-query.c): this boot's latest end by the monotonic
         * clock, on every start decision. Without it, a scan of every session
         * (13 ms instead of 1.6 ms for the figures on 100k sessions). */
        "CREATE INDEX IF NOT EXISTS sessions_boot_end ON sessions(boot_id, end_mono_us);";

int ledger_schema_indexes(Ledger *l) {
        return ledger_exec(l, indexes, "creating the ledger's indexes");
}

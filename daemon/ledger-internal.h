/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Shared by the ledger's files and its tests; not for the daemon. */

#include <sqlite3.h>

#include "ledger.h"

struct Ledger {
        sqlite3 *db;
        char *path;
        char *error;
        unsigned recovered;
};

static inline void sqlite3_finalizep(sqlite3_stmt **s) {
        if (*s)
                sqlite3_finalize(*s);
}
#define _cleanup_stmt_ __attribute__((cleanup(sqlite3_finalizep)))

/* Record rc's failure in l->error ("<path>: <what>: <sqlite message>; <fix>")
 * and return the matching negative errno. */
int ledger_fail(Ledger *l, int rc, const char *what);
/* Record a plain message and return r. */
int ledger_failf(Ledger *l, int r, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Prepare sql or fail. */
int ledger_prepare(Ledger *l, const char *sql, sqlite3_stmt **ret);
/* Run statements without results. */
int ledger_exec(Ledger *l, const char *sql, const char *what);

/* Schema: migrate db from its PRAGMA user_version up to target (tests build
 * databases of every earlier version with it). Runs inside the caller's
 * transaction. Returns 0, -EPROTO (newer than known), or a negative errno. */
int ledger_schema_migrate(Ledger *l, int target);
int ledger_schema_version(Ledger *l);

/* The sqlite handle, for tests that need to constrain storage (max_page_count). */
sqlite3 *ledger_db(Ledger *l);

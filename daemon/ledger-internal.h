/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Shared by the ledger's files and its tests; not for the daemon. */

#include <stdbool.h>
#include <sys/types.h>

#include <sqlite3.h>

#include "ledger.h"

struct Ledger {
        sqlite3 *db;
        char *path;
        char *error;
        unsigned recovered;
        dev_t dev;              /* the file l->db has open, as its path named it at connect time */
        ino_t ino;
        unsigned relinked;      /* times ledger_guard() put a deleted file back */
        char *fix;              /* scratch for ledger-file.c's messages */
        char *abandoned_path;   /* the path that names another file now (see ledger-file.c), or NULL */
        unsigned wal_discarded; /* times a damaged WAL was set aside (ledger-wal.c) */
        unsigned wal_lost_frames; /* frames it held that were not in the file yet */
        unsigned backups;       /* backups made (ledger-backup.c) */
        char *broken_path;      /* where ledger_open() moved a damaged file before restoring, or NULL */
        int64_t backup_wall_us; /* the restored backup's mtime */
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

/* Open l->db on l->path (which must exist): integrity check, WAL, pragmas,
 * and ledger_file_remember(). No migration, no recovery. */
int ledger_connect(Ledger *l);
/* The fix sentence for a negative errno ("FILE" stands for the path), and
 * the same with FILE spelt out as path (malloc'd, NULL on ENOMEM). */
const char *ledger_fix_for(int r);
char *ledger_fix_sentence(const char *path, int r);
/* mkdir -p for the directory holding path; new components are 0700. */
int ledger_mkdir_parents(const char *path);

/* ledger-file.c: record the inode of l->path after connecting. */
int ledger_file_remember(Ledger *l);
/* Before a write that matters: if the file, its -wal or -shm was deleted,
 * put the data back under l->path; if another file took the path, keep our
 * records in a new file beside it (see ledger-file.c). for_start: also fail
 * when the file could not be opened again (made read-only, unreadable) or
 * when the path was taken over, so that no session starts. Does nothing
 * inside a transaction. Returns 0 or a negative errno with ledger_error(). */
int ledger_guard(Ledger *l, bool for_start);

/* ledger-wal.c: 1 if the WAL holds every frame SQLite's index of it
 * promises (or there is nothing to compare), 0 if not (*ret_unsaved: how many
 * of them were not in the file yet), or a negative errno. */
int ledger_wal_verify(Ledger *l, uint32_t *ret_unsaved);
/* Close l->db without checkpointing and move the WAL and its index aside. */
int ledger_wal_discard(Ledger *l, uint32_t unsaved);
/* Verify; if damaged, discard and reconnect (and record a "restored" event
 * when frames were lost). 0 or a negative errno with ledger_error(). */
int ledger_wal_guard(Ledger *l);

/* ledger-backup.c: on a damaged ledger (broken_error, l->error set), move
 * it aside and put a copy of a usable backup in its place; l->db is closed.
 * 0, or broken_error with the reason the backup could not be used added. */
int ledger_restore(Ledger *l, int broken_error);
/* Insert a "restored" safety event (inside the caller's transaction or not). */
int ledger_record_restored(Ledger *l, const SafetyClock *now, const char *detail);
/* -EAGAIN with the reason while a restore is less than 24 h old, else 0. */
int ledger_restore_hold(Ledger *l, const SafetyClock *now);
char *ledger_backup_path(const char *path);

/* The sqlite handle, for tests that need to constrain storage (max_page_count). */
sqlite3 *ledger_db(Ledger *l);

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Shared by the ledger's files and its tests; not for the daemon. */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <sqlite3.h>

#include "ledger.h"

/* What SQLite's index of the write-ahead log says, as ledger-wal.c last saw
 * it: the index itself lives in SQLite's heap (locking_mode=EXCLUSIVE, see
 * ledger_connect()), out of reach. */
typedef struct WalIndex {
        bool known;             /* false: nothing to compare with (no commit of ours since connecting) */
        bool big;               /* checksum words are big-endian */
        uint32_t page_size;
        uint32_t max_frame;     /* frames 1..max_frame are valid; 0: the WAL holds nothing the file does not */
        uint32_t backfilled;    /* frames already copied into the database file */
        uint32_t frame_cksum[2];
        uint8_t salt[8];        /* as in the WAL header, byte for byte */
} WalIndex;

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
        WalIndex wal;           /* the WAL as of our last commit or checkpoint (ledger-wal.c) */
        unsigned backups;       /* backups made (ledger-backup.c) */
        char *broken_path;      /* where ledger_open() moved a damaged file before restoring, or NULL */
        int64_t backup_wall_us; /* the restored backup's mtime */
        uint64_t generation;    /* bumped by every commit, rollback and connection: what the
                                 * figures cache is valid for (ledger-figures-cache.c) */
        struct LedgerFiguresCache *figures_cache;
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
/* Indexes that need no schema version (CREATE INDEX IF NOT EXISTS); in the
 * caller's transaction. */
int ledger_schema_indexes(Ledger *l);

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

/* ledger-wal.c: after a commit that left n_frames frames in the WAL (the
 * WAL hook's count), read them back and remember their checksum chain as
 * what SQLite's index promises. 1 if they are whole, 0 if the WAL already
 * changed under us (ledger_wal_verify() then reports it), negative errno. */
int ledger_wal_record(Ledger *l, int n_frames);
/* Checkpoint (TRUNCATE) and remember how much of the WAL is in the file
 * now. An SQLite result code. */
int ledger_wal_checkpoint(Ledger *l);
/* 1 if the WAL holds every frame SQLite's index of it promises (or there is
 * nothing to compare), 0 if not (*ret_unsaved: how many of them were not in
 * the file yet), or a negative errno. */
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
/* ledger_event_add() without ledger_guard(), for code that runs inside the guard or at open. */
int ledger_event_insert(Ledger *l, const SafetyClock *now, LedgerEventKind kind, const char *device,
                        const char *detail);
/* -EAGAIN with the reason while a restore is less than 24 h old, else 0. */
int ledger_restore_hold(Ledger *l, const SafetyClock *now);
char *ledger_backup_path(const char *path);

/* ---- The policy's figures (ledger-query.c, ledger-figures-cache.c) ---- */
/* The candidates for the latest session end; which one wins depends on the
 * clock (ledger_figures_last_end()). */
typedef struct LedgerEndCandidates {
        uint32_t sessions_open;
        bool found, other;      /* a row of this boot (by monotonic end); one of another boot (by wall) */
        int64_t wall, other_wall;
        uint64_t mono, other_mono;
        char boot[SAFETY_BOOT_ID_LEN + 1], other_boot[SAFETY_BOOT_ID_LEN + 1];
} LedgerEndCandidates;

/* ledger_figures() computed from the file, nothing kept (tests compare the two). */
int ledger_figures_uncached(Ledger *l, const SafetyClock *clock, PolicyFigures *ret);
/* This boot's clock anchor (*ret_found false: none, or no boot id). */
int ledger_figures_anchor(Ledger *l, const char *boot_id, bool *ret_found, int64_t *ret_wall,
                          uint64_t *ret_mono);
/* The figures of f->clock's local day and week (sessions/seconds/heat today,
 * seconds and days used in the week). */
int ledger_figures_day(Ledger *l, PolicyFigures *f);
/* What does not depend on the clock: the end candidates for f->clock.boot_id,
 * the last symptom stop, the thermal state and the screening. */
int ledger_figures_stable(Ledger *l, PolicyFigures *f, LedgerEndCandidates *ret_ends);
/* f->sessions_open and the latest end, from the candidates and f->clock. */
void ledger_figures_last_end(const LedgerEndCandidates *e, PolicyFigures *f);
/* Free what ledger_figures() kept (ledger_close()). */
void ledger_figures_cache_free(struct LedgerFiguresCache *c);
/* For tests: how often ledger_figures() read the file (all of it, the day's
 * part, the rolling rows), not counting what it took from memory. */
typedef struct LedgerFiguresCacheStats {
        unsigned stable_reads, day_reads, row_reads;
} LedgerFiguresCacheStats;
LedgerFiguresCacheStats ledger_figures_cache_stats(const Ledger *l);

/* The sqlite handle, for tests that need to constrain storage (max_page_count). */
sqlite3 *ledger_db(Ledger *l);

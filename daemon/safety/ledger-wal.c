/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The write-ahead log checked against SQLite's own index of it, before
 * SQLite is allowed to copy it into the ledger (doc/safety.md "Storage faults
 * while the daemon runs").
 *
 * Why: an open connection trusts its wal-index and never re-reads the WAL's
 * checksums. After `truncate -s 0 usage.db-wal` the index still promises N
 * frames; the next commit is written at frame N+1, leaving a hole of zeros
 * where frames 1..N were, and the checkpoint at close copies those zeros over
 * usage.db ("file is not a database"). SQLite only checks the checksums when
 * it rebuilds the index from the file (a fresh open).
 *
 * The index is in SQLite's heap (the ledger runs in locking_mode=EXCLUSIVE,
 * so there is no -shm file for a user to truncate: see ledger_connect()), so
 * we keep our own copy of what it promises: after each commit the WAL hook
 * tells how many frames the WAL holds, and ledger_wal_record() reads them
 * back through SQLite's own handle, a moment after SQLite wrote them, and
 * keeps their salts and checksum chain (the test SQLite's recovery applies,
 * https://www.sqlite.org/fileformat2.html#walformat, a stable file format).
 * Before every write and before closing, ledger_wal_verify() reads them
 * again and compares. A WAL that fails is never checkpointed: the
 * connection closes without a checkpoint, the WAL is moved aside, and the
 * reconnect reads the ledger file as it was at the last checkpoint. The
 * ledger checkpoints after every commit (ledger_connect()'s WAL hook), so
 * between our transactions the WAL normally holds nothing the file does not
 * and there is nothing to compare.
 */

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ledger-internal.h"
#include "macro.h"

#define WAL_HEADER_SIZE 32
#define WAL_FRAME_HEADER_SIZE 24
#define WAL_MAGIC 0x377f0682u

static uint32_t get_be32(const uint8_t *p) {
        return (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16 | (uint32_t) p[2] << 8 | p[3];
}

static uint32_t get_word(const uint8_t *p, bool big) {
        return big ? get_be32(p) : (uint32_t) p[3] << 24 | (uint32_t) p[2] << 16 | (uint32_t) p[1] << 8 | p[0];
}

/* SQLite's WAL checksum over n bytes (n a multiple of 8), continuing s. */
static void checksum(const uint8_t *p, size_t n, bool big, uint32_t s[2]) {
        for (size_t i = 0; i + 8 <= n; i += 8) {
                s[0] += get_word(p + i, big) + s[1];
                s[1] += get_word(p + i + 4, big) + s[0];
        }
}

/* Read the WAL header and frames 1..n_frames through wal and fill *ret as
 * SQLite's index would describe them. 1 if they form one valid chain (header
 * checksum, every frame's salt and cumulative checksum), 0 if not. */
static int scan(sqlite3_file *wal, uint32_t n_frames, WalIndex *ret) {
        _cleanup_free_ uint8_t *buf = NULL;
        uint8_t h[WAL_HEADER_SIZE];
        sqlite3_int64 size = 0;
        uint32_t s[2] = { 0, 0 };
        size_t frame_size;

        *ret = (WalIndex) { .known = true, .max_frame = n_frames };
        if (wal->pMethods->xFileSize(wal, &size) != SQLITE_OK || size < WAL_HEADER_SIZE)
                return 0;
        if (wal->pMethods->xRead(wal, h, sizeof h, 0) != SQLITE_OK)
                return 0;
        ret->big = get_be32(h) & 1;
        ret->page_size = get_be32(h + 8);
        memcpy(ret->salt, h + 16, 8);
        checksum(h, 24, ret->big, s);
        if ((get_be32(h) & ~1u) != WAL_MAGIC || get_be32(h + 24) != s[0] || get_be32(h + 28) != s[1])
                return 0;
        if (ret->page_size < 512 || ret->page_size > 65536 || (ret->page_size & (ret->page_size - 1)))
                return 0;
        frame_size = WAL_FRAME_HEADER_SIZE + (size_t) ret->page_size;
        if (size < WAL_HEADER_SIZE + (sqlite3_int64) n_frames * (sqlite3_int64) frame_size)
                return 0;

        buf = malloc(frame_size);
        if (!buf)
                return -ENOMEM;
        for (uint32_t i = 0; i < n_frames; i++) {
                sqlite3_int64 off = WAL_HEADER_SIZE + (sqlite3_int64) i * (sqlite3_int64) frame_size;
                if (wal->pMethods->xRead(wal, buf, (int) frame_size, off) != SQLITE_OK)
                        return 0;
                checksum(buf, 8, ret->big, s);
                checksum(buf + WAL_FRAME_HEADER_SIZE, ret->page_size, ret->big, s);
                if (memcmp(buf + 8, ret->salt, 8) != 0 || get_be32(buf + 16) != s[0] || get_be32(buf + 20) != s[1])
                        return 0;
        }
        ret->frame_cksum[0] = s[0];
        ret->frame_cksum[1] = s[1];
        return 1;
}

/* In WAL mode this is the WAL's handle once SQLite opened it; before, a closed journal. */
static sqlite3_file *wal_file(Ledger *l) {
        sqlite3_file *wal = NULL;

        if (!l->db || sqlite3_file_control(l->db, "main", SQLITE_FCNTL_JOURNAL_POINTER, &wal) != SQLITE_OK ||
            !wal || !wal->pMethods)
                return NULL;
        return wal;
}

int ledger_wal_record(Ledger *l, int n_frames) {
        sqlite3_file *wal = wal_file(l);
        WalIndex ix;
        int r;

        if (!wal || n_frames <= 0) {
                l->wal = (WalIndex) { .known = wal != NULL };
                return 1;
        }
        r = scan(wal, (uint32_t) n_frames, &ix);
        if (r < 0)
                return r;
        /* Damaged already: remember a chain no file can match, so that the
         * next ledger_wal_verify() sets it aside. */
        if (r == 0)
                ix.frame_cksum[0] = ~ix.frame_cksum[0];
        /* Same salts: the log was appended to, and what a checkpoint copied stays copied. */
        if (r == 1 && l->wal.known && memcmp(ix.salt, l->wal.salt, sizeof ix.salt) == 0)
                ix.backfilled = MIN(l->wal.backfilled, ix.max_frame);
        l->wal = ix;
        return r;
}

int ledger_wal_checkpoint(Ledger *l) {
        int n_log = -1, n_ckpt = -1;
        int rc = sqlite3_wal_checkpoint_v2(l->db, "main", SQLITE_CHECKPOINT_TRUNCATE, &n_log, &n_ckpt);

        if (rc == SQLITE_OK && n_log == 0)
                l->wal.max_frame = l->wal.backfilled = 0;       /* the WAL was reset: nothing to compare */
        else if (rc == SQLITE_OK && n_ckpt >= 0)
                l->wal.backfilled = (uint32_t) n_ckpt;
        return rc;
}

int ledger_wal_verify(Ledger *l, uint32_t *ret_unsaved) {
        sqlite3_file *wal = wal_file(l);
        WalIndex now;
        int r;

        *ret_unsaved = 0;
        if (!wal || !l->wal.known || l->wal.max_frame == 0)
                return 1;
        r = scan(wal, l->wal.max_frame, &now);
        if (r < 0)
                return r;
        if (r == 1 && now.big == l->wal.big && now.page_size == l->wal.page_size &&
            memcmp(now.salt, l->wal.salt, sizeof now.salt) == 0 &&
            memcmp(now.frame_cksum, l->wal.frame_cksum, sizeof now.frame_cksum) == 0)
                return 1;
        *ret_unsaved = l->wal.max_frame - MIN(l->wal.backfilled, l->wal.max_frame);
        return 0;
}

/* Move the damaged WAL (and its index) aside, for a look, and out of
 * SQLite's way: a later open must not replay any of it. */
static void move_aside(Ledger *l) {
        static const char *const suffixes[] = { "-wal", "-shm" };
        long long now = (long long) time(NULL);

        for (size_t i = 0; i < ELEMENTSOF(suffixes); i++) {
                _cleanup_free_ char *from = NULL, *to = NULL;
                if (asprintf(&from, "%s%s", l->path, suffixes[i]) < 0 ||
                    asprintf(&to, "%s.broken-%lld%s", l->path, now, suffixes[i]) < 0)
                        return;
                (void) rename(from, to);
        }
}

int ledger_wal_discard(Ledger *l, uint32_t unsaved) {
        int one = 1;

        /* The one thing that must not happen: sqlite3_close() checkpointing it. */
        (void) sqlite3_db_config(l->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, &one);
        (void) sqlite3_close_v2(l->db);
        l->db = NULL;
        l->wal = (WalIndex) {};
        move_aside(l);
        l->wal_discarded++;
        l->wal_lost_frames += unsaved;
        return 0;
}

unsigned ledger_wal_discarded_count(const Ledger *l) {
        return l ? l->wal_discarded : 0;
}

unsigned ledger_wal_lost_frames(const Ledger *l) {
        return l ? l->wal_lost_frames : 0;
}

int ledger_wal_guard(Ledger *l) {
        uint32_t unsaved = 0;
        SafetyClock now;
        char detail[256];
        int r;

        r = ledger_wal_verify(l, &unsaved);
        if (r != 0)
                return MIN(r, 0);
        (void) ledger_wal_discard(l, unsaved);
        r = ledger_connect(l);
        if (r < 0) {
                (void) sqlite3_close_v2(l->db);
                l->db = NULL;
                return r;
        }
        if (unsaved == 0)
                return 0;
        /* Records only the WAL held are gone: count as after a restore. */
        r = safety_clock_now(&now);
        if (r < 0)
                return ledger_failf(l, r, "Usage ledger %s: cannot read the clock: %s", l->path, strerror(-r));
        (void) snprintf(detail, sizeof detail, "write-ahead log changed under massaged; %u page(s) not yet in "
                        "the file were lost and set aside; no session starts for 24 h", unsaved);
        return ledger_record_restored(l, &now, detail);
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The write-ahead log checked against SQLite's own index of it, before
 * SQLite is allowed to copy it into the ledger (doc/safety.md "Storage faults
 * while the daemon runs").
 *
 * Why: an open connection trusts its wal-index (the -shm mapping) and never
 * re-reads the WAL's checksums. After `truncate -s 0 usage.db-wal` the index
 * still promises N frames; the next commit is written at frame N+1, leaving
 * a hole of zeros where frames 1..N were, and the checkpoint at close copies
 * those zeros over usage.db ("file is not a database"). SQLite only checks
 * the checksums when it rebuilds the index from the file (a fresh open).
 *
 * So before every write and before closing, the frames the index promises
 * are read through the very file handle SQLite would copy from, and their
 * salts and checksum chain compared with the index's header, the same test
 * SQLite's recovery applies (https://www.sqlite.org/fileformat2.html#walformat,
 * a stable file format). A WAL that fails it is never checkpointed: the
 * connection closes without a checkpoint, the WAL is moved aside, and the
 * reconnect reads the ledger file as it was at the last checkpoint. The
 * ledger checkpoints after every commit (ledger_connect()'s WAL hook), so
 * between our transactions the WAL holds nothing the file does not.
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
#define WAL_INDEX_REGION 32768          /* SQLite's WALINDEX_PGSZ */
#define WAL_INDEX_HEADER_SIZE 48        /* struct WalIndexHdr, kept twice */
#define WAL_CKPT_BACKFILL 96            /* WalCkptInfo.nBackfill, after both copies */

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

typedef struct WalIndex {
        bool big;               /* checksum words are big-endian */
        uint32_t page_size;
        uint32_t max_frame;     /* frames 1..max_frame are valid */
        uint32_t backfilled;    /* frames already copied into the database file */
        uint32_t frame_cksum[2];
        uint8_t salt[8];        /* as in the WAL header, byte for byte */
} WalIndex;

/* 1 and *ret filled, or 0: no index to compare with (no WAL open yet, or
 * its two header copies differ because another connection writes or it is
 * to be rebuilt; SQLite then rebuilds it from the file, checking every
 * checksum itself). */
static int read_index(Ledger *l, WalIndex *ret) {
        sqlite3_file *f = NULL;
        void *map = NULL;
        uint8_t h[2][WAL_INDEX_HEADER_SIZE];
        uint16_t sz;

        if (sqlite3_file_control(l->db, "main", SQLITE_FCNTL_FILE_POINTER, &f) != SQLITE_OK || !f ||
            !f->pMethods || f->pMethods->iVersion < 2 || !f->pMethods->xShmMap)
                return 0;
        if (f->pMethods->xShmMap(f, 0, WAL_INDEX_REGION, 0, (void volatile **) &map) != SQLITE_OK || !map)
                return 0;
        memcpy(h, map, sizeof h);
        if (memcmp(h[0], h[1], sizeof h[0]) != 0 || !h[0][12])  /* isInit */
                return 0;
        *ret = (WalIndex) { .big = h[0][13] };
        memcpy(&sz, h[0] + 14, 2);
        ret->page_size = (sz & 0xfe00u) + ((uint32_t) (sz & 1u) << 16);
        memcpy(&ret->max_frame, h[0] + 16, 4);
        memcpy(ret->frame_cksum, h[0] + 24, 8);
        memcpy(ret->salt, h[0] + 32, 8);
        memcpy(&ret->backfilled, (const uint8_t *) map + WAL_CKPT_BACKFILL, 4);
        return 1;
}

/* 1: the WAL holds every frame the index promises; 0: it does not. */
static int frames_intact(sqlite3_file *wal, const WalIndex *ix) {
        size_t frame_size = WAL_FRAME_HEADER_SIZE + (size_t) ix->page_size;
        _cleanup_free_ uint8_t *buf = NULL;
        uint8_t h[WAL_HEADER_SIZE];
        sqlite3_int64 size = 0;
        uint32_t s[2] = { 0, 0 };

        if (ix->page_size < 512 || ix->page_size > 65536)
                return 0;
        if (wal->pMethods->xFileSize(wal, &size) != SQLITE_OK ||
            size < WAL_HEADER_SIZE + (sqlite3_int64) ix->max_frame * (sqlite3_int64) frame_size)
                return 0;
        if (wal->pMethods->xRead(wal, h, sizeof h, 0) != SQLITE_OK)
                return 0;
        checksum(h, 24, ix->big, s);
        if (get_be32(h) != (WAL_MAGIC | ix->big) || get_be32(h + 8) != ix->page_size ||
            memcmp(h + 16, ix->salt, 8) != 0 || get_be32(h + 24) != s[0] || get_be32(h + 28) != s[1])
                return 0;

        buf = malloc(frame_size);
        if (!buf)
                return -ENOMEM;
        for (uint32_t i = 0; i < ix->max_frame; i++) {
                sqlite3_int64 off = WAL_HEADER_SIZE + (sqlite3_int64) i * (sqlite3_int64) frame_size;
                if (wal->pMethods->xRead(wal, buf, (int) frame_size, off) != SQLITE_OK)
                        return 0;
                checksum(buf, 8, ix->big, s);
                checksum(buf + WAL_FRAME_HEADER_SIZE, ix->page_size, ix->big, s);
                if (memcmp(buf + 8, ix->salt, 8) != 0 || get_be32(buf + 16) != s[0] || get_be32(buf + 20) != s[1])
                        return 0;
        }
        return s[0] == ix->frame_cksum[0] && s[1] == ix->frame_cksum[1];
}

int ledger_wal_verify(Ledger *l, uint32_t *ret_unsaved) {
        sqlite3_file *wal = NULL;
        WalIndex ix;
        int r;

        *ret_unsaved = 0;
        if (!l->db)
                return 1;
        /* In WAL mode this is the WAL's handle once SQLite opened it; before, a closed journal. */
        if (sqlite3_file_control(l->db, "main", SQLITE_FCNTL_JOURNAL_POINTER, &wal) != SQLITE_OK || !wal ||
            !wal->pMethods)
                return 1;
        r = read_index(l, &ix);
        if (r <= 0 || ix.max_frame == 0)
                return 1;
        r = frames_intact(wal, &ix);
        if (r == 0)
                *ret_unsaved = ix.max_frame > ix.backfilled ? ix.max_frame - ix.backfilled : 0;
        return r;
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

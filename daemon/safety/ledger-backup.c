/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The ledger's own backup, PATH.backup beside it (doc/safety.md "Backup and
 * restore"), and the restore from it when the ledger is found damaged.
 *
 * Made with SQLite's online backup API into PATH.backup-new (0600, never
 * over an existing file), switched to a rollback journal so the copy is one
 * self-contained file, checked (integrity check, a readable sessions table),
 * fsynced and only then renamed over the previous backup: a copy that fails
 * its check never replaces a good backup.
 *
 * Restore (ledger_open() on -EBADMSG): the damaged file and its -wal/-shm are
 * moved to PATH.broken-<seconds>[-wal|-shm] (never deleted, never over an
 * existing file), the backup is copied to a new file linked into place, and a
 * "restored" safety event is recorded. Whatever was written after the backup
 * may be missing, so for 24 h after a restore no session starts (see
 * ledger_restore_hold()): no session that could be missing still counts
 * towards a daily limit, the rolling 24 h, the symptom cap or two thermal
 * trips after that.
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ledger-internal.h"
#include "macro.h"
#include "paths.h"

#define RESTORE_HOLD_US (INT64_C(24) * 3600 * 1000000)

char *ledger_backup_path(const char *path) {
        char *p = NULL;
        return asprintf(&p, "%s.backup", path) < 0 ? NULL : p;
}

/* An SQLite file that passes its integrity check and holds a sessions table. */
static int check_copy(sqlite3 *db, const char **ret_why) {
        sqlite3_stmt *s = NULL;
        int ok = 0;

        *ret_why = "it cannot be read";
        if (sqlite3_prepare_v2(db, "PRAGMA integrity_check(1)", -1, &s, NULL) == SQLITE_OK &&
            sqlite3_step(s) == SQLITE_ROW) {
                ok = strcmp((const char *) sqlite3_column_text(s, 0), "ok") == 0;
                if (!ok)
                        *ret_why = "it fails the integrity check";
        }
        sqlite3_finalize(s);
        s = NULL;
        if (ok) {
                ok = sqlite3_prepare_v2(db, "SELECT COUNT(*) FROM sessions", -1, &s, NULL) == SQLITE_OK &&
                     sqlite3_step(s) == SQLITE_ROW;
                if (!ok)
                        *ret_why = "it holds no sessions table";
                sqlite3_finalize(s);
        }
        return ok;
}

/* Copy l->db into the new file tmp; 0 or an SQLite-ish reason in *why. */
static int write_copy(Ledger *l, const char *tmp, const char **why) {
        sqlite3 *dst = NULL;
        sqlite3_backup *b;
        int rc;

        rc = sqlite3_open_v2(tmp, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW, NULL);
        if (rc == SQLITE_OK) {
                b = sqlite3_backup_init(dst, "main", l->db, "main");
                rc = b ? sqlite3_backup_step(b, -1) : sqlite3_errcode(dst);
                if (b)
                        (void) sqlite3_backup_finish(b);
                rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
        }
        /* One self-contained file: no -wal to lose beside it. */
        if (rc == SQLITE_OK)
                rc = sqlite3_exec(dst, "PRAGMA journal_mode=DELETE", NULL, NULL, NULL);
        if (rc == SQLITE_OK && !check_copy(dst, why))
                rc = SQLITE_CORRUPT;
        else if (rc != SQLITE_OK)
                *why = rc == SQLITE_FULL || (dst && sqlite3_system_errno(dst) == ENOSPC) ? "the disk is full" :
                       "the copy could not be written";
        (void) sqlite3_close_v2(dst);
        return rc == SQLITE_OK ? 0 : rc == SQLITE_FULL ? -ENOSPC : rc == SQLITE_CORRUPT ? -EBADMSG : -EIO;
}

int ledger_backup(Ledger *l) {
        _cleanup_free_ char *backup = NULL, *tmp = NULL;
        _cleanup_close_ int fd = -1;
        const char *why = NULL;
        int r;

        if (!l->db || l->abandoned_path)
                return 0;       /* a kept copy (ledger-file.c) is not the ledger: its backup stays */
        /* Read through a WAL only once it is known to be whole. */
        r = ledger_guard(l, false);
        if (r < 0)
                return r;
        backup = ledger_backup_path(l->path);
        if (!backup || asprintf(&tmp, "%s-new", backup) < 0)
                return -ENOMEM;
        (void) unlink(tmp);     /* our own, left by a crash half way */
        fd = open(tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
                return ledger_failf(l, -errno, "Usage ledger %s: cannot create its backup %s: %s; the previous "
                                    "backup is kept", l->path, tmp, strerror(errno));
        r = write_copy(l, tmp, &why);
        if (r >= 0 && fsync(fd) < 0)
                r = -errno, why = strerror(errno);
        if (r >= 0 && rename(tmp, backup) < 0)
                r = -errno, why = strerror(errno);
        if (r < 0) {
                (void) unlink(tmp);
                return ledger_failf(l, r, "Usage ledger %s: backup not made (%s); the previous backup %s is kept",
                                    l->path, why ?: strerror(-r), backup);
        }
        paths_fsync_directory_of(backup);
        l->backups++;
        return 0;
}

unsigned ledger_backup_count(const Ledger *l) {
        return l ? l->backups : 0;
}

/* 1: path.backup is a usable ledger (and *ret_mtime its age); 0: none or unusable (*why). */
static int backup_usable(const char *backup, int64_t *ret_mtime_us, const char **why) {
        sqlite3 *db = NULL;
        struct stat st;
        int ok;

        if (stat(backup, &st) < 0 || !S_ISREG(st.st_mode)) {
                *why = "there is no backup";
                return 0;
        }
        *ret_mtime_us = (int64_t) st.st_mtim.tv_sec * 1000000 + st.st_mtim.tv_nsec / 1000;
        if (sqlite3_open_v2(backup, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOFOLLOW, NULL) != SQLITE_OK) {
                (void) sqlite3_close_v2(db);
                *why = "the backup cannot be opened";
                return 0;
        }
        ok = check_copy(db, why);
        (void) sqlite3_close_v2(db);
        return ok;
}

/* link() never replaces: the broken file keeps its bytes under a new name. */
static int move_broken(const char *path, const char *broken) {
        static const char *const suffixes[] = { "-wal", "-shm" };

        if (link(path, broken) < 0)
                return -errno;
        if (unlink(path) < 0)
                return -errno;
        for (size_t i = 0; i < ELEMENTSOF(suffixes); i++) {
                _cleanup_free_ char *from = NULL, *to = NULL;
                if (asprintf(&from, "%s%s", path, suffixes[i]) < 0 || asprintf(&to, "%s%s", broken, suffixes[i]) < 0)
                        return -ENOMEM;
                if (link(from, to) == 0)
                        (void) unlink(from);
        }
        return 0;
}

static int copy_file(const char *from, const char *to) {
        _cleanup_close_ int in = -1, out = -1;
        char buf[65536];
        ssize_t n;

        in = open(from, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (in < 0)
                return -errno;
        out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (out < 0)
                return -errno;
        while ((n = read(in, buf, sizeof buf)) > 0)
                if (write(out, buf, (size_t) n) != n)
                        return errno ? -errno : -EIO;
        if (n < 0 || fsync(out) < 0)
                return -errno;
        return 0;
}

int ledger_restore(Ledger *l, int broken_error) {
        _cleanup_free_ char *backup = ledger_backup_path(l->path), *broken = NULL, *tmp = NULL;
        const char *why = NULL;
        int64_t mtime = 0;
        int r, one = 1;

        if (!backup)
                return -ENOMEM;
        if (!backup_usable(backup, &mtime, &why)) {
                char prev[1024];

                if (access(backup, F_OK) < 0)
                        return broken_error;    /* l->error's fix already says there is none */
                /* ledger_failf() replaces l->error: keep a copy of its fix to quote. */
                (void) snprintf(prev, sizeof prev, "%s", l->error ?: "Usage ledger damaged");
                return ledger_failf(l, broken_error, "%s (%s: %s)", prev, backup, why);
        }
        if (asprintf(&broken, "%s.broken-%lld", l->path, (long long) time(NULL)) < 0 ||
            asprintf(&tmp, "%s.restoring-%ld", l->path, (long) getpid()) < 0)
                return -ENOMEM;

        /* Leave the damaged file exactly as found: no checkpoint into it. */
        if (l->db) {
                (void) sqlite3_db_config(l->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, &one);
                (void) sqlite3_close_v2(l->db);
                l->db = NULL;
        }
        r = copy_file(backup, tmp);
        if (r < 0) {
                (void) unlink(tmp);
                return ledger_failf(l, r, "Usage ledger %s is damaged and its backup %s could not be copied: %s; "
                                    "nothing was changed", l->path, backup, strerror(-r));
        }
        r = move_broken(l->path, broken);
        if (r < 0) {
                (void) unlink(tmp);
                return ledger_failf(l, r, "Usage ledger %s is damaged and could not be moved aside to %s: %s; "
                                    "nothing was changed", l->path, broken, strerror(-r));
        }
        if (link(tmp, l->path) < 0) {
                r = -errno;
                return ledger_failf(l, r, "Usage ledger %s: the damaged file is now %s; its backup is copied to %s "
                                    "but cannot be put in place: %s; move %s to %s and restart massaged", l->path,
                                    broken, tmp, strerror(-r), tmp, l->path);
        }
        (void) unlink(tmp);
        paths_fsync_directory_of(l->path);

        free(l->broken_path);
        l->broken_path = STEAL_PTR(broken);
        l->backup_wall_us = mtime;
        return 0;
}

const char *ledger_broken_path(const Ledger *l) {
        return l ? l->broken_path : NULL;
}

int ledger_record_restored(Ledger *l, const SafetyClock *now, const char *detail) {
        return ledger_event_insert(l, now, LEDGER_EVENT_RESTORED, NULL, detail);
}

int ledger_restore_hold_end(Ledger *l, int64_t *ret_wall_us) {
        _cleanup_stmt_ sqlite3_stmt *s = NULL;
        int r, rc;

        r = ledger_prepare(l, "SELECT wall_us FROM events WHERE kind = 'restored' ORDER BY id DESC LIMIT 1", &s);
        if (r < 0)
                return r;
        rc = sqlite3_step(s);
        if (rc == SQLITE_DONE) {
                *ret_wall_us = 0;
                return 0;
        }
        if (rc != SQLITE_ROW)
                return ledger_fail(l, rc, "reading the last restore");
        *ret_wall_us = sqlite3_column_int64(s, 0) + RESTORE_HOLD_US;
        return 0;
}

int ledger_restore_hold(Ledger *l, const SafetyClock *now) {
        _cleanup_stmt_ sqlite3_stmt *s = NULL;
        int64_t elapsed, wall;
        const char *boot;
        int r, rc;

        r = ledger_prepare(l, "SELECT wall_us, mono_us, boot_id FROM events WHERE kind = 'restored' "
                              "ORDER BY id DESC LIMIT 1", &s);
        if (r < 0)
                return r;
        rc = sqlite3_step(s);
        if (rc == SQLITE_DONE)
                return 0;
        if (rc != SQLITE_ROW)
                return ledger_fail(l, rc, "reading the last restore");
        wall = sqlite3_column_int64(s, 0);
        boot = (const char *) sqlite3_column_text(s, 2);
        /* Monotonic within a boot; across boots the wall clock, as for rest (doc/safety.md "Clock rules"). */
        if (boot && boot[0] && strcmp(boot, now->boot_id) == 0)
                elapsed = (int64_t) (now->mono_us - (uint64_t) sqlite3_column_int64(s, 1));
        else
                elapsed = now->wall_us - wall;
        if (elapsed >= 0 && elapsed >= RESTORE_HOLD_US)
                return 0;
        {
                time_t until = (time_t) ((wall + RESTORE_HOLD_US) / 1000000);
                char when[64];
                struct tm tm;
                if (!localtime_r(&until, &tm) || strftime(when, sizeof when, "%Y-%m-%d %H:%M", &tm) == 0)
                        (void) snprintf(when, sizeof when, "24 h after it");
                return ledger_failf(l, -EAGAIN, "Usage ledger %s was restored from its backup; sessions after "
                                    "the backup may be missing from it, so no session starts until %s (24 h after "
                                    "the restore, when none of them can count towards a limit any more). See the "
                                    "\"restored\" safety event", l->path, when);
        }
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The ledger's file changing under a running daemon (doc/safety.md "Fail
 * closed", "Storage faults while the daemon runs").
 *
 * SQLite keeps reading and writing the inode it opened: a ledger deleted
 * while the daemon runs goes on working, and everything in it (the whole
 * history, and today's usage that the limits count) disappears when the
 * daemon exits. ledger_guard() runs before every write that matters and
 * before the figures of a start decision, and compares the path with the
 * open file:
 *
 *   deleted (usage.db gone, with or without its -wal): checkpoint the
 *     WAL into the open file, copy it with the backup API to a new file in
 *     the same directory (created 0600, never over an existing file), link
 *     that into place and reconnect. History and usage survive.
 *   only the -wal deleted: checkpoint into the (still linked) file and
 *     reconnect, so SQLite makes a new one. There is no -shm to delete or
 *     truncate: the WAL's index is in SQLite's heap (ledger_connect()).
 *   replaced (the path names another file: a restored backup, a broken
 *     copy): that file is never read, written or deleted. Our records are
 *     copied to PATH.kept-<seconds> and used from then on, so a running
 *     session's end is not lost, and no session starts until the user picks
 *     one of the two files and restarts massaged.
 *   not writable any more (chmod, directory made read-only): a start is
 *     refused, as ledger_open() would refuse it at the next start; writes
 *     that are already possible (a session's end) still go through.
 *
 *   the -wal changed in place (truncated, zeroed, rewritten): checked first,
 *     before any of the above checkpoints, by ledger-wal.c; set aside, never
 *     copied into the file.
 *
 * Recovery failing (disk full, directory gone and not creatable) is an
 * error naming the file and the fix: the caller fails closed.
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

typedef enum FileState {
        FILE_IN_PLACE,
        FILE_SIDECAR_GONE,      /* -wal deleted, the database still linked */
        FILE_GONE,              /* the path names nothing */
        FILE_REPLACED,          /* the path names another file */
} FileState;

unsigned ledger_relinked_count(const Ledger *l) {
        return l ? l->relinked : 0;
}

const char *ledger_abandoned_path(const Ledger *l) {
        return l ? l->abandoned_path : NULL;
}

int ledger_file_remember(Ledger *l) {
        struct stat st;

        if (stat(l->path, &st) < 0)
                return ledger_failf(l, -errno, "Usage ledger %s: cannot stat it after opening: %s", l->path,
                                    strerror(errno));
        l->dev = st.st_dev;
        l->ino = st.st_ino;
        return 0;
}

/* The fix for r with the file named, for messages built here. */
static const char *fix(Ledger *l, int r) {
        free(l->fix);
        l->fix = ledger_fix_sentence(l->path, r);
        return l->fix ?: ledger_fix_for(r);
}

static int sidecar_exists(const Ledger *l, const char *suffix) {
        _cleanup_free_ char *p = NULL;
        struct stat st;

        if (asprintf(&p, "%s%s", l->path, suffix) < 0)
                return -ENOMEM;
        if (stat(p, &st) < 0)
                return errno == ENOENT ? 0 : -errno;
        return 1;
}

static int file_state(Ledger *l, FileState *ret) {
        struct stat st;
        int r;

        if (stat(l->path, &st) < 0) {
                int e = errno;
                if (e != ENOENT && e != ENOTDIR)
                        return ledger_failf(l, -e, "Usage ledger %s: cannot stat it: %s; %s", l->path, strerror(e),
                                            fix(l, -EACCES));
                *ret = FILE_GONE;
                return 0;
        }
        if (st.st_dev != l->dev || st.st_ino != l->ino) {
                *ret = FILE_REPLACED;
                return 0;
        }
        /* In WAL mode the -wal exists for as long as the connection is open
         * (a checkpoint empties it, only the close removes it). A -shm, if any
         * (left by an older massaged or another program), is not ours: in
         * exclusive locking mode SQLite never reads it. */
        r = sidecar_exists(l, "-wal");
        if (r < 0)
                return r;
        *ret = r ? FILE_IN_PLACE : FILE_SIDECAR_GONE;
        return 0;
}

static int checkpoint(Ledger *l) {
        int rc = ledger_wal_checkpoint(l);
        if (rc != SQLITE_OK)
                return ledger_fail(l, rc, "saving the write-ahead log into the file");
        return 0;
}

/* Copy the open database into a new file at dest (which must not exist). */
static int copy_to(Ledger *l, const char *dest) {
        sqlite3 *dst = NULL;
        sqlite3_backup *b;
        int fd, r, rc;

        r = ledger_mkdir_parents(dest);
        if (r < 0)
                return ledger_failf(l, r, "Usage ledger %s was deleted and its directory cannot be created "
                                    "again (%s); create it (mkdir -p) with write permission for this user",
                                    l->path, strerror(-r));
        fd = open(dest, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0) {
                int e = errno;
                return ledger_failf(l, -e, "Usage ledger %s: cannot create %s to save its records: %s; %s",
                                    l->path, dest, strerror(e), fix(l, -e));
        }
        (void) close(fd);

        rc = sqlite3_open_v2(dest, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW, NULL);
        if (rc == SQLITE_OK) {
                b = sqlite3_backup_init(dst, "main", l->db, "main");
                if (b) {
                        rc = sqlite3_backup_step(b, -1);
                        (void) sqlite3_backup_finish(b);
                        rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
                }
                if (rc == SQLITE_OK)
                        rc = sqlite3_errcode(dst);
        }
        if (rc != SQLITE_OK) {
                int e = rc == SQLITE_FULL || (dst && sqlite3_system_errno(dst) == ENOSPC) ? -ENOSPC : -EIO;
                r = ledger_failf(l, e, "Usage ledger %s: cannot save its records to %s: %s; %s", l->path, dest,
                                 dst ? sqlite3_errmsg(dst) : sqlite3_errstr(rc), fix(l, e));
        }
        (void) sqlite3_close_v2(dst);
        if (r < 0)
                (void) unlink(dest);    /* our own half-written copy, never the user's file */
        return r;
}

static void sync_dir_of(const char *path) {
        const char *slash = strrchr(path, '/');
        char *dir;
        int fd;

        if (!slash)
                return;
        dir = strndup(path, slash == path ? 1 : (size_t) (slash - path));
        if (!dir)
                return;
        fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd >= 0) {
                (void) fsync(fd);
                (void) close(fd);
        }
        free(dir);
}

/* Close the old connection. keep_sidecars: the -wal name may belong to
 * another file now, and SQLite deletes it by name on close. */
static void disconnect(Ledger *l, bool keep_sidecars) {
        int one = 1;

        if (keep_sidecars)
                (void) sqlite3_file_control(l->db, "main", SQLITE_FCNTL_PERSIST_WAL, &one);
        (void) sqlite3_close_v2(l->db);
        l->db = NULL;
}

static int reconnect(Ledger *l) {
        int r = ledger_connect(l);
        if (r < 0) {
                /* A half-open connection is no use; keep the error it left. */
                (void) sqlite3_close_v2(l->db);
                l->db = NULL;
        }
        return r;
}

static int keep_aside(Ledger *l, const char *copy) {
        free(l->abandoned_path);
        l->abandoned_path = l->path;
        l->path = strdup(copy);
        if (!l->path) {
                l->path = STEAL_PTR(l->abandoned_path);
                return -ENOMEM;
        }
        return reconnect(l);
}

static int put_back(Ledger *l) {
        _cleanup_free_ char *tmp = NULL;
        int r;

        if (asprintf(&tmp, "%s.recovering-%ld", l->path, (long) getpid()) < 0)
                return -ENOMEM;
        r = checkpoint(l);
        if (r < 0)
                return r;
        r = copy_to(l, tmp);
        if (r < 0)
                return r;
        disconnect(l, false);
        if (link(tmp, l->path) < 0) {
                if (errno != EEXIST) {
                        r = -errno;
                        (void) ledger_failf(l, r, "Usage ledger %s was deleted; its records are saved in %s but "
                                            "cannot be put back: %s; move %s to %s and restart massaged",
                                            l->path, tmp, strerror(-r), tmp, l->path);
                        (void) keep_aside(l, tmp);
                        return r;
                }
                /* Another file appeared at the path meanwhile: it is not ours to replace. */
                return keep_aside(l, tmp);
        }
        (void) unlink(tmp);
        sync_dir_of(l->path);
        l->relinked++;
        return reconnect(l);
}

static int keep_replaced(Ledger *l) {
        _cleanup_free_ char *copy = NULL;
        int r;

        if (asprintf(&copy, "%s.kept-%lld", l->path, (long long) time(NULL)) < 0)
                return -ENOMEM;
        r = checkpoint(l);
        if (r < 0)
                return r;
        r = copy_to(l, copy);
        if (r < 0)
                return r;
        sync_dir_of(copy);
        disconnect(l, true);
        return keep_aside(l, copy);
}

static int abandoned_error(Ledger *l) {
        return ledger_failf(l, -ESTALE, "Usage ledger %s was replaced by another file while massaged was running; "
                            "massaged kept its own records in %s and starts no session until you choose: move the "
                            "one to keep to %s (the other aside) and restart massaged", l->abandoned_path, l->path,
                            l->abandoned_path);
}

static int check_writable(Ledger *l) {
        const char *slash = strrchr(l->path, '/');
        char *dir;
        int r = 0;

        if (access(l->path, R_OK | W_OK) < 0) {
                int e = errno;
                r = e == EROFS ? -EROFS : -EACCES;
                return ledger_failf(l, r, "Usage ledger %s is no longer %s: %s; %s", l->path,
                                    r == -EROFS ? "on a writable file system" : "readable and writable by this user",
                                    strerror(e), fix(l, r));
        }
        if (!slash)
                return 0;
        /* SQLite creates FILE-wal there when it opens the file again. */
        dir = strndup(l->path, slash == l->path ? 1 : (size_t) (slash - l->path));
        if (!dir)
                return -ENOMEM;
        if (access(dir, W_OK | X_OK) < 0) {
                int e = errno;
                r = ledger_failf(l, -EACCES, "Usage ledger %s: its directory %s is no longer writable by this "
                                 "user: %s; %s", l->path, dir, strerror(e), fix(l, -EACCES));
        }
        free(dir);
        return r;
}

/* After a restore, records may be missing: ledger_restore_hold() on the clocks now. */
static int restore_hold(Ledger *l) {
        SafetyClock now;
        int r = safety_clock_now(&now);

        if (r < 0)
                return ledger_failf(l, r, "Usage ledger %s: cannot read the clock: %s", l->path, strerror(-r));
        return ledger_restore_hold(l, &now);
}

int ledger_guard(Ledger *l, bool for_start) {
        FileState state;
        int r;

        if (!l->db) {
                /* An earlier recovery failed half way: try to connect again. */
                if (access(l->path, F_OK) < 0)
                        return ledger_failf(l, -ENOENT, "Usage ledger %s is missing and massaged could not "
                                            "recreate it; restart massaged", l->path);
                r = reconnect(l);
                if (r < 0)
                        return r;
        }
        if (!sqlite3_get_autocommit(l->db))
                return 0;       /* inside our own transaction: checked when it began */

        /* First, since every recovery below checkpoints: a WAL that changed
         * under us is set aside, never copied into the file (ledger-wal.c). */
        r = ledger_wal_guard(l);
        if (r < 0)
                return r;

        r = file_state(l, &state);
        if (r < 0)
                return r;
        switch (state) {
        case FILE_IN_PLACE:
                break;
        case FILE_SIDECAR_GONE:
                r = checkpoint(l);
                if (r < 0)
                        return r;
                disconnect(l, false);
                r = reconnect(l);
                if (r < 0)
                        return r;
                l->relinked++;
                break;
        case FILE_GONE:
                r = put_back(l);
                if (r < 0)
                        return r;
                break;
        case FILE_REPLACED:
                r = keep_replaced(l);
                if (r < 0)
                        return r;
                break;
        }

        if (!for_start)
                return 0;
        if (l->abandoned_path)
                return abandoned_error(l);
        r = check_writable(l);
        if (r < 0)
                return r;
        return restore_hold(l);
}

int ledger_check_start(Ledger *l) {
        return ledger_guard(l, true);
}

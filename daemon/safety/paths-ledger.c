/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Where the ledger lives, and moving it there from a directory an older
 * systemd or massaged used (paths.h, doc/packaging.md). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "ledger-internal.h"
#include "macro.h"
#include "paths.h"

#define LEDGER_NAME "usage.db"

void paths_ledger_clear(PathsLedger *p) {
        free(p->path);
        free(p->moved_from);
        free(p->ignored);
        free(p->error);
        *p = (PathsLedger) {};
}

static bool present(const char *path) {
        struct stat st;

        /* Anything we cannot rule out counts as there: never move over it. */
        return lstat(path, &st) == 0 || errno != ENOENT;
}

static bool same_dir(const char *a, const char *b) {
        struct stat sa, sb;

        if (strcmp(a, b) == 0)
                return true;
        return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

static int with_suffix(const char *path, const char *suffix, char **ret) {
        return asprintf(ret, "%s%s", path, suffix) < 0 ? -ENOMEM : 0;
}

static int set_error(char **error, const char *fmt, ...) _printf_(2, 3);
static int set_error(char **error, const char *fmt, ...) {
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = vasprintf(error, fmt, ap);
        va_end(ap);
        if (r < 0) {
                *error = NULL;
                return -ENOMEM;
        }
        return 0;
}

/* Takes SQLite's exclusive lock (fails at once if another connection has the
 * file open: in WAL mode each one holds a shared lock as long as it is open)
 * and folds the -wal into the main file, so that the main file alone holds
 * every record. The lock stays held until *ret_db is closed. 0, -EBUSY (in
 * use) or -EIO; *ret_what is SQLite's message. */
static int checkpoint_unused(const char *path, sqlite3 **ret_db, char **ret_what) {
        sqlite3 *db = NULL;
        sqlite3_stmt *st = NULL;
        int rc, r = 0;

        rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL);
        if (rc == SQLITE_OK)
                rc = sqlite3_exec(db, "PRAGMA locking_mode=EXCLUSIVE; BEGIN EXCLUSIVE; COMMIT;", NULL, NULL, NULL);
        if (rc == SQLITE_OK)
                rc = sqlite3_prepare_v2(db, "PRAGMA wal_checkpoint(TRUNCATE)", -1, &st, NULL);
        if (rc == SQLITE_OK) {
                rc = sqlite3_step(st);
                /* First column: 1 if the checkpoint could not complete. */
                if (rc == SQLITE_ROW)
                        rc = sqlite3_column_int(st, 0) == 0 ? SQLITE_OK : SQLITE_BUSY;
        }
        if (rc != SQLITE_OK) {
                r = (rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED ? -EBUSY : -EIO;
                *ret_what = strdup(db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
        }
        sqlite3_finalize(st);
        if (r < 0)
                sqlite3_close(db);
        else
                *ret_db = db;
        return r;
}


/* rename(2) cannot cross mount points, and systemd's sandbox bind-mounts each
 * ReadWritePaths= and StateDirectory= on its own (EXDEV on one file system):
 * copy to a temporary file beside to, fsync, rename it into place (never
 * over a file), then remove from. */
static int copy_then_remove(const char *from, const char *to) {
        _cleanup_free_ char *tmp = NULL;
        _cleanup_close_ int in = -EBADF, out = -EBADF;
        char buf[65536];
        ssize_t n;
        int r = 0;

        if (asprintf(&tmp, "%s.moving-XXXXXX", to) < 0)
                return -ENOMEM;
        in = open(from, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (in < 0)
                return -errno;
        out = mkostemp(tmp, O_CLOEXEC);
        if (out < 0)
                return -errno;
        while (r == 0 && (n = read(in, buf, sizeof buf)) != 0) {
                if (n < 0 && errno != EINTR)
                        r = -errno;
                for (ssize_t done = 0; r == 0 && n > 0 && done < n;) {
                        ssize_t w = write(out, buf + done, (size_t) (n - done));
                        if (w < 0 && errno != EINTR)
                                r = -errno;
                        done += w > 0 ? w : 0;
                }
        }
        if (r == 0 && (fchmod(out, 0600) < 0 || fsync(out) < 0))
                r = -errno;
        if (r == 0 && renameat2(AT_FDCWD, tmp, AT_FDCWD, to, RENAME_NOREPLACE) < 0)
                r = -errno;
        if (r < 0) {
                (void) unlink(tmp);
                return r;
        }
        paths_fsync_directory_of(to);
        /* The copy is durable in its place: only now the original goes. If
         * it cannot, every later start names it in a warning (->ignored). */
        (void) unlink(from);
        return 0;
}

/* Moves the ledger at from to to. 0, or -ENOMEM, or another negative errno
 * with the sentence for the user in *error (nothing moved then). */
static int move_ledger(const char *from, const char *to, char **error) {
        static const char *const side[] = { "-wal", "-shm" };
        _cleanup_free_ char *what = NULL;
        sqlite3 *db = NULL;
        int r;

        /* A -wal at the destination without its database would be replayed
         * into the moved one by SQLite: never move next to it. */
        for (size_t i = 0; i < ELEMENTSOF(side); i++) {
                _cleanup_free_ char *stray = NULL;

                if (with_suffix(to, side[i], &stray) < 0)
                        return -ENOMEM;
                if (present(stray))
                        return set_error(error, "The usage ledger %s is not moved to %s: %s is in the way (left "
                                         "without its database). Move it aside, then restart massaged", from, to,
                                         stray) ?: -EEXIST;
        }
        r = ledger_mkdir_parents(to);
        if (r < 0)
                return set_error(error, "The usage ledger %s cannot be moved to %s: cannot create that directory: "
                                 "%s. Fix that, or with massaged stopped move %s and its -wal/-shm files there by "
                                 "hand", from, to, strerror(-r), from) ?: r;

        r = checkpoint_unused(from, &db, &what);
        if (r == -EBUSY)
                return set_error(error, "The usage ledger %s is in use by another process (%s), so it is not moved "
                                 "to %s. Stop the other massaged ('systemctl --user stop massaged', or end the one "
                                 "started by hand), then restart massaged", from, what ?: "locked", to) ?: r;
        if (r < 0)
                return set_error(error, "The usage ledger %s cannot be moved to %s: it cannot be opened to fold in "
                                 "its -wal file (%s). Nothing was moved. If it is damaged, move it aside (massaged then "
                                 "starts a new ledger); if not, with massaged stopped move it and its -wal/-shm "
                                 "files there by hand. Then restart massaged", from, to, what ?: "unknown error") ?: r;

        /* The main file alone holds every record now, and nobody else can
         * open it while we hold the lock: renaming it is the one step that
         * moves the ledger, and it never replaces a file. */
        r = renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) < 0 ? -errno : 0;
        if (r == -EXDEV)
                r = copy_then_remove(from, to);
        /* Closing after the move: SQLite removes the (empty) -wal by its old
         * name, and a process that waited for the lock finds no file there. */
        sqlite3_close(db);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                return set_error(error, "The usage ledger %s cannot be moved to %s: %s%s. With massaged stopped, "
                                 "move it and any -wal/-shm file beside it there by hand (mv), then restart "
                                 "massaged", from, to, strerror(-r),
                                 r == -EROFS ? " (systemd's sandbox keeps it read-only: the unit's "
                                 "ReadWritePaths= does not name that directory)" : "") ?: r;
        }
        paths_fsync_directory_of(to);
        paths_fsync_directory_of(from);

        /* Leftovers: a -shm is only an index SQLite rebuilds; an empty -wal
         * holds nothing. A non-empty -wal (it cannot be after the checkpoint)
         * stays where it is rather than lose what it might hold. */
        for (size_t i = 0; i < ELEMENTSOF(side); i++) {
                _cleanup_free_ char *old = NULL;
                struct stat st;

                if (with_suffix(from, side[i], &old) < 0)
                        return -ENOMEM;
                if (lstat(old, &st) == 0 && S_ISREG(st.st_mode) && (i == 1 || st.st_size == 0))
                        (void) unlink(old);
        }
        return 0;
}

/* _cleanup_free_ on an array frees only its first element. */
static void free_pair(char *(*p)[2]) {
        free((*p)[0]);
        free((*p)[1]);
}

int paths_ledger_resolve(PathsLedger *ret) {
        _cleanup_free_ char *dir = NULL, *xdg_state = NULL, *xdg_config = NULL;
        _cleanup_(free_pair) char *found[2] = {};
        PathsLedger p = {};
        size_t n_found = 0;
        int r;

        r = paths_state_dir(&dir);
        if (r < 0)
                return r;
        /* The known old places: the XDG state directory (massaged's default
         * before it read $STATE_DIRECTORY, and systemd ≥ 254's), and the XDG
         * config directory (systemd 252's StateDirectory= of a user unit). */
        if (paths_xdg_dir("XDG_STATE_HOME", ".local/state", &xdg_state) == -ENOMEM ||
            paths_xdg_dir("XDG_CONFIG_HOME", ".config", &xdg_config) == -ENOMEM)
                return -ENOMEM;
        if (asprintf(&p.path, "%s/" LEDGER_NAME, dir) < 0)
                return -ENOMEM;

        const char *olds[] = { xdg_state, xdg_config };
        for (size_t i = 0; i < ELEMENTSOF(olds); i++) {
                _cleanup_free_ char *candidate = NULL;
                struct stat st;

                if (!olds[i] || same_dir(olds[i], dir))
                        continue;
                if (asprintf(&candidate, "%s/" LEDGER_NAME, olds[i]) < 0) {
                        paths_ledger_clear(&p);
                        return -ENOMEM;
                }
                if (lstat(candidate, &st) == 0 && S_ISREG(st.st_mode))
                        found[n_found++] = STEAL_PTR(candidate);
        }

        if (n_found == 0) {
                *ret = p;
                return 0;
        }
        if (present(p.path)) {
                p.ignored = STEAL_PTR(found[0]);
                *ret = p;
                return 0;
        }
        if (n_found > 1)
                r = set_error(&p.error, "There is no usage ledger at %s but two elsewhere, %s and %s: massaged "
                              "cannot tell which holds your sessions, and uses neither. With massaged stopped, "
                              "move the one to keep (with its -wal/-shm files) to %s and the other aside, then "
                              "restart massaged", p.path, found[0], found[1], dir);
        else {
                r = move_ledger(found[0], p.path, &p.error);
                if (r >= 0)
                        p.moved_from = STEAL_PTR(found[0]);
        }
        if (r == -ENOMEM) {
                paths_ledger_clear(&p);
                return r;
        }
        *ret = p;
        return 0;
}

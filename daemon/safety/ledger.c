/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The usage ledger: opening (permissions, integrity, migrations, crash
 * recovery), error reporting, and the writes. Queries are in ledger-query.c.
 *
 * Fail closed: any doubt about the file is an error that names the file and
 * the fix. Nothing here ever deletes, truncates or recreates an existing file.
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ledger-internal.h"
#include "macro.h"

#define LEDGER_BUSY_TIMEOUT_MS 5000

sqlite3 *ledger_db(Ledger *l) {
        return l ? l->db : NULL;
}

const char *ledger_path(const Ledger *l) {
        return l ? l->path : NULL;
}

const char *ledger_error(const Ledger *l) {
        return l && l->error ? l->error : "";
}

unsigned ledger_recovered_count(const Ledger *l) {
        return l ? l->recovered : 0;
}

static void set_error(Ledger *l, char *msg) {
        free(l->error);
        l->error = msg;
}

int ledger_failf(Ledger *l, int r, const char *fmt, ...) {
        va_list ap;
        char *m = NULL;

        va_start(ap, fmt);
        if (vasprintf(&m, fmt, ap) < 0)
                m = NULL;
        va_end(ap);
        set_error(l, m);
        return r;
}

/* SQLite result → errno, using the OS errno behind I/O errors when there is one. */
static int errno_from_sqlite(sqlite3 *db, int rc) {
        switch (rc & 0xff) {
        case SQLITE_CORRUPT:
        case SQLITE_NOTADB:
                return -EBADMSG;
        case SQLITE_READONLY:
                return -EROFS;
        case SQLITE_FULL:
                return -ENOSPC;
        case SQLITE_PERM:
        case SQLITE_AUTH:
        case SQLITE_CANTOPEN:
                return -EACCES;
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
                return -EBUSY;
        case SQLITE_NOMEM:
                return -ENOMEM;
        case SQLITE_CONSTRAINT:
        case SQLITE_MISMATCH:
        case SQLITE_RANGE:
                return -EINVAL;
        case SQLITE_IOERR: {
                int e = db ? sqlite3_system_errno(db) : 0;
                if (e == ENOSPC || e == EDQUOT)
                        return -ENOSPC;
                if (e == EROFS)
                        return -EROFS;
                if (e == EACCES || e == EPERM)
                        return -EACCES;
                return -EIO;
        }
        }
        return -EIO;
}

const char *ledger_fix_for(int r) {
        switch (r) {
        case -EBADMSG:
                return "the file is damaged and there is no usable backup (FILE.backup). massaged never deletes "
                       "it. To keep the history, stop massaged and copy a backup of your own over FILE. To start "
                       "an EMPTY ledger instead, move it aside (mv FILE FILE.broken): the history and today's "
                       "usage are then lost and the limits count from zero";
        case -EROFS:
                return "the file, its directory or its file system is read-only: make them writable (chmod u+w "
                       "FILE and its directory, which must hold FILE-wal), or remount the file system "
                       "read-write";
        case -ENOSPC:
                return "the disk is full: free some space on the file system that holds FILE";
        case -EACCES:
                return "permission denied: FILE and its directory must be readable and writable by this user "
                       "(chmod u+rw FILE; chmod u+rwx on its directory)";
        case -EBUSY:
                return "another process has the ledger open (another massaged, or a sqlite3 reading FILE): "
                       "close it; massaged keeps FILE to itself while it runs";
        case -ENOMEM:
                return "out of memory";
        }
        return "check the file system (dmesg) and the file";
}

char *ledger_fix_sentence(const char *path, int r) {
        const char *fix = ledger_fix_for(r);
        size_t n = strlen(fix) + 1;
        char *m;

        /* Spell FILE out so the message can be pasted. */
        for (const char *p = fix; (p = strstr(p, "FILE")); p += 4)
                n += strlen(path);
        m = malloc(n);
        if (m) {
                char *o = m;
                for (const char *p = fix; *p;)
                        if (strncmp(p, "FILE", 4) == 0) {
                                o = stpcpy(o, path);
                                p += 4;
                        } else
                                *o++ = *p++;
                *o = '\0';
        }
        return m;
}

int ledger_fail(Ledger *l, int rc, const char *what) {
        int r = errno_from_sqlite(l->db, rc);
        _cleanup_free_ char *m = ledger_fix_sentence(l->path, r);

        return ledger_failf(l, r, "Usage ledger %s: %s failed (%s); %s", l->path, what,
                            l->db ? sqlite3_errmsg(l->db) : sqlite3_errstr(rc), m ?: ledger_fix_for(r));
}

static int no_connection(Ledger *l) {
        /* Left by a recovery that failed half way (ledger-file.c); the error it set stays. */
        return l->error ? -EIO : ledger_failf(l, -EIO, "Usage ledger %s is not open; restart massaged", l->path);
}

int ledger_prepare(Ledger *l, const char *sql, sqlite3_stmt **ret) {
        if (!l->db)
                return no_connection(l);
        int rc = sqlite3_prepare_v2(l->db, sql, -1, ret, NULL);
        if (rc != SQLITE_OK)
                return ledger_fail(l, rc, "preparing a query");
        return 0;
}

int ledger_exec(Ledger *l, const char *sql, const char *what) {
        if (!l->db)
                return no_connection(l);
        int rc = sqlite3_exec(l->db, sql, NULL, NULL, NULL);
        if (rc != SQLITE_OK)
                return ledger_fail(l, rc, what);
        return 0;
}

static void rollback(Ledger *l) {
        (void) sqlite3_exec(l->db, "ROLLBACK", NULL, NULL, NULL);
}

static int commit(Ledger *l, const char *what) {
        int r = ledger_exec(l, "COMMIT", what);
        if (r < 0)
                rollback(l);
        return r;
}

/*
 * The writes a crash must not lose (a session's start, end and resume)
 * run with synchronous=FULL, so the commit is on disk before the device
 * moves. durable_begin() opens such a transaction; durable_finish() commits
 * it when r >= 0 (else rolls back) and goes back to NORMAL whatever
 * happened: a failure there only costs the durability of later writes.
 */
static int durable_begin(Ledger *l, const char *what) {
        int r = ledger_exec(l, "PRAGMA synchronous=FULL", what);
        if (r < 0)
                return r;
        r = ledger_exec(l, "BEGIN IMMEDIATE", what);
        if (r < 0)
                (void) ledger_exec(l, "PRAGMA synchronous=NORMAL", "restoring sync mode");
        return r;
}

static int durable_finish(Ledger *l, int r, const char *what) {
        int k;

        if (r >= 0)
                r = commit(l, what);
        else
                rollback(l);
        k = ledger_exec(l, "PRAGMA synchronous=NORMAL", "restoring sync mode");
        if (r >= 0 && k < 0)
                r = k;
        return r < 0 ? r : 0;
}

Ledger *ledger_close(Ledger *l) {
        if (!l)
                return NULL;
        /* sqlite3_close() checkpoints: never a WAL that changed under us (ledger-wal.c). */
        if (l->db && sqlite3_get_autocommit(l->db))
                (void) ledger_wal_guard(l);
        if (l->db)
                sqlite3_close_v2(l->db);
        free(l->path);
        free(l->error);
        free(l->abandoned_path);
        free(l->fix);
        free(l->broken_path);
        ledger_figures_cache_free(l->figures_cache);
        free(l);
        return NULL;
}

void ledger_closep(Ledger **l) {
        ledger_close(*l);
}

char *ledger_default_path(void) {
        const char *xdg = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
        char *p = NULL;

        if (xdg && xdg[0] == '/')
                return asprintf(&p, "%s/massaged/usage.db", xdg) < 0 ? NULL : p;
        if (home && home[0] == '/')
                return asprintf(&p, "%s/.local/state/massaged/usage.db", home) < 0 ? NULL : p;
        return NULL;
}

/* mkdir -p for the ledger's directory; components we create are 0700. */
int ledger_mkdir_parents(const char *path) {
        char *d = strdup(path), *slash;
        int r = 0;

        if (!d)
                return -ENOMEM;
        slash = strrchr(d, '/');
        if (slash && slash != d) {
                *slash = '\0';
                for (char *p = d + 1; r == 0 && *p; p++)
                        if (*p == '/') {
                                *p = '\0';
                                if (mkdir(d, 0700) < 0 && errno != EEXIST)
                                        r = -errno;
                                *p = '/';
                        }
                if (r == 0 && mkdir(d, 0700) < 0 && errno != EEXIST)
                        r = -errno;
        }
        free(d);
        return r;
}

/* Create the file 0600 if it does not exist; tighten an existing one to 0600. */
static int prepare_file(Ledger *l) {
        _cleanup_close_ int fd = -1;
        struct stat st;
        int r;

        r = ledger_mkdir_parents(l->path);
        if (r < 0)
                return ledger_failf(l, r, "Usage ledger %s: cannot create its directory: %s; create it (mkdir -p) "
                                    "with write permission for this user", l->path, strerror(-r));

        fd = open(l->path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0) {
                r = -errno;
                if (r == -EROFS) {
                        _cleanup_free_ char *fix = ledger_fix_sentence(l->path, r);
                        return ledger_failf(l, r, "Usage ledger %s: %s; %s", l->path, strerror(-r),
                                            fix ?: ledger_fix_for(r));
                }
                /* Readable but not writable is still "fail closed": no session may start
                 * when its row cannot be written. */
                return ledger_failf(l, r, "Usage ledger %s: cannot open for writing: %s; make the file and its "
                                    "directory writable by this user (chmod u+rw)", l->path, strerror(-r));
        }
        if (fstat(fd, &st) < 0)
                return ledger_failf(l, -errno, "Usage ledger %s: cannot stat: %s", l->path, strerror(errno));
        if (!S_ISREG(st.st_mode))
                return ledger_failf(l, -EINVAL, "Usage ledger %s: not a regular file; move it aside", l->path);
        /* Screening answers and the diary are health data: private to the user. */
        if ((st.st_mode & 07777) != 0600 && fchmod(fd, 0600) < 0)
                return ledger_failf(l, -errno, "Usage ledger %s: cannot make it private (chmod 600): %s", l->path,
                                    strerror(errno));
        return 0;
}

static int integrity_check(Ledger *l) {
        _cleanup_stmt_ sqlite3_stmt *s = NULL;
        int r, rc;

        r = ledger_prepare(l, "PRAGMA integrity_check(1)", &s);
        if (r < 0)
                return r;
        rc = sqlite3_step(s);
        if (rc != SQLITE_ROW)
                return ledger_fail(l, rc, "the integrity check");
        if (strcmp((const char *) sqlite3_column_text(s, 0), "ok") != 0)
                return ledger_failf(l, -EBADMSG, "Usage ledger %s: integrity check failed (%s); %s", l->path,
                                    (const char *) sqlite3_column_text(s, 0), ledger_fix_for(-EBADMSG));
        return 0;
}

static int set_wal(Ledger *l) {
        _cleanup_stmt_ sqlite3_stmt *s = NULL;
        int r, rc;

        r = ledger_prepare(l, "PRAGMA journal_mode=WAL", &s);
        if (r < 0)
                return r;
        rc = sqlite3_step(s);
        if (rc != SQLITE_ROW)
                return ledger_fail(l, rc, "switching to WAL mode");
        if (strcmp((const char *) sqlite3_column_text(s, 0), "wal") != 0)
                return ledger_failf(l, -EROFS, "Usage ledger %s: cannot use write-ahead logging (journal mode is "
                                    "\"%s\"); the directory must be writable by this user", l->path,
                                    (const char *) sqlite3_column_text(s, 0));
        return 0;
}

/* Close rows a crash left open: they already count at their planned length. */
static int recover(Ledger *l, const SafetyClock *now) {
        _cleanup_stmt_ sqlite3_stmt *sel = NULL, *ev = NULL;
        int r, rc;

        r = ledger_prepare(l, "SELECT id, device, planned_s FROM sessions WHERE end_reason IS NULL", &sel);
        if (r < 0)
                return r;
        r = ledger_prepare(l, "INSERT INTO events (wall_us, mono_us, boot_id, kind, device, detail) "
                              "VALUES (?, ?, ?, 'recovered', ?, ?)", &ev);
        if (r < 0)
                return r;
        while ((rc = sqlite3_step(sel)) == SQLITE_ROW) {
                char detail[128];
                (void) snprintf(detail, sizeof detail, "session %lld left open by a crash; counted as its planned %d s",
                         (long long) sqlite3_column_int64(sel, 0), sqlite3_column_int(sel, 2));
                sqlite3_reset(ev);
                sqlite3_bind_int64(ev, 1, now->wall_us);
                sqlite3_bind_int64(ev, 2, (sqlite3_int64) now->mono_us);
                sqlite3_bind_text(ev, 3, now->boot_id, -1, SQLITE_STATIC);
                sqlite3_bind_text(ev, 4, (const char *) sqlite3_column_text(sel, 1), -1, SQLITE_TRANSIENT);
                sqlite3_bind_text(ev, 5, detail, -1, SQLITE_TRANSIENT);
                rc = sqlite3_step(ev);
                if (rc != SQLITE_DONE)
                        return ledger_fail(l, rc, "recording a recovered session");
                l->recovered++;
        }
        if (rc != SQLITE_DONE)
                return ledger_fail(l, rc, "finding sessions left open");
        /* Left open while paused: the motors could not run again without a
         * Resume (which clears the bound), and the pause lasted until its bound
         * at most. Time paused is never rest, so the row ends at the bound,
         * whether the planned end was earlier or later (ledger_session_pause()). */
        r = ledger_exec(l, "UPDATE sessions SET end_wall_us = pause_end_wall_us, end_mono_us = pause_end_mono_us "
                           "WHERE end_reason IS NULL AND pause_end_wall_us IS NOT NULL AND pause_end_mono_us IS NOT NULL",
                        "ending sessions left open while paused at their bound");
        if (r < 0)
                return r;
        return ledger_exec(l, "UPDATE sessions SET end_reason = 'interrupted' WHERE end_reason IS NULL",
                           "closing sessions left open");
}

static int record_anchor(Ledger *l, const SafetyClock *now) {
        _cleanup_stmt_ sqlite3_stmt *s = NULL;
        int r, rc;

        if (!now->boot_id[0])
                return 0;
        r = ledger_prepare(l, "INSERT OR IGNORE INTO anchors (boot_id, wall_us, mono_us) VALUES (?, ?, ?)", &s);
        if (r < 0)
                return r;
        sqlite3_bind_text(s, 1, now->boot_id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 2, now->wall_us);
        sqlite3_bind_int64(s, 3, (sqlite3_int64) now->mono_us);
        rc = sqlite3_step(s);
        if (rc != SQLITE_DONE)
                return ledger_fail(l, rc, "recording the clock anchor");
        return 0;
}

/* After every commit: the WAL then holds nothing the file does not, so a WAL
 * truncated or overwritten between our writes costs nothing (ledger-wal.c).
 * Only a WAL that is still whole is copied; a failure leaves the frames in
 * the WAL, where the next write or the close checks them again. */
static int checkpoint_after_commit(void *userdata, sqlite3 *db, const char *name, int n_frames) {
        Ledger *l = userdata;

        if (ledger_wal_record(l, n_frames) == 1)
                (void) ledger_wal_checkpoint(l);
        return SQLITE_OK;
}

/* Every write passes through a commit (or is undone by a rollback): the one
 * place that tells the figures cache the file changed (ledger-figures-cache.c). */
static int generation_on_commit(void *userdata) {
        Ledger *l = userdata;

        l->generation++;
        return 0;       /* 0: let the commit go ahead */
}

static void generation_on_rollback(void *userdata) {
        Ledger *l = userdata;

        l->generation++;
}

int ledger_connect(Ledger *l) {
        int r, rc;

        /* A new connection may be another file (relinked, restored, WAL set aside). */
        l->generation++;
        l->wal = (WalIndex) {};
        /* NOMUTEX: one thread (the daemon's event loop) uses this connection, so
         * SQLite's per-call mutex only costs: a lock and unlock around every
         * sqlite3_column_*() (7 % of a year's usage per day, doc/performance.md). */
        rc = sqlite3_open_v2(l->path, &l->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_NOMUTEX,
                             NULL);
        if (rc != SQLITE_OK)
                return ledger_fail(l, rc, "opening");
        sqlite3_extended_result_codes(l->db, 1);
        sqlite3_busy_timeout(l->db, LEDGER_BUSY_TIMEOUT_MS);

        /* Before the first read touches the WAL: SQLite then keeps the WAL's
         * index in its heap and never creates or maps a FILE-shm. A mapped
         * -shm truncated by anyone (truncate -s 0 usage.db-shm) kills the
         * daemon with SIGBUS on the next read; garbage written into it is
         * trusted as the index. The cost: the file stays locked while we run,
         * so another process's sqlite3 waits until massaged exits (it does
         * when idle) — doc/configuration.md. */
        r = ledger_exec(l, "PRAGMA locking_mode=EXCLUSIVE", "taking the ledger for this process alone");
        if (r < 0)
                return r;

        r = integrity_check(l);
        if (r < 0)
                return r;
        r = set_wal(l);
        if (r < 0)
                return r;
        r = ledger_exec(l, "PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON", "setting up");
        if (r < 0)
                return r;
        (void) sqlite3_wal_hook(l->db, checkpoint_after_commit, l);
        (void) sqlite3_commit_hook(l->db, generation_on_commit, l);
        (void) sqlite3_rollback_hook(l->db, generation_on_rollback, l);
        /* Remember which file this is, so ledger_guard() notices when the
         * path stops naming it (deleted or replaced while we run). */
        return ledger_file_remember(l);
}

static int record_restore(Ledger *l, const SafetyClock *now) {
        char detail[PATH_MAX + 256], when[64];
        time_t t = (time_t) (l->backup_wall_us / 1000000);
        struct tm tm;

        if (!localtime_r(&t, &tm) || strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm) == 0)
                (void) snprintf(when, sizeof when, "an unknown time");
        (void) snprintf(detail, sizeof detail, "ledger damaged, moved to %s; restored from the backup of %s; "
                        "records after it may be missing, so no session starts for 24 h", l->broken_path, when);
        return ledger_record_restored(l, now, detail);
}

int ledger_open(const char *path, const SafetyClock *now, Ledger **ret, char **ret_error) {
        Ledger *l = NULL;
        SafetyClock clock;
        int r;

        if (ret_error)
                *ret_error = NULL;
        if (!path || !*path || !ret) {
                if (ret_error)
                        *ret_error = strdup("Usage ledger: no file name given");
                return -EINVAL;
        }
        if (!now) {
                r = safety_clock_now(&clock);
                if (r < 0) {
                        if (ret_error && asprintf(ret_error, "Usage ledger %s: cannot read the clock: %s", path,
                                                  strerror(-r)) < 0)
                                *ret_error = NULL;
                        return r;
                }
                now = &clock;
        }

        ledger_memory_setup();
        l = calloc(1, sizeof *l);
        if (!l || !(l->path = strdup(path))) {
                free(l);
                return -ENOMEM;
        }

        r = prepare_file(l);
        if (r < 0)
                goto fail;

        r = ledger_connect(l);
        if (r == -EBADMSG) {
                /* Damaged: put the backup in its place, keeping the damaged file aside (ledger-backup.c). */
                r = ledger_restore(l, r);
                if (r >= 0)
                        r = ledger_connect(l);
        }
        if (r < 0)
                goto fail;

        r = ledger_exec(l, "BEGIN IMMEDIATE", "starting the upgrade");
        if (r < 0)
                goto fail;
        r = ledger_schema_migrate(l, LEDGER_SCHEMA_VERSION);
        if (r >= 0)
                r = ledger_schema_indexes(l);
        if (r >= 0)
                r = recover(l, now);
        if (r >= 0)
                r = record_anchor(l, now);
        if (r >= 0 && l->broken_path)
                r = record_restore(l, now);
        if (r < 0) {
                rollback(l);
                goto fail;
        }
        r = commit(l, "committing the upgrade and recovery");
        if (r < 0)
                goto fail;

        *ret = l;
        return 0;

fail:
        if (ret_error)
                *ret_error = l->error ? strdup(l->error) : NULL;
        ledger_close(l);
        return r;
}

/* ---- devices ------------------------------------------------------------ */

int ledger_device_add(Ledger *l, const char *address, const char *name, int64_t wall_us) {
        _cleanup_stmt_ sqlite3_stmt *s = NULL;
        int r, rc;

        if (!address || !*address)
                return ledger_failf(l, -EINVAL, "No device address given");
        r = ledger_guard(l, false);
        if (r < 0)
                return r;
        r = ledger_prepare(l, "INSERT INTO devices (address, name, added_wall_us) VALUES (?, ?, ?) "
                              "ON CONFLICT(address) DO UPDATE SET name = excluded.name", &s);
        if (r < 0)
                return r;
        sqlite3_bind_text(s, 1, address, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 2, name ? name : "", -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 3, wall_us);
        rc = sqlite3_step(s);
        if (rc != SQLITE_DONE)
                return ledger_fail(l, rc, "adding a device");
        return 0;
}

int ledger_device_remove(Ledger *l, const char *address) {
        _cleanup_stmt_ sqlite3_stmt *s = NULL;
        int r, rc;

        r = ledger_guard(l, false);
        if (r < 0)
                return r;
        r = ledger_prepare(l, "DELETE FROM devices WHERE address = ?", &s);
        if (r < 0)
                return r;
        sqlite3_bind_text(s, 1, address, -1, SQLITE_STATIC);
        rc = sqlite3_step(s);
        if (rc != SQLITE_DONE)
                return ledger_fail(l, rc, "removing a device");
        if (sqlite3_changes(l->db) == 0)
                return ledger_failf(l, -ENOENT, "Device %s is not in the list of added devices", address);
        return 0;
}

int ledger_device_known(Ledger *l, const char *address) {
        _cleanup_stmt_ sqlite3_stmt *s = NULL;
        int r, rc;

        r = ledger_prepare(l, "SELECT 1 FROM devices WHERE address = ?", &s);
        if (r < 0)
                return r;
        sqlite3_bind_text(s, 1, address, -1, SQLITE_STATIC);
        rc = sqlite3_step(s);
        if (rc == SQLITE_ROW)
                return 1;
        if (rc == SQLITE_DONE)
                return 0;
        return ledger_fail(l, rc, "looking up a device");
}

void ledger_device_list_free(LedgerDevice *d, size_t n) {
        for (size_t i = 0; d && i < n; i++) {
                free(d[i].address);
                free(d[i].name);
        }
        free(d);
}

int ledger_device_list(Ledger *l, LedgerDevice **ret, size_t *ret_n) {
        _cleanup_stmt_ sqlite3_stmt *s = NULL;
        LedgerDevice *d = NULL;
        size_t n = 0;
        int r, rc;

        r = ledger_prepare(l, "SELECT address, name, added_wall_us FROM devices ORDER BY address", &s);
        if (r < 0)
                return r;
        while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
                LedgerDevice *nd = realloc(d, (n + 1) * sizeof *nd);
                if (!nd) {
                        ledger_device_list_free(d, n);
                        return -ENOMEM;
                }
                d = nd;
                d[n] = (LedgerDevice) {
                        .address = strdup((const char *) sqlite3_column_text(s, 0)),
                        .name = strdup((const char *) sqlite3_column_text(s, 1)),
                        .added_wall_us = sqlite3_column_int64(s, 2),
                };
                n++;
                if (!d[n - 1].address || !d[n - 1].name) {
                        ledger_device_list_free(d, n);
                        return -ENOMEM;
                }
        }
        if (rc != SQLITE_DONE) {
                ledger_device_list_free(d, n);
                return ledger_fail(l, rc, "listing devices");
        }
        *ret = d;
        *ret_n = n;
        return 0;
}

/* ---- events ------------------------------------------------------------- */

static const char *const event_names[_LEDGER_EVENT_MAX] = {
        [LEDGER_EVENT_REFUSAL] = "refusal",
        [LEDGER_EVENT_LIMIT_CHANGE] = "limit_change",
        [LEDGER_EVENT_THERMAL_TRIP] = "thermal_trip",
        [LEDGER_EVENT_THERMAL_ACK] = "thermal_ack",
        [LEDGER_EVENT_HEAT_RESET] = "heat_reset",
        [LEDGER_EVENT_HEAT_OFF] = "heat_off",
        [LEDGER_EVENT_STOP_REASON] = "stop_reason",
        [LEDGER_EVENT_LINK_LOST] = "link_lost",
        [LEDGER_EVENT_DEVICE_FAULT] = "device_fault",
        [LEDGER_EVENT_SCREENING] = "screening",
        [LEDGER_EVENT_CLEARANCE] = "clearance",
        [LEDGER_EVENT_RECOVERED] = "recovered",
        [LEDGER_EVENT_RESTORED] = "restored",
        [LEDGER_EVENT_SCREENING_CORRECTION] = "screening_correction",
};

const char *ledger_event_kind_to_string(LedgerEventKind k) {
        if ((unsigned) k >= _LEDGER_EVENT_MAX)
                return "unknown";
        return event_names[k];
}

int ledger_event_kind_from_string(const char *s) {
        for (unsigned i = 0; s && i < _LEDGER_EVENT_MAX; i++)
                if (strcmp(event_names[i], s) == 0)
                        return (int) i;
        return -EINVAL;
}

/* The insert itself. The restore records its event through here, without
 * ledger_guard(): it runs inside the guard's own recovery and at open. */
int ledger_event_insert(Ledger *l, const SafetyClock *now, LedgerEventKind kind, const char *device,
                        const char *detail) {
        _cleanup_stmt_ sqlite3_stmt *s = NULL;
        int r, rc;

        if ((unsigned) kind >= _LEDGER_EVENT_MAX || !now)
                return ledger_failf(l, -EINVAL, "Invalid safety event");
        r = ledger_prepare(l, "INSERT INTO events (wall_us, mono_us, boot_id, kind, device, detail) "
                              "VALUES (?, ?, ?, ?, ?, ?)", &s);
        if (r < 0)
                return r;
        sqlite3_bind_int64(s, 1, now->wall_us);
        sqlite3_bind_int64(s, 2, (sqlite3_int64) now->mono_us);
        sqlite3_bind_text(s, 3, now->boot_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 4, event_names[kind], -1, SQLITE_STATIC);
        if (device)
                sqlite3_bind_text(s, 5, device, -1, SQLITE_STATIC);
        if (detail)
                sqlite3_bind_text(s, 6, detail, -1, SQLITE_STATIC);
        rc = sqlite3_step(s);
        if (rc != SQLITE_DONE)
                return ledger_fail(l, rc, "recording a safety event");
        return 0;
}

int ledger_event_add(Ledger *l, const SafetyClock *now, LedgerEventKind kind, const char *device,
                     const char *detail) {
        int r = ledger_guard(l, false);

        return r < 0 ? r : ledger_event_insert(l, now, kind, device, detail);
}

/* ---- screening ---------------------------------------------------------- */

/* The "yes" answers in force after the latest submission (0 if none). */
static int screening_standing(Ledger *l, uint32_t *ret) {
        _cleanup_stmt_ sqlite3_stmt *s = NULL;
        int r, rc;

        r = ledger_prepare(l, "SELECT standing FROM screening ORDER BY id DESC LIMIT 1", &s);
        if (r < 0)
                return r;
        rc = sqlite3_step(s);
        if (rc != SQLITE_ROW && rc != SQLITE_DONE)
                return ledger_fail(l, rc, "reading the screening");
        *ret = rc == SQLITE_ROW ? (uint32_t) sqlite3_column_int64(s, 0) & SCREENING_ALL_MASK : 0;
        return 0;
}

static int screening_insert(Ledger *l, const SafetyClock *now, const ScreeningAnswers *a, uint32_t corrected,
                            uint32_t standing) {
        _cleanup_stmt_ sqlite3_stmt *s = NULL;
        int r, rc;

        r = ledger_prepare(l, "INSERT INTO screening (wall_us, mono_us, boot_id, answered, yes, cleared_wall_us, "
                              "corrected, standing) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", &s);
        if (r < 0)
                return r;
        sqlite3_bind_int64(s, 1, now->wall_us);
        sqlite3_bind_int64(s, 2, (sqlite3_int64) now->mono_us);
        sqlite3_bind_text(s, 3, now->boot_id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 4, a->answered);
        sqlite3_bind_int64(s, 5, a->yes);
        if (a->clearance)
                sqlite3_bind_int64(s, 6, now->wall_us);
        sqlite3_bind_int64(s, 7, corrected);
        sqlite3_bind_int64(s, 8, standing);
        rc = sqlite3_step(s);
        if (rc != SQLITE_DONE)
                return ledger_fail(l, rc, "recording screening answers");
        return 0;
}

int ledger_screening_record(Ledger *l, const SafetyClock *now, const ScreeningAnswers *a, uint32_t *ret_corrected) {
        uint32_t before = 0, corrected = 0, standing = 0;
        char detail[512], fixed[512];
        int r;

        if (!a || !now || screening_answers_complete(a, NULL) < 0)
                return ledger_failf(l, -EINVAL, "Screening answers are incomplete");
        screening_format_keys(detail, sizeof detail, a->yes, "yes: ", "all no");

        r = ledger_guard(l, false);
        if (r < 0)
                return r;
        r = ledger_exec(l, "BEGIN IMMEDIATE", "recording screening answers");
        if (r < 0)
                return r;
        /* Read inside the transaction, so the standing answers are the ones this row follows. */
        r = screening_standing(l, &before);
        if (r >= 0) {
                corrected = a->correction ? screening_contradicted(before, a) : 0;
                standing = screening_standing_after(before, a);
                r = screening_insert(l, now, a, corrected, standing);
        }
        if (r >= 0)
                r = ledger_event_add(l, now, LEDGER_EVENT_SCREENING, NULL, detail);
        if (r >= 0 && corrected) {
                screening_format_keys(fixed, sizeof fixed, corrected, "corrected from yes to no: ", "");
                r = ledger_event_add(l, now, LEDGER_EVENT_SCREENING_CORRECTION, NULL, fixed);
        }
        /* A clearance covers every "yes" in force, also one this submission answered "no". */
        if (r >= 0 && a->clearance && standing)
                r = ledger_event_add(l, now, LEDGER_EVENT_CLEARANCE, NULL, "recorded with the answers");
        if (r < 0) {
                rollback(l);
                return r;
        }
        r = commit(l, "recording screening answers");
        if (r >= 0 && ret_corrected)
                *ret_corrected = corrected;
        return r;
}

int ledger_screening_clear(Ledger *l, const SafetyClock *now) {
        _cleanup_stmt_ sqlite3_stmt *s = NULL;
        int r, rc;

        r = ledger_guard(l, false);
        if (r < 0)
                return r;
        r = ledger_exec(l, "BEGIN IMMEDIATE", "recording a clearance");
        if (r < 0)
                return r;
        r = ledger_prepare(l, "UPDATE screening SET cleared_wall_us = ? "
                              "WHERE id = (SELECT MAX(id) FROM screening)", &s);
        if (r < 0) {
                rollback(l);
                return r;
        }
        sqlite3_bind_int64(s, 1, now->wall_us);
        rc = sqlite3_step(s);
        if (rc != SQLITE_DONE) {
                r = ledger_fail(l, rc, "recording a clearance");
                rollback(l);
                return r;
        }
        if (sqlite3_changes(l->db) == 0) {
                rollback(l);
                return ledger_failf(l, -ENOENT, "No screening answers to clear: answer the screening first");
        }
        r = ledger_event_add(l, now, LEDGER_EVENT_CLEARANCE, NULL, NULL);
        if (r < 0) {
                rollback(l);
                return r;
        }
        return commit(l, "recording a clearance");
}

/* ---- settings ----------------------------------------------------------- */

int ledger_setting_set(Ledger *l, LimitId id, uint32_t value, LimitSource source, int64_t wall_us) {
        _cleanup_stmt_ sqlite3_stmt *s = NULL;
        const LimitInfo *li = limit_info(id);
        char *msg = NULL;
        int r, rc;

        if (!li)
                return ledger_failf(l, -EINVAL, "Unknown limit");
        if (limit_validate(id, value, &msg) < 0) {
                r = ledger_failf(l, -ERANGE, "%s", msg ? msg : "value out of range");
                free(msg);
                return r;
        }
        r = ledger_guard(l, false);
        if (r < 0)
                return r;
        r = ledger_prepare(l, "INSERT INTO settings (key, value, source, wall_us) VALUES (?, ?, ?, ?) "
                              "ON CONFLICT(key) DO UPDATE SET value = excluded.value, source = excluded.source, "
                              "wall_us = excluded.wall_us", &s);
        if (r < 0)
                return r;
        sqlite3_bind_text(s, 1, li->key, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 2, value);
        sqlite3_bind_text(s, 3, limit_source_to_string(source), -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 4, wall_us);
        rc = sqlite3_step(s);
        if (rc != SQLITE_DONE)
                return ledger_fail(l, rc, "storing a limit");
        return 0;
}

int ledger_setting_delete(Ledger *l, LimitId id) {
        _cleanup_stmt_ sqlite3_stmt *s = NULL;
        const LimitInfo *li = limit_info(id);
        int r, rc;

        if (!li)
                return ledger_failf(l, -EINVAL, "Unknown limit");
        r = ledger_guard(l, false);
        if (r < 0)
                return r;
        r = ledger_prepare(l, "DELETE FROM settings WHERE key = ?", &s);
        if (r < 0)
                return r;
        sqlite3_bind_text(s, 1, li->key, -1, SQLITE_STATIC);
        rc = sqlite3_step(s);
        if (rc != SQLITE_DONE)
                return ledger_fail(l, rc, "removing a limit");
        if (sqlite3_changes(l->db) == 0)
                return ledger_failf(l, -ENOENT, "Limit %s has no run-time setting", li->key);
        return 0;
}

static int strv_push(char ***v, size_t *n, char *s) {
        char **nv;

        if (!s)
                return -ENOMEM;
        nv = realloc(*v, (*n + 2) * sizeof *nv);
        if (!nv) {
                free(s);
                return -ENOMEM;
        }
        nv[(*n)++] = s;
        nv[*n] = NULL;
        *v = nv;
        return 0;
}

int ledger_settings_apply(Ledger *l, Limits *limits, LimitSource sources[_LIMIT_MAX], char ***ret_warnings) {
        _cleanup_stmt_ sqlite3_stmt *s = NULL;
        char **w = NULL;
        size_t nw = 0;
        int r, rc;

        r = ledger_prepare(l, "SELECT key, value, source FROM settings ORDER BY key", &s);
        if (r < 0)
                return r;
        while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
                const char *key = (const char *) sqlite3_column_text(s, 0);
                sqlite3_int64 v = sqlite3_column_int64(s, 1);
                int id = limit_from_key(key), src;
                char *m = NULL;

                if (id < 0) {
                        if (asprintf(&m, "%s: stored setting \"%s\" is unknown to this massaged, ignored", l->path,
                                     key) < 0)
                                m = NULL;
                        r = strv_push(&w, &nw, m);
                } else if (v < 0 || limit_validate((LimitId) id, (uint64_t) v, NULL) < 0) {
                        uint32_t c = limit_clamp((LimitId) id, v < 0 ? 0 : (uint64_t) v);
                        if (asprintf(&m, "%s: stored setting %s = %lld out of range [%u, %u]; using %u", l->path, key,
                                     (long long) v, limit_info(id)->min, limit_info(id)->max, c) < 0)
                                m = NULL;
                        limits->value[id] = c;
                        src = limit_source_from_string((const char *) sqlite3_column_text(s, 2));
                        if (sources)
                                sources[id] = src < 0 ? LIMIT_SOURCE_API : (LimitSource) src;
                        r = strv_push(&w, &nw, m);
                } else {
                        limits->value[id] = (uint32_t) v;
                        src = limit_source_from_string((const char *) sqlite3_column_text(s, 2));
                        if (sources)
                                sources[id] = src < 0 ? LIMIT_SOURCE_API : (LimitSource) src;
                        r = 0;
                }
                if (r < 0) {
                        program_strv_free(w);
                        return r;
                }
        }
        if (rc != SQLITE_DONE) {
                program_strv_free(w);
                return ledger_fail(l, rc, "reading stored limits");
        }
        if (ret_warnings)
                *ret_warnings = w;
        else
                program_strv_free(w);
        return 0;
}

/* ---- sessions ----------------------------------------------------------- */

static char *plan_to_text(const PolicyPlan *p) {
        /* "at:seconds:intensity:pattern:heat;…", compact and readable in sqlite3. */
        size_t size = p->n_steps * 40 + 1, n = 0;
        char *t = malloc(size);

        if (!t)
                return NULL;
        t[0] = '\0';
        for (size_t i = 0; i < p->n_steps; i++) {
                const PolicyStep *s = &p->steps[i];
                n += (size_t) snprintf(t + n, size - n, "%s%u:%u:%u:%u:%u", i ? ";" : "", s->at_s, s->seconds,
                                       s->intensity, s->pattern, s->heat_level);
        }
        return t;
}

static uint32_t plan_heat_seconds(const PolicyPlan *p) {
        uint32_t h = 0;
        for (size_t i = 0; i < p->n_steps; i++)
                if (p->steps[i].heat_level > 0)
                        h += p->steps[i].seconds;
        return h;
}

int ledger_session_begin(Ledger *l, const SafetyClock *now, const char *device, const PolicyPlan *plan,
                         int64_t *ret_id) {
        _cleanup_stmt_ sqlite3_stmt *s = NULL;
        char *text = NULL;
        uint32_t heat;
        int r, rc;

        if (!now || !device || !plan || !plan->program || !ret_id)
                return ledger_failf(l, -EINVAL, "Invalid session");
        /* Fail closed before the row: a ledger we could not open again, or a
         * path that names another file now, starts nothing. */
        r = ledger_guard(l, true);
        if (r < 0)
                return r;
        text = plan_to_text(plan);
        if (!text)
                return -ENOMEM;
        heat = plan_heat_seconds(plan);

        /* Durable: the row is on disk before we return, hence before the device starts. */
        r = durable_begin(l, "recording the session start");
        if (r < 0) {
                free(text);
                return r;
        }
        r = ledger_prepare(l, "INSERT INTO sessions (device, program, start_wall_us, start_mono_us, boot_id, "
                              "planned_s, planned_heat_s, intensity, heat_level, plan, seconds, heat_seconds, "
                              "end_wall_us, end_mono_us) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", &s);
        if (r >= 0) {
                sqlite3_bind_text(s, 1, device, -1, SQLITE_STATIC);
                sqlite3_bind_text(s, 2, plan->program->name, -1, SQLITE_STATIC);
                sqlite3_bind_int64(s, 3, now->wall_us);
                sqlite3_bind_int64(s, 4, (sqlite3_int64) now->mono_us);
                sqlite3_bind_text(s, 5, now->boot_id, -1, SQLITE_STATIC);
                sqlite3_bind_int64(s, 6, plan->session_s);
                sqlite3_bind_int64(s, 7, heat);
                sqlite3_bind_int(s, 8, plan->intensity);
                sqlite3_bind_int(s, 9, plan->heat_level);
                sqlite3_bind_text(s, 10, text, -1, SQLITE_STATIC);
                /* Counted as planned until the end is recorded (conservative accounting). */
                sqlite3_bind_int64(s, 11, plan->session_s);
                sqlite3_bind_int64(s, 12, heat);
                sqlite3_bind_int64(s, 13, now->wall_us + (int64_t) plan->session_s * (int64_t) USEC_PER_SEC);
                sqlite3_bind_int64(s, 14, (sqlite3_int64) now->mono_us + (sqlite3_int64) plan->session_s * (sqlite3_int64) USEC_PER_SEC);
                rc = sqlite3_step(s);
                if (rc != SQLITE_DONE)
                        r = ledger_fail(l, rc, "recording the session start");
        }
        if (r >= 0)
                *ret_id = sqlite3_last_insert_rowid(l->db);
        free(text);
        sqlite3_reset(s);
        return durable_finish(l, r, "recording the session start");
}

/* The row of a session that is still open, read inside the caller's transaction. */
typedef struct OpenSessionRow {
        int64_t start_wall, end_wall;           /* end: the planned one */
        uint64_t start_mono, end_mono;
        char boot_id[SAFETY_BOOT_ID_LEN + 1];
        char device[32];
} OpenSessionRow;

/* 0, or -ENOENT (no such session), -EALREADY (it has ended), or an SQLite error, with l->error set. */
static int open_session_row(Ledger *l, int64_t id, OpenSessionRow *ret) {
        _cleanup_stmt_ sqlite3_stmt *sel = NULL;
        int r, rc;

        r = ledger_prepare(l, "SELECT start_wall_us, start_mono_us, boot_id, end_reason, end_wall_us, end_mono_us, "
                              "device FROM sessions WHERE id = ?", &sel);
        if (r < 0)
                return r;
        sqlite3_bind_int64(sel, 1, id);
        rc = sqlite3_step(sel);
        if (rc == SQLITE_DONE)
                return ledger_failf(l, -ENOENT, "No session %lld in the ledger", (long long) id);
        if (rc != SQLITE_ROW)
                return ledger_fail(l, rc, "finding the session");
        if (sqlite3_column_type(sel, 3) != SQLITE_NULL)
                return ledger_failf(l, -EALREADY, "Session %lld has already ended", (long long) id);
        *ret = (OpenSessionRow) {
                .start_wall = sqlite3_column_int64(sel, 0),
                .start_mono = (uint64_t) sqlite3_column_int64(sel, 1),
                .end_wall = sqlite3_column_int64(sel, 4),
                .end_mono = (uint64_t) sqlite3_column_int64(sel, 5),
        };
        (void) snprintf(ret->boot_id, sizeof ret->boot_id, "%s", (const char *) sqlite3_column_text(sel, 2) ?: "");
        (void) snprintf(ret->device, sizeof ret->device, "%s", (const char *) sqlite3_column_text(sel, 6) ?: "");
        return 0;
}

int ledger_session_end(Ledger *l, int64_t id, const SafetyClock *now, uint32_t actual_s, uint32_t heat_s,
                       PolicyEndReason reason) {
        _cleanup_stmt_ sqlite3_stmt *upd = NULL;
        OpenSessionRow row = {};
        int64_t end_wall;
        uint64_t end_mono;
        int r, rc;

        if (!now || (unsigned) reason >= _POLICY_END_MAX)
                return ledger_failf(l, -EINVAL, "Invalid session end");
        r = ledger_guard(l, false);
        if (r < 0)
                return r;

        r = durable_begin(l, "recording the session end");
        if (r < 0)
                return r;
        r = open_session_row(l, id, &row);
        if (r < 0)
                return durable_finish(l, r, "recording the session end");

        /* The end follows from the start and the monotonic time in between, so a
         * wall-clock jump during the session changes nothing. */
        if (row.boot_id[0] && strcmp(row.boot_id, now->boot_id) == 0 && now->mono_us >= row.start_mono) {
                end_mono = now->mono_us;
                end_wall = row.start_wall + (int64_t) (now->mono_us - row.start_mono);
        } else {
                end_mono = row.start_mono + (uint64_t) actual_s * USEC_PER_SEC;
                end_wall = MAX(now->wall_us, row.start_wall + (int64_t) actual_s * (int64_t) USEC_PER_SEC);
        }

        r = ledger_prepare(l, "UPDATE sessions SET seconds = ?, heat_seconds = ?, end_wall_us = ?, end_mono_us = ?, "
                              "end_reason = ? WHERE id = ?", &upd);
        if (r < 0)
                return durable_finish(l, r, "recording the session end");
        sqlite3_bind_int64(upd, 1, actual_s);
        sqlite3_bind_int64(upd, 2, heat_s);
        sqlite3_bind_int64(upd, 3, end_wall);
        sqlite3_bind_int64(upd, 4, (sqlite3_int64) end_mono);
        sqlite3_bind_text(upd, 5, policy_end_reason_to_string(reason), -1, SQLITE_STATIC);
        sqlite3_bind_int64(upd, 6, id);
        rc = sqlite3_step(upd);
        sqlite3_reset(upd);
        if (rc != SQLITE_DONE)
                r = ledger_fail(l, rc, "recording the session end");
        else if (policy_end_reason_is_symptom(reason))
                r = ledger_event_add(l, now, LEDGER_EVENT_STOP_REASON, row.device[0] ? row.device : NULL,
                                     policy_end_reason_to_string(reason));
        return durable_finish(l, r, "recording the session end");
}

int ledger_session_resume(Ledger *l, int64_t id, const SafetyClock *now, uint32_t remaining_s) {
        _cleanup_stmt_ sqlite3_stmt *upd = NULL;
        int64_t end_wall, left = (int64_t) remaining_s * (int64_t) USEC_PER_SEC;
        uint64_t end_mono;
        OpenSessionRow row = {};
        int r, rc;

        if (!now)
                return ledger_failf(l, -EINVAL, "Invalid session resume");
        r = ledger_guard(l, false);
        if (r < 0)
                return r;
        /* Durable: the new end is on disk before the device runs again. */
        r = durable_begin(l, "recording the resumed session's end");
        if (r < 0)
                return r;
        r = open_session_row(l, id, &row);
        if (r < 0)
                return durable_finish(l, r, "recording the resumed session's end");
        end_wall = row.end_wall;
        end_mono = row.end_mono;

        /* As in ledger_session_end(): the wall end follows the monotonic time
         * since the start, so a wall-clock jump changes nothing. Only later. */
        if (row.boot_id[0] && strcmp(row.boot_id, now->boot_id) == 0 && now->mono_us >= row.start_mono) {
                end_wall = MAX(end_wall, row.start_wall + (int64_t) (now->mono_us - row.start_mono) + left);
                end_mono = MAX(end_mono, now->mono_us + (uint64_t) left);
        } else
                end_wall = MAX(end_wall, now->wall_us + left);

        /* Running again: the pause's bound no longer holds the end. */
        r = ledger_prepare(l, "UPDATE sessions SET end_wall_us = ?, end_mono_us = ?, pause_end_wall_us = NULL, "
                              "pause_end_mono_us = NULL WHERE id = ?", &upd);
        if (r < 0)
                return durable_finish(l, r, "recording the resumed session's end");
        sqlite3_bind_int64(upd, 1, end_wall);
        sqlite3_bind_int64(upd, 2, (sqlite3_int64) end_mono);
        sqlite3_bind_int64(upd, 3, id);
        rc = sqlite3_step(upd);
        sqlite3_reset(upd);
        if (rc != SQLITE_DONE)
                r = ledger_fail(l, rc, "recording the resumed session's end");
        return durable_finish(l, r, "recording the resumed session's end");
}

int ledger_session_pause(Ledger *l, int64_t id, const SafetyClock *now, uint64_t bound_mono_us) {
        _cleanup_stmt_ sqlite3_stmt *upd = NULL;
        OpenSessionRow row = {};
        int64_t bound_wall;
        int r, rc;

        if (!now || bound_mono_us < now->mono_us)
                return ledger_failf(l, -EINVAL, "Invalid session pause");
        r = ledger_guard(l, false);
        if (r < 0)
                return r;
        /* Durable: a crash from here on must find the bound. */
        r = durable_begin(l, "recording the session's pause");
        if (r < 0)
                return r;
        r = open_session_row(l, id, &row);
        if (r < 0)
                return durable_finish(l, r, "recording the session's pause");

        /* As in ledger_session_end(): the wall bound follows the monotonic time
         * since the start, so a wall-clock jump changes nothing. */
        if (row.boot_id[0] && strcmp(row.boot_id, now->boot_id) == 0 && now->mono_us >= row.start_mono)
                bound_wall = row.start_wall + (int64_t) (bound_mono_us - row.start_mono);
        else
                bound_wall = now->wall_us + (int64_t) (bound_mono_us - now->mono_us);

        r = ledger_prepare(l, "UPDATE sessions SET pause_end_wall_us = ?, pause_end_mono_us = ? WHERE id = ?", &upd);
        if (r < 0)
                return durable_finish(l, r, "recording the session's pause");
        sqlite3_bind_int64(upd, 1, bound_wall);
        sqlite3_bind_int64(upd, 2, (sqlite3_int64) bound_mono_us);
        sqlite3_bind_int64(upd, 3, id);
        rc = sqlite3_step(upd);
        sqlite3_reset(upd);
        if (rc != SQLITE_DONE)
                r = ledger_fail(l, rc, "recording the session's pause");
        return durable_finish(l, r, "recording the session's pause");
}

int ledger_symptom_report(Ledger *l, const SafetyClock *now, const char *device, PolicyEndReason reason,
                          uint64_t window_us, int64_t *ret_session_id) {
        _cleanup_stmt_ sqlite3_stmt *s = NULL;
        int64_t id = 0;
        uint64_t ago = 0;
        char detail[160];
        int r, rc;

        if (!now || !device || !ret_session_id || (unsigned) reason >= _POLICY_END_MAX ||
            !policy_end_reason_is_symptom(reason))
                return ledger_failf(l, -EINVAL, "Invalid symptom report");
        r = ledger_guard(l, false);
        if (r < 0)
                return r;
        r = ledger_prepare(l, "SELECT id, end_wall_us, end_mono_us, boot_id FROM sessions WHERE device = ? "
                              "ORDER BY id DESC LIMIT 1", &s);
        if (r < 0)
                return r;
        sqlite3_bind_text(s, 1, device, -1, SQLITE_STATIC);
        rc = sqlite3_step(s);
        if (rc == SQLITE_ROW) {
                ago = safety_clock_elapsed_us(now, sqlite3_column_int64(s, 1), (uint64_t) sqlite3_column_int64(s, 2),
                                              (const char *) sqlite3_column_text(s, 3));
                if (ago <= window_us)
                        id = sqlite3_column_int64(s, 0);
        } else if (rc != SQLITE_DONE)
                return ledger_fail(l, rc, "finding the session a symptom belongs to");

        if (id > 0)
                (void) snprintf(detail, sizeof detail, "%s (reported %llu s after session %lld ended)",
                                policy_end_reason_to_string(reason), (unsigned long long) (ago / USEC_PER_SEC),
                                (long long) id);
        else
                (void) snprintf(detail, sizeof detail, "%s (reported with no session of this device in the last "
                                "%llu min)", policy_end_reason_to_string(reason),
                                (unsigned long long) (window_us / USEC_PER_MIN));
        r = ledger_event_add(l, now, LEDGER_EVENT_STOP_REASON, device, detail);
        if (r < 0)
                return r;
        *ret_session_id = id;
        return 0;
}

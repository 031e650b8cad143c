/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Where massaged keeps its files (daemon/safety/paths.c): systemd's $STATE_DIRECTORY
 * and $CONFIGURATION_DIRECTORY before the XDG directories, and the ledger
 * moved, never lost, when the state directory changes (systemd 252 → 254,
 * a plain run → the unit): with its -wal after a crash, not while another
 * process has it open, never over a file, and refused with both paths named
 * when the choice is not clear. Every moved ledger is opened again with
 * ledger_open() and must still know what was written into it.
 */

#include "config.h"

#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ledger.h"
#include "paths.h"

#define DEV "C0:FF:EE:00:00:01"

typedef struct Fixture {
        char *dir;              /* stands for $HOME */
        char *state;            /* $XDG_STATE_HOME/massaged (~/.local/state/massaged) */
        char *config;           /* $XDG_CONFIG_HOME/massaged (~/.config/massaged, systemd 252's %S) */
} Fixture;

static void fixture_setup(Fixture *f, gconstpointer data) {
        f->dir = g_dir_make_tmp("massaged-paths-XXXXXX", NULL);
        g_assert_nonnull(f->dir);
        f->state = g_build_filename(f->dir, ".local", "state", "massaged", NULL);
        f->config = g_build_filename(f->dir, ".config", "massaged", NULL);
        g_assert_cmpint(setenv("HOME", f->dir, 1), ==, 0);
        g_assert_cmpint(unsetenv("XDG_STATE_HOME"), ==, 0);
        g_assert_cmpint(unsetenv("XDG_CONFIG_HOME"), ==, 0);
        g_assert_cmpint(unsetenv("STATE_DIRECTORY"), ==, 0);
        g_assert_cmpint(unsetenv("CONFIGURATION_DIRECTORY"), ==, 0);
}

static void fixture_teardown(Fixture *f, gconstpointer data) {
        g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", f->dir);

        g_assert_cmpint(system(cmd), ==, 0);
        g_free(f->dir);
        g_free(f->state);
        g_free(f->config);
}

static char *ledger_in(const char *dir) {
        return g_build_filename(dir, "usage.db", NULL);
}

static gboolean exists(const char *dir, const char *name) {
        g_autofree char *p = g_build_filename(dir, name, NULL);

        return g_file_test(p, G_FILE_TEST_EXISTS);
}

/* A ledger at dir/usage.db that knows DEV. crash: written by a child that
 * dies without closing it, so the record is only in the -wal. */
static void make_ledger(const char *dir, gboolean crash) {
        g_autofree char *path = ledger_in(dir);
        pid_t pid = fork();
        int status;

        g_assert_cmpint(pid, >=, 0);
        if (pid == 0) {
                Ledger *l = NULL;
                char *error = NULL;

                bool ok = ledger_open(path, NULL, &l, &error) >= 0 && ledger_device_add(l, DEV, "old", 1) >= 0;

                /* A crash is a SIGKILL. Otherwise free everything: under valgrind
                 * (make check-valgrind) the child's _exit() runs a leak check too. */
                if (ok && crash)
                        (void) raise(SIGKILL);
                ledger_close(l);
                free(error);
                g_free(g_steal_pointer(&path));
                _exit(ok ? 0 : 1);
        }
        g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
        if (crash)
                g_assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
        else
                g_assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        g_assert_true(exists(dir, "usage.db"));
        if (crash)
                g_assert_true(exists(dir, "usage.db-wal"));
}

static void assert_knows_dev(const char *path) {
        g_autofree char *error = NULL;
        Ledger *l = NULL;

        g_assert_cmpint(ledger_open(path, NULL, &l, &error), ==, 0);
        g_assert_cmpint(ledger_device_known(l, DEV), ==, 1);
        ledger_close(l);
}

static void assert_nothing_moved(const char *from_dir, const char *to_dir) {
        g_assert_true(exists(from_dir, "usage.db"));
        g_assert_false(exists(to_dir, "usage.db"));
}

static void test_dirs(Fixture *f, gconstpointer data) {
        g_autofree char *expect_state = NULL, *expect_config = NULL;
        char *p = NULL;

        /* No systemd: XDG, then HOME. */
        g_assert_cmpint(paths_state_dir(&p), ==, 0);
        g_assert_cmpstr(p, ==, f->state);
        free(p);
        g_assert_cmpint(paths_config_dir(&p), ==, 0);
        g_assert_cmpstr(p, ==, f->config);
        free(p);
        g_assert_cmpint(setenv("XDG_STATE_HOME", "/xdg/state", 1), ==, 0);
        g_assert_cmpint(setenv("XDG_CONFIG_HOME", "relative/is/ignored", 1), ==, 0);
        g_assert_cmpint(paths_state_dir(&p), ==, 0);
        g_assert_cmpstr(p, ==, "/xdg/state/massaged");
        free(p);
        g_assert_cmpint(paths_config_dir(&p), ==, 0);
        g_assert_cmpstr(p, ==, f->config);
        free(p);

        /* systemd's lists win; their first entry is ours. */
        g_assert_cmpint(setenv("STATE_DIRECTORY", "/home/u/.config/massaged:/other", 1), ==, 0);
        g_assert_cmpint(setenv("CONFIGURATION_DIRECTORY", "/home/u/.config/massaged", 1), ==, 0);
        g_assert_cmpint(paths_state_dir(&p), ==, 0);
        g_assert_cmpstr(p, ==, "/home/u/.config/massaged");
        free(p);
        g_assert_cmpint(paths_config_dir(&p), ==, 0);
        g_assert_cmpstr(p, ==, "/home/u/.config/massaged");
        free(p);

        /* A relative value is not systemd's: ignored. No HOME at all: -ENOENT. */
        g_assert_cmpint(setenv("STATE_DIRECTORY", "massaged", 1), ==, 0);
        g_assert_cmpint(unsetenv("XDG_STATE_HOME"), ==, 0);
        g_assert_cmpint(unsetenv("HOME"), ==, 0);
        g_assert_cmpint(paths_state_dir(&p), ==, -ENOENT);
        PathsLedger pl = {};
        g_assert_cmpint(paths_ledger_resolve(&pl), ==, -ENOENT);
}

static void test_fresh(Fixture *f, gconstpointer data) {
        g_autofree char *expect = ledger_in(f->config);
        PathsLedger p = {};

        g_assert_cmpint(setenv("STATE_DIRECTORY", f->config, 1), ==, 0);
        g_assert_cmpint(paths_ledger_resolve(&p), ==, 0);
        g_assert_cmpstr(p.path, ==, expect);
        g_assert_null(p.moved_from);
        g_assert_null(p.ignored);
        g_assert_null(p.error);
        paths_ledger_clear(&p);
}

/* Moves the ledger from from_dir to to_dir (the unit's $STATE_DIRECTORY, or
 * none: a plain run) and checks it arrived whole and left nothing behind. */
static void check_move(const char *from_dir, const char *to_dir, gboolean crash, gboolean systemd) {
        g_autofree char *from = ledger_in(from_dir), *to = ledger_in(to_dir);
        PathsLedger p = {};

        make_ledger(from_dir, crash);
        if (systemd)
                g_assert_cmpint(setenv("STATE_DIRECTORY", to_dir, 1), ==, 0);
        g_assert_cmpint(paths_ledger_resolve(&p), ==, 0);
        g_assert_cmpstr(p.error, ==, NULL);
        g_assert_cmpstr(p.path, ==, to);
        g_assert_cmpstr(p.moved_from, ==, from);
        g_assert_false(exists(from_dir, "usage.db"));
        g_assert_false(exists(from_dir, "usage.db-wal"));
        g_assert_false(exists(from_dir, "usage.db-shm"));
        g_assert_true(exists(to_dir, "usage.db"));
        paths_ledger_clear(&p);
        assert_knows_dev(to);

        /* Once moved, the next start finds it in place: nothing more to do. */
        g_assert_cmpint(paths_ledger_resolve(&p), ==, 0);
        g_assert_null(p.moved_from);
        g_assert_null(p.error);
        paths_ledger_clear(&p);
}

/* The unit under systemd 252 (state directory ~/.config/massaged) after a
 * plain run or massaged < this version wrote ~/.local/state/massaged; the
 * last run crashed, so the record is only in the -wal. */
static void test_move_to_252(Fixture *f, gconstpointer data) {
        check_move(f->state, f->config, TRUE, TRUE);
}

/* systemd 252 → 254: the state directory moves to ~/.local/state. The
 * configuration beside the old ledger stays. */
static void test_move_252_to_254(Fixture *f, gconstpointer data) {
        g_autofree char *conf = g_build_filename(f->config, "massaged.conf", NULL);

        g_assert_cmpint(g_mkdir_with_parents(f->config, 0700), ==, 0);
        g_assert_true(g_file_set_contents(conf, "[Limits]\n", -1, NULL));
        check_move(f->config, f->state, FALSE, TRUE);
        g_assert_true(exists(f->config, "massaged.conf"));
}

/* Run by hand (no $STATE_DIRECTORY) after the unit ran under 252. */
static void test_move_plain_run(Fixture *f, gconstpointer data) {
        check_move(f->config, f->state, TRUE, FALSE);
}

/* rename(2) fails with EXDEV across file systems, and across the bind
 * mounts systemd's sandbox makes of ReadWritePaths= and StateDirectory=
 * (seen in the VM's systemd phase): the ledger is copied, then removed. */
static void test_move_other_file_system(Fixture *f, gconstpointer data) {
        g_autofree char *shm = g_strdup("/dev/shm/massaged-paths-XXXXXX"), *cmd = NULL;
        g_autofree char *to_dir = NULL;
        struct stat a, b;

        if (!g_mkdtemp(shm)) {
                g_test_skip("no /dev/shm here");
                return;
        }
        cmd = g_strdup_printf("rm -rf '%s'", shm);
        g_assert_cmpint(g_mkdir_with_parents(f->state, 0700), ==, 0);
        if (stat(shm, &a) < 0 || stat(f->state, &b) < 0 || a.st_dev == b.st_dev) {
                g_assert_cmpint(system(cmd), ==, 0);
                g_test_skip("/dev/shm is on the same file system here");
                return;
        }
        to_dir = g_build_filename(shm, "massaged", NULL);
        check_move(f->state, to_dir, TRUE, TRUE);
        g_assert_cmpint(system(cmd), ==, 0);
}

static void test_in_use(Fixture *f, gconstpointer data) {
        g_autofree char *from = ledger_in(f->state), *error = NULL;
        PathsLedger p = {};
        Ledger *l = NULL;

        make_ledger(f->state, FALSE);
        g_assert_cmpint(ledger_open(from, NULL, &l, &error), ==, 0);
        g_assert_cmpint(setenv("STATE_DIRECTORY", f->config, 1), ==, 0);
        g_assert_cmpint(paths_ledger_resolve(&p), ==, 0);
        g_assert_nonnull(p.error);
        g_test_message("%s", p.error);
        g_assert_nonnull(strstr(p.error, "in use"));
        g_assert_nonnull(strstr(p.error, from));
        g_assert_nonnull(strstr(p.error, p.path));
        g_assert_null(p.moved_from);
        assert_nothing_moved(f->state, f->config);
        g_assert_cmpint(ledger_device_known(l, DEV), ==, 1);
        ledger_close(l);
        paths_ledger_clear(&p);
}

static void test_both_present(Fixture *f, gconstpointer data) {
        g_autofree char *old = ledger_in(f->state);
        PathsLedger p = {};

        make_ledger(f->state, FALSE);
        make_ledger(f->config, FALSE);
        g_assert_cmpint(setenv("STATE_DIRECTORY", f->config, 1), ==, 0);
        g_assert_cmpint(paths_ledger_resolve(&p), ==, 0);
        g_assert_null(p.error);
        g_assert_null(p.moved_from);
        g_assert_cmpstr(p.ignored, ==, old);
        g_assert_true(exists(f->state, "usage.db"));
        paths_ledger_clear(&p);
}

static void test_two_old(Fixture *f, gconstpointer data) {
        g_autofree char *third = g_build_filename(f->dir, "elsewhere", NULL);
        PathsLedger p = {};

        make_ledger(f->state, FALSE);
        make_ledger(f->config, FALSE);
        g_assert_cmpint(setenv("STATE_DIRECTORY", third, 1), ==, 0);
        g_assert_cmpint(paths_ledger_resolve(&p), ==, 0);
        g_assert_nonnull(p.error);
        g_test_message("%s", p.error);
        g_assert_nonnull(strstr(p.error, f->state));
        g_assert_nonnull(strstr(p.error, f->config));
        g_assert_null(p.moved_from);
        g_assert_true(exists(f->state, "usage.db"));
        g_assert_true(exists(f->config, "usage.db"));
        g_assert_false(exists(third, "usage.db"));
        paths_ledger_clear(&p);
}

/* A -wal without its database at the destination would be replayed into
 * the moved ledger: refused. */
static void test_stray_wal(Fixture *f, gconstpointer data) {
        g_autofree char *stray = g_build_filename(f->config, "usage.db-wal", NULL);
        PathsLedger p = {};

        make_ledger(f->state, FALSE);
        g_assert_cmpint(g_mkdir_with_parents(f->config, 0700), ==, 0);
        g_assert_true(g_file_set_contents(stray, "not ours", -1, NULL));
        g_assert_cmpint(setenv("STATE_DIRECTORY", f->config, 1), ==, 0);
        g_assert_cmpint(paths_ledger_resolve(&p), ==, 0);
        g_assert_nonnull(p.error);
        g_test_message("%s", p.error);
        g_assert_nonnull(strstr(p.error, stray));
        assert_nothing_moved(f->state, f->config);
        paths_ledger_clear(&p);
}

static void test_not_a_database(Fixture *f, gconstpointer data) {
        g_autofree char *old = ledger_in(f->state), *content = NULL;
        PathsLedger p = {};

        g_assert_cmpint(g_mkdir_with_parents(f->state, 0700), ==, 0);
        g_assert_true(g_file_set_contents(old, "this is not SQLite, not at all, not even a little", -1, NULL));
        g_assert_cmpint(setenv("STATE_DIRECTORY", f->config, 1), ==, 0);
        g_assert_cmpint(paths_ledger_resolve(&p), ==, 0);
        g_assert_nonnull(p.error);
        g_test_message("%s", p.error);
        g_assert_nonnull(strstr(p.error, old));
        assert_nothing_moved(f->state, f->config);
        g_assert_true(g_file_get_contents(old, &content, NULL, NULL));
        g_assert_cmpstr(content, ==, "this is not SQLite, not at all, not even a little");
        paths_ledger_clear(&p);
}

#define ADD(path, fn) g_test_add(path, Fixture, NULL, fixture_setup, fn, fixture_teardown)

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);
        ADD("/paths/dirs", test_dirs);
        ADD("/paths/ledger/fresh", test_fresh);
        ADD("/paths/ledger/move/xdg-state-to-252", test_move_to_252);
        ADD("/paths/ledger/move/252-to-254", test_move_252_to_254);
        ADD("/paths/ledger/move/plain-run", test_move_plain_run);
        ADD("/paths/ledger/move/other-file-system", test_move_other_file_system);
        ADD("/paths/ledger/refuse/in-use", test_in_use);
        ADD("/paths/ledger/both-present", test_both_present);
        ADD("/paths/ledger/refuse/two-old", test_two_old);
        ADD("/paths/ledger/refuse/stray-wal", test_stray_wal);
        ADD("/paths/ledger/refuse/not-a-database", test_not_a_database);
        return g_test_run();
}

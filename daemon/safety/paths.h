/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Where massaged keeps its files (doc/packaging.md, "Where the files live").
 * systemd hands a service its directories in $STATE_DIRECTORY and
 * $CONFIGURATION_DIRECTORY (colon-separated lists; ours name one each), and
 * they are the only ones its sandbox makes writable. They move between
 * systemd versions: a user unit's state directory is ~/.config/massaged under
 * systemd 252 and ~/.local/state/massaged from 254 on; without systemd the
 * XDG directories apply. So the ledger may have been written in another of
 * these places than the one chosen now, and paths_ledger_resolve() moves it
 * (with its -wal/-shm) rather than let a fresh, empty ledger forget the
 * sessions that the safety limits count.
 * Libraries never log: results carry sentences for the daemon to log.
 */

/* The state directory: the first entry of $STATE_DIRECTORY when absolute,
 * else $XDG_STATE_HOME/massaged, else ~/.local/state/massaged.
 * 0, -ENOENT (no absolute HOME either) or -ENOMEM. */
/* paths.c: $XDG_VAR/massaged, else ~/HOME_REL/massaged (a relative XDG value
 * is ignored); -ENOENT with neither, -ENOMEM. */
int paths_xdg_dir(const char *xdg_var, const char *home_rel, char **ret);
int paths_state_dir(char **ret);
/* The configuration directory: $CONFIGURATION_DIRECTORY's first entry, else
 * $XDG_CONFIG_HOME/massaged, else ~/.config/massaged. Same returns. */
int paths_config_dir(char **ret);

/* paths-ledger.c: the ledger's path, and moving it there. */
typedef struct PathsLedger {
        char *path;             /* the ledger to open: <state dir>/usage.db */
        char *moved_from;       /* the ledger was moved here from this path (a notice) */
        char *ignored;          /* a ledger left at this old path: one exists at path (a warning) */
        char *error;            /* the ledger must not be opened: every start is refused (says why and what to do) */
} PathsLedger;

void paths_ledger_clear(PathsLedger *p);

/*
 * Chooses the ledger's path in the state directory. When no usage.db is
 * there but one is in a known old location (the other of ~/.local/state/
 * massaged and ~/.config/massaged, as $XDG_STATE_HOME and $XDG_CONFIG_HOME
 * say), it is moved there: only if no other process has it open (SQLite's
 * own lock, taken exclusively), after a checkpoint folds its -wal into it,
 * with rename(2) that never replaces a file, the main file last so that an
 * interruption leaves it where it was. Anything in the way (two old ledgers,
 * the old one in use or unreadable, a stray -wal at the destination, a
 * rename refused) sets ->error naming both paths, and nothing is moved.
 * Returns 0 (look at ->error) or -ENOENT (no state directory) / -ENOMEM.
 */
int paths_ledger_resolve(PathsLedger *ret);

/* fsync() the directory that holds path, so a rename or link in it survives a crash. */
void paths_fsync_directory_of(const char *path);

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * massaged.conf ($XDG_CONFIG_HOME/massaged/massaged.conf, GKeyFile; see
 * daemon/massaged.conf.example and doc/configuration.md):
 *
 *   [Limits]    one key per limit (safety-limits.h keys: session_minutes …)
 *   [Defaults]  program=gentle  intensity=3  heat=0  duration_minutes=0
 *   [Daemon]    idle_timeout=10min  (exit when idle; 0 = never; daemon/idle.h)
 *
 * (Named conf.h, not config.h, so it never shadows autoconf's config.h.)
 *
 * Validation: a value outside a limit's [min, max] is clamped to the nearest
 * bound with a warning naming file, group, key, value and the allowed range
 * (a value past a hard limit never gets through). Unknown groups and keys are
 * warned about and ignored. A [Limits] value that is not a number/boolean is
 * an ERROR like a syntax error (its default may be looser than what was
 * meant); elsewhere it is a warning and the key keeps its default. A file
 * that cannot be read or parsed (other than "not found") is an ERROR (naming
 * the file and, for a syntax error, the line): the daemon must not start
 * sessions with defaults that may be looser than what the user configured (it
 * serves everything else and refuses starts with ConfigInvalid, see
 * safety_open()).
 *
 * Precedence: code default < config file < run-time setting (SetLimits,
 * stored in the ledger: ledger_settings_apply()).
 */

#include <stdint.h>

#include "safety-limits.h"

typedef struct Conf {
        Limits limits;                  /* effective after the file */
        LimitSource source[_LIMIT_MAX];
        char *default_program;          /* never NULL after conf_init(); PROGRAM_DEFAULT when not set */
        uint8_t default_intensity;      /* 1 … 10, default 3; the daemon clamps to the device scale */
        uint8_t default_heat_level;     /* 0 … 4, default 0 (heat only when asked for or the program has it) */
        uint32_t default_duration_s;    /* 0 = as long as the limits allow */
        uint32_t idle_timeout_s;        /* [Daemon] idle_timeout: CONF_IDLE_TIMEOUT_DEFAULT_S, 0 = never exit */
} Conf;

#define CONF_IDLE_TIMEOUT_DEFAULT_S 600u
#define CONF_IDLE_TIMEOUT_MAX_S     (7u * 24u * 3600u)

/*
 * A duration in whole seconds: "600", "600s", "10min", "10m", "1h" (also
 * combined: "1h30min"). 0 is allowed. Returns 0, -EINVAL when it is not one,
 * -ERANGE above CONF_IDLE_TIMEOUT_MAX_S.
 */
int conf_parse_duration(const char *s, uint32_t *ret_seconds);

void conf_init(Conf *c);                /* code defaults; allocates nothing, may be called again */
void conf_clear(Conf *c);               /* frees; c may be re-initialised */

/*
 * Load path into *ret, which is overwritten (conf_init() first; an earlier
 * conf_init() of *ret leaks nothing; an earlier load must be conf_clear()ed).
 * A missing file is not
 * an error (defaults, no warning); a symbolic link to a missing file is
 * (-ENOENT: the user meant a file). Returns 0, or a negative errno with a
 * malloc'd sentence in *ret_error (unreadable: -EACCES/-EIO, syntax: -EINVAL,
 * naming the file and line; not a regular file — a FIFO, a directory — :
 * -EINVAL, opened without blocking so a FIFO cannot hang start-up). Warnings: NULL-terminated malloc'd array, free
 * with program_strv_free(); NULL when none.
 */
int conf_load(const char *path, Conf *ret, char ***ret_warnings, char **ret_error);

/* Same for text in memory; path only names it in messages. */
int conf_load_data(const char *data, size_t len, const char *path, Conf *ret, char ***ret_warnings,
                   char **ret_error);

/* massaged.conf in paths_config_dir(): $CONFIGURATION_DIRECTORY, $XDG_CONFIG_HOME/massaged or
 * ~/.config/massaged (malloc'd; NULL on ENOMEM or no HOME). */
char *conf_default_path(void);

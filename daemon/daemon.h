/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The daemon as main() sees it: options in, run until asked to stop, an exit
 * code out. The Manager behind it (manager.h) is only for manager.c and the
 * *-bus.c files.
 */

#include <stdint.h>

typedef struct Manager Manager;

typedef struct ManagerOptions {
        const char *bluez_bus;  /* NULL: the system bus */
        const char *api_bus;    /* NULL: the user bus */
        const char *db_path;    /* NULL: $XDG_STATE_HOME/massaged/usage.db */
        const char *config_path;/* NULL: $XDG_CONFIG_HOME/massaged/massaged.conf */
        int64_t idle_timeout_s; /* < 0: [Daemon] idle_timeout of the config; 0: never exit (idle.h) */
        const char *adapter;    /* "hci0": use only this adapter; NULL: every adapter */
} ManagerOptions;

int manager_new(Manager **ret, const ManagerOptions *options);
Manager *manager_free(Manager *m);
int manager_run(Manager *m);

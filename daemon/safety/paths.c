/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The directories massaged uses (doc/packaging.md, "Where the files live"). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "macro.h"
#include "paths.h"

/* $XDG_VAR/massaged, else ~/HOME_REL/massaged; a relative XDG value is
 * invalid by the XDG spec and ignored. */
int paths_xdg_dir(const char *xdg_var, const char *home_rel, char **ret) {
        const char *xdg = getenv(xdg_var), *home = getenv("HOME");
        int r;

        if (xdg && xdg[0] == '/')
                r = asprintf(ret, "%s/massaged", xdg);
        else if (home && home[0] == '/')
                r = asprintf(ret, "%s/%s/massaged", home, home_rel);
        else
                return -ENOENT;
        return r < 0 ? -ENOMEM : 0;
}

static int systemd_or_xdg_dir(const char *systemd_var, const char *xdg_var, const char *home_rel, char **ret) {
        const char *list = getenv(systemd_var);

        /* systemd sets one absolute path per *Directory= entry, colon-separated. */
        if (list && list[0] == '/')
                return asprintf(ret, "%.*s", (int) strcspn(list, ":"), list) < 0 ? -ENOMEM : 0;
        return paths_xdg_dir(xdg_var, home_rel, ret);
}

int paths_state_dir(char **ret) {
        return systemd_or_xdg_dir("STATE_DIRECTORY", "XDG_STATE_HOME", ".local/state", ret);
}

int paths_config_dir(char **ret) {
        return systemd_or_xdg_dir("CONFIGURATION_DIRECTORY", "XDG_CONFIG_HOME", ".config", ret);
}

void paths_fsync_directory_of(const char *path) {
        char dir[PATH_MAX];
        char *slash;
        _cleanup_close_ int fd = -EBADF;

        /* A rename or link is durable only once its directory is synced. */
        if (!path || snprintf(dir, sizeof dir, "%s", path) >= (int) sizeof dir || !(slash = strrchr(dir, '/')))
                return;
        slash[slash == dir ? 1 : 0] = '\0';
        fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd >= 0)
                (void) fsync(fd);
}

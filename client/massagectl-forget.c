/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* massagectl forget [DEVICE]: take a massager off the list (its history stays). */
#include <stdio.h>

#include "ctl-api.h"
#include "ctl-device-call.h"
#include "i18n.h"
#include "massagectl.h"

int verb_forget(Ctl *c, int argc, char *argv[]) {
        _cleanup_free_ char *path = NULL;
        const char *arg;
        int r;

        r = ctl_parse_device_only(c, argc, argv, &arg);
        if (r != 0)
                return r < 0 ? r : 0;
        r = api_resolve_device(c, arg, &path);
        if (r < 0)
                return r;
        r = api_forget_device(c, path);
        if (r < 0)
                return r;
        if (!c->json)
                printf(_("Forgot %s; its sessions stay in the history.\n"), c->device);
        return 0;
}

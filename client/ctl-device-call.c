/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>

#include "ctl-api.h"
#include "ctl-device-call.h"

int ctl_device_call_verb(Ctl *c, int argc, char *argv[], CtlDeviceCall call, const char *done) {
        _cleanup_free_ char *path = NULL;
        const char *arg;
        int r;

        r = ctl_parse_device_only(c, argc, argv, &arg);
        if (r != 0)
                return r < 0 ? r : 0;
        r = api_resolve_device(c, arg, &path);
        if (r < 0)
                return r;
        r = call(c, path);
        if (r < 0)
                return r;
        if (!c->json)
                printf("%s %s.\n", done, c->device);
        return 0;
}

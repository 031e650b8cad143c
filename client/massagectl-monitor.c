/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* massagectl monitor [DEVICE]: watch sessions live; quitting stops nothing. */
#include "ctl-api.h"
#include "ctl-device-call.h"
#include "ctl-live.h"
#include "massagectl.h"

int verb_monitor(Ctl *c, int argc, char *argv[]) {
        _cleanup_free_ char *path = NULL;
        _cleanup_live_ Live *live = NULL;
        const char *arg;
        int r;

        r = ctl_parse_device_only(c, argc, argv, &arg);
        if (r != 0)
                return r < 0 ? r : 0;
        if (arg) {
                r = api_resolve_device(c, arg, &path);
                if (r < 0)
                        return r;
        }
        r = live_new(c, LIVE_MONITOR, path, &live);
        if (r < 0)
                return r;
        return live_run(live);
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* massagectl connect, disconnect, pause, resume: one device call each. */
#include <stdio.h>

#include "ctl-api.h"
#include "massagectl.h"

typedef int (*DeviceCall)(Ctl *c, const char *path);

static int simple_device_verb(Ctl *c, int argc, char *argv[], DeviceCall call, const char *done) {
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

int verb_connect(Ctl *c, int argc, char *argv[]) {
        return simple_device_verb(c, argc, argv, api_connect, "Connected to");
}

int verb_disconnect(Ctl *c, int argc, char *argv[]) {
        return simple_device_verb(c, argc, argv, api_disconnect, "Disconnected");
}

int verb_pause(Ctl *c, int argc, char *argv[]) {
        return simple_device_verb(c, argc, argv, api_pause, "Paused");
}

int verb_resume(Ctl *c, int argc, char *argv[]) {
        return simple_device_verb(c, argc, argv, api_resume, "Resumed (gently at first)");
}

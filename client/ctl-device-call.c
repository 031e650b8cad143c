/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <getopt.h>
#include <stdio.h>

#include "ctl-api.h"
#include "ctl-device-call.h"
#include "i18n.h"

int ctl_parse_device_only(Ctl *c, int argc, char *argv[], const char **ret_device) {
        static const struct option options[] = { CTL_COMMON_OPTIONS, {} };
        int opt, r;

        while ((opt = getopt_long(argc, argv, ":h", options, NULL)) >= 0)
                switch (opt) {
                case 'h':
                        r = ctl_verb_help(ctl_find_verb(c->verb));
                        return r < 0 ? r : 1;
                case 'J':
                        c->json = true;
                        break;
                case ':':
                        return ctl_fail_usage(c, _("option '%s' needs a value."), argv[optind - 1]);
                case '?':
                        return ctl_fail_usage(c, _("unknown option '%s'."), argv[optind - 1]);
                }
        if (argc - optind > 1)
                return ctl_fail_usage(c, _("unexpected argument '%s'."), argv[optind + 1]);
        *ret_device = optind < argc ? argv[optind] : NULL;
        return 0;
}

int ctl_device_call_verb(Ctl *c, int argc, char *argv[], CtlDeviceCall call, const char *done) {
        _cleanup_free_ char *path = NULL;
        const char *arg = NULL;
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

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* massagectl set intensity|heat N [DEVICE]: adjust a running session. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "ctl-api.h"
#include "ctl-parse.h"
#include "i18n.h"
#include "massagectl.h"
#include "massager-protocol.h"

int verb_set(Ctl *c, int argc, char *argv[]) {
        static const struct option options[] = { CTL_COMMON_OPTIONS, {} };
        _cleanup_free_ char *path = NULL;
        bool intensity;
        uint64_t level, max;
        int opt, r;

        while ((opt = getopt_long(argc, argv, ":h", options, NULL)) >= 0)
                switch (opt) {
                CTL_COMMON_CASES(c, argv);
                }
        if (argc - optind < 2)
                return ctl_fail_usage(c, _("say what and how much, e.g. 'massagectl set intensity 4' or "
                                      "'massagectl set heat 0'."));
        if (argc - optind > 3)
                return ctl_fail_usage(c, _("unexpected argument '%s'."), argv[optind + 3]);
        if (strcmp(argv[optind], "intensity") == 0) {
                intensity = true;
                max = MASSAGER_INTENSITY_MAX;
        } else if (strcmp(argv[optind], "heat") == 0) {
                intensity = false;
                max = MASSAGER_HEAT_LEVELS_MAX;
        } else
                return ctl_fail_usage(c, _("can set 'intensity' or 'heat', not '%s'."), argv[optind]);
        r = parse_uint_range(argv[optind + 1], 0, max, &level);
        if (r < 0)
                return ctl_fail_usage(c, _("%s '%s' is not a level from 0 to %llu."), argv[optind], argv[optind + 1],
                                      (unsigned long long) max);
        r = api_resolve_device(c, argc - optind > 2 ? argv[optind + 2] : NULL, &path);
        if (r < 0)
                return r;
        r = intensity ? api_set_intensity(c, path, (uint8_t) level) : api_set_heat(c, path, (uint8_t) level);
        if (r < 0)
                return r;
        if (c->json)
                return 0;
        /* Two whole sentences, not one with the noun filled in: a translation needs them whole. */
        if (intensity)
                printf(_("Intensity of %s set to %llu (raised one level per 10 s; lowering is instant).\n"),
                       c->device, (unsigned long long) level);
        else
                printf(_("Heat of %s set to %llu.\n"), c->device, (unsigned long long) level);
        return 0;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * massagectl start [DEVICE] [--program P] [--intensity N] [--heat N]
 * [--duration D] [--wait]. Every value is checked here before the call;
 * the daemon's policy then has the last word (and its sentence is shown).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "ctl-api.h"
#include "ctl-format.h"
#include "ctl-live.h"
#include "ctl-parse.h"
#include "i18n.h"
#include "massagectl.h"
#include "massager-protocol.h"

#define START_DURATION_MIN_S    60u             /* the policy's shortest session */
#define START_DURATION_MAX_S    (20u * 60u)     /* the hard limit of doc/safety.md */
#define PROGRAM_NAME_MAX        32u

static bool program_name_valid(const char *s) {
        size_t n = strlen(s);

        if (n == 0 || n > PROGRAM_NAME_MAX)
                return false;
        for (const char *p = s; *p; p++)
                if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' || *p == '_'))
                        return false;
        return true;
}

int verb_start(Ctl *c, int argc, char *argv[]) {
        static const struct option options[] = {
                CTL_COMMON_OPTIONS,
                { "program",   required_argument, NULL, 'p' },
                { "intensity", required_argument, NULL, 'i' },
                { "heat",      required_argument, NULL, 'H' },
                { "duration",  required_argument, NULL, 'd' },
                { "wait",      no_argument,       NULL, 'w' },
                {}
        };
        StartOptions o = { .intensity = -1, .heat = -1, .duration_s = -1 };
        _cleanup_free_ char *path = NULL;
        _cleanup_live_ Live *live = NULL;
        bool wait = false;
        uint64_t n;
        int opt, r;

        while ((opt = getopt_long(argc, argv, ":hp:i:H:d:w", options, NULL)) >= 0)
                switch (opt) {
                case 'p':
                        if (!program_name_valid(optarg))
                                return ctl_fail_usage(c, _("'%s' is not a program name ('massagectl programs' "
                                                      "lists them)."), optarg);
                        o.program = optarg;
                        break;
                case 'i':
                        if (parse_uint_range(optarg, 1, MASSAGER_INTENSITY_MAX, &n) < 0)
                                return ctl_fail_usage(c, _("intensity '%s' is not a level from 1 to %u."), optarg,
                                                      MASSAGER_INTENSITY_MAX);
                        o.intensity = (int) n;
                        break;
                case 'H':
                        if (parse_uint_range(optarg, 0, MASSAGER_HEAT_LEVELS_MAX, &n) < 0)
                                return ctl_fail_usage(c, _("heat '%s' is not a level from 0 (off) to %u."), optarg,
                                                      MASSAGER_HEAT_LEVELS_MAX);
                        o.heat = (int) n;
                        break;
                case 'd':
                        r = parse_duration(optarg, &n);
                        if (r < 0)
                                return ctl_fail_usage(c, _("'%s' is not a duration: use e.g. 10m, 90s, 1m30s or "
                                                      "plain seconds."), optarg);
                        if (n < START_DURATION_MIN_S || n > START_DURATION_MAX_S) {
                                char d[FORMAT_DURATION_MAX];
                                return ctl_fail_usage(c, _("a session lasts from 1m to 20m, not %s."),
                                                      format_duration(n, d));
                        }
                        o.duration_s = (int64_t) n;
                        break;
                case 'w':
                        wait = true;
                        break;
                CTL_COMMON_CASES(c, argv);
                }
        if (argc - optind > 1)
                return ctl_fail_usage(c, _("unexpected argument '%s'."), argv[optind + 1]);

        r = api_resolve_device(c, optind < argc ? argv[optind] : NULL, &path);
        if (r < 0)
                return r;
        if (wait) {
                /* Subscribe first: a session that ends at once still reports its end. */
                r = live_new(c, LIVE_WAIT, path, &live);
                if (r < 0)
                        return r;
                if (o.duration_s > 0)
                        live_set_planned(live, (uint64_t) o.duration_s);
                o.tie_to_caller = true;
        }
        r = api_start(c, path, &o);
        if (r < 0)
                return r;
        if (!c->json)
                printf(_("Started on %s. It begins at the gentlest level for a minute, then rises gradually.\n"),
                       c->device);
        if (!wait)
                return 0;
        return live_run(live);
}

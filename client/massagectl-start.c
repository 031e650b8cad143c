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

/* "15 min", "45 s", "2 min 30 s" into buf. */
static const char *minutes_text(uint64_t s, char *buf, size_t size) {
        if (s % 60 == 0)
                (void) snprintf(buf, size, _("%llu min"), (unsigned long long) (s / 60));
        else if (s < 60)
                (void) snprintf(buf, size, _("%llu s"), (unsigned long long) s);
        else
                (void) snprintf(buf, size, _("%llu min %llu s"), (unsigned long long) (s / 60), (unsigned long long) (s % 60));
        return buf;
}

/* The policy's sentences, then the plan in one line:
 * "15 min at up to 4, heat 2 for 10 min; soft start 60 s". */
static void print_plan(const Value *plan) {
        uint64_t seconds = 0, intensity = 0, heat = 0, heat_seconds = 0, soft = 0;
        const Value *advice = value_object_get(plan, "advice");

        for (size_t i = 0; advice && advice->type == VALUE_ARRAY && i < advice->c.n; i++)
                if (advice->c.items[i]->type == VALUE_STRING)
                        printf("%s\n", advice->c.items[i]->s);
        if (!value_get_uint(plan, "seconds", &seconds))
                return;
        /* The level the session rises to: the target after every cap. */
        (void) value_get_uint(plan, "intensity", &intensity);
        (void) value_get_uint(plan, "heat", &heat);
        (void) value_get_uint(plan, "heat_seconds", &heat_seconds);
        (void) value_get_uint(plan, "soft_start_seconds", &soft);
        /* Whole sentences for the translators, not pieces. */
        char length[32], heat_length[32];
        minutes_text(seconds, length, sizeof length);
        if (heat > 0 && heat_seconds > 0)
                printf(_("Plan: %s at up to %llu, heat %llu for %s"), length, (unsigned long long) intensity,
                       (unsigned long long) heat, minutes_text(heat_seconds, heat_length, sizeof heat_length));
        else
                printf(_("Plan: %s at up to %llu, no heat"), length, (unsigned long long) intensity);
        if (soft > 0)
                printf(_("; soft start %llu s"), (unsigned long long) soft);
        printf(".\n");
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
        _cleanup_value_ Value *plan = NULL;
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
        r = api_start(c, path, &o, &plan);
        if (r < 0)
                return r;
        if (c->json && plan)
                ctl_print_json(plan);
        else if (!c->json) {
                printf(_("Started on %s. It begins at the gentlest level for a minute, then rises gradually.\n"),
                       c->device);
                if (plan)
                        print_plan(plan);
        }
        if (!wait)
                return 0;
        return live_run(live);
}

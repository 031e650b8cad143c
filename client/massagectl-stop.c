/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * massagectl stop [DEVICE] [--reason R] [--all]. A stop must always work:
 * nothing here refuses or delays one. A reason massaged does not accept
 * still stops the session (plain Stop()), with a warning.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "ctl-api.h"
#include "ctl-bus.h"
#include "i18n.h"
#include "massagectl.h"

/* The symptom reasons of doc/safety.md (policy_end_reason_to_string() in the daemon). */
static const char *const stop_reasons[] = {
        "pain_rising", "numbness", "tingling", "dizziness", "headache_flare", "burning_skin",
};

static bool reason_known(const char *r) {
        for (size_t i = 0; i < ELEMENTSOF(stop_reasons); i++)
                if (strcmp(stop_reasons[i], r) == 0)
                        return true;
        return false;
}

static int stop_one(Ctl *c, const char *path, const char *reason) {
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        int r;

        if (!reason)
                return api_stop(c, path);
        r = api_stop_with_reason(c, path, reason, &e);
        if (r >= 0)
                return 0;
        if (sd_bus_error_has_name(&e, SD_BUS_ERROR_INVALID_ARGS) ||
            sd_bus_error_has_name(&e, SD_BUS_ERROR_UNKNOWN_METHOD)) {
                (void) fprintf(stderr, _("massagectl: massaged did not take the reason '%s' (%s); stopping without it.\n"),
                        reason, e.message ?: e.name);
                return api_stop(c, path);
        }
        return ctl_fail_bus(c, &e, r, _("Stopping"));
}

int verb_stop(Ctl *c, int argc, char *argv[]) {
        static const struct option options[] = {
                CTL_COMMON_OPTIONS,
                { "reason", required_argument, NULL, 'r' },
                { "all",    no_argument,       NULL, 'a' },
                {}
        };
        _cleanup_free_ char *path = NULL;
        _cleanup_value_ Value *list = NULL;
        const char *reason = NULL, *device;
        bool all = false;
        int opt, r;

        while ((opt = getopt_long(argc, argv, ":hr:", options, NULL)) >= 0)
                switch (opt) {
                case 'r':
                        reason = optarg;
                        break;
                case 'a':
                        all = true;
                        break;
                CTL_COMMON_CASES(c, argv);
                }
        if (argc - optind > 1)
                return ctl_fail_usage(c, _("unexpected argument '%s'."), argv[optind + 1]);
        device = optind < argc ? argv[optind] : NULL;
        if (all && device)
                return ctl_fail_usage(c, _("--all and a device exclude each other."));
        /* An unknown reason is reported, but only after the stop: a typo must not keep a motor running. */
        if (reason && !reason_known(reason)) {
                (void) fprintf(stderr, _("massagectl: '%s' is not a known reason ("), reason);
                for (size_t i = 0; i < ELEMENTSOF(stop_reasons); i++)
                        (void) fprintf(stderr, "%s%s", i ? ", " : "", stop_reasons[i]);
                (void) fprintf(stderr, _("); stopping without one.\n"));
                reason = NULL;
        }

        if (device) {
                r = api_resolve_device(c, device, &path);
                if (r < 0)
                        return r;
                r = stop_one(c, path, reason);
        } else if (!all) {
                r = api_list_devices(c, &list);
                if (r < 0)
                        /* Cannot even list: still try the stop that needs no device. */
                        return api_stop_all(c) < 0 ? r : 0;
                if (list->c.n == 1) {
                        r = api_resolve_device(c, NULL, &path);
                        if (r >= 0)
                                r = stop_one(c, path, reason);
                } else
                        all = true;
        }
        if (all) {
                /* The reasons go to each running device first, then StopAll catches anything left. */
                for (size_t i = 0; reason && list && i < list->c.n; i++) {
                        const char *a, *state;
                        _cleanup_free_ char *p = NULL;
                        if (!value_get_string(list->c.items[i], API_DEV_STATE, &state) ||
                            (strcmp(state, "running") != 0 && strcmp(state, "paused") != 0) ||
                            !value_get_string(list->c.items[i], API_DEV_ADDRESS, &a) ||
                            api_resolve_device(c, a, &p) < 0)
                                continue;
                        (void) stop_one(c, p, reason);
                }
                r = api_stop_all(c);
        }
        if (r < 0)
                return r;
        if (!c->json) {
                if (all)
                        printf(_("Stopped every massager.\n"));
                else
                        printf(_("Stopped %s.%s\n"), c->device,
                               reason ? " Sessions stay gentle for the next 24 h; take care." : "");
        }
        return 0;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * massagectl thermal [ack|reset-heat]: after a thermal cut-off every start
 * is refused until the pad has cooled below 38 °C and the user has
 * acknowledged it; two cut-offs in 24 h disable heat until a manual reset
 * (doc/safety.md). Without an action: show where things stand.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "ctl-api.h"
#include "ctl-bus.h"
#include "i18n.h"
#include "massaged-dbus.h"
#include "massagectl.h"

int verb_thermal(Ctl *c, int argc, char *argv[]) {
        static const struct option options[] = { CTL_COMMON_OPTIONS, {} };
        _cleanup_value_ Value *u = NULL;
        bool locked = false, heat_off = false;
        int opt, r;

        while ((opt = getopt_long(argc, argv, ":h", options, NULL)) >= 0)
                switch (opt) {
                CTL_COMMON_CASES(c, argv);
                }
        if (argc - optind > 1)
                return ctl_fail_usage(c, _("unexpected argument '%s'."), argv[optind + 1]);
        if (optind < argc) {
                if (strcmp(argv[optind], "ack") == 0) {
                        r = api_acknowledge_thermal(c);
                        if (r >= 0 && !c->json)
                                printf(_("Cut-off acknowledged; sessions may start again.\n"));
                } else if (strcmp(argv[optind], "reset-heat") == 0) {
                        r = api_reset_heat(c);
                        if (r >= 0 && !c->json)
                                printf(_("Heat re-enabled. If the pad keeps overheating, stop using heat and have "
                                       "the device checked.\n"));
                } else
                        return ctl_fail_usage(c, _("unknown action '%s'; use 'ack' or 'reset-heat'."), argv[optind]);
                return r < 0 ? r : 0;
        }
        r = api_usage_today(c, &u);
        if (r < 0)
                return r;
        (void) value_get_bool(u, "thermal_locked", &locked);
        (void) value_get_bool(u, "heat_disabled", &heat_off);
        if (c->json) {
                _cleanup_value_ Value *root = value_new_object();
                if (!root)
                        return ctl_fail(c, EXIT_FAILURE_OTHER, -ENOMEM, _("Out of memory."));
                (void) value_object_set(root, "thermal_locked", value_new_bool(locked));
                (void) value_object_set(root, "heat_disabled", value_new_bool(heat_off));
                ctl_print_json(root);
                return 0;
        }
        if (locked)
                printf(_("Locked after a thermal cut-off: let the pad cool, then run 'massagectl thermal ack'.\n"));
        else
                printf(_("No thermal lock-out.\n"));
        if (heat_off)
                printf(_("Heat is disabled after two cut-offs in 24 h; 'massagectl thermal reset-heat' re-enables it.\n"));
        return 0;
}

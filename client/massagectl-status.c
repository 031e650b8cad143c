/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* massagectl status [DEVICE]: one massager's state, and today's usage under it. */
#include <inttypes.h>
#include <stdio.h>

#include "ctl-api.h"
#include "ctl-device-call.h"
#include "ctl-device.h"
#include "ctl-format.h"
#include "i18n.h"
#include "massagectl.h"

/* Today's figures under the device: useful, but not worth failing status for. */
static void print_usage_today(Ctl *c) {
        _cleanup_value_ Value *u = NULL;
        char d[FORMAT_DURATION_MAX];
        uint64_t secs = 0, sessions = 0, cap_min = 0, cap_sessions = 0;
        bool locked = false, heat_off = false;

        if (api_usage_today(c, &u) < 0) {
                ctl_forget_failure(c);
                return;
        }
        (void) value_get_uint(u, "seconds", &secs);
        (void) value_get_uint(u, "sessions", &sessions);
        (void) value_get_uint(u, "daily_minutes_limit", &cap_min);
        (void) value_get_uint(u, "daily_sessions_limit", &cap_sessions);
        (void) value_get_bool(u, "thermal_locked", &locked);
        (void) value_get_bool(u, "heat_disabled", &heat_off);
        printf(ngettext("%-12s %s in %" PRIu64 " session (daily cap %" PRIu64 " min, %" PRIu64 " sessions)\n",
                        "%-12s %s in %" PRIu64 " sessions (daily cap %" PRIu64 " min, %" PRIu64 " sessions)\n",
                        sessions),
               _("Today"), format_duration(secs, d), sessions, cap_min, cap_sessions);
        if (locked)
                printf(_("%-12s %slocked after a thermal cut-off%s: once the pad has cooled, run 'massagectl thermal ack'\n"),
                       _("Heat"), ansi_red(), ansi_normal());
        else if (heat_off)
                printf(_("%-12s %sdisabled after two cut-offs in 24 h%s: 'massagectl thermal reset-heat' re-enables it\n"),
                       _("Heat"), ansi_red(), ansi_normal());
}

int verb_status(Ctl *c, int argc, char *argv[]) {
        _cleanup_value_ Value *props = NULL;
        _cleanup_free_ char *path = NULL;
        const char *device;
        int r;

        r = ctl_parse_device_only(c, argc, argv, &device);
        if (r != 0)
                return r < 0 ? r : 0;
        r = api_resolve_device(c, device, &path);
        if (r < 0)
                return r;
        r = api_device_properties(c, path, &props);
        if (r < 0)
                return r;
        if (c->json) {
                ctl_print_json(props);
                return 0;
        }
        device_print_status(props);
        print_usage_today(c);
        return 0;
}

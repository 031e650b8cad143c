/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* massagectl devices: the massagers massaged knows, one line each. */
#include <errno.h>
#include <stdio.h>

#include "ctl-api.h"
#include "ctl-device-call.h"
#include "ctl-device.h"
#include "ctl-format.h"
#include "i18n.h"
#include "massagectl.h"

int verb_devices(Ctl *c, int argc, char *argv[]) {
        _cleanup_value_ Value *list = NULL;
        _cleanup_table_ Table *t = NULL;
        const char *device;
        int r;

        r = ctl_parse_device_only(c, argc, argv, &device);
        if (r != 0)
                return r < 0 ? r : 0;
        if (device)
                return ctl_fail_usage(c, _("takes no device; 'massagectl status %s' shows one."), device);
        r = api_list_devices(c, &list);
        if (r < 0)
                return r;
        if (c->json) {
                _cleanup_value_ Value *root = value_new_object();
                if (!root || value_object_set(root, "devices", STEAL_PTR(list)) < 0)
                        return ctl_fail(c, EXIT_FAILURE_OTHER, -ENOMEM, _("Out of memory."));
                ctl_print_json(root);
                return 0;
        }
        if (list->c.n == 0) {
                printf(_("No massagers known yet. Find one with 'massagectl scan', then 'massagectl add ADDRESS'.\n"));
                return 0;
        }
        t = table_new(5, "ADDRESS", "NAME", "CONNECTION", "STATE", "BATTERY");
        if (!t)
                return ctl_fail(c, EXIT_FAILURE_OTHER, -ENOMEM, _("Out of memory."));
        for (size_t i = 0; i < list->c.n; i++) {
                char a[32], n[128], cs[32], s[32], b[16];
                const Value *p = list->c.items[i];

                r = table_add_row(t, device_prop_string(p, API_DEV_ADDRESS, a, sizeof(a)),
                                  device_prop_string(p, API_DEV_NAME, n, sizeof(n)),
                                  device_prop_string(p, API_DEV_CONNECTION, cs, sizeof(cs)),
                                  device_prop_string(p, API_DEV_STATE, s, sizeof(s)),
                                  device_battery_string(p, b, sizeof(b)));
                if (r < 0)
                        return ctl_fail(c, EXIT_FAILURE_OTHER, r, _("Out of memory."));
        }
        table_print(t, stdout);
        return 0;
}

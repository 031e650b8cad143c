/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* massagectl add ADDRESS: pair a massager and put it on the list massaged may drive. */
#include <errno.h>
#include <stdio.h>

#include "ctl-api.h"
#include "ctl-device-call.h"
#include "ctl-parse.h"
#include "i18n.h"
#include "massagectl.h"

int verb_add(Ctl *c, int argc, char *argv[]) {
        static char address[ADDRESS_STRING_MAX];
        _cleanup_free_ char *path = NULL;
        const char *arg;
        int r;

        r = ctl_parse_device_only(c, argc, argv, &arg);
        if (r != 0)
                return r < 0 ? r : 0;
        if (!arg)
                return ctl_fail_usage(c, _("which massager? Give its address (from 'massagectl scan')."));
        if (parse_address(arg, address) < 0)
                return ctl_fail_usage(c, _("'%s' is not a Bluetooth address: expected six hex pairs such as "
                                      "AA:BB:CC:DD:EE:FF."), arg);
        c->device = address;
        if (!c->json)
                printf(_("Pairing with %s; this can take a few seconds...\n"), address);
        r = api_add_device(c, address, &path);
        if (r < 0)
                return r;
        if (c->json) {
                _cleanup_value_ Value *root = value_new_object();
                if (!root)
                        return ctl_fail(c, EXIT_FAILURE_OTHER, -ENOMEM, _("Out of memory."));
                (void) value_object_set(root, "address", value_new_string(address));
                (void) value_object_set(root, "object_path", value_new_string(path));
                ctl_print_json(root);
        } else
                printf(_("Added %s. Next: 'massagectl screening' (once), then 'massagectl start --wait'.\n"),
                       address);
        return 0;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* massagectl version: the client's version, and the daemon's API version when it answers. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "ctl-api.h"
#include "i18n.h"
#include "massagectl.h"

int verb_version(Ctl *c, int argc, char *argv[]) {
        _cleanup_value_ Value *root = NULL;
        uint64_t api = 0;
        int r;

        for (int i = 1; i < argc; i++) {
                if (strcmp(argv[i], "--json") == 0)
                        c->json = true;
                else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
                        return ctl_verb_help(ctl_find_verb("version"));
                else
                        return ctl_fail_usage(c, _("unexpected argument '%s'."), argv[i]);
        }
        /* The client's version prints even when the daemon is away. */
        r = api_api_version(c, &api);
        if (c->json) {
                root = value_new_object();
                if (!root)
                        return ctl_fail(c, EXIT_FAILURE_OTHER, -ENOMEM, _("Out of memory."));
                (void) value_object_set(root, "massagectl", value_new_string(PACKAGE_VERSION));
                (void) value_object_set(root, "api_version", r < 0 ? value_new_null() : value_new_uint(api));
                if (r >= 0)
                        ctl_print_json(root);
        } else {
                printf("massagectl %s\n", PACKAGE_VERSION);
                if (r >= 0)
                        printf(_("massaged API version %" PRIu64 "\n"), api);
        }
        return r;
}

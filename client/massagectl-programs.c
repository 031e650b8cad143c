/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* massagectl programs: the built-in and user programs massaged offers. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ctl-api.h"
#include "ctl-device-call.h"
#include "ctl-format.h"
#include "i18n.h"
#include "massagectl.h"

/* The words are massaged's (Manager.Programs): a program file's own Title= and
 * Description=, so what this prints is what the program runs. */
static int add_row(Table *t, const Value *p) {
        const char *name = NULL, *title = "", *description = "";
        char length[FORMAT_DURATION_MAX + 32], dur[FORMAT_DURATION_MAX];
        uint64_t seconds = 0;
        bool heat = false, repeat = false;

        if (p->type != VALUE_OBJECT || !value_get_string(p, "name", &name))
                return -EBADMSG;
        (void) value_get_string(p, "title", &title);
        (void) value_get_string(p, "description", &description);
        (void) value_get_uint(p, "seconds", &seconds);
        (void) value_get_bool(p, "heat", &heat);
        (void) value_get_bool(p, "repeat", &repeat);
        (void) snprintf(length, sizeof(length), repeat ? _("%s, repeats") : "%s", format_duration(seconds, dur));
        return table_add_row(t, name, title, length, heat ? _("yes") : _("no"), *description ? description : "-");
}

int verb_programs(Ctl *c, int argc, char *argv[]) {
        _cleanup_value_ Value *programs = NULL;
        _cleanup_table_ Table *t = NULL;
        const char *arg;
        int r;

        r = ctl_parse_device_only(c, argc, argv, &arg);
        if (r != 0)
                return r < 0 ? r : 0;
        if (arg)
                return ctl_fail_usage(c, _("unexpected argument '%s'."), arg);
        r = api_programs(c, &programs);
        if (r < 0)
                return r;
        if (programs->type != VALUE_ARRAY)
                return ctl_fail(c, EXIT_FAILURE_OTHER, -EBADMSG, _("massaged's programs are not a list."));
        if (c->json) {
                _cleanup_value_ Value *root = value_new_object();
                if (!root || value_object_set(root, "programs", STEAL_PTR(programs)) < 0)
                        return ctl_fail(c, EXIT_FAILURE_OTHER, -ENOMEM, _("Out of memory."));
                ctl_print_json(root);
                return 0;
        }
        t = table_new(5, "PROGRAM", "TITLE", "LENGTH", "HEAT", "DESCRIPTION");
        if (!t)
                return ctl_fail(c, EXIT_FAILURE_OTHER, -ENOMEM, _("Out of memory."));
        for (size_t i = 0; i < programs->c.n; i++) {
                r = add_row(t, programs->c.items[i]);
                if (r == -EBADMSG)
                        return ctl_fail(c, EXIT_FAILURE_OTHER, r, _("massaged's programs have no names."));
                if (r < 0)
                        return ctl_fail(c, EXIT_FAILURE_OTHER, -ENOMEM, _("Out of memory."));
        }
        table_print(t, stdout);
        printf(_("Start one with 'massagectl start --program NAME'.\n"));
        return 0;
}

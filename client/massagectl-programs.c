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

/* The built-ins (doc/safety.md "Programs"); massaged lists names only, so the words are ours. */
static const struct {
        const char *name;
        const char *description;
} builtin[] = {
        { "gentle",        "soft, steady massage at low levels (the default)" },
        { "kneading",      "kneading in alternating directions" },
        { "trigger-point", "sustained pressure for 30-90 s, then release for 20-30 s" },
        { "suboccipital",  "soft steady pressure below the skull for 3-5 min" },
        { "myofascial",    "slow holds of 10-20 s" },
        { "relax",         "long and slow, with heat" },
        { "migraine",      "gentle mode: lowest third, gentle patterns, heat only if opted in" },
};

static const char *describe(const char *name) {
        for (size_t i = 0; i < ELEMENTSOF(builtin); i++)
                if (strcmp(builtin[i].name, name) == 0)
                        return builtin[i].description;
        return "your own program";
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
        for (size_t i = 0; i < programs->c.n; i++)
                if (programs->c.items[i]->type != VALUE_STRING)
                        return ctl_fail(c, EXIT_FAILURE_OTHER, -EBADMSG, _("massaged's programs are not names."));
        if (c->json) {
                _cleanup_value_ Value *root = value_new_object();
                if (!root || value_object_set(root, "programs", STEAL_PTR(programs)) < 0)
                        return ctl_fail(c, EXIT_FAILURE_OTHER, -ENOMEM, _("Out of memory."));
                ctl_print_json(root);
                return 0;
        }
        t = table_new(2, "PROGRAM", "DESCRIPTION");
        if (!t)
                return ctl_fail(c, EXIT_FAILURE_OTHER, -ENOMEM, _("Out of memory."));
        for (size_t i = 0; i < programs->c.n; i++)
                if (table_add_row(t, programs->c.items[i]->s, describe(programs->c.items[i]->s)) < 0)
                        return ctl_fail(c, EXIT_FAILURE_OTHER, -ENOMEM, _("Out of memory."));
        table_print(t, stdout);
        printf(_("Start one with 'massagectl start --program NAME'.\n"));
        return 0;
}

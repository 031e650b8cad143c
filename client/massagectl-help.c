/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* massagectl help [COMMAND], and every verb's --help: read from the subcommands table. */
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "i18n.h"
#include "massagectl.h"

const Verb *ctl_find_verb(const char *name) {
        for (size_t i = 0; i < ctl_n_subcommands; i++)
                if (strcmp(ctl_subcommands[i].name, name) == 0)
                        return &ctl_subcommands[i];
        return NULL;
}

void ctl_print_main_help(void) {
        printf(_("massagectl %s: control a neck massager through massaged\n\n"
               "Usage: massagectl [--json] [--no-color] COMMAND [ARGUMENTS]\n\nCommands:\n"), PACKAGE_VERSION);
        for (size_t i = 0; i < ctl_n_subcommands; i++) {
                const Verb *v = &ctl_subcommands[i];
                char left[64];

                (void) snprintf(left, sizeof(left), "%s %s", v->name, v->args);
                if (strlen(left) > 30)
                        printf("  %s\n  %-30s %s\n", left, "", _(v->summary));
                else
                        printf("  %-30s %s\n", left, _(v->summary));
        }
        printf(_("\nDEVICE is a Bluetooth address (AA:BB:CC:DD:EE:FF, any case, ':' or '_'); it may be left out\n"
               "when only one massager is known. Every read command takes --json.\n"
               "First time? massagectl scan, massagectl add ADDRESS, massagectl screening, massagectl start --wait\n"
               "See massagectl(1) for exit codes and the JSON schema.\n"));
}

int ctl_verb_help(const Verb *v) {
        if (!v) {
                ctl_print_main_help();
                return 0;
        }
        printf(_("Usage: massagectl %s %s\n%s.\n"), v->name, v->args, _(v->summary));
        if (v->help)
                printf(_("\nOptions:\n%s"), _(v->help));
        printf(_("  --json              machine-readable output (see massagectl(1))\n"
               "  -h, --help          this help\n"));
        return 0;
}

int verb_help(Ctl *c, int argc, char *argv[]) {
        const Verb *v;

        if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
                ctl_print_main_help();
                return 0;
        }
        v = ctl_find_verb(argv[1]);
        if (!v)
                return ctl_fail_usage(c, _("unknown command '%s'; 'massagectl help' lists them."), argv[1]);
        return ctl_verb_help(v);
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * massagectl: one context per run (ctl-context.c), one function per verb
 * (massagectl-<verb>.c), dispatched from the ctl_subcommands[] table in
 * massagectl.c.
 *
 * A verb returns 0, a negative errno (a failure recorded in the context,
 * ctl-context.h) or a positive exit code of its own (130 after Ctrl-C).
 */

#include "ctl-context.h"

typedef struct Verb {
        const char *name;
        int (*run)(Ctl *c, int argc, char *argv[]);
        const char *args;       /* synopsis after the verb */
        const char *summary;    /* one line for `massagectl help` */
        const char *help;       /* the verb's own --help text (options), may be NULL */
} Verb;

/* Parses common options from a verb's argv: handles --json and --help for
 * every verb, so each verb's getopt loop only sees its own. */
#define CTL_COMMON_OPTIONS \
        { "json", no_argument, NULL, 'J' }, \
        { "help", no_argument, NULL, 'h' }

/* The cases every verb's getopt loop shares (optstring starts with ':'). */
#define CTL_COMMON_CASES(c, argv)                                                               \
        case 'J':                                                                               \
                (c)->json = true;                                                               \
                break;                                                                          \
        case 'h':                                                                               \
                return ctl_verb_help(ctl_find_verb((c)->verb));                                 \
        case ':':                                                                               \
                return ctl_fail_usage((c), "option '%s' needs a value.", (argv)[optind - 1]);   \
        case '?':                                                                               \
                return ctl_fail_usage((c), "unknown option '%s'.", (argv)[optind - 1])

/* The subcommands table (massagectl.c), in the order `massagectl help` lists it. */
extern const Verb ctl_subcommands[];
extern const size_t ctl_n_subcommands;

/* The verb's --help text on stdout (v == NULL: the main help). */
int ctl_verb_help(const Verb *v);
/* Every command with its summary, on stdout. */
void ctl_print_main_help(void);
const Verb *ctl_find_verb(const char *name);

/* Verbs. */
int verb_scan(Ctl *c, int argc, char *argv[]);
int verb_devices(Ctl *c, int argc, char *argv[]);
int verb_add(Ctl *c, int argc, char *argv[]);
int verb_forget(Ctl *c, int argc, char *argv[]);
int verb_connect(Ctl *c, int argc, char *argv[]);
int verb_disconnect(Ctl *c, int argc, char *argv[]);
int verb_status(Ctl *c, int argc, char *argv[]);
int verb_start(Ctl *c, int argc, char *argv[]);
int verb_stop(Ctl *c, int argc, char *argv[]);
int verb_pause(Ctl *c, int argc, char *argv[]);
int verb_resume(Ctl *c, int argc, char *argv[]);
int verb_set(Ctl *c, int argc, char *argv[]);
int verb_monitor(Ctl *c, int argc, char *argv[]);
int verb_history(Ctl *c, int argc, char *argv[]);
int verb_usage(Ctl *c, int argc, char *argv[]);
int verb_limits(Ctl *c, int argc, char *argv[]);
int verb_programs(Ctl *c, int argc, char *argv[]);
int verb_note(Ctl *c, int argc, char *argv[]);
int verb_screening(Ctl *c, int argc, char *argv[]);
int verb_thermal(Ctl *c, int argc, char *argv[]);
int verb_version(Ctl *c, int argc, char *argv[]);
int verb_help(Ctl *c, int argc, char *argv[]);

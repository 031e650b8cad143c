/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * massagectl: one context per run (ctl-context.c), one function per verb
 * (massagectl-<verb>.c), dispatched from the ctl_subcommands[] table in
 * massagectl.c.
 *
 * Error convention: helpers return a negative errno *after* recording the
 * failure in the context with ctl_fail*(); main() prints it exactly once (a
 * sentence on stderr, plus a JSON error object on stdout with --json) and
 * exits with its class's exit code. A verb returns 0, a negative errno (a
 * recorded failure) or a positive exit code of its own (130 after Ctrl-C).
 */

#include <stdbool.h>
#include <systemd/sd-bus.h>

#include "ctl-errors.h"
#include "ctl-value.h"
#include "macro.h"

typedef struct Ctl {
        sd_bus *bus;            /* opened on first use: `help` needs no bus */
        bool json;
        const char *verb;

        /* The recorded failure. */
        ExitCode exit_code;
        char *error_name;       /* D-Bus error name, or NULL for our own */
        char *error_message;
        bool usage_hint;        /* a usage error: point at the verb's --help */
        const char *device;     /* address the failing call was about, for messages */
} Ctl;

typedef struct Verb {
        const char *name;
        int (*run)(Ctl *c, int argc, char *argv[]);
        const char *args;       /* synopsis after the verb */
        const char *summary;    /* one line for `massagectl help` */
        const char *help;       /* the verb's own --help text (options), may be NULL */
} Verb;

/* Records a failure (the first one wins) and returns -error (or -EIO). */
int ctl_fail(Ctl *c, ExitCode code, int error, const char *format, ...) _printf_(4, 5);
/* Records a D-Bus error (or a local errno r when e is unset) of a call described by `what`. */
int ctl_fail_bus(Ctl *c, const sd_bus_error *e, int r, const char *what);
/* A bad command line: "massagectl start: …" plus a pointer to --help. */
int ctl_fail_usage(Ctl *c, const char *format, ...) _printf_(2, 3);

/* Drops a recorded failure that the caller chose to tolerate (optional extras). */
void ctl_forget_failure(Ctl *c);

/* Prints the recorded failure and returns its exit code. */
int ctl_report_failure(Ctl *c);

/* Prints v to stdout as JSON (pretty on a terminal, else compact), then a newline. */
void ctl_print_json(const Value *v);

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

/* For verbs that take only [DEVICE] and the common options: returns 0 with
 * *ret_device (NULL when not given), 1 when --help was printed, or a
 * recorded failure. */
int ctl_parse_device_only(Ctl *c, int argc, char *argv[], const char **ret_device);

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

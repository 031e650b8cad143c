/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * One context per massagectl run: the bus, --json, and the recorded failure.
 *
 * Error convention: helpers return a negative errno *after* recording the
 * failure in the context with ctl_fail*(); main() prints it exactly once (a
 * sentence on stderr, plus a JSON error object on stdout with --json) and
 * exits with its class's exit code.
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

/* Records a failure (the first one wins) and returns -error (or -EIO). */
int ctl_fail(Ctl *c, ExitCode code, int error, const char *format, ...) _printf_(4, 5);
/* Records a D-Bus error (or a local errno r when e is unset) of a call described by `what`
 * (in ctl-bus.c, beside the bus it reads errors from). */
int ctl_fail_bus(Ctl *c, const sd_bus_error *e, int r, const char *what);
/* A bad command line: "massagectl start: …" plus a pointer to --help. */
int ctl_fail_usage(Ctl *c, const char *format, ...) _printf_(2, 3);

/* Drops a recorded failure that the caller chose to tolerate (optional extras). */
void ctl_forget_failure(Ctl *c);

/* Prints the recorded failure and returns its exit code. */
int ctl_report_failure(Ctl *c);

/* Prints v to stdout as JSON (pretty on a terminal, else compact), then a newline. */
void ctl_print_json(const Value *v);

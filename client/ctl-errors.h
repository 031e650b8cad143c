/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * What kind of failure it was, as an exit code (documented in massagectl(1),
 * "EXIT STATUS"): scripts branch on these, so they never change meaning.
 * The D-Bus error names come from include/massaged-dbus.h. Pure C.
 */

typedef enum ExitCode {
        EXIT_OK = 0,
        EXIT_FAILURE_OTHER = 1,         /* anything not below (org.massaged1.Error.Failed, I/O) */
        EXIT_USAGE = 2,                 /* bad command line, or a value the daemon called invalid */
        EXIT_UNREACHABLE = 3,           /* no user bus, or massaged not running / not answering */
        EXIT_POLICY = 4,                /* refused by the safety policy (limits, rest, screening) */
        EXIT_DEVICE = 5,                /* device or link failure (not connected, fault, timeout, Bluetooth) */
        EXIT_NOT_FOUND = 6,             /* no such device or session */
        EXIT_STATE = 7,                 /* wrong state for that (busy, nothing running) */
        EXIT_STORAGE = 8,               /* the usage ledger cannot be read or written, or massaged.conf is unusable */
        EXIT_INTERRUPTED = 130,         /* start --wait / monitor stopped by Ctrl-C (128 + SIGINT) */
} ExitCode;

/* Exit code for a D-Bus error name (NULL or unknown names → EXIT_FAILURE_OTHER). */
ExitCode exit_code_from_bus_error(const char *name);

/* Exit code for a negative errno from the client itself (connecting, reading replies). */
ExitCode exit_code_from_errno(int error);

/* A short name for the class, for --json ("policy", "device", …). */
const char *exit_code_to_string(ExitCode code);

/* A sentence of advice for the class, or NULL: e.g. how to start the daemon. */
const char *exit_code_hint(ExitCode code);

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Verbs that take only [DEVICE]: their option parsing, and the whole body of
 * those that are one device method and a sentence (connect, disconnect,
 * pause, resume): parse [DEVICE], resolve it, call.
 */

#include "massagectl.h"

/* For verbs that take only [DEVICE] and the common options: returns 0 with
 * *ret_device (NULL when not given), 1 when --help was printed, or a
 * recorded failure. */
int ctl_parse_device_only(Ctl *c, int argc, char *argv[], const char **ret_device);

typedef int (*CtlDeviceCall)(Ctl *c, const char *path);

/* Runs call on the device named in argv (or the only one) and prints
 * "<done> <address>." unless --json. Returns 0 or a recorded failure. */
int ctl_device_call_verb(Ctl *c, int argc, char *argv[], CtlDeviceCall call, const char *done);

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The verbs that are one device method and a sentence (connect, disconnect,
 * pause, resume) share their whole body: parse [DEVICE], resolve it, call.
 */

#include "massagectl.h"

typedef int (*CtlDeviceCall)(Ctl *c, const char *path);

/* Runs call on the device named in argv (or the only one) and prints
 * "<done> <address>." unless --json. Returns 0 or a recorded failure. */
int ctl_device_call_verb(Ctl *c, int argc, char *argv[], CtlDeviceCall call, const char *done);

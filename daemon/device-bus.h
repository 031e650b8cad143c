/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* org.massaged1.Device: one object per known device (doc/dbus-api.md). */

#include <systemd/sd-bus.h>

typedef struct Manager Manager;

/* Registers the fallback vtable and the object-path enumerator under
 * MASSAGED_DEVICE_PATH_PREFIX. */
int device_bus_register(Manager *m);

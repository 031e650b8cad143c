/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* org.massaged1.Device: one object per known device (SPEC §5, §8). */

#include <systemd/sd-bus.h>

typedef struct Manager Manager;

/* Registers the fallback vtable and the object-path enumerator under
 * MASSAGED_DEVICE_PATH_PREFIX. */
int device_bus_register(Manager *m);

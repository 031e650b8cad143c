/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Adding and forgetting known devices (Manager.AddDevice, ForgetDevice;
 * doc/dbus-api.md): pairing, the ledger's allow-list, the device table and
 * the exported objects. Takes the manager's pieces, not the Manager.
 */

#include <systemd/sd-bus.h>

#include "device.h"


/* AddDevice for a valid address no known device has. The call is kept and
 * answered here: at once when BlueZ has it paired already, else once Pair
 * answers. Returns 1, or a negative errno (with *error set, except when out
 * of memory or the pairing address cannot be set) and nothing kept. */
int manager_devices_add(const DeviceContext *ctx, sd_bus_message *call, const char *address, sd_bus_error *error);

/* ForgetDevice: stops d and ends its session, removes it from the ledger,
 * unpairs it and frees it (d is gone on success). Returns 0, or a negative
 * errno with *error set when the ledger cannot forget it (d stays known). */
int manager_devices_forget(const DeviceContext *ctx, Device *d,
                           sd_bus_error *error);

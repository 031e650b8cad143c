/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Manager.AcknowledgeThermal and Manager.ResetHeat (doc/safety.md): read
 * every connected pad afresh, let the safety policy decide, record the
 * acknowledgement or the heat reset in the ledger, and after an
 * acknowledgement have the devices drop latched faults whose cause has gone.
 * Takes the manager's pieces, not the Manager.
 */

#include <stdbool.h>
#include <systemd/sd-bus.h>

#include "device.h"


/* reset false: AcknowledgeThermal; true: ResetHeat. The call is kept and
 * answered here once every connected device answered its GET_STATUS.
 * Returns 1, or a negative errno (with *error set unless out of memory) and
 * nothing kept. */
int thermal_ack_start(const DeviceContext *ctx, sd_bus_message *call, bool reset,
                      sd_bus_error *error);

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Commands to the Control Point: sequence numbers, a response timeout, one
 * command in flight per device, the rest queued in order. STOP jumps the
 * queue (it goes out right after the command in flight) and a STOP already
 * queued is not sent twice.
 */

#include "device.h"
#include "massager-protocol.h"

/* error is 0 with the device's response (result may still be non-OK), or a negative errno:
 * -ETIMEDOUT (no response), -ENOTCONN (link lost), -EIO (write failed). */

int device_command(Device *d, const MassagerCommand *cmd, CommandCallback callback, void *userdata);
/* Whether msg answers the command in flight (logs why not). */
bool device_commands_expects(Device *d, const MassagerMessage *msg);
void device_commands_on_response(Device *d, const MassagerMessage *msg);
void device_commands_fail_all(Device *d, int error);
/* A STOP is in flight or queued. */
bool device_commands_stop_pending(Device *d);

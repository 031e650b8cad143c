/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Commands to the Control Point, through the device's engine
 * (protocol/control-point.c, PROTOCOL.md §9): sequence numbers, a response
 * timeout, one command in flight per device, the rest queued in order. STOP
 * jumps the queue (it goes out right after the command in flight) and a STOP
 * already queued is not sent twice: a second one is answered with its result.
 */

#include "device.h"
#include "massager-protocol.h"

/* error is 0 with the device's response (result may still be non-OK), or a negative errno:
 * -ETIMEDOUT (no response), -ENOTCONN (link lost), -EIO or the BlueZ error's errno (write failed). */

void device_commands_init(Device *d);
int device_command(Device *d, const MassagerCommand *cmd, CommandCallback callback, void *userdata);
/* Decodes a Status notification with the connection's protocol: MASSAGER_NOTIFICATION_STATUS,
 * MASSAGER_NOTIFICATION_RESPONSE (answers the command in flight; apply it, then
 * device_commands_on_response()), or a negative errno when it is dropped (logged here). */
int device_commands_receive(Device *d, const uint8_t *value, size_t size, MassagerMessage *ret);
/* Decodes a Status read with the connection's protocol (-EPROTO before the Device Info). */
int device_commands_decode(Device *d, const uint8_t *value, size_t size, MassagerMessage *ret);
void device_commands_on_response(Device *d, const MassagerMessage *msg);
void device_commands_fail_all(Device *d, int error);
/* A command is in flight or queued. */
bool device_commands_busy(Device *d);
/* A command is in flight (its response is awaited). */
bool device_commands_in_flight(Device *d);
/* A STOP is in flight or queued. */
bool device_commands_stop_pending(Device *d);

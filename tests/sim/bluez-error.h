/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The error names bluetoothd 5.66 replies with (src/error.c), and the exact
 * messages it uses where clients are known to look at them. Every refusal
 * of the simulator goes through these, never through a bare errno (which
 * sd-bus would turn into System.Error.*, something bluetoothd never sends).
 */

#include <systemd/sd-bus.h>

#define BLUEZ_ERROR_INVALID_ARGUMENTS   "org.bluez.Error.InvalidArguments"
#define BLUEZ_ERROR_IN_PROGRESS         "org.bluez.Error.InProgress"
#define BLUEZ_ERROR_ALREADY_EXISTS      "org.bluez.Error.AlreadyExists"
#define BLUEZ_ERROR_NOT_SUPPORTED       "org.bluez.Error.NotSupported"
#define BLUEZ_ERROR_NOT_CONNECTED       "org.bluez.Error.NotConnected"
#define BLUEZ_ERROR_NOT_AVAILABLE       "org.bluez.Error.NotAvailable"
#define BLUEZ_ERROR_NOT_AUTHORIZED      "org.bluez.Error.NotAuthorized"
#define BLUEZ_ERROR_NOT_PERMITTED       "org.bluez.Error.NotPermitted"
#define BLUEZ_ERROR_DOES_NOT_EXIST      "org.bluez.Error.DoesNotExist"
#define BLUEZ_ERROR_NOT_READY           "org.bluez.Error.NotReady"
#define BLUEZ_ERROR_FAILED              "org.bluez.Error.Failed"
#define BLUEZ_ERROR_AUTH_CANCELED       "org.bluez.Error.AuthenticationCanceled"
#define BLUEZ_ERROR_AUTH_FAILED         "org.bluez.Error.AuthenticationFailed"
#define BLUEZ_ERROR_CONN_ATTEMPT_FAILED "org.bluez.Error.ConnectionAttemptFailed"

/* Messages bluetoothd 5.66 puts in those errors (src/error.h, device.c, gatt-client.c). */
#define BLUEZ_MSG_CONN_BUSY             "br-connection-busy"
#define BLUEZ_MSG_CONN_CANCELED         "br-connection-canceled"
#define BLUEZ_MSG_LE_CONN_ABORTED       "le-connection-abort-by-local"
#define BLUEZ_MSG_NOT_PAIRED            "Not paired"            /* ATT insufficient encryption/authentication */
#define BLUEZ_MSG_READ_NOT_PERMITTED    "Read not permitted"
#define BLUEZ_MSG_WRITE_NOT_PERMITTED   "Write not permitted"
#define BLUEZ_MSG_NOT_CONNECTED         "Not connected"

/* Set a BlueZ error on a synchronous handler's error and return what sd-bus expects. */
#define bluez_error(error, name, ...) sd_bus_error_setf((error), (name), __VA_ARGS__)

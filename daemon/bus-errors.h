/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The one place where a failure becomes a D-Bus error (STYLE habit 7): a
 * negative errno or a device result code is mapped to an
 * org.massaged1.Error.* name from include/massaged-dbus.h, with a message
 * that says what went wrong and what to do. Handlers never return a bare
 * errno (sd-bus would leak it as System.Error.E…).
 */

#include <systemd/sd-bus.h>

#include "macro.h"
#include "massager-protocol.h"

/* Error name for a negative errno:
 *   ENOTCONN→NotConnected  ENODEV/ENXIO→UnknownDevice  ETIMEDOUT→Timeout  EBUSY→Busy
 *   EPROTONOSUPPORT→IncompatibleDevice  EHOSTDOWN→BluetoothUnavailable  EREMOTEIO→DeviceFault
 *   ESRCH→NotRunning  EPERM/EACCES→NotAllowed  EROFS/EIO(storage)→StorageUnavailable (see below)
 *   EINVAL/ERANGE→org.freedesktop.DBus.Error.InvalidArgs  anything else→Failed */
const char *bus_error_name_from_errno(int error);

/* Sets *e from errno with a formatted message; returns a negative errno for sd-bus. */
int bus_error_set_errno(sd_bus_error *e, int error, const char *format, ...) _printf_(3, 4);

/* The ledger could not be read or written: StorageUnavailable, fail closed. */
int bus_error_set_storage(sd_bus_error *e, const char *format, ...) _printf_(2, 3);

/* A device's non-OK result code for a command. */
int bus_error_set_device_result(sd_bus_error *e, const char *address, MassagerResult result);

/* Replies to a kept method call with the error (and unrefs nothing). */
int bus_reply_errno(sd_bus_message *call, int error, const char *format, ...) _printf_(3, 4);

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "bus-errors.h"
#include "i18n.h"
#include "massaged-dbus.h"

const char *bus_error_name_from_errno(int error) {
        switch (error < 0 ? -error : error) {
        case ENOTCONN:
                return MASSAGED_ERROR_NOT_CONNECTED;
        case ENODEV:
        case ENXIO:
                return MASSAGED_ERROR_UNKNOWN_DEVICE;
        case ETIMEDOUT:
                return MASSAGED_ERROR_TIMEOUT;
        case EBUSY:
        case EALREADY:
                return MASSAGED_ERROR_BUSY;
        case EPROTONOSUPPORT:
        case EPROTO:
                return MASSAGED_ERROR_INCOMPATIBLE;
        case EHOSTDOWN:
                return MASSAGED_ERROR_BLUETOOTH;
        case EREMOTEIO:
                return MASSAGED_ERROR_DEVICE_FAULT;
        case ESRCH:
                return MASSAGED_ERROR_NOT_RUNNING;
        case EPERM:
                /* Only the device's own LOW_BATTERY answer (bus_error_set_device_result()). */
                return MASSAGED_ERROR_BATTERY_LOW;
        case EACCES:
                /* BlueZ refused the bond (bluez_error_to_errno()): a pairing failure. */
                return MASSAGED_ERROR_PAIRING_FAILED;
        case EROFS:
                return MASSAGED_ERROR_STORAGE;
        case EINVAL:
        case ERANGE:
                return SD_BUS_ERROR_INVALID_ARGS;
        default:
                return MASSAGED_ERROR_FAILED;
        }
}

static int set_va(sd_bus_error *e, const char *name, int error, const char *format, va_list ap) {
        char *msg = NULL;

        if (vasprintf(&msg, format, ap) < 0)
                msg = NULL;
        (void) sd_bus_error_set(e, name, msg ?: format);
        free(msg);
        return error < 0 ? error : -(error ?: EIO);
}

int bus_error_set_errno(sd_bus_error *e, int error, const char *format, ...) {
        va_list ap;
        int r;

        va_start(ap, format);
        r = set_va(e, bus_error_name_from_errno(error), error, format, ap);
        va_end(ap);
        return r;
}

int bus_error_set_storage(sd_bus_error *e, const char *format, ...) {
        va_list ap;
        int r;

        va_start(ap, format);
        r = set_va(e, MASSAGED_ERROR_STORAGE, -EROFS, format, ap);
        va_end(ap);
        return r;
}

int bus_error_set_device_result(sd_bus_error *e, const char *address, MassagerResult result) {
        switch (result) {
        case MASSAGER_RESULT_OK:
                return 0;
        case MASSAGER_RESULT_FAULT_LATCHED:
                return bus_error_set_errno(e, -EREMOTEIO, _("%s has a latched fault (overheat, sensor or motor "
                                           "stall, see its Faults property); check the device, let it cool "
                                           "down, then call ClearFaults()"), address);
        case MASSAGER_RESULT_LOW_BATTERY:
                return bus_error_set_errno(e, -EPERM, _("%s: battery too low for this (no heat below 20 %%, "
                                           "no session below 10 %%); charge the device"), address);
        case MASSAGER_RESULT_NOT_RUNNING:
                return bus_error_set_errno(e, -ESRCH, _("%s is not running a session"), address);
        case MASSAGER_RESULT_OUT_OF_RANGE:
                return bus_error_set_errno(e, -EINVAL, _("%s refused the output as beyond its capabilities"), address);
        case MASSAGER_RESULT_UNKNOWN_OPCODE:
        case MASSAGER_RESULT_BAD_CRC:
        case MASSAGER_RESULT_BAD_LENGTH:
        case MASSAGER_RESULT_UNSUPPORTED_VERSION:
                return bus_error_set_errno(e, -EPROTO, _("%s rejected our command (%s); the device may need "
                                           "a firmware update"), address, massager_result_to_string(result));
        case _MASSAGER_RESULT_MAX:
                break;
        }
        return bus_error_set_errno(e, -EIO, _("%s answered with unknown result %u"), address, (unsigned) result);
}

int bus_reply_errno(sd_bus_message *call, int error, const char *format, ...) {
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        va_list ap;

        va_start(ap, format);
        (void) set_va(&e, bus_error_name_from_errno(error), error, format, ap);
        va_end(ap);
        return sd_bus_reply_method_error(call, &e);
}

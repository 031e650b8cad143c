/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "ctl-errors.h"
#include "i18n.h"
#include "massaged-dbus.h"

static const struct {
        const char *name;
        ExitCode code;
} bus_errors[] = {
        /* One per refusal class (doc/dbus-api.md, "Refusals"): the safety policy said no. */
        { MASSAGED_ERROR_SCREENING,                     EXIT_POLICY },
        { MASSAGED_ERROR_CLEARANCE,                     EXIT_POLICY },
        { MASSAGED_ERROR_THERMAL_LOCKOUT,               EXIT_POLICY },
        { MASSAGED_ERROR_BATTERY_LOW,                   EXIT_POLICY },
        { MASSAGED_ERROR_SESSION_OPEN,                  EXIT_POLICY },
        { MASSAGED_ERROR_REST_REQUIRED,                 EXIT_POLICY },
        { MASSAGED_ERROR_DAILY_SESSIONS,                EXIT_POLICY },
        { MASSAGED_ERROR_DAILY_CAP,                     EXIT_POLICY },
        { MASSAGED_ERROR_WEEKLY_CAP,                    EXIT_POLICY },
        { MASSAGED_ERROR_HEAT_TIME,                     EXIT_POLICY },
        { MASSAGED_ERROR_HEAT_BATTERY,                  EXIT_POLICY },
        { MASSAGED_ERROR_HEAT_DISABLED,                 EXIT_POLICY },
        { MASSAGED_ERROR_HEAT_SENSATION,                EXIT_POLICY },
        { MASSAGED_ERROR_HEAT_GENTLE,                   EXIT_POLICY },
        { MASSAGED_ERROR_HEAT_SETPOINT,                 EXIT_POLICY },
        { MASSAGED_ERROR_SESSION_OVER,                  EXIT_POLICY },
        { MASSAGED_ERROR_PAD_TOO_HOT,                   EXIT_POLICY },
        { MASSAGED_ERROR_NOTHING_LOCKED,                EXIT_POLICY },
        { MASSAGED_ERROR_STARTS_HELD,                   EXIT_POLICY },     /* wait out the hold after a restore */
        { MASSAGED_ERROR_PAIRING_FAILED,                EXIT_DEVICE },
        /* API 1 daemons: the names API 2 split up. */
        { MASSAGED_ERROR_PREFIX "LimitReached",         EXIT_POLICY },
        { MASSAGED_ERROR_PREFIX "NotAllowed",           EXIT_POLICY },
        { MASSAGED_ERROR_NOT_CONNECTED,                 EXIT_DEVICE },
        { MASSAGED_ERROR_DEVICE_FAULT,                  EXIT_DEVICE },
        { MASSAGED_ERROR_TIMEOUT,                       EXIT_DEVICE },
        { MASSAGED_ERROR_INCOMPATIBLE,                  EXIT_DEVICE },
        { MASSAGED_ERROR_BLUETOOTH,                     EXIT_DEVICE },
        { MASSAGED_ERROR_UNKNOWN_DEVICE,                EXIT_NOT_FOUND },
        { MASSAGED_ERROR_NOT_RUNNING,                   EXIT_STATE },
        { MASSAGED_ERROR_BUSY,                          EXIT_STATE },
        { MASSAGED_ERROR_STORAGE,                       EXIT_STORAGE },
        { MASSAGED_ERROR_CONFIG,                        EXIT_STORAGE },    /* a file to fix, like the ledger */
        { MASSAGED_ERROR_FAILED,                        EXIT_FAILURE_OTHER },
        { "org.freedesktop.DBus.Error.InvalidArgs",     EXIT_USAGE },
        /* The daemon is not there: not running, not activatable, or gone mid-call. */
        { "org.freedesktop.DBus.Error.ServiceUnknown",  EXIT_UNREACHABLE },
        { "org.freedesktop.DBus.Error.NameHasNoOwner",  EXIT_UNREACHABLE },
        { "org.freedesktop.DBus.Error.NoReply",         EXIT_UNREACHABLE },
        { "org.freedesktop.DBus.Error.Spawn.ChildExited", EXIT_UNREACHABLE },
        { "org.freedesktop.DBus.Error.Spawn.ExecFailed", EXIT_UNREACHABLE },
        { "org.freedesktop.DBus.Error.Spawn.ServiceNotFound", EXIT_UNREACHABLE },
        { "org.freedesktop.DBus.Error.NoServer",        EXIT_UNREACHABLE },
        { "org.freedesktop.DBus.Error.Disconnected",    EXIT_UNREACHABLE },
        { "org.freedesktop.DBus.Error.Timeout",         EXIT_UNREACHABLE },
        { "org.freedesktop.DBus.Error.TimedOut",        EXIT_UNREACHABLE },
        /* An older daemon without a method we call. */
        { "org.freedesktop.DBus.Error.UnknownMethod",   EXIT_FAILURE_OTHER },
        { "org.freedesktop.DBus.Error.UnknownObject",   EXIT_NOT_FOUND },
        { "org.freedesktop.DBus.Error.AccessDenied",    EXIT_POLICY },
};

ExitCode exit_code_from_bus_error(const char *name) {
        if (!name)
                return EXIT_FAILURE_OTHER;
        for (size_t i = 0; i < sizeof(bus_errors) / sizeof(bus_errors[0]); i++)
                if (strcmp(name, bus_errors[i].name) == 0)
                        return bus_errors[i].code;
        /* Errors a newer daemon may add, by their family. */
        if (strncmp(name, "org.freedesktop.DBus.Error.Spawn.", 33) == 0)
                return EXIT_UNREACHABLE;
        return EXIT_FAILURE_OTHER;
}

ExitCode exit_code_from_errno(int error) {
        switch (error < 0 ? -error : error) {
        case 0:
                return EXIT_OK;
        case ENOENT:            /* no bus socket */
        case ECONNREFUSED:
        case ECONNRESET:
        case ENOTCONN:
        case ENXIO:
        case ENOMEDIUM:         /* sd_bus_open_user without XDG_RUNTIME_DIR */
        case EHOSTUNREACH:
        case ETIMEDOUT:
        case ESHUTDOWN:
        case EPIPE:
                return EXIT_UNREACHABLE;
        case EINVAL:
        case ERANGE:
                return EXIT_USAGE;
        default:
                return EXIT_FAILURE_OTHER;
        }
}

const char *exit_code_to_string(ExitCode code) {
        switch (code) {
        case EXIT_OK:
                return "ok";
        case EXIT_FAILURE_OTHER:
                return "failed";
        case EXIT_USAGE:
                return "usage";
        case EXIT_UNREACHABLE:
                return "unreachable";
        case EXIT_POLICY:
                return "policy";
        case EXIT_DEVICE:
                return "device";
        case EXIT_NOT_FOUND:
                return "not-found";
        case EXIT_STATE:
                return "state";
        case EXIT_STORAGE:
                return "storage";
        case EXIT_INTERRUPTED:
                return "interrupted";
        }
        return "failed";
}

const char *exit_code_hint(ExitCode code) {
        switch (code) {
        case EXIT_UNREACHABLE:
                return _("Is massaged running? Start it with 'systemctl --user start massaged' "
                       "(or run 'massaged' in a terminal).");
        case EXIT_STORAGE:
                return _("Check that the ledger named above (under systemd 252 in ~/.config/massaged, else "
                       "~/.local/state/massaged) is writable and not full; "
                       "'journalctl --user -u massaged' has details.");
        case EXIT_DEVICE:
                return _("Check that the massager is switched on, charged and in range; "
                       "'massagectl connect' reconnects it.");
        case EXIT_OK:
        case EXIT_FAILURE_OTHER:
        case EXIT_USAGE:
        case EXIT_POLICY:
        case EXIT_NOT_FOUND:
        case EXIT_STATE:
        case EXIT_INTERRUPTED:
                break;
        }
        return NULL;
}

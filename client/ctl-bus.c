/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl-bus.h"
#include "i18n.h"
#include "massaged-dbus.h"

int ctl_bus(Ctl *c, sd_bus **ret) {
        int r;

        if (!c->bus) {
                r = sd_bus_open_user(&c->bus);
                if (r < 0)
                        return ctl_fail(c, EXIT_UNREACHABLE, r, _("Cannot connect to the user bus: %s."),
                                        strerror(-r));
        }
        *ret = c->bus;
        return 0;
}

int ctl_fail_bus(Ctl *c, const sd_bus_error *e, int r, const char *what) {
        if (e && sd_bus_error_is_set(e)) {
                ExitCode code = exit_code_from_bus_error(e->name);

                /* The daemon's message is the sentence people need; sd-bus's own
                 * messages for a missing service are not, so say it plainly. */
                if (code == EXIT_UNREACHABLE)
                        return ctl_fail(c, code, r, _("%s: massaged is not running or not answering on the user bus (%s)."),
                                        what, e->message ?: e->name);
                if (strcmp(e->name, "org.freedesktop.DBus.Error.UnknownObject") == 0 ||
                    strcmp(e->name, "org.freedesktop.DBus.Error.UnknownInterface") == 0) {
                        if (c->device)
                                return ctl_fail(c, EXIT_NOT_FOUND, r,
                                                _("%s: no massager %s is known to massaged; 'massagectl devices' lists "
                                                "them, 'massagectl add' adds one."), what, c->device);
                        return ctl_fail(c, EXIT_NOT_FOUND, r, "%s: %s", what, e->message ?: e->name);
                }
                if (strcmp(e->name, "org.freedesktop.DBus.Error.UnknownMethod") == 0)
                        return ctl_fail(c, code, r, _("%s: this massaged does not offer that (%s); is it older "
                                        "than massagectl?"), what, e->message ?: e->name);
                c->error_name = c->error_name ?: strdup(e->name);
                return ctl_fail(c, code, r, "%s", e->message ?: e->name);
        }
        return ctl_fail(c, exit_code_from_errno(r), r, "%s: %s.", what, strerror(r < 0 ? -r : r));
}

int ctl_new_call(Ctl *c, const char *path, const char *interface, const char *method, sd_bus_message **ret) {
        sd_bus *bus = NULL;
        int r;

        r = ctl_bus(c, &bus);
        if (r < 0)
                return r;
        r = sd_bus_message_new_method_call(bus, ret, MASSAGED_BUS_NAME, path, interface, method);
        if (r < 0)
                return ctl_fail(c, EXIT_FAILURE_OTHER, r, _("Cannot build the %s call: %s."), method, strerror(-r));
        return 0;
}

int ctl_call_message(Ctl *c, uint64_t timeout_usec, sd_bus_message *m, const char *what,
                     sd_bus_message **ret_reply) {
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        sd_bus_message *reply = NULL;
        sd_bus *bus = NULL;
        int r;

        r = ctl_bus(c, &bus);
        if (r < 0)
                return r;
        r = sd_bus_call(bus, m, timeout_usec, &e, &reply);
        if (r < 0)
                return ctl_fail_bus(c, &e, r, what);
        if (ret_reply)
                *ret_reply = reply;
        else
                sd_bus_message_unref(reply);
        return 0;
}

int ctl_call(Ctl *c, uint64_t timeout_usec, const char *path, const char *interface, const char *method,
             const char *what, sd_bus_message **ret_reply, const char *types, ...) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        va_list ap;
        int r;

        r = ctl_new_call(c, path, interface, method, &m);
        if (r < 0)
                return r;
        if (types && *types) {
                va_start(ap, types);
                r = sd_bus_message_appendv(m, types, ap);
                va_end(ap);
                if (r < 0)
                        return ctl_fail(c, EXIT_FAILURE_OTHER, r, _("Cannot build the %s call: %s."), method,
                                        strerror(-r));
        }
        return ctl_call_message(c, timeout_usec, m, what, ret_reply);
}

int ctl_reply_value(Ctl *c, sd_bus_message *reply, Value **ret) {
        int r = bus_message_read_value(reply, ret);

        if (r < 0)
                return ctl_fail(c, EXIT_FAILURE_OTHER, r, _("Cannot read massaged's reply to %s (%s); is massaged "
                                "a different version than massagectl?"),
                                sd_bus_message_get_member(reply) ?: "a call", strerror(-r));
        return 0;
}

int ctl_get_property(Ctl *c, const char *path, const char *interface, const char *name, Value **ret) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_free_ char *what = NULL;
        int r;

        if (asprintf(&what, _("Reading %s"), name) < 0)
                return ctl_fail(c, EXIT_FAILURE_OTHER, -ENOMEM, _("Out of memory."));
        r = ctl_call(c, CTL_CALL_TIMEOUT_USEC, path, "org.freedesktop.DBus.Properties", "Get", what, &reply,
                     "ss", interface, name);
        if (r < 0)
                return r;
        return ctl_reply_value(c, reply, ret);
}

int ctl_get_all_properties(Ctl *c, const char *path, const char *interface, Value **ret) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r;

        r = ctl_call(c, CTL_CALL_TIMEOUT_USEC, path, "org.freedesktop.DBus.Properties", "GetAll",
                     _("Reading the device's properties"), &reply, "s", interface);
        if (r < 0)
                return r;
        return ctl_reply_value(c, reply, ret);
}

int bus_append_dict_entry(sd_bus_message *m, const char *key, const char *type, ...) {
        va_list ap;
        int r;

        r = sd_bus_message_open_container(m, SD_BUS_TYPE_DICT_ENTRY, "sv");
        if (r < 0)
                return r;
        r = sd_bus_message_append(m, "s", key);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(m, SD_BUS_TYPE_VARIANT, type);
        if (r < 0)
                return r;
        va_start(ap, type);
        r = sd_bus_message_appendv(m, type, ap);
        va_end(ap);
        if (r < 0)
                return r;
        r = sd_bus_message_close_container(m);
        if (r < 0)
                return r;
        return sd_bus_message_close_container(m);
}

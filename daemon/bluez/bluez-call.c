/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <systemd/sd-event.h>

#include "bluez-call.h"
#include "base/log.h"
#include "base/timer-accuracy.h"
#include "macro.h"

struct BluezCall {
        sd_bus *bus;
        BluezCall **ref;
        char *path;
        const char *interface;  /* static strings */
        const char *member;
        uint64_t timeout_usec;
        BluezAppend append;
        void *data;
        size_t size;
        BluezCallback callback;
        void *userdata;
        unsigned attempts;
        sd_bus_slot *slot;
        sd_event_source *retry;
};

static void bluez_call_free(BluezCall *c) {
        if (!c)
                return;
        if (c->ref && *c->ref == c)
                *c->ref = NULL;
        sd_bus_slot_unref(c->slot);
        sd_event_source_disable_unref(c->retry);
        sd_bus_unref(c->bus);
        free(c->path);
        free(c->data);
        free(c);
}

void bluez_call_cancel(BluezCall **ref) {
        if (ref && *ref)
                bluez_call_free(*ref);
}

static int bluez_call_send(BluezCall *c);

static int on_retry(sd_event_source *s, uint64_t usec, void *userdata) {
        BluezCall *c = userdata;
        int r;

        c->retry = sd_event_source_disable_unref(c->retry);
        r = bluez_call_send(c);
        if (r < 0) {
                _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
                BluezCallback cb = c->callback;
                void *ud = c->userdata;

                (void) sd_bus_error_set_errnof(&error, r, "Could not call %s.%s: %m", c->interface, c->member);
                if (c->ref)
                        *c->ref = NULL;
                c->ref = NULL;
                bluez_call_free(c);
                if (cb)
                        cb(NULL, &error, ud);
        }
        return 0;
}

static int on_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        BluezCall *c = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(reply);
        int r;

        if (e && sd_bus_error_has_name(e, "org.bluez.Error.InProgress") &&
            c->attempts < BLUEZ_INPROGRESS_ATTEMPTS) {
                log_debug("%s.%s on %s: operation in progress, retrying", c->interface, c->member, c->path);
                c->slot = sd_bus_slot_unref(c->slot);
                r = sd_event_add_time_relative(sd_bus_get_event(c->bus), &c->retry, CLOCK_MONOTONIC,
                                               BLUEZ_INPROGRESS_RETRY_USEC, TIMER_ACCURACY_COARSE_USEC, on_retry, c);
                if (r >= 0)
                        return 0;
        }

        /* Detach from the owner first: the callback may start a new call in the same slot. */
        BluezCallback cb = c->callback;
        void *ud = c->userdata;
        sd_bus_message_ref(reply);
        if (c->ref)
                *c->ref = NULL;
        c->ref = NULL;
        bluez_call_free(c);
        if (cb)
                cb(reply, e, ud);
        sd_bus_message_unref(reply);
        return 0;
}

static int bluez_call_send(BluezCall *c) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int r;

        c->attempts++;
        r = sd_bus_message_new_method_call(c->bus, &m, "org.bluez", c->path, c->interface, c->member);
        if (r < 0)
                return r;
        /* A call that reaches a bus without bluetoothd (it left meanwhile) must
         * not start it by activation (doc/dbus-api.md "Running massaged"). */
        r = sd_bus_message_set_auto_start(m, false);
        if (r < 0)
                return r;
        if (c->append) {
                r = c->append(m, c->data, c->size);
                if (r < 0)
                        return r;
        }
        return sd_bus_call_async(c->bus, &c->slot, m, on_reply, c, c->timeout_usec);
}

int bluez_call(sd_bus *bus, BluezCall **ref, const char *path, const char *interface, const char *member,
               uint64_t timeout_usec, BluezAppend append, const void *data, size_t size,
               BluezCallback callback, void *userdata) {
        BluezCall *c;
        int r;

        c = calloc(1, sizeof *c);
        if (!c)
                return -ENOMEM;
        c->bus = sd_bus_ref(bus);
        c->path = strdup(path);
        c->interface = interface;
        c->member = member;
        c->timeout_usec = timeout_usec;
        c->append = append;
        c->callback = callback;
        c->userdata = userdata;
        if (size > 0) {
                c->data = malloc(size);
                if (c->data)
                        memcpy(c->data, data, size);
        }
        c->size = size;
        if (!c->path || (size > 0 && !c->data)) {
                bluez_call_free(c);
                return -ENOMEM;
        }

        r = bluez_call_send(c);
        if (r < 0) {
                bluez_call_free(c);
                return r;
        }
        if (ref) {
                bluez_call_cancel(ref);
                *ref = c;
                c->ref = ref;
        }
        return 0;
}

int bluez_error_to_errno(const sd_bus_error *e) {
        if (!sd_bus_error_is_set(e))
                return 0;
        if (sd_bus_error_has_name(e, "org.bluez.Error.NotConnected") ||
            (sd_bus_error_has_name(e, "org.bluez.Error.Failed") && e->message &&
             strcasecmp(e->message, "Not connected") == 0))
                return -ENOTCONN;
        if (sd_bus_error_has_names(e, SD_BUS_ERROR_NO_REPLY, SD_BUS_ERROR_TIMEOUT,
                                   "org.freedesktop.DBus.Error.TimedOut"))
                return -ETIMEDOUT;
        if (sd_bus_error_has_names(e, SD_BUS_ERROR_SERVICE_UNKNOWN, SD_BUS_ERROR_NAME_HAS_NO_OWNER,
                                   SD_BUS_ERROR_DISCONNECTED, SD_BUS_ERROR_UNKNOWN_OBJECT))
                return -EHOSTDOWN;
        if (sd_bus_error_has_names(e, "org.bluez.Error.AuthenticationFailed", "org.bluez.Error.AuthenticationCanceled",
                                   "org.bluez.Error.AuthenticationRejected", "org.bluez.Error.AuthenticationTimeout",
                                   "org.bluez.Error.NotPermitted", "org.bluez.Error.NotAuthorized"))
                return -EACCES;
        if (sd_bus_error_has_name(e, "org.bluez.Error.InProgress"))
                return -EBUSY;
        return -EIO;
}

int bluez_append_empty_dict(sd_bus_message *m, const void *data, size_t size) {
        return sd_bus_message_append(m, "a{sv}", 0);
}

int bluez_append_write_request(sd_bus_message *m, const void *data, size_t size) {
        int r;

        r = sd_bus_message_append_array(m, 'y', data, size);
        if (r < 0)
                return r;
        /* "request": write with response, the only kind the Control Point accepts.
         * Opened by hand rather than with sd_bus_message_append(m, "a{sv}", 1, ...):
         * the same bytes without walking a format string, 1 400 of the 8 000
         * instructions this function cost per Stop() (doc/performance.md). */
        r = sd_bus_message_open_container(m, 'a', "{sv}");
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'e', "sv");
        if (r >= 0)
                r = sd_bus_message_append_basic(m, 's', "type");
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'v', "s");
        if (r >= 0)
                r = sd_bus_message_append_basic(m, 's', "request");
        for (int i = 0; i < 3 && r >= 0; i++)
                r = sd_bus_message_close_container(m);
        return r;
}

int bluez_append_string(sd_bus_message *m, const void *data, size_t size) {
        return sd_bus_message_append(m, "s", (const char *) data);
}

int bluez_append_object(sd_bus_message *m, const void *data, size_t size) {
        return sd_bus_message_append(m, "o", (const char *) data);
}

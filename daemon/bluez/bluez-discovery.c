/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Discovery on every powered adapter, filtered on the massager's service
 * UUID, started and stopped as the client's user wants it. */
#include <stdbool.h>

#include "base/log.h"
#include "base/util.h"
#include "bluez-internal.h"
#include "massager-protocol.h"

static int append_discovery_filter(sd_bus_message *msg, const void *data, size_t size) {
        int r;

        r = sd_bus_message_open_container(msg, 'a', "{sv}");
        if (r < 0)
                return r;
        r = sd_bus_message_append(msg, "{sv}", "UUIDs", "as", 1, MASSAGER_SERVICE_UUID);
        if (r < 0)
                return r;
        r = sd_bus_message_append(msg, "{sv}", "Transport", "s", "le");
        if (r < 0)
                return r;
        return sd_bus_message_close_container(msg);
}

static void on_discovery_reply(sd_bus_message *reply, const sd_bus_error *error, void *userdata) {
        if (sd_bus_error_is_set(error))
                log_warning("Could not change discovery: %s: %s", error->name, error->message);
}

static void on_filter_reply(sd_bus_message *reply, const sd_bus_error *error, void *userdata) {
        BluezClient *c = userdata;
        const char *path;

        if (sd_bus_error_is_set(error))
                log_warning("Could not set the discovery filter (%s: %s), scanning unfiltered",
                            error->name, error->message);
        /* The filter was set on the first powered adapter; start there and on any other. */
        GHashTableIter i;
        gpointer v;
        g_hash_table_iter_init(&i, c->adapters);
        while (g_hash_table_iter_next(&i, NULL, &v)) {
                BluezAdapter *a = v;
                if (!a->powered)
                        continue;
                path = a->path;
                (void) bluez_call(c->bus, NULL, path, "org.bluez.Adapter1", "StartDiscovery",
                                  BLUEZ_TIMEOUT_SHORT_USEC, NULL, NULL, 0, on_discovery_reply, c);
        }
}

void bluez_client_update_discovery(BluezClient *c) {
        bool want = c->owner && c->cb.wants_discovery && c->cb.wants_discovery(c->userdata);
        GHashTableIter i;
        gpointer v;
        int r;

        if (want == c->discovery_active || !c->owner)
                return;

        g_hash_table_iter_init(&i, c->adapters);
        while (g_hash_table_iter_next(&i, NULL, &v)) {
                BluezAdapter *a = v;
                if (!a->powered)
                        continue;
                if (want)
                        /* BlueZ keeps one filter per client and adapter: set it, then start. */
                        r = bluez_call(c->bus, NULL, a->path, "org.bluez.Adapter1", "SetDiscoveryFilter",
                                       BLUEZ_TIMEOUT_SHORT_USEC, append_discovery_filter, NULL, 0,
                                       on_filter_reply, c);
                else
                        r = bluez_call(c->bus, NULL, a->path, "org.bluez.Adapter1", "StopDiscovery",
                                       BLUEZ_TIMEOUT_SHORT_USEC, NULL, NULL, 0, on_discovery_reply, c);
                if (r < 0)
                        log_warning_errno(r, "Could not change discovery on %s: %m", a->path);
                if (want)
                        break;  /* on_filter_reply starts every adapter */
        }
        c->discovery_active = want;
        log_debug("Discovery %s", want ? "started" : "stopped");
}

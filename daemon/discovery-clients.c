/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>

#include "bluez/bluez.h"
#include "discovery-clients.h"
#include "base/log.h"
#include "massaged-dbus.h"
#include "base/name-watch.h"

static void discovery_changed(Manager *m, bool was_on) {
        if (discovery_clients_any(m) == was_on)
                return;
        bluez_client_update_discovery(m->bluez_client);
        if (m->api)
                (void) sd_bus_emit_properties_changed(m->api, MASSAGED_MANAGER_PATH, MASSAGED_MANAGER_INTERFACE,
                                                      "Discovering", NULL);
}

static void on_client_gone(const char *name, void *userdata) {
        Manager *m = userdata;

        log_info("%s left the bus; its scan ends", name);
        discovery_client_remove(m, name);
}

int discovery_client_add(Manager *m, const char *sender) {
        bool was_on = discovery_clients_any(m);
        NameWatch *w;
        int r;

        if (g_hash_table_contains(m->discovery_clients, sender))
                return 0;
        r = name_watch_new(&w, m->api, sender, on_client_gone, m);
        if (r < 0)
                return r;
        /* The key lives in the watch, freed with it. */
        g_hash_table_replace(m->discovery_clients, (char *) name_watch_name(w), w);
        discovery_changed(m, was_on);
        return 0;
}

void discovery_client_remove(Manager *m, const char *sender) {
        bool was_on = discovery_clients_any(m);

        if (g_hash_table_remove(m->discovery_clients, sender))
                discovery_changed(m, was_on);
}

bool discovery_clients_any(const Manager *m) {
        return m->discovery_clients && g_hash_table_size(m->discovery_clients) > 0;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <glib.h>
#include <stdlib.h>

#include "bluez/bluez.h"
#include "discovery-clients.h"
#include "base/log.h"
#include "massaged-dbus.h"
#include "base/name-watch.h"

struct DiscoveryClients {
        sd_bus *api;
        BluezClient *bluez;
        GHashTable *clients;            /* unique name → NameWatch */
};

static void discovery_changed(DiscoveryClients *dc, bool was_on) {
        if (discovery_clients_any(dc) == was_on)
                return;
        bluez_client_update_discovery(dc->bluez);
        if (dc->api)
                (void) sd_bus_emit_properties_changed(dc->api, MASSAGED_MANAGER_PATH, MASSAGED_MANAGER_INTERFACE,
                                                      "Discovering", NULL);
}

static void on_client_gone(const char *name, void *userdata) {
        DiscoveryClients *dc = userdata;

        log_info("%s left the bus; its scan ends", name);
        discovery_client_remove(dc, name);
}

int discovery_client_add(DiscoveryClients *dc, const char *sender) {
        bool was_on = discovery_clients_any(dc);
        NameWatch *w;
        int r;

        if (g_hash_table_contains(dc->clients, sender))
                return 0;
        r = name_watch_new(&w, dc->api, sender, on_client_gone, dc);
        if (r < 0)
                return r;
        /* The key lives in the watch, freed with it. */
        g_hash_table_replace(dc->clients, (char *) name_watch_name(w), w);
        discovery_changed(dc, was_on);
        return 0;
}

void discovery_client_remove(DiscoveryClients *dc, const char *sender) {
        bool was_on = discovery_clients_any(dc);

        if (g_hash_table_remove(dc->clients, sender))
                discovery_changed(dc, was_on);
}

bool discovery_clients_any(const DiscoveryClients *dc) {
        return dc && g_hash_table_size(dc->clients) > 0;
}

int discovery_clients_new(DiscoveryClients **ret, sd_bus *api, BluezClient *bluez) {
        DiscoveryClients *dc = calloc(1, sizeof *dc);

        if (!dc)
                return -ENOMEM;
        dc->api = api;
        dc->bluez = bluez;
        dc->clients = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, name_watch_destroy);
        *ret = dc;
        return 0;
}

DiscoveryClients *discovery_clients_free(DiscoveryClients *dc) {
        if (!dc)
                return NULL;
        g_hash_table_destroy(dc->clients);     /* its watches hold slots on the API bus */
        free(dc);
        return NULL;
}

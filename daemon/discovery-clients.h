/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Manager.StartDiscovery() is per client, as BlueZ's Adapter1.StartDiscovery
 * is: the scan a client asked for runs while that client is on the bus and
 * has not called StopDiscovery(). A scanner that crashes or is killed thus
 * cannot leave the radio scanning, and the daemon awake, for ever.
 */

#include <stdbool.h>
#include <systemd/sd-bus.h>

#include "bluez/bluez.h"

typedef struct DiscoveryClients DiscoveryClients;

/* api: the bus the clients are on (their names are watched there, and
 * Manager.Discovering is emitted there); bluez: told when a scan is wanted. */
int discovery_clients_new(DiscoveryClients **ret, sd_bus *api, BluezClient *bluez);
DiscoveryClients *discovery_clients_free(DiscoveryClients *dc);

/* Start (or keep) a scan for this client; idempotent per client. */
int discovery_client_add(DiscoveryClients *dc, const char *sender);
/* Drop this client's scan; a no-op for a client that has none. */
void discovery_client_remove(DiscoveryClients *dc, const char *sender);
/* Does any client want a scan (Manager.Discovering)? false for NULL. */
bool discovery_clients_any(const DiscoveryClients *dc);

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Manager.StartDiscovery() is per client, as BlueZ's Adapter1.StartDiscovery
 * is: the scan a client asked for runs while that client is on the bus and
 * has not called StopDiscovery(). A scanner that crashes or is killed thus
 * cannot leave the radio scanning, and the daemon awake, for ever.
 */

#include <stdbool.h>

#include "manager.h"

/* Start (or keep) a scan for this client; idempotent per client. */
int discovery_client_add(Manager *m, const char *sender);
/* Drop this client's scan; a no-op for a client that has none. */
void discovery_client_remove(Manager *m, const char *sender);
/* Does any client want a scan (Manager.Discovering)? */
bool discovery_clients_any(const Manager *m);

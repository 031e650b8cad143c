/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Inside the BlueZ client: shared by bluez.c (owner, lifetime, slots),
 * bluez-objects.c (the object cache), bluez-discovery.c and bluez-agent.c. */

#include <glib.h>
#include <stdbool.h>
#include <systemd/sd-bus.h>

#include "bluez.h"
#include "bluez-call.h"

struct BluezClient {
        sd_bus *bus;
        BluezClientCallbacks cb;
        void *userdata;

        char *owner;                    /* unique name owning org.bluez, NULL while absent */
        char *adapter_path;             /* --adapter: "/org/bluez/hci0"; NULL: every adapter */
        GHashTable *adapters;           /* path → BluezAdapter */
        GHashTable *devices;            /* path → BluezDevice */
        GHashTable *chars;              /* path → BluezChar */
        BluezChar *last_value_char;     /* whose Value changed last: compared before hashing a path */
        BluezCall *get_objects_call;
        /* The start-up handshake: GetNameOwner and, sent beside it before the
         * owner is known, a GetManagedObjects (bluez.c). */
        sd_bus_slot *get_owner_slot, *early_objects_slot;
        bool settled;                   /* the settled callback has run (it runs once) */
        BluezCall *agent_call;
        bool discovery_active;          /* what we last asked BlueZ for */
        char *pairing_address;          /* AddDevice in progress: the agent accepts this one */

        sd_bus_slot *name_owner_slot, *added_slot, *removed_slot, *changed_slot, *agent_slot;
};

/* bluez-objects.c */
int bluez_objects_new(BluezClient *c);
void bluez_objects_clear(BluezClient *c);
void bluez_objects_free(BluezClient *c);
/* One a{sa{sv}} (an object's interfaces), recorded and announced. */
int bluez_objects_add(BluezClient *c, const char *path, sd_bus_message *msg);
int bluez_objects_watch(BluezClient *c);

/* bluez-agent.c */
int bluez_agent_export(BluezClient *c);     /* the Agent1 object on the BlueZ bus */
void bluez_agent_register(BluezClient *c);  /* AgentManager1.RegisterAgent with the current bluetoothd */

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * A client of org.bluez with its own state: the current owner, and the
 * adapters, devices and GATT characteristics it exports, kept up to date
 * from GetManagedObjects, InterfacesAdded/Removed, PropertiesChanged and
 * NameOwnerChanged (bluetoothd may start after us, restart or vanish);
 * discovery; one Connect at a time per adapter (the adapter slot); the
 * pairing agent. It knows nothing of its user: changes are told through the
 * BluezClientCallbacks handed to bluez_client_new(), as ell's proxy handlers
 * and BlueZ's src/shared clients do.
 */

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-bus.h>

#include "bluez-call.h"

typedef struct BluezClient BluezClient;

typedef struct BluezAdapter {
        char *path;
        bool powered;
        bool discovering;
        char *connecting;       /* address holding the Connect slot (doc/dbus-api.md), NULL: free */
} BluezAdapter;

typedef struct BluezDevice {
        char *path;
        char *adapter;
        char address[18];
        char *name;
        bool connected;
        bool services_resolved;
        bool paired;
        bool massager;          /* advertises MASSAGER_SERVICE_UUID */
} BluezDevice;

typedef struct BluezChar {
        char *path;
        char *uuid;
} BluezChar;

/* Every callback may be NULL. They run from the client's signal and reply
 * handlers; the BluezDevice passed is in the cache for the whole call. */
typedef struct BluezClientCallbacks {
        void (*appeared)(void *userdata);       /* a new bluetoothd's objects are known */
        void (*vanished)(void *userdata);       /* bluetoothd left the bus (cache still filled during the call) */
        void (*settled)(void *userdata);        /* BlueZ's initial state is known, or BlueZ is absent */
        void (*device_added)(const BluezDevice *d, void *userdata);
        void (*device_removed)(const BluezDevice *d, void *userdata);
        void (*device_changed)(const BluezDevice *d, void *userdata);
        void (*discovered_changed)(void *userdata);     /* a massager was found, renamed or lost */
        void (*value_changed)(const char *char_path, const uint8_t *value, size_t size, void *userdata);
        void (*adapter_slot_free)(const char *adapter_path, void *userdata);  /* released, or newly powered */
        bool (*wants_discovery)(void *userdata);
        bool (*is_known)(const char *address, void *userdata);  /* the agent accepts pairing of these */
} BluezClientCallbacks;

/* adapter: "hci0" to see only that adapter (and its devices), NULL for every adapter. */
int bluez_client_new(BluezClient **ret, sd_bus *bus, const char *adapter, const BluezClientCallbacks *callbacks,
                     void *userdata);
BluezClient *bluez_client_free(BluezClient *c);
/* Exports the agent and watches org.bluez; returns a negative errno (not logged) on failure. */
int bluez_client_start(BluezClient *c);

sd_bus *bluez_client_bus(BluezClient *c);
bool bluez_client_is_up(BluezClient *c);        /* org.bluez has an owner */
unsigned bluez_client_n_adapters(BluezClient *c);

BluezDevice *bluez_client_device(BluezClient *c, const char *path);
BluezDevice *bluez_find_device_by_address(BluezClient *c, const char *address);
BluezAdapter *bluez_adapter_for(BluezClient *c, const char *adapter_path);
/* The characteristic with this UUID below the BlueZ device object, or NULL. */
BluezChar *bluez_find_char(BluezClient *c, const char *device_path, const char *uuid);
/* Walks the cached devices: g_hash_table_iter_next(i, NULL, (gpointer *) &bluez_device). */
void bluez_client_iter_devices(BluezClient *c, GHashTableIter *i);

/* Our own calls that tell something BlueZ sends no signal for: the a{sv} of
 * a Device1 GetAll reply read into the cache (-EBADMSG style errno when
 * malformed), and a Pair() that succeeded. */
int bluez_client_update_device(BluezClient *c, const char *path, sd_bus_message *props);
void bluez_client_device_paired(BluezClient *c, const char *path);

/* Discovery, filtered on the massager's service UUID, on every powered
 * adapter, while callbacks->wants_discovery says so. */
void bluez_client_update_discovery(BluezClient *c);

/* One Connect at a time per adapter: holder (an address) takes the slot,
 * or gets -EBUSY with the current holder in *ret_holder. Releasing it runs
 * callbacks->adapter_slot_free so the next waiting device may go. */
int bluez_client_take_adapter_slot(BluezClient *c, const char *adapter_path, const char *holder,
                                   const char **ret_holder);
void bluez_client_release_adapter_slot(BluezClient *c, const char *adapter_path, const char *holder);
bool bluez_client_adapter_slot_taken(BluezClient *c, const char *adapter_path);

/* The device being added: the agent accepts its pairing (beside known ones). NULL clears. */
int bluez_client_set_pairing_address(BluezClient *c, const char *address);
const char *bluez_client_pairing_address(BluezClient *c);

/* The one Device1.Disconnect: ref may be NULL (nobody waits for the answer). */
int bluez_client_disconnect(BluezClient *c, const char *device_path, BluezCall **ref);

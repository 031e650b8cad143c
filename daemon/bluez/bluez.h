/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * What we know of org.bluez: its current owner, and the adapters, devices
 * and GATT characteristics it exports, kept up to date from
 * GetManagedObjects, InterfacesAdded/Removed, PropertiesChanged and
 * NameOwnerChanged (bluetoothd may start after us, restart or vanish).
 * Changes are passed on to the manager and the device state machines.
 */

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-bus.h>

typedef struct Manager Manager;
typedef struct Device Device;

typedef struct BluezAdapter {
        char *path;
        bool powered;
        bool discovering;
        Device *connecting;     /* one Connect at a time per adapter (doc/dbus-api.md) */
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

int bluez_start(Manager *m);
void bluez_stop(Manager *m);

void bluez_adapter_free(void *p);
void bluez_device_free(void *p);
void bluez_char_free(void *p);

BluezDevice *bluez_find_device_by_address(Manager *m, const char *address);
BluezAdapter *bluez_adapter_for(Manager *m, const char *adapter_path);
/* The characteristic with this UUID below the BlueZ device object, or NULL. */
BluezChar *bluez_find_char(Manager *m, const char *device_path, const char *uuid);

/* Discovery, filtered on the massager's service UUID, on every powered adapter. */
void bluez_update_discovery(Manager *m);


/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* org.bluez.Device1 of a simulated massager. */

#include <errno.h>

#include "bluez-error.h"
#include "macro.h"
#include "sim.h"

int device_emit(SimDevice *d, const char *property) {
        return sd_bus_emit_properties_changed(d->sim->bus, d->path, "org.bluez.Device1", property, NULL);
}

#define GETTER(name, sig, expr)                                                                          \
        static int name(sd_bus *bus, const char *path, const char *interface, const char *property,     \
                        sd_bus_message *reply, void *userdata, sd_bus_error *error) {                    \
                SimDevice *d = userdata;                                                                 \
                (void) d;                                                                                \
                return sd_bus_message_append(reply, sig, expr);                                          \
        }

GETTER(get_address, "s", d->address)
GETTER(get_address_type, "s", "public")
GETTER(get_name, "s", d->name)
GETTER(get_alias, "s", sim_device_alias(d))
GETTER(get_paired, "b", d->paired)
GETTER(get_trusted, "b", d->trusted)
GETTER(get_blocked, "b", d->blocked)
GETTER(get_legacy, "b", false)
GETTER(get_rssi, "n", d->rssi)
GETTER(get_connected, "b", d->connected_visible)
GETTER(get_adapter, "o", BLUEZ_ADAPTER_PATH)
GETTER(get_resolved, "b", d->services_resolved)

static int get_uuids(sd_bus *bus, const char *path, const char *interface, const char *property,
                     sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        SimDevice *d = userdata;

        /* Advertised: the massager service. Once resolved: every service. */
        if (d->services_known)
                return sd_bus_message_append(reply, "as", 2, BATTERY_SERVICE_UUID, MASSAGER_SERVICE_UUID);
        return sd_bus_message_append(reply, "as", 1, MASSAGER_SERVICE_UUID);
}

static int set_alias(sd_bus *bus, const char *path, const char *interface, const char *property,
                     sd_bus_message *value, void *userdata, sd_bus_error *error) {
        SimDevice *d = userdata;
        const char *alias;
        char *copy = NULL;
        int r;

        r = sd_bus_message_read(value, "s", &alias);
        if (r < 0)
                return r;
        /* An empty alias goes back to the remote name. */
        if (*alias) {
                copy = strdup(alias);
                if (!copy)
                        return -ENOMEM;
        }
        free(d->alias);
        d->alias = copy;
        return device_emit(d, "Alias");
}

static int set_bool(sd_bus *bus, const char *path, const char *interface, const char *property,
                    sd_bus_message *value, void *userdata, sd_bus_error *error) {
        SimDevice *d = userdata;
        int b, r;

        r = sd_bus_message_read(value, "b", &b);
        if (r < 0)
                return r;
        if (strcmp(property, "Trusted") == 0)
                d->trusted = b;
        else {
                d->blocked = b;
                if (b)
                        sim_device_disconnect(d);
        }
        return device_emit(d, property);
}

static int method_connect(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        SimDevice *d = userdata;

        if (!d->sim->powered)
                return bluez_error(error, BLUEZ_ERROR_NOT_READY, "br-connection-adapter-not-powered");
        if (d->blocked)
                return bluez_error(error, BLUEZ_ERROR_FAILED, "le-connection-abort-by-local");
        return sim_device_connect(d, m);
}

static int method_disconnect(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        /* Also when not connected: bluetoothd replies success then. */
        return sim_device_request_disconnect(userdata, m);
}

static int method_pair(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        SimDevice *d = userdata;

        if (!d->sim->powered)
                return bluez_error(error, BLUEZ_ERROR_NOT_READY, "Resource Not Ready");
        return sim_device_pair(d, m);
}

static int method_cancel_pairing(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        if (sim_device_cancel_pairing(userdata) < 0)
                return bluez_error(error, BLUEZ_ERROR_DOES_NOT_EXIST, "Does Not Exist");
        return sd_bus_reply_method_return(m, NULL);
}

static const sd_bus_vtable device_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Address", "s", get_address, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("AddressType", "s", get_address_type, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Name", "s", get_name, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_WRITABLE_PROPERTY("Alias", "s", get_alias, set_alias, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Paired", "b", get_paired, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Bonded", "b", get_paired, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_WRITABLE_PROPERTY("Trusted", "b", get_trusted, set_bool, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_WRITABLE_PROPERTY("Blocked", "b", get_blocked, set_bool, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("LegacyPairing", "b", get_legacy, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("RSSI", "n", get_rssi, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Connected", "b", get_connected, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("UUIDs", "as", get_uuids, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Adapter", "o", get_adapter, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("ServicesResolved", "b", get_resolved, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_METHOD("Connect", NULL, NULL, method_connect, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("Disconnect", NULL, NULL, method_disconnect, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("Pair", NULL, NULL, method_pair, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("CancelPairing", NULL, NULL, method_cancel_pairing, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_VTABLE_END,
};


int device_bus_add(SimDevice *d) {
        return sd_bus_add_object_vtable(d->sim->bus, &d->device_slot, d->path, "org.bluez.Device1",
                                        device_vtable, d);
}

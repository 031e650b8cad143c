/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * org.bluez.LEAdvertisement1 of massager-sim --peripheral: what the massager
 * advertises. A connectable, general-discoverable advertisement with the
 * massager service UUID (the daemon's discovery filter) and its name.
 */

#include "peripheral.h"

static int adv_get_type(sd_bus *bus, const char *path, const char *interface, const char *property,
                        sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return sd_bus_message_append(reply, "s", "peripheral");
}

static int adv_get_uuids(sd_bus *bus, const char *path, const char *interface, const char *property,
                         sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return sd_bus_message_append(reply, "as", 1, MASSAGER_SERVICE_UUID);
}

static int adv_get_name(sd_bus *bus, const char *path, const char *interface, const char *property,
                        sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Peripheral *p = userdata;
        return sd_bus_message_append(reply, "s", p->opt.name);
}

static int adv_get_discoverable(sd_bus *bus, const char *path, const char *interface, const char *property,
                                sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        /* General discoverable, whatever the adapter's Discoverable says: a
         * massager advertises until it is connected. */
        return sd_bus_message_append(reply, "b", 1);
}

static int method_release(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        Peripheral *p = userdata;

        p->adv_registered = false;
        peripheral_log(p, "bluetoothd released the advertisement");
        return sd_bus_reply_method_return(m, NULL);
}

static const sd_bus_vtable advert_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Type", "s", adv_get_type, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("ServiceUUIDs", "as", adv_get_uuids, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("LocalName", "s", adv_get_name, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Discoverable", "b", adv_get_discoverable, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_METHOD("Release", "", "", method_release, 0),
        SD_BUS_VTABLE_END
};

int peripheral_advert_add(Peripheral *p) {
        return sd_bus_add_object_vtable(p->bus, NULL, PERIPH_ADV_PATH, "org.bluez.LEAdvertisement1",
                                        advert_vtable, p);
}

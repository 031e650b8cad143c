/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* org.bluez.Battery1: the battery plugin's view of the Battery Service. */

#include "sim.h"

static int get_percentage(sd_bus *bus, const char *path, const char *interface, const char *property,
                          sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        SimDevice *d = userdata;
        return sd_bus_message_append(reply, "y", firmware_read_battery(&d->firmware, sim_now(d->sim)));
}

static const sd_bus_vtable battery_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Percentage", "y", get_percentage, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_VTABLE_END,
};

/* The battery plugin of bluetoothd adds Battery1 once the GATT client is ready. */
int battery_bus_add(SimDevice *d) {
        int r;

        if (d->battery_slot)
                return 0;
        r = sd_bus_add_object_vtable(d->sim->bus, &d->battery_slot, d->path, "org.bluez.Battery1",
                                     battery_vtable, d);
        if (r < 0)
                return r;
        return sd_bus_emit_interfaces_added(d->sim->bus, d->path, "org.bluez.Battery1", NULL);
}

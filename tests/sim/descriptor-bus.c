/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* org.bluez.GattDescriptor1 of the CCCDs: readable, not writable (StartNotify owns them). */

#include "bluez-error.h"
#include "gatt.h"
#include "macro.h"
#include "sim.h"

static int cccd_get_uuid(sd_bus *bus, const char *path, const char *interface, const char *property,
                         sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return sd_bus_message_append(reply, "s", CCCD_UUID);
}

static int cccd_get_characteristic(sd_bus *bus, const char *path, const char *interface, const char *property,
                                   sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        SimChar *c = userdata;
        return sd_bus_message_append(reply, "o", c->path);
}

static int cccd_get_value(sd_bus *bus, const char *path, const char *interface, const char *property,
                          sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        SimChar *c = userdata;
        return sd_bus_message_append_array(reply, 'y', c->cccd_value, c->cccd_has_value ? 2 : 0);
}

static int cccd_read_value(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        SimChar *c = userdata;
        Sim *sim = c->device->sim;
        uint16_t offset = 0;
        int r;

        r = gatt_parse_options(m, &offset, NULL, error);
        if (r < 0)
                return r;
        if (c->device->link != SIM_LINK_CONNECTED)
                return bluez_error(error, BLUEZ_ERROR_FAILED, BLUEZ_MSG_NOT_CONNECTED);
        if (offset > 2)
                return bluez_error(error, BLUEZ_ERROR_INVALID_ARGUMENTS, "Invalid offset");
        /* Notifications enabled = 0x0001, little endian. */
        c->cccd_value[0] = c->notifying ? 0x01 : 0x00;
        c->cccd_value[1] = 0x00;
        c->cccd_has_value = true;
        (void) sd_bus_emit_properties_changed(sim->bus, c->cccd_path, "org.bluez.GattDescriptor1", "Value", NULL);
        r = sd_bus_message_new_method_return(m, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_append_array(reply, 'y', c->cccd_value + offset, 2 - offset);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

static int cccd_write_value(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        SimChar *c = userdata;
        const void *value;
        uint16_t offset = 0;
        size_t len;
        int r;

        r = sd_bus_message_read_array(m, 'y', &value, &len);
        if (r < 0)
                return bluez_error(error, BLUEZ_ERROR_INVALID_ARGUMENTS, "Invalid arguments in method call");
        r = gatt_parse_options(m, &offset, NULL, error);
        if (r < 0)
                return r;
        if (c->device->link != SIM_LINK_CONNECTED)
                return bluez_error(error, BLUEZ_ERROR_FAILED, BLUEZ_MSG_NOT_CONNECTED);
        /* bluetoothd keeps the CCCD to itself: StartNotify/StopNotify. */
        return bluez_error(error, BLUEZ_ERROR_NOT_PERMITTED, BLUEZ_MSG_WRITE_NOT_PERMITTED);
}

const sd_bus_vtable gatt_cccd_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("UUID", "s", cccd_get_uuid, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Characteristic", "o", cccd_get_characteristic, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Value", "ay", cccd_get_value, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_METHOD_WITH_ARGS("ReadValue", SD_BUS_ARGS("a{sv}", options), SD_BUS_RESULT("ay", value),
                                cccd_read_value, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("WriteValue", SD_BUS_ARGS("ay", value, "a{sv}", options), SD_BUS_NO_RESULT,
                                cccd_write_value, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_VTABLE_END,
};


/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* org.bluez.GattCharacteristic1 of a remote characteristic: reads, writes, notify sessions. */

#include <errno.h>
#include <strings.h>

#include "bluez-error.h"
#include "gatt.h"
#include "macro.h"
#include "sim.h"

static int char_get_uuid(sd_bus *bus, const char *path, const char *interface, const char *property,
                         sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        SimChar *c = userdata;
        return sd_bus_message_append(reply, "s", gatt_char_def(c->id)->uuid);
}

static int char_get_service(sd_bus *bus, const char *path, const char *interface, const char *property,
                            sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        SimChar *c = userdata;
        return sd_bus_message_append(reply, "o", c->device->services[gatt_char_service(c->id)].path);
}

static int char_get_value(sd_bus *bus, const char *path, const char *interface, const char *property,
                          sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        SimChar *c = userdata;
        return sd_bus_message_append_array(reply, 'y', c->value, c->has_value ? c->value_len : 0);
}

static int char_get_notifying(sd_bus *bus, const char *path, const char *interface, const char *property,
                              sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        SimChar *c = userdata;
        return sd_bus_message_append(reply, "b", c->notifying);
}

static int char_get_flags(sd_bus *bus, const char *path, const char *interface, const char *property,
                          sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        SimChar *c = userdata;
        return sd_bus_message_append_strv(reply, (char **) gatt_char_def(c->id)->flags);
}

static int char_get_mtu(sd_bus *bus, const char *path, const char *interface, const char *property,
                        sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return sd_bus_message_append(reply, "q", (uint16_t) SIM_ATT_MTU);
}



static int char_read_value(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        SimChar *c = userdata;
        uint8_t buf[sizeof(c->value)];
        uint16_t offset = 0;
        size_t len = 0;
        int r;

        r = gatt_parse_options(m, &offset, NULL, error);
        if (r < 0)
                return r;
        if (c->device->link != SIM_LINK_CONNECTED)
                return bluez_error(error, BLUEZ_ERROR_FAILED, BLUEZ_MSG_NOT_CONNECTED);

        r = sim_device_read(c->device, c->id, buf, sizeof(buf), &len);
        if (r == -EPERM)
                return bluez_error(error, BLUEZ_ERROR_NOT_PERMITTED, BLUEZ_MSG_READ_NOT_PERMITTED);
        if (r < 0)
                return bluez_error(error, BLUEZ_ERROR_FAILED, "Operation failed");
        if (offset > len)
                return bluez_error(error, BLUEZ_ERROR_INVALID_ARGUMENTS, "Invalid offset");

        gatt_char_set_value(c, buf, len);
        r = sd_bus_message_new_method_return(m, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_append_array(reply, 'y', buf + offset, len - offset);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

static int char_write_value(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        SimChar *c = userdata;
        const void *value;
        const char *type = NULL;
        uint16_t offset = 0;
        size_t len;
        int r;

        r = sd_bus_message_read_array(m, 'y', &value, &len);
        if (r < 0)
                return bluez_error(error, BLUEZ_ERROR_INVALID_ARGUMENTS, "Invalid arguments in method call");
        r = gatt_parse_options(m, &offset, &type, error);
        if (r < 0)
                return r;
        if (c->device->link != SIM_LINK_CONNECTED)
                return bluez_error(error, BLUEZ_ERROR_FAILED, BLUEZ_MSG_NOT_CONNECTED);
        if (!gatt_char_def(c->id)->write)
                return bluez_error(error, BLUEZ_ERROR_NOT_SUPPORTED, "Operation is not supported");
        if (type && strcasecmp(type, "request") != 0 && strcasecmp(type, "reliable") != 0 &&
            strcasecmp(type, "command") != 0)
                return bluez_error(error, BLUEZ_ERROR_NOT_SUPPORTED, "Operation is not supported");
        if (len > ATT_MAX_VALUE_LEN)
                return bluez_error(error, BLUEZ_ERROR_INVALID_ARGUMENTS, "Invalid Length");
        if (offset > 0)
                /* The Control Point takes whole frames: no prepared writes at an offset. */
                return bluez_error(error, BLUEZ_ERROR_INVALID_ARGUMENTS, "Invalid offset");
        if (type && strcasecmp(type, "command") == 0) {
                /* bluetoothd sends an ATT Write Command anyway; the device
                 * drops it (no write-without-response), and nobody is told. */
                sim_log(c->device->sim, "%s: write command to the Control Point dropped", c->device->address);
                return sd_bus_reply_method_return(m, NULL);
        }
        return sim_device_write(c->device, m, value, len);
}

static void update_notifying(SimChar *c) {
        bool now = sim_device_is_notifying(c->device, c->id);
        Sim *sim = c->device->sim;

        if (now == c->notifying)
                return;
        c->notifying = now;
        if (c->slot && sim->bus)
                (void) sd_bus_emit_properties_changed(sim->bus, c->path, "org.bluez.GattCharacteristic1",
                                                      "Notifying", NULL);
}

static int on_notify_client_gone(sd_bus_track *track, void *userdata) {
        SimChar *c = userdata;

        /* Drop the empty tracker, or sd-bus keeps telling us it is empty. */
        if (sd_bus_track_count(track) == 0)
                c->notify_clients = sd_bus_track_unref(c->notify_clients);
        update_notifying(c);
        return 0;
}

static int char_start_notify(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        SimChar *c = userdata;
        int r;

        if (c->device->link != SIM_LINK_CONNECTED || sim_device_is_disconnecting(c->device))
                return bluez_error(error, BLUEZ_ERROR_NOT_CONNECTED, "Not Connected");
        if (!gatt_char_def(c->id)->notify)
                return bluez_error(error, BLUEZ_ERROR_NOT_SUPPORTED, "Operation is not supported");
        /* One session per client; asking again is not an error. */
        if (c->notify_clients && sd_bus_track_contains(c->notify_clients, sd_bus_message_get_sender(m)))
                return sd_bus_reply_method_return(m, NULL);
        if (!c->notify_clients) {
                r = sd_bus_track_new(sd_bus_message_get_bus(m), &c->notify_clients, on_notify_client_gone, c);
                if (r < 0)
                        return bluez_error(error, BLUEZ_ERROR_FAILED, "Failed allocate notify session");
        }
        r = sd_bus_track_add_sender(c->notify_clients, m);
        if (r < 0)
                return bluez_error(error, BLUEZ_ERROR_FAILED, "Failed to subscribe");
        r = sd_bus_reply_method_return(m, NULL);
        update_notifying(c);
        return r;
}

static int char_stop_notify(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        SimChar *c = userdata;
        int r;

        if (!c->notify_clients || !sd_bus_track_contains(c->notify_clients, sd_bus_message_get_sender(m)))
                return bluez_error(error, BLUEZ_ERROR_FAILED, "No notify session started");
        (void) sd_bus_track_remove_sender(c->notify_clients, m);
        if (sd_bus_track_count(c->notify_clients) == 0)
                c->notify_clients = sd_bus_track_unref(c->notify_clients);
        r = sd_bus_reply_method_return(m, NULL);
        update_notifying(c);
        return r;
}

#define CHAR_COMMON                                                                                     \
        SD_BUS_PROPERTY("UUID", "s", char_get_uuid, 0, SD_BUS_VTABLE_PROPERTY_CONST),                   \
        SD_BUS_PROPERTY("Service", "o", char_get_service, 0, SD_BUS_VTABLE_PROPERTY_CONST),             \
        SD_BUS_PROPERTY("Value", "ay", char_get_value, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),         \
        SD_BUS_PROPERTY("Flags", "as", char_get_flags, 0, SD_BUS_VTABLE_PROPERTY_CONST),                \
        SD_BUS_PROPERTY("MTU", "q", char_get_mtu, 0, SD_BUS_VTABLE_PROPERTY_CONST),                     \
        SD_BUS_METHOD_WITH_ARGS("ReadValue", SD_BUS_ARGS("a{sv}", options), SD_BUS_RESULT("ay", value), \
                                char_read_value, SD_BUS_VTABLE_UNPRIVILEGED),                           \
        SD_BUS_METHOD_WITH_ARGS("WriteValue", SD_BUS_ARGS("ay", value, "a{sv}", options),               \
                                SD_BUS_NO_RESULT, char_write_value, SD_BUS_VTABLE_UNPRIVILEGED),        \
        SD_BUS_METHOD("StartNotify", NULL, NULL, char_start_notify, SD_BUS_VTABLE_UNPRIVILEGED),        \
        SD_BUS_METHOD("StopNotify", NULL, NULL, char_stop_notify, SD_BUS_VTABLE_UNPRIVILEGED)

/* Notifying exists only on characteristics that can notify, as in bluetoothd. */
const sd_bus_vtable gatt_char_vtable_notify[] = {
        SD_BUS_VTABLE_START(0),
        CHAR_COMMON,
        SD_BUS_PROPERTY("Notifying", "b", char_get_notifying, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_VTABLE_END,
};

const sd_bus_vtable gatt_char_vtable_plain[] = {
        SD_BUS_VTABLE_START(0),
        CHAR_COMMON,
        SD_BUS_VTABLE_END,
};


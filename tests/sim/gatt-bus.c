/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * org.bluez.GattService1 and org.bluez.GattCharacteristic1 of a connected
 * massager, as bluetoothd 5.66's gatt-client.c exports a remote GATT
 * database: objects appear once services are resolved and go with the link.
 */

#include <errno.h>
#include <strings.h>

#include "bluez-error.h"
#include "macro.h"
#include "sim.h"

#define ATT_MAX_VALUE_LEN 512
#define SIM_ATT_MTU 247         /* what a modern phone-class central negotiates */

typedef struct CharDef {
        const char *uuid;
        const char *const *flags;       /* from the characteristic properties only */
        bool write;
        bool notify;
} CharDef;

/* Remote Flags list only the properties byte: "encrypt-write" is the
 * device's permission, which a client cannot see (gatt-client.c chrc_props). */
static const char *const flags_write[] = { "write", NULL };
static const char *const flags_read_notify[] = { "read", "notify", NULL };
static const char *const flags_read[] = { "read", NULL };

static const CharDef char_defs[_SIM_CHAR_MAX] = {
        [SIM_CHAR_CONTROL_POINT] = { MASSAGER_CONTROL_POINT_UUID, flags_write, true, false },
        [SIM_CHAR_STATUS] = { MASSAGER_STATUS_UUID, flags_read_notify, false, true },
        [SIM_CHAR_DEVICE_INFO] = { MASSAGER_DEVICE_INFO_UUID, flags_read, false, false },
        [SIM_CHAR_BATTERY_LEVEL] = { BATTERY_LEVEL_UUID, flags_read_notify, false, true },
};

static const char *const service_uuids[_SIM_SERVICE_MAX] = {
        [SIM_SERVICE_MASSAGER] = MASSAGER_SERVICE_UUID,
        [SIM_SERVICE_BATTERY] = BATTERY_SERVICE_UUID,
};

static const SimServiceId char_service[_SIM_CHAR_MAX] = {
        [SIM_CHAR_CONTROL_POINT] = SIM_SERVICE_MASSAGER,
        [SIM_CHAR_STATUS] = SIM_SERVICE_MASSAGER,
        [SIM_CHAR_DEVICE_INFO] = SIM_SERVICE_MASSAGER,
        [SIM_CHAR_BATTERY_LEVEL] = SIM_SERVICE_BATTERY,
};

const char *gatt_char_uuid(SimCharId id) {
        return char_defs[id].uuid;
}

/* ---- GattService1 ------------------------------------------------------- */

static int service_get_uuid(sd_bus *bus, const char *path, const char *interface, const char *property,
                            sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        SimService *s = userdata;
        return sd_bus_message_append(reply, "s", service_uuids[s->id]);
}

static int service_get_device(sd_bus *bus, const char *path, const char *interface, const char *property,
                              sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        SimService *s = userdata;
        return sd_bus_message_append(reply, "o", s->device->path);
}

static int service_get_primary(sd_bus *bus, const char *path, const char *interface, const char *property,
                               sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return sd_bus_message_append(reply, "b", true);
}

static int service_get_includes(sd_bus *bus, const char *path, const char *interface, const char *property,
                                sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return sd_bus_message_append(reply, "ao", 0);
}

static const sd_bus_vtable service_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("UUID", "s", service_get_uuid, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Device", "o", service_get_device, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Primary", "b", service_get_primary, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Includes", "ao", service_get_includes, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_VTABLE_END,
};

/* ---- GattCharacteristic1 ------------------------------------------------ */

static int char_get_uuid(sd_bus *bus, const char *path, const char *interface, const char *property,
                         sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        SimChar *c = userdata;
        return sd_bus_message_append(reply, "s", char_defs[c->id].uuid);
}

static int char_get_service(sd_bus *bus, const char *path, const char *interface, const char *property,
                            sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        SimChar *c = userdata;
        return sd_bus_message_append(reply, "o", c->device->services[char_service[c->id]].path);
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
        return sd_bus_message_append_strv(reply, (char **) char_defs[c->id].flags);
}

static int char_get_mtu(sd_bus *bus, const char *path, const char *interface, const char *property,
                        sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return sd_bus_message_append(reply, "q", (uint16_t) SIM_ATT_MTU);
}

void gatt_char_set_value(SimChar *c, const uint8_t *data, size_t len) {
        Sim *sim = c->device->sim;

        len = MIN(len, sizeof(c->value));
        memcpy(c->value, data, len);
        c->value_len = len;
        c->has_value = true;
        /* Every read and notification lands in the cache and is announced,
         * even when the bytes did not change (gatt-client.c). */
        if (c->slot && sim->bus)
                (void) sd_bus_emit_properties_changed(sim->bus, c->path, "org.bluez.GattCharacteristic1",
                                                      "Value", NULL);
}

/* The options dict of ReadValue/WriteValue: bluetoothd checks the types of
 * the keys it knows and ignores the others. */
static int parse_options(sd_bus_message *m, uint16_t *offset, const char **type, sd_bus_error *error) {
        int r;

        r = sd_bus_message_enter_container(m, 'a', "{sv}");
        if (r < 0)
                return bluez_error(error, BLUEZ_ERROR_INVALID_ARGUMENTS, "Invalid arguments in method call");
        while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
                const char *key, *contents;
                char t;

                r = sd_bus_message_read(m, "s", &key);
                if (r < 0)
                        return r;
                r = sd_bus_message_peek_type(m, &t, &contents);
                if (r < 0)
                        return r;
                if (strcmp(key, "offset") == 0) {
                        if (!streq_ptr(contents, "q"))
                                return bluez_error(error, BLUEZ_ERROR_INVALID_ARGUMENTS,
                                                   "Option 'offset' must be a uint16 (q), not '%s'", contents);
                        r = sd_bus_message_read(m, "v", "q", offset);
                } else if (strcmp(key, "type") == 0 && type) {
                        if (!streq_ptr(contents, "s"))
                                return bluez_error(error, BLUEZ_ERROR_INVALID_ARGUMENTS,
                                                   "Option 'type' must be a string (s), not '%s'", contents);
                        r = sd_bus_message_read(m, "v", "s", type);
                } else
                        r = sd_bus_message_skip(m, "v");
                if (r < 0)
                        return r;
                r = sd_bus_message_exit_container(m);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(m);
}

static int char_read_value(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        SimChar *c = userdata;
        uint8_t buf[sizeof(c->value)];
        uint16_t offset = 0;
        size_t len = 0;
        int r;

        r = parse_options(m, &offset, NULL, error);
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
        r = parse_options(m, &offset, &type, error);
        if (r < 0)
                return r;
        if (c->device->link != SIM_LINK_CONNECTED)
                return bluez_error(error, BLUEZ_ERROR_FAILED, BLUEZ_MSG_NOT_CONNECTED);
        if (!char_defs[c->id].write)
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
        if (!char_defs[c->id].notify)
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
static const sd_bus_vtable char_vtable_notify[] = {
        SD_BUS_VTABLE_START(0),
        CHAR_COMMON,
        SD_BUS_PROPERTY("Notifying", "b", char_get_notifying, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_VTABLE_END,
};

static const sd_bus_vtable char_vtable_plain[] = {
        SD_BUS_VTABLE_START(0),
        CHAR_COMMON,
        SD_BUS_VTABLE_END,
};

/* ---- GattDescriptor1: the CCCDs ------------------------------------------- */

#define CCCD_UUID "00002902-0000-1000-8000-00805f9b34fb"

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

        r = parse_options(m, &offset, NULL, error);
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
        r = parse_options(m, &offset, NULL, error);
        if (r < 0)
                return r;
        if (c->device->link != SIM_LINK_CONNECTED)
                return bluez_error(error, BLUEZ_ERROR_FAILED, BLUEZ_MSG_NOT_CONNECTED);
        /* bluetoothd keeps the CCCD to itself: StartNotify/StopNotify. */
        return bluez_error(error, BLUEZ_ERROR_NOT_PERMITTED, BLUEZ_MSG_WRITE_NOT_PERMITTED);
}

static const sd_bus_vtable cccd_vtable[] = {
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

int gatt_bus_add(SimDevice *d) {
        sd_bus *bus = d->sim->bus;
        int r;

        if (d->gatt_exported || !bus)
                return 0;
        for (unsigned i = 0; i < _SIM_SERVICE_MAX; i++) {
                SimService *s = &d->services[i];
                r = sd_bus_add_object_vtable(bus, &s->slot, s->path, "org.bluez.GattService1", service_vtable, s);
                if (r < 0)
                        goto fail;
                (void) sd_bus_emit_object_added(bus, s->path);
        }
        for (unsigned i = 0; i < _SIM_CHAR_MAX; i++) {
                SimChar *c = &d->chars[i];
                r = sd_bus_add_object_vtable(bus, &c->slot, c->path, "org.bluez.GattCharacteristic1",
                                             char_defs[i].notify ? char_vtable_notify : char_vtable_plain, c);
                if (r < 0)
                        goto fail;
                (void) sd_bus_emit_object_added(bus, c->path);
                if (!char_defs[i].notify)
                        continue;
                r = sd_bus_add_object_vtable(bus, &c->cccd_slot, c->cccd_path, "org.bluez.GattDescriptor1",
                                             cccd_vtable, c);
                if (r < 0)
                        goto fail;
                (void) sd_bus_emit_object_added(bus, c->cccd_path);
        }
        d->gatt_exported = true;
        return 0;
fail:
        d->gatt_exported = true;
        gatt_bus_remove(d, true);
        return r;
}

void gatt_bus_remove(SimDevice *d, bool emit) {
        sd_bus *bus = d->sim->bus;

        if (!d->gatt_exported)
                return;
        for (unsigned i = _SIM_CHAR_MAX; i > 0; i--) {
                SimChar *c = &d->chars[i - 1];
                if (c->cccd_slot && emit && bus)
                        (void) sd_bus_emit_object_removed(bus, c->cccd_path);
                c->cccd_slot = sd_bus_slot_unref(c->cccd_slot);
                c->cccd_has_value = false;
                if (c->slot && emit && bus)
                        (void) sd_bus_emit_object_removed(bus, c->path);
                c->slot = sd_bus_slot_unref(c->slot);
                c->notify_clients = sd_bus_track_unref(c->notify_clients);
                c->notifying = false;
                c->has_value = false;
                c->value_len = 0;
        }
        for (unsigned i = _SIM_SERVICE_MAX; i > 0; i--) {
                SimService *s = &d->services[i - 1];
                if (s->slot && emit && bus)
                        (void) sd_bus_emit_object_removed(bus, s->path);
                s->slot = sd_bus_slot_unref(s->slot);
        }
        d->gatt_exported = false;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The remote GATT database of a connected massager, as bluetoothd 5.66's
 * gatt-client.c exports it: its layout, and the objects that appear once
 * services are resolved and go with the link. The vtables are in
 * service-bus.c, characteristic-bus.c and descriptor-bus.c.
 */

#include <errno.h>

#include "bluez-error.h"
#include "gatt.h"
#include "macro.h"
#include "sim.h"

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

const CharDef *gatt_char_def(SimCharId id) {
        return &char_defs[id];
}

const char *gatt_service_uuid(SimServiceId id) {
        return service_uuids[id];
}

SimServiceId gatt_char_service(SimCharId id) {
        return char_service[id];
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
int gatt_parse_options(sd_bus_message *m, uint16_t *offset, const char **type, sd_bus_error *error) {
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

int gatt_bus_add(SimDevice *d) {
        sd_bus *bus = d->sim->bus;
        int r;

        if (d->gatt_exported || !bus)
                return 0;
        for (unsigned i = 0; i < _SIM_SERVICE_MAX; i++) {
                SimService *s = &d->services[i];
                r = sd_bus_add_object_vtable(bus, &s->slot, s->path, "org.bluez.GattService1", gatt_service_vtable, s);
                if (r < 0)
                        goto fail;
                (void) sd_bus_emit_object_added(bus, s->path);
        }
        for (unsigned i = 0; i < _SIM_CHAR_MAX; i++) {
                SimChar *c = &d->chars[i];
                r = sd_bus_add_object_vtable(bus, &c->slot, c->path, "org.bluez.GattCharacteristic1",
                                             char_defs[i].notify ? gatt_char_vtable_notify : gatt_char_vtable_plain, c);
                if (r < 0)
                        goto fail;
                (void) sd_bus_emit_object_added(bus, c->path);
                if (!char_defs[i].notify)
                        continue;
                r = sd_bus_add_object_vtable(bus, &c->cccd_slot, c->cccd_path, "org.bluez.GattDescriptor1",
                                             gatt_cccd_vtable, c);
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

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The GATT application of massager-sim --peripheral, as bluetoothd's
 * GattManager1.RegisterApplication wants it: an ObjectManager at
 * PERIPH_APP_PATH with org.bluez.GattService1 and GattCharacteristic1
 * objects below it. bluetoothd serves these to the centrals over ATT:
 * ReadValue/WriteValue for their reads and writes, StartNotify/StopNotify
 * when the first central enables the CCCD or the last disables it, and a
 * PropertiesChanged of Value becomes a notification.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "bluez-error.h"
#include "macro.h"
#include "peripheral.h"

typedef struct PeriphCharDef {
        const char *uuid;
        const char *suffix;
        PeriphServiceId service;
        bool write;
        bool notify;
} PeriphCharDef;

static const PeriphCharDef char_defs[_PERIPH_CHAR_MAX] = {
        [PERIPH_CHAR_CONTROL_POINT] = { MASSAGER_CONTROL_POINT_UUID, "char0", PERIPH_SERVICE_MASSAGER, true, false },
        [PERIPH_CHAR_STATUS]        = { MASSAGER_STATUS_UUID, "char1", PERIPH_SERVICE_MASSAGER, false, true },
        [PERIPH_CHAR_DEVICE_INFO]   = { MASSAGER_DEVICE_INFO_UUID, "char2", PERIPH_SERVICE_MASSAGER, false, false },
        [PERIPH_CHAR_BATTERY_LEVEL] = { BATTERY_LEVEL_UUID, "char0", PERIPH_SERVICE_BATTERY, false, true },
        [PERIPH_CHAR_MANUFACTURER]  = { DIS_MANUFACTURER_UUID, "char0", PERIPH_SERVICE_DEVICE_INFO, false, false },
        [PERIPH_CHAR_MODEL]         = { DIS_MODEL_UUID, "char1", PERIPH_SERVICE_DEVICE_INFO, false, false },
        [PERIPH_CHAR_FIRMWARE_REV]  = { DIS_FIRMWARE_REV_UUID, "char2", PERIPH_SERVICE_DEVICE_INFO, false, false },
};

static const char *const service_uuids[_PERIPH_SERVICE_MAX] = {
        [PERIPH_SERVICE_MASSAGER] = MASSAGER_SERVICE_UUID,
        [PERIPH_SERVICE_BATTERY] = BATTERY_SERVICE_UUID,
        [PERIPH_SERVICE_DEVICE_INFO] = DIS_SERVICE_UUID,
};

const char *peripheral_char_uuid(PeriphCharId id) {
        return char_defs[id].uuid;
}

static int svc_get_uuid(sd_bus *bus, const char *path, const char *interface, const char *property,
                        sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        PeriphService *s = userdata;
        return sd_bus_message_append(reply, "s", service_uuids[s->id]);
}

static int svc_get_primary(sd_bus *bus, const char *path, const char *interface, const char *property,
                           sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return sd_bus_message_append(reply, "b", 1);
}

static const sd_bus_vtable service_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("UUID", "s", svc_get_uuid, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Primary", "b", svc_get_primary, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_VTABLE_END
};

static int chr_get_uuid(sd_bus *bus, const char *path, const char *interface, const char *property,
                        sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        PeriphChar *c = userdata;
        return sd_bus_message_append(reply, "s", char_defs[c->id].uuid);
}

static int chr_get_service(sd_bus *bus, const char *path, const char *interface, const char *property,
                           sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        PeriphChar *c = userdata;
        return sd_bus_message_append(reply, "o", c->p->services[char_defs[c->id].service].path);
}

static int chr_get_flags(sd_bus *bus, const char *path, const char *interface, const char *property,
                         sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        PeriphChar *c = userdata;
        const PeriphCharDef *def = &char_defs[c->id];

        if (def->write)
                /* The product's Control Point needs an encrypted (paired) link;
                 * "encrypt-write" makes bluetoothd answer an unencrypted write
                 * with ATT Insufficient Encryption, like the real firmware. */
                return c->p->opt.insecure_control_point ?
                        sd_bus_message_append(reply, "as", 1, "write") :
                        sd_bus_message_append(reply, "as", 2, "write", "encrypt-write");
        if (def->notify)
                return sd_bus_message_append(reply, "as", 2, "read", "notify");
        return sd_bus_message_append(reply, "as", 1, "read");
}

static int chr_get_value(sd_bus *bus, const char *path, const char *interface, const char *property,
                         sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        PeriphChar *c = userdata;
        return sd_bus_message_append_array(reply, 'y', c->value, c->value_len);
}

static int chr_get_notifying(sd_bus *bus, const char *path, const char *interface, const char *property,
                             sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        PeriphChar *c = userdata;
        return sd_bus_message_append(reply, "b", c->notifying);
}

/* The options bluetoothd passes: "device" (o), "offset" (q), "mtu" (q), "link" (s), "type" (s). */
static int parse_options(PeriphChar *c, sd_bus_message *m, uint16_t *offset) {
        const char *key;
        int r;

        *offset = 0;
        r = sd_bus_message_enter_container(m, 'a', "{sv}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
                r = sd_bus_message_read(m, "s", &key);
                if (r < 0)
                        return r;
                if (!strcmp(key, "offset"))
                        r = sd_bus_message_read(m, "v", "q", offset);
                else if (!strcmp(key, "device")) {
                        const char *device;
                        r = sd_bus_message_read(m, "v", "o", &device);
                        /* An ATT request from a central proves its link is up, even
                         * when bluetoothd never signalled Connected (its race). */
                        if (r >= 0)
                                peripheral_link_seen(c->p, device);
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

static int method_read_value(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        PeriphChar *c = userdata;
        uint8_t buf[MASSAGER_FRAME_MAX + 16];
        uint16_t offset;
        size_t len;
        int r;

        r = parse_options(c, m, &offset);
        if (r < 0)
                return sd_bus_error_set(error, BLUEZ_ERROR_INVALID_ARGUMENTS, "Invalid arguments in method call");
        if (char_defs[c->id].write)
                return sd_bus_error_set(error, BLUEZ_ERROR_NOT_PERMITTED, "Read not permitted");
        r = peripheral_read(c->p, c->id, buf, sizeof(buf), &len);
        if (r < 0)
                return sd_bus_error_set(error, BLUEZ_ERROR_FAILED, "Operation failed");
        if (offset > len)
                return sd_bus_error_set(error, "org.bluez.Error.InvalidOffset", "Invalid offset");
        memcpy(c->value, buf, len);
        c->value_len = len;

        r = sd_bus_message_new_method_return(m, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_append_array(reply, 'y', buf + offset, len - offset);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

static int method_write_value(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        PeriphChar *c = userdata;
        const void *value;
        size_t len;
        uint16_t offset;
        int r;

        r = sd_bus_message_read_array(m, 'y', &value, &len);
        if (r >= 0)
                r = parse_options(c, m, &offset);
        if (r < 0)
                return sd_bus_error_set(error, BLUEZ_ERROR_INVALID_ARGUMENTS, "Invalid arguments in method call");
        if (!char_defs[c->id].write)
                return sd_bus_error_set(error, BLUEZ_ERROR_NOT_PERMITTED, "Write not permitted");
        if (offset > 0)
                return sd_bus_error_set(error, "org.bluez.Error.InvalidOffset", "Invalid offset");
        return peripheral_write(c->p, m, value, len);
}

static int method_start_notify(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        PeriphChar *c = userdata;

        if (!char_defs[c->id].notify)
                return sd_bus_error_set(error, BLUEZ_ERROR_NOT_SUPPORTED, "Operation is not supported");
        if (!c->notifying) {
                c->notifying = true;
                peripheral_log(c->p, "%s: a central enabled notifications", char_defs[c->id].uuid);
                (void) sd_bus_emit_properties_changed(c->p->bus, c->path, "org.bluez.GattCharacteristic1",
                                                      "Notifying", NULL);
        }
        return sd_bus_reply_method_return(m, NULL);
}

static int method_stop_notify(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        PeriphChar *c = userdata;

        if (c->notifying) {
                c->notifying = false;
                peripheral_log(c->p, "%s: notifications off", char_defs[c->id].uuid);
                (void) sd_bus_emit_properties_changed(c->p->bus, c->path, "org.bluez.GattCharacteristic1",
                                                      "Notifying", NULL);
        }
        return sd_bus_reply_method_return(m, NULL);
}

#define CHAR_VTABLE_COMMON                                                                              \
        SD_BUS_PROPERTY("UUID", "s", chr_get_uuid, 0, SD_BUS_VTABLE_PROPERTY_CONST),                    \
        SD_BUS_PROPERTY("Service", "o", chr_get_service, 0, SD_BUS_VTABLE_PROPERTY_CONST),              \
        SD_BUS_PROPERTY("Flags", "as", chr_get_flags, 0, SD_BUS_VTABLE_PROPERTY_CONST),                 \
        SD_BUS_PROPERTY("Value", "ay", chr_get_value, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),          \
        SD_BUS_METHOD("ReadValue", "a{sv}", "ay", method_read_value, 0),                               \
        SD_BUS_METHOD("WriteValue", "aya{sv}", "", method_write_value, 0)

static const sd_bus_vtable char_vtable_plain[] = {
        SD_BUS_VTABLE_START(0),
        CHAR_VTABLE_COMMON,
        SD_BUS_VTABLE_END
};

static const sd_bus_vtable char_vtable_notify[] = {
        SD_BUS_VTABLE_START(0),
        CHAR_VTABLE_COMMON,
        SD_BUS_PROPERTY("Notifying", "b", chr_get_notifying, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_METHOD("StartNotify", "", "", method_start_notify, 0),
        SD_BUS_METHOD("StopNotify", "", "", method_stop_notify, 0),
        SD_BUS_VTABLE_END
};

/* A new value of a notifying characteristic: the cached Value changes, and
 * if a central enabled notifications, PropertiesChanged makes bluetoothd
 * send it over the air. */
void peripheral_char_notify(PeriphChar *c, const uint8_t *data, size_t len) {
        if (len > sizeof(c->value))
                len = sizeof(c->value);
        memcpy(c->value, data, len);
        c->value_len = len;
        if (c->notifying)
                (void) sd_bus_emit_properties_changed(c->p->bus, c->path, "org.bluez.GattCharacteristic1",
                                                      "Value", NULL);
}

int peripheral_gatt_add(Peripheral *p) {
        int r;

        r = sd_bus_add_object_manager(p->bus, NULL, PERIPH_APP_PATH);
        if (r < 0)
                return r;
        for (PeriphServiceId s = 0; s < _PERIPH_SERVICE_MAX; s++) {
                p->services[s] = (PeriphService) { .p = p, .id = s };
                (void) snprintf(p->services[s].path, sizeof(p->services[s].path), "%s/service%u",
                                PERIPH_APP_PATH, (unsigned) s);
                r = sd_bus_add_object_vtable(p->bus, NULL, p->services[s].path, "org.bluez.GattService1",
                                             service_vtable, &p->services[s]);
                if (r < 0)
                        return r;
        }
        for (PeriphCharId i = 0; i < _PERIPH_CHAR_MAX; i++) {
                PeriphChar *c = &p->chars[i];

                c->p = p;
                c->id = i;
                (void) snprintf(c->path, sizeof(c->path), "%s/%s", p->services[char_defs[i].service].path,
                                char_defs[i].suffix);
                r = sd_bus_add_object_vtable(p->bus, NULL, c->path, "org.bluez.GattCharacteristic1",
                                             char_defs[i].notify ? char_vtable_notify : char_vtable_plain, c);
                if (r < 0)
                        return r;
        }
        return 0;
}

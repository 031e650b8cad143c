/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The remote GATT database of a massager as bluetoothd exports it: the
 * layout (gatt.c) shared by the vtables of service-bus.c,
 * characteristic-bus.c and descriptor-bus.c.
 */

#include <systemd/sd-bus.h>

#include "sim.h"

#define ATT_MAX_VALUE_LEN 512
#define SIM_ATT_MTU 247         /* what a modern phone-class central negotiates */
#define CCCD_UUID "00002902-0000-1000-8000-00805f9b34fb"

typedef struct CharDef {
        const char *uuid;
        const char *const *flags;       /* from the characteristic properties only */
        bool write;
        bool notify;
} CharDef;

const CharDef *gatt_char_def(SimCharId id);
const char *gatt_service_uuid(SimServiceId id);
SimServiceId gatt_char_service(SimCharId id);

/* The options dict of ReadValue/WriteValue ("offset", and "type" if type is non-NULL). */
int gatt_parse_options(sd_bus_message *m, uint16_t *offset, const char **type, sd_bus_error *error);

extern const sd_bus_vtable gatt_service_vtable[];
extern const sd_bus_vtable gatt_char_vtable_notify[];
extern const sd_bus_vtable gatt_char_vtable_plain[];
extern const sd_bus_vtable gatt_cccd_vtable[];

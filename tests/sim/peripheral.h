/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * massager-sim --peripheral: the same firmware model (firmware.[ch]) served
 * as a real GATT application of a real bluetoothd, on one adapter, instead
 * of behind a bluetoothd look-alike. For the end-to-end tests in a VM
 * (tests/vm/): a central on another controller of the same bluetoothd finds
 * it by its advertised massager service, connects, pairs and writes frames
 * over a (emulated) radio link.
 *
 * peripheral.c owns the bus, the registrations and the link state (from the
 * Device1 objects bluetoothd keeps for the centrals on our adapter);
 * peripheral-gatt-bus.c the application's objects, peripheral-advert-bus.c
 * the advertisement, peripheral-agent-bus.c the massager's side of pairing,
 * peripheral-control-bus.c the tests' org.massaged1.Sim1.
 */

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "firmware.h"

#define PERIPH_APP_PATH         "/org/massaged1/peripheral"
#define PERIPH_ADV_PATH         "/org/massaged1/advertisement"
#define PERIPH_PATH_MAX         96
#define PERIPH_MAX_LINKS        8
#define PERIPH_PENDING_MAX      8

#define DIS_SERVICE_UUID        "0000180a-0000-1000-8000-00805f9b34fb"
#define DIS_MANUFACTURER_UUID   "00002a29-0000-1000-8000-00805f9b34fb"
#define DIS_MODEL_UUID          "00002a24-0000-1000-8000-00805f9b34fb"
#define DIS_FIRMWARE_REV_UUID   "00002a26-0000-1000-8000-00805f9b34fb"

typedef struct Peripheral Peripheral;

typedef struct PeripheralOptions {
        const char *bus_address;        /* NULL: DBUS_SYSTEM_BUS_ADDRESS / the system bus */
        const char *adapter;            /* "hci1" */
        const char *name;               /* advertised local name */
        bool insecure_control_point;    /* plain "write" instead of "encrypt-write" (loudly logged) */
        FirmwareConfig firmware;
        bool verbose;
} PeripheralOptions;

typedef enum PeriphServiceId {
        PERIPH_SERVICE_MASSAGER,
        PERIPH_SERVICE_BATTERY,
        PERIPH_SERVICE_DEVICE_INFO,
        _PERIPH_SERVICE_MAX,
} PeriphServiceId;

typedef enum PeriphCharId {
        PERIPH_CHAR_CONTROL_POINT,
        PERIPH_CHAR_STATUS,
        PERIPH_CHAR_DEVICE_INFO,
        PERIPH_CHAR_BATTERY_LEVEL,
        PERIPH_CHAR_MANUFACTURER,
        PERIPH_CHAR_MODEL,
        PERIPH_CHAR_FIRMWARE_REV,
        _PERIPH_CHAR_MAX,
} PeriphCharId;

typedef struct PeriphChar {
        Peripheral *p;
        PeriphCharId id;
        char path[PERIPH_PATH_MAX];
        uint8_t value[MASSAGER_FRAME_MAX + 16]; /* the Value property: last read or notified */
        size_t value_len;
        bool notifying;                 /* bluetoothd called StartNotify: a central enabled the CCCD */
} PeriphChar;

typedef struct PeriphService {
        Peripheral *p;
        PeriphServiceId id;
        char path[PERIPH_PATH_MAX];
} PeriphService;

/* A notification held back until the reply to the write that caused it is out. */
typedef struct PeriphPending {
        PeriphCharId id;
        uint8_t data[MASSAGER_FRAME_MAX];
        size_t len;
} PeriphPending;

struct Peripheral {
        PeripheralOptions opt;
        sd_event *event;
        sd_bus *bus;
        char adapter_path[PERIPH_PATH_MAX];
        char address[18];               /* our adapter's address: "the device" for Sim1 */

        PeriphService services[_PERIPH_SERVICE_MAX];
        PeriphChar chars[_PERIPH_CHAR_MAX];
        bool app_registered;
        bool adv_registered;

        /* Centrals connected to us: Device1 objects of our adapter with Connected. */
        char links[PERIPH_MAX_LINKS][PERIPH_PATH_MAX];
        unsigned n_links;

        bool defer_notify;
        PeriphPending pending[PERIPH_PENDING_MAX];
        unsigned n_pending;
        unsigned writes_received;       /* Control Point writes the firmware executed */

        Firmware firmware;
        sd_event_source *firmware_timer;
};

/* peripheral.c */
int peripheral_run(const PeripheralOptions *opt, sd_event *event);
uint64_t peripheral_now(Peripheral *p);
void peripheral_log(Peripheral *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void peripheral_firmware_changed(Peripheral *p);
void peripheral_link_seen(Peripheral *p, const char *device_path);
int peripheral_write(Peripheral *p, sd_bus_message *m, const uint8_t *value, size_t len);
int peripheral_read(Peripheral *p, PeriphCharId id, uint8_t *out, size_t size, size_t *ret_len);

/* peripheral-gatt-bus.c */
int peripheral_gatt_add(Peripheral *p);
const char *peripheral_char_uuid(PeriphCharId id);
void peripheral_char_notify(PeriphChar *c, const uint8_t *data, size_t len);

/* peripheral-advert-bus.c */
int peripheral_advert_add(Peripheral *p);

/* peripheral-agent-bus.c */
int peripheral_agent_add(Peripheral *p);

/* peripheral-control-bus.c */
int peripheral_control_add(Peripheral *p);

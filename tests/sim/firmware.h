/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The massager's firmware, simulated: the device side of protocol v1
 * (/work/notes/firmware.md, protocol/PROTOCOL.md) on top of the pure codec.
 *
 * Pure like the codec: no bus, no event loop, no clock of its own. Every
 * entry point takes the current monotonic time in µs; the model first
 * advances to it (thermal model, battery, lease, once-a-second status) and
 * then acts. Frames the device sends (responses and Status notifications)
 * go out through the notify callback, synchronously and in order. The
 * caller asks firmware_next_wakeup() when it must call firmware_advance()
 * again; while idle the answer is "never", so an idle device costs nothing.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "massager-protocol.h"

#define FIRMWARE_USEC_PER_SEC   1000000ull
#define FIRMWARE_NEVER          UINT64_MAX

typedef struct FirmwareConfig {
        double tau_s;           /* thermal time constant of the pad */
        double ambient_c;       /* where the pad cools to */
        double drain_pct_per_min; /* battery drain while the motors run; doubled while heating */
        uint8_t battery;        /* initial charge, percent */
} FirmwareConfig;

#define FIRMWARE_CONFIG_DEFAULT { .tau_s = 60.0, .ambient_c = 25.0, .drain_pct_per_min = 1.0, .battery = 90 }

/* A frame the device sends as a Status notification. */
typedef void (*FirmwareNotifyFn)(void *userdata, const uint8_t *frame, size_t len);
/* The Battery Level (0x2A19) value changed. */
typedef void (*FirmwareBatteryFn)(void *userdata, uint8_t percent);

typedef struct Firmware {
        MassagerDeviceInfo info;
        FirmwareConfig cfg;
        uint64_t now;                   /* µs, the time the model has advanced to */

        bool connected;
        bool encrypted;                 /* the link is paired/encrypted */

        bool running;
        MassagerOutput output;          /* applied output; zero when stopped */
        uint64_t lease_end;             /* µs, while running */
        uint64_t next_tick;             /* µs of the next periodic STATUS, while running */

        double temp_c;                  /* true pad temperature */
        bool sensor_missing;            /* injected: the sensor gives no reading */
        double battery;                 /* percent, fractional so slow drain adds up */
        uint8_t latched;                /* MASSAGER_FAULT_OVERHEAT | _SENSOR | _MOTOR_STALL */
        MassagerStopCause stop_cause;

        uint8_t status_seq;             /* counter of STATUS frames, wrapping */
        MassagerStatus last_sent;       /* what the host last heard, to notify changes only */
        uint8_t last_battery;           /* last Battery Level reported */

        FirmwareNotifyFn notify;
        FirmwareBatteryFn battery_changed;
        void *userdata;
} Firmware;

void firmware_init(Firmware *fw, const FirmwareConfig *cfg, uint64_t now);

/* Run the model up to now: lease expiry, ticks, thermal model, protections. */
void firmware_advance(Firmware *fw, uint64_t now);
/* When firmware_advance() must run next; FIRMWARE_NEVER while idle. */
uint64_t firmware_next_wakeup(const Firmware *fw);

/* Link events. Losing the link stops a running session (LINK_LOST). */
void firmware_link_up(Firmware *fw, uint64_t now, bool encrypted);
void firmware_link_down(Firmware *fw, uint64_t now);
void firmware_set_encrypted(Firmware *fw, uint64_t now, bool encrypted);

/* A write to the Control Point. -ENOTCONN without a link, -EACCES on an
 * unencrypted link (the ATT layer refuses it: no response frame). Otherwise
 * 0, and the response (and a STATUS if the state changed) went out through
 * the notify callback. */
int firmware_write(Firmware *fw, uint64_t now, const uint8_t *buf, size_t len);

/* Reads: the STATUS frame, the DEVICE_INFO frame, the battery percentage. */
ssize_t firmware_read_status(Firmware *fw, uint64_t now, uint8_t *out, size_t size);
ssize_t firmware_read_device_info(const Firmware *fw, uint8_t *out, size_t size);
uint8_t firmware_read_battery(Firmware *fw, uint64_t now);

/* The status snapshot at the model's current time (call firmware_advance() first). */
void firmware_status(const Firmware *fw, MassagerStatus *ret);
bool firmware_heater_on(const Firmware *fw);
uint32_t firmware_lease_remaining_ms(const Firmware *fw);
/* The reading the sensor gives, in 0.1 °C, or MASSAGER_TEMP_NONE. */
int16_t firmware_reading(const Firmware *fw);

/* Fault injection: the world acting on the device. */
void firmware_set_temperature(Firmware *fw, uint64_t now, double celsius);
void firmware_set_sensor_missing(Firmware *fw, uint64_t now, bool missing);
void firmware_set_battery(Firmware *fw, uint64_t now, uint8_t percent);
void firmware_motor_stall(Firmware *fw, uint64_t now);
/* The firmware reboots (watchdog, brown-out of the application MCU) while
 * the radio keeps the link: motors and heater off, lease, output, latched
 * faults, stop cause and the STATUS counter forgotten. A rebooted firmware
 * has no memory of what the host last heard, so it announces nothing; the
 * host learns of it from its next command's response (NOT_RUNNING). */
void firmware_reset(Firmware *fw, uint64_t now);

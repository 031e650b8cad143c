/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The org.massaged1.Device1 property names (doc/dbus-api.md), in one place:
 * the vtable (device-bus.c) and every PropertiesChanged emitter
 * (device_emit_changed(), apply_status()) use these, so a misspelt name is a
 * compile error instead of a signal no client ever matches.
 */

#define DEVICE_PROP_ADDRESS             "Address"
#define DEVICE_PROP_NAME                "Name"
#define DEVICE_PROP_CONNECTION_STATE    "ConnectionState"
#define DEVICE_PROP_BATTERY             "Battery"
#define DEVICE_PROP_STATE               "State"
#define DEVICE_PROP_INTENSITY           "Intensity"
#define DEVICE_PROP_HEAT                "Heat"
#define DEVICE_PROP_TEMPERATURE         "Temperature"
#define DEVICE_PROP_PATTERN             "Pattern"
#define DEVICE_PROP_PROGRAM             "Program"
#define DEVICE_PROP_REMAINING           "Remaining"
#define DEVICE_PROP_SESSION_ID          "SessionId"
#define DEVICE_PROP_FAULTS              "Faults"
#define DEVICE_PROP_MODEL               "Model"
#define DEVICE_PROP_INTENSITY_MAX       "IntensityMax"
#define DEVICE_PROP_HEAT_LEVELS         "HeatLevels"
#define DEVICE_PROP_FIRMWARE_REVISION   "FirmwareRevision"
#define DEVICE_PROP_PROTOCOL_VERSION    "ProtocolVersion"
#define DEVICE_PROP_PATTERNS            "Patterns"
#define DEVICE_PROP_HEAT_SETPOINTS      "HeatSetpoints"

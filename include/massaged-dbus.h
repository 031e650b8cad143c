/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Names of the org.massaged1 D-Bus API (doc/dbus-api.md), shared by the daemon,
 * massagectl, the simulator's tests and third-party clients. doc/dbus-api.md
 * documents them; interface names keep their version suffix forever.
 */

#define MASSAGED_BUS_NAME               "org.massaged1"
#define MASSAGED_API_VERSION            2u      /* 2: Start returns the plan, CheckStart, StartAvailability,
                                                 * one error per refusal class (doc/dbus-api.md) */

#define MASSAGED_MANAGER_PATH           "/org/massaged1"
#define MASSAGED_DEVICE_PATH_PREFIX     "/org/massaged1/device"  /* + "/AA_BB_CC_DD_EE_FF" */
#define MASSAGED_MANAGER_INTERFACE      "org.massaged1.Manager"
#define MASSAGED_HISTORY_INTERFACE      "org.massaged1.History"
#define MASSAGED_DEVICE_INTERFACE       "org.massaged1.Device"

/* Errors: org.massaged1.Error.<Name>, each with a human-readable message. */
#define MASSAGED_ERROR_PREFIX           "org.massaged1.Error."
/* One name per refusal class (doc/dbus-api.md, "Refusals"); never shared. */
#define MASSAGED_ERROR_SCREENING        MASSAGED_ERROR_PREFIX "ScreeningRequired"
#define MASSAGED_ERROR_CLEARANCE        MASSAGED_ERROR_PREFIX "ClearanceRequired"
#define MASSAGED_ERROR_THERMAL_LOCKOUT  MASSAGED_ERROR_PREFIX "ThermalLockout"
#define MASSAGED_ERROR_BATTERY_LOW      MASSAGED_ERROR_PREFIX "BatteryLow"
#define MASSAGED_ERROR_SESSION_OPEN     MASSAGED_ERROR_PREFIX "SessionOpen"
#define MASSAGED_ERROR_REST_REQUIRED    MASSAGED_ERROR_PREFIX "RestRequired"
#define MASSAGED_ERROR_DAILY_SESSIONS   MASSAGED_ERROR_PREFIX "DailySessionCap"
#define MASSAGED_ERROR_DAILY_CAP        MASSAGED_ERROR_PREFIX "DailyCap"
#define MASSAGED_ERROR_WEEKLY_CAP       MASSAGED_ERROR_PREFIX "WeeklyCap"
#define MASSAGED_ERROR_HEAT_TIME        MASSAGED_ERROR_PREFIX "HeatTimeCap"
#define MASSAGED_ERROR_HEAT_BATTERY     MASSAGED_ERROR_PREFIX "HeatBatteryLow"
#define MASSAGED_ERROR_HEAT_DISABLED    MASSAGED_ERROR_PREFIX "HeatDisabled"
#define MASSAGED_ERROR_HEAT_SENSATION   MASSAGED_ERROR_PREFIX "HeatReducedSensation"
#define MASSAGED_ERROR_HEAT_GENTLE      MASSAGED_ERROR_PREFIX "HeatGentleMode"
#define MASSAGED_ERROR_HEAT_SETPOINT    MASSAGED_ERROR_PREFIX "HeatSetpoint"
#define MASSAGED_ERROR_SESSION_OVER     MASSAGED_ERROR_PREFIX "SessionOver"     /* a change after a lowered limit */
#define MASSAGED_ERROR_PAD_TOO_HOT      MASSAGED_ERROR_PREFIX "PadTooHot"       /* AcknowledgeThermal */
#define MASSAGED_ERROR_NOTHING_LOCKED   MASSAGED_ERROR_PREFIX "NothingToAcknowledge" /* AcknowledgeThermal/ResetHeat */
#define MASSAGED_ERROR_STARTS_HELD      MASSAGED_ERROR_PREFIX "StartsHeld"      /* 24 h after a ledger restore */
#define MASSAGED_ERROR_PAIRING_FAILED   MASSAGED_ERROR_PREFIX "PairingFailed"
#define MASSAGED_ERROR_NOT_CONNECTED    MASSAGED_ERROR_PREFIX "NotConnected"
#define MASSAGED_ERROR_NOT_RUNNING      MASSAGED_ERROR_PREFIX "NotRunning"
#define MASSAGED_ERROR_UNKNOWN_DEVICE   MASSAGED_ERROR_PREFIX "UnknownDevice"
#define MASSAGED_ERROR_STORAGE          MASSAGED_ERROR_PREFIX "StorageUnavailable"
#define MASSAGED_ERROR_CONFIG           MASSAGED_ERROR_PREFIX "ConfigInvalid"   /* massaged.conf unusable */
#define MASSAGED_ERROR_DEVICE_FAULT     MASSAGED_ERROR_PREFIX "DeviceFault"
#define MASSAGED_ERROR_TIMEOUT          MASSAGED_ERROR_PREFIX "Timeout"
#define MASSAGED_ERROR_BUSY             MASSAGED_ERROR_PREFIX "Busy"
#define MASSAGED_ERROR_INCOMPATIBLE     MASSAGED_ERROR_PREFIX "IncompatibleDevice"
#define MASSAGED_ERROR_BLUETOOTH        MASSAGED_ERROR_PREFIX "BluetoothUnavailable"
#define MASSAGED_ERROR_FAILED           MASSAGED_ERROR_PREFIX "Failed"

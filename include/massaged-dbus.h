/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Names of the org.massaged1 D-Bus API (doc/dbus-api.md), shared by the daemon,
 * massagectl, the simulator's tests and third-party clients. doc/dbus-api.md
 * documents them; interface names keep their version suffix forever.
 */

#define MASSAGED_BUS_NAME               "org.massaged1"
#define MASSAGED_API_VERSION            1u

#define MASSAGED_MANAGER_PATH           "/org/massaged1"
#define MASSAGED_DEVICE_PATH_PREFIX     "/org/massaged1/device"  /* + "/AA_BB_CC_DD_EE_FF" */
#define MASSAGED_MANAGER_INTERFACE      "org.massaged1.Manager"
#define MASSAGED_HISTORY_INTERFACE      "org.massaged1.History"
#define MASSAGED_DEVICE_INTERFACE       "org.massaged1.Device"

/* Errors: org.massaged1.Error.<Name>, each with a human-readable message. */
#define MASSAGED_ERROR_PREFIX           "org.massaged1.Error."
#define MASSAGED_ERROR_LIMIT_REACHED    MASSAGED_ERROR_PREFIX "LimitReached"
#define MASSAGED_ERROR_REST_REQUIRED    MASSAGED_ERROR_PREFIX "RestRequired"
#define MASSAGED_ERROR_SCREENING        MASSAGED_ERROR_PREFIX "ScreeningRequired"
#define MASSAGED_ERROR_NOT_ALLOWED      MASSAGED_ERROR_PREFIX "NotAllowed"      /* other policy refusals */
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

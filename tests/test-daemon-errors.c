/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The daemon's pure helpers, as tables: Bluetooth addresses and the object
 * paths made from them, the one errno → org.massaged1.Error mapping, device
 * result codes, and BlueZ error names → errno.
 */
#include <errno.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>

#include "address.h"
#include "bluez-call.h"
#include "bus-errors.h"
#include "massaged-dbus.h"

static void test_address_valid(void) {
        static const struct { const char *s; gboolean ok; } t[] = {
                { "AA:BB:CC:DD:EE:FF", TRUE }, { "aa:bb:cc:dd:ee:0f", TRUE }, { "00:1A:7D:DA:71:0A", TRUE },
                { "AA:BB:CC:DD:EE", FALSE }, { "AA:BB:CC:DD:EE:FF:", FALSE }, { "AA-BB-CC-DD-EE-FF", FALSE },
                { "AA:BB:CC:DD:EE:FG", FALSE }, { "AABBCCDDEEFF00000", FALSE }, { "", FALSE }, { NULL, FALSE },
        };
        for (size_t i = 0; i < G_N_ELEMENTS(t); i++)
                g_assert_cmpint(address_is_valid(t[i].s), ==, t[i].ok);
}

static void test_address_path(void) {
        char *p = address_to_object_path("aa:bb:cc:dd:ee:0f");
        g_assert_cmpstr(p, ==, "/org/massaged1/device/AA_BB_CC_DD_EE_0F");
        free(p);
}

static void test_errno_names(void) {
        static const struct { int e; const char *name; } t[] = {
                { -ENOTCONN, MASSAGED_ERROR_NOT_CONNECTED }, { -ENODEV, MASSAGED_ERROR_UNKNOWN_DEVICE },
                { -ETIMEDOUT, MASSAGED_ERROR_TIMEOUT }, { -EBUSY, MASSAGED_ERROR_BUSY },
                { -EPROTONOSUPPORT, MASSAGED_ERROR_INCOMPATIBLE }, { -EHOSTDOWN, MASSAGED_ERROR_BLUETOOTH },
                { -EREMOTEIO, MASSAGED_ERROR_DEVICE_FAULT }, { -ESRCH, MASSAGED_ERROR_NOT_RUNNING },
                { -EACCES, MASSAGED_ERROR_PAIRING_FAILED }, { -EROFS, MASSAGED_ERROR_STORAGE },
                { -EINVAL, SD_BUS_ERROR_INVALID_ARGS }, { -ENOMEM, MASSAGED_ERROR_FAILED }, { -EIO, MASSAGED_ERROR_FAILED },
        };
        for (size_t i = 0; i < G_N_ELEMENTS(t); i++) {
                sd_bus_error e = SD_BUS_ERROR_NULL;
                g_assert_cmpstr(bus_error_name_from_errno(t[i].e), ==, t[i].name);
                g_assert_cmpint(bus_error_set_errno(&e, t[i].e, "x %d", 1), ==, t[i].e);
                g_assert_cmpstr(e.name, ==, t[i].name);
                g_assert_cmpstr(e.message, ==, "x 1");
                sd_bus_error_free(&e);
        }
}

static void test_device_results(void) {
        static const struct { MassagerResult r; const char *name; } t[] = {
                { MASSAGER_RESULT_FAULT_LATCHED, MASSAGED_ERROR_DEVICE_FAULT },
                { MASSAGER_RESULT_LOW_BATTERY, MASSAGED_ERROR_BATTERY_LOW },
                { MASSAGER_RESULT_NOT_RUNNING, MASSAGED_ERROR_NOT_RUNNING },
                { MASSAGER_RESULT_OUT_OF_RANGE, SD_BUS_ERROR_INVALID_ARGS },
                { MASSAGER_RESULT_BAD_CRC, MASSAGED_ERROR_INCOMPATIBLE },
                { (MassagerResult) 0x7f, MASSAGED_ERROR_FAILED },
        };
        for (size_t i = 0; i < G_N_ELEMENTS(t); i++) {
                sd_bus_error e = SD_BUS_ERROR_NULL;
                g_assert_cmpint(bus_error_set_device_result(&e, "AA:BB:CC:DD:EE:FF", t[i].r), <, 0);
                g_assert_cmpstr(e.name, ==, t[i].name);
                g_assert_nonnull(strstr(e.message, "AA:BB:CC:DD:EE:FF"));
                sd_bus_error_free(&e);
        }
        sd_bus_error e = SD_BUS_ERROR_NULL;
        g_assert_cmpint(bus_error_set_device_result(&e, "x", MASSAGER_RESULT_OK), ==, 0);
        g_assert_false(sd_bus_error_is_set(&e));
}

static void test_bluez_errors(void) {
        static const struct { const char *name, *message; int e; } t[] = {
                { "org.bluez.Error.NotConnected", "Not Connected", -ENOTCONN },
                { "org.bluez.Error.Failed", "Not connected", -ENOTCONN },
                { "org.bluez.Error.Failed", "le-connection-abort-by-local", -EIO },
                { "org.freedesktop.DBus.Error.NoReply", "x", -ETIMEDOUT },
                { "org.freedesktop.DBus.Error.ServiceUnknown", "x", -EHOSTDOWN },
                { "org.bluez.Error.AuthenticationFailed", "x", -EACCES },
                { "org.bluez.Error.InProgress", "x", -EBUSY },
        };
        for (size_t i = 0; i < G_N_ELEMENTS(t); i++) {
                sd_bus_error e = SD_BUS_ERROR_MAKE_CONST(t[i].name, t[i].message);
                g_assert_cmpint(bluez_error_to_errno(&e), ==, t[i].e);
        }
        sd_bus_error none = SD_BUS_ERROR_NULL;
        g_assert_cmpint(bluez_error_to_errno(&none), ==, 0);
}

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/daemon/address/valid", test_address_valid);
        g_test_add_func("/daemon/address/object-path", test_address_path);
        g_test_add_func("/daemon/errors/errno", test_errno_names);
        g_test_add_func("/daemon/errors/device-results", test_device_results);
        g_test_add_func("/daemon/errors/bluez", test_bluez_errors);
        return g_test_run();
}

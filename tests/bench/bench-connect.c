/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-connect: the floor of "AddDevice ×64 → all ready" (issue 18,
 * doc/performance.md): a bare BlueZ client that connects the given devices
 * one after another, each Device1.Connect() followed by the wait for
 * ServicesResolved, with nothing else to do.
 *
 *   bench-connect --bus ADDR DEVICE_PATH…
 *
 * Prints: total_ms=… per_device_ms=… n=…
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>
#include <time.h>

#include "macro.h"

#define CALL_TIMEOUT_USEC (30ULL * 1000000ULL)

static uint64_t now_ns(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000000u + (uint64_t) ts.tv_nsec;
}

/* PropertiesChanged on one device: ServicesResolved true ends its wait. */
static int on_properties_changed(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        bool *resolved = userdata;
        const char *iface, *prop;
        int value;

        if (sd_bus_message_read(m, "s", &iface) < 0 || strcmp(iface, "org.bluez.Device1") != 0 ||
            sd_bus_message_enter_container(m, 'a', "{sv}") < 0)
                return 0;
        while (sd_bus_message_enter_container(m, 'e', "sv") > 0) {
                if (sd_bus_message_read(m, "s", &prop) < 0)
                        return 0;
                if (strcmp(prop, "ServicesResolved") == 0) {
                        if (sd_bus_message_read(m, "v", "b", &value) >= 0 && value)
                                *resolved = true;
                } else if (sd_bus_message_skip(m, "v") < 0)
                        return 0;
                if (sd_bus_message_exit_container(m) < 0)
                        return 0;
        }
        return 0;
}

static int connect_one(sd_bus *bus, const char *path) {
        _cleanup_(sd_bus_slot_unrefp) sd_bus_slot *slot = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        bool resolved = false;
        int value = 0;
        int r;

        /* The match first: the signal may come before Connect's reply. */
        r = sd_bus_match_signal(bus, &slot, "org.bluez", path, "org.freedesktop.DBus.Properties", "PropertiesChanged",
                                on_properties_changed, &resolved);
        if (r < 0)
                return r;
        r = sd_bus_call_method(bus, "org.bluez", path, "org.bluez.Device1", "Connect", &e, NULL, "");
        if (r < 0) {
                (void) fprintf(stderr, "bench-connect: Connect %s: %s\n", path, e.message ?: strerror(-r));
                return r;
        }
        r = sd_bus_get_property_trivial(bus, "org.bluez", path, "org.bluez.Device1", "ServicesResolved", &e, 'b',
                                        &value);
        if (r < 0)
                return r;
        resolved = resolved || value;
        while (!resolved) {
                r = sd_bus_process(bus, NULL);
                if (r < 0)
                        return r;
                if (r == 0 && sd_bus_wait(bus, CALL_TIMEOUT_USEC) <= 0)
                        return -ETIMEDOUT;
        }
        return 0;
}

int main(int argc, char *argv[]) {
        static const struct option options[] = {
                { "bus", required_argument, NULL, 'b' },
                {}
        };
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        const char *address = NULL;
        uint64_t t0;
        int c, r;

        while ((c = getopt_long(argc, argv, "", options, NULL)) >= 0)
                switch (c) {
                case 'b':
                        address = optarg;
                        break;
                default:
                        return 2;
                }
        if (!address || optind >= argc) {
                (void) fprintf(stderr, "usage: bench-connect --bus ADDR DEVICE_PATH…\n");
                return 2;
        }
        r = sd_bus_new(&bus);
        if (r >= 0)
                r = sd_bus_set_address(bus, address);
        if (r >= 0)
                r = sd_bus_set_bus_client(bus, 1);
        if (r >= 0)
                r = sd_bus_start(bus);
        if (r < 0) {
                (void) fprintf(stderr, "bench-connect: cannot connect to %s: %s\n", address, strerror(-r));
                return 1;
        }
        t0 = now_ns();
        for (int i = optind; i < argc; i++) {
                r = connect_one(bus, argv[i]);
                if (r < 0) {
                        (void) fprintf(stderr, "bench-connect: %s: %s\n", argv[i], strerror(-r));
                        return 1;
                }
        }
        double total_ms = (double) (now_ns() - t0) / 1e6;
        printf("total_ms=%.1f per_device_ms=%.1f n=%d\n", total_ms, total_ms / (argc - optind), argc - optind);
        return 0;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The floor `massagectl stop` is measured against (doc/performance.md): the least a C
 * program can do to stop a massager as a whole process: open the user bus,
 * call Device.Stop(), exit. Usage: oneshot-stop OBJECT_PATH
 */
#include <stdio.h>
#include <systemd/sd-bus.h>

#include "massaged-dbus.h"

int main(int argc, char *argv[]) {
        sd_bus *bus = NULL;
        int r;

        if (argc != 2) {
                (void) fprintf(stderr, "usage: oneshot-stop OBJECT_PATH\n");
                return 2;
        }
        r = sd_bus_open_user(&bus);
        if (r >= 0)
                r = sd_bus_call_method(bus, MASSAGED_BUS_NAME, argv[1], MASSAGED_DEVICE_INTERFACE, "Stop", NULL,
                                       NULL, "");
        sd_bus_flush_close_unref(bus);
        return r < 0 ? 1 : 0;
}

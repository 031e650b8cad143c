#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The peer of `massagectl stop` (issue 9, item 9): a STOP written to the
massager the way a user would without massaged, a Python + Gio script that
talks to BlueZ directly. One GATT WriteValue on the Control Point, then exit.

    peer-gio-write.py DEVICE_ADDRESS FRAME_HEX     (system bus: $DBUS_SYSTEM_BUS_ADDRESS)
"""

import sys

from gi.repository import Gio, GLib


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: peer-gio-write.py DEVICE_ADDRESS FRAME_HEX")
    char = "/org/bluez/hci0/dev_%s/service0010/char0011" % sys.argv[1].upper().replace(":", "_")
    value = bytes.fromhex(sys.argv[2])
    bus = Gio.bus_get_sync(Gio.BusType.SYSTEM, None)
    bus.call_sync("org.bluez", char, "org.bluez.GattCharacteristic1", "WriteValue",
                  GLib.Variant("(aya{sv})", (value, {"type": GLib.Variant("s", "request")})),
                  None, Gio.DBusCallFlags.NONE, 5000, None)


if __name__ == "__main__":
    main()

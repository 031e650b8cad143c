# SPDX-License-Identifier: LGPL-2.1-or-later
"""Start massager-sim on a BusEnv and talk to it (Sim1) and to its org.bluez.

    sim = Sim(env, devices=2, paired=True, args=["--thermal-tau=1"])
    sim.state(sim.addresses[0])["running"]      # the TRUE device state
    sim.call("DropLink", "(s)", address)         # fault injection (README.md)

BlueZ-side helpers (Bluez) are a minimal D-Bus client of org.bluez for
conformance tests; a daemon under test brings its own client.
"""

import os

from gi.repository import Gio, GLib

from harness import build_path, wait_until

BLUEZ = "org.bluez"
ADAPTER_PATH = "/org/bluez/hci0"
SIM_NAME = "org.massaged1.Sim"
SIM_PATH = "/org/massaged1/sim"
SIM_INTERFACE = "org.massaged1.Sim1"


def device_path(address):
    return "%s/dev_%s" % (ADAPTER_PATH, address.upper().replace(":", "_"))


def _call(bus, name, path, interface, method, signature=None, args=(), timeout_ms=5000):
    params = GLib.Variant(signature, tuple(args)) if signature else None
    reply = bus.call_sync(name, path, interface, method, params, None, Gio.DBusCallFlags.NONE, timeout_ms, None)
    result = reply.unpack() if reply is not None else ()
    return result[0] if len(result) == 1 else (result or None)


class Sim:
    """A running massager-sim. Arguments map to its command line (see --help)."""

    def __init__(self, env, devices=1, paired=False, args=(), timeout=10.0, verbose=True):
        self.env = env
        argv = [build_path("tests", "sim", "massager-sim"), "--bus", env.address, "--devices", str(devices)]
        if paired:
            argv.append("--paired")
        if verbose:
            argv.append("--verbose")
        argv += list(args)
        self.proc = env.spawn(argv, name="massager-sim")
        env.wait_for_name(SIM_NAME, timeout, proc=self.proc)
        env.wait_for_name(BLUEZ, timeout, proc=self.proc)
        self.addresses = list(self.call("ListDevices"))

    def call(self, method, signature=None, *args, timeout_ms=5000):
        """Call a Sim1 method through org.massaged1.Sim (reachable during a bluetoothd restart)."""
        return _call(self.env.bus, SIM_NAME, SIM_PATH, SIM_INTERFACE, method, signature, args, timeout_ms)

    def state(self, address):
        """GetDeviceState(address) as a plain dict."""
        return self.call("GetDeviceState", "(s)", address)

    def wait_state(self, address, predicate, timeout=5.0, what=None):
        """Wait until predicate(state) holds for the device's true state; return that state."""
        def check():
            s = self.state(address)
            return s if predicate(s) else None
        return wait_until(check, timeout, what=what or "device state of %s" % address)

    def stop(self):
        self.env.kill(self.proc)
        return self.proc.returncode


class Bluez:
    """A small org.bluez client over Gio, recording the signals it sees."""

    def __init__(self, bus):
        self.bus = bus
        self.signals = []       # (path, interface, member, args unpacked)
        self._subs = [
            bus.signal_subscribe(BLUEZ, "org.freedesktop.DBus.Properties", "PropertiesChanged", None, None,
                                 Gio.DBusSignalFlags.NONE, self._on_signal),
            bus.signal_subscribe(BLUEZ, "org.freedesktop.DBus.ObjectManager", None, "/", None,
                                 Gio.DBusSignalFlags.NONE, self._on_signal),
        ]

    def _on_signal(self, conn, sender, path, interface, member, params):
        self.signals.append((path, interface, member, params.unpack()))

    def close(self):
        for s in self._subs:
            self.bus.signal_unsubscribe(s)
        self._subs = []

    def settle(self):
        """Dispatch every signal org.bluez sent before now: a round trip to it
        (its signals arrive before its reply), then the pending GLib events."""
        self.get(ADAPTER_PATH, "org.bluez.Adapter1", "Powered")
        ctx = GLib.MainContext.default()
        while ctx.pending():
            ctx.iteration(False)

    def clear(self):
        """Forget the signals seen so far, including those still in flight."""
        self.settle()
        self.signals.clear()

    def call(self, path, interface, method, signature=None, *args, timeout_ms=5000):
        return _call(self.bus, BLUEZ, path, interface, method, signature, args, timeout_ms)

    def get(self, path, interface, prop):
        return self.call(path, "org.freedesktop.DBus.Properties", "Get", "(ss)", interface, prop)

    def set(self, path, interface, prop, variant):
        return self.call(path, "org.freedesktop.DBus.Properties", "Set", "(ssv)", interface, prop, variant)

    def objects(self):
        return self.call("/", "org.freedesktop.DBus.ObjectManager", "GetManagedObjects")

    def changed(self, path, interface, prop, value=None):
        """Signals seen: PropertiesChanged of prop on path (with value, if given)."""
        return [s for s in self.signals
                if s[0] == path and s[2] == "PropertiesChanged" and s[3][0] == interface and prop in s[3][1]
                and (value is None or s[3][1][prop] == value)]

    def added(self, path, interface=None):
        return [s for s in self.signals if s[2] == "InterfacesAdded" and s[3][0] == path
                and (interface is None or interface in s[3][1])]

    def removed(self, path, interface=None):
        return [s for s in self.signals if s[2] == "InterfacesRemoved" and s[3][0] == path
                and (interface is None or interface in s[3][1])]

    def char_path(self, address, uuid):
        """The object path of the characteristic with this UUID on the device, or None."""
        prefix = device_path(address) + "/"
        for path, ifaces in self.objects().items():
            chrc = ifaces.get("org.bluez.GattCharacteristic1")
            if path.startswith(prefix) and chrc and chrc["UUID"] == uuid:
                return path
        return None

    def connect(self, address, timeout=10.0):
        """Device1.Connect, then wait for ServicesResolved (checked with Get, like a careful client)."""
        path = device_path(address)
        self.call(path, "org.bluez.Device1", "Connect", timeout_ms=int(timeout * 1000))
        wait_until(lambda: self.get(path, "org.bluez.Device1", "ServicesResolved"), timeout,
                   what="ServicesResolved on %s" % path)

    def write(self, path, value, options=None):
        opts = options if options is not None else {}
        return self.call(path, "org.bluez.GattCharacteristic1", "WriteValue", "(aya{sv})", bytes(value), opts)

    def read(self, path, options=None):
        return bytes(self.call(path, "org.bluez.GattCharacteristic1", "ReadValue", "(a{sv})", options or {}))

    def notifications(self, path):
        """Every Value received on path so far, as bytes, in order."""
        return [bytes(s[3][1]["Value"]) for s in self.signals
                if s[0] == path and s[2] == "PropertiesChanged" and "Value" in s[3][1]]


def dbus_error_name(exc):
    """The D-Bus error name of a GLib.Error from a call (e.g. 'org.bluez.Error.Failed')."""
    return Gio.DBusError.get_remote_error(exc)


def dbus_error_message(exc):
    """The message of a D-Bus error without GDBus's "GDBus.Error:name: " prefix."""
    msg = exc.message
    if msg.startswith("GDBus.Error:") and ": " in msg:
        msg = msg.split(": ", 1)[1]
    return msg

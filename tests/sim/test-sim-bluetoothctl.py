# SPDX-License-Identifier: LGPL-2.1-or-later
"""A real third-party BlueZ client against massager-sim: Debian's bluetoothctl.

bluetoothctl runs on a pty (it is an interactive readline program) with
DBUS_SYSTEM_BUS_ADDRESS pointing at the sim's private bus. It lists the
controller, finds the massager with `scan on`, connects, and in its gatt
menu lists and reads the characteristics. Every step waits for its expected
output with a deadline.
"""

import os
import pty
import re
import select
import shutil
import sys
import time

sys.path.insert(0, os.path.join(os.environ.get("top_srcdir", "."), "tests", "lib"))

import protocol as P  # noqa: E402
from harness import SLOWDOWN, BusEnv, Tap, log  # noqa: E402
from sim import Sim  # noqa: E402

ANSI = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]|\x01|\x02")


class Pty:
    """An interactive program on a pseudo-terminal, read with deadlines."""

    def __init__(self, argv, env):
        self.pid, self.fd = pty.fork()
        if self.pid == 0:       # child
            try:
                os.execvpe(argv[0], argv, env)
            finally:
                os._exit(127)
        self.out = ""
        self.mark = 0           # expect() looks at output after this offset

    def _read(self, timeout):
        ready, _, _ = select.select([self.fd], [], [], max(0.0, timeout))
        if not ready:
            return False
        try:
            data = os.read(self.fd, 65536)
        except OSError:         # EIO: the child closed the terminal
            return False
        self.out += ANSI.sub(b"", data).decode(errors="replace")
        return bool(data)

    def send(self, line):
        self.mark = len(self.out)
        os.write(self.fd, (line + "\n").encode())

    def expect(self, pattern, timeout=5.0):
        """Wait until the output since the last send() matches; return the match."""
        timeout *= SLOWDOWN
        deadline = time.monotonic() + timeout
        regex = re.compile(pattern)
        while True:
            m = regex.search(self.out, self.mark)
            if m:
                return m
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("bluetoothctl did not print /%s/ within %.1f s; it printed:\n%s"
                                     % (pattern, timeout, self.out[self.mark:][-3000:]))
            self._read(left)

    def wait_exit(self, timeout=5.0):
        deadline = time.monotonic() + timeout * SLOWDOWN
        while time.monotonic() < deadline:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.pid = None
                return os.waitstatus_to_exitcode(status)
            self._read(0.05)
        raise AssertionError("bluetoothctl did not quit within %.1f s" % timeout)

    def close(self):
        if self.pid:
            try:
                os.kill(self.pid, 9)
                os.waitpid(self.pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
            self.pid = None
        os.close(self.fd)


tap = Tap()
btctl = shutil.which("bluetoothctl")
if not btctl:
    tap.skip("bluetoothctl against the sim", "bluetoothctl not installed (Debian package bluez)")
    tap.exit()

with BusEnv() as env:
    sim = Sim(env, devices=1, args=["--adapter-address=00:1A:7D:DA:71:0A"])
    addr = sim.addresses[0]
    ui = Pty([btctl], env.environ())
    try:
        def t_controller():
            ui.expect(r"Agent registered")
            ui.send("list")
            ui.expect(r"Controller 00:1A:7D:DA:71:0A massager-sim \[default\]")
            ui.send("show")
            m = ui.expect(r"(?s)Controller 00:1A:7D:DA:71:0A.*Powered: yes.*Discovering: no")
            for needle in ("Name: massager-sim", "Alias: massager-sim", "Pairable: yes", "Modalias: usb:v1D6B"):
                assert needle in ui.out[m.start():], needle + " missing from `show`"
        tap.run("bluetoothctl lists and shows the controller", t_controller, env=env)

        def t_scan():
            ui.send("scan on")
            ui.expect(r"Discovery started")
            ui.expect(r"\[NEW\] Device %s Massager" % addr)
            ui.send("scan off")
            ui.expect(r"Discovering: no")
            assert sim.call("GetAdapterState")["discovering"] is False
        tap.run("`scan on` finds the massager", t_scan, env=env)

        def t_connect():
            ui.send("connect " + addr)
            ui.expect(r"Connection successful")
            ui.expect(r"ServicesResolved: yes")
            assert sim.state(addr)["connected"] is True
            ui.send("info " + addr)
            m = ui.expect(r"(?s)Device %s.*Connected: yes.*UUID: .*\(%s\)" % (addr, P.SERVICE_UUID))
            assert "Paired: no" in m.group(0), m.group(0)
        tap.run("bluetoothctl connects and resolves services", t_connect, env=env)

        def t_gatt_list():
            ui.send("menu gatt")
            ui.expect(r"Menu gatt")
            ui.send("list-attributes " + addr)
            ui.expect(r"Battery Level")
            listing = ui.out[ui.mark:]
            for uuid in (P.SERVICE_UUID, P.CONTROL_POINT_UUID, P.STATUS_UUID, P.DEVICE_INFO_UUID,
                         P.BATTERY_SERVICE_UUID, P.BATTERY_LEVEL_UUID):
                assert uuid in listing, uuid + " not listed"
        tap.run("gatt list-attributes shows both services and all characteristics", t_gatt_list, env=env)

        def read_attribute(uuid, first_bytes):
            ui.send("select-attribute " + uuid)
            ui.expect(r"\[Massager:/service00[0-9a-f]{2}/char00[0-9a-f]{2}\]")
            ui.send("read")
            return ui.expect(r"Attempting to read.*\n(?:.*\n)*?.*\s%s\s" % first_bytes)

        def t_read_info():
            read_attribute(P.DEVICE_INFO_UUID, "01 41 00")
            ui.expect(r"6d 61 73 73 61 67 65 72")      # "massager", the model name
        tap.run("gatt read of Device Info returns a DEVICE_INFO frame", t_read_info, env=env)

        def t_read_status():
            read_attribute(P.STATUS_UUID, "01 40")
        tap.run("gatt read of Status returns a STATUS frame", t_read_status, env=env)

        def t_read_battery():
            read_attribute(P.BATTERY_LEVEL_UUID, "5a")       # 90 %
        tap.run("gatt read of Battery Level returns the charge", t_read_battery, env=env)

        def t_quit():
            ui.send("back")
            ui.send("disconnect " + addr)
            ui.expect(r"Successful disconnected|Connected: no")
            assert sim.state(addr)["connected"] is False
            ui.send("quit")
            assert ui.wait_exit() == 0
        tap.run("bluetoothctl disconnects and quits", t_quit, env=env)
    finally:
        if ui.pid:
            log("bluetoothctl output:\n" + ui.out[-4000:])
        ui.close()

tap.check_sanitizers(env)
tap.exit()

#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""massaged integration: BlueZ's awkward behaviours — a device object BlueZ
drops (found again by scanning), Connected set without a signal (bluez-vm
obstacle 10), and the adapter powered off under a connected device."""

import os
import sys
import time

sys.path.insert(0, os.path.join(os.environ.get("top_srcdir", "."), "tests", "lib"))
from massaged_env import Scenarios, wait_for, wait_until  # noqa: E402
from sim import Bluez  # noqa: E402
from gi.repository import GLib  # noqa: E402

S = Scenarios()


def test_rediscovery():
    with S.env() as env:
        a = env.addr[0]
        env.add_and_connect(a)
        # The massager leaves: BlueZ drops its object. It comes back unpaired and only
        # a scan can see it; the daemon must scan (filtered), find it, pair and connect.
        env.sim.call("RemoveDevice", "(s)", a)
        wait_for(lambda: env.prop(a, "ConnectionState") != "ready", 5, what="link gone")
        env.sim.call("AddDevice", "(ssb)", a, "Massager", False)
        wait_for(lambda: env.prop(a, "ConnectionState") == "ready", 30, what="found again and ready")
        st = env.state(a)
        assert st["connected"] and st["paired"] and st["notifying"], st


def test_connected_race():
    with S.env(sim_args=["--connected-race"]) as env:
        a = env.addr[0]
        env.add_and_connect(a)
        env.device(a, "Disconnect")
        wait_until(lambda: not env.state(a)["connected"], 5, what="disconnected")
        # Connected turns true with no PropertiesChanged; the daemon must read it.
        env.device(a, "Connect")
        assert env.prop(a, "ConnectionState") == "ready"
        assert env.state(a)["notifying"]


def test_adapter_power_cycle():
    with S.env() as env:
        a = env.addr[0]
        env.add_and_connect(a)
        bluez = Bluez(env.system.bus)
        bluez.set("/org/bluez/hci0", "org.bluez.Adapter1", "Powered", GLib.Variant("b", False))
        wait_for(lambda: env.prop(a, "ConnectionState") != "ready", 5, what="link dropped with the adapter")
        env.stays(lambda: not env.state(a)["connected"], 1, "no connection while powered off")
        bluez.set("/org/bluez/hci0", "org.bluez.Adapter1", "Powered", GLib.Variant("b", True))
        wait_for(lambda: env.prop(a, "ConnectionState") == "ready", 70, what="ready after power on")
        bluez.close()


def test_backoff():
    with S.env() as env:
        a = env.addr[0]
        env.add_and_connect(a)

        def attempts():
            return [int(l.split(" in ")[1].split()[0]) for l in env.user.logs().splitlines()
                    if "next connection attempt in" in l]
        # Out of range: every attempt fails; the waits double from 4 s.
        env.sim.call("SetInRange", "(sb)", a, False)
        seen = {}
        for n in (1, 2, 3):
            wait_until(lambda: len(attempts()) >= n, 25, what="attempt %d" % n)
            seen[n] = time.monotonic()
        assert attempts()[:3] == [4, 8, 16], attempts()
        assert seen[2] - seen[1] >= 3.5 and seen[3] - seen[2] >= 7.5, seen
        # Back in range: the pending 16 s wait ends in a connection; success resets the backoff.
        env.sim.call("SetInRange", "(sb)", a, True)
        wait_for(lambda: env.prop(a, "ConnectionState") == "ready", 25, what="ready again")
        env.sim.call("DropLink", "(s)", a)
        wait_until(lambda: len(attempts()) >= 4, 10, what="the next attempt after a success")
        assert attempts()[3] == 4, attempts()


def test_one_connect_per_adapter():
    with S.env(devices=3) as env:
        for a in env.addr:
            env.add_and_connect(a)
        # Restart: the three known devices are connected again, one Connect at a time.
        env.kill_daemon()
        for a in env.addr:
            env.sim.call("DropLink", "(s)", a)
        wait_until(lambda: not any(env.state(a)["connected"] for a in env.addr), 5, what="all links down")
        env.start_daemon()
        for a in env.addr:
            wait_for(lambda: env.prop(a, "ConnectionState") == "ready", 20, what="%s ready" % a)
        log = env.user.logs().split("--- massaged-1.log ---")[-1]
        assert log.count("to finish connecting") >= 2, "no device waited for the adapter's Connect slot"


S.run("three known devices at start-up: connected one Connect at a time per adapter", test_one_connect_per_adapter)
S.run("reconnect backoff: 4 s, 8 s, 16 s while failing, back to 4 s after a success", test_backoff)
S.run("a device BlueZ dropped is found again by scanning, paired and connected", test_rediscovery)
S.run("Connected set without a signal (BlueZ race): Connect still reaches ready", test_connected_race)
S.run("adapter powered off and on: the device comes back", test_adapter_power_cycle)
S.exit()

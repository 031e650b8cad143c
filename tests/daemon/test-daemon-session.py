#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""massaged integration: connect, start with soft start, heat, stop, pause,
argument validation, tie_to_caller and StopAll, against massager-sim's true
device state."""

import os
import sys
import time

sys.path.insert(0, os.path.join(os.environ.get("top_srcdir", os.path.join(os.path.dirname(__file__), "..", "..")), "tests", "lib"))
from massaged_env import (MassagedEnv, SignalRecorder, Tap, wait_until, dbus_error_name, device_path,  # noqa: E402
                          DEVICE, BUS)
from gi.repository import GLib, Gio  # noqa: E402

A = "AA:BB:CC:DD:EE:01"
holder = {}


def expect_error(fn, name, contains=None):
    try:
        fn()
    except GLib.Error as e:
        got = dbus_error_name(e)
        assert got == name, "expected %s, got %s: %s" % (name, got, e.message)
        if contains:
            assert contains in e.message, "message %r lacks %r" % (e.message, contains)
        return e.message
    raise AssertionError("expected %s, the call succeeded" % name)


def fresh(**kw):
    env = MassagedEnv(**kw)
    holder["env"] = env
    return env


def test_connect_ready():
    with fresh() as env:
        assert env.manager("AddDevice", "s", A.lower()) == device_path(A)
        wait_until(lambda: env.prop(A, "ConnectionState") == "ready", 15, what="ready")
        st = env.sim_state(A)
        assert st["connected"] and st["notifying"], st
        assert env.prop(A, "Address") == A
        assert env.prop(A, "IntensityMax") == 10
        assert env.prop(A, "State") == "idle"
        assert not st["running"]


def test_soft_start_heat_and_stop():
    with fresh() as env:
        env.screen_ok()
        env.add_and_connect(A)
        env.start(A, intensity=6, heat=1, duration=600)
        st = env.sim_state(A)
        # The device really runs, at the lowest level (soft start), heater on.
        assert st["running"], st
        assert st["intensity"] == 1, "soft start must begin at the lowest level, device at %d" % st["intensity"]
        wait_until(lambda: env.sim_state(A)["heater_on"], 5, what="heater on")
        assert env.prop(A, "State") == "running"
        assert env.prop(A, "SessionId") > 0
        # …and stays at the lowest level for the first seconds (the hold is 60 s).
        t_end = time.monotonic() + 4
        temps = []
        while time.monotonic() < t_end:
            st = env.sim_state(A)
            assert st["running"] and st["intensity"] == 1, st
            temps.append(st["temperature"])
            time.sleep(0.25)
        assert temps[-1] > temps[0], "pad does not warm up: %r" % temps[:3]
        # Stop: the reply comes after the device confirmed; measure to motors off.
        rec = SignalRecorder(env.api, DEVICE, "SessionEnded")
        t0 = time.monotonic()
        env.device(A, "Stop")
        t1 = time.monotonic()
        wait_until(lambda: not env.sim_state(A)["running"], 2, interval=0.001, what="motors off")
        t2 = time.monotonic()
        st = env.sim_state(A)
        assert not st["heater_on"] and st["intensity"] == 0 or not st["running"], st
        print("# Stop() round trip %.1f ms; Stop() returned → sim motors off %.1f ms" %
              ((t1 - t0) * 1000, (t2 - t1) * 1000))
        wait_until(lambda: rec.pump(), 5, what="SessionEnded")
        path, (sid, reason, seconds) = rec.items[0]
        assert reason == "user" and path == device_path(A), rec.items
        rows = env.sessions()
        assert len(rows) == 1 and rows[0]["id"] == sid and not rows[0]["open"], rows
        assert rows[0]["end_reason"] == "user", rows[0]
        assert env.prop(A, "State") == "idle"


def test_validation():
    with fresh() as env:
        env.screen_ok()
        env.add_and_connect(A)
        expect_error(lambda: env.start(A, bogus="x"), "org.freedesktop.DBus.Error.InvalidArgs", "bogus")
        expect_error(lambda: env.start(A, intensity=11), "org.freedesktop.DBus.Error.InvalidArgs", "1–10")
        expect_error(lambda: env.start(A, heat=9), "org.freedesktop.DBus.Error.InvalidArgs", "heat")
        expect_error(lambda: env.start(A, duration=5), "org.freedesktop.DBus.Error.InvalidArgs", "duration")
        expect_error(lambda: env.start(A, program="nope"), "org.freedesktop.DBus.Error.InvalidArgs", "nope")
        expect_error(lambda: env.device(A, "Start", "a{sv}", {"intensity": GLib.Variant("u", 3)}),
                     "org.freedesktop.DBus.Error.InvalidArgs", "type")
        expect_error(lambda: env.device(A, "SetIntensity", "y", 3), "org.massaged1.Error.NotRunning")
        expect_error(lambda: env.manager("AddDevice", "s", "not-an-address"),
                     "org.freedesktop.DBus.Error.InvalidArgs", "AA:BB:CC:DD:EE:FF")
        expect_error(lambda: env.manager("AddDevice", "s", "11:22:33:44:55:66"),
                     "org.massaged1.Error.UnknownDevice")
        expect_error(lambda: env.manager("SubmitScreening", "a{sv}", {"pacemaker": GLib.Variant("b", False)}),
                     "org.freedesktop.DBus.Error.InvalidArgs", "cannot be skipped")
        expect_error(lambda: env.manager("SetLimits", "a{sv}", {"session_minutes": GLib.Variant("u", 500)}),
                     "org.freedesktop.DBus.Error.InvalidArgs", "session_minutes")
        # Nothing started on the device by any of these.
        assert not env.sim_state(A)["running"]
        assert env.sessions() == []


def test_screening_required():
    with fresh() as env:
        env.add_and_connect(A)
        expect_error(lambda: env.start(A), "org.massaged1.Error.ScreeningRequired")
        assert not env.sim_state(A)["running"]


def test_pause_resume():
    with fresh() as env:
        env.screen_ok()
        env.add_and_connect(A)
        env.start(A, intensity=3)
        assert env.sim_state(A)["running"]
        env.device(A, "Pause")
        st = env.sim_state(A)
        assert not st["running"], st
        assert env.prop(A, "State") == "paused"
        env.device(A, "Resume")
        st = env.sim_state(A)
        assert st["running"] and st["intensity"] == 1, st   # soft start again
        env.device(A, "Stop")
        assert not env.sim_state(A)["running"]


def test_tie_to_caller():
    with fresh() as env:
        env.screen_ok()
        env.add_and_connect(A)
        client = env.user.connect()
        env.call(device_path(A), DEVICE, "Start", "a{sv}",
                 ({"tie_to_caller": GLib.Variant("b", True)},), conn=client)
        assert env.sim_state(A)["running"]
        client.close_sync(None)
        wait_until(lambda: not env.sim_state(A)["running"], 5, what="stop when the caller left")
        wait_until(lambda: env.sessions() and env.sessions()[0]["end_reason"] == "caller_left", 5,
                   what="row closed caller_left")


def test_stop_all():
    with fresh() as env:
        env.screen_ok()
        env.add_and_connect(A)
        env.start(A)
        assert env.sim_state(A)["running"]
        env.manager("StopAll")
        wait_until(lambda: not env.sim_state(A)["running"], 3, what="StopAll stops the device")
        wait_until(lambda: env.sessions()[0]["end_reason"] == "stop_all", 3, what="row closed stop_all")


TESTS = [
    ("AddDevice connects: ready with notifications on", test_connect_ready),
    ("Start: soft start level, heat on, Stop: motors and heater off, row closed", test_soft_start_heat_and_stop),
    ("bad arguments are InvalidArgs naming the argument; nothing starts", test_validation),
    ("no screening: ScreeningRequired, device untouched", test_screening_required),
    ("Pause stops the device, Resume restarts at the soft-start level", test_pause_resume),
    ("tie_to_caller: the session stops when the caller leaves", test_tie_to_caller),
    ("StopAll stops the device and closes the row", test_stop_all),
]

if __name__ == "__main__":
    tap = Tap(len(TESTS))
    for name, fn in TESTS:
        tap.run(name, fn, holder)
    sys.exit(tap.done())

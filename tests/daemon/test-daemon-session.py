#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""massaged integration: connect, start with soft start, heat, stop, pause,
argument validation, tie_to_caller and StopAll, checked on massager-sim's
true device state."""

import os
import sys
import time

sys.path.insert(0, os.path.join(os.environ.get("top_srcdir", "."), "tests", "lib"))
from massaged_env import DEVICE, Scenarios, Signals, device_path, log, wait_for, wait_until  # noqa: E402
from gi.repository import Gio, GLib  # noqa: E402

INVALID = "org.freedesktop.DBus.Error.InvalidArgs"
S = Scenarios()


def test_connect_ready():
    with S.env() as env:
        a = env.addr[0]
        assert env.manager("AddDevice", "s", a.lower()) == device_path(a)
        wait_for(lambda: env.prop(a, "ConnectionState") == "ready", 15, what="ready")
        st = env.state(a)
        assert st["connected"] and st["notifying"] and st["paired"], st
        assert not st["running"], st
        assert env.prop(a, "Address") == a
        assert env.prop(a, "IntensityMax") == 10 and env.prop(a, "HeatLevels") == 3
        assert env.prop(a, "State") == "idle"
        assert env.prop(a, "Battery") == st["battery"]


def test_soft_start_heat_and_stop():
    with S.env() as env:
        a = env.addr[0]
        env.screen_ok()
        env.add_and_connect(a)
        ended = Signals(env.api, DEVICE, "SessionEnded")
        env.start(a, intensity=6, heat=1, duration=600)
        st = env.state(a)
        # The device really runs, at the lowest level (soft start).
        assert st["running"], st
        assert st["intensity"] == 1, "soft start must begin at the lowest level, device at %d" % st["intensity"]
        assert env.prop(a, "State") == "running" and env.prop(a, "SessionId") > 0
        # Heat follows the plan: heater on, the pad warms up.
        t0 = env.state(a)["temperature"]
        wait_until(lambda: env.state(a)["heater_on"], 5, what="heater on")
        wait_until(lambda: env.state(a)["temperature"] > t0 + 0.2, 10, what="pad warming up")
        # Still at the lowest level, for the whole observed time (the hold is 60 s).
        env.stays(lambda: env.state(a)["running"] and env.state(a)["intensity"] == 1, 3, "intensity 1")
        # Stop: the reply comes after the device confirmed; measure to motors off.
        t0 = time.monotonic()
        env.device(a, "Stop")
        t1 = time.monotonic()
        wait_until(lambda: not env.state(a)["running"], 2, interval=0.001, what="motors off")
        t2 = time.monotonic()
        st = env.state(a)
        assert not st["heater_on"], st
        log("Stop() round trip %.1f ms; from Stop() returning to the simulator reporting motors off: %.1f ms"
            % ((t1 - t0) * 1000, (t2 - t1) * 1000))
        wait_until(lambda: ended.items, 5, what="SessionEnded")
        path, (sid, reason, seconds) = ended.items[0]
        assert reason == "user" and path == device_path(a), ended.items
        rows = env.sessions()
        assert len(rows) == 1 and rows[0]["id"] == sid and not rows[0]["open"], rows
        assert rows[0]["end_reason"] == "user" and rows[0]["seconds"] == seconds, rows[0]
        assert env.prop(a, "State") == "idle" and env.prop(a, "SessionId") == 0


def test_validation():
    with S.env() as env:
        a = env.addr[0]
        env.screen_ok()
        env.add_and_connect(a)
        env.expect_error(lambda: env.start(a, bogus="x"), INVALID, "bogus")
        env.expect_error(lambda: env.start(a, intensity=11), INVALID, "1–10")
        env.expect_error(lambda: env.start(a, heat=9), INVALID, "heat")
        env.expect_error(lambda: env.start(a, duration=5), INVALID, "duration")
        env.expect_error(lambda: env.start(a, program="nope"), INVALID, "nope")
        env.expect_error(lambda: env.device(a, "Start", "a{sv}", {"intensity": GLib.Variant("u", 3)}),
                         INVALID, "type")
        env.expect_error(lambda: env.device(a, "SetIntensity", "y", 3), "org.massaged1.Error.NotRunning")
        env.expect_error(lambda: env.device(a, "SetIntensity", "y", 0), INVALID, "1–10")
        env.expect_error(lambda: env.manager("AddDevice", "s", "not-an-address"), INVALID, "AA:BB:CC:DD:EE:FF")
        env.expect_error(lambda: env.manager("AddDevice", "s", "11:22:33:44:55:66"),
                         "org.massaged1.Error.UnknownDevice")
        env.expect_error(lambda: env.manager("ForgetDevice", "o", "/org/massaged1/device/11_22_33_44_55_66"),
                         "org.massaged1.Error.UnknownDevice")
        env.expect_error(lambda: env.manager("SubmitScreening", "a{sv}", {"pacemaker": GLib.Variant("b", False)}),
                         INVALID, "cannot be skipped")
        env.expect_error(lambda: env.manager("SetLimits", "a{sv}", {"session_minutes": GLib.Variant("u", 500)}),
                         INVALID, "session_minutes")
        env.expect_error(lambda: env.manager("SetLimits", "a{sv}", {"nonsense": GLib.Variant("u", 5)}),
                         INVALID, "nonsense")
        # Nothing reached the device, nothing was recorded.
        assert not env.state(a)["running"] and env.state(a)["writes"] == 0, env.state(a)
        assert env.sessions() == []


def test_screening_required():
    with S.env() as env:
        a = env.addr[0]
        env.add_and_connect(a)
        env.expect_error(lambda: env.start(a), "org.massaged1.Error.ScreeningRequired")
        assert not env.state(a)["running"]
        assert env.sessions() == []


def test_pause_resume():
    with S.env() as env:
        a = env.addr[0]
        env.screen_ok()
        env.add_and_connect(a)
        env.start(a, intensity=3)
        assert env.state(a)["running"]
        env.device(a, "Pause")
        assert not env.state(a)["running"], env.state(a)
        assert env.prop(a, "State") == "paused"
        env.device(a, "Resume")
        st = env.state(a)
        assert st["running"] and st["intensity"] == 1, st   # the soft start again
        env.device(a, "Stop")
        assert not env.state(a)["running"]


def test_tie_to_caller():
    with S.env() as env:
        a = env.addr[0]
        env.screen_ok()
        env.add_and_connect(a)
        client = Gio.DBusConnection.new_for_address_sync(
            env.user.address,
            Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT | Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION,
            None, None)
        env.start(a, conn=client, tie_to_caller=True)
        assert env.state(a)["running"]
        client.close_sync(None)
        wait_until(lambda: not env.state(a)["running"], 5, what="stop when the caller left")
        wait_until(lambda: env.sessions()[0]["end_reason"] == "caller_left", 5, what="row closed caller_left")


def test_stop_all():
    with S.env() as env:
        a = env.addr[0]
        env.screen_ok()
        env.add_and_connect(a)
        env.start(a)
        assert env.state(a)["running"]
        env.manager("StopAll")
        wait_until(lambda: not env.state(a)["running"], 3, what="StopAll stops the device")
        wait_until(lambda: env.sessions()[0]["end_reason"] == "stop_all", 3, what="row closed stop_all")


def test_set_heat_and_symptom_stop():
    with S.env() as env:
        a = env.addr[0]
        env.screen_ok()
        env.add_and_connect(a)
        env.start(a, heat=1, duration=600)
        wait_until(lambda: env.state(a)["heater_on"], 5, what="heater on")
        # Lowering is instant: the reply comes once the device has switched the heater off.
        env.device(a, "SetHeat", "y", 0)
        st = env.state(a)
        assert not st["heater_on"] and st["heat_level"] == 0 and st["running"], st
        env.device(a, "StopWithReason", "s", "numbness")
        assert not env.state(a)["running"]
        row = env.sessions()[0]
        assert row["end_reason"] == "numbness" and not row["open"], row
        kinds = [e["kind"] for e in env.history("GetEvents", "xx", 0, 2 ** 62)]
        assert "stop_reason" in kinds, kinds
        # The symptom diary of that session.
        env.history("SetNote", "ta{sv}", row["id"], {"pain_before": GLib.Variant("i", 6),
                                                     "pain_after": GLib.Variant("i", 3),
                                                     "note": GLib.Variant("s", "tingling in the left arm")})
        row = env.sessions()[0]
        assert (row["pain_before"], row["pain_after"], row["note"]) == (6, 3, "tingling in the left arm"), row
        env.expect_error(lambda: env.history("SetNote", "ta{sv}", row["id"], {"pain_before": GLib.Variant("i", 11)}),
                         INVALID, "0–10")
        usage = env.manager("GetUsageToday")
        assert usage["sessions"] == 1, usage


def test_unknown_stop_reason_still_stops():
    with S.env() as env:
        a = env.addr[0]
        env.screen_ok()
        env.add_and_connect(a)
        env.start(a, duration=600)
        env.device(a, "StopWithReason", "s", "just because")
        assert not env.state(a)["running"]
        assert env.sessions()[0]["end_reason"] == "user"


def test_symptom_advice_signal():
    with S.env() as env:
        a = env.addr[0]
        env.screen_ok()
        env.add_and_connect(a)
        advice = Signals(env.api, "org.massaged1.Manager", "Advice")
        env.start(a, intensity=3, duration=600)
        env.device(a, "StopWithReason", "s", "dizziness")
        wait_until(lambda: not env.state(a)["running"], 5, what="motors off")
        wait_until(lambda: advice.items, 5, what="Manager.Advice after the symptom stop")
        sentence = advice.items[0][1][0]
        assert "24 hours" in sentence and "lowest third" in sentence, sentence
        # A second symptom within 7 days (reported after the session): see a clinician.
        env.device(a, "StopWithReason", "s", "numbness")
        wait_until(lambda: len(advice.items) == 2, 5, what="a second Advice")
        assert "clinician" in advice.items[1][1][0] and "2 sessions" in advice.items[1][1][0], advice.items
        assert not env.state(a)["running"]


S.run("AddDevice connects: ready with notifications on", test_connect_ready)
S.run("Start: soft start at the lowest level, heat follows the plan; Stop: motors and heater off, row closed",
      test_soft_start_heat_and_stop)
S.run("bad arguments are InvalidArgs naming the argument; nothing reaches the device", test_validation)
S.run("no screening: ScreeningRequired, device untouched", test_screening_required)
S.run("Pause stops the device, Resume restarts at the soft-start level", test_pause_resume)
S.run("tie_to_caller: the session stops when the caller leaves the bus", test_tie_to_caller)
S.run("StopAll stops the device and closes the row", test_stop_all)
S.run("SetHeat(0) switches the heater off at once; StopWithReason records the symptom; diary note",
      test_set_heat_and_symptom_stop)
S.run("StopWithReason with an unknown reason still stops (recorded as user)", test_unknown_stop_reason_still_stops)
S.run("a symptom stop is followed by Manager.Advice: the 24 h cap, then see a clinician", test_symptom_advice_signal)
S.exit()

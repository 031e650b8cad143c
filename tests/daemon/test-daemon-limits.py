#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""massaged integration: the safety policy and the ledger behind the API.
Histories are seeded through the ledger's own API (ledger-seed), never by a
switch in the daemon; refusals must leave the device untouched."""

import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.environ.get("top_srcdir", "."), "tests", "lib"))
from massaged_env import DEVICE, Scenarios, Signals, build_path, wait_for, wait_until  # noqa: E402
from gi.repository import GLib  # noqa: E402

S = Scenarios()


def afternoon_tz():
    """A fixed-offset TZ in which it is now about 14:00, so seeded sessions from
    the last hours fall on "today" whenever the test runs."""
    t = time.gmtime()
    minutes_utc = t.tm_hour * 60 + t.tm_min
    offset = 14 * 60 - minutes_utc              # local = UTC + offset
    if offset > 12 * 60:
        offset -= 24 * 60
    if offset < -12 * 60:
        offset += 24 * 60
    # POSIX TZ counts west of Greenwich as positive: "XXX-02:30" is UTC+2:30.
    sign = "-" if offset >= 0 else "+"
    return "XXX%s%02d:%02d" % (sign, abs(offset) // 60, abs(offset) % 60)


def seed(env, *sessions):
    os.makedirs(os.path.dirname(env.db), exist_ok=True)
    subprocess.run([build_path("tests", "daemon", "ledger-seed"), env.db] + list(sessions), check=True,
                   env=env.environ)


def untouched(env, a):
    st = env.state(a)
    assert not st["running"] and st["writes"] == 0, "a refused start reached the device: %r" % st


def test_rest_required():
    with S.env(daemon=False) as env:
        a = env.addr[0]
        seed(env, "25:15")                      # ended 10 min ago
        env.start_daemon()
        env.screen_ok()
        env.add_and_connect(a)
        msg = env.expect_error(lambda: env.start(a), "org.massaged1.Error.RestRequired")
        assert "min" in msg, msg
        untouched(env, a)
        kinds = [e["kind"] for e in env.history("GetEvents", "xx", 0, 2 ** 62)]
        assert "refusal" in kinds, kinds


def test_daily_sessions_limit():
    tz = afternoon_tz()
    with S.env(daemon=False, tz=tz) as env:
        a = env.addr[0]
        # Three sessions today, the last ended 105 min ago (past any rest).
        seed(env, "240:15", "180:15", "120:15")
        env.start_daemon()
        env.screen_ok()
        env.add_and_connect(a)
        usage = env.manager("GetUsageToday")
        assert usage["sessions"] == 3 and usage["seconds"] == 45 * 60, (tz, usage)
        env.expect_error(lambda: env.start(a), "org.massaged1.Error.DailySessionCap")
        untouched(env, a)


def test_storage_unavailable():
    with S.env(daemon=False) as env:
        a = env.addr[0]
        blocker = os.path.join(env.tmp, "not-a-directory")
        with open(blocker, "w") as f:
            f.write("x")
        env.db = os.path.join(blocker, "usage.db")  # its parent is a file: the ledger cannot open
        env.start_daemon()
        assert env.get("/org/massaged1", "org.massaged1.Manager", "StorageError"), "no StorageError"
        env.expect_error(lambda: env.manager("AddDevice", "s", a), "org.massaged1.Error.StorageUnavailable",
                         "not-a-directory")
        # Stop works, whatever else is broken.
        env.manager("StopAll")
        untouched(env, a)


def test_lowered_limit_mid_session():
    with S.env() as env:
        a = env.addr[0]
        env.screen_ok()
        env.add_and_connect(a)
        env.start(a, duration=900)
        assert env.prop(a, "Remaining") > 600
        env.manager("SetLimits", "a{sv}", {"session_minutes": GLib.Variant("u", 5)})
        wait_for(lambda: env.prop(a, "Remaining") <= 300, 3, what="Remaining cut to the new limit")
        assert env.state(a)["running"]
        assert env.manager("GetLimits")["session_minutes"] == 5
        events = [e for e in env.history("GetEvents", "xx", 0, 2 ** 62) if e["kind"] == "limit_change"]
        assert events and "session_minutes" in events[0]["detail"], events
        env.device(a, "Stop")


def test_thermal_cutoff():
    with S.env() as env:
        a = env.addr[0]
        env.screen_ok()
        env.add_and_connect(a)
        ended = Signals(env.api, DEVICE, "SessionEnded")
        env.start(a, heat=1, duration=600)
        wait_until(lambda: env.state(a)["heater_on"], 5, what="heating")
        env.sim.call("ForceOverheat", "(s)", a)
        wait_until(lambda: not env.state(a)["running"] and not env.state(a)["heater_on"], 10,
                   what="heater and motors off")
        wait_until(lambda: ended.items, 5, what="SessionEnded")
        assert ended.items[0][1][1] == "thermal_cutoff", ended.items
        kinds = [e["kind"] for e in env.history("GetEvents", "xx", 0, 2 ** 62)]
        assert "thermal_trip" in kinds, kinds
        # Locked out until the pad is below 38 °C and the user acknowledges.
        assert env.manager("GetUsageToday")["thermal_locked"]
        env.expect_error(lambda: env.start(a), "org.massaged1.Error.ThermalLockout")
        assert not env.state(a)["running"]
        assert env.state(a)["faults"] & 1, env.state(a)            # OVERHEAT latched on the device
        # Still hot: the acknowledgement is refused.
        env.expect_error(lambda: env.manager("AcknowledgeThermal"), "org.massaged1.Error.PadTooHot", "38")
        # Cooled below 38 °C (the idle device does not report it by itself): accepted, and the
        # device's latched fault is cleared too.
        env.sim.call("SetTemperature", "(sd)", a, 30.0)
        env.manager("AcknowledgeThermal")
        assert not env.manager("GetUsageToday")["thermal_locked"]
        wait_until(lambda: not env.state(a)["faults"] & 1, 5, what="OVERHEAT cleared on the device")
        wait_for(lambda: env.prop(a, "State") == "idle", 5, what="State idle")


def test_battery():
    with S.env() as env:
        a = env.addr[0]
        env.screen_ok()
        env.add_and_connect(a)
        ended = Signals(env.api, DEVICE, "SessionEnded")
        env.sim.call("SetBattery", "(sy)", a, 15)
        wait_for(lambda: env.prop(a, "Battery") == 15, 5, what="Battery 15 announced")
        # No heat below 20 %: refused before the device is touched.
        env.expect_error(lambda: env.start(a, heat=1), "org.massaged1.Error.HeatBatteryLow", "20")
        untouched(env, a)
        env.start(a, duration=600)
        assert env.state(a)["running"] and not env.state(a)["heater_on"]
        # The device stops itself at 5 %: the session ends with reason battery.
        env.sim.call("SetBattery", "(sy)", a, 4)
        wait_until(lambda: not env.state(a)["running"], 5, what="device stopped on battery")
        wait_until(lambda: ended.items, 5, what="SessionEnded")
        assert ended.items[0][1][1] == "battery", ended.items
        assert env.sessions()[0]["end_reason"] == "battery"


def test_sensor_fault():
    with S.env() as env:
        a = env.addr[0]
        env.screen_ok()
        env.add_and_connect(a)
        ended = Signals(env.api, DEVICE, "SessionEnded")
        env.start(a, heat=1, duration=600)
        wait_until(lambda: env.state(a)["heater_on"], 5, what="heating")
        env.sim.call("SetSensorMissing", "(sb)", a, True)
        wait_until(lambda: not env.state(a)["running"] and not env.state(a)["heater_on"], 8,
                   what="heater and motors off without a reading")
        wait_until(lambda: ended.items, 5, what="SessionEnded")
        assert ended.items[0][1][1] == "sensor_fault", ended.items
        wait_for(lambda: "sensor" in env.prop(a, "Faults"), 5, what="Faults lists sensor")


S.run("pad sensor lost while heating: heater and motors off, session ends sensor_fault", test_sensor_fault)
S.run("battery: no heat below 20 %, the device's own stop at 5 % ends the session", test_battery)
S.run("a session that ended 10 min ago: RestRequired, device untouched, refusal logged", test_rest_required)
S.run("three sessions today: DailySessionCap, device untouched", test_daily_sessions_limit)
S.run("ledger unusable: StorageUnavailable with the path; StopAll still works", test_storage_unavailable)
S.run("a limit lowered mid-session shortens it at once and is a safety event", test_lowered_limit_mid_session)
S.run("thermal cut-off: device off, session ends thermal_cutoff, locked out until cool and acknowledged",
      test_thermal_cutoff)
S.exit()

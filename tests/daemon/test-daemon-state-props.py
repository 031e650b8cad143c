#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""massaged integration, API 2 (doc/dbus-api.md): the Manager properties of the
safety state (UsageToday, WeekSeconds, ScreeningValidUntil, ThermalLockout,
HeatDisabled, SymptomCapUntil, Limits) announce a change exactly when its cause
happens, and nothing in an idle period; the daemon's own timer announces a
session leaving the rolling 24 h; the Device properties from Device Info agree
with what the simulated device's Device Info characteristic holds."""

import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.environ.get("top_srcdir", "."), "tests", "lib"))
from massaged_env import (ALL_NO_SCREENING, MANAGER, MANAGER_PATH, SLOWDOWN, Scenarios, build_path,  # noqa: E402
                          wait_until)
from sim import Bluez  # noqa: E402
import protocol as P  # noqa: E402
from gi.repository import Gio, GLib  # noqa: E402

S = Scenarios()
US = 1000000
DAY_US = 24 * 3600 * US
STATE = ("UsageToday", "WeekSeconds", "ScreeningValidUntil", "ThermalLockout", "HeatDisabled", "SymptomCapUntil",
         "Limits")


def now_us():
    return int(time.time() * US)


class Changes:
    """Every PropertiesChanged of the Manager: (time µs, {name: value})."""

    def __init__(self, env):
        self.items = []
        env.api.signal_subscribe("org.massaged1", "org.freedesktop.DBus.Properties", "PropertiesChanged",
                                 MANAGER_PATH, MANAGER, Gio.DBusSignalFlags.NONE, self._on)
        self.env = env
        self.settle()

    def _on(self, conn, sender, path, iface, member, params):
        iface, changed, _ = params.unpack()
        if iface == MANAGER:
            self.items.append((now_us(), {k: v for k, v in changed.items() if k in STATE}))

    def settle(self):
        """Dispatch everything the daemon sent before a round trip to it."""
        self.env.get(MANAGER_PATH, MANAGER, "APIVersion")
        ctx = GLib.MainContext.default()
        while ctx.pending():
            ctx.iteration(False)

    def take(self):
        """The state properties announced since the last take(), merged (later wins)."""
        self.settle()
        got = {}
        for _, c in self.items:
            got.update(c)
        self.items.clear()
        return got

    def expect(self, names, what, timeout=5):
        """Wait until exactly `names` were announced (no other state property)."""
        got = {}

        def check():
            for _, c in self.items:
                got.update(c)
            self.items.clear()
            return set(names) <= set(got)
        wait_until(check, timeout, what=what)
        got.update(self.take())
        assert set(got) == set(names), "%s: announced %s, expected %s" % (what, sorted(got), sorted(names))
        return got

    def quiet(self, seconds, what):
        """Nothing announced for `seconds`, dispatching signals throughout."""
        # Block in the main loop until the window closes: signals are dispatched
        # as they come, nothing is polled.
        ctx = GLib.MainContext.default()
        over = []
        GLib.timeout_add(int(seconds * 1000), lambda: over.append(True) and False)
        while not over:
            ctx.iteration(True)
        got = self.take()
        assert not got, "%s: announced %r" % (what, got)


def mget(env, name):
    return env.get(MANAGER_PATH, MANAGER, name)


def usage_matches(env, announced):
    u = env.manager("GetUsageToday")
    for k in ("sessions", "seconds", "heat_seconds"):
        assert announced[k] == u[k], (k, announced, u)
    assert mget(env, "WeekSeconds") == u["week_seconds"], (mget(env, "WeekSeconds"), u)
    return u


def test_manager_state_follows_causes():
    with S.env() as env:
        a = env.addr[0]
        assert mget(env, "ScreeningValidUntil") == 0
        assert mget(env, "SymptomCapUntil") == 0
        assert mget(env, "ThermalLockout") is False and mget(env, "HeatDisabled") is False
        assert mget(env, "Limits") == env.manager("GetLimits")
        u0 = mget(env, "UsageToday")
        assert u0 == {"sessions": 0, "seconds": 0, "heat_seconds": 0, "sessions_24h": 0, "seconds_24h": 0,
                      "heat_seconds_24h": 0}, u0
        ch = Changes(env)

        t0 = now_us()
        env.manager("SubmitScreening", "a{sv}", {k: GLib.Variant("b", False) for k in ALL_NO_SCREENING})
        got = ch.expect(["ScreeningValidUntil"], "SubmitScreening → ScreeningValidUntil")
        valid = 183 * DAY_US
        assert t0 + valid <= got["ScreeningValidUntil"] <= now_us() + valid, got
        assert mget(env, "ScreeningValidUntil") == got["ScreeningValidUntil"]

        env.manager("SetLimits", "a{sv}", {"daily_minutes": GLib.Variant("u", 40)})
        got = ch.expect(["Limits"], "SetLimits → Limits")
        assert got["Limits"]["daily_minutes"] == 40 and got["Limits"] == env.manager("GetLimits"), got
        # The same value again writes the ledger but changes nothing: no signal.
        env.manager("SetLimits", "a{sv}", {"daily_minutes": GLib.Variant("u", 40)})
        ch.quiet(0.5, "SetLimits to the same value")

        env.add_and_connect(a)
        ch.quiet(1.0, "a device connecting")

        env.start(a, duration=120, intensity=2)
        got = ch.expect(["UsageToday", "WeekSeconds"], "Start → UsageToday")
        assert got["UsageToday"]["sessions"] == 1 and got["UsageToday"]["seconds"] == 120, got  # planned length
        assert got["WeekSeconds"] == 120, got
        usage_matches(env, got["UsageToday"])
        # A running session: status every second, but no usage announced while minutes accrue.
        ch.quiet(2.5, "a running session")
        assert env.state(a)["running"]

        env.device(a, "Stop")
        wait_until(lambda: not env.state(a)["running"], 5, what="stopped")
        got = ch.expect(["UsageToday", "WeekSeconds"], "Stop → UsageToday (the real length)")
        (row,) = env.sessions()
        assert got["UsageToday"]["sessions"] == 1 and got["UsageToday"]["seconds"] < 120, got
        usage_matches(env, got["UsageToday"])
        ch.quiet(2.0, "idle")

        t0 = now_us()
        env.device(a, "StopWithReason", "s", "dizziness")       # a symptom after the session: the 24 h cap
        got = ch.expect(["SymptomCapUntil"], "symptom stop → SymptomCapUntil")
        assert t0 + DAY_US - US <= got["SymptomCapUntil"] <= now_us() + DAY_US + US, got
        ch.quiet(1.0, "idle after the symptom stop")


S.run("each Manager state property is announced exactly when its cause happens, and not when idle",
      test_manager_state_follows_causes)


def test_thermal_trip():
    with S.env() as env:
        a = env.addr[0]
        env.screen_ok()
        env.add_and_connect(a)
        ch = Changes(env)
        env.start(a, heat=1, duration=600)
        wait_until(lambda: env.state(a)["heater_on"], 5, what="heating")
        ch.expect(["UsageToday", "WeekSeconds"], "a heated start")
        env.sim.call("ForceOverheat", "(s)", a)
        wait_until(lambda: not env.state(a)["running"] and not env.state(a)["heater_on"], 10, what="cut-off")
        got = ch.expect(["ThermalLockout", "UsageToday", "WeekSeconds"], "cut-off → ThermalLockout")
        assert got["ThermalLockout"] is True, got
        assert env.manager("GetUsageToday")["thermal_locked"] is True
        assert mget(env, "HeatDisabled") is False           # one trip: heat is not disabled
        ch.quiet(1.5, "idle after the cut-off")


S.run("a real thermal cut-off in the simulator announces ThermalLockout", test_thermal_trip)


def test_rolling_boundary_by_timer():
    with S.env(daemon=False) as env:
        # One minute of massage that started 24 h minus 20 s ago: it leaves the
        # rolling 24 h's starts 20 s from now, and its minutes 60 s later.
        os.makedirs(os.path.dirname(env.db), exist_ok=True)
        subprocess.run([build_path("tests", "daemon", "ledger-seed"), env.db, "1440:1+20"], check=True,
                       env=env.environ)
        leaves = now_us() - DAY_US + 20 * US + DAY_US
        env.start_daemon()
        ch = Changes(env)
        u = mget(env, "UsageToday")
        assert u["sessions_24h"] == 1, ("the daemon came up too late for this test", u)
        # No call from here on: the daemon's own timer brings the change.
        wait_until(lambda: any("UsageToday" in c for _, c in ch.items), 40, what="UsageToday from the timer")
        at, c = [x for x in ch.items if "UsageToday" in x[1]][0]
        assert c["UsageToday"]["sessions_24h"] == 0, c
        assert at >= leaves - US, "announced %.3f s early" % ((leaves - at) / US)
        assert at <= leaves + 3 * US * SLOWDOWN, "announced %.3f s late" % ((at - leaves) / US)


S.run("a session leaving the rolling 24 h is announced by the daemon's timer, unasked",
      test_rolling_boundary_by_timer)


def test_device_info_properties():
    with S.env() as env:
        a = env.addr[0]
        env.add_and_connect(a)
        sniff = Bluez(env.system.bus)
        info = P.decode_device_info(sniff.read(sniff.char_path(a, P.DEVICE_INFO_UUID)))
        sniff.close()
        assert env.prop(a, "FirmwareRevision") == info["firmware"], (env.prop(a, "FirmwareRevision"), info)
        assert env.prop(a, "ProtocolVersion") == info["protocol_version"] == 1, info
        want = [n for i, n in enumerate(P.PATTERNS) if info["patterns"] & (1 << i)]
        assert want and env.prop(a, "Patterns") == want, (env.prop(a, "Patterns"), info)
        assert env.prop(a, "HeatSetpoints") == info["setpoints"], (env.prop(a, "HeatSetpoints"), info)
        assert len(info["setpoints"]) == env.prop(a, "HeatLevels"), info
        assert env.prop(a, "Model") == info["model"], info


S.run("Device FirmwareRevision, ProtocolVersion, Patterns and HeatSetpoints are the device's Device Info",
      test_device_info_properties)

S.exit()

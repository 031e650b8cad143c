#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""massaged integration, API 2 (doc/dbus-api.md): one error per refusal class,
CheckStart agreeing with Start, StartAvailability following a rest without a
call, and Start's plan telling the symptom cap (also through massagectl).

Every refusal is reached through the API: a seeded ledger (ledger-seed), limits
set with SetLimits, the simulator's battery or a real thermal cut-off. For each
one: Start's error name, CheckStart's error/reason/available_at (checked
against the rule and the ledger's rows), CheckStart unchanged after the refused
Start, and the simulator's true state: the device was never driven."""

import os
import sqlite3
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.environ.get("top_srcdir", "."), "tests", "lib"))
from massaged_env import (ALL_NO_SCREENING, DEVICE, MANAGER, MANAGER_PATH, SLOWDOWN, START_TYPES, WRAPPER,  # noqa: E402
                          Scenarios, Signals, build_path, device_path, wait_for, wait_until)
from gi.repository import GLib  # noqa: E402

S = Scenarios()
E = "org.massaged1.Error."
US = 1000000
CTL = build_path("client", "massagectl")


def afternoon_tz():
    """A fixed-offset TZ in which it is now about 14:00: seeded sessions of the
    last hours fall on "today" (as in test-daemon-limits.py)."""
    t = time.gmtime()
    offset = 14 * 60 - (t.tm_hour * 60 + t.tm_min)
    if offset > 12 * 60:
        offset -= 24 * 60
    if offset < -12 * 60:
        offset += 24 * 60
    sign = "-" if offset >= 0 else "+"
    return "XXX%s%02d:%02d" % (sign, abs(offset) // 60, abs(offset) % 60)


def seed(env, *sessions):
    os.makedirs(os.path.dirname(env.db), exist_ok=True)
    subprocess.run([build_path("tests", "daemon", "ledger-seed"), env.db] + list(sessions), check=True,
                   env=env.environ)


def rows(env, query):
    """The ledger as on disk (the daemon checkpoints after every commit)."""
    db = sqlite3.connect("file:%s?immutable=1" % env.db, uri=True)
    try:
        return db.execute(query).fetchall()
    finally:
        db.close()


def screening(env, yes=(), **extra):
    answers = {k: GLib.Variant("b", k in yes) for k in ALL_NO_SCREENING}
    answers.update({k: GLib.Variant("b", v) for k, v in extra.items()})
    env.manager("SubmitScreening", "a{sv}", answers)


def limits(env, **values):
    env.manager("SetLimits", "a{sv}", {k: GLib.Variant("b" if isinstance(v, bool) else "u", v)
                                       for k, v in values.items()})


def check_start(env, a, **options):
    opts = {k: GLib.Variant(START_TYPES.get(k, "s"), v) for k, v in options.items()}
    return env.manager("CheckStart", "oa{sv}", device_path(a), opts)


def now_us():
    return int(time.time() * US)


def battery(env, a, percent):
    env.sim.call("SetBattery", "(sy)", a, percent)
    wait_for(lambda: env.prop(a, "Battery") == percent, 5, what="Battery %d announced" % percent)


def thermal_trip(env, a):
    """A real cut-off: a heated session, the simulated pad overheating."""
    env.start(a, heat=1, duration=600)
    wait_until(lambda: env.state(a)["heater_on"], 5, what="heating")
    env.sim.call("ForceOverheat", "(s)", a)
    wait_until(lambda: not env.state(a)["running"] and not env.state(a)["heater_on"], 10, what="cut-off")
    wait_until(lambda: env.manager("GetUsageToday")["thermal_locked"], 5, what="lock-out recorded")


# ---- available_at, by the rule of each class --------------------------------

def at_zero(env, ans, t0):
    assert ans["available_at"] == 0, ans


def at_rest_end(env, ans, t0):
    (end,) = rows(env, "SELECT max(end_wall_us) FROM sessions")[0]
    assert ans["available_at"] == end + 60 * 60 * US, (ans, end)     # last end + the 60 min rest


def at_third_newest_start(env, ans, t0):
    starts = sorted((r[0] for r in rows(env, "SELECT start_wall_us FROM sessions")), reverse=True)
    assert ans["available_at"] == starts[2] + 24 * 3600 * US, (ans, starts)   # leaves the rolling 24 h


def at_first_leaves_24h(env, ans, t0):
    ends = sorted(r[0] for r in rows(env, "SELECT end_wall_us FROM sessions"))
    assert ans["available_at"] == ends[0] + 24 * 3600 * US, (ans, ends)


def at_next_midnight(env, ans, t0):
    at = ans["available_at"]
    assert t0 < at <= t0 + 25 * 3600 * US, ans
    old = os.environ.get("TZ")
    os.environ["TZ"] = env.environ["TZ"]           # the daemon's zone: its midnight
    time.tzset()
    try:
        tm = time.localtime(at // US)
    finally:
        if old is None:
            del os.environ["TZ"]
        else:
            os.environ["TZ"] = old
        time.tzset()
    assert (tm.tm_hour, tm.tm_min, tm.tm_sec) == (0, 0, 0), (ans, tm)


# ---- the table -------------------------------------------------------------
# name, error, reason, start options, available_at rule, and how to get there:
# seed (ledger rows before the daemon starts), screen (answers), prepare(env, a).

CASES = [
    dict(name="never screened", error="ScreeningRequired", reason="screening-required", at=at_zero,
         screen=None),
    dict(name="a yes without clearance", error="ClearanceRequired", reason="screening-blocked", at=at_zero,
         screen=dict(yes=("pacemaker",))),
    dict(name="thermal cut-off not acknowledged", error="ThermalLockout", reason="thermal-lockout", at=at_zero,
         prepare=thermal_trip),
    dict(name="battery at 8 %", error="BatteryLow", reason="battery-low", at=at_zero,
         prepare=lambda env, a: battery(env, a, 8)),
    dict(name="another device's session open", error="SessionOpen", reason="session-open", at=at_zero,
         devices=2, prepare=lambda env, a: (env.add_and_connect(env.addr[1]), env.start(env.addr[1], duration=600))),
    dict(name="last session ended 10 min ago", error="RestRequired", reason="rest-required", at=at_rest_end,
         seed=("25:15",)),
    dict(name="three sessions in the last hours", error="DailySessionCap", reason="daily-sessions",
         at=at_third_newest_start, tz=True, seed=("240:15", "180:15", "120:15")),
    dict(name="45 of 45 min today", error="DailyCap", reason="daily-minutes", at=at_first_leaves_24h, tz=True,
         seed=("300:25", "200:20")),
    dict(name="weekly minutes used", error="WeeklyCap", reason="weekly-minutes", at=at_next_midnight, tz=True,
         seed=("2880:20",), prepare=lambda env, a: limits(env, weekly_minutes=10)),
    dict(name="heat asked, no heat time left", error="HeatTimeCap", reason="heat-time", at=at_next_midnight,
         tz=True, options=dict(heat=1), prepare=lambda env, a: limits(env, heat_daily_minutes=0)),
    dict(name="heat asked, battery at 15 %", error="HeatBatteryLow", reason="heat-battery-low", at=at_zero,
         options=dict(heat=1), prepare=lambda env, a: battery(env, a, 15)),
    dict(name="heat asked with reduced skin sensation", error="HeatReducedSensation",
         reason="heat-reduced-sensation", at=at_zero, options=dict(heat=1),
         screen=dict(yes=("reduced_skin_sensation",), clinician_clearance=True)),
    dict(name="heat asked in gentle mode", error="HeatGentleMode", reason="heat-gentle-mode", at=at_zero,
         options=dict(heat=1), prepare=lambda env, a: limits(env, gentle_mode=True)),
    dict(name="heat asked, setpoint limit below every level", error="HeatSetpoint", reason="heat-setpoint",
         at=at_zero, options=dict(heat=1), prepare=lambda env, a: limits(env, heat_setpoint_celsius=30)),
    dict(name="unknown program", error="org.freedesktop.DBus.Error.InvalidArgs", reason="unknown-program",
         at=at_zero, options=dict(program="nonesuch")),
]


def run_case(case):
    kw = dict(daemon=False, devices=case.get("devices", 1))
    if case.get("tz"):
        kw["tz"] = afternoon_tz()
    with S.env(**kw) as env:
        a = env.addr[0]
        if case.get("seed"):
            seed(env, *case["seed"])
        env.start_daemon()
        if "screen" not in case:
            env.screen_ok()
        elif case["screen"] is not None:
            screening(env, **case["screen"])
        env.add_and_connect(a)
        if case.get("prepare"):
            case["prepare"](env, a)
        options = case.get("options", {})
        error = case["error"] if "." in case["error"] else E + case["error"]
        st0, n0 = env.state(a), len(env.sessions())
        t0 = now_us()

        ans = check_start(env, a, **options)
        assert ans["allowed"] is False and "plan" not in ans, ans
        assert ans["error"] == error and ans["reason"] == case["reason"], (error, case["reason"], ans)
        assert ans["message"], ans
        case["at"](env, ans, t0)

        msg = env.expect_error(lambda: env.start(a, **options), error)
        assert msg, "no sentence with %s" % error
        # The same decision after the refused Start: nothing it did changed the answer.
        again = check_start(env, a, **options)
        assert (again["error"], again["reason"], again["available_at"]) == \
            (ans["error"], ans["reason"], ans["available_at"]), (ans, again)

        st = env.state(a)
        assert not st["running"] and not st["heater_on"], st
        assert st["writes"] == st0["writes"], "a refused start reached the device: %r → %r" % (st0, st)
        assert len(env.sessions()) == n0, env.sessions()


for c in CASES:
    S.run("%s: Start %s, CheckStart agrees (%s), device untouched" % (c["name"], c["error"], c["reason"]),
          lambda c=c: run_case(c))


def test_check_start_allowed_matches_start():
    with S.env() as env:
        a = env.addr[0]
        env.screen_ok()
        env.add_and_connect(a)
        ans = check_start(env, a, duration=300, intensity=4)
        assert ans["allowed"] is True and ans["error"] == "" and ans["reason"] == "ok", ans
        assert ans["available_at"] == 0 and not env.state(a)["running"], ans
        assert env.sessions() == [], "CheckStart opened a session"
        plan = ans["plan"]
        assert plan["seconds"] == 300 and plan["intensity"] == 4 and plan["soft_start_seconds"] == 60, plan
        t0 = now_us()
        got = env.start(a, duration=300, intensity=4)
        for k in ("program", "seconds", "intensity", "intensity_max", "heat", "heat_seconds",
                  "soft_start_seconds", "advice"):
            assert got[k] == plan[k], (k, plan, got)
        row = env.sessions()[-1]
        assert got["session_id"] == row["id"], (got, row)
        assert t0 + 300 * US <= got["ends_at"] <= now_us() + 300 * US, got
        assert env.state(a)["running"]
        env.device(a, "Stop")


S.run("CheckStart allowed: the plan Start then returns, with no session opened by asking",
      test_check_start_allowed_matches_start)


def availability(env):
    return env.get(MANAGER_PATH, MANAGER, "StartAvailability")


def test_availability_follows_rest():
    with S.env(daemon=False) as env:
        a = env.addr[0]
        # Ended 30 min minus 20 s ago; the rest limit set to 30 min: it runs out 20 s from now.
        seed(env, "31:1+20")
        env.start_daemon()
        assert availability(env)["reason"] == "no-device", availability(env)
        env.screen_ok()
        env.add_and_connect(a)
        limits(env, rest_minutes=30)
        (end,) = rows(env, "SELECT max(end_wall_us) FROM sessions")[0]
        wait_for(lambda: availability(env)["reason"] == "rest-required", 5, what="rest-required")
        now = availability(env)
        assert now["error"] == E + "RestRequired" and now["available_at"] == end + 30 * 60 * US, (now, end)

        changes = []
        env.api.signal_subscribe("org.massaged1", "org.freedesktop.DBus.Properties", "PropertiesChanged",
                                 MANAGER_PATH, None, 0, lambda *x: changes.append((now_us(), x[5].unpack())))
        # No call from here on: the daemon's own timer must bring the change.
        wait_until(lambda: any("StartAvailability" in c[1][1] for c in changes), 40, what="PropertiesChanged")
        at, (iface, props, _) = [c for c in changes if "StartAvailability" in c[1][1]][0]
        got = props["StartAvailability"]
        assert iface == MANAGER and got["allowed"] is True and got["reason"] == "ok", got
        assert at >= end + 30 * 60 * US, "announced %.3f s before the rest ran out" % ((end + 30 * 60 * US - at) / US)
        assert at <= end + 30 * 60 * US + 3 * US * SLOWDOWN, "announced %.3f s late" % ((at - end) / US - 1800)
        assert got["plan"]["seconds"] > 0 and "ends_at" not in got["plan"], got
        # Exactly one change: the answer stays put until something happens.
        n = len(changes)
        env.stays(lambda: len(changes) == n, 1.5, "no further PropertiesChanged")
        # A session starting changes it again (session open, the device busy).
        env.start(a, duration=120)
        wait_until(lambda: len(changes) > n, 5, what="PropertiesChanged after Start")
        assert availability(env)["allowed"] is False, availability(env)
        env.device(a, "Stop")


S.run("StartAvailability changes exactly when a rest runs out, with no call from the client",
      test_availability_follows_rest)


def ctl(env, *args, expect=0):
    e = dict(env.environ, DBUS_SESSION_BUS_ADDRESS=env.user.address, LC_ALL="C.UTF-8")
    p = subprocess.run(WRAPPER + [CTL] + list(args), env=e, capture_output=True, text=True, stdin=subprocess.DEVNULL,
                       timeout=60 * SLOWDOWN)
    assert p.returncode == expect, "massagectl %s: exit %d, not %d\n%s%s" % (" ".join(args), p.returncode, expect,
                                                                             p.stdout, p.stderr)
    return p.stdout


def test_plan_names_symptom_cap():
    with S.env() as env:
        a = env.addr[0]
        env.screen_ok()
        env.add_and_connect(a)
        env.device(a, "StopWithReason", "s", "dizziness")      # a symptom: the 24 h cap
        ans = check_start(env, a, intensity=9, duration=300)
        advice = ans["plan"]["advice"]
        assert any("Intensity capped at 3 for 24 h after a stop for symptoms." == s for s in advice), advice
        assert ans["plan"]["intensity_max"] == 3, ans
        out = ctl(env, "start", a, "--intensity", "9", "--duration", "5m")
        assert "Intensity capped at 3 for 24 h after a stop for symptoms." in out, out
        assert "Plan: 5 min at up to 3" in out and "soft start 60 s" in out, out
        wait_until(lambda: env.state(a)["running"], 5, what="running")
        assert env.state(a)["intensity"] <= 3, env.state(a)
        ctl(env, "stop", a)
        wait_until(lambda: not env.state(a)["running"], 5, what="stopped")


S.run("after a symptom stop Start's plan names the cap, and massagectl start prints it",
      test_plan_names_symptom_cap)

S.exit()

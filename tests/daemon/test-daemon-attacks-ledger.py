#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""massaged integration: the ledger and policy attacks of issue 13, each
reproduced through the public interfaces only (the D-Bus API, the config
file, the daemon's environment) and checked against the simulator's true
device state and the ledger's rows and events (doc/safety.md, "Trust model")."""

import os
import signal
import sqlite3
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.environ.get("top_srcdir", "."), "tests", "lib"))
from massaged_env import (ALL_NO_SCREENING, MANAGER, SLOWDOWN, WRAPPER, Scenarios, build_path, wait_for,  # noqa: E402
                          wait_until)
from gi.repository import GLib  # noqa: E402

S = Scenarios()
CONFIG_INVALID = "org.massaged1.Error.ConfigInvalid"


def untouched(env, a):
    st = env.state(a)
    assert not st["running"] and st["writes"] == 0, "a refused start reached the device: %r" % st


def events(env, kind):
    return [e for e in env.history("GetEvents", "xx", 0, 2 ** 62) if e["kind"] == kind]


def seed(env, *sessions):
    os.makedirs(os.path.dirname(env.db), exist_ok=True)
    subprocess.run([build_path("tests", "daemon", "ledger-seed"), env.db] + list(sessions), check=True,
                   env=env.environ)


# ---- configuration files that are not what they seem ----------------------

def test_config_fifo():
    with S.env(daemon=False) as env:
        a = env.addr[0]
        os.unlink(env.config)
        os.mkfifo(env.config)
        # Before the fix open() blocked on the FIFO: the name never appeared.
        env.start_daemon()
        cerr = env.get("/org/massaged1", MANAGER, "ConfigError")
        assert env.config in cerr and "FIFO" in cerr, cerr
        env.screen_ok()
        env.add_and_connect(a)
        env.expect_error(lambda: env.start(a), CONFIG_INVALID, "FIFO")
        untouched(env, a)
        t0 = time.monotonic()
        rc = env.kill_daemon(signal.SIGTERM)
        assert rc == 0 and time.monotonic() - t0 < 5, (rc, time.monotonic() - t0)


def test_config_dangling_symlink():
    with S.env(daemon=False) as env:
        a = env.addr[0]
        os.unlink(env.config)
        target = os.path.join(env.tmp, "moved-away.conf")
        os.symlink(target, env.config)
        env.start_daemon()
        cerr = env.get("/org/massaged1", MANAGER, "ConfigError")
        assert env.config in cerr and "moved-away.conf" in cerr, cerr
        assert "symbolic link" in env.logs(), "the log does not say the link is dangling"
        env.screen_ok()
        env.add_and_connect(a)
        env.expect_error(lambda: env.start(a), CONFIG_INVALID, "symbolic link")
        untouched(env, a)


# ---- item 9: the acknowledgement reads the pad that tripped ----------------

def test_thermal_ack_reads_the_tripped_pad():
    with S.env(devices=2) as env:
        a, b = env.addr
        env.screen_ok()
        env.add_and_connect(a)
        env.add_and_connect(b)
        env.start(a, heat=1, duration=600)
        wait_until(lambda: env.state(a)["heater_on"], 5, what="A heating")
        env.sim.call("SetTemperature", "(sd)", a, 45.9)
        wait_until(lambda: not env.state(a)["running"] and not env.state(a)["heater_on"], 10,
                   what="A's heater and motors off")
        wait_for(lambda: env.manager("GetUsageToday")["thermal_locked"], 5, what="lock-out recorded")
        trips = events(env, "thermal_trip")
        assert trips and trips[-1]["device"] == a, trips
        env.device(a, "Disconnect")
        wait_for(lambda: env.prop(a, "ConnectionState") == "disconnected", 10, what="A disconnected")
        env.sim.call("SetTemperature", "(sd)", b, 25.0)
        # B's cool pad says nothing about A's: refused, naming A and what to do.
        msg = env.expect_error(lambda: env.manager("AcknowledgeThermal"), "org.massaged1.Error.NotConnected", a)
        assert "connect" in msg, msg
        assert env.manager("GetUsageToday")["thermal_locked"]
        assert not events(env, "thermal_ack"), events(env, "thermal_ack")
        env.expect_error(lambda: env.start(b), "org.massaged1.Error.ThermalLockout", "cut-off")
        assert not env.state(b)["running"] and not env.state(b)["heater_on"], env.state(b)
        # A connected again but still hot: refused on A's reading.
        env.sim.call("SetTemperature", "(sd)", a, 41.0)
        env.device(a, "Connect")
        wait_for(lambda: env.prop(a, "ConnectionState") == "ready", 15, what="A ready again")
        env.expect_error(lambda: env.manager("AcknowledgeThermal"), "org.massaged1.Error.PadTooHot", "38")
        assert env.manager("GetUsageToday")["thermal_locked"]
        # A cooled: accepted, and the event names A.
        env.sim.call("SetTemperature", "(sd)", a, 30.0)
        env.manager("AcknowledgeThermal")
        assert not env.manager("GetUsageToday")["thermal_locked"]
        acks = events(env, "thermal_ack")
        assert len(acks) == 1 and acks[0]["device"] == a, acks


# ---- item 2: a symptom reported just after a session ----------------------

def test_symptom_after_stop_is_recorded():
    with S.env() as env:
        a = env.addr[0]
        env.screen_ok()
        env.add_and_connect(a)
        env.start(a, duration=600)
        wait_until(lambda: env.state(a)["running"], 5, what="running")
        env.device(a, "Stop")
        wait_until(lambda: not env.state(a)["running"], 5, what="stopped")
        row = env.sessions()[-1]
        assert row["end_reason"] == "user", row
        # The symptom comes a moment later, with no session open: it still stops
        # (nothing runs) and is recorded against the session that just ended.
        env.device(a, "StopWithReason", "s", "dizziness")
        assert not env.state(a)["running"]
        ev = events(env, "stop_reason")
        assert len(ev) == 1 and ev[0]["device"] == a, ev
        assert "dizziness" in ev[0]["detail"] and "session %d" % row["id"] in ev[0]["detail"], ev


FLAT_PROGRAM = """[Program]
Name=flat
Description=One steady step at the chosen level, so the device shows the cap itself.
Heat=false
Repeat=true

[Step 1]
Seconds=300
Intensity=100
Pattern=steady
"""


def test_symptom_without_session_caps_next():
    with S.env(daemon=False) as env:
        a = env.addr[0]
        with open(os.path.join(env.environ["XDG_CONFIG_HOME"], "massaged", "programs", "flat.program"), "w") as f:
            f.write(FLAT_PROGRAM)
        env.start_daemon()
        env.screen_ok()
        env.add_and_connect(a)
        # No session at all yet (e.g. the symptom came after the last one was
        # long over): recorded all the same, so the 24 h cap applies.
        env.device(a, "StopWithReason", "s", "dizziness")
        ev = events(env, "stop_reason")
        assert len(ev) == 1 and "dizziness" in ev[0]["detail"], ev
        env.start(a, program="flat", intensity=10, duration=180)
        row = env.sessions()[-1]
        assert row["intensity"] == 3, row               # the plan's target, capped
        # The true device: 60 s at 1, then +1 per 10 s; uncapped it would reach 4 at 90 s.
        t0 = time.monotonic()
        seen = 0
        while time.monotonic() - t0 < 97:
            st = env.state(a)
            assert st["running"], st
            assert st["intensity"] <= 3, "intensity %d after a symptom stop (cap 3)" % st["intensity"]
            seen = max(seen, st["intensity"])
            time.sleep(0.2)
        assert seen == 3, seen
        env.device(a, "Stop")


# ---- item 7: daily caps over any 24 h, whatever the time zone --------------

def tz_where_now_is(hour, minute):
    """A fixed-offset POSIX TZ in which it is now about hour:minute local time."""
    t = time.gmtime()
    offset = hour * 60 + minute - (t.tm_hour * 60 + t.tm_min)     # local = UTC + offset
    if offset > 12 * 60:
        offset -= 24 * 60
    if offset < -12 * 60:
        offset += 24 * 60
    sign = "-" if offset >= 0 else "+"          # POSIX: west of Greenwich is positive
    return "XXX%s%02d:%02d" % (sign, abs(offset) // 60, abs(offset) % 60)


def test_daily_cap_survives_tz_change():
    with S.env(daemon=False, tz=tz_where_now_is(14, 0)) as env:
        a = env.addr[0]
        # Three sessions in the last hours, the last ended 105 min ago (past any rest).
        seed(env, "240:15", "180:15", "120:15")
        env.start_daemon()
        env.screen_ok()
        env.add_and_connect(a)
        assert env.manager("GetUsageToday")["sessions"] == 3
        env.expect_error(lambda: env.start(a), "org.massaged1.Error.DailySessionCap", "3 of 3 sessions today")
        # The same user restarts massaged in a zone where those sessions were "yesterday".
        env.kill_daemon(signal.SIGTERM)
        env.environ["TZ"] = tz_where_now_is(0, 30)
        env.start_daemon()
        assert env.manager("GetUsageToday")["sessions"] == 0, env.manager("GetUsageToday")
        wait_for(lambda: env.prop(a, "ConnectionState") == "ready", 15, what="ready after the restart")
        writes = env.state(a)["writes"]
        msg = env.expect_error(lambda: env.start(a), "org.massaged1.Error.DailySessionCap",
                               "3 of 3 sessions in the last 24 hours")
        st = env.state(a)
        assert not st["running"] and st["writes"] == writes, st
        assert len(env.sessions()) == 3, env.sessions()
        # The refusal is a recorded safety event, with its reason.
        refusals = [e["detail"] for e in events(env, "refusal")]
        assert any("last 24 hours" in d for d in refusals), refusals
        assert "available again at" in msg, msg


def test_daily_minutes_survive_tz_change():
    with S.env(daemon=False, tz=tz_where_now_is(0, 30)) as env:
        a = env.addr[0]
        # 45 min in two sessions 4 and 2 h ago: "yesterday" here, but the last 24 h hold them.
        seed(env, "240:25", "120:20")
        env.start_daemon()
        env.screen_ok()
        env.add_and_connect(a)
        usage = env.manager("GetUsageToday")
        assert usage["sessions"] == 0 and usage["seconds"] == 0, usage
        env.expect_error(lambda: env.start(a), "org.massaged1.Error.DailyCap",
                         "45 of 45 min used in the last 24 hours")
        untouched(env, a)
        assert len(env.sessions()) == 2, env.sessions()


# ---- item 3: a contraindication is not undone by answering again -----------

SCREENING_REQUIRED = "org.massaged1.Error.ClearanceRequired"   # a "yes" in force
CTL = build_path("client", "massagectl")


def screening(env, yes=(), **extra):
    """SubmitScreening through the API: every question, "yes" for those in yes, and extra keys."""
    answers = {k: GLib.Variant("b", k in yes) for k in ALL_NO_SCREENING}
    answers.update({k: GLib.Variant("b", v) for k, v in extra.items()})
    return env.manager("SubmitScreening", "a{sv}", answers)


def ctl(env, *args, expect=0):
    """massagectl as a subprocess on the env's user bus; checks the exit status."""
    e = dict(env.environ, DBUS_SESSION_BUS_ADDRESS=env.user.address, LC_ALL="C.UTF-8")
    p = subprocess.run(WRAPPER + [CTL] + list(args), env=e, capture_output=True, text=True, stdin=subprocess.DEVNULL,
                       timeout=60 * SLOWDOWN)
    assert p.returncode == expect, "massagectl %s: exit %d, not %d\n%s%s" % (" ".join(args), p.returncode, expect,
                                                                             p.stdout, p.stderr)
    return p.stdout + p.stderr


def sql(env, query):
    """The ledger's rows as on disk. The daemon holds the file locked (exclusive mode) and
    checkpoints after every commit, so an immutable read sees every committed row."""
    db = sqlite3.connect("file:%s?immutable=1" % env.db, uri=True)
    try:
        return db.execute(query).fetchall()
    finally:
        db.close()


def test_screening_yes_not_undone_by_all_no():
    with S.env() as env:
        a = env.addr[0]
        screening(env, yes=("pacemaker",))
        env.add_and_connect(a)
        env.expect_error(lambda: env.start(a), SCREENING_REQUIRED, "pacemaker")
        # Before the fix this all-"no" was recorded and the next start ran the motors.
        msg = env.expect_error(lambda: screening(env), SCREENING_REQUIRED, '"pacemaker" was yes')
        assert "massagectl screening --correction" in msg and "massagectl screening --clearance" in msg, msg
        env.expect_error(lambda: env.start(a), SCREENING_REQUIRED, "pacemaker")
        untouched(env, a)
        assert env.sessions() == [], env.sessions()
        # The ledger holds the "yes" only; the refused "no" is a refusal event, not a screening.
        assert sql(env, "SELECT yes, standing FROM screening") == [(1 << 5, 1 << 5)], sql(env, "SELECT * FROM screening")
        assert [e["detail"] for e in events(env, "screening")] == ["yes: pacemaker"], events(env, "screening")
        assert any(e["detail"].startswith("screening-blocked:") and "was yes" in e["detail"]
                   for e in events(env, "refusal")), events(env, "refusal")
        assert events(env, "screening_correction") == []


def test_screening_correction_through_massagectl():
    with S.env() as env:
        a = env.addr[0]
        ctl(env, "screening", "--answer", "pacemaker=yes", "--all-no")
        env.add_and_connect(a)
        out = ctl(env, "start", expect=4)
        assert "massagectl screening --correction" in out, out
        out = ctl(env, "screening", "--all-no", expect=4)
        assert '"pacemaker" was yes' in out and "--correction" in out, out
        ctl(env, "start", expect=4)
        untouched(env, a)
        assert env.sessions() == [], env.sessions()
        # The explicit, recorded way out of a mistaken "yes".
        out = ctl(env, "screening", "--all-no", "--correction")
        assert "correction" in out, out
        fixed = events(env, "screening_correction")
        assert [e["detail"] for e in fixed] == ["corrected from yes to no: pacemaker"], fixed
        assert sql(env, "SELECT corrected, standing FROM screening ORDER BY id DESC LIMIT 1") == [(1 << 5, 0)]
        assert "corrected from yes to no by the user: pacemaker" in env.logs(), "the correction is not logged"
        env.start(a, duration=600)
        wait_until(lambda: env.state(a)["running"], 5, what="running after the correction")
        assert len(env.sessions()) == 1, env.sessions()
        env.device(a, "Stop")
        wait_until(lambda: not env.state(a)["running"], 5, what="stopped")


def test_screening_clearance_keeps_yes():
    with S.env() as env:
        a = env.addr[0]
        screening(env, yes=("pacemaker", "reduced_skin_sensation"))
        env.add_and_connect(a)
        env.expect_error(lambda: screening(env), SCREENING_REQUIRED, "was yes")
        # A clearance lets sessions start, but the "yes" stays: heat stays off.
        screening(env, clinician_clearance=True)
        assert events(env, "screening_correction") == []
        assert [e["kind"] for e in events(env, "clearance")] == ["clearance"]
        env.expect_error(lambda: env.start(a, heat=1, duration=600), "org.massaged1.Error.HeatReducedSensation",
                         "reduced skin sensation")
        untouched(env, a)
        # relax heats from its first step: with the "yes" in force its heat is dropped.
        env.start(a, program="relax", duration=600)
        wait_until(lambda: env.state(a)["running"], 5, what="running")
        row = env.sessions()[-1]
        assert row["heat"] == 0, row
        env.stays(lambda: env.state(a)["running"] and not env.state(a)["heater_on"], 3, "motors on, heater off")
        env.device(a, "Stop")
        wait_until(lambda: not env.state(a)["running"], 5, what="stopped")


S.run("a FIFO as massaged.conf: start-up does not block, ConfigError names it, starts refused, SIGTERM works",
      test_config_fifo)
S.run("a dangling symlink as massaged.conf is a broken config, not defaults", test_config_dangling_symlink)
S.run("thermal lock-out: B's cool pad cannot acknowledge A's trip; A must be connected and below 38 °C",
      test_thermal_ack_reads_the_tripped_pad)
S.run("StopWithReason after Stop: the symptom is recorded against the session that just ended",
      test_symptom_after_stop_is_recorded)
S.run("a symptom with no session open is recorded; the next session stays at level 3 on the device",
      test_symptom_without_session_caps_next)
S.run("3 sessions, then a restart in a time zone where they were yesterday: still refused (last 24 h)",
      test_daily_cap_survives_tz_change)
S.run("45 min used, a time zone where that was yesterday: still refused (last 24 h)",
      test_daily_minutes_survive_tz_change)
S.run("screening: pacemaker yes, then all no: refused, starts still refused, the device never ran",
      test_screening_yes_not_undone_by_all_no)
S.run("massagectl screening --correction lifts a mistaken yes, recorded as screening_correction; then a start runs",
      test_screening_correction_through_massagectl)
S.run("a clearance given with all no lets a session run; reduced skin sensation still keeps heat off",
      test_screening_clearance_keeps_yes)
S.exit()

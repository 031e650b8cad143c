#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""massaged integration: device-side faults (issue 8) — writes answered late
or never, truncated, stale, repeated and out-of-order notifications, a
firmware reset that forgets the session, a temperature rising too fast.

Each scenario checks massager-sim's TRUE device state, the ledger through the
History/Manager API (no row lost or left open, no limit exceeded) and that
the daemon keeps serving, and prints the bound it observed as a TAP comment
("# bound: …") for the table in the issue. Faults covered elsewhere: overheat
report and missing sensor (test-daemon-limits.py, test-daemon-session.py),
battery critical (test-daemon-limits.py), link loss and BlueZ restarts
(test-daemon-faults.py, test-daemon-commands.py), SIGKILL (test-daemon-crash.py),
garbage notifications and failed writes (test-daemon-commands.py).
"""

import os
import signal
import struct
import sys
import time

sys.path.insert(0, os.path.join(os.environ.get("top_srcdir", "."), "tests", "lib"))
from massaged_env import (BUS, DEVICE, SLOWDOWN, Scenarios, Signals, dbus_error_name, device_path,  # noqa: E402
                          log, wait_until)
from sim import Bluez  # noqa: E402
import protocol as P  # noqa: E402
from gi.repository import Gio, GLib  # noqa: E402

S = Scenarios()
COMMAND_TIMEOUT = 3.0           # COMMAND_TIMEOUT_USEC in daemon/device.h
LEASE_S = 10                    # MASSAGER_LEASE_MAX_S: what the daemon asks for
LEASE_RENEW = 3.0               # LEASE_RENEW_USEC in daemon/session-internal.h
TIMEOUT = "org.massaged1.Error.Timeout"


def bound(text):
    """A measured figure for the lead's table."""
    log("bound: " + text)


class AsyncCall:
    """A Device method call whose reply (or error name) is recorded with its arrival time."""

    def __init__(self, env, address, method, signature=None, *args):
        self.result = None
        self.t_sent = time.monotonic()
        self.t_done = None
        params = GLib.Variant("(%s)" % signature, tuple(args)) if signature else None
        env.api.call(BUS, device_path(address), DEVICE, method, params, None, Gio.DBusCallFlags.NONE,
                     int(60000 * SLOWDOWN), None, self._done)

    def _done(self, conn, res):
        try:
            conn.call_finish(res)
            self.result = "ok"
        except GLib.Error as e:
            self.result = dbus_error_name(e)
        self.t_done = time.monotonic()

    def took(self):
        return self.t_done - self.t_sent


def status_payload(running=True, heating=False, intensity=1, pattern=0, heat=0, temperature=30.0,
                   lease_ms=5000, battery=80, faults=0, cause="none"):
    flags = (P.FLAG_RUNNING if running else 0) | (P.FLAG_HEATING if heating else 0) | P.FLAG_ENCRYPTED
    temp = P.TEMP_NONE if temperature is None else int(round(temperature * 10))
    return struct.pack("<BBBBhHBBB", flags, intensity, pattern, heat, temp, lease_ms, battery, faults,
                       P.STOP_CAUSES.index(cause))


def status_frame(seq, **kw):
    return P.frame(P.OP_STATUS, seq, status_payload(**kw))


def response_frame(opcode, seq, result="ok", **kw):
    return P.frame(opcode | P.RESPONSE_BIT, seq, bytes([P.RESULTS.index(result)]) + status_payload(**kw))


def started_session(env, a, **opts):
    """Screening, connect, Start; returns the time Start returned."""
    env.screen_ok()
    env.add_and_connect(a)
    env.start(a, **dict({"duration": 600}, **opts))
    assert env.state(a)["running"], env.state(a)
    return time.monotonic()


def check_ledger(env, reason, t_begin, n_rows=1):
    """Every row closed, the last with `reason`, its counted time no more than
    the wall time the test ran, and today's usage within the limits."""
    rows = env.sessions()
    assert len(rows) == n_rows, rows
    assert all(not r["open"] for r in rows), rows
    row = rows[-1]
    assert row["end_reason"] == reason, row
    ran = time.monotonic() - t_begin
    assert row["seconds"] <= ran + 1, (row, ran)
    assert row["heat_seconds"] <= row["seconds"], row
    usage = env.manager("GetUsageToday")
    assert usage["sessions"] == n_rows and usage["sessions"] <= usage["daily_sessions_limit"], usage
    assert usage["seconds"] <= usage["daily_minutes_limit"] * 60, usage
    return row


def check_serving(env, a):
    """The daemon answers: properties, and a new Start gets a proper answer (the
    rest rule refuses it: every session, even one the device never ran, counts)."""
    assert env.daemon.poll() is None, "massaged exited"
    assert env.prop(a, "ConnectionState") == "ready"
    assert env.prop(a, "State") == "idle", env.prop(a, "State")
    env.expect_error(lambda: env.start(a, duration=600), "org.massaged1.Error.RestRequired", "Rest")
    assert not env.state(a)["running"]


def watch_until_stopped_by_command(env, a, writes_before, extra_writes, timeout):
    """Poll the true state until the device executed `extra_writes` more writes and
    is stopped by a STOP; returns (time it was first seen so, longest run seen)."""
    seen = {"running_since": None, "longest": 0.0}

    def check():
        st = env.state(a)
        now = time.monotonic()
        if st["running"]:
            if seen["running_since"] is None:
                seen["running_since"] = now
            seen["longest"] = max(seen["longest"], now - seen["running_since"])
            return None
        seen["running_since"] = None
        if st["writes"] >= writes_before + extra_writes and st["stop_cause"] == "command":
            return now
        return None
    t = wait_until(check, timeout, what="the device stopped by a STOP after the held write ran", interval=0.005)
    return t, seen["longest"]


# ---- 1. late but within the timeout ----------------------------------------

def test_late_within_timeout():
    with S.env() as env:
        a = env.addr[0]
        env.screen_ok()
        env.add_and_connect(a)
        delay = 1.5
        env.sim.call("DelayWrites", "(suu)", a, 1, int(delay * 1000))
        t0 = time.monotonic()
        env.start(a, duration=600)
        took_start = time.monotonic() - t0
        assert took_start >= delay * 0.95, took_start
        st = env.state(a)
        assert st["running"] and st["lease_remaining"] > 0, st
        assert env.prop(a, "State") == "running"

        # Mid-session: a SetIntensity answered late completes; the session goes on.
        env.sim.call("DelayWrites", "(suu)", a, 1, int(delay * 1000))
        call = AsyncCall(env, a, "SetIntensity", "y", 2)
        wait_until(lambda: call.result, 10, what="SetIntensity answered")
        assert call.result == "ok", call.result
        env.stays(lambda: env.state(a)["running"], 0.5, "running after the late answers")
        rows = env.sessions()
        assert len(rows) == 1 and rows[0]["open"], rows
        bound("a write answered %.1f s late (timeout %.0f s): Start took %.2f s, SetIntensity %.2f s, "
              "the session went on" % (delay, COMMAND_TIMEOUT, took_start, call.took()))
        env.device(a, "Stop")
        assert not env.state(a)["running"]
        check_ledger(env, "user", t0)
        assert env.prop(a, "State") == "idle"


def test_changes_keep_counting():
    with S.env() as env:
        a = env.addr[0]
        t0 = started_session(env, a, intensity=4)
        # Each change starts a new plan segment at the elapsed whole seconds: the fraction must
        # be carried, or a client sending changes hides motor time from the limits.
        for i in range(12):
            env.device(a, "SetIntensity", "y", 2 + i % 2)
            env.stays(lambda: env.state(a)["running"], 0.45, "running between changes")
        env.device(a, "Stop")
        ran = time.monotonic() - t0
        row = check_ledger(env, "user", t0)
        assert row["seconds"] >= int(ran) - 1, "counted %u s of %.2f s" % (row["seconds"], ran)
        bound("12 changes over %.1f s of session: %u s counted" % (ran, row["seconds"]))


# ---- 2. a write that times out --------------------------------------------

def test_timeout_start():
    with S.env() as env:
        a = env.addr[0]
        env.screen_ok()
        env.add_and_connect(a)
        # Longer than the START's timeout and the STOP's after it: BlueZ keeps retrying
        # the STOP while the START is held, and gives up before the device runs it.
        delay = 2 * COMMAND_TIMEOUT + 1.5
        w0 = env.state(a)["writes"]
        env.sim.call("DelayWrites", "(suu)", a, 1, int(delay * 1000))
        t0 = time.monotonic()
        env.expect_error(lambda: env.start(a, duration=600), TIMEOUT, "no answer")
        t_timeout = time.monotonic()
        assert t_timeout - t0 >= COMMAND_TIMEOUT * 0.95, t_timeout - t0
        # The row is closed at once with the truth: the device did not confirm.
        check_ledger(env, "device_fault", t0)
        assert env.prop(a, "State") == "idle"
        # BlueZ still holds the START: the device runs it late. The daemon must stop it.
        t_stop, longest = watch_until_stopped_by_command(env, a, w0, 2, delay + 5)
        t_late = t0 + delay
        st = env.state(a)
        assert not st["running"] and not st["heater_on"], st
        assert t_stop - t_late < 1.5 * SLOWDOWN, "stopped %.2f s after the late START" % (t_stop - t_late)
        bound("START timed out after %.2f s (Start() -> Timeout, row closed device_fault); the device ran the "
              "held START %.1f s later and was stopped %.2f s after it (longest run seen %.2f s)"
              % (t_timeout - t0, t_late - t_timeout, max(0.0, t_stop - t_late), longest))
        env.stays(lambda: not env.state(a)["running"], 0.5, "stays stopped")
        check_ledger(env, "device_fault", t0)
        check_serving(env, a)


def test_timeout_set_intensity():
    with S.env() as env:
        a = env.addr[0]
        ended = Signals(env.api, DEVICE, "SessionEnded")
        t0 = started_session(env, a, intensity=3)
        delay = COMMAND_TIMEOUT + 2.0
        w0 = env.state(a)["writes"]
        env.sim.call("DelayWrites", "(suu)", a, 1, int(delay * 1000))
        t_call = time.monotonic()
        call = AsyncCall(env, a, "SetIntensity", "y", 2)
        wait_until(lambda: call.result, 10, what="SetIntensity answered")
        t_timeout = time.monotonic()
        # Timeout when SetIntensity held the write; Failed when a lease renewal got it first.
        assert call.result in (TIMEOUT, "org.massaged1.Error.Failed"), call.result
        wait_until(lambda: ended.items, 5, what="SessionEnded")
        assert ended.items[0][1][1] == "device_fault", ended.items
        check_ledger(env, "device_fault", t0)
        # The session is over; the device runs until the held write is done (then the daemon
        # stops it) or until its lease runs out, whichever comes first.
        def stopped():
            st = env.state(a)
            return time.monotonic() if not st["running"] else None
        t_stop = wait_until(stopped, LEASE_S + 2, what="device stopped", interval=0.005)
        st = env.state(a)
        assert not st["heater_on"], st
        assert st["stop_cause"] in ("command", "lease-expired"), st
        assert t_stop - t_call <= LEASE_S + 0.5 * SLOWDOWN, t_stop - t_call
        bound("SetIntensity timed out after %.2f s (%s); session ended device_fault; device stopped %.2f s "
              "after the timeout (stop cause %s; held write ran %.1f s after the call; lease cap %d s)"
              % (t_timeout - t_call, call.result.rsplit(".", 1)[-1], t_stop - t_timeout, st["stop_cause"], delay,
                 LEASE_S))
        env.stays(lambda: not env.state(a)["running"], 0.5, "stays stopped")
        assert env.state(a)["writes"] >= w0
        check_serving(env, a)


def test_timeout_stop():
    with S.env() as env:
        a = env.addr[0]
        t0 = started_session(env, a)
        delay = COMMAND_TIMEOUT + 2.0
        env.sim.call("DelayWrites", "(suu)", a, 1, int(delay * 1000))
        t_call = time.monotonic()
        call = AsyncCall(env, a, "Stop")
        # The row is closed at once (the user asked); the reply waits for the device.
        wait_until(lambda: env.sessions()[0]["end_reason"] == "user", 3, what="row closed user")
        wait_until(lambda: call.result, 10, what="Stop answered")
        t_timeout = time.monotonic()
        assert call.result in (TIMEOUT, "ok"), call.result

        def stopped():
            return time.monotonic() if not env.state(a)["running"] else None
        t_stop = wait_until(stopped, LEASE_S + 2, what="device stopped", interval=0.005)
        st = env.state(a)
        assert not st["heater_on"], st
        assert t_stop - t_call <= LEASE_S + 0.5 * SLOWDOWN, t_stop - t_call
        bound("Stop's write held %.1f s: Stop() answered %s after %.2f s, row closed user at once; device "
              "stopped %.2f s after the call (stop cause %s; lease cap %d s)"
              % (delay, call.result.rsplit(".", 1)[-1], t_timeout - t_call, t_stop - t_call, st["stop_cause"],
                 LEASE_S))
        env.stays(lambda: not env.state(a)["running"], 0.5, "stays stopped")
        check_ledger(env, "user", t0)
        check_serving(env, a)


# ---- 3. truncated, stale, repeated, out-of-order notifications ---------------

def test_truncated_notifications():
    with S.env() as env:
        a = env.addr[0]
        t0 = started_session(env, a)
        env.sim.call("MangleNotifications", "(ssu)", a, "truncate", 3)
        wait_until(lambda: "dropping malformed Status notification (3 bytes)" in env.logs(), 5,
                   what="the daemon logged the truncated frames")
        env.stays(lambda: env.state(a)["running"] and env.prop(a, "State") == "running", 2.0,
                  "running through truncated notifications")
        rows = env.sessions()
        assert len(rows) == 1 and rows[0]["open"], rows
        env.device(a, "Stop")
        assert not env.state(a)["running"]
        check_ledger(env, "user", t0)


def test_dead_notifications():
    with S.env() as env:
        a = env.addr[0]
        ended = Signals(env.api, DEVICE, "SessionEnded")
        t0 = started_session(env, a)
        # From now on every notification arrives truncated: the device executes the lease
        # renewals (it keeps running), but the daemon never sees one confirmed.
        env.sim.call("MangleNotifications", "(ssu)", a, "truncate", 100000)
        t_dead = time.monotonic()
        wait_until(lambda: ended.items, LEASE_S + LEASE_RENEW + 3, what="SessionEnded")
        t_end = time.monotonic()
        assert ended.items[0][1][1] == "device_fault", ended.items
        wait_until(lambda: not env.state(a)["running"], 5, what="device stopped")
        t_stop = time.monotonic()
        st = env.state(a)
        assert st["stop_cause"] == "command" and not st["heater_on"], st
        assert t_end - t_dead <= LEASE_S + LEASE_RENEW + 1.0 * SLOWDOWN, t_end - t_dead
        bound("notifications dead mid-session (the device ran on, renewed): session ended device_fault %.2f s "
              "later (no renewal confirmed for %d s), device stopped %.2f s later" % (t_end - t_dead, LEASE_S,
                                                                                  t_stop - t_dead))
        env.sim.call("MangleNotifications", "(ssu)", a, "truncate", 0)
        check_ledger(env, "device_fault", t0)
        check_serving(env, a)


def test_stale_and_repeated_responses():
    with S.env() as env:
        a = env.addr[0]
        sniff = Bluez(env.system.bus)
        t0 = started_session(env, a, intensity=3)
        status_path = sniff.char_path(a, P.STATUS_UUID)
        sniff.settle()
        frames = [P.decode(v) for v in sniff.notifications(status_path)]
        start_resp = [f for f in frames if f["opcode"] == P.OP_START_SESSION | P.RESPONSE_BIT][-1]
        # A SetIntensity held 2 s by the device; meanwhile forged answers arrive.
        delay = 2.0
        env.sim.call("DelayWrites", "(suu)", a, 1, int(delay * 1000))
        call = AsyncCall(env, a, "SetIntensity", "y", 2)
        wait_until(lambda: env.state(a)["delay_writes"] == 0, 2, what="the write held by the device")
        stale = start_resp["seq"]
        far = (start_resp["seq"] + 128) & 0xFF
        for seq in (stale, far):
            # A response to SET_OUTPUT with a seq not in flight, claiming the device stopped.
            env.sim.call("SendNotification", "(say)", a,
                         response_frame(P.OP_SET_OUTPUT, seq, running=False, intensity=0, cause="overheat",
                                        faults=P.FAULT_OVERHEAT))
        # The answer to START again (a repeat of an answered command).
        raw = [v for v in sniff.notifications(status_path) if P.decode(v)["seq"] == stale and
               P.decode(v)["opcode"] & P.RESPONSE_BIT][-1]
        env.sim.call("SendNotification", "(say)", a, raw)
        # The sim sent them before the held answer, so the daemon sees them while the command is in flight.
        wait_until(lambda: env.logs().count("does not match the command in flight") >= 3, 3,
                   what="three responses dropped")
        wait_until(lambda: call.result, 10, what="SetIntensity answered by the device")
        assert call.result == "ok", call.result
        # Completed by a forged answer, it would have returned at once.
        assert call.took() >= delay * 0.95, "SetIntensity completed after %.2f s" % call.took()
        st = env.state(a)
        assert st["running"] and env.prop(a, "State") == "running", st
        assert env.prop(a, "Faults") == [], env.prop(a, "Faults")
        bound("3 stale/repeated responses while a command was in flight: dropped; the command completed "
              "only with the device's answer after %.2f s (held %.1f s)" % (call.took(), delay))
        # With nothing in flight: a late answer claiming the device stopped hot changes nothing.
        n = env.logs().count("with no command in flight")
        env.sim.call("SendNotification", "(say)", a,
                     response_frame(P.OP_EXTEND_LEASE, far, running=False, intensity=0, cause="overheat",
                                    faults=P.FAULT_OVERHEAT, temperature=46.0))
        wait_until(lambda: env.logs().count("with no command in flight") > n or
                   env.logs().count("does not match the command in flight") > 3, 3, what="the late answer dropped")
        env.stays(lambda: env.state(a)["running"] and env.prop(a, "State") == "running", 1.0,
                  "the session goes on")
        rows = env.sessions()
        assert len(rows) == 1 and rows[0]["open"], rows
        assert not env.manager("GetUsageToday")["thermal_locked"]
        env.device(a, "Stop")
        check_ledger(env, "user", t0)


def test_out_of_order_status():
    with S.env() as env:
        a = env.addr[0]
        sniff = Bluez(env.system.bus)
        t0 = started_session(env, a)
        status_path = sniff.char_path(a, P.STATUS_UUID)

        def last_status_seq():
            sniff.settle()
            seqs = [P.decode(v)["seq"] for v in sniff.notifications(status_path)
                    if P.decode(v)["opcode"] == P.OP_STATUS]
            return seqs[-1] if len(seqs) >= 2 else None
        last = wait_until(last_status_seq, 5, what="two periodic STATUS frames")
        # An older STATUS and a repeat of the last one, both saying the pad overheated and the device stopped.
        for seq in ((last - 1) & 0xFF, last):
            env.sim.call("SendNotification", "(say)", a,
                         status_frame(seq, running=False, intensity=0, cause="overheat", faults=P.FAULT_OVERHEAT,
                                      temperature=46.0))
        wait_until(lambda: env.logs().count("dropping STATUS seq") >= 2, 3, what="both STATUS frames dropped")
        env.stays(lambda: env.state(a)["running"] and env.prop(a, "State") == "running", 2.0,
                  "the session goes on")
        assert env.prop(a, "Faults") == [], env.prop(a, "Faults")
        rows = env.sessions()
        assert len(rows) == 1 and rows[0]["open"], rows
        assert not env.manager("GetUsageToday")["thermal_locked"]
        bound("an older and a repeated STATUS (seq %u, %u after %u) claiming overheat: dropped; session went on"
              % ((last - 1) & 0xFF, last, last))
        env.device(a, "Stop")
        check_ledger(env, "user", t0)


def test_cutoff_during_command():
    with S.env() as env:
        a = env.addr[0]
        ended = Signals(env.api, DEVICE, "SessionEnded")
        t0 = started_session(env, a, heat=1)
        # The device trips while a SetIntensity is held: its STATUS comes while a command is in
        # flight, the held SET_OUTPUT is then answered NOT_RUNNING (stop cause overheat).
        env.sim.call("DelayWrites", "(suu)", a, 1, 1500)
        call = AsyncCall(env, a, "SetIntensity", "y", 2)
        wait_until(lambda: env.state(a)["delay_writes"] == 0, 2, what="the write held by the device")
        env.sim.call("ForceOverheat", "(s)", a)
        t_trip = time.monotonic()
        st = env.state(a)
        assert not st["running"] and not st["heater_on"], st
        wait_until(lambda: ended.items, 5, what="SessionEnded")
        t_end = time.monotonic()
        assert ended.items[0][1][1] == "thermal_cutoff", ended.items
        wait_until(lambda: call.result, 10, what="SetIntensity answered")
        assert call.result != "ok", call.result
        check_ledger(env, "thermal_cutoff", t0)
        events = env.history("GetEvents", "xx", 0, 2 ** 62)
        assert any(e["kind"] == "thermal_trip" for e in events), events
        assert env.manager("GetUsageToday")["thermal_locked"]
        bound("device cut-off while a command was in flight: session ended thermal_cutoff %.2f s after the "
              "trip (the device itself was off at once), lock-out recorded" % (t_end - t_trip))
        env.stays(lambda: not env.state(a)["running"], 0.5, "stays stopped")
        assert env.daemon.poll() is None


# ---- 4. the device resets mid-session ----------------------------------------

def test_device_reset():
    with S.env() as env:
        a = env.addr[0]
        ended = Signals(env.api, DEVICE, "SessionEnded")
        t0 = started_session(env, a, intensity=4)
        # Let a renewal or two pass, then reboot the firmware (the link stays).
        env.stays(lambda: env.state(a)["running"], 1.5, "running")
        env.sim.call("ResetDevice", "(s)", a)
        t_reset = time.monotonic()
        st = env.state(a)
        assert not st["running"] and not st["heater_on"] and st["connected"], st
        wait_until(lambda: ended.items, (LEASE_RENEW + 2), what="the daemon notices the reset")
        t_seen = time.monotonic()
        assert ended.items[0][1][1] == "device_fault", ended.items
        assert t_seen - t_reset <= LEASE_RENEW + 1.0 * SLOWDOWN, t_seen - t_reset
        bound("device reset mid-session: noticed %.2f s later by the next lease renewal (renewed every %.0f s), "
              "session ended device_fault" % (t_seen - t_reset, LEASE_RENEW))
        writes = env.state(a)["writes"]
        # No automatic restart: the motors stay off, and nothing but a STOP was written since.
        env.stays(lambda: not env.state(a)["running"], 2.0, "no automatic restart")
        assert env.state(a)["writes"] <= writes + 1
        assert env.state(a)["stop_cause"] in ("none", "command"), env.state(a)
        check_ledger(env, "device_fault", t0)
        check_serving(env, a)
        # Usable again: a daemon with a fresh ledger (no rest owed) starts a session on it.
        env.kill_daemon(signal.SIGTERM)
        env.db = os.path.join(env.tmp, "fresh.db")
        env.start_daemon()
        env.screen_ok()
        env.add_and_connect(a)
        env.start(a, duration=600)
        wait_until(lambda: env.state(a)["running"], 3, what="running again")
        env.device(a, "Stop")
        assert not env.state(a)["running"]


# ---- 5. a temperature rising too fast ---------------------------------------

def test_rise_too_fast():
    # A pad that barely heats by itself (tau of a day), so the test alone drives the temperature.
    with S.env(sim_args=["--thermal-tau=86400"]) as env:
        a = env.addr[0]
        ended = Signals(env.api, DEVICE, "SessionEnded")
        env.screen_ok()
        env.add_and_connect(a)
        base = env.state(a)["temperature"]
        rate = 6.0      # °C/min: three times the 2 °C/min the rule allows, far from 45 °C
        env.start(a, heat=1, duration=600)
        t0 = time.monotonic()
        assert env.state(a)["heater_on"], env.state(a)

        def ramp():
            if ended.items:
                return True
            env.sim.call("SetTemperature", "(sd)", a, base + rate * (time.monotonic() - t0) / 60.0)
            return False
        # The rule judges a rise against readings 30–60 s old: it cannot trip before 30 s.
        wait_until(ramp, 60, what="the thermal cut-off", interval=0.25)
        t_trip = time.monotonic()
        assert ended.items[0][1][1] == "thermal_cutoff", ended.items
        # STOP went out before SessionEnded; it follows a command in flight (a renewal), at most.
        wait_until(lambda: not env.state(a)["heater_on"] and not env.state(a)["running"], 2,
                   what="heater and motors off", interval=0.005)
        t_off = time.monotonic()
        st = env.state(a)
        assert st["temperature"] < 45.0, st
        assert t_trip - t0 >= 29.0, "tripped before the 30 s window: %.1f s" % (t_trip - t0)
        bound("pad rising %.1f °C/min from %.1f °C: cut-off %.1f s after the rise began, at %.1f °C (rule: > 2 °C/min "
              "over 30–60 s); heater and motors off %.2f s after SessionEnded"
              % (rate, base, t_trip - t0, st["temperature"], t_off - t_trip))
        check_ledger(env, "thermal_cutoff", t0)
        events = env.history("GetEvents", "xx", 0, 2 ** 62)
        assert any(e["kind"] == "thermal_trip" and "rising" in e["detail"] for e in events), events
        assert env.manager("GetUsageToday")["thermal_locked"]
        assert env.daemon.poll() is None
        env.expect_error(lambda: env.start(a, duration=600), "org.massaged1.Error.ThermalLockout")


S.run("a write answered late within the timeout: Start and SetIntensity complete, the session goes on",
      test_late_within_timeout)
S.run("changes mid-session do not drop counted motor time", test_changes_keep_counting)
S.run("START times out: Start fails, row closed device_fault, the late-run START is stopped at once",
      test_timeout_start)
S.run("SET_OUTPUT times out mid-session: session ended device_fault, device stopped", test_timeout_set_intensity)
S.run("STOP times out: row closed user, device stopped", test_timeout_stop)
S.run("truncated notifications are dropped and logged; the session goes on", test_truncated_notifications)
S.run("notifications dead: no lease confirmed for 10 s ends the session and stops the device",
      test_dead_notifications)
S.run("stale and repeated responses do not complete the command in flight", test_stale_and_repeated_responses)
S.run("older and repeated STATUS frames are dropped; the session goes on", test_out_of_order_status)
S.run("the device's cut-off while a command is in flight: thermal_cutoff and the lock-out recorded",
      test_cutoff_during_command)
S.run("device reset mid-session: noticed, session ended device_fault, no restart, usable again",
      test_device_reset)
S.run("a temperature rising > 2 °C/min trips the thermal cut-off", test_rise_too_fast)
S.exit()

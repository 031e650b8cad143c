#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""massaged integration: the device lifecycle under faults — lease renewal,
link loss, BlueZ restarts, several devices — checked on massager-sim's true
device state."""

import os
import sys
import time

sys.path.insert(0, os.path.join(os.environ.get("top_srcdir", os.path.join(os.path.dirname(__file__), "..", "..")), "tests", "lib"))
from massaged_env import MassagedEnv, SignalRecorder, Tap, wait_until, device_path, DEVICE  # noqa: E402

A = "AA:BB:CC:DD:EE:01"
B = "AA:BB:CC:DD:EE:02"
holder = {}


def fresh(**kw):
    env = MassagedEnv(**kw)
    holder["env"] = env
    return env


def test_lease_renewal():
    with fresh() as env:
        env.screen_ok()
        env.add_and_connect(A)
        env.start(A, duration=600)
        # 14 s is longer than any single lease (≤ 10 s): only renewals keep it running.
        lowest = 10 ** 9
        t_end = time.monotonic() + 14
        while time.monotonic() < t_end:
            st = env.sim_state(A)
            assert st["running"], "device stopped during the session: %r" % st
            lowest = min(lowest, st["lease_remaining"])
            time.sleep(0.2)
        assert lowest >= 4000, "lease fell to %d ms before a renewal" % lowest
        print("# lowest device lease seen over 14 s: %d ms" % lowest)
        env.device(A, "Stop")


def test_link_loss():
    with fresh() as env:
        env.screen_ok()
        env.add_and_connect(A)
        rec = SignalRecorder(env.api, DEVICE, "SessionEnded")
        env.start(A, duration=600)
        assert env.sim_state(A)["running"]
        env.sim_call("DropLink", "s", A)
        # The device stops on link loss by itself; the daemon ends the session.
        wait_until(lambda: not env.sim_state(A)["running"], 3, what="device stopped on link loss")
        wait_until(lambda: rec.pump(), 5, what="SessionEnded")
        assert rec.items[0][1][1] == "link_lost", rec.items
        rows = env.sessions()
        assert not rows[0]["open"] and rows[0]["end_reason"] == "link_lost", rows
        # It reconnects on its own (backoff 4 s) …
        wait_until(lambda: env.prop(A, "ConnectionState") in ("reconnecting", "connecting", "resolving"), 5,
                   what="reconnecting")
        wait_until(lambda: env.prop(A, "ConnectionState") == "ready", 20, what="ready again")
        assert env.sim_state(A)["notifying"], "notifications not re-subscribed"
        # … and never resumes the session.
        t_end = time.monotonic() + 2
        while time.monotonic() < t_end:
            assert not env.sim_state(A)["running"], "session resumed on its own"
            time.sleep(0.1)
        assert env.prop(A, "State") == "idle"


def test_user_disconnect_sticks():
    with fresh() as env:
        env.add_and_connect(A)
        env.device(A, "Disconnect")
        wait_until(lambda: not env.sim_state(A)["connected"], 5, what="link down")
        assert env.prop(A, "ConnectionState") == "disconnected"
        # No automatic reconnect: wait past the first backoff (4 s).
        t_end = time.monotonic() + 6
        while time.monotonic() < t_end:
            assert not env.sim_state(A)["connected"], "reconnected after a user Disconnect"
            time.sleep(0.2)
        env.device(A, "Connect")
        assert env.prop(A, "ConnectionState") == "ready"


def test_bluez_restart_idle():
    with fresh() as env:
        env.add_and_connect(A)
        env.sim_call("RestartBluez", "u", 500)
        wait_until(lambda: env.prop(A, "ConnectionState") != "ready", 5, what="link gone with bluetoothd")
        wait_until(lambda: env.prop(A, "ConnectionState") == "ready", 30, what="ready after the restart")
        assert env.sim_state(A)["notifying"]


def test_bluez_restart_mid_session():
    with fresh() as env:
        env.screen_ok()
        env.add_and_connect(A)
        rec = SignalRecorder(env.api, DEVICE, "SessionEnded")
        env.start(A, duration=600)
        env.sim_call("RestartBluez", "u", 500)
        wait_until(lambda: not env.sim_state(A)["running"], 12, what="device stopped")
        wait_until(lambda: rec.pump(), 5, what="SessionEnded")
        assert rec.items[0][1][1] == "link_lost", rec.items
        wait_until(lambda: env.prop(A, "ConnectionState") == "ready", 30, what="ready after the restart")
        assert not env.sim_state(A)["running"], "session resumed on its own"
        rows = env.sessions()
        assert not rows[0]["open"] and rows[0]["end_reason"] == "link_lost", rows


def test_several_devices():
    with fresh(devices=(A, B)) as env:
        env.screen_ok()
        env.add_and_connect(A)
        env.add_and_connect(B)
        env.start(A, duration=600)
        env.start(B, duration=600, heat=1)
        sa, sb = env.sim_state(A), env.sim_state(B)
        assert sa["running"] and sb["running"], (sa, sb)
        wait_until(lambda: env.sim_state(B)["heater_on"], 5, what="B heating")
        assert not env.sim_state(A)["heater_on"]
        env.device(A, "Stop")
        assert not env.sim_state(A)["running"]
        assert env.sim_state(B)["running"], "stopping A stopped B"
        env.sim_call("DropLink", "s", B)
        wait_until(lambda: not env.sim_state(B)["running"], 3, what="B stopped on link loss")
        assert env.prop(A, "ConnectionState") == "ready", "A affected by B's link loss"
        ends = {r["device"]: r["end_reason"] for r in env.sessions()}
        assert ends == {A: "user", B: "link_lost"}, ends


TESTS = [
    ("lease renewed: the device runs past one lease, the lease never runs low", test_lease_renewal),
    ("link loss: session ended link_lost, row closed, reconnect, no auto-resume", test_link_loss),
    ("a user Disconnect is not undone automatically", test_user_disconnect_sticks),
    ("BlueZ restart while idle: reconnects", test_bluez_restart_idle),
    ("BlueZ restart mid-session: session ends, device stopped, reconnects, no resume", test_bluez_restart_mid_session),
    ("two devices: independent sessions, stops and link losses", test_several_devices),
]

if __name__ == "__main__":
    tap = Tap(len(TESTS))
    for name, fn in TESTS:
        tap.run(name, fn, holder)
    sys.exit(tap.done())

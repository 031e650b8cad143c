#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""massaged integration: the daemon dying mid-session. SIGKILL → the device
stops by its own lease, and the next start closes the row conservatively;
SIGTERM → clean stop, row closed, exit 0."""

import os
import signal
import sys
import time

sys.path.insert(0, os.path.join(os.environ.get("top_srcdir", os.path.join(os.path.dirname(__file__), "..", "..")), "tests", "lib"))
from massaged_env import MassagedEnv, Tap, wait_until  # noqa: E402

A = "AA:BB:CC:DD:EE:01"
holder = {}


def fresh(**kw):
    env = MassagedEnv(**kw)
    holder["env"] = env
    return env


def test_sigkill():
    with fresh() as env:
        env.screen_ok()
        env.add_and_connect(A)
        env.start(A, duration=600)
        planned = env.sessions()[0]["planned_seconds"]
        assert env.sim_state(A)["running"]
        t0 = time.monotonic()
        env.kill_daemon(signal.SIGKILL)
        # Nobody renews the lease now: the device must stop by itself within one lease (≤ 10 s).
        wait_until(lambda: not env.sim_state(A)["running"], 12, interval=0.05, what="device stopped by its lease")
        took = time.monotonic() - t0
        st = env.sim_state(A)
        assert st["stop_cause"] == "lease", st
        print("# SIGKILL → device stopped by its lease after %.1f s" % took)
        assert took <= 10.5, took
        # Restart: the open row is closed as interrupted, counted at its planned length.
        env.start_daemon()
        rows = env.sessions()
        assert len(rows) == 1, rows
        r = rows[0]
        assert not r["open"] and r["end_reason"] == "interrupted", r
        assert r["seconds"] == planned, (r["seconds"], planned)
        # The device is reconnected and left stopped.
        wait_until(lambda: env.prop(A, "ConnectionState") == "ready", 15, what="ready after restart")
        assert not env.sim_state(A)["running"]


def test_sigterm():
    with fresh() as env:
        env.screen_ok()
        env.add_and_connect(A)
        env.start(A, heat=1, duration=600)
        wait_until(lambda: env.sim_state(A)["heater_on"], 5, what="heating")
        rc = env.kill_daemon(signal.SIGTERM)
        assert rc == 0, "massaged exited %d on SIGTERM" % rc
        st = env.sim_state(A)
        assert not st["running"] and not st["heater_on"], st
        assert st["stop_cause"] == "command", st
        env.start_daemon()
        rows = env.sessions()
        assert len(rows) == 1 and rows[0]["end_reason"] == "shutdown" and not rows[0]["open"], rows


TESTS = [
    ("SIGKILL mid-session: device stops by lease; restart closes the row as interrupted", test_sigkill),
    ("SIGTERM mid-session: STOP sent, row closed 'shutdown', exit 0", test_sigterm),
]

if __name__ == "__main__":
    tap = Tap(len(TESTS))
    for name, fn in TESTS:
        tap.run(name, fn, holder)
    sys.exit(tap.done())

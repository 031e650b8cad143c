#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""massaged integration: the daemon dying mid-session. SIGKILL → the device
stops by its own lease, and the next start closes the row conservatively;
SIGTERM → clean stop, row closed, exit 0."""

import os
import signal
import sys
import time

sys.path.insert(0, os.path.join(os.environ.get("top_srcdir", "."), "tests", "lib"))
from massaged_env import SLOWDOWN, Scenarios, log, wait_for, wait_until  # noqa: E402

S = Scenarios()


def test_sigkill():
    with S.env() as env:
        a = env.addr[0]
        env.screen_ok()
        env.add_and_connect(a)
        env.start(a, duration=600)
        planned = env.sessions()[0]["planned_seconds"]
        assert env.state(a)["running"]
        t0 = time.monotonic()
        env.kill_daemon(signal.SIGKILL)
        # Nobody renews the lease now: the device stops by itself within one lease (≤ 10 s).
        wait_until(lambda: not env.state(a)["running"], 12, interval=0.05, what="device stopped by its lease")
        took = time.monotonic() - t0
        st = env.state(a)
        assert st["stop_cause"] == "lease-expired", st
        log("SIGKILL → device stopped by its lease after %.1f s" % took)
        assert took <= 10 + 0.5 * SLOWDOWN, took
        # Restart: the open row is closed as interrupted, counted at its planned length.
        env.start_daemon()
        rows = env.sessions()
        assert len(rows) == 1, rows
        r = rows[0]
        assert not r["open"] and r["end_reason"] == "interrupted", r
        assert r["seconds"] == planned, (r["seconds"], planned)
        # The device is reconnected and left stopped.
        wait_for(lambda: env.prop(a, "ConnectionState") == "ready", 15, what="ready after restart")
        assert not env.state(a)["running"]


def test_sigkill_restart_stops_running_device():
    with S.env() as env:
        a = env.addr[0]
        env.screen_ok()
        env.add_and_connect(a)
        env.start(a, duration=600)
        env.kill_daemon(signal.SIGKILL)
        # Restart at once, while the device still runs on its last lease: the
        # daemon must stop it rather than adopt or resume the session.
        assert env.state(a)["running"]
        env.start_daemon()
        wait_until(lambda: not env.state(a)["running"], 5, what="device stopped by the restarted daemon")
        assert env.state(a)["stop_cause"] == "command", env.state(a)


def test_sigterm():
    with S.env() as env:
        a = env.addr[0]
        env.screen_ok()
        env.add_and_connect(a)
        env.start(a, heat=1, duration=600)
        wait_until(lambda: env.state(a)["heater_on"], 5, what="heating")
        rc = env.kill_daemon(signal.SIGTERM)
        assert rc == 0, "massaged exited %d on SIGTERM" % rc
        st = env.state(a)
        assert not st["running"] and not st["heater_on"], st
        assert st["stop_cause"] == "command", st
        env.start_daemon()
        rows = env.sessions()
        assert len(rows) == 1 and rows[0]["end_reason"] == "shutdown" and not rows[0]["open"], rows


S.run("SIGKILL mid-session: device stops by its lease; restart closes the row as interrupted", test_sigkill)
S.run("SIGKILL then immediate restart: the device still running is stopped, not resumed",
      test_sigkill_restart_stops_running_device)
S.run("SIGTERM mid-session: STOP sent, row closed 'shutdown', exit 0", test_sigterm)
S.exit()

#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""massaged integration: the device lifecycle under faults — lease renewal,
link loss, a user Disconnect, BlueZ restarts, several devices, an idle daemon
— checked on massager-sim's true device state."""

import os
import sys
import time

sys.path.insert(0, os.path.join(os.environ.get("top_srcdir", "."), "tests", "lib"))
from massaged_env import DEVICE, WRAPPER, Scenarios, Signals, log, wait_for, wait_until  # noqa: E402

S = Scenarios()


def test_lease_renewal():
    with S.env() as env:
        a = env.addr[0]
        env.screen_ok()
        env.add_and_connect(a)
        env.start(a, duration=600)
        # 14 s is longer than any single lease (≤ 10 s): only renewals keep it running.
        lowest = [10 ** 9]

        def running():
            st = env.state(a)
            lowest[0] = min(lowest[0], st["lease_remaining"])
            return st["running"]
        env.stays(running, 14, "device running through the session")
        assert lowest[0] >= 4000, "lease fell to %d ms before a renewal" % lowest[0]
        log("lowest device lease seen over 14 s: %d ms" % lowest[0])
        env.device(a, "Stop")


def test_link_loss():
    with S.env() as env:
        a = env.addr[0]
        env.screen_ok()
        env.add_and_connect(a)
        ended = Signals(env.api, DEVICE, "SessionEnded")
        env.start(a, duration=600)
        assert env.state(a)["running"]
        env.sim.call("DropLink", "(s)", a)
        # The device stops on link loss by itself; the daemon ends the session.
        wait_until(lambda: not env.state(a)["running"], 3, what="device stopped on link loss")
        wait_until(lambda: ended.items, 5, what="SessionEnded")
        assert ended.items[0][1][1] == "link_lost", ended.items
        rows = env.sessions()
        assert not rows[0]["open"] and rows[0]["end_reason"] == "link_lost", rows
        # It reconnects on its own (after the 4 s backoff), notifications re-subscribed …
        wait_for(lambda: env.prop(a, "ConnectionState") == "ready", 20, what="ready again")
        assert env.state(a)["notifying"], "notifications not re-subscribed"
        # … and never resumes the session.
        env.stays(lambda: not env.state(a)["running"], 2, "device stays stopped")
        assert env.prop(a, "State") == "idle"


def test_user_disconnect_sticks():
    with S.env() as env:
        a = env.addr[0]
        env.add_and_connect(a)
        env.device(a, "Disconnect")
        wait_until(lambda: not env.state(a)["connected"], 5, what="link down")
        assert env.prop(a, "ConnectionState") == "disconnected"
        # No automatic reconnect: watch past the first backoff (4 s).
        env.stays(lambda: not env.state(a)["connected"], 6, "still disconnected")
        env.device(a, "Connect")
        assert env.prop(a, "ConnectionState") == "ready"
        assert env.state(a)["connected"]


def test_bluez_restart_idle():
    with S.env() as env:
        a = env.addr[0]
        env.add_and_connect(a)
        env.sim.call("RestartBluez", "(u)", 500)
        wait_for(lambda: env.prop(a, "ConnectionState") != "ready", 5, what="link gone with bluetoothd")
        wait_for(lambda: env.prop(a, "ConnectionState") == "ready", 30, what="ready after the restart")
        assert env.state(a)["notifying"]


def test_bluez_restart_mid_session():
    with S.env() as env:
        a = env.addr[0]
        env.screen_ok()
        env.add_and_connect(a)
        ended = Signals(env.api, DEVICE, "SessionEnded")
        env.start(a, duration=600)
        env.sim.call("RestartBluez", "(u)", 500)
        wait_until(lambda: not env.state(a)["running"], 12, what="device stopped")
        wait_until(lambda: ended.items, 5, what="SessionEnded")
        assert ended.items[0][1][1] == "link_lost", ended.items
        wait_for(lambda: env.prop(a, "ConnectionState") == "ready", 30, what="ready after the restart")
        assert not env.state(a)["running"], "session resumed on its own"
        rows = env.sessions()
        assert not rows[0]["open"] and rows[0]["end_reason"] == "link_lost", rows


def test_several_devices():
    with S.env(devices=2) as env:
        a, b = env.addr
        env.screen_ok()
        env.add_and_connect(a)
        env.add_and_connect(b)
        env.start(a, duration=600)
        assert env.state(a)["running"] and not env.state(b)["running"]
        # B's link drops and comes back while A's session runs on, untouched.
        env.sim.call("DropLink", "(s)", b)
        wait_for(lambda: env.prop(b, "ConnectionState") != "ready", 5, what="B lost")
        wait_for(lambda: env.prop(b, "ConnectionState") == "ready", 20, what="B ready again")
        assert env.state(a)["running"] and env.prop(a, "State") == "running", "A affected by B's link loss"
        # One user, one neck: a second session at once is refused by the rest rule, and B stays untouched.
        env.expect_error(lambda: env.start(b, duration=600), "org.massaged1.Error.SessionOpen", "still open")
        assert not env.state(b)["running"] and env.state(b)["writes"] == 0, env.state(b)
        env.device(a, "Stop")
        assert not env.state(a)["running"]


def test_idle_no_wakeups():
    with S.env() as env:
        a = env.addr[0]
        env.add_and_connect(a)
        pid = env.daemon.pid

        def switches():
            with open("/proc/%d/status" % pid) as f:
                fields = dict(l.split(":", 1) for l in f if "ctxt_switches" in l)
            return sum(int(v) for v in fields.values())
        wait_for(lambda: env.state(a)["notifying"], 5, what="settled")
        before = switches()
        t0 = time.monotonic()
        env.stays(lambda: True, 3, "idle")
        after = switches()
        log("idle daemon: %d context switches in %.1f s" % (after - before, time.monotonic() - t0))
        assert after - before == 0, "an idle daemon woke up %d times" % (after - before)


S.run("lease renewed: the device runs past one lease, the lease never runs low", test_lease_renewal)
S.run("link loss: session ended link_lost, row closed, reconnect, no auto-resume", test_link_loss)
S.run("a user Disconnect is not undone automatically; Connect() undoes it", test_user_disconnect_sticks)
S.run("BlueZ restart while idle: reconnects", test_bluez_restart_idle)
S.run("BlueZ restart mid-session: session ends, device stopped, reconnects, no resume",
      test_bluez_restart_mid_session)
S.run("two devices: each its own state machine", test_several_devices)
if WRAPPER:
    S.tap.skip("an idle daemon does not wake up", "the process is valgrind's under TESTS_WRAPPER")
else:
    S.run("an idle daemon does not wake up", test_idle_no_wakeups)
S.exit()

#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""massaged integration: sleep (daemon/sleep-inhibit.h). A stand-in logind on
the private system bus hands out a delay inhibitor (a pipe) and emits
PrepareForSleep: the massager must be stopped (the simulator's true state)
*before* massaged closes the inhibitor, the ledger row ends with `suspend`,
and PrepareForSleep(false) takes the lock again. Without logind massaged
logs it once and works as before."""

import os
import sys
import time

sys.path.insert(0, os.path.join(os.environ.get("top_srcdir", "."), "tests", "lib"))
from fake_logind import FakeLogind  # noqa: E402
from massaged_env import DEVICE, Scenarios, Signals, log, wait_until  # noqa: E402

S = Scenarios()


def logind_env(**kw):
    env = S.env(daemon=False, **kw)
    a = env.addr[0]
    logind = FakeLogind(env.system.bus, on_close=lambda: env.state(a))
    env.start_daemon()
    wait_until(lambda: logind.inhibitors and logind.held_by(env.daemon.pid), 10,
               what="massaged holding the inhibitor fd")
    return env, logind


def test_sleep_mid_session():
    env, logind = logind_env()
    with env:
        a = env.addr[0]
        inh = logind.inhibitors[0]
        assert (inh.what, inh.who, inh.why, inh.mode) == ("sleep", "massaged", "Stop the massager before sleep",
                                                         "delay"), vars(inh)
        env.screen_ok()
        env.add_and_connect(a)
        ended = Signals(env.api, DEVICE, "SessionEnded")
        env.start(a, heat=1, duration=600)
        env.sim.wait_state(a, lambda s: s["running"] and s["heater_on"], 5, what="running with heat")
        # The STOP reaches the device 0.8 s late: a daemon that let the
        # computer sleep before the device confirmed would be caught here.
        env.sim.call("DelayWrites", "(suu)", a, 1, 800)
        t0 = time.monotonic()
        logind.prepare_for_sleep(True)
        state = wait_until(lambda: inh.closed, 5, what="inhibitor fd closed")
        log("bound: inhibitor released %.2f s after PrepareForSleep(true), STOP delayed 0.80 s" % (inh.closed_at - t0))
        assert not state["running"] and not state["heater_on"], "device still on when sleep was allowed: %s" % state
        assert state["stop_cause"] == "command", state
        rows = env.sessions()
        assert len(rows) == 1 and not rows[0]["open"] and rows[0]["end_reason"] == "suspend", rows
        wait_until(lambda: ended.items, 5, what="SessionEnded")
        assert ended.items[0][1][1] == "suspend", ended.items

        # Resume: the lock is taken again, and a new session may start.
        logind.prepare_for_sleep(False)
        wait_until(lambda: len(logind.inhibitors) == 2 and logind.held_by(env.daemon.pid), 5,
                   what="inhibitor taken again after resume")
        assert logind.inhibitors[1].mode == "delay"
        assert env.daemon.poll() is None


def test_sleep_when_idle():
    env, logind = logind_env()
    with env:
        a = env.addr[0]
        env.add_and_connect(a)
        inh = logind.inhibitors[0]
        t0 = time.monotonic()
        logind.prepare_for_sleep(True)
        state = wait_until(lambda: inh.closed, 5, what="inhibitor fd closed")
        log("bound: idle, inhibitor released %.3f s after PrepareForSleep(true)" % (inh.closed_at - t0))
        assert not state["running"], state
        assert env.sessions() == []
        # A second PrepareForSleep(true) without a lock (missed resume) changes nothing.
        logind.prepare_for_sleep(True)
        logind.prepare_for_sleep(False)
        wait_until(lambda: len(logind.inhibitors) == 2 and logind.held_by(env.daemon.pid), 5,
                   what="inhibitor taken again after resume")
        assert len(logind.inhibitors) == 2, [vars(i) for i in logind.inhibitors]


def test_no_logind():
    with S.env() as env:
        a = env.addr[0]
        env.screen_ok()
        env.add_and_connect(a)
        env.start(a, duration=600)
        assert env.state(a)["running"]
        env.device(a, "Stop")
        assert not env.state(a)["running"]
        text = open(env.daemon.log_path, errors="replace").read()
        n = text.count("Cannot take a sleep inhibitor from logind")
        log("no logind: %d notice(s)" % n)
        assert n == 1, text


S.run("PrepareForSleep mid-session: device stopped before the inhibitor is released; row ends 'suspend'; "
      "lock re-taken on resume", test_sleep_mid_session)
S.run("PrepareForSleep while idle: released at once, re-taken on resume", test_sleep_when_idle)
S.run("no logind on the bus: one notice, sessions work", test_no_logind)
S.exit()

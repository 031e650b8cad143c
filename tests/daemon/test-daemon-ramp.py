#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""massaged integration, the long ones (~2.5 min): a session running to its end, and the
soft start in real time.
The device holds the lowest level for 60 s, then rises by one level per
10 s toward the target — seen on massager-sim's true intensity."""

import os
import sys
import time

sys.path.insert(0, os.path.join(os.environ.get("top_srcdir", "."), "tests", "lib"))
from massaged_env import DEVICE, Scenarios, Signals, log, wait_until  # noqa: E402

S = Scenarios()


def test_ramp():
    with S.env() as env:
        a = env.addr[0]
        env.screen_ok()
        env.add_and_connect(a)
        # gentle's first step runs at 60 % of the chosen level: 5 → a target of 3.
        env.start(a, program="gentle", intensity=5, duration=600)
        t0 = time.monotonic()
        seen = {}

        def level(n):
            st = env.state(a)
            assert st["running"], st
            assert st["intensity"] <= n, "above level %d at %.1f s: %r" % (n, time.monotonic() - t0, st)
            if st["intensity"] not in seen:
                seen[st["intensity"]] = time.monotonic() - t0
            return st["intensity"] == n
        assert env.state(a)["intensity"] == 1
        wait_until(lambda: level(2), 75, interval=0.1, what="level 2")
        wait_until(lambda: level(3), 20, interval=0.1, what="level 3")
        log("soft start seen on the device: %s" % ", ".join("level %d at %.1f s" % (k, v)
                                                           for k, v in sorted(seen.items())))
        assert seen[2] >= 59.5, "left the lowest level after %.1f s (the hold is 60 s)" % seen[2]
        assert seen[3] - seen[2] >= 9.5, "rose faster than one level per 10 s: %r" % seen
        # The target is reached and kept (the first program step lasts 120 s).
        env.stays(lambda: env.state(a)["intensity"] == 3, 3, "stays at the target")
        env.device(a, "Stop")
        assert not env.state(a)["running"]


def test_runs_to_completion():
    with S.env() as env:
        a = env.addr[0]
        env.screen_ok()
        env.add_and_connect(a)
        ended = Signals(env.api, DEVICE, "SessionEnded")
        env.start(a, duration=60)
        t0 = time.monotonic()
        assert env.state(a)["lease_remaining"] <= 10000
        # The plan ends the session at 60 s; the lease never reaches past that end.
        wait_until(lambda: not env.state(a)["running"], 63, interval=0.05, what="stopped at the planned end")
        took = time.monotonic() - t0
        assert 58.5 <= took <= 61.5, "stopped after %.1f s of a 60 s session" % took
        wait_until(lambda: ended.items, 5, what="SessionEnded")
        sid, reason, seconds = ended.items[0][1]
        assert reason == "completed" and 59 <= seconds <= 61, ended.items
        row = env.sessions()[0]
        assert row["end_reason"] == "completed" and not row["open"] and row["seconds"] == seconds, row
        log("60 s session: device stopped after %.2f s (%s)" % (took, env.state(a)["stop_cause"]))


S.run("a 60 s session ends by itself at 60 s: device stopped, row closed 'completed'", test_runs_to_completion)
S.run("soft start: lowest level for 60 s, then +1 level per 10 s to the target", test_ramp)
S.exit()

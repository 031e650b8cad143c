#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""massaged integration: the heap is handed back once things settle
(daemon/memory-trim.h, doc/performance.md Round 2): after start-up, after a
device became ready and after a session ended, never while a session runs
(its step timers must not wait behind the walk over the heap)."""

import os
import re
import sys

sys.path.insert(0, os.path.join(os.environ.get("top_srcdir", "."), "tests", "lib"))
from massaged_env import Scenarios, wait_until  # noqa: E402

S = Scenarios()


def trims(env):
    """Trims the daemon logged so far (--verbose: "Memory trimmed (N)")."""
    return len(re.findall(r"Memory trimmed \(\d+\)", env.logs()))


def test_trim_when_settled():
    with S.env() as env:
        a = env.addr[0]
        wait_until(lambda: trims(env) >= 1, 5, what="the trim after start-up")
        n = trims(env)
        env.add_and_connect(a)
        wait_until(lambda: trims(env) > n, 5, what="a trim after the device became ready")

        env.screen_ok()
        env.start(a, intensity=2, duration=600)
        wait_until(lambda: env.state(a)["running"], 5, what="the device running")
        n = trims(env)
        # The session's start asked for a trim a second later: it must be skipped.
        env.stays(lambda: trims(env) == n and env.state(a)["running"], 2.5,
                  "no trim while the session runs")
        env.device(a, "Stop")
        wait_until(lambda: not env.state(a)["running"], 5, what="the device stopped")
        wait_until(lambda: trims(env) > n, 5, what="a trim after the session ended")


S.run("heap trimmed after start-up, a device ready and a session's end; never during the session",
      test_trim_when_settled)
S.exit()

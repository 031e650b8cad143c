#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""massaged integration: a pause is bounded (doc/safety.md, issue 16 item 6).
A session paused for pause_minutes (1, the smallest legal value) ends by
itself: the device stays stopped, the ledger row ends at the bound with end
reason pause_timeout, the rest runs from that end and Resume is refused.
A crash while paused: the recovered row ends at the bound recorded at the
Pause, and the rest counts from it. Checked on massager-sim's true device
state and on the ledger file."""

import math
import os
import re
import signal
import sqlite3
import sys
import time

sys.path.insert(0, os.path.join(os.environ.get("top_srcdir", "."), "tests", "lib"))
from massaged_env import Scenarios, log, wait_for, wait_until  # noqa: E402

S = Scenarios()
REST = "org.massaged1.Error.RestRequired"
NOT_RUNNING = "org.massaged1.Error.NotRunning"
CONFIG = "[Limits]\npause_minutes=1\nrest_minutes=30\n"
BOUND_US = 60 * 10 ** 6


def ledger_rows(env):
    """The session rows as on disk (the daemon holds the file in exclusive mode and
    checkpoints after every commit, so an immutable read sees every committed row)."""
    db = sqlite3.connect("file:%s?immutable=1" % env.db, uri=True)
    try:
        db.row_factory = sqlite3.Row
        return [dict(r) for r in db.execute(
            "SELECT id, end_reason, end_wall_us, seconds, pause_end_wall_us FROM sessions ORDER BY id")]
    finally:
        db.close()


def off(env, a):
    st = env.state(a)
    return not st["running"] and not st["heater_on"]


def rest_minutes_in(msg):
    m = re.search(r"(\d+) more min", msg)
    assert m, msg
    return int(m.group(1))


def paused_session(env, a):
    """Start with heat, pause; returns the wall µs just before and after the Pause."""
    env.screen_ok()
    env.add_and_connect(a)
    env.start(a, intensity=3, heat=1, duration=600)
    wait_until(lambda: env.state(a)["heater_on"], 5, what="heater on")
    before = time.time() * 1e6
    env.device(a, "Pause")
    after = time.time() * 1e6
    assert off(env, a), env.state(a)
    assert env.prop(a, "State") == "paused"
    # The bound is on disk once Pause is accepted.
    row = ledger_rows(env)[0]
    assert row["end_reason"] is None, row
    assert before + BOUND_US - 1e6 <= row["pause_end_wall_us"] <= after + BOUND_US + 1e6, (row, before, after)
    return before, after, row["pause_end_wall_us"]


def test_pause_ends_at_bound():
    with S.env(config=CONFIG) as env:
        a = env.addr[0]
        before, after, bound = paused_session(env, a)
        # Motors and heater stay off for the whole pause ...
        env.stays(lambda: off(env, a), max(0, (before + BOUND_US) / 1e6 - time.time() - 3), "device off while paused")
        # ... and the session ends by itself at the bound.
        wait_until(lambda: ledger_rows(env)[0]["end_reason"] is not None, 15, interval=0.1, what="row closed")
        row = ledger_rows(env)[0]
        ended = time.time() * 1e6
        log("paused at %.3f s, bound %.3f s, row end %.3f s" % (before / 1e6, bound / 1e6, row["end_wall_us"] / 1e6))
        assert row["end_reason"] == "pause_timeout", row
        assert bound - 1e6 <= row["end_wall_us"] <= bound + 2e6, (row, bound)
        assert row["seconds"] <= 10, row             # motor time before the pause only
        assert off(env, a), env.state(a)
        assert env.prop(a, "State") == "idle"
        assert "session %d ended (pause_timeout)" % row["id"] in env.logs()
        # Resume after the bound: the session is gone.
        env.expect_error(lambda: env.device(a, "Resume"), NOT_RUNNING)
        env.stays(lambda: off(env, a), 1, "Resume refused: device off")
        # The rest runs from the end at the bound: 30 min from it (from the pause it would be 29,
        # from the planned end 39).
        now = time.time() * 1e6
        msg = env.expect_error(lambda: env.start(a), REST)
        expect = math.ceil((30 * 60e6 + (row["end_wall_us"] - now)) / 60e6)
        got = rest_minutes_in(msg)
        log("rest after the bound: %s (%.1f s after the end)" % (msg, (now - ended) / 1e6))
        assert got == expect and got == 30, (got, expect, msg)
        assert off(env, a), env.state(a)


def test_crash_while_paused():
    with S.env(config=CONFIG) as env:
        a = env.addr[0]
        _, _, bound = paused_session(env, a)
        env.kill_daemon(signal.SIGKILL)
        env.start_daemon()
        row = ledger_rows(env)[0]
        # No fresh pause, no open row: closed, ending at the recorded bound (not at the planned end 10 min on).
        assert row["end_reason"] == "interrupted", row
        assert row["end_wall_us"] == bound, (row, bound)
        wait_for(lambda: env.prop(a, "ConnectionState") == "ready", 15, what="ready after restart")
        wait_until(lambda: off(env, a), 12, what="stopped after the restart")
        now = time.time() * 1e6
        msg = env.expect_error(lambda: env.start(a), REST)
        expect = math.ceil((30 * 60e6 + (bound - now)) / 60e6)
        got = rest_minutes_in(msg)
        log("SIGKILL while paused: %s" % msg)
        assert expect - 1 <= got <= expect and got >= 30, (got, expect, msg)
        env.expect_error(lambda: env.device(a, "Resume"), NOT_RUNNING)
        assert off(env, a), env.state(a)


S.run("paused for pause_minutes: device off throughout, row ends pause_timeout at the bound, rest from it, "
      "Resume refused", test_pause_ends_at_bound)
S.run("SIGKILL while paused: the row ends at the recorded bound, the rest counts from it", test_crash_while_paused)
S.exit()

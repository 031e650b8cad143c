#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""massaged integration: the wall clock jumping around local midnight.

doc/safety.md: durations use a monotonic clock, day boundaries local time, and a
wall-clock jump never grants extra time (daemon/safety/safety-clock.h). The daemon
runs under libfaketime (LD_PRELOAD) with FAKETIME_DONT_FAKE_MONOTONIC=1, so
only CLOCK_REALTIME moves; the offset is re-read from a file at every call
(FAKETIME_TIMESTAMP_FILE + FAKETIME_NO_CACHE), so the test moves the clock
of the running daemon. TZ is chosen so that the real time now is the local
time a scenario needs (23:40, 00:30, 23:50). Refusals must leave the device
untouched; each scenario prints its observed bound as "# bound: …"."""

import glob
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.environ.get("top_srcdir", "."), "tests", "lib"))
from massaged_env import BUS, WRAPPER, Scenarios, build_path, wait_for  # noqa: E402
from gi.repository import GLib  # noqa: E402

S = Scenarios()
LIMIT = "org.massaged1.Error.DailySessionCap"   # three sessions: the count binds first
REST = "org.massaged1.Error.RestRequired"


def bound(text):
    print("# bound: " + text, flush=True)


def find_libfaketime():
    for pattern in ("/usr/lib/*/faketime/libfaketime.so.1", "/usr/lib/faketime/libfaketime.so.1",
                    "/usr/local/lib/faketime/libfaketime.so.1"):
        found = sorted(glob.glob(pattern))
        if found:
            return found[0]
    return None


def tz_at(hour, minute):
    """A fixed-offset TZ in which the real time now is hour:minute local."""
    t = time.gmtime()
    offset = hour * 60 + minute - (t.tm_hour * 60 + t.tm_min)     # local = UTC + offset
    if offset > 12 * 60:
        offset -= 24 * 60
    if offset <= -12 * 60:
        offset += 24 * 60
    sign = "-" if offset >= 0 else "+"      # POSIX TZ counts west of Greenwich as positive
    return "XXX%s%02d:%02d" % (sign, abs(offset) // 60, abs(offset) % 60)


class FakeClock:
    """The daemon's CLOCK_REALTIME = real time + the offset written here."""

    def __init__(self, env, lib):
        self.path = os.path.join(env.tmp, "faketime")
        self.offset_s = 0
        self.set(0)
        self.environ = dict(env.environ)
        self.environ.update({
            "LD_PRELOAD": lib,
            "FAKETIME_TIMESTAMP_FILE": self.path,
            "FAKETIME_NO_CACHE": "1",
            "FAKETIME_DONT_FAKE_MONOTONIC": "1",
            # An ASan build must accept a preloaded library before its runtime.
            "ASAN_OPTIONS": ":".join(filter(None, [os.environ.get("ASAN_OPTIONS"), "verify_asan_link_order=0"])),
        })

    def set(self, offset_s):
        tmp = self.path + ".new"
        with open(tmp, "w") as f:
            f.write("%+ds\n" % offset_s)
        os.rename(tmp, self.path)      # never a half-written file under the daemon
        self.offset_s = offset_s


def start_daemon(env, clock):
    argv = [build_path("daemon", "massaged"), "--bluez-bus", env.system.address, "--api-bus",
            env.user.address, "--db", env.db, "--config", env.config, "--verbose"]
    env.n_daemons += 1
    env.daemon = env.user.spawn(argv, name="massaged", env=clock.environ)
    env.user.wait_for_name(BUS, 10, proc=env.daemon)


def seed(env, *sessions):
    os.makedirs(os.path.dirname(env.db), exist_ok=True)
    subprocess.run([build_path("tests", "daemon", "ledger-seed"), env.db] + list(sessions), check=True,
                   env=env.environ)


def untouched(env, a):
    st = env.state(a)
    assert not st["running"] and st["writes"] == 0, "a refused start reached the device: %r" % st


def daemon_wall_us(env):
    """The daemon's (unreconciled) wall clock, as it records a screening event."""
    env.screen_ok()
    events = [e for e in env.history("GetEvents", "xx", 0, 2 ** 62) if e["kind"] == "screening"]
    return events[-1]["time"]


def jump(env, clock, offset_s):
    """Move the daemon's wall clock and prove it moved (else the test would prove nothing)."""
    clock.set(offset_s)
    expect = (time.time() + offset_s) * 1e6
    seen = daemon_wall_us(env)
    assert abs(seen - expect) < 120e6, "the daemon's clock did not move: %d vs %d" % (seen, expect)


def setup(tz, *history):
    env = S.env(daemon=False, tz=tz)
    seed(env, *history)
    clock = FakeClock(env, LIB)
    start_daemon(env, clock)
    env.screen_ok()
    env.add_and_connect(env.addr[0])
    return env, clock


def test_forward_past_midnight_daily_cap():
    # 23:40 local, three sessions (45 min) today, the last ended 65 min ago: the daily cap.
    env, clock = setup(tz_at(23, 40), "200:15", "140:15", "80:15")
    a = env.addr[0]
    usage = env.manager("GetUsageToday")
    assert usage["sessions"] == 3 and usage["seconds"] == 2700, usage
    env.expect_error(lambda: env.start(a), LIMIT)
    # +40 min: 00:20 tomorrow on the wall. The monotonic clock vouches for 23:40 still.
    jump(env, clock, 40 * 60)
    usage = env.manager("GetUsageToday")
    assert usage["sessions"] == 3 and usage["seconds"] == 2700, usage
    env.expect_error(lambda: env.start(a), LIMIT)
    # Then back across midnight, to 22:40 yesterday (the seeded day): still counted. The
    # last session (ended 22:35 on the wall) is now only 5 min ago, so the rest period
    # may be what refuses first: stricter, never looser.
    jump(env, clock, -60 * 60)
    usage = env.manager("GetUsageToday")
    assert usage["sessions"] == 3 and usage["seconds"] == 2700, usage
    try:
        env.start(a)
        raise AssertionError("a start was allowed after a backward jump at the daily cap")
    except GLib.Error as e:
        assert LIMIT in e.message or REST in e.message, e.message
    untouched(env, a)
    bound("wall +40 min past midnight at the daily cap (45 min): 0 s granted, start refused; "
          "then -60 min back across midnight: 2700 s still counted, refused")


def test_backward_across_midnight():
    # 00:30 local, one 15-min session today (00:05–00:20): the rest period runs.
    env, clock = setup(tz_at(0, 30), "25:15")
    a = env.addr[0]
    usage = env.manager("GetUsageToday")
    assert usage["sessions"] == 1 and usage["seconds"] == 900, usage
    env.expect_error(lambda: env.start(a), REST)
    # -60 min: 23:30 yesterday. Today's session now lies "in the future": it still counts
    # against the (new) day, and its end counts as just now for the rest period.
    jump(env, clock, -60 * 60)
    usage = env.manager("GetUsageToday")
    assert usage["sessions"] == 1 and usage["seconds"] == 900, usage
    msg = env.expect_error(lambda: env.start(a), REST)
    untouched(env, a)
    bound("wall -60 min back across midnight: the session now 'in the future' still counted (900 s); "
          "rest still required (%s)" % re.sub(r".*Rest required", "Rest required", msg))


def test_forward_jump_keeps_rest():
    # 23:50 local, a session ended 10 min ago: 50 more minutes of rest.
    env, clock = setup(tz_at(23, 50), "25:15")
    a = env.addr[0]
    msg = env.expect_error(lambda: env.start(a), REST)
    before = int(re.search(r"(\d+) more min", msg).group(1))
    # +3 h: 02:50 tomorrow on the wall, past the rest period and into a new day.
    jump(env, clock, 3 * 3600)
    msg = env.expect_error(lambda: env.start(a), REST)
    after = int(re.search(r"(\d+) more min", msg).group(1))
    assert after >= before - 2, (before, after)
    untouched(env, a)
    bound("wall +3 h across midnight during the rest period: rest %d → %d min left, 0 min granted"
          % (before, after))


LIB = find_libfaketime()
SCENARIOS = [
    ("wall clock +40 min past midnight at the daily cap: still refused; back -60 min: still counted",
     test_forward_past_midnight_daily_cap),
    ("wall clock -60 min back across midnight: today's usage still counts, rest still required",
     test_backward_across_midnight),
    ("wall clock +3 h across midnight: the rest period is not shortened", test_forward_jump_keeps_rest),
]
if not LIB:
    for name, _ in SCENARIOS:
        S.tap.skip(name, "libfaketime not installed (Debian package libfaketime; scripts/bootstrap-deps)")
else:
    for name, fn in SCENARIOS:
        S.run(name, fn)
S.exit()

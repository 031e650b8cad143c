#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""massaged integration: the ledger and policy attacks of issue 13, each
reproduced through the public interfaces only (the D-Bus API, the config
file, the daemon's environment) and checked against the simulator's true
device state and the ledger's rows and events (doc/safety.md, "Trust model")."""

import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.environ.get("top_srcdir", "."), "tests", "lib"))
from massaged_env import ALL_NO_SCREENING, MANAGER, Scenarios, build_path, wait_for, wait_until  # noqa: E402
from gi.repository import GLib  # noqa: E402

S = Scenarios()
CONFIG_INVALID = "org.massaged1.Error.ConfigInvalid"


def untouched(env, a):
    st = env.state(a)
    assert not st["running"] and st["writes"] == 0, "a refused start reached the device: %r" % st


def events(env, kind):
    return [e for e in env.history("GetEvents", "xx", 0, 2 ** 62) if e["kind"] == kind]


def seed(env, *sessions):
    os.makedirs(os.path.dirname(env.db), exist_ok=True)
    subprocess.run([build_path("tests", "daemon", "ledger-seed"), env.db] + list(sessions), check=True,
                   env=env.environ)


# ---- configuration files that are not what they seem ----------------------

def test_config_fifo():
    with S.env(daemon=False) as env:
        a = env.addr[0]
        os.unlink(env.config)
        os.mkfifo(env.config)
        # Before the fix open() blocked on the FIFO: the name never appeared.
        env.start_daemon()
        cerr = env.get("/org/massaged1", MANAGER, "ConfigError")
        assert env.config in cerr and "FIFO" in cerr, cerr
        env.screen_ok()
        env.add_and_connect(a)
        env.expect_error(lambda: env.start(a), CONFIG_INVALID, "FIFO")
        untouched(env, a)
        t0 = time.monotonic()
        rc = env.kill_daemon(signal.SIGTERM)
        assert rc == 0 and time.monotonic() - t0 < 5, (rc, time.monotonic() - t0)


def test_config_dangling_symlink():
    with S.env(daemon=False) as env:
        a = env.addr[0]
        os.unlink(env.config)
        target = os.path.join(env.tmp, "moved-away.conf")
        os.symlink(target, env.config)
        env.start_daemon()
        cerr = env.get("/org/massaged1", MANAGER, "ConfigError")
        assert env.config in cerr and "moved-away.conf" in cerr, cerr
        assert "symbolic link" in env.logs(), "the log does not say the link is dangling"
        env.screen_ok()
        env.add_and_connect(a)
        env.expect_error(lambda: env.start(a), CONFIG_INVALID, "symbolic link")
        untouched(env, a)


S.run("a FIFO as massaged.conf: start-up does not block, ConfigError names it, starts refused, SIGTERM works",
      test_config_fifo)
S.run("a dangling symlink as massaged.conf is a broken config, not defaults", test_config_dangling_symlink)
S.exit()

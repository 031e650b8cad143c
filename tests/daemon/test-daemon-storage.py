#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""massaged integration: storage it cannot trust (doc/safety.md "Fail closed").

The ledger deleted, replaced by a broken copy, made read-only or on a full
file system while the daemon runs, and a configuration file that is broken
or unreadable at start. In every case: no new session starts (an error that
names the file and the fix), Stop works and the device's TRUE state is
stopped, no ledger row is lost and no broken file is deleted or
overwritten. Each scenario prints what it observed as "# bound: …".

Tests run as root in CI: permission scenarios drop CAP_DAC_OVERRIDE and
CAP_DAC_READ_SEARCH from the daemon's bounding set so modes apply to it."""

import ctypes
import glob
import hashlib
import os
import shutil
import signal
import sqlite3
import subprocess
import sys

sys.path.insert(0, os.path.join(os.environ.get("top_srcdir", "."), "tests", "lib"))
from massaged_env import (BUS, DEVICE, WRAPPER, Scenarios, Signals, build_path, log,  # noqa: E402
                          wait_for, wait_until)
from gi.repository import GLib  # noqa: E402

S = Scenarios()
STORAGE = "org.massaged1.Error.StorageUnavailable"
CONFIG = "org.massaged1.Error.ConfigInvalid"
MANAGER = "org.massaged1.Manager"


def bound(text):
    print("# bound: " + text, flush=True)


def untouched(env, a):
    st = env.state(a)
    assert not st["running"] and not st["heater_on"], "a refused start reached the device: %r" % st


def drop_dac_caps():
    """preexec_fn: root without CAP_DAC_OVERRIDE/CAP_DAC_READ_SEARCH obeys file modes."""
    if os.geteuid() != 0:
        return
    libc = ctypes.CDLL(None, use_errno=True)
    PR_CAPBSET_DROP = 24
    for cap in (1, 2):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH
        if libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def start_daemon(env, prefix=(), preexec=None, db=None):
    """Like MassagedEnv.start_daemon(), with a command in front (unshare …) or a preexec_fn."""
    argv = [build_path("daemon", "massaged"), "--bluez-bus", env.system.address, "--api-bus",
            env.user.address, "--db", db or env.db, "--config", env.config, "--verbose"]
    env.n_daemons += 1
    env.daemon = env.user.spawn(list(prefix) + WRAPPER + argv, name="massaged", wrap=False, env=env.environ,
                                preexec_fn=preexec)
    env.daemon.wrapped = bool(WRAPPER)
    env.user.wait_for_name(BUS, 10, proc=env.daemon)
    return env.daemon


def stop_daemon(env):
    env.daemon.send_signal(signal.SIGTERM)
    rc = env.daemon.wait(30)
    wait_until(lambda: not env.user.has_owner(BUS), 5, what="org.massaged1 released")
    return rc


def sql(path, query, *args):
    """Read what the database file itself holds (read-only, no lock, no WAL). A running
    massaged keeps its ledger locked (locking_mode=EXCLUSIVE) and checkpoints after every
    commit, so this is every committed row, and what a crash would leave."""
    con = sqlite3.connect("file:%s?immutable=1" % path, uri=True)
    try:
        return con.execute(query, args).fetchall()
    finally:
        con.close()


def digest(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def storage_error(env):
    return env.get("/org/massaged1", MANAGER, "StorageError")


def running_session(env, a, duration=600, run_s=0):
    env.start(a, duration=duration)
    wait_until(lambda: env.state(a)["running"], 5, what="device running")
    if run_s:   # let it count some seconds first, so a recorded end differs from the planned one
        wait_for(lambda: env.prop(a, "Remaining") <= duration - run_s, run_s + 5, what="%d s run" % run_s)
    return env.sessions()[-1]["id"]


def stop_and_check(env, a, sid, reason="user"):
    """Stop works: the device truly stops and the session's row is closed with its reason."""
    env.device(a, "Stop")
    wait_until(lambda: not env.state(a)["running"], 5, what="device stopped")
    row = [r for r in env.sessions() if r["id"] == sid][0]
    assert not row["open"] and row["end_reason"] == reason, row
    return row


# ---- deleted ----------------------------------------------------------------

def test_deleted_mid_session():
    with S.env() as env:
        a = env.addr[0]
        env.screen_ok()
        env.add_and_connect(a)
        sid = running_session(env, a, run_s=2)
        inode = os.stat(env.db).st_ino
        # There is no -shm: the WAL's index is in the daemon's heap (test-daemon-attacks-storage.py).
        assert not os.path.exists(env.db + "-shm")
        for suffix in ("", "-wal"):
            os.unlink(env.db + suffix)
        # Stop: the end is the first write after the deletion; it finds the file gone,
        # puts it back from the open copy and records the end there.
        row = stop_and_check(env, a, sid)
        assert os.path.exists(env.db) and os.stat(env.db).st_ino != inode, "ledger not put back"
        assert "deleted" in env.logs(), "the recovery was not logged"
        # Everything is in the file on disk: the screening, the device, the closed row.
        on_disk = sql(env.db, "SELECT id, end_reason, seconds FROM sessions")
        assert on_disk == [(sid, "user", row["seconds"])] and 2 <= row["seconds"] < 600, on_disk
        assert sql(env.db, "SELECT COUNT(*) FROM screening")[0][0] == 1
        assert sql(env.db, "SELECT address FROM devices") == [(a,)]
        assert sql(env.db, "PRAGMA integrity_check")[0][0] == "ok"
        # Limits still count the earlier session: a start now needs the rest period.
        env.expect_error(lambda: env.start(a), "org.massaged1.Error.RestRequired")
        untouched(env, a)
        usage = env.manager("GetUsageToday")
        assert usage["sessions"] == 1, usage
        # And it survives a restart of the daemon (it was written to the linked file).
        stop_daemon(env)
        env.start_daemon()
        assert [r["id"] for r in env.sessions()] == [sid]
        bound("ledger and -wal deleted mid-session: 0 rows lost; Stop stopped the device and "
              "closed the row (%d s); the next start still refused (rest)" % row["seconds"])


def test_deleted_between_sessions():
    with S.env(devices=1) as env:
        a = env.addr[0]
        env.screen_ok()
        env.add_and_connect(a)
        sid = running_session(env, a)
        stop_and_check(env, a, sid)
        # Only the database file (its -wal stays); the next write is a start decision.
        os.unlink(env.db)
        env.expect_error(lambda: env.start(a), "org.massaged1.Error.RestRequired")
        untouched(env, a)
        assert os.path.exists(env.db), "ledger not put back"
        assert [r[0] for r in sql(env.db, "SELECT id FROM sessions")] == [sid]
        # Then only the -wal: checkpointed into the file and made again.
        os.unlink(env.db + "-wal")
        env.manager("SetLimits", "a{sv}", {"rest_minutes": GLib.Variant("u", 90)})
        wait_until(lambda: os.path.exists(env.db + "-wal"), 5, what="a new -wal")
        assert sql(env.db, "SELECT value FROM settings WHERE key = 'rest_minutes'") == [(90,)]
        # A SIGKILL now loses nothing either: everything went to the linked file.
        env.kill_daemon(signal.SIGKILL)
        env.start_daemon()
        assert [r["id"] for r in env.sessions()] == [sid]
        assert env.manager("GetLimits")["rest_minutes"] == 90
        bound("ledger deleted between sessions (and its -wal alone): 0 rows lost, even across a SIGKILL")


# ---- replaced by a broken copy ------------------------------------------------

def test_replaced_by_corrupt_copy():
    with S.env(devices=2) as env:
        a, b = env.addr
        env.screen_ok()
        env.add_and_connect(a)
        env.add_and_connect(b)
        sid = running_session(env, a)
        # Someone puts a damaged copy in place (never the daemon's own file: a copy, renamed over it).
        with open(env.db, "rb") as f:
            data = bytearray(f.read())
        data[16:100] = b"\xa5" * 84
        broken = env.db + ".broken-copy"
        with open(broken, "wb") as f:
            f.write(data)
        os.rename(broken, env.db)
        before = digest(env.db)
        msg = env.expect_error(lambda: env.start(b), STORAGE, env.db)
        assert "replaced" in msg and "restart massaged" in msg, msg
        untouched(env, b)
        # Stop still works and its end goes to the daemon's kept copy.
        stop_and_check(env, a, sid)
        kept = [k for k in glob.glob(env.db + ".kept-*") if not k.endswith(("-wal", "-shm"))]
        assert len(kept) == 1, kept
        assert kept[0] in msg, msg
        assert sql(kept[0], "SELECT id, end_reason FROM sessions") == [(sid, "user")]
        assert digest(env.db) == before, "the daemon wrote to the replaced file"
        # Restarted on the broken file: the integrity check refuses it; it is moved aside byte for
        # byte and the daemon's own backup (doc/safety.md "Backup and restore") takes its place.
        stop_daemon(env)
        assert digest(env.db) == before
        env.start_daemon()
        aside = [p for p in glob.glob(env.db + ".broken-*") if not p.endswith(("-wal", "-shm"))]
        assert len(aside) == 1 and digest(aside[0]) == before, "the daemon touched the broken file"
        assert sql(env.db, "PRAGMA integrity_check")[0][0] == "ok"
        # Records after the backup may be missing: no session starts (24 h), Stop still works.
        env.add_and_connect(a)
        env.expect_error(lambda: env.start(a), "org.massaged1.Error.StartsHeld", "restored from its backup")
        env.manager("StopAll")
        untouched(env, a)
        bound("ledger replaced by a corrupt copy mid-session: start refused at once; Stop recorded in %s; "
              "the broken file kept byte-identical after two daemons, the backup restored" % os.path.basename(kept[0]))


# ---- read-only ----------------------------------------------------------------

def test_read_only():
    with S.env(devices=2, daemon=False) as env:
        a, b = env.addr
        start_daemon(env, preexec=drop_dac_caps)
        env.screen_ok()
        env.add_and_connect(a)
        env.add_and_connect(b)
        sid = running_session(env, a)
        os.chmod(env.db, 0o400)
        try:
            msg = env.expect_error(lambda: env.start(b), STORAGE, env.db)
            assert "chmod u+rw" in msg, msg
            untouched(env, b)
            # Stop works, and the end is written through the file the daemon has open.
            row = stop_and_check(env, a, sid)
            # The directory read-only: SQLite could not make the -wal/-shm again.
            os.chmod(env.db, 0o600)
            os.chmod(os.path.dirname(env.db), 0o500)
            msg2 = env.expect_error(lambda: env.start(b), STORAGE, os.path.dirname(env.db))
        finally:
            os.chmod(os.path.dirname(env.db), 0o700)
            os.chmod(env.db, 0o600)
        # Writable again: the next decision is the policy's (rest), not a stale storage error.
        env.expect_error(lambda: env.start(b), "org.massaged1.Error.RestRequired")
        assert sql(env.db, "SELECT id, end_reason, seconds FROM sessions") == [(sid, "user", row["seconds"])]
        log(msg2)
        bound("ledger made read-only (file, then directory) mid-session: starts refused naming the file "
              "and the fix; Stop stopped the device and its end was recorded")


# ---- full ----------------------------------------------------------------------

def mount_namespaces_work():
    try:
        return subprocess.run(["unshare", "-m", "--propagation", "private", "true"], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, timeout=30).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def fill(path):
    """Write to path until the file system is full; returns the bytes written."""
    n = 0
    with open(path, "ab", buffering=0) as f:
        for chunk in (65536, 4096, 512, 1):
            while True:
                try:
                    n += f.write(b"\0" * chunk)
                except OSError as e:
                    if e.errno != 28:   # ENOSPC
                        raise
                    break
    return n


def test_full():
    with S.env(daemon=False) as env:
        a = env.addr[0]
        mnt = os.path.join(env.tmp, "tiny")
        os.makedirs(mnt)
        db = os.path.join(mnt, "massaged", "usage.db")
        # A 1 MiB tmpfs only the daemon sees: mounted in its own mount namespace.
        start_daemon(env, db=db, prefix=["unshare", "-m", "--propagation", "private", "sh", "-c",
                                         'mount -t tmpfs -o size=1m,mode=0700 massaged-test "$0" && exec "$@"',
                                         mnt])
        inside = "/proc/%d/root%s" % (env.daemon.pid, db)
        filler = os.path.join(os.path.dirname(inside), "filler")
        env.screen_ok()
        env.add_and_connect(a)
        log("filled %d bytes" % fill(filler))
        msg = env.expect_error(lambda: env.start(a, duration=600), STORAGE, db)
        assert "free some space" in msg, msg
        untouched(env, a)
        os.unlink(filler)
        sid = running_session(env, a, run_s=2)
        fill(filler)
        # Stop on a full disk: the device stops; the end cannot be written yet, so the row
        # stays open and counts at its planned length (conservative).
        env.device(a, "Stop")
        wait_until(lambda: not env.state(a)["running"], 5, what="device stopped")
        row = [r for r in env.sessions() if r["id"] == sid][0]
        assert row["open"] and row["seconds"] == row["planned_seconds"], row
        assert env.manager("GetUsageToday")["seconds"] == row["planned_seconds"]
        # Space returns: the next start decision (here GetUsageToday) writes the kept end first.
        os.unlink(filler)
        usage = env.manager("GetUsageToday")
        row = [r for r in env.sessions() if r["id"] == sid][0]
        assert not row["open"] and row["end_reason"] == "user", row
        assert 2 <= row["seconds"] < row["planned_seconds"] and usage["seconds"] == row["seconds"], (row, usage)
        # SQLite resolves /proc/PID/root as a symlink: check from inside the daemon's namespace.
        check = subprocess.run(["nsenter", "-t", str(env.daemon.pid), "-m", sys.executable, "-c",
                                "import sqlite3, sys; c = sqlite3.connect('file:%s?immutable=1' % sys.argv[1], "
                                "uri=True); print(c.execute('PRAGMA integrity_check').fetchone()[0])", db],
                               capture_output=True, text=True, timeout=60)
        assert check.stdout.strip() == "ok", (check.stdout, check.stderr)
        env.expect_error(lambda: env.start(a), "org.massaged1.Error.RestRequired")
        bound("ledger file system full: start refused (free some space on …); Stop stopped the device; "
              "the row counted its planned %d s while full and its true %d s once space returned; "
              "integrity ok" % (row["planned_seconds"], row["seconds"]))


# ---- configuration ----------------------------------------------------------------

def check_config_refusal(env, a, *expect):
    cerr = env.get("/org/massaged1", MANAGER, "ConfigError")
    for e in expect:
        assert e in cerr, (e, cerr)
    # The rest of the API works: screening, devices, history, usage, stop.
    env.screen_ok()
    env.add_and_connect(a)
    msg = env.expect_error(lambda: env.start(a), CONFIG, env.config)
    for e in expect:
        assert e in msg, (e, msg)
    untouched(env, a)
    assert env.sessions() == []
    assert env.manager("GetUsageToday")["sessions"] == 0
    env.device(a, "Stop")
    env.manager("StopAll")
    assert env.daemon.poll() is None, "the daemon exited"
    return msg


def test_config_syntax_error():
    with S.env(config="[Limits]\nsession_minutes=10\n[Defaults\nintensity=2\n") as env:
        msg = check_config_refusal(env, env.addr[0], env.config, "line 3:", "restart massaged")
        bound("config with a syntax error: daemon up, start refused: " + msg)


def test_config_unreadable():
    with S.env(config="[Limits]\nsession_minutes=10\n", daemon=False) as env:
        os.chmod(env.config, 0)
        start_daemon(env, preexec=drop_dac_caps)
        msg = check_config_refusal(env, env.addr[0], env.config, "chmod u+r")
        bound("config unreadable (mode 000): daemon up, start refused: " + msg)


def test_config_limit_unreadable():
    # A letter O for a zero: keeping the default (15) would be looser than the 10 meant.
    with S.env(config="[Limits]\nsession_minutes=1O\n") as env:
        msg = check_config_refusal(env, env.addr[0], env.config, "session_minutes", '"1O"', "no session starts")
        bound("config limit that is not a number: daemon up, start refused: " + msg)


def test_config_out_of_range():
    # Out of range is not "broken": clamped into [floor, hard limit] with a warning
    # naming the key, and the daemon serves with it (doc/configuration.md).
    with S.env(config="[Limits]\nsession_minutes=99\nrest_minutes=5\n") as env:
        assert env.get("/org/massaged1", MANAGER, "ConfigError") == ""
        limits = env.manager("GetLimits")
        assert limits["session_minutes"] == 20 and limits["rest_minutes"] == 30, limits
        wait_until(lambda: "session_minutes: value 99 out of range" in env.logs(), 5, what="warning logged")
        bound("config value past a hard limit: clamped to it (session 99 → 20 min, rest 5 → 30 min), logged")


S.run("ledger and -wal deleted mid-session: put back, Stop closes the row, limits still count",
      test_deleted_mid_session)
S.run("ledger deleted between sessions, then its -wal alone: nothing lost, even across SIGKILL",
      test_deleted_between_sessions)
S.run("ledger replaced by a corrupt copy: start refused, Stop recorded in a kept copy, broken file untouched",
      test_replaced_by_corrupt_copy)
S.run("ledger made read-only mid-session: start refused with the fix, Stop works and is recorded",
      test_read_only)
if mount_namespaces_work():
    S.run("ledger on a full file system: start refused, the stop's end written once space returns", test_full)
else:
    S.tap.skip("ledger on a full file system", "mount namespaces unavailable (unshare -m needs root or "
               "CAP_SYS_ADMIN); the full-disk scenario needs a private tmpfs")
S.run("configuration with a syntax error: daemon serves, start refused naming file and line",
      test_config_syntax_error)
S.run("configuration unreadable: daemon serves, start refused naming file and fix", test_config_unreadable)
S.run("configuration limit that is not a number: daemon serves, start refused naming the key",
      test_config_limit_unreadable)
S.run("configuration value out of range: clamped with a warning, not an error", test_config_out_of_range)
S.exit()

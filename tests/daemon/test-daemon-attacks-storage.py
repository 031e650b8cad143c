#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""massaged integration: a local user's process attacking the ledger's files
(issue 13 item 8; doc/safety.md "Storage faults while the daemon runs",
"Backup and restore").

The write-ahead log truncated while the daemon runs, a usage.db-shm
truncated, deleted or filled with garbage mid-session, the ledger damaged
while the daemon is stopped (restored from usage.db.backup), and the ledger
damaged in place while it runs (the backup stays good). Every check reads
the files on disk and the simulator's TRUE device state, never the daemon's
replies alone."""

import glob
import hashlib
import os
import signal
import sqlite3
import sys
import time

sys.path.insert(0, os.path.join(os.environ.get("top_srcdir", "."), "tests", "lib"))
from massaged_env import Scenarios, wait_for, wait_until  # noqa: E402

S = Scenarios()
STORAGE = "org.massaged1.Error.StorageUnavailable"


def bound(text):
    print("# bound: " + text, flush=True)


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


def session(env, a, run_s=1):
    """A real session: the device truly runs, then Stop truly stops it."""
    env.start(a, duration=600)
    wait_until(lambda: env.state(a)["running"], 5, what="device running")
    wait_until(lambda: env.prop(a, "Remaining") <= 600 - run_s, run_s + 5, what="%d s run" % run_s)
    env.device(a, "Stop")
    wait_until(lambda: not env.state(a)["running"], 5, what="device stopped")
    return env.sessions()[-1]["id"]


def sessions_on_disk(path):
    return sql(path, "SELECT id, end_reason FROM sessions ORDER BY id")


def restart(env, a):
    """Start the daemon again and wait until it has the device back."""
    env.start_daemon()
    wait_for(lambda: env.prop(a, "ConnectionState") == "ready", 15, what="%s ready again" % a)


def stop_daemon(env):
    rc = env.kill_daemon(signal.SIGTERM, 30)
    assert rc == 0, "massaged exited with %r" % rc


def damage(path):
    """Overwrite the file's first page (its header) with junk: "file is not a database"."""
    with open(path, "r+b") as f:
        f.write(bytes((i * 7 + 3) & 0xff for i in range(4096)))


def test_wal_truncated():
    with S.env() as env:
        a = env.addr[0]
        env.screen_ok()
        env.add_and_connect(a)
        ids = [session(env, a)]
        # The attack: the WAL emptied under the running daemon, then writes
        # (a refused start records a refusal event), then SIGTERM.
        os.truncate(env.db + "-wal", 0)
        env.expect_error(lambda: env.start(a), "org.massaged1.Error.RestRequired")
        assert not env.state(a)["running"], "a refused start reached the device"
        stop_daemon(env)
        assert not env.state(a)["running"] and not env.state(a)["heater_on"], env.state(a)
        # The file on disk is whole and holds every session and the events after the attack.
        assert sql(env.db, "PRAGMA integrity_check")[0][0] == "ok"
        assert sessions_on_disk(env.db) == [(ids[0], "user")], sessions_on_disk(env.db)
        assert sql(env.db, "SELECT COUNT(*) FROM events WHERE kind = 'refusal'")[0][0] >= 1
        # The next daemon opens it and still counts the session: rest is required.
        restart(env, a)
        assert [r["id"] for r in env.sessions()] == ids
        env.expect_error(lambda: env.start(a), "org.massaged1.Error.RestRequired")
        assert not env.state(a)["running"]
        bound("WAL truncated to 0 after a session, a write, SIGTERM: 1/1 session and the refusal kept, "
              "integrity ok, rest still required after restart")


def test_restore_from_backup():
    with S.env() as env:
        a = env.addr[0]
        env.screen_ok()
        env.add_and_connect(a)
        sid = session(env, a, run_s=2)
        seconds = [r for r in env.sessions() if r["id"] == sid][0]["seconds"]
        stop_daemon(env)
        backup = env.db + ".backup"
        assert os.path.exists(backup), "no backup beside the ledger"
        assert os.stat(backup).st_mode & 0o7777 == 0o600, oct(os.stat(backup).st_mode)
        assert sessions_on_disk(backup) == [(sid, "user")]
        # Damaged while the daemon is stopped.
        damage(env.db)
        broken = digest(env.db)
        restart(env, a)
        # Restored: the history is intact, the damaged file kept aside byte for byte.
        rows = env.sessions()
        assert [(r["id"], r["seconds"]) for r in rows] == [(sid, seconds)], rows
        kept = [p for p in glob.glob(env.db + ".broken-*") if not p.endswith(("-wal", "-shm"))]
        assert len(kept) == 1 and digest(kept[0]) == broken, kept
        assert "RESTORED" in env.logs(), "the restore was not logged"
        events = sql(env.db, "SELECT detail FROM events WHERE kind = 'restored'")
        assert len(events) == 1 and kept[0] in events[0][0], events
        # Conservative: sessions after the backup may be missing, so no start for 24 h.
        msg = env.expect_error(lambda: env.start(a), "org.massaged1.Error.StartsHeld", "restored from its backup")
        assert not env.state(a)["running"] and not env.state(a)["heater_on"]
        assert sql(env.db, "PRAGMA integrity_check")[0][0] == "ok"
        # The backup made after the restore is of the restored ledger, never of the damaged file.
        assert sessions_on_disk(backup) == [(sid, "user")]
        bound("ledger damaged while stopped: restored from usage.db.backup, 1/1 session (%d s) kept, damaged "
              "file kept aside unchanged, start refused: %s" % (seconds, msg))


def test_backup_never_replaced_by_broken():
    with S.env() as env:
        a = env.addr[0]
        env.screen_ok()
        env.add_and_connect(a)
        sid = session(env, a)
        backup = env.db + ".backup"
        wait_until(lambda: os.path.exists(backup) and sessions_on_disk(backup) == [(sid, "user")], 5,
                   what="backup after the session")
        # Both damaged while the daemon is stopped: a broken backup is never restored, and the
        # broken ledger never replaces it (nor is anything deleted or moved).
        stop_daemon(env)
        damage(env.db)
        broken = digest(env.db)
        with open(backup, "r+b") as f:
            f.seek(100)
            f.write(b"\xff" * 4000)
        damaged_backup = digest(backup)
        env.start_daemon()
        # No ledger, so no device list: the daemon says why, and what a step would cost.
        msg = env.get("/org/massaged1", "org.massaged1.Manager", "StorageError")
        assert "there is no usable backup" in msg and backup + ": it " in msg, msg
        assert "EMPTY ledger" in msg and "lost" in msg, msg
        env.expect_error(lambda: env.manager("AddDevice", "s", a), STORAGE)
        assert not env.state(a)["running"]
        assert digest(env.db) == broken and digest(backup) == damaged_backup
        assert not glob.glob(env.db + ".broken-*"), "moved aside without a backup to restore"
        stop_daemon(env)
        assert digest(env.db) == broken and digest(backup) == damaged_backup
        bound("ledger and backup both damaged: start refused (%s), neither file changed" % msg.split(";")[0])


def shm_attack(kind):
    """A user's file operation on usage.db-shm; SQLite mapped that file (the WAL's index)
    until massaged ran in exclusive locking mode, and a truncated mapping faults (SIGBUS)."""

    def attack(env):
        shm = env.db + "-shm"
        if kind == "truncated":         # `: > usage.db-shm`: truncates it, or makes an empty one
            with open(shm, "wb"):
                pass
        elif kind == "deleted":
            if os.path.exists(shm):
                os.unlink(shm)
        else:                           # garbage: an index that promises frames the WAL never had
            with open(shm, "wb") as f:
                f.write(bytes((i * 13 + 5) & 0xff for i in range(65536)))
    return attack


def test_shm(kind):
    with S.env() as env:
        a = env.addr[0]
        env.screen_ok()
        env.add_and_connect(a)
        env.start(a, duration=600)
        wait_until(lambda: env.state(a)["running"], 5, what="device running")
        t0 = time.monotonic()
        pid = env.daemon.pid
        wait_for(lambda: env.prop(a, "Remaining") <= 598, 7, what="2 s run")
        shm_attack(kind)(env)
        # Calls that read the ledger: each must get an answer, from the same process.
        env.device(a, "SetIntensity", "y", 2)
        usage = env.manager("GetUsageToday")
        assert usage["sessions"] == 1, usage
        assert env.daemon.poll() is None and env.daemon.pid == pid, "massaged died: %r" % env.daemon.poll()
        assert env.user.has_owner("org.massaged1"), "org.massaged1 gone"
        assert env.state(a)["running"], "the session stopped: %r" % env.state(a)
        env.device(a, "Stop")
        wait_until(lambda: not env.state(a)["running"] and not env.state(a)["heater_on"], 5,
                   what="device stopped")
        true_s = time.monotonic() - t0
        row = env.sessions()[-1]
        assert not row["open"] and row["end_reason"] == "user", row
        assert true_s - 2 <= row["seconds"] <= true_s + 1, (row["seconds"], true_s)
        # The file on disk holds the closed row, whole.
        assert sql(env.db, "SELECT end_reason, seconds FROM sessions") == [("user", row["seconds"])]
        assert sql(env.db, "PRAGMA integrity_check")[0][0] == "ok"
        stop_daemon(env)
        assert sql(env.db, "PRAGMA integrity_check")[0][0] == "ok"
        assert sql(env.db, "SELECT end_reason, seconds FROM sessions") == [("user", row["seconds"])]
        bound("usage.db-shm %s mid-session: daemon up (same pid), SetIntensity and GetUsageToday answered, "
              "Stop stopped the device, row closed at %d s (true %.1f s), integrity ok" % (kind, row["seconds"], true_s))


def test_backup_after_start():
    """The backup of an opened ledger is made after the name is taken (doc/performance.md,
    Round 2), never skipped: a ledger whose backup was lost gets one without any session."""
    with S.env() as env:
        a = env.addr[0]
        env.screen_ok()
        env.add_and_connect(a)
        sid = session(env, a)
        stop_daemon(env)
        backup = env.db + ".backup"
        os.unlink(backup)
        restart(env, a)
        wait_until(lambda: os.path.exists(backup), 10, what="a backup made after start-up")
        assert os.stat(backup).st_mode & 0o7777 == 0o600, oct(os.stat(backup).st_mode)
        assert sessions_on_disk(backup) == [(sid, "user")]
        assert sql(backup, "PRAGMA integrity_check")[0][0] == "ok"
        assert not os.path.exists(backup + "-new"), "the temporary copy was left behind"
        bound("backup deleted while stopped: made again after start-up with 1/1 session, 0600, integrity ok")


S.run("WAL truncated while running, a write, SIGTERM: every session kept, device stopped", test_wal_truncated)
for kind in ("truncated", "deleted", "garbage"):
    S.run("usage.db-shm %s mid-session: daemon stays up, Stop stops the device, row closed at its true length"
          % kind, lambda kind=kind: test_shm(kind))
S.run("ledger damaged while stopped: restored from its backup, history intact, damaged file kept aside",
      test_restore_from_backup)
S.run("ledger and its backup damaged: nothing replaced or deleted, start refused with an honest fix",
      test_backup_never_replaced_by_broken)
S.run("backup deleted while stopped: made again after start-up, without a session", test_backup_after_start)
S.exit()

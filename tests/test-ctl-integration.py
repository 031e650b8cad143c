#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""massagectl as a subprocess against massaged + massager-sim on private buses.

Every command's success path, --json parsed and checked, each error class
with its exit code and message, monitor's plain-line mode, Ctrl-C / a
closed terminal / kill -9 during `start --wait` (the simulator's true state
must show the motors and heater off), and the bash completion asking the
real daemon. The worlds come from tests/lib/massaged_env.py (the daemon's
harness, used as is); ctl_run() below is ours.

Waiting is polling with a deadline, never a bare sleep. The rest between
sessions (at least 30 min) means one fresh world per started session.
"""

import csv
import fcntl
import io
import json
import os
import re
import select
import signal
import termios
import subprocess
import sys
import time

TOP_SRC = os.environ.get("top_srcdir", os.path.join(os.path.dirname(__file__), ".."))
TOP_BUILD = os.environ.get("top_builddir", os.path.join(TOP_SRC, "build"))
sys.path.insert(0, os.path.join(TOP_SRC, "tests", "lib"))

CTL = os.path.join(TOP_BUILD, "client", "massagectl")
NEEDS = [CTL, os.path.join(TOP_BUILD, "daemon", "massaged"), os.path.join(TOP_BUILD, "tests", "sim", "massager-sim"),
         os.path.join(TOP_BUILD, "tests", "daemon", "ledger-seed")]
try:
    from harness import Tap
    from massaged_env import MANAGER, MANAGER_PATH, MassagedEnv, wait_for
except ImportError as e:
    print("1..0 # SKIP the daemon's test harness is not in this tree (%s)" % e)
    sys.exit(0)
missing = [p for p in NEEDS if not os.access(p, os.X_OK)]
if missing:
    print("1..0 # SKIP not built: %s" % ", ".join(missing))
    sys.exit(0)

# The simulated massagers' addresses, set by make_world() from the simulator.
A = B = None
EXIT_USAGE, EXIT_UNREACHABLE, EXIT_POLICY, EXIT_DEVICE, EXIT_NOT_FOUND, EXIT_STATE, EXIT_STORAGE = 2, 3, 4, 5, 6, 7, 8
EXIT_INTERRUPTED = 130
WRAPPER = os.environ.get("TESTS_WRAPPER", "").split()
SLOWDOWN = float(os.environ.get("MASSAGED_TEST_SLOWDOWN") or "1")   # check-valgrind sets 10


def T(seconds):
    """A deadline, stretched when everything runs under valgrind."""
    return seconds * SLOWDOWN


def ctl_env(env):
    e = dict(env.environ)
    e["DBUS_SESSION_BUS_ADDRESS"] = env.user.address
    e["LC_ALL"] = "C.UTF-8"
    e["TZ"] = "UTC"
    e.pop("NO_COLOR", None)
    return e


def ctl_run(env, *args, expect=0, stdin=None, timeout=60):
    timeout = T(timeout)
    """Runs massagectl; checks the exit code; returns (stdout, stderr)."""
    p = subprocess.run(WRAPPER + [CTL] + list(args), env=ctl_env(env), capture_output=True, text=True,
                       input=stdin if stdin is not None else "", timeout=timeout)
    if p.returncode != expect:
        raise AssertionError("massagectl %s: exit %d, expected %d\nstdout: %s\nstderr: %s" %
                             (" ".join(args), p.returncode, expect, p.stdout, p.stderr))
    return p.stdout, p.stderr


def ctl_json(env, *args, expect=0):
    out, err = ctl_run(env, "--json", *args, expect=expect)
    try:
        doc = json.loads(out)
    except ValueError as e:
        raise AssertionError("massagectl --json %s printed invalid JSON (%s): %r" % (" ".join(args), e, out))
    if expect != 0:
        assert set(doc) == {"error"}, doc
        assert doc["error"]["exit_code"] == expect, doc
        assert doc["error"]["message"], doc
        assert doc["error"]["message"] in err, (doc, err)   # the same sentence on stderr
    return doc


def ctl_spawn(env, *args):
    return subprocess.Popen(WRAPPER + [CTL] + list(args), env=ctl_env(env), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)


class Lines:
    """Reads a child's stdout line by line without blocking past a deadline."""

    def __init__(self, proc):
        self.proc = proc
        self.lines = []
        os.set_blocking(proc.stdout.fileno(), False)
        self.buf = ""

    def pump(self):
        try:
            chunk = self.proc.stdout.read()
        except (BlockingIOError, TypeError):
            chunk = None
        if chunk:
            self.buf += chunk
            *done, self.buf = self.buf.split("\n")
            self.lines += done
        return self.lines

    def wait_for(self, needle, timeout=10.0):
        timeout = T(timeout)
        return wait_for(lambda: [l for l in self.pump() if needle in l], timeout,
                          what="a line with %r (so far: %r)" % (needle, self.lines[-5:]))


class Terminal:
    """massagectl on a pseudo-terminal that is its controlling terminal, so that
    a typed Ctrl-C (\\x03) reaches it as SIGINT from the line discipline."""

    def __init__(self, env, *args, extra_env=None):
        self.master, slave = os.openpty()
        e = ctl_env(env)
        e["TERM"] = "xterm"
        e.update(extra_env or {})

        def controlling_tty():
            fcntl.ioctl(0, termios.TIOCSCTTY, 0)
        self.proc = subprocess.Popen(WRAPPER + [CTL] + list(args), env=e, stdin=slave, stdout=slave,
                                     stderr=slave, start_new_session=True, preexec_fn=controlling_tty)
        os.close(slave)
        self.out = b""

    def pump(self):
        while select.select([self.master], [], [], 0)[0]:
            try:
                chunk = os.read(self.master, 65536)
            except OSError:     # EIO: the child closed the terminal
                break
            if not chunk:
                break
            self.out += chunk
        return self.out.decode("utf-8", "replace")

    def wait_for(self, needle, timeout=10.0):
        return wait_for(lambda: needle in self.pump(), T(timeout),
                          what="%r on the terminal (so far: %r)" % (needle, self.pump()[-300:]))

    def type(self, text):
        os.write(self.master, text.encode())

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        os.close(self.master)


def sim_off(env, address):
    st = env.state(address)
    return not st["running"] and not st["heater_on"] and st["intensity"] == 0


class Holder:
    """The world a group of cases runs in; Tap prints its logs when a case fails."""

    def __init__(self):
        self.env = None

    def logs(self):
        return self.env.logs() if self.env else ""


# A user's own program: massagectl must show its Title= and Description=.
EVENING = """[Program]
Name=evening
Title=Evening waves
Description=Ten minutes of slow waves, my own.
Repeat=false

[Step 1]
Seconds=600
Intensity=40
Pattern=wave
"""


def make_world(tap, holder, what, ready=False, **kw):
    """Sets a world up as a case of its own, so that a setup failure is one
    'not ok' with the logs (and the cases depending on it fail) instead of
    a traceback. Every world has the user program "evening". Returns the
    world, or None."""
    global A, B

    def setup():
        daemon = kw.pop("daemon", True)
        holder.env = MassagedEnv(daemon=False, **kw)
        with open(os.path.join(holder.env.environ["XDG_CONFIG_HOME"], "massaged", "programs", "evening.program"),
                  "w") as f:
            f.write(EVENING)
        if daemon:
            holder.env.start_daemon()
        if ready:
            holder.env.screen_ok()
            for a in holder.env.addr:
                holder.env.add_and_connect(a)
    if not tap.run("world: " + what, setup, env=holder):
        close(holder.env)
        holder.env = None
        return None
    A = holder.env.addr[0]
    B = holder.env.addr[1] if len(holder.env.addr) > 1 else None
    return holder.env


def close(env):
    if env:
        env.close()
        env.remove_files()


# ---- the journey: every command's success path, in a new user's order ------

def journey(tap):
    holder = Holder()
    env = make_world(tap, holder, "one unpaired massager in range", paired=False)
    try:
        def version():
            doc = ctl_json(env, "version")
            assert doc["api_version"] == 2 and doc["massagectl"], doc
            out, _ = ctl_run(env, "--version")
            assert "massaged API version 2" in out, out
        tap.run("version (human and --json)", version, env=holder)

        def no_devices():
            assert ctl_json(env, "devices") == {"devices": []}
            out, _ = ctl_run(env, "devices")
            assert "massagectl scan" in out, out
            doc = ctl_json(env, "status", expect=EXIT_NOT_FOUND)
            assert "massagectl scan" in doc["error"]["message"], doc
        tap.run("no devices yet: empty list, status says how to add one (exit 6)", no_devices, env=holder)

        def scan():
            doc = ctl_json(env, "scan", "--timeout", "2s")
            assert [d for d in doc["devices"] if d["Address"] == A and isinstance(d["Name"], str)], doc
            out, _ = ctl_run(env, "scan", "--timeout", "1s")
            assert A in out and "massagectl add" in out, out
            discovering = env.call("/org/massaged1", "org.freedesktop.DBus.Properties", "Get", "ss",
                                   ("org.massaged1.Manager", "Discovering"))
            assert discovering is False, "scan left discovery on"
        tap.run("scan finds the simulated massager (human and --json)", scan, env=holder)

        def add():
            out, _ = ctl_run(env, "add", A.lower().replace(":", "_"))
            assert "Added " + A in out, out
            wait_for(lambda: env.prop(A, "ConnectionState") == "ready", T(20), what="ready")
            assert env.state(A)["paired"], env.state(A)
            doc = ctl_json(env, "devices")
            assert [d["Address"] for d in doc["devices"]] == [A], doc
            assert doc["devices"][0]["ConnectionState"] == "ready", doc
            out, _ = ctl_run(env, "devices")
            assert A in out and "ready" in out and "ADDRESS" in out, out
        tap.run("add (lower case, '_') pairs and connects; devices lists it", add, env=holder)

        def screening_first():
            doc = ctl_json(env, "start", expect=EXIT_POLICY)
            assert doc["error"]["name"] == "org.massaged1.Error.ScreeningRequired", doc
            assert "screening" in doc["error"]["message"], doc
            assert sim_off(env, A)
            ctl_run(env, "screening", expect=EXIT_USAGE)    # no terminal, no flags: nothing sent
            doc = ctl_json(env, "screening", "--list")
            assert len(doc["questions"]) == 8 and all(q["question"].endswith("?") for q in doc["questions"]), doc
            # The daemon's words, not a copy: massagectl prints what ScreeningQuestions serves.
            served = env.get(MANAGER_PATH, MANAGER, "ScreeningQuestions")
            assert [(q["key"], q["question"], q["help"]) for q in doc["questions"]] == [tuple(q) for q in served], doc
            out, _ = ctl_run(env, "screening", "--list")
            assert all(q[1] in out and q[2] in out for q in served), out
            assert "take blood thinners" in out, out
            doc = ctl_json(env, "screening", "--answer", "pregnancy=maybe", expect=EXIT_USAGE)
            doc = ctl_json(env, "screening", "--answer", "nonsense=no", "--all-no", expect=EXIT_USAGE)
            # A "yes" blocks starts until a clearance; answering "no" again does not lift it.
            doc = ctl_json(env, "screening", "--answer", "pregnancy=yes", "--all-no")
            assert doc["blocked"] is True and doc["answers"]["pregnancy"] is True, doc
            doc = ctl_json(env, "start", expect=EXIT_POLICY)
            assert doc["error"]["name"] == "org.massaged1.Error.ClearanceRequired", doc
            doc = ctl_json(env, "screening", "--all-no", expect=EXIT_POLICY)
            assert doc["error"]["name"] == "org.massaged1.Error.ClearanceRequired", doc
            assert '"pregnancy" was yes' in doc["error"]["message"], doc
            # The way out for a mistaken "yes": a correction, which massaged records.
            doc = ctl_json(env, "screening", "--all-no", "--correction")
            assert doc["blocked"] is False and doc["answers"]["correction"] is True, doc
            assert len(env.history("GetEvents", "xx", 0, 2 ** 62)) > 0
            assert [e["detail"] for e in env.history("GetEvents", "xx", 0, 2 ** 62)
                    if e["kind"] == "screening_correction"] == ["corrected from yes to no: pregnancy"]
        tap.run("start refused until screening (exit 4); screening --all-no records it", screening_first, env=holder)

        def programs():
            doc = ctl_json(env, "programs")
            assert doc["programs"] == env.get(MANAGER_PATH, MANAGER, "Programs"), doc
            names = [p["name"] for p in doc["programs"]]
            assert "gentle" in names and "kneading" in names and "evening" in names, doc
            out, _ = ctl_run(env, "programs")
            for p in doc["programs"]:       # a user's file shows its own Title= and Description=
                assert p["title"] in out and p["description"] in out, (p, out)
            assert "Ten minutes of slow waves, my own." in out and "10m" in out, out
            assert "Sustained pressure for 60 s, then 25 s of release; repeated." in out, out
        tap.run("programs (human and --json)", programs, env=holder)

        def bad_values_send_nothing():
            writes = env.state(A)["writes"]
            for args in (["--intensity", "11"], ["--intensity", "0"], ["--heat", "5"], ["--duration", "30m"],
                         ["--duration", "30s"], ["--duration", "1m30"], ["--program", "Bad Name"]):
                doc = ctl_json(env, "start", *args, expect=EXIT_USAGE)
                assert doc["error"]["class"] == "usage", doc
            ctl_run(env, "set", "intensity", "11", expect=EXIT_USAGE)
            ctl_run(env, "status", "AA:BB:CC", expect=EXIT_USAGE)
            ctl_run(env, "frobnicate", expect=EXIT_USAGE)
            doc = ctl_json(env, expect=EXIT_USAGE)          # no command at all: still one JSON object
            assert "massagectl help" in doc["error"]["message"], doc
            assert env.state(A)["writes"] == writes
            assert sim_off(env, A)
        tap.run("out-of-range values are refused before any call (exit 2, device untouched)",
                bad_values_send_nothing, env=holder)

        def start():
            out, _ = ctl_run(env, "start", "--heat", "2", "--duration", "5m", "--intensity", "4")
            assert "Started on " + A in out, out
            # API 2: the plan the daemon granted, in one line.
            assert "Plan: 5 min at up to 4, heat 2 for" in out and "soft start 60 s" in out, out
            st = wait_for(lambda: (lambda s: s if s["running"] else None)(env.state(A)), T(10), what="running")
            assert st["intensity"] == 1, st      # the soft start holds the lowest level
            assert st["heat_level"] == 2, st
            doc = ctl_json(env, "status")
            assert doc["State"] == "running" and doc["Heat"] == 2 and doc["Program"] == "gentle", doc
            assert 0 < doc["Remaining"] <= 300, doc
            out, _ = ctl_run(env, "status")
            for word in ("running", "gentle", "°C", "Remaining", "daily cap"):
                assert word in out, (word, out)
        tap.run("start --heat 2 --duration 5m runs the device (simulator: motors on, heat 2)", start, env=holder)

        def running_errors():
            doc = ctl_json(env, "start", expect=EXIT_STATE)
            assert doc["error"]["name"] == "org.massaged1.Error.Busy", doc
            ctl_run(env, "set", "intensity", "3")
            ctl_run(env, "set", "heat", "1")
            wait_for(lambda: env.state(A)["heat_level"] == 1, T(5), what="heat 1 on the device")
        tap.run("start while running is Busy (exit 7); set intensity/heat reach the device", running_errors, env=holder)

        def pause_resume():
            ctl_run(env, "pause")
            wait_for(lambda: sim_off(env, A), T(5), what="motors off while paused")
            assert ctl_json(env, "status")["State"] == "paused"
            ctl_run(env, "resume")
            wait_for(lambda: env.state(A)["running"], T(5), what="running again")
        tap.run("pause turns the device off, resume on again", pause_resume, env=holder)

        def stop_reason():
            out, _ = ctl_run(env, "stop", "--reason", "tingling")
            assert "Stopped " + A in out, out
            assert sim_off(env, A), env.state(A)
            doc = ctl_json(env, "history")
            assert doc["sessions"][-1]["end_reason"] == "tingling", doc
        tap.run("stop --reason tingling stops at once (simulator off) and is recorded", stop_reason, env=holder)

        def note_history():
            ctl_run(env, "note", "--before", "5", "--after", "3", "--text", "better, a bit \"tingly\"")
            ctl_run(env, "note", "--before", "11", expect=EXIT_USAGE)
            ctl_run(env, "note", expect=EXIT_USAGE)
            s = ctl_json(env, "history")["sessions"][-1]
            assert (s["pain_before"], s["pain_after"], s["note"]) == (5, 3, "better, a bit \"tingly\""), s
            out, _ = ctl_run(env, "history")
            assert "tingling" in out and "5→3" in out, out
            out, _ = ctl_run(env, "history", "--export", "csv")
            rows = list(csv.DictReader(io.StringIO(out)))
            assert len(rows) == 1 and rows[0]["end_reason"] == "tingling", rows
            assert rows[0]["note"] == "better, a bit \"tingly\"" and rows[0]["pain_after"] == "3", rows
            assert rows[0]["heat"] == "2" and rows[0]["device"] == A, rows
            doc = json.loads(ctl_run(env, "history", "--export", "json")[0])
            assert doc["sessions"][0]["id"] == s["id"], doc
            ctl_run(env, "history", "--since", "2026-02-31", expect=EXIT_USAGE)
            kinds = [e["kind"] for e in ctl_json(env, "history", "--events")["events"]]
            assert "stop_reason" in kinds and "refusal" in kinds and "screening" in kinds, kinds
            out, _ = ctl_run(env, "history", "--events")
            assert "stop_reason" in out and "tingling" in out, out
            rows = list(csv.DictReader(io.StringIO(ctl_run(env, "history", "--events", "--export", "csv")[0])))
            assert [r for r in rows if r["kind"] == "stop_reason" and "tingling" in r["detail"]], rows
            today = time.strftime("%Y-%m-%d", time.gmtime())
            yesterday = time.strftime("%Y-%m-%d", time.gmtime(time.time() - 86400))
            assert len(ctl_json(env, "history", "--since", today)["sessions"]) == 1
            assert ctl_json(env, "history", "--since", yesterday, "--until", yesterday)["sessions"] == []
            ctl_run(env, "note", str(s["id"]), "--text", "second thoughts")
            assert ctl_json(env, "history")["sessions"][-1]["note"] == "second thoughts"
            _, err = ctl_run(env, "note", "999", "--text", "x", expect=EXIT_USAGE)   # massaged: InvalidArgs
            assert "999" in err, err
        tap.run("note, history (table, --json, --export csv|json)", note_history, env=holder)

        def usage():
            doc = ctl_json(env, "usage", "--week")
            assert doc["daily_minutes"] == 45 and doc["daily_sessions"] == 3, doc
            assert sum(d["sessions"] for d in doc["days"]) == 1, doc
            out, _ = ctl_run(env, "usage", "--month")
            assert "last 30 days" in out and "daily cap 45 min" in out and "today" in out, out
            assert len([l for l in out.splitlines() if " min" in l]) >= 30, out
        tap.run("usage --week/--month: chart against the daily cap", usage, env=holder)

        def limits():
            doc = ctl_json(env, "limits")
            assert doc["limits"]["daily_minutes"]["value"] == 45 and doc["limits"]["daily_minutes"]["max"] == 60, doc
            out, _ = ctl_run(env, "limits", "set", "daily_minutes", "30")
            assert "daily_minutes is now 30 min" in out, out
            assert ctl_json(env, "limits")["limits"]["daily_minutes"]["value"] == 30
            doc = ctl_json(env, "limits", "set", "daily_minutes", "300", expect=EXIT_USAGE)
            assert "60" in doc["error"]["message"], doc
            ctl_run(env, "limits", "set", "no_such_limit", "3", expect=EXIT_USAGE)
            ctl_run(env, "limits", "set", "gentle_mode", "perhaps", expect=EXIT_USAGE)
            ctl_run(env, "limits", "set", "session_minutes", "10m")
            assert ctl_json(env, "limits")["limits"]["session_minutes"]["value"] == 10
        tap.run("limits: show, set within range, refuse beyond the hard limit before the call", limits, env=holder)

        def policy_sentence():
            doc = ctl_json(env, "start", expect=EXIT_POLICY)
            assert doc["error"]["name"] == "org.massaged1.Error.RestRequired", doc
            assert "Rest required" in doc["error"]["message"] and "available again" in doc["error"]["message"], doc
            assert sim_off(env, A)
        tap.run("a policy refusal shows the policy's sentence (exit 4)", policy_sentence, env=holder)

        def state_and_found_errors():
            doc = ctl_json(env, "pause", expect=EXIT_STATE)
            assert doc["error"]["name"] == "org.massaged1.Error.NotRunning", doc
            doc = ctl_json(env, "status", "11:22:33:44:55:66", expect=EXIT_NOT_FOUND)
            assert "11:22:33:44:55:66" in doc["error"]["message"], doc
            doc = ctl_json(env, "thermal")
            assert doc == {"thermal_locked": False, "heat_disabled": False}, doc
        tap.run("nothing running (exit 7), unknown device (exit 6), thermal", state_and_found_errors, env=holder)

        def disconnect_connect():
            ctl_run(env, "disconnect")
            wait_for(lambda: not env.state(A)["connected"], T(10), what="link down")
            assert ctl_json(env, "status")["ConnectionState"] == "disconnected"
            ctl_run(env, "connect")
            assert ctl_json(env, "status")["ConnectionState"] == "ready"
        tap.run("disconnect / connect", disconnect_connect, env=holder)

        def forget():
            ctl_run(env, "forget", A)
            assert ctl_json(env, "devices") == {"devices": []}
            assert len(ctl_json(env, "history")["sessions"]) == 1   # history stays
        tap.run("forget removes the device, keeps its history", forget, env=holder)
    finally:
        close(env)


# ---- start --wait and monitor ------------------------------------------------

def wait_ctrl_c(tap):
    holder = Holder()
    env = make_world(tap, holder, "one massager added and screened", ready=True)
    try:
        def run():
            mon = ctl_spawn(env, "monitor")
            mlines = Lines(mon)
            mlines.wait_for(A)       # the starting picture: it is subscribed
            p = ctl_spawn(env, "start", "--wait", "--heat", "1", "--duration", "2m")
            lines = Lines(p)
            lines.wait_for("Started on")
            wait_for(lambda: env.state(A)["running"] and env.state(A)["heat_level"] == 1, T(10),
                       what="device running with heat")
            lines.wait_for("State=running")
            p.send_signal(signal.SIGINT)
            p.wait(T(10))
            lines.pump()
            assert p.returncode == EXIT_INTERRUPTED, (p.returncode, lines.lines, p.stderr.read())
            assert sim_off(env, A), env.state(A)
            assert "Stopped." in lines.lines, lines.lines
            # monitor's plain lines: the session and its end, then Ctrl-C quits it with 0.
            mlines.wait_for("ended: user after")
            assert any("State=running" in l for l in mlines.lines), mlines.lines
            assert all(l[:2].isdigit() and l[2] == ":" for l in mlines.lines), mlines.lines
            assert "\033" not in "".join(mlines.lines)      # no colour, no cursor moves into a pipe
            mon.send_signal(signal.SIGINT)
            assert mon.wait(T(10)) == 0
            s = env.sessions()[-1]
            assert s["end_reason"] == "user", s
        tap.run("start --wait: Ctrl-C stops the session (exit 130, simulator off); monitor's plain lines",
                run, env=holder)
    finally:
        close(env)


def terminal(tap):
    holder = Holder()
    env = make_world(tap, holder, "one massager, not screened yet")
    try:
        tap.run("add it", lambda: env.add_and_connect(A), env=holder)

        def screening():
            t = Terminal(env, "screening")
            try:
                for _ in range(8):
                    t.wait_for("[y/n]")
                    before = t.pump().count("[y/n]")
                    t.type("n\n")
                    wait_for(lambda: t.pump().count("[y/n]") > before or t.proc.poll() is not None, T(10),
                               what="the next question")
                assert t.proc.wait(T(10)) == 0, t.pump()
                assert "Screening recorded" in t.pump(), t.pump()
                assert "\033[1m" in t.pump()        # bold heading: colour on a terminal
            finally:
                t.close()
        tap.run("screening on a terminal asks each question and records the answers", screening, env=holder)

        def no_color():
            t = Terminal(env, "devices", extra_env={"NO_COLOR": "1"})
            try:
                assert t.proc.wait(T(10)) == 0
                out = t.pump()
                assert A in out and "\033[" not in out, repr(out)
            finally:
                t.close()
            t = Terminal(env, "devices")
            try:
                assert t.proc.wait(T(10)) == 0
                assert "\033[1mADDRESS" in t.pump(), repr(t.pump())
            finally:
                t.close()
        tap.run("colour on a terminal, never with NO_COLOR", no_color, env=holder)

        def live_view():
            t = Terminal(env, "start", "--wait", "--heat", "1", "--duration", "2m")
            try:
                t.wait_for("Ctrl-C stops the session.")
                wait_for(lambda: env.state(A)["running"], T(10), what="device running")
                t.wait_for("left")
                # Redrawn in place: the cursor goes back up over the previous view.
                wait_for(lambda: "\033[4A" in t.pump(), T(10), what="a redraw in place")
                out = t.pump()
                for word in ("program gentle", "heat 1", "pad 25", "°C", "░", "battery"):
                    assert word in out, (word, out[-600:])
                assert re.search(r"(\d+m)?( ?\d+s)? left", out), out[-600:]     # the countdown
                t.type("\x03")                   # Ctrl-C, as typed
                assert t.proc.wait(T(10)) == EXIT_INTERRUPTED, t.pump()[-400:]
                assert sim_off(env, A), env.state(A)
                assert "Stopped." in t.pump()
            finally:
                t.close()
        tap.run("start --wait on a terminal: live view redrawn in place; typed Ctrl-C stops (simulator off)",
                live_view, env=holder)
    finally:
        close(env)


def wait_hangup_and_kill(tap):
    for sig, reason, expect in ((signal.SIGHUP, "user", EXIT_INTERRUPTED), (signal.SIGKILL, "caller_left", -9)):
        holder = Holder()
        env = make_world(tap, holder, "one massager added and screened", ready=True)
        try:
            def run():
                p = ctl_spawn(env, "--json", "start", "--wait", "--duration", "3m")
                wait_for(lambda: env.state(A)["running"], T(10), what="device running")
                lines = Lines(p)
                lines.wait_for('"event":"changed"')
                p.send_signal(sig)
                assert p.wait(T(10)) == expect, p.returncode
                wait_for(lambda: sim_off(env, A), T(10), what="device off after the client left")
                wait_for(lambda: env.sessions() and not env.sessions()[-1]["open"], T(10), what="session closed")
                assert env.sessions()[-1]["end_reason"] == reason, env.sessions()[-1]
                for l in lines.pump():
                    json.loads(l)       # JSON lines, each valid
            tap.run("start --wait: %s → session ends (%s), simulator off" % (signal.Signals(sig).name, reason),
                    run, env=holder)
        finally:
            close(env)


def wait_completes(tap):
    holder = Holder()
    env = make_world(tap, holder, "one massager added and screened", ready=True)
    try:
        def run():
            # The shortest session; the stand-in for "watch until it ends" is a session
            # that another client stops: --wait must exit 0 on a normal end.
            p = ctl_spawn(env, "start", "--wait", "--duration", "1m")
            lines = Lines(p)
            wait_for(lambda: env.state(A)["running"], T(10), what="running")
            ctl_run(env, "stop")
            assert p.wait(T(10)) == 0, (p.returncode, lines.pump())
            assert any("ended: user" in l for l in lines.pump()), lines.lines
            assert sim_off(env, A)
        tap.run("start --wait exits 0 when the session ends normally", run, env=holder)
    finally:
        close(env)


# ---- the usage chart over a seeded week -------------------------------------

def seeded_usage(tap):
    holder = Holder()
    env = make_world(tap, holder, "a ledger seeded with three past days (UTC)", daemon=False, tz="UTC")
    try:
        def run():
            seed = os.path.join(TOP_BUILD, "tests", "daemon", "ledger-seed")
            # N days ago at this time of day: 15 min yesterday, 30 the day before, 45 (the cap) before that.
            subprocess.run([seed, env.db, "1440:15", "2880:30", "4320:45"], check=True, env=env.environ,
                           capture_output=True, timeout=T(30))
            env.start_daemon()
            doc = ctl_json(env, "usage", "--week")
            minutes = sorted(d["seconds"] // 60 for d in doc["days"] if d["seconds"])
            assert minutes == [15, 30, 45], doc
            out, _ = ctl_run(env, "usage", "--week")
            rows = [l for l in out.splitlines() if " min" in l and "cap" not in l and not l.startswith("Total")]
            assert len(rows) == 7 and rows[-1].startswith("today"), out
            # A full bar is the daily cap (45 min): 30 cells for 45, 20 for 30, 10 for 15.
            assert "█" * 30 in rows[-4] and "45 min" in rows[-4], out
            assert "█" * 20 + "░" * 10 in rows[-3] and "30 min" in rows[-3], out
            assert "█" * 10 + "░" * 20 in rows[-2] and "15 min" in rows[-2], out
            assert "░" * 30 in rows[-1] and "  0 min" in rows[-1], out
            assert "Total 90 min on 3 days." in out, out
            doc = ctl_json(env, "history")
            assert [x["seconds"] for x in doc["sessions"]] == [2700, 1800, 900], doc
        tap.run("usage --week charts seeded days against the cap (bars of 30/20/10 cells)", run, env=holder)
    finally:
        close(env)


# ---- error classes that need a world of their own ----------------------------

def errors(tap):
    holder = Holder()
    env = make_world(tap, holder, "buses and simulator, no daemon", daemon=False)
    try:
        def unreachable():
            doc = ctl_json(env, "devices", expect=EXIT_UNREACHABLE)
            assert doc["error"]["class"] == "unreachable", doc
            _, err = ctl_run(env, "status", A, expect=EXIT_UNREACHABLE)
            assert "systemctl --user start massaged" in err, err
        tap.run("daemon not running: exit 3 and how to start it", unreachable, env=holder)

        def storage():
            bad = os.path.join(env.tmp, "not-a-dir")
            open(bad, "w").close()
            env.start_daemon(extra=["--db", os.path.join(bad, "usage.db")])
            doc = ctl_json(env, "add", A, expect=EXIT_STORAGE)
            assert doc["error"]["name"] == "org.massaged1.Error.StorageUnavailable", doc
        tap.run("ledger unusable: exit 8 with the daemon's sentence", storage, env=holder)
    finally:
        close(env)

    holder = Holder()
    env = make_world(tap, holder, "two massagers added and screened", ready=True, devices=2)
    try:
        def two_devices():
            doc = ctl_json(env, "status", expect=EXIT_USAGE)
            assert "say which one" in doc["error"]["message"], doc
            ctl_run(env, "start", B.replace(":", "_").lower(), "--duration", "2m")
            wait_for(lambda: env.state(B)["running"], T(10), what="B running")
            assert not env.state(A)["running"]
            # Several devices, none named: stop them all. A mistyped reason still stops.
            out, err = ctl_run(env, "stop", "--reason", "pian")
            assert "every massager" in out, out
            assert "'pian' is not a known reason" in err, err
            assert sim_off(env, A) and sim_off(env, B)
            assert env.sessions()[-1]["end_reason"] in ("stop_all", "user"), env.sessions()[-1]
            out, _ = ctl_run(env, "stop", "--all")  # never refused, also with nothing running
            assert "every massager" in out, out
        tap.run("two devices: a device must be named, except for stop (stops all, even with a mistyped reason)",
                two_devices, env=holder)

        def device_failure():
            ctl_run(env, "disconnect", A)
            doc = ctl_json(env, "start", A, expect=EXIT_DEVICE)
            assert doc["error"]["name"] == "org.massaged1.Error.NotConnected", doc
            assert sim_off(env, A)
        tap.run("device not connected: exit 5", device_failure, env=holder)

        def completion():
            script = ('. "%s/client/completion/massagectl"; COMP_WORDS=(massagectl status ""); COMP_CWORD=2; '
                      '_massagectl massagectl "" status; echo "${COMPREPLY[*]}"' % TOP_SRC)
            e = ctl_env(env)
            e["PATH"] = os.path.dirname(CTL) + ":" + e.get("PATH", "/usr/bin:/bin")
            out = subprocess.run(["bash", "--norc", "--noprofile", "-c", script], env=e, capture_output=True,
                                 text=True, timeout=30).stdout.split()
            assert sorted(out) == sorted([A, B]), out
        tap.run("bash completion offers the daemon's devices", completion, env=holder)
    finally:
        close(env)


def main():
    tap = Tap()         # prints the plan at the end
    journey(tap)
    wait_ctrl_c(tap)
    terminal(tap)
    wait_hangup_and_kill(tap)
    wait_completes(tap)
    seeded_usage(tap)
    errors(tap)
    tap.exit()


if __name__ == "__main__":
    main()

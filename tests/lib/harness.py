# SPDX-License-Identifier: LGPL-2.1-or-later
"""Shared integration-test harness: private buses, child processes, waiting, TAP.

Run tests with $TEST_PYTHON (Debian's /usr/bin/python3 with python3-gi).
Import from a test:

    import os, sys
    sys.path.insert(0, os.path.join(os.environ["top_srcdir"], "tests", "lib"))
    from harness import BusEnv, Tap, wait_until
    from sim import Sim

    tap = Tap()
    with BusEnv() as env:
        sim = Sim(env, devices=1, paired=True)
        tap.run("something", lambda: ...)
    tap.exit()

Everything started through a BusEnv (spawn()) is killed when the env closes,
also on exceptions and on SIGTERM/SIGINT, so a failing test leaves nothing
behind. Nothing here sleeps for a fixed time: waits poll a condition while
dispatching GLib events, until a deadline.
"""

import atexit
import os
import re
import select
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback

from gi.repository import Gio, GLib

__all__ = ["BusEnv", "Tap", "wait_until", "TimeoutError", "build_path", "source_path", "log", "SLOWDOWN",
           "WRAPPER"]

_live_processes = []

# `make check-valgrind` runs our programs under valgrind: TESTS_WRAPPER goes
# in front of every program of this project a test starts, and every
# timeout is multiplied by MASSAGED_TEST_SLOWDOWN.
WRAPPER = shlex.split(os.environ.get("TESTS_WRAPPER", ""))
SLOWDOWN = float(os.environ.get("MASSAGED_TEST_SLOWDOWN") or 1)


def log(*args):
    """A TAP diagnostic line (ignored by the TAP driver, shown in the log)."""
    text = " ".join(str(a) for a in args)
    for line in text.splitlines() or [""]:
        print("# " + line, flush=True)


def build_path(*parts):
    """A path in the build tree ($top_builddir, set by `make check`)."""
    return os.path.join(os.environ.get("top_builddir", "."), *parts)


def source_path(*parts):
    """A path in the source tree ($top_srcdir, set by `make check`)."""
    return os.path.join(os.environ.get("top_srcdir", "."), *parts)


def _kill(proc, grace=2.0):
    if proc.poll() is not None:
        return
    try:
        proc.terminate()
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    except ProcessLookupError:
        pass


def _kill_all():
    while _live_processes:
        _kill(_live_processes.pop())


atexit.register(_kill_all)


def _on_signal(signum, frame):
    _kill_all()
    sys.exit(128 + signum)


signal.signal(signal.SIGTERM, _on_signal)
signal.signal(signal.SIGINT, _on_signal)


def wait_until(predicate, timeout=5.0, what=None, interval=0.01):
    """Poll predicate() until it returns something true; return that value.

    GLib events (D-Bus signals, replies) are dispatched between polls, so a
    predicate may look at state that signal handlers update. Raises
    TimeoutError naming `what` when the deadline passes.
    """
    ctx = GLib.MainContext.default()
    timeout *= SLOWDOWN
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise TimeoutError("timed out after %.1f s waiting for %s" % (timeout, what or predicate))
        # Block until an event comes, or `interval` at the latest.
        fired = []
        source = GLib.timeout_add(max(1, int(interval * 1000)), lambda: fired.append(1) and False)
        ctx.iteration(True)
        if not fired:
            GLib.source_remove(source)
        while ctx.pending():
            ctx.iteration(False)


def read_bus_address(proc, timeout):
    """The address a dbus-daemon started with --print-address=1 (stdout a pipe) prints.

    dbus-daemon prints it only once it listens, so a client can connect at once;
    waiting for its socket file instead races the bind() before listen().
    """
    deadline = time.monotonic() + timeout
    line = b""
    while not line.endswith(b"\n"):
        left = deadline - time.monotonic()
        if left <= 0 or proc.poll() is not None:
            raise RuntimeError("dbus-daemon did not print its address (is the dbus package installed?)")
        ready, _, _ = select.select([proc.stdout], [], [], left)
        if ready:
            chunk = os.read(proc.stdout.fileno(), 4096)
            if not chunk:
                continue
            line += chunk
    return line.decode().strip()


class BusEnv:
    """A private dbus-daemon and the processes started on it.

    env.address is the bus address; env.bus a Gio connection to it;
    env.environ() the environment for children (both DBUS_*_BUS_ADDRESS
    point at the private bus, so nothing reaches the real buses).
    """

    # servicedir: a bus that activates the services described there (the
    # default session bus config has none here, so nothing is activated).
    CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:tmpdir={tmpdir}</listen>
  <auth>EXTERNAL</auth>
  <servicedir>{servicedir}</servicedir>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""

    def __init__(self, timeout=10.0, servicedir=None):
        self.sanitizer_report = ""
        self._procs = []
        self._logs = []
        self.tmpdir = tempfile.mkdtemp(prefix="massaged-test-")
        config = ["--session"]
        if servicedir:
            path = os.path.join(self.tmpdir, "bus.conf")
            with open(path, "w") as f:
                f.write(self.CONFIG.format(tmpdir=self.tmpdir, servicedir=servicedir))
            config = ["--config-file", path]
        self.proc = subprocess.Popen(
            ["dbus-daemon"] + config + ["--nofork", "--nopidfile", "--print-address=1"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
        _live_processes.append(self.proc)
        try:
            self.address = read_bus_address(self.proc, timeout)
        except RuntimeError:
            self.close()
            raise
        self.bus = Gio.DBusConnection.new_for_address_sync(
            self.address,
            Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT | Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION,
            None, None)

    def environ(self, **extra):
        env = dict(os.environ)
        env["DBUS_SYSTEM_BUS_ADDRESS"] = self.address
        env["DBUS_SESSION_BUS_ADDRESS"] = self.address
        env.update({k: str(v) for k, v in extra.items()})
        return env

    def spawn(self, argv, name=None, wrap=True, **kwargs):
        """Start a child on this bus; its output goes to a log file (see logs()).

        wrap: put $TESTS_WRAPPER (e.g. valgrind) in front; meant for this
        project's programs, not for third-party tools.
        """
        name = name or os.path.basename(argv[0])
        if wrap:
            argv = WRAPPER + list(argv)
        logpath = os.path.join(self.tmpdir, "%s-%d.log" % (name, len(self._logs)))
        logfile = open(logpath, "wb")
        kwargs.setdefault("env", self.environ())
        kwargs.setdefault("stdin", subprocess.DEVNULL)
        kwargs.setdefault("stdout", logfile)
        kwargs.setdefault("stderr", logfile)
        proc = subprocess.Popen(argv, **kwargs)
        logfile.close()
        proc.log_path = logpath
        proc.wrapped = bool(wrap and WRAPPER)
        self._procs.append(proc)
        self._logs.append(logpath)
        _live_processes.append(proc)
        return proc

    def logs(self):
        """Everything the children wrote to stderr, for diagnostics."""
        out = []
        for path in self._logs:
            try:
                with open(path, errors="replace") as f:
                    text = f.read()
            except OSError:
                continue
            if text:
                out.append("--- %s ---\n%s" % (os.path.basename(path), text))
        return "\n".join(out)

    def has_owner(self, name):
        reply = self.bus.call_sync("org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                   "NameHasOwner", GLib.Variant("(s)", (name,)), GLib.VariantType("(b)"),
                                   Gio.DBusCallFlags.NONE, 2000, None)
        return reply.unpack()[0]

    def wait_for_name(self, name, timeout=10.0, proc=None):  # timeout scaled by SLOWDOWN in wait_until
        """Wait until `name` is owned; fail early if `proc` dies meanwhile."""
        def owned():
            if proc is not None and proc.poll() is not None:
                raise RuntimeError("%s exited with %s before owning %s:\n%s"
                                   % (proc.args[0], proc.returncode, name, self.logs()))
            return self.has_owner(name)
        wait_until(owned, timeout, what="%s on the bus" % name)

    def kill(self, proc):
        _kill(proc)

    # ASan/LSan/UBSan reports, and valgrind's (--quiet: it prints errors only).
    SANITIZER = re.compile(r"ERROR: (Address|Leak|Memory|Thread|UndefinedBehavior)Sanitizer|runtime error: "
                           r"|^==\d+== ", re.MULTILINE)

    def close(self):
        """Stop every child, then the bus. Afterwards `sanitizer_report` holds
        any ASan/UBSan/LSan report the children printed ("" if none)."""
        failed = []
        for proc in reversed(self._procs):
            _kill(proc, grace=2.0 * SLOWDOWN)
            if proc in _live_processes:
                _live_processes.remove(proc)
            if proc.wrapped and proc.returncode == 99:      # valgrind's --error-exitcode
                failed.append("%s exited with valgrind's error code 99" % proc.args[len(WRAPPER)])
        self._procs = []
        logs = self.logs()
        if failed or self.SANITIZER.search(logs):
            self.sanitizer_report = "\n".join(failed + [logs])
        if getattr(self, "bus", None) is not None:
            try:
                self.bus.close_sync(None)
            except GLib.Error:
                pass
            self.bus = None
        _kill(self.proc)
        if self.proc in _live_processes:
            _live_processes.remove(self.proc)
        if self.proc.stdout:
            self.proc.stdout.close()
        shutil.rmtree(self.tmpdir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


class Tap:
    """A tiny TAP producer: run(name, fn) records ok / not ok with the traceback.

    The plan is printed at the end (valid TAP), so tests need not count.
    """

    def __init__(self):
        self.count = 0
        self.failed = 0

    def ok(self, passed, name, diag=None):
        self.count += 1
        print("%s %d - %s" % ("ok" if passed else "not ok", self.count, name), flush=True)
        if not passed:
            self.failed += 1
            if diag:
                log(diag)
        return passed

    def run(self, name, fn, *args, env=None):
        """Run fn(*args); an exception or AssertionError makes it "not ok"."""
        try:
            fn(*args)
        except Exception:
            diag = traceback.format_exc()
            if env is not None:
                diag += "\n" + env.logs()
            return self.ok(False, name, diag)
        return self.ok(True, name)

    def skip(self, name, reason):
        self.count += 1
        print("ok %d - %s # SKIP %s" % (self.count, name, reason), flush=True)

    def bail_out(self, reason):
        print("Bail out! %s" % reason, flush=True)
        _kill_all()
        sys.exit(1)

    def check_sanitizers(self, env):
        """One more test point: the env's children printed no sanitizer report (call after close)."""
        self.ok(not env.sanitizer_report, "no sanitizer reports from the children", env.sanitizer_report)

    def exit(self):
        print("1..%d" % self.count, flush=True)
        _kill_all()
        sys.exit(1 if self.failed else 0)

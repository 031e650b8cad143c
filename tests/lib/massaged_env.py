# SPDX-License-Identifier: LGPL-2.1-or-later
"""Start massaged from the build tree for integration tests.

Built on the shared harness (harness.py: BusEnv, wait_until, Tap; sim.py:
Sim). A MassagedEnv is one private world: two private dbus-daemons (the
"system" bus where massager-sim owns org.bluez, the "user" bus where
massaged serves org.massaged1), state and config in a temp dir, and massaged
between them. Everything is killed on close(), also when a test fails.
Waiting always polls a condition against a deadline, never a bare sleep.
"""

import os
import shutil
import signal
import time

from gi.repository import Gio, GLib

from harness import SLOWDOWN, WRAPPER, BusEnv, Tap, build_path, log, source_path, wait_until  # noqa: F401
from sim import Sim, dbus_error_name  # noqa: F401

BUS = "org.massaged1"
MANAGER_PATH = "/org/massaged1"
MANAGER = "org.massaged1.Manager"
HISTORY = "org.massaged1.History"
DEVICE = "org.massaged1.Device"

ALL_NO_SCREENING = [
    "recent_injury_or_surgery", "clotting_or_cardiovascular", "stroke_or_artery_problem",
    "neck_wound_or_infection", "unexplained_symptoms", "pacemaker", "pregnancy",
    "reduced_skin_sensation",
]

START_TYPES = {"program": "s", "intensity": "y", "heat": "y", "duration": "u", "tie_to_caller": "b"}


def device_path(address):
    return "/org/massaged1/device/" + address.upper().replace(":", "_")


def wait_for(predicate, timeout=5.0, what=None, interval=0.01):
    """wait_until(), treating a failing bus call as "not yet" (a daemon restarting, a link coming back)."""
    def guarded():
        try:
            return predicate()
        except GLib.Error:
            return None
    return wait_until(guarded, timeout, what=what, interval=interval)


class MassagedEnv:
    """Private buses + massager-sim + massaged. Use as a context manager.

    env.addr: the simulated devices' addresses; env.sim: the Sim (true state);
    env.api: a Gio connection to the user bus.
    """

    def __init__(self, devices=1, paired=True, sim_args=(), daemon=True, config="", tz=None, db=None,
                 system_servicedir=None):
        self.system = None
        self.user = None
        self.daemon = None
        self.n_daemons = 0
        self.managed = False
        try:
            self.system = BusEnv(servicedir=system_servicedir)
            self.user = BusEnv()
            self.tmp = self.user.tmpdir
            self.db = db or os.path.join(self.tmp, "state", "massaged", "usage.db")
            self.config = os.path.join(self.tmp, "massaged.conf")
            with open(self.config, "w") as f:
                f.write(config)
            config_home = os.path.join(self.tmp, "config")
            self.environ = self.user.environ(XDG_CONFIG_HOME=config_home,
                                             XDG_STATE_HOME=os.path.join(self.tmp, "state"))
            # The built-in programs are not installed: give them to this user
            # as their own programs (the daemon reads $XDG_CONFIG_HOME/massaged/programs).
            programs = os.path.join(config_home, "massaged", "programs")
            os.makedirs(programs)
            for name in os.listdir(source_path("daemon", "programs")):
                if name.endswith(".program"):   # copyfile: a read-only source tree (distcheck) stays out of it
                    shutil.copyfile(source_path("daemon", "programs", name), os.path.join(programs, name))
            if tz:
                self.environ["TZ"] = tz
            self.sim = Sim(self.system, devices=devices, paired=paired, args=sim_args)
            self.addr = self.sim.addresses
            self.api = self.user.bus
            if daemon:
                self.start_daemon()
        except BaseException:
            self.close()
            raise

    # -- the daemon --------------------------------------------------------
    def start_daemon(self, extra=()):
        argv = [build_path("daemon", "massaged"), "--bluez-bus", self.system.address, "--api-bus",
                self.user.address, "--db", self.db, "--config", self.config, "--verbose"] + list(extra)
        self.n_daemons += 1
        self.daemon = self.user.spawn(argv, name="massaged", env=self.environ)
        self.user.wait_for_name(BUS, 10, proc=self.daemon)
        return self.daemon

    def kill_daemon(self, sig=signal.SIGKILL, timeout=10):
        self.daemon.send_signal(sig)
        rc = self.daemon.wait(timeout)
        wait_until(lambda: not self.user.has_owner(BUS), 5, what="org.massaged1 released")
        return rc

    def logs(self):
        return self.system.logs() + "\n" + self.user.logs()

    def close(self):
        """Stop everything; afterwards sanitizer_report() tells what the children reported."""
        for b in (self.user, self.system):
            if b:
                b.close()

    def remove_files(self):
        """Delete the temp dirs after close() (BusEnv.close() already does; kept for callers)."""
        for b in (self.user, self.system):
            if b:
                shutil.rmtree(b.tmpdir, ignore_errors=True)

    def sanitizer_report(self):
        return "\n".join(b.sanitizer_report for b in (self.user, self.system) if b and b.sanitizer_report)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        # Under Scenarios the env stays up until the failure's logs are printed.
        if not self.managed:
            self.close()
        return False

    # -- calls -------------------------------------------------------------
    def call(self, path, iface, method, signature=None, args=(), timeout_ms=30000, conn=None):
        params = GLib.Variant("(%s)" % signature, tuple(args)) if signature else None
        r = (conn or self.api).call_sync(BUS, path, iface, method, params, None, Gio.DBusCallFlags.NONE,
                                         timeout_ms, None)
        v = r.unpack()
        return v[0] if len(v) == 1 else (v if v else None)

    def manager(self, method, signature=None, *args, **kw):
        return self.call(MANAGER_PATH, MANAGER, method, signature, args, **kw)

    def history(self, method, signature=None, *args, **kw):
        return self.call(MANAGER_PATH, HISTORY, method, signature, args, **kw)

    def device(self, address, method, signature=None, *args, **kw):
        return self.call(device_path(address), DEVICE, method, signature, args, **kw)

    def get(self, path, iface, name):
        return self.call(path, "org.freedesktop.DBus.Properties", "Get", "ss", (iface, name))

    def prop(self, address, name):
        return self.get(device_path(address), DEVICE, name)

    def state(self, address):
        """The simulator's TRUE device state."""
        return self.sim.state(address)

    # -- common steps ------------------------------------------------------
    def screen_ok(self):
        self.manager("SubmitScreening", "a{sv}", {k: GLib.Variant("b", False) for k in ALL_NO_SCREENING})

    def add_and_connect(self, address, timeout=15):
        path = self.manager("AddDevice", "s", address)
        assert path == device_path(address), path
        wait_for(lambda: self.prop(address, "ConnectionState") == "ready", timeout, what="%s ready" % address)
        return path

    def start(self, address, conn=None, **options):
        opts = {k: GLib.Variant(START_TYPES.get(k, "s"), v) for k, v in options.items()}
        return self.call(device_path(address), DEVICE, "Start", "a{sv}", (opts,), conn=conn)

    def sessions(self):
        return self.history("GetSessions", "xx", 0, 2 ** 62)

    def expect_error(self, fn, name, contains=None):
        try:
            fn()
        except GLib.Error as e:
            got = dbus_error_name(e)
            assert got == name, "expected %s, got %s: %s" % (name, got, e.message)
            if contains:
                assert contains in e.message, "message %r lacks %r" % (e.message, contains)
            return e.message
        raise AssertionError("expected %s, the call succeeded" % name)

    def stays(self, predicate, seconds, what, interval=0.1):
        """Assert predicate() holds throughout `seconds` (sampled every `interval`)."""
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            assert predicate(), "no longer true: %s" % what
            time.sleep(interval)


class Signals:
    """Records a signal of org.massaged1; wait_until() dispatches it."""

    def __init__(self, conn, iface, member, path=None):
        self.items = []
        conn.signal_subscribe(BUS, iface, member, path, None, Gio.DBusSignalFlags.NONE, self._on)

    def _on(self, conn, sender, path, iface, member, params):
        self.items.append((path, params.unpack()))


class Scenarios:
    """Runs scenario functions, each making its env with S.env(); a failure
    prints that env's logs, and every env is checked for sanitizer reports."""

    def __init__(self):
        self.tap = Tap()
        self.current = None

    def env(self, **kw):
        self.current = MassagedEnv(**kw)
        self.current.managed = True
        return self.current

    def logs(self):
        return self.current.logs() if self.current else ""

    def run(self, name, fn):
        self.current = None
        self.tap.run(name, fn, env=self)
        if self.current:
            self.current.close()
            report = self.current.sanitizer_report()
            if report:
                self.tap.ok(False, "no sanitizer reports: " + name, report)

    def exit(self):
        self.tap.exit()

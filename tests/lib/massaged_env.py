# SPDX-License-Identifier: LGPL-2.1-or-later
"""Start massaged from the build tree for integration tests.

A MassagedEnv is one private world: a temporary directory for state, two
private dbus-daemons ("system" for BlueZ, "user" for the API), massager-sim
owning org.bluez on the system one, and massaged between them. Everything is
killed on close(), also when a test fails. Waiting is always polling a
condition against a deadline (wait_until), never a bare sleep.

Only /usr/bin/python3 with python3-gi (Gio) is assumed ($TEST_PYTHON).
"""

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from gi.repository import Gio, GLib

BUS = "org.massaged1"
MANAGER_PATH = "/org/massaged1"
MANAGER = "org.massaged1.Manager"
HISTORY = "org.massaged1.History"
DEVICE = "org.massaged1.Device"
SIM_NAME = "org.massaged1.Sim"
SIM_PATH = "/org/massaged1/sim"
SIM = "org.massaged1.Sim1"

ALL_NO_SCREENING = [
    "recent_injury_or_surgery", "clotting_or_cardiovascular", "stroke_or_artery_problem",
    "neck_wound_or_infection", "unexplained_symptoms", "pacemaker", "pregnancy",
    "reduced_skin_sensation",
]


def top_builddir():
    return os.environ.get("top_builddir") or os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "build"))


def top_srcdir():
    return os.environ.get("top_srcdir") or os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def wait_until(predicate, timeout=10.0, interval=0.02, what="condition"):
    """Poll predicate() until it returns a true value; fail after timeout seconds."""
    deadline = time.monotonic() + timeout
    last_exc = None
    while True:
        try:
            value = predicate()
            if value:
                return value
        except GLib.Error as e:  # a bus call that fails now may succeed soon
            last_exc = e
        if time.monotonic() > deadline:
            raise TimeoutError("timed out after %.1f s waiting for %s%s" %
                               (timeout, what, " (last error: %s)" % last_exc.message if last_exc else ""))
        time.sleep(interval)


def device_path(address):
    return "/org/massaged1/device/" + address.upper().replace(":", "_")


def dbus_error_name(e):
    """The D-Bus error name of a GLib.Error from a bus call."""
    name = Gio.DBusError.get_remote_error(e)
    return name or ""


class PrivateBus:
    def __init__(self, tmpdir, label):
        self.proc = subprocess.Popen(
            ["dbus-daemon", "--session", "--nofork", "--print-address=1", "--nopidfile"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=tmpdir, text=True)
        self.address = self.proc.stdout.readline().strip()
        if not self.address:
            raise RuntimeError("dbus-daemon for the %s bus did not start" % label)

    def connect(self):
        return Gio.DBusConnection.new_for_address_sync(
            self.address,
            Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT | Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION,
            None, None)

    def close(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class MassagedEnv:
    """Private buses + massager-sim + massaged. Use as a context manager."""

    def __init__(self, devices=("AA:BB:CC:DD:EE:01",), paired=True, sim_args=(), daemon=True,
                 config=None, tz=None):
        self.tmp = tempfile.mkdtemp(prefix="massaged-test-")
        self.devices = list(devices)
        self.db = os.path.join(self.tmp, "state", "usage.db")
        self.config = os.path.join(self.tmp, "massaged.conf")
        self.logs = []
        self.daemon = None
        self.sim = None
        self.env = dict(os.environ)
        self.env["XDG_CONFIG_HOME"] = os.path.join(self.tmp, "config")
        self.env["XDG_STATE_HOME"] = os.path.join(self.tmp, "state")
        self.env["MASSAGED_PROGRAMS_DIR"] = os.path.join(top_srcdir(), "daemon", "programs")
        if tz:
            self.env["TZ"] = tz
        with open(self.config, "w") as f:
            f.write(config or "")
        try:
            self.system = PrivateBus(self.tmp, "system")
            self.user = PrivateBus(self.tmp, "user")
            self.start_sim(paired=paired, extra=sim_args)
            self.sys_conn = self.system.connect()
            self.api = self.user.connect()
            if daemon:
                self.start_daemon()
        except BaseException:
            self.close()
            raise

    # -- processes ---------------------------------------------------------
    def start_sim(self, paired=True, extra=()):
        sim = os.path.join(top_builddir(), "tests", "sim", "massager-sim")
        args = [sim, "--bus", self.system.address]
        for a in self.devices:
            args += ["--device", a]
        if paired:
            args.append("--paired")
        args += list(extra)
        log = open(os.path.join(self.tmp, "sim.log"), "w")
        self.logs.append(log.name)
        self.sim = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, env=self.env)
        conn = self.system.connect()
        wait_until(lambda: self._has_owner(conn, SIM_NAME) and self._has_owner(conn, "org.bluez"),
                   what="massager-sim on the bus")
        conn.close_sync(None)

    def start_daemon(self, extra=()):
        exe = os.path.join(top_builddir(), "daemon", "massaged")
        args = [exe, "--bluez-bus", self.system.address, "--api-bus", self.user.address,
                "--db", self.db, "--config", self.config, "--verbose"] + list(extra)
        n = len([l for l in self.logs if "massaged" in os.path.basename(l)])
        log = open(os.path.join(self.tmp, "massaged-%d.log" % n), "w")
        self.logs.append(log.name)
        self.daemon_started = time.monotonic()
        self.daemon = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, env=self.env)
        wait_until(lambda: self.daemon.poll() is not None or self._has_owner(self.api, BUS),
                   what="massaged on the bus")
        if self.daemon.poll() is not None:
            raise RuntimeError("massaged exited with %d at start-up" % self.daemon.returncode)
        return self.daemon

    def kill_daemon(self, sig=signal.SIGKILL, timeout=10):
        self.daemon.send_signal(sig)
        rc = self.daemon.wait(timeout)
        wait_until(lambda: not self._has_owner(self.api, BUS), what="org.massaged1 released")
        return rc

    def close(self):
        for p in (self.daemon, self.sim):
            if p and p.poll() is None:
                p.kill()
                p.wait()
        for b in ("user", "system"):
            if hasattr(self, b):
                getattr(self, b).close()
        if os.environ.get("MASSAGED_TEST_KEEP"):
            sys.stderr.write("# kept %s\n" % self.tmp)
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)

    def dump_logs(self):
        for name in self.logs:
            try:
                with open(name) as f:
                    lines = f.read().splitlines()[-60:]
            except OSError:
                continue
            print("# ---- %s" % os.path.basename(name))
            for l in lines:
                print("#   " + l)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    # -- bus helpers -------------------------------------------------------
    @staticmethod
    def _has_owner(conn, name):
        r = conn.call_sync("org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                           "NameHasOwner", GLib.Variant("(s)", (name,)), GLib.VariantType("(b)"),
                           Gio.DBusCallFlags.NONE, 5000, None)
        return r.unpack()[0]

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

    def prop(self, address, name):
        r = self.api.call_sync(BUS, device_path(address), "org.freedesktop.DBus.Properties", "Get",
                               GLib.Variant("(ss)", (DEVICE, name)), None, Gio.DBusCallFlags.NONE, 5000, None)
        return r.unpack()[0]

    def sim_call(self, method, signature=None, *args):
        params = GLib.Variant("(%s)" % signature, tuple(args)) if signature else None
        r = self.sys_conn.call_sync(SIM_NAME, SIM_PATH, SIM, method, params, None, Gio.DBusCallFlags.NONE,
                                    10000, None)
        v = r.unpack()
        return v[0] if len(v) == 1 else (v if v else None)

    def sim_state(self, address):
        return self.sim_call("GetDeviceState", "s", address)

    # -- common steps ------------------------------------------------------
    def screen_ok(self):
        self.manager("SubmitScreening", "a{sv}",
                     {k: GLib.Variant("b", False) for k in ALL_NO_SCREENING})

    def add_and_connect(self, address, timeout=15):
        path = self.manager("AddDevice", "s", address)
        assert path == device_path(address), path
        wait_until(lambda: self.prop(address, "ConnectionState") == "ready", timeout,
                   what="%s ready" % address)
        return path

    def start(self, address, **options):
        types = {"program": "s", "intensity": "y", "heat": "y", "duration": "u", "tie_to_caller": "b"}
        opts = {k: GLib.Variant(types.get(k, "s"), v) for k, v in options.items()}
        return self.device(address, "Start", "a{sv}", opts)

    def sessions(self):
        return self.history("GetSessions", "xx", 0, 2 ** 62)


class SignalRecorder:
    """Records a signal on a connection; read with wait_until(lambda: rec.find(...))."""

    def __init__(self, conn, iface, member, path=None):
        self.items = []
        self.conn = conn
        self.id = conn.signal_subscribe(BUS, iface, member, path, None, Gio.DBusSignalFlags.NONE,
                                        self._on, None)
        self.ctx = GLib.MainContext.default()

    def _on(self, conn, sender, path, iface, member, params, data):
        self.items.append((path, params.unpack()))

    def pump(self):
        while self.ctx.iteration(False):
            pass
        return self.items


class Tap:
    """Minimal TAP producer: each scenario is a function; failures dump the logs."""

    def __init__(self, n):
        self.n = n
        self.i = 0
        self.failed = 0
        print("1..%d" % n, flush=True)

    def run(self, name, fn, env_holder=None):
        self.i += 1
        try:
            fn()
            print("ok %d - %s" % (self.i, name), flush=True)
        except Exception as e:
            self.failed += 1
            print("not ok %d - %s" % (self.i, name), flush=True)
            for line in ("%s: %s" % (type(e).__name__, e)).splitlines():
                print("# " + line)
            import traceback
            for line in traceback.format_exc().splitlines()[-8:]:
                print("# " + line)
            if env_holder and env_holder.get("env"):
                env_holder["env"].dump_logs()
            sys.stdout.flush()

    def done(self):
        return 1 if self.failed else 0

#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""massaged started by D-Bus activation on a real dbus-daemon, and its exit
when idle (daemon/idle.h).

The user bus here is a private dbus-daemon whose config names a services dir
holding the build's systemd/org.massaged1.service, rewritten to Exec= the
build tree's daemon with this test's options (and without SystemdService=:
this bus has no systemd). The first call to org.massaged1 starts it. It runs
with --idle-timeout 2s (the config says 0 = never, so the option must win),
and the checks are on the process itself, the bus name and the simulator's
true device state."""

import os
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.environ.get("top_srcdir", "."), "tests", "lib"))
from gi.repository import Gio, GLib  # noqa: E402
from harness import BusEnv, Tap, build_path, log, read_bus_address, source_path, wait_until  # noqa: E402
from massaged_env import ALL_NO_SCREENING, BUS, DEVICE, MANAGER, MANAGER_PATH, device_path  # noqa: E402
from sim import Sim  # noqa: E402

IDLE_S = 2
T = Tap()

BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path={socket}</listen>
  <auth>EXTERNAL</auth>
  <servicedir>{services}</servicedir>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""


def activation_file(exec_line):
    """The build's activation file with Exec= replaced and SystemdService= dropped."""
    with open(build_path("systemd", "org.massaged1.service")) as f:
        lines = f.read().splitlines()
    assert "Name=org.massaged1" in lines, lines
    assert any(l.startswith("SystemdService=") for l in lines), lines
    out = []
    for l in lines:
        if l.startswith("Exec="):
            l = "Exec=" + exec_line
        elif l.startswith("SystemdService="):
            continue
        out.append(l)
    return "\n".join(out) + "\n"


class ActivationEnv:
    """massager-sim on a private system bus; a private user bus that activates massaged."""

    def __init__(self):
        self.user_proc = None
        self.user = None
        self.pids = set()
        self.system = BusEnv()
        try:
            self.sim = Sim(self.system, devices=1, paired=True)
            self.addr = self.sim.addresses
            self.tmp = self.system.tmpdir
            self.db = os.path.join(self.tmp, "usage.db")
            self.config = os.path.join(self.tmp, "massaged.conf")
            with open(self.config, "w") as f:
                f.write("[Daemon]\nidle_timeout=0\n")
            config_home = os.path.join(self.tmp, "config")
            programs = os.path.join(config_home, "massaged", "programs")
            os.makedirs(programs)
            for name in os.listdir(source_path("daemon", "programs")):
                if name.endswith(".program"):
                    shutil.copyfile(source_path("daemon", "programs", name), os.path.join(programs, name))
            services = os.path.join(self.tmp, "services")
            os.makedirs(services)
            exec_line = " ".join([build_path("daemon", "massaged"), "--bluez-bus", self.system.address,
                                  "--db", self.db, "--config", self.config,
                                  "--idle-timeout", "%ds" % IDLE_S, "--verbose"])
            with open(os.path.join(services, "org.massaged1.service"), "w") as f:
                f.write(activation_file(exec_line))
            socket = os.path.join(self.tmp, "user-bus")
            busconf = os.path.join(self.tmp, "user-bus.conf")
            with open(busconf, "w") as f:
                f.write(BUS_CONFIG.format(socket=socket, services=services))
            self.log_path = os.path.join(self.tmp, "user-bus.log")
            env = dict(os.environ, XDG_CONFIG_HOME=config_home, XDG_STATE_HOME=os.path.join(self.tmp, "state"))
            env.pop("DBUS_SESSION_BUS_ADDRESS", None)
            with open(self.log_path, "wb") as log_file:
                # The activated daemon inherits this stderr: its log lands in log_path.
                self.user_proc = subprocess.Popen(["dbus-daemon", "--config-file", busconf, "--nofork",
                                                   "--nopidfile", "--print-address=1"],
                                                  stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                                  stderr=log_file, env=env)
            try:
                self.address = read_bus_address(self.user_proc, 10)
            except RuntimeError:
                raise AssertionError("the user bus did not start:\n" + self.logs()) from None
            self.api = Gio.DBusConnection.new_for_address_sync(
                self.address,
                Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT | Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION,
                None, None)
        except BaseException:
            self.close()
            raise

    def logs(self):
        try:
            with open(self.log_path, errors="replace") as f:
                own = f.read()
        except (OSError, AttributeError):
            own = ""
        return self.system.logs() + "\n--- user bus and activated massaged:\n" + own

    def bus_call(self, method, sig, *args):
        r = self.api.call_sync("org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", method,
                               GLib.Variant(sig, args), None, Gio.DBusCallFlags.NONE, 5000, None)
        return r.unpack()[0]

    def owner_pid(self):
        """PID of org.massaged1's owner, None when nobody owns it (never activates)."""
        if not self.bus_call("NameHasOwner", "(s)", BUS):
            return None
        try:
            pid = self.bus_call("GetConnectionUnixProcessID", "(s)", BUS)
        except GLib.Error:
            return None
        self.pids.add(pid)
        return pid

    def call(self, path, iface, method, signature=None, args=()):
        params = GLib.Variant("(%s)" % signature, tuple(args)) if signature else None
        v = self.api.call_sync(BUS, path, iface, method, params, None, Gio.DBusCallFlags.NONE, 30000,
                               None).unpack()
        return v[0] if len(v) == 1 else (v if v else None)

    def prop(self, address, name):
        return self.call(device_path(address), "org.freedesktop.DBus.Properties", "Get", "ss", (DEVICE, name))

    def close(self):
        for pid in self.pids:
            alive(pid) and os.kill(pid, 9)
        if self.user_proc:
            self.user_proc.kill()
            self.user_proc.wait()
            self.user_proc.stdout.close()
        self.system.close()


def alive(pid):
    """True while pid runs (a zombie of the bus's does not count)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def wait_exit(env, pid, within, what):
    wait_until(lambda: not alive(pid) and env.owner_pid() is None, within, what=what, interval=0.05)
    return time.monotonic()


def ready_device(env):
    """Screening, AddDevice, ready: the setup every scenario needs."""
    a = env.addr[0]
    env.call(MANAGER_PATH, MANAGER, "SubmitScreening", "a{sv}", ({k: GLib.Variant("b", False)
                                                                   for k in ALL_NO_SCREENING},))
    env.call(MANAGER_PATH, MANAGER, "AddDevice", "s", (a,))
    wait_until(lambda: env.prop(a, "ConnectionState") == "ready", 15, what="device ready")
    return a


def test_activation_and_idle_exit(env):
    assert env.owner_pid() is None, "org.massaged1 owned before any call"
    # The first call, from a third D-Bus implementation (systemd's busctl), starts it.
    busctl = shutil.which("busctl")
    if busctl:
        out = subprocess.run([busctl, "--address=" + env.address, "get-property", BUS, MANAGER_PATH, MANAGER,
                              "APIVersion"], capture_output=True, text=True, timeout=30)
        assert out.returncode == 0 and out.stdout.strip() == "u 2", (out.returncode, out.stdout, out.stderr)
    else:
        log("busctl not installed: activating with Gio")
        env.call(MANAGER_PATH, "org.freedesktop.DBus.Properties", "Get", "ss", (MANAGER, "APIVersion"))
    pid = env.owner_pid()
    assert pid and alive(pid), "activation did not start massaged"
    a = ready_device(env)
    last_call = time.monotonic()
    assert env.sim.state(a)["connected"]

    # Idle: no session, no call → it exits after IDLE_S, not before, with exit logged.
    gone = wait_exit(env, pid, IDLE_S + 10, "massaged exits when idle")
    idle_for = gone - last_call
    log("exited %.2f s after the last call (timeout %d s)" % (idle_for, IDLE_S))
    assert idle_for >= IDLE_S - 0.1, idle_for
    assert "Idle for 2 s (no session, no API call): exiting" in env.logs(), "exit not logged"
    st = env.sim.state(a)
    assert st["connected"] and not st["running"], st

    # The next call re-activates it; the device BlueZ kept connected is
    # picked up (re-resolved, re-subscribed) without a new link.
    assert env.prop(a, "Address") == a
    pid2 = env.owner_pid()
    assert pid2 and pid2 != pid, (pid, pid2)

    def ready_and_linked():
        assert env.sim.state(a)["connected"], "the link dropped during the pickup"
        return env.prop(a, "ConnectionState") == "ready"
    wait_until(ready_and_linked, 15, what="device ready after re-activation")
    # Ready means Status notifications flow again: a session starts and the device runs.
    env.call(device_path(a), DEVICE, "Start", "a{sv}", ({"duration": GLib.Variant("u", 60)},))
    env.sim.wait_state(a, lambda s: s["running"], 5, what="device running after re-activation")
    env.call(device_path(a), DEVICE, "Stop")
    env.sim.wait_state(a, lambda s: not s["running"], 5, what="device stopped")
    wait_exit(env, pid2, IDLE_S + 10, "the re-activated daemon exits when idle too")


def test_not_mid_session(env):
    a = ready_device(env)
    pid = env.owner_pid()
    env.call(device_path(a), DEVICE, "Start", "a{sv}", ({"duration": GLib.Variant("u", 600)},))
    t0 = time.monotonic()
    # Three timeouts without a single call: the session keeps it up and the device running.
    while time.monotonic() - t0 < 3 * IDLE_S:
        assert alive(pid), "massaged exited mid-session"
        assert env.sim.state(a)["running"], "the device stopped mid-session"
        time.sleep(0.1)
    assert "Idle for" not in env.logs()
    env.call(device_path(a), DEVICE, "StopWithReason", "s", ("done",))
    stopped = time.monotonic()
    gone = wait_exit(env, pid, IDLE_S + 10, "exit once the session is over")
    assert gone - stopped >= IDLE_S - 0.1, gone - stopped
    assert not env.sim.state(a)["running"]


def test_not_while_called(env):
    env.call(MANAGER_PATH, MANAGER, "GetLimits")
    pid = env.owner_pid()
    t0 = time.monotonic()
    # A client calling every quarter of the timeout keeps it up for three timeouts.
    while time.monotonic() - t0 < 3 * IDLE_S:
        env.call(MANAGER_PATH, MANAGER, "GetLimits")
        last = time.monotonic()
        assert env.owner_pid() == pid and alive(pid), "massaged exited while a client kept calling"
        time.sleep(IDLE_S / 4)
    gone = wait_exit(env, pid, IDLE_S + 10, "exit after the calls stop")
    assert gone - last >= IDLE_S - 0.1, gone - last


def test_not_while_scanning(env):
    env.call(MANAGER_PATH, MANAGER, "StartDiscovery")
    pid = env.owner_pid()
    t0 = time.monotonic()
    # A scan a client asked for (massagectl scan --timeout 30s) is not cut short.
    while time.monotonic() - t0 < 3 * IDLE_S:
        assert alive(pid), "massaged exited mid-scan"
        time.sleep(0.1)
    env.call(MANAGER_PATH, MANAGER, "StopDiscovery")
    stopped = time.monotonic()
    gone = wait_exit(env, pid, IDLE_S + 10, "exit after the scan")
    assert gone - stopped >= IDLE_S - 0.1, gone - stopped


def test_bad_option():
    out = subprocess.run([build_path("daemon", "massaged"), "--idle-timeout", "soon"], capture_output=True,
                         text=True, timeout=10)
    assert out.returncode == 2, out
    assert "--idle-timeout 'soon': not a duration" in out.stderr, out.stderr


class Logs:
    """What Tap prints after a failure: the env's logs, read before it is closed."""
    text = ""

    def logs(self):
        return self.text


def with_env(fn):
    def run():
        logs.text = ""
        env = ActivationEnv()
        try:
            fn(env)
            # The activated daemons write to the bus's log, which BusEnv does not scan.
            assert not BusEnv.SANITIZER.search(env.logs()), "sanitizer report:\n" + env.logs()
        except BaseException:
            logs.text = env.logs()
            raise
        finally:
            env.close()
    return run


logs = Logs()
T.run("first call activates massaged; it exits when idle; the next call re-activates it and picks up the "
      "connected device", with_env(test_activation_and_idle_exit), env=logs)
T.run("no idle exit mid-session, exit after it", with_env(test_not_mid_session), env=logs)
T.run("no idle exit while a client keeps calling", with_env(test_not_while_called), env=logs)
T.run("no idle exit during a scan a client started", with_env(test_not_while_scanning), env=logs)
logs.text = ""
T.run("--idle-timeout rejects what is not a duration", test_bad_option, env=logs)
T.exit()

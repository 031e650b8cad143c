#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""massaged end to end against real bluetoothd 5.66, inside the VM guest
(tests/vm/guest-job.sh), after test-vm-scenarios.py in the same boot.

massaged talks to the guest's real bluetoothd on the system bus (hci0 is the
central's controller) and serves org.massaged1 on a private user bus; the
massager is massager-sim --peripheral on hci1. Driven through massaged's
D-Bus API, checked in the sim's TRUE state (Sim1) and in the ledger
(org.massaged1.History). Prints TAP with a "# time" line per scenario; a
plan of 0 with SKIP where massaged is not built.
"""

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.environ["top_srcdir"], "tests", "lib"))
from gi.repository import Gio, GLib  # noqa: E402

from harness import BusEnv, Tap, build_path, log, source_path, wait_until  # noqa: E402
from sim import _call, dbus_error_name  # noqa: E402

OUT = os.environ.get("VM_OUT", ".")
SYSTEM_BUS = "unix:path=/run/dbus/system_bus_socket"
CENTRAL = "/org/bluez/hci0"
PERIPHERAL = "/org/bluez/hci1"
API = "org.massaged1"
MANAGER = "org.massaged1.Manager"
DEVICE = "org.massaged1.Device"
HISTORY = "org.massaged1.History"
SCREENING_NO = ["recent_injury_or_surgery", "clotting_or_cardiovascular", "stroke_or_artery_problem",
                "neck_wound_or_infection", "unexplained_symptoms", "pacemaker", "pregnancy",
                "reduced_skin_sensation"]
LEASE_MAX_S = 10

MASSAGED = build_path("daemon", "massaged")
if not os.access(MASSAGED, os.X_OK):
    print("1..0 # SKIP massaged is not built here (daemon/massaged missing)")
    sys.exit(0)

system = Gio.bus_get_sync(Gio.BusType.SYSTEM, None)
tap = Tap()
w = {"sim": None, "sim_runs": 0, "daemon": None, "daemon_runs": 0}


# ---- the world ----

def sim_call(method, signature=None, *args):
    return _call(system, "org.massaged1.Sim", "/org/massaged1/sim", "org.massaged1.Sim1", method, signature, args)


def state():
    return sim_call("GetDeviceState", "(s)", w["address"])


def wait_state(pred, timeout, what):
    def check():
        s = state()
        return s if pred(s) else None
    return wait_until(check, timeout, what=what)


def has_name(bus, name):
    r = bus.call_sync("org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "NameHasOwner",
                      GLib.Variant("(s)", (name,)), None, Gio.DBusCallFlags.NONE, 2000, None)
    return r.unpack()[0]


def bluez_get(path, iface, name):
    return _call(system, "org.bluez", path, "org.freedesktop.DBus.Properties", "Get", "(ss)", (iface, name))


def bluez_set_powered(path, on):
    _call(system, "org.bluez", path, "org.freedesktop.DBus.Properties", "Set", "(ssv)",
          ("org.bluez.Adapter1", "Powered", GLib.Variant("b", on)), timeout_ms=20000)


def start_sim():
    w["sim_runs"] += 1
    logf = open(os.path.join(OUT, "daemon-peripheral-%d.log" % w["sim_runs"]), "w")
    w["sim"] = subprocess.Popen([build_path("tests", "sim", "massager-sim"), "--peripheral", "--adapter", "hci1",
                                 "--verbose", "--thermal-tau=5"], stdout=logf, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL)
    wait_until(lambda: has_name(system, "org.massaged1.Sim") or w["sim"].poll() is not None, 30,
               what="massager-sim --peripheral")
    assert w["sim"].poll() is None, "massager-sim exited: see %s" % logf.name
    w["address"] = sim_call("ListDevices")[0]
    wait_state(lambda s: s["registered"] and s["advertising"], 30, "registered and advertising")


def stop_proc(p):
    if p and p.poll() is None:
        p.terminate()
        try:
            p.wait(5)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def start_daemon():
    w["daemon_runs"] += 1
    argv = [MASSAGED, "--bluez-bus", SYSTEM_BUS, "--api-bus", w["api"].address, "--db", w["db"],
            "--config", w["config"], "--verbose"]
    helptext = subprocess.run([MASSAGED, "--help"], capture_output=True, text=True).stdout
    if "--adapter" in helptext:
        argv += ["--adapter", "hci0"]
    logf = open(os.path.join(OUT, "massaged-%d.log" % w["daemon_runs"]), "w")
    w["daemon"] = subprocess.Popen(argv, stdout=logf, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   env=w["environ"])
    wait_until(lambda: has_name(w["api"].bus, API) or w["daemon"].poll() is not None, 30, what="org.massaged1")
    assert w["daemon"].poll() is None, "massaged exited: see %s" % logf.name


def api(path, iface, method, signature=None, *args, timeout=30.0):
    """A call to massaged; the main loop keeps running (signals keep coming)."""
    box = {}

    def done(conn, res):
        try:
            box["reply"] = conn.call_finish(res)
        except GLib.Error as e:
            box["error"] = e
    params = GLib.Variant("(%s)" % signature, tuple(args)) if signature else None
    w["api"].bus.call(API, path, iface, method, params, None, Gio.DBusCallFlags.NONE, int(timeout * 1000), None,
                      done)
    wait_until(lambda: box, timeout + 5, what="the reply to %s.%s" % (iface, method))
    if "error" in box:
        raise box["error"]
    r = box["reply"].unpack()
    return r[0] if len(r) == 1 else (r or None)


def manager(method, signature=None, *args, **kw):
    return api("/org/massaged1", MANAGER, method, signature, *args, **kw)


def dpath():
    return "/org/massaged1/device/" + w["address"].replace(":", "_")


def device(method, signature=None, *args, **kw):
    return api(dpath(), DEVICE, method, signature, *args, **kw)


def dprop(name):
    return api(dpath(), "org.freedesktop.DBus.Properties", "Get", "ss", DEVICE, name)


def mprop(name):
    return api("/org/massaged1", "org.freedesktop.DBus.Properties", "Get", "ss", MANAGER, name)


def guarded(fn):
    def g():
        try:
            return fn()
        except GLib.Error:
            return None
    return g


def sessions():
    return api("/org/massaged1", HISTORY, "GetSessions", "xx", 0, 2 ** 62)


def expect_error(fn, name):
    try:
        fn()
    except GLib.Error as e:
        assert dbus_error_name(e) == name, "expected %s, got %s: %s" % (name, dbus_error_name(e), e.message)
        return e.message
    raise AssertionError("expected %s, the call succeeded" % name)


ended = []


def on_ended(conn, sender, path, iface, member, params):
    ended.append((path, params.unpack()))


def start(**options):
    types = {"program": "s", "intensity": "y", "heat": "y", "duration": "u", "tie_to_caller": "b"}
    return device("Start", "a{sv}", {k: GLib.Variant(types[k], v) for k, v in options.items()}, timeout=60)


# ---- scenarios ----

def t_setup():
    # guest-job.sh gives this phase a fresh BlueZ stack: no bonds.
    def both():
        objs = _call(system, "org.bluez", "/", "org.freedesktop.DBus.ObjectManager", "GetManagedObjects")
        return all(p in objs and "org.bluez.Adapter1" in objs[p] for p in (CENTRAL, PERIPHERAL))
    wait_until(guarded(both), 60, what="hci0 and hci1 on org.bluez")
    start_sim()
    w["api"] = BusEnv()
    w["tmp"] = tempfile.mkdtemp(prefix="massaged-vm-")
    w["db"] = os.path.join(w["tmp"], "usage.db")
    w["config"] = os.path.join(w["tmp"], "massaged.conf")
    open(w["config"], "w").close()
    config_home = os.path.join(w["tmp"], "config")
    programs = os.path.join(config_home, "massaged", "programs")
    os.makedirs(programs)
    if os.path.isdir(source_path("daemon", "programs")):
        for name in os.listdir(source_path("daemon", "programs")):
            if name.endswith(".program"):
                shutil.copyfile(source_path("daemon", "programs", name), os.path.join(programs, name))
    w["environ"] = dict(os.environ, DBUS_SESSION_BUS_ADDRESS=w["api"].address, XDG_CONFIG_HOME=config_home,
                        XDG_STATE_HOME=os.path.join(w["tmp"], "state"))
    start_daemon()
    w["api"].bus.signal_subscribe(API, DEVICE, "SessionEnded", None, None, Gio.DBusSignalFlags.NONE, on_ended)


def t_discover():
    manager("StartDiscovery")
    try:
        wait_until(guarded(lambda: any(a.upper() == w["address"] for a, _ in mprop("Discovered"))), 90,
                   what="the massager in Manager.Discovered")
    finally:
        manager("StopDiscovery")


def t_add():
    path = manager("AddDevice", "s", w["address"], timeout=90)
    assert path == dpath(), path
    wait_until(guarded(lambda: dprop("ConnectionState") == "ready"), 60, what="ConnectionState ready")
    s = state()
    assert s["connected"] and s["encrypted"] and s["notifying"] and not s["running"], s
    assert bluez_get("%s/dev_%s" % (CENTRAL, w["address"].replace(":", "_")), "org.bluez.Device1", "Paired")
    assert dprop("IntensityMax") == 10 and dprop("HeatLevels") == 3 and dprop("State") == "idle"
    assert dprop("Battery") == s["battery"], (dprop("Battery"), s)


def t_screening():
    expect_error(lambda: start(intensity=6), "org.massaged1.Error.ScreeningRequired")
    assert not state()["running"] and state()["writes"] == 0, state()
    manager("SubmitScreening", "a{sv}", {k: GLib.Variant("b", False) for k in SCREENING_NO})


def t_start():
    start(intensity=6, heat=1, duration=600)
    s = state()
    assert s["running"] and s["intensity"] == 1, "soft start must begin at 1: %s" % s
    wait_state(lambda s: s["heater_on"], 10, "heater on")
    assert dprop("State") == "running" and dprop("SessionId") > 0
    rows = sessions()
    assert len(rows) == 1 and rows[0]["open"], rows


def t_changes():
    device("SetHeat", "y", 2)
    wait_state(lambda s: s["heat_level"] == 2 and s["heater_on"], 10, "heat level 2")
    device("SetIntensity", "y", 3)
    # Raising ramps after the 60 s soft start: the device stays at 1.
    s = state()
    assert s["intensity"] == 1 and s["running"], s
    device("SetHeat", "y", 0)
    wait_state(lambda s: s["heat_level"] == 0 and not s["heater_on"], 10, "heat off")


def t_stop():
    device("Stop")
    s = wait_state(lambda s: not s["running"], 5, "stopped")
    assert s["stop_cause"] == "command" and not s["heater_on"], s
    wait_until(lambda: ended, 10, what="SessionEnded")
    assert ended[-1][1][1] == "user", ended
    rows = sessions()
    assert not rows[-1]["open"] and rows[-1]["end_reason"] == "user", rows[-1]


def fresh_ledger():
    """A new daemon on a new ledger, the device added again and the screening
    passed: the rest rule (30 min at least between sessions) would refuse the
    next session on the old one."""
    stop_proc(w["daemon"])
    w["db"] = os.path.join(w["tmp"], "usage-%d.db" % (w["daemon_runs"] + 1))
    start_daemon()
    manager("AddDevice", "s", w["address"], timeout=90)
    wait_until(guarded(lambda: dprop("ConnectionState") == "ready"), 60, what="ready on the new ledger")
    manager("SubmitScreening", "a{sv}", {k: GLib.Variant("b", False) for k in SCREENING_NO})


def t_link_loss():
    fresh_ledger()
    start(intensity=4, duration=600)
    wait_state(lambda s: s["running"], 10, "running")
    n = len(ended)
    bluez_set_powered(PERIPHERAL, False)
    s = wait_state(lambda s: not s["running"], 15, "device stopped by link loss")
    assert s["stop_cause"] == "link-lost", s
    wait_until(lambda: len(ended) > n, 30, what="SessionEnded after link loss")
    assert ended[-1][1][1] == "link_lost", ended[-1]
    rows = sessions()
    assert not rows[-1]["open"] and rows[-1]["end_reason"] == "link_lost", rows[-1]
    wait_until(guarded(lambda: dprop("ConnectionState") in ("reconnecting", "connecting")), 30,
               what="massaged reconnecting")


def t_reconnect():
    t0 = time.monotonic()
    bluez_set_powered(PERIPHERAL, True)
    # massaged's backoff is 4 s, doubling: allow a few attempts.
    wait_until(guarded(lambda: dprop("ConnectionState") == "ready"), 90, what="ready again")
    s = state()
    assert s["connected"] and not s["running"], "auto-resumed: %s" % s
    assert dprop("State") == "idle" and dprop("SessionId") == 0
    log("reconnected %.1f s after hci1 came back" % (time.monotonic() - t0))


def t_daemon_killed():
    fresh_ledger()
    start(intensity=5, duration=600)
    s = wait_state(lambda s: s["running"], 10, "running")
    w["daemon"].send_signal(signal.SIGKILL)
    w["daemon"].wait(10)
    t0 = time.monotonic()
    s = state()
    lease = s["lease_remaining"] / 1000.0
    assert s["running"] and 0 < lease <= LEASE_MAX_S, s
    s = wait_state(lambda s: not s["running"], LEASE_MAX_S + 3, "the device stops by its lease")
    took = time.monotonic() - t0
    assert s["stop_cause"] == "lease-expired", s
    assert took <= lease + 1.0, "stopped %.2f s after the kill with %.2f s of lease" % (took, lease)
    log("stopped %.2f s after SIGKILL (lease had %.2f s)" % (took, lease))
    # The next start closes the row the dead daemon left open.
    start_daemon()
    wait_until(guarded(lambda: not sessions()[-1]["open"]), 20, what="the open row closed")
    assert sessions()[-1]["end_reason"] == "interrupted", sessions()[-1]
    wait_until(guarded(lambda: dprop("ConnectionState") == "ready"), 90, what="ready after the restart")
    assert not state()["running"]


SCENARIOS = [
    ("massaged starts against a fresh real bluetoothd (fresh ledger, peripheral on hci1)", t_setup),
    ("Manager.StartDiscovery finds the massager", t_discover),
    ("AddDevice pairs (Just Works), connects, subscribes: ready", t_add),
    ("screening required, then submitted", t_screening),
    ("Start: soft start at intensity 1 in the true state, heat on, ledger row open", t_start),
    ("SetHeat/SetIntensity reach the device (intensity held by the soft start)", t_changes),
    ("Stop: device stopped, SessionEnded user, ledger row closed", t_stop),
    ("link loss (hci1 off): device stops, row closed link_lost, massaged reconnecting", t_link_loss),
    ("hci1 back: massaged reconnects, no auto-resume", t_reconnect),
    ("massaged SIGKILLed mid-session: device stops within its lease; row closed interrupted", t_daemon_killed),
]


def main():
    t_all = time.monotonic()
    try:
        for name, fn in SCENARIOS:
            t0 = time.monotonic()
            passed = tap.run(name, fn)
            print("# time %.2f s: %s" % (time.monotonic() - t0, name), flush=True)
            if not passed and fn in (t_setup, t_discover, t_add):
                tap.bail_out("the scenarios after this one need it")
    finally:
        stop_proc(w["daemon"])
        stop_proc(w["sim"])
        if w.get("api"):
            w["api"].close()
    print("# total %.2f s" % (time.monotonic() - t_all))
    tap.exit()


main()

#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The systemd phase: massaged as a fresh Debian 12 user gets it, inside the
VM guest (tests/vm/systemd-job.sh, root). systemd 252 is PID 1, logind
started the test user's manager (linger), the user bus is dbus-user-session's,
bluetoothd is Debian's bluetooth.service, the massager is massager-sim
--peripheral on hci1. The project was installed with `make install`
(systemd-pre-init.sh). Every massagectl call runs as the unprivileged user;
device checks read the sim's TRUE state (org.massaged1.Sim1 on the system
bus). TAP with a "# time" line per check."""

import json
import os
import re
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.environ["top_srcdir"], "tests", "lib"))
from gi.repository import Gio  # noqa: E402

from harness import Tap, log, wait_until  # noqa: E402
from sim import _call  # noqa: E402

OUT = os.environ["VM_OUT"]
USER, UID = os.environ.get("VM_USER", "tester"), int(os.environ.get("VM_UID", "2000"))
HOME = "/home/" + USER
BUILD, SRC = os.environ["top_builddir"], os.environ["top_srcdir"]
UNIT = "/usr/lib/systemd/user/massaged.service"
ACTIVATION = "/usr/local/share/dbus-1/services/org.massaged1.service"
STATE_252 = HOME + "/.config/massaged"          # StateDirectory= of a user unit on systemd 252
OLD_XDG = HOME + "/.local/state/massaged"       # where the XDG fallback wrote it
LEASE_MAX_S = 10
# daemon/safety-event.c; catalog/massaged.catalog explains each
MSGID_REFUSAL = "25c89c13bc0d4eecb06dadb537913218"
MSGID_RECOVERED = "e04994c11ad4461e956ff923a853456c"
CATALOG = "/usr/local/lib/systemd/catalog/massaged.catalog"   # make install, prefix /usr/local
RUNUSER = shutil.which("runuser", path="/usr/sbin:/sbin:/usr/bin:/bin")

system = Gio.bus_get_sync(Gio.BusType.SYSTEM, None)
tap = Tap()
w = {}


def as_user(*argv, timeout=90):
    """argv as the test user, with the environment a systemd login gives."""
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": HOME, "USER": USER, "LANG": "C.UTF-8",
           "XDG_RUNTIME_DIR": "/run/user/%d" % UID,
           "DBUS_SESSION_BUS_ADDRESS": "unix:path=/run/user/%d/bus" % UID}
    return subprocess.run([RUNUSER, "-u", USER, "--"] + list(argv), env=env, cwd="/", timeout=timeout,
                          stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def ctl(*args, expect=0):
    """massagectl (the installed one, on PATH) as the user; its output."""
    r = as_user("massagectl", "--no-color", *args)
    log("massagectl %s -> %d\n%s" % (" ".join(args), r.returncode, r.stdout.rstrip()))
    assert expect is None or r.returncode == expect, "massagectl %s: exit %d, want %s:\n%s" % (
        " ".join(args), r.returncode, expect, r.stdout)
    return r


def unit(prop, name="massaged.service"):
    return as_user("systemctl", "--user", "show", "-P", prop, name).stdout.strip()


def state():
    return _call(system, "org.massaged1.Sim", "/org/massaged1/sim", "org.massaged1.Sim1", "GetDeviceState",
                 "(s)", (w["address"],))


def wait_state(pred, timeout, what):
    return wait_until(lambda: (lambda s: s if pred(s) else None)(state()), timeout, what=what)


def journal(unit_name="massaged.service"):
    return subprocess.run(["journalctl", "-b", "--no-pager", "-o", "cat", "_SYSTEMD_USER_UNIT=" + unit_name,
                           "+", "USER_UNIT=" + unit_name], stdout=subprocess.PIPE, text=True).stdout


def journal_json(*matches):
    """The boot's journal entries (root, the system journal) matching all of
    matches, as dicts: journald's own view of what massaged sent."""
    out = subprocess.run(["journalctl", "-b", "--no-pager", "-o", "json"] + list(matches),
                         stdout=subprocess.PIPE, text=True).stdout
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def inhibitors():
    """logind's inhibitors named massaged, as `systemd-inhibit --list` shows
    them: dicts of uid, user, pid, comm, what, why, mode."""
    r = subprocess.run(["systemd-inhibit", "--list", "--no-pager", "--no-legend"],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert r.returncode == 0, r.stdout
    found = []
    for line in r.stdout.splitlines():
        f = line.split()
        if f and f[0] == "massaged":
            found.append({"uid": f[1], "user": f[2], "pid": f[3], "comm": f[4], "what": f[5],
                          "why": " ".join(f[6:-1]), "mode": f[-1]})
    return found


def wait_inhibitor(pid, timeout=15):
    """Until massaged's sleep delay inhibitor is held by pid and no other."""
    def held():
        found = inhibitors()
        return found if [i["pid"] for i in found] == [pid] else None
    found = wait_until(held, timeout, "a massaged inhibitor held by PID %s only" % pid, interval=0.2)[0]
    assert (found["what"], found["mode"], found["uid"], found["user"]) == ("sleep", "delay", str(UID), USER), found
    assert found["why"] == "Stop the massager before sleep", found
    return found


def status_line():
    """The Status: line of `systemctl --user status massaged` (the user's view),
    and the unit's StatusText, which must agree."""
    out = as_user("systemctl", "--user", "status", "--no-pager", "--lines=0", "massaged.service").stdout
    m = re.search(r'^\s*Status: "(.*)"$', out, re.M)
    return m.group(1) if m and m.group(1) == unit("StatusText") else None


def wait_status(pattern, timeout=10):
    seen = []

    def match():
        seen.append(status_line())
        return re.fullmatch(pattern, seen[-1] or "")
    try:
        wait_until(match, timeout, "a Status: line matching %r" % pattern, interval=0.2)
    except TimeoutError:
        raise AssertionError("Status: %r, want %r" % (seen[-1], pattern))
    log("systemctl --user status massaged: Status: \"%s\"" % seen[-1])


def check(name, fn):
    t0 = time.monotonic()
    passed = tap.run(name, fn)
    print("# time %.1f s" % (time.monotonic() - t0), flush=True)
    return passed


# ---- the checks, in the order a user meets them ----

def t_user_manager():
    r = as_user("systemctl", "--user", "is-system-running", "--wait")
    assert r.stdout.strip() == "running", r.stdout
    assert os.path.exists("/run/user/%d/bus" % UID), "no user bus socket"


def t_installed():
    with open(os.path.join(OUT, "make-install.result")) as f:
        assert f.read().startswith("make-install ok"), "make install failed: see make-install.log"
    for path in (UNIT, ACTIVATION):
        with open(path) as f:
            text = f.read()
        for build_path in (BUILD, SRC):
            assert build_path not in text, "%s names the build tree %s" % (path, build_path)
    with open(UNIT) as f:
        assert "ExecStart=/usr/local/libexec/massaged\n" in f.read()
    with open(ACTIVATION) as f:
        assert "SystemdService=massaged.service\n" in f.read()
    assert os.access("/usr/local/libexec/massaged", os.X_OK)
    # systemd 252's journalctl reads /usr/local/lib/systemd/catalog as well as /usr/lib/…
    assert os.path.exists(CATALOG), "make install did not put the catalog in " + CATALOG


def t_sim():
    wait_until(lambda: subprocess.run(["busctl", "--system", "status", "org.massaged1.Sim"],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0,
               30, "massager-sim on the system bus")
    w["address"] = _call(system, "org.massaged1.Sim", "/org/massaged1/sim", "org.massaged1.Sim1",
                         "ListDevices")[0]
    log("massager at %s (hci1)" % w["address"])


def t_activation():
    assert unit("ActiveState") != "active", "massaged.service runs before any call"
    t0 = time.monotonic()
    ctl("version")
    log("activation + first call: %.1f s" % (time.monotonic() - t0))
    assert unit("ActiveState") == "active", unit("ActiveState")
    w["pid"] = unit("MainPID")
    assert w["pid"] not in ("", "0"), w["pid"]
    # Started by the user manager (SystemdService=), not as a child of the bus.
    with open("/proc/%s/cgroup" % w["pid"]) as f:
        assert "/user@%d.service/app.slice/massaged.service" % UID in f.read()


def t_inhibitor():
    found = wait_inhibitor(w["pid"])
    log("systemd-inhibit --list: %s" % found)


def t_ledger_moved():
    new = STATE_252 + "/usage.db"
    assert os.path.exists(new), "no ledger in systemd 252's state directory %s" % STATE_252
    assert not os.path.exists(OLD_XDG + "/usage.db"), "the old ledger is still in " + OLD_XDG
    assert "moved to " + new in journal(), "no 'moved' notice in the journal"
    sessions = json.loads(ctl("--json", "history").stdout)["sessions"]
    assert len(sessions) == 1, "want the one session seeded two days ago: %s" % sessions
    log("the moved ledger's session: %s" % sessions[0])


def t_add():
    # bluetoothd must have seen it: a scan first, as a user would. A fresh
    # stack's first discovery can miss whole 10.24 s scan cycles (README).
    for _ in range(4):
        if w["address"].upper() in ctl("scan", "--timeout", "10s", expect=None).stdout.upper():
            break
    ctl("add", w["address"])
    s = wait_state(lambda s: s["connected"] and s["encrypted"] and s["notifying"], 20,
                   "the device connected, encrypted, notifying")
    assert not s["running"], s
    ctl("screening", "--all-no")


def t_status_idle():
    wait_status(r"Idle, 1 massager connected")
    s = state()
    assert s["connected"] and not s["running"], "the status says idle and connected; the device: %s" % s


def t_start():
    ctl("start", "--intensity", "3", "--heat", "1", "--duration", "5m")
    s = wait_state(lambda s: s["running"] and s["heater_on"], 15, "motors and heater on")
    assert s["intensity"] == 1, "soft start must begin at 1: %s" % s


def t_status_session():
    # 5 min planned, rounded up: "5 min left" for the first minute.
    wait_status(r"Session on %s, 5 min left" % re.escape(w["address"].upper()))
    assert state()["running"], "the status names a session; the device: %s" % state()


def t_kill():
    w["killed_pid"] = unit("MainPID")
    s = state()
    assert s["running"], s
    lease = s["lease_remaining"] / 1000.0
    t0 = time.monotonic()
    r = as_user("systemctl", "--user", "kill", "-s", "KILL", "massaged.service")
    assert r.returncode == 0, r.stdout
    s = wait_state(lambda s: not s["running"], LEASE_MAX_S + 3, "the device stops by its lease")
    took = time.monotonic() - t0
    # Restart=on-failure (RestartSec=2) can bring massaged back before the
    # lease runs out; the restarted daemon then stops the device itself.
    # Either way it must stop within the lease.
    log("device stopped %.1f s after SIGKILL (lease had %.1f s), cause %s" % (took, lease, s["stop_cause"]))
    assert s["stop_cause"] in ("lease-expired", "command") and not s["heater_on"], s
    assert took <= lease + 1.5, "stopped %.1f s after the kill with %.1f s of lease" % (took, lease)


def t_restarted():
    def back():
        return unit("ActiveState") == "active" and unit("MainPID") not in ("", "0", w["killed_pid"])
    wait_until(back, 20, "Restart=on-failure to bring massaged back")
    assert unit("NRestarts") == "1", unit("NRestarts")
    assert "closed as interrupted" in journal(), "no recovery notice in the journal"
    sessions = json.loads(ctl("--json", "history").stdout)["sessions"]
    rows = [s for s in sessions if "interrupted" in s.values()]
    assert len(sessions) == 2 and len(rows) == 1, "want the seeded and one interrupted session: %s" % sessions
    log("the killed session in the ledger: %s" % rows[0])
    # Counted at its planned length: the rest rule holds after the crash.
    r = ctl("start", "--duration", "1m", expect=None)
    assert r.returncode != 0 and "rest" in r.stdout.lower(), r.stdout
    assert not state()["running"]
    ctl("stop")
    assert not state()["running"]
    w["restarted_pid"] = unit("MainPID")


def t_inhibitor_restarted():
    # The killed daemon's lock went with its file descriptors; the new one took its own.
    wait_inhibitor(w["restarted_pid"])


def t_journal_recovered():
    entries = journal_json("_SYSTEMD_USER_UNIT=massaged.service", "MASSAGED_EVENT=recovered")
    assert len(entries) == 1, "want one recovered event (the killed session): %s" % entries
    e = entries[0]
    log("recovered: %s" % {k: v for k, v in e.items() if k.startswith("MASSAGED_") or k in ("MESSAGE", "_PID")})
    assert e["MESSAGE_ID"] == MSGID_RECOVERED and e.get("MASSAGED_REASON") == "interrupted", e
    assert e["_PID"] == w["restarted_pid"], "sent by PID %s, the restarted daemon is %s" % (e["_PID"],
                                                                                         w["restarted_pid"])


def t_journal_refusal():
    entries = journal_json("_SYSTEMD_USER_UNIT=massaged.service", "MASSAGED_EVENT=refusal")
    assert len(entries) == 1, "want one refusal (the start after the crash): %s" % entries
    e = entries[0]
    log("refusal: %s" % {k: v for k, v in e.items() if k.startswith("MASSAGED_") or k in ("MESSAGE", "PRIORITY")})
    assert e["MESSAGE_ID"] == MSGID_REFUSAL, e
    assert e["MASSAGED_DEVICE"].upper() == w["address"].upper() and e["MASSAGED_REASON"] == "rest-required", e
    assert e["_PID"] == w["restarted_pid"] and e["PRIORITY"] == "5", e
    # journalctl -x: the catalog make install put where journalctl reads it,
    # indexed by `journalctl --update-catalog` (systemd-pre-init.sh).
    out = subprocess.run(["journalctl", "-b", "--no-pager", "-x", "MESSAGE_ID=" + MSGID_REFUSAL,
                          "_SYSTEMD_USER_UNIT=massaged.service"], stdout=subprocess.PIPE, text=True).stdout
    text = " ".join(out.replace("\u2591", " ").split())
    log("journalctl -x:\n" + out.rstrip())
    assert "Subject: Massage session refused by the safety policy" in text, out
    assert "Defined-By: massaged" in text, out
    want = "refused to start a massage session on %s (reason: rest-required)" % e["MASSAGED_DEVICE"]
    assert want in text, "no %r in:\n%s" % (want, out)




def t_idle_exit():
    t0 = time.monotonic()
    wait_until(lambda: unit("ActiveState") in ("inactive", "failed"), 60, "massaged to exit when idle")
    log("idle exit %.1f s after the last call" % (time.monotonic() - t0))
    assert unit("ActiveState") == "inactive" and unit("Result") == "success", (unit("ActiveState"), unit("Result"))
    assert inhibitors() == [], "an inhibitor outlived the daemon: %s" % inhibitors()
    # Result=success (exit 0): Restart=on-failure leaves it stopped; only
    # the call below starts it again.
    t0 = time.monotonic()
    out = ctl("status").stdout
    log("reactivation + status: %.1f s" % (time.monotonic() - t0))
    assert unit("ActiveState") == "active"
    assert state()["connected"], state()
    assert w["address"].upper() in out.upper() or "ready" in out.lower(), out
    wait_inhibitor(unit("MainPID"))


def probe(name):
    r = as_user("systemctl", "--user", "start", name)
    assert r.returncode == 0, r.stdout + journal(name)
    with open("/run/user/%d/%s.json" % (UID, name.replace(".service", ""))) as f:
        report = json.load(f)
    with open(os.path.join(OUT, name.replace(".service", ".json")), "w") as f:
        json.dump(report, f, indent=1, sort_keys=True)
    return report


def t_probe():
    p = probe("massaged-probe.service")
    log(json.dumps(p, sort_keys=True))
    assert p["system_bus_bluez"].endswith("ok: 2 adapters"), p["system_bus_bluez"]
    assert p["socket_AF_INET"] == "EAFNOSUPPORT" and p["socket_AF_INET6"] == "EAFNOSUPPORT", p
    assert p["socket_AF_BLUETOOTH"] == "EAFNOSUPPORT" and p["socket_AF_NETLINK"] == "EAFNOSUPPORT", p
    assert p["net_interfaces"] == ["lo"], p["net_interfaces"]
    assert p["write_home"] == "EROFS" and p["write_local_state"] == "EROFS", p
    assert p["write_state_directory"] == "ok" and p["STATE_DIRECTORY"] == STATE_252, p
    assert p["write_etc"] == "EROFS" and p["write_usr_local"] == "EROFS", p
    assert p["write_tmp"] == "ok" and not p["host_tmp_visible"], "PrivateTmp=: %s" % p
    assert not p["dev_vhci_visible"], "PrivateDevices="
    assert p["mmap_write_exec"] == "EPERM" and p["setpriority"] == "EPERM", p
    assert p["NoNewPrivs"] == "1" and p["CapBnd"] == "0000000000000000", p
    assert p["cgroup_pids_max"].startswith("ok:") and p["cgroup_memory_max"].startswith("ok:"), p


def t_probe_dropped():
    """The directives the unit leaves out do nothing in a user manager."""
    p = probe("massaged-probe-dropped.service")
    assert p["proc_1_visible"] and p["proc_sys_visible"], "ProtectProc=/ProcSubset= applied now? %s" % p
    manager = subprocess.run(["journalctl", "-b", "--no-pager", "-o", "cat", "_UID=%d" % UID, "_COMM=systemd"],
                             stdout=subprocess.PIPE, text=True).stdout
    assert "not running as root" in manager, "IPAddressDeny= no longer ignored?"


def main():
    check("the user manager of %s (linger) runs, with its user bus" % USER, t_user_manager)
    check("make install put unit, activation file, daemon and journal catalog in place, no build paths", t_installed)
    if not check("massager-sim --peripheral on hci1 under Debian's bluetoothd", t_sim):
        tap.exit()
    check("the first massagectl call activates massaged.service through the user manager (SystemdService=)",
          t_activation)
    check("massaged holds logind's delay inhibitor for sleep (systemd-inhibit --list: who massaged, its PID, the user)",
          t_inhibitor)
    check("the ledger the XDG fallback wrote is moved into 252's state directory (across the sandbox's bind mounts), history kept",
          t_ledger_moved)
    check("massagectl add pairs over the emulated radio; screening", t_add)
    check("systemctl --user status massaged: the daemon's STATUS= says idle, 1 massager connected", t_status_idle)
    check("massagectl start: the device runs (true state: motors at soft start, heater on)", t_start)
    check("systemctl --user status massaged: the daemon's STATUS= names the session, its device and the minutes left",
          t_status_session)
    check("systemctl --user kill -s KILL massaged mid-session: the device stops within its lease", t_kill)
    check("Restart=on-failure brings massaged back; the ledger closed the session as interrupted, rest enforced",
          t_restarted)
    check("the restarted massaged holds its own sleep inhibitor; the killed one's is gone", t_inhibitor_restarted)
    check("the journal: the restart's recovery is a structured 'recovered' safety event (MESSAGE_ID, reason)",
          t_journal_recovered)
    check("the journal: the refused start is a structured 'refusal' (MESSAGE_ID, device, reason); journalctl -x explains it",
          t_journal_refusal)
    check("idle exit after the configured timeout (Result=success, no restart, inhibitor released); the next call reactivates it",
          t_idle_exit)
    check("the unit's sandbox: system bus and BlueZ yes, network no, home read-only but the state directory",
          t_probe)
    check("ProtectProc=, ProcSubset=, IPAddressDeny=, DevicePolicy= have no effect in a user manager",
          t_probe_dropped)
    tap.exit()


main()

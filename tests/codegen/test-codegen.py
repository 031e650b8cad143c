#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A third-party client built from the installed XML works (issue 16).

tests/codegen/codegen-client is compiled against gdbus-codegen's output for
doc/org.massaged1.{Manager,Device,History}.xml and gio only. This driver runs
it against massaged and massager-sim and, in lockstep with it, checks the
simulated device's true state after each call that moves the device. Then:
the client called every method the XML declares (so a method added to the
XML without a call in the client fails here), read every property with the
XML's type, and every D-Bus error it got is one doc/dbus-api.md lists."""

import os
import re
import select
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.join(os.environ.get("top_srcdir", "."), "tests", "lib"))
from massaged_env import SLOWDOWN, MassagedEnv, Tap, build_path, source_path, wait_until  # noqa: E402

CLIENT = build_path("tests", "codegen", "codegen-client")
XML = ["org.massaged1.Manager.xml", "org.massaged1.Device.xml", "org.massaged1.History.xml"]
LINE_TIMEOUT = 90 * SLOWDOWN    # the slowest step, Connect, may take 60 s by the doc


def xml_members():
    """({'Manager.AddDevice', …}, {'Manager.APIVersion': 'u', …}) from the XML the client was built from."""
    methods, props = set(), {}
    for name in XML:
        for iface in ET.parse(source_path("doc", name)).getroot().iter("interface"):
            short = iface.get("name").removeprefix("org.massaged1.")
            methods |= {"%s.%s" % (short, m.get("name")) for m in iface.iter("method")}
            props.update({"%s.%s" % (short, p.get("name")): p.get("type") for p in iface.iter("property")})
    return methods, props


def documented_errors():
    with open(source_path("doc", "dbus-api.md")) as f:
        return set(re.findall(r"org\.(?:massaged1|freedesktop\.DBus)\.Error\.[A-Za-z]+", f.read()))


class Client:
    """codegen-client as a child: its report lines, one at a time, with a deadline."""

    def __init__(self, env):
        self.proc = env.user.spawn([CLIENT, env.user.address, env.addr[0]], name="codegen-client",
                                   env=env.environ, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.buf = b""

    def line(self):
        deadline = time.monotonic() + LINE_TIMEOUT
        while b"\n" not in self.buf:
            left = deadline - time.monotonic()
            ready = select.select([self.proc.stdout], [], [], max(left, 0))[0] if left > 0 else []
            if not ready:
                raise TimeoutError("codegen-client said nothing for %.0f s" % LINE_TIMEOUT)
            chunk = os.read(self.proc.stdout.fileno(), 4096)
            if not chunk:
                return None     # exited
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return line.decode()

    def next(self):
        self.proc.stdin.write(b"next\n")
        self.proc.stdin.flush()


def checks(env):
    """What the device must do after a call, by (method, outcome): (what, predicate on the true state)."""
    a = env.addr[0]

    def adapter():
        return env.sim.call("GetAdapterState")

    def stopped(s):
        return not s["running"] and not s["heater_on"]

    device = {
        ("Manager.AddDevice", "ok"): ("paired and connected", lambda s: s["paired"] and s["connected"]),
        ("Device.Connect", "ok"): ("connected, resolved, notifying",
                                   lambda s: s["connected"] and s["services_resolved"] and s["notifying"]),
        ("Device.Start", "ok"): ("running", lambda s: s["running"]),
        ("Device.SetIntensity", "ok"): ("running at level 1", lambda s: s["running"] and s["intensity"] == 1),
        ("Device.SetHeat", "ok"): ("running with heat level 1", lambda s: s["running"] and s["heat_level"] == 1),
        ("Device.Pause", "ok"): ("motors and heater off", stopped),
        ("Device.Resume", "ok"): ("running again", lambda s: s["running"]),
        ("Device.Stop", "ok"): ("motors and heater off", stopped),
        ("Device.StopWithReason", "ok"): ("motors and heater off", stopped),
        ("Device.ClearFaults", "ok"): ("no latched fault", lambda s: s["faults"] == 0),
        ("Manager.StopAll", "ok"): ("motors and heater off", stopped),
        ("Device.Disconnect", "ok"): ("link down", lambda s: not s["connected"]),
        ("Manager.ForgetDevice", "ok"): ("unpaired", lambda s: not s["paired"]),
    }
    adapter_checks = {
        ("Manager.StartDiscovery", "ok"): ("the adapter scans", lambda: adapter()["discovering"]),
        ("Manager.StopDiscovery", "ok"): ("the adapter stops scanning", lambda: not adapter()["discovering"]),
    }

    def check(method, outcome):
        if (method, outcome) in device:
            what, pred = device[(method, outcome)]
            env.sim.wait_state(a, pred, 10, what="%s after %s" % (what, method))
            return what
        if (method, outcome) in adapter_checks:
            what, pred = adapter_checks[(method, outcome)]
            wait_until(pred, 10, what="%s after %s" % (what, method))
            return what
        if method.startswith("Device.") and outcome.startswith("error "):
            # A refused device call moves nothing.
            assert stopped(env.state(a)), "device runs after a refused %s" % method
            return "refused, device still stopped"
        return None
    return check


def main():
    tap = Tap()
    if not os.path.exists(CLIENT):
        print("1..0 # SKIP codegen-client not built (configure found no gdbus-codegen or gio-2.0)")
        return 0
    methods, props = xml_members()
    errors_doc = documented_errors()
    called, read, errors = set(), {}, set()
    done = False
    removed = None
    env = MassagedEnv(devices=1, paired=True)
    try:
        check = checks(env)
        client = Client(env)
        while True:
            line = client.line()
            if line is None or line.startswith("fail ") or line == "done":
                done = line == "done"
                tap.ok(done, "the client ran to the end",
                       "%s\n%s" % (line or "codegen-client exited without a word", env.logs()))
                break
            words = line.split(" ", 2)
            if words[0] == "property":
                read[words[1]] = words[2]
                continue
            if words[0] == "removed":
                removed = words[2] == "yes"
                continue
            assert words[0] == "called", "unexpected line from codegen-client: %r" % line
            method, outcome = words[1], words[2]
            called.add(method)
            if outcome.startswith("error "):
                errors.add(outcome.split(" ", 1)[1])
            try:
                what = check(method, outcome)
            except Exception as e:
                tap.ok(False, "%s %s" % (method, outcome), "%s\n%s" % (e, env.logs()))
                break
            tap.ok(True, "%s %s%s" % (method, outcome, ": " + what if what else ""))
            client.next()
        rc = client.proc.wait(10 * SLOWDOWN)
        tap.ok(rc == 0 and done, "codegen-client exits 0", "exit status %s" % rc)
    finally:
        env.close()

    missing, extra = sorted(methods - called), sorted(called - methods)
    tap.ok(not missing and not extra, "the client called every method of the XML (%d)" % len(methods),
           "not called: %s; not in the XML: %s" % (", ".join(missing) or "-", ", ".join(extra) or "-"))
    wrong = {p: (t, read.get(p)) for p, t in props.items() if read.get(p) != t}
    tap.ok(not wrong and set(read) <= set(props), "the client read every property of the XML with its type",
           "XML type vs read: %s; not in the XML: %s" % (wrong, sorted(set(read) - set(props))))
    undocumented = sorted(errors - errors_doc)
    tap.ok(errors and not undocumented, "every error the client got is listed in doc/dbus-api.md (%s)"
           % ", ".join(sorted(errors)), "undocumented: %s" % undocumented)
    # ForgetDevice's InterfacesRemoved names org.massaged1.Device (it once did
    # not, and a GDBusObjectManagerClient kept the forgotten device).
    if removed is not None:
        tap.ok(removed, "the generated ObjectManager client drops the device after ForgetDevice")
    report = env.sanitizer_report()
    tap.ok(not report, "no sanitizer reports from the children", report)
    tap.exit()


if __name__ == "__main__":
    sys.exit(main())

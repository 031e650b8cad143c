#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""massaged integration: the exported API is exactly what doc/ describes,
the ObjectManager lists devices, and properties announce their changes."""

import os
import sys
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.join(os.environ.get("top_srcdir", os.path.join(os.path.dirname(__file__), "..", "..")), "tests", "lib"))
from massaged_env import (MassagedEnv, Tap, wait_until, device_path, top_srcdir, BUS, MANAGER_PATH,  # noqa: E402
                          MANAGER, DEVICE)
from gi.repository import Gio, GLib  # noqa: E402

A = "AA:BB:CC:DD:EE:01"
holder = {}


def members(iface):
    out = set()
    for el in iface:
        if el.tag == "property":
            flags = [a.get("value") for a in el.findall("annotation")
                     if a.get("name") == "org.freedesktop.DBus.Property.EmitsChangedSignal"]
            out.add(("property", el.get("name"), el.get("type"), el.get("access"), tuple(flags)))
        elif el.tag in ("method", "signal"):
            args = tuple((a.get("name"), a.get("type"), a.get("direction") or ("out" if el.tag == "signal" else "in"))
                         for a in el.findall("arg"))
            out.add((el.tag, el.get("name"), args))
    return out


def live_interfaces(env, path):
    r = env.api.call_sync(BUS, path, "org.freedesktop.DBus.Introspectable", "Introspect", None, None,
                          Gio.DBusCallFlags.NONE, 5000, None)
    root = ET.fromstring(r.unpack()[0])
    return {i.get("name"): i for i in root.findall("interface")}


def test_introspection_matches_doc():
    with MassagedEnv() as env:
        holder["env"] = env
        env.add_and_connect(A)
        live = live_interfaces(env, MANAGER_PATH)
        live.update(live_interfaces(env, device_path(A)))
        with open(os.path.join(top_srcdir(), "doc", "dbus-api.md")) as f:
            md = f.read()
        for name in ("org.massaged1.Manager", "org.massaged1.History", "org.massaged1.Device"):
            doc = ET.parse(os.path.join(top_srcdir(), "doc", name + ".xml")).getroot().find("interface")
            got, want = members(live[name]), members(doc)
            assert got == want, "%s: exported but not documented %r; documented but not exported %r" % (
                name, sorted(got - want), sorted(want - got))
            for m in want:
                assert "`%s" % m[1] in md, "doc/dbus-api.md does not mention %s.%s" % (name, m[1])


def test_object_manager_and_changes():
    with MassagedEnv() as env:
        holder["env"] = env
        added = []
        env.api.signal_subscribe(BUS, "org.freedesktop.DBus.ObjectManager", "InterfacesAdded", MANAGER_PATH,
                                 None, Gio.DBusSignalFlags.NONE, lambda *a: added.append(a[5].unpack()[0]), None)
        changes = []
        env.api.signal_subscribe(BUS, "org.freedesktop.DBus.Properties", "PropertiesChanged", device_path(A),
                                 None, Gio.DBusSignalFlags.NONE, lambda *a: changes.append(a[5].unpack()), None)
        env.add_and_connect(A)
        ctx = GLib.MainContext.default()

        def pumped(pred):
            while ctx.iteration(False):
                pass
            return pred()
        wait_until(lambda: pumped(lambda: device_path(A) in added), 5, what="InterfacesAdded")
        # ConnectionState changes were announced up to "ready".
        wait_until(lambda: pumped(lambda: any(c[1].get("ConnectionState") == "ready" for c in changes)), 5,
                   what="PropertiesChanged ConnectionState=ready")
        objs = env.api.call_sync(BUS, MANAGER_PATH, "org.freedesktop.DBus.ObjectManager", "GetManagedObjects",
                                 None, None, Gio.DBusCallFlags.NONE, 5000, None).unpack()[0]
        assert objs[device_path(A)][DEVICE]["Address"] == A, objs
        r = env.api.call_sync(BUS, MANAGER_PATH, "org.freedesktop.DBus.Properties", "Get",
                              GLib.Variant("(ss)", (MANAGER, "APIVersion")), None, Gio.DBusCallFlags.NONE, 5000, None)
        assert r.unpack()[0] == 1
        # Forget: the object goes away, and the device is unpaired by BlueZ.
        env.manager("ForgetDevice", "o", device_path(A))
        objs = env.api.call_sync(BUS, MANAGER_PATH, "org.freedesktop.DBus.ObjectManager", "GetManagedObjects",
                                 None, None, Gio.DBusCallFlags.NONE, 5000, None).unpack()[0]
        assert device_path(A) not in objs, objs


def test_pairing_through_agent():
    # An unpaired massager: AddDevice must pair it through massaged's own agent.
    with MassagedEnv(paired=False) as env:
        holder["env"] = env
        env.manager("StartDiscovery")
        wait_until(lambda: any(a == A for a, _ in env.call(MANAGER_PATH, "org.freedesktop.DBus.Properties", "Get",
                                                             "ss", (MANAGER, "Discovered"))), 10,
                   what="discovered")
        env.add_and_connect(A)
        env.manager("StopDiscovery")
        st = env.sim_state(A)
        assert st["paired"] and st["connected"], st


TESTS = [
    ("exported interfaces match doc/*.xml and doc/dbus-api.md", test_introspection_matches_doc),
    ("ObjectManager and PropertiesChanged announce devices and states", test_object_manager_and_changes),
    ("AddDevice pairs an unpaired massager through the agent", test_pairing_through_agent),
]

if __name__ == "__main__":
    tap = Tap(len(TESTS))
    for name, fn in TESTS:
        tap.run(name, fn, holder)
    sys.exit(tap.done())

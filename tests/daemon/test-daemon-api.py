#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""massaged integration: the exported API is exactly what doc/ describes,
the ObjectManager lists devices, and properties announce their changes."""

import os
import sys
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.join(os.environ.get("top_srcdir", "."), "tests", "lib"))
from massaged_env import (ALL_NO_SCREENING, BUS, DEVICE, MANAGER, MANAGER_PATH, Scenarios, device_path,  # noqa: E402
                          source_path, wait_for, wait_until)
from gi.repository import Gio  # noqa: E402

S = Scenarios()


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
    with S.env() as env:
        env.add_and_connect(env.addr[0])
        live = live_interfaces(env, MANAGER_PATH)
        live.update(live_interfaces(env, device_path(env.addr[0])))
        with open(source_path("doc", "dbus-api.md")) as f:
            md = f.read()
        for name in ("org.massaged1.Manager", "org.massaged1.History", "org.massaged1.Device"):
            doc = ET.parse(source_path("doc", name + ".xml")).getroot().find("interface")
            got, want = members(live[name]), members(doc)
            assert got == want, "%s: exported but not documented %r; documented but not exported %r" % (
                name, sorted(got - want), sorted(want - got))
            for m in want:
                assert "`%s" % m[1] in md, "doc/dbus-api.md does not mention %s.%s" % (name, m[1])


MY_PROGRAM = """[Program]
Name=evening
Title=Evening waves
Description=Ten minutes of slow waves, my own.
Repeat=false

[Step 1]
Seconds=600
Intensity=40
Pattern=wave
"""


def program_file_texts(name):
    """Title= and Description= as a built-in's file says them."""
    out = {}
    with open(source_path("daemon", "programs", name + ".program")) as f:
        for line in f:
            k, _, v = line.partition("=")
            if k in ("Title", "Description"):
                out[k.lower()] = v.strip()
    return out


def test_texts():
    with S.env(daemon=False) as env:
        with open(os.path.join(env.environ["XDG_CONFIG_HOME"], "massaged", "programs", "evening.program"), "w") as f:
            f.write(MY_PROGRAM)
        env.start_daemon()
        qs = env.get(MANAGER_PATH, MANAGER, "ScreeningQuestions")
        assert [q[0] for q in qs] == ALL_NO_SCREENING, qs
        assert all(q[1].endswith("?") and q[2].startswith("A yes blocks sessions") for q in qs), qs
        clot = dict((q[0], q[1]) for q in qs)["clotting_or_cardiovascular"]
        assert "blood thinners" in clot, clot   # the wording the policy acts on (issue 16)
        progs = {p["name"]: p for p in env.get(MANAGER_PATH, MANAGER, "Programs")}
        assert progs["evening"] == {"name": "evening", "title": "Evening waves",
                                    "description": "Ten minutes of slow waves, my own.", "seconds": 600,
                                    "steps": 1, "heat": False, "repeat": False, "gentle": False}, progs["evening"]
        assert progs["gentle"]["seconds"] == 360 and progs["gentle"]["steps"] == 3, progs["gentle"]
        assert progs["relax"]["heat"] and progs["migraine"]["gentle"] and progs["gentle"]["repeat"], progs
        for name in ("gentle", "kneading", "migraine", "myofascial", "relax", "suboccipital", "trigger-point"):
            want = program_file_texts(name)
            assert {k: progs[name][k] for k in want} == want and len(want) == 2, (name, progs[name], want)


def test_object_manager_and_changes():
    with S.env() as env:
        a = env.addr[0]
        added, removed, changes = [], [], []
        env.api.signal_subscribe(BUS, "org.freedesktop.DBus.ObjectManager", "InterfacesAdded", MANAGER_PATH,
                                 None, Gio.DBusSignalFlags.NONE, lambda *x: added.append(x[5].unpack()[0]))
        env.api.signal_subscribe(BUS, "org.freedesktop.DBus.ObjectManager", "InterfacesRemoved", MANAGER_PATH,
                                 None, Gio.DBusSignalFlags.NONE, lambda *x: removed.append(x[5].unpack()))
        env.api.signal_subscribe(BUS, "org.freedesktop.DBus.Properties", "PropertiesChanged", device_path(a),
                                 None, Gio.DBusSignalFlags.NONE, lambda *x: changes.append(x[5].unpack()))
        env.add_and_connect(a)
        wait_until(lambda: device_path(a) in added, 5, what="InterfacesAdded")
        # ConnectionState changes were announced, up to "ready".
        wait_until(lambda: any(c[1].get("ConnectionState") == "ready" for c in changes), 5,
                   what="PropertiesChanged ConnectionState=ready")
        objs = env.call(MANAGER_PATH, "org.freedesktop.DBus.ObjectManager", "GetManagedObjects")
        assert objs[device_path(a)][DEVICE]["Address"] == a, objs
        assert env.get(MANAGER_PATH, MANAGER, "APIVersion") == 2
        # Forget: the object goes away, and BlueZ unpairs the device.
        env.manager("ForgetDevice", "o", device_path(a))
        objs = env.call(MANAGER_PATH, "org.freedesktop.DBus.ObjectManager", "GetManagedObjects")
        assert device_path(a) not in objs, objs
        wait_until(lambda: not env.state(a)["paired"], 5, what="unpaired")
        # InterfacesRemoved names org.massaged1.Device: an ObjectManager client
        # (GDBusObjectManagerClient, the desktop app) drops the object only then.
        wait_until(lambda: removed, 5, what="InterfacesRemoved")
        assert removed[0][0] == device_path(a) and DEVICE in removed[0][1], removed


def test_pairing_through_agent():
    # An unpaired massager: AddDevice pairs it through massaged's own agent.
    with S.env(paired=False) as env:
        a = env.addr[0]
        env.manager("StartDiscovery")
        assert env.get(MANAGER_PATH, MANAGER, "Discovering")
        wait_for(lambda: any(x == a for x, _ in env.get(MANAGER_PATH, MANAGER, "Discovered")), 10,
                 what="discovered")
        env.add_and_connect(a)
        env.manager("StopDiscovery")
        st = env.state(a)
        assert st["paired"] and st["connected"], st


def new_client(env):
    return Gio.DBusConnection.new_for_address_sync(
        env.user.address,
        Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT | Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION,
        None, None)


def test_discovery_per_client():
    # A scan belongs to the client that asked for it, as with BlueZ: another
    # client's StopDiscovery does not end it, its own or its leaving the bus does.
    with S.env(paired=False) as env:
        def scanning():
            return env.get(MANAGER_PATH, MANAGER, "Discovering") and env.sim.call("GetAdapterState")["discovering"]

        def idle():
            return not env.get(MANAGER_PATH, MANAGER, "Discovering") and \
                not env.sim.call("GetAdapterState")["discovering"]

        a, b = new_client(env), new_client(env)
        env.manager("StartDiscovery", conn=a)
        env.manager("StartDiscovery", conn=a)       # idempotent for one client
        env.manager("StartDiscovery", conn=b)
        wait_for(scanning, 5, what="scanning (true adapter state)")
        env.manager("StopDiscovery", conn=b)
        env.manager("StopDiscovery")                # a client that never scanned: no effect
        env.stays(scanning, 0.5, "a's scan goes on after b and a stranger stopped theirs")
        b.close_sync(None)
        a.close_sync(None)                          # a crashes: never calls StopDiscovery
        wait_for(idle, 5, what="the scan ends when its client leaves the bus")
        # A client that scans and stops cleanly, then the daemon still serves.
        c = new_client(env)
        env.manager("StartDiscovery", conn=c)
        wait_for(scanning, 5, what="scanning again")
        env.manager("StopDiscovery", conn=c)
        wait_for(idle, 5, what="stopped by its own client")
        c.close_sync(None)


S.run("exported interfaces match doc/*.xml and doc/dbus-api.md", test_introspection_matches_doc)
S.run("ObjectManager and PropertiesChanged announce devices and states; ForgetDevice unpairs",
      test_object_manager_and_changes)
S.run("ScreeningQuestions and Programs carry the daemon's texts, a user program its own", test_texts)
S.run("AddDevice pairs an unpaired massager through the agent", test_pairing_through_agent)
S.run("a scan is its client's: others cannot stop it, it ends when the client leaves", test_discovery_per_client)
S.exit()

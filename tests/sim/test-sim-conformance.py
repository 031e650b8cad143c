# SPDX-License-Identifier: LGPL-2.1-or-later
"""Conformance of massager-sim with bluetoothd's D-Bus API, from Gio.

Discovery with a filter, connect and service resolution, GATT read / write /
notify with real protocol frames, pairing, agents, errors. Every check of
the device's behaviour looks at the simulator's true state (Sim1).
"""

import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.environ.get("top_srcdir", "."), "tests", "lib"))

from gi.repository import GLib  # noqa: E402

import protocol as P  # noqa: E402
from harness import BusEnv, Tap, build_path, wait_until  # noqa: E402
from sim import ADAPTER_PATH, Bluez, Sim, dbus_error_message, dbus_error_name, device_path  # noqa: E402

tap = Tap()
DEV1 = "org.bluez.Device1"
CHRC = "org.bluez.GattCharacteristic1"
ADAPTER = "org.bluez.Adapter1"


def expect_error(name, fn, *args, **kwargs):
    try:
        fn(*args, **kwargs)
    except GLib.Error as e:
        got = dbus_error_name(e)
        assert got == name, "expected %s, got %s (%s)" % (name, got, e.message)
        return dbus_error_message(e)
    raise AssertionError("expected %s, but the call succeeded" % name)


def t_command_line():
    exe = build_path("tests", "sim", "massager-sim")
    r = subprocess.run([exe, "--help"], capture_output=True, text=True, timeout=10)
    assert r.returncode == 0 and "--resolve-delay" in r.stdout and "--bus" in r.stdout, r
    for bad, words in ((["--connect-delay=soon"], "--connect-delay"), (["--device=12:34"], "AA:BB:CC:DD:EE:FF"),
                       (["--battery=101"], "--battery"), (["--bogus"], "--help"), (["extra"], "unexpected")):
        r = subprocess.run([exe] + bad, capture_output=True, text=True, timeout=10)
        assert r.returncode == 1 and words in r.stderr, (bad, r.returncode, r.stderr)
        assert len(r.stderr.splitlines()) <= 2, "usage errors must not dump the whole help"


tap.run("command line: --help, and clear errors for bad options", t_command_line)

with BusEnv() as env:
    sim = Sim(env, devices=3, args=["--connect-delay=30", "--resolve-delay=60", "--pair-delay=20"])
    bz = Bluez(env.bus)
    a0, a1, a2 = sim.addresses
    p0 = device_path(a0)

    def t_adapter():
        objs = bz.objects()
        props = objs[ADAPTER_PATH][ADAPTER]
        for key in ("Address", "Name", "Alias", "Class", "Powered", "Discoverable", "Pairable", "UUIDs",
                    "Modalias", "Discovering", "Roles", "AddressType", "DiscoverableTimeout"):
            assert key in props, "Adapter1 lacks " + key
        assert props["Powered"] is True and props["Discovering"] is False
        assert "org.bluez.AgentManager1" in objs["/org/bluez"]
        # Unpaired devices are unknown until a discovery sees them.
        assert not [p for p in objs if p.startswith(ADAPTER_PATH + "/dev_")], sorted(objs)
    tap.run("adapter and object tree at start", t_adapter, env=env)

    def t_filter_errors():
        expect_error("org.bluez.Error.InvalidArguments", bz.call, ADAPTER_PATH, ADAPTER, "SetDiscoveryFilter",
                     "(a{sv})", {"UUIDs": GLib.Variant("s", "nope")})
        expect_error("org.bluez.Error.InvalidArguments", bz.call, ADAPTER_PATH, ADAPTER, "SetDiscoveryFilter",
                     "(a{sv})", {"Colour": GLib.Variant("s", "red")})
        expect_error("org.bluez.Error.InvalidArguments", bz.call, ADAPTER_PATH, ADAPTER, "SetDiscoveryFilter",
                     "(a{sv})", {"RSSI": GLib.Variant("n", -80), "Pathloss": GLib.Variant("q", 3)})
        expect_error("org.bluez.Error.Failed", bz.call, ADAPTER_PATH, ADAPTER, "StopDiscovery")
        assert "UUIDs" in bz.call(ADAPTER_PATH, ADAPTER, "GetDiscoveryFilters")
    tap.run("discovery filter errors", t_filter_errors, env=env)

    def t_filter_excludes():
        bz.call(ADAPTER_PATH, ADAPTER, "SetDiscoveryFilter", "(a{sv})",
                {"UUIDs": GLib.Variant("as", ["180d"]), "Transport": GLib.Variant("s", "le")})
        bz.call(ADAPTER_PATH, ADAPTER, "StartDiscovery")
        wait_until(lambda: bz.changed(ADAPTER_PATH, ADAPTER, "Discovering", True), 3, "Discovering=true")
        expect_error("org.bluez.Error.InProgress", bz.call, ADAPTER_PATH, ADAPTER, "StartDiscovery")
        # A filter for heart-rate monitors: no massager may appear once the scan has reported.
        wait_until(lambda: not sim.call("GetAdapterState")["scan_pending"], 2, "scan report")
        assert sim.call("GetAdapterState")["discovery_clients"] == 1
        bz.call(ADAPTER_PATH, ADAPTER, "StopDiscovery")
        wait_until(lambda: bz.changed(ADAPTER_PATH, ADAPTER, "Discovering", False), 3, "Discovering=false")
        assert not bz.added(p0), "a filtered-out device appeared"
        assert not sim.state(a0)["exported"]
    tap.run("filter by another UUID finds nothing", t_filter_excludes, env=env)

    def t_discovery():
        bz.call(ADAPTER_PATH, ADAPTER, "SetDiscoveryFilter", "(a{sv})",
                {"UUIDs": GLib.Variant("as", [P.SERVICE_UUID])})
        bz.call(ADAPTER_PATH, ADAPTER, "StartDiscovery")
        for a in (a0, a1, a2):
            wait_until(lambda: bz.added(device_path(a), DEV1), 3, "InterfacesAdded of " + a)
        props = bz.added(p0, DEV1)[0][3][1][DEV1]
        assert props["Address"] == a0 and props["Paired"] is False and props["Connected"] is False
        assert P.SERVICE_UUID in props["UUIDs"]
        assert props["Adapter"] == ADAPTER_PATH and "RSSI" in props and props["Name"] == "Massager"
        bz.call(ADAPTER_PATH, ADAPTER, "StopDiscovery")
    tap.run("discovery with the massager's UUID finds every device", t_discovery, env=env)

    def t_connect():
        bz.clear()
        bz.call(p0, DEV1, "Connect")
        # The Connect reply comes with the link, before services resolve.
        assert bz.get(p0, DEV1, "Connected") is True
        assert bz.changed(p0, DEV1, "Connected", True) or wait_until(
            lambda: bz.changed(p0, DEV1, "Connected", True), 2, "Connected signal")
        wait_until(lambda: bz.changed(p0, DEV1, "ServicesResolved", True), 3, "ServicesResolved")
        objs = bz.objects()
        uuids = {v["org.bluez.GattCharacteristic1"]["UUID"]: (p, v["org.bluez.GattCharacteristic1"])
                 for p, v in objs.items() if "org.bluez.GattCharacteristic1" in v and p.startswith(p0)}
        assert set(uuids) == {P.CONTROL_POINT_UUID, P.STATUS_UUID, P.DEVICE_INFO_UUID, P.BATTERY_LEVEL_UUID}
        assert uuids[P.CONTROL_POINT_UUID][1]["Flags"] == ["write"]
        assert uuids[P.STATUS_UUID][1]["Flags"] == ["read", "notify"]
        services = {v["org.bluez.GattService1"]["UUID"] for p, v in objs.items()
                    if "org.bluez.GattService1" in v and p.startswith(p0)}
        assert services == {P.SERVICE_UUID, P.BATTERY_SERVICE_UUID}
        assert "org.bluez.Battery1" in objs[p0] and objs[p0]["org.bluez.Battery1"]["Percentage"] == 90
        assert sim.state(a0)["connected"] is True
        bz.call(p0, DEV1, "Connect")        # already connected: success
    tap.run("connect, ServicesResolved, GATT objects and Battery1", t_connect, env=env)

    cp = bz.char_path(a0, P.CONTROL_POINT_UUID)
    st = bz.char_path(a0, P.STATUS_UUID)
    di = bz.char_path(a0, P.DEVICE_INFO_UUID)
    bl = bz.char_path(a0, P.BATTERY_LEVEL_UUID)

    def t_reads():
        info = P.decode_device_info(bz.read(di))
        assert info["protocol_version"] == 1 and info["intensity_max"] == 10 and info["heat_levels"] == 3
        assert info["setpoints"] == [38.0, 40.0, 42.0] and info["patterns"] == 0x3f
        s = P.decode(bz.read(st))
        assert s["opcode"] == P.OP_STATUS and not s["running"] and s["temperature"] == 25.0
        assert s["battery"] == 90 and not s["encrypted"]
        assert bz.read(bl) == bytes([90])
        assert bz.read(di, {"offset": GLib.Variant("q", 4)}) == bz.read(di)[4:]
        expect_error("org.bluez.Error.NotPermitted", bz.read, cp)
        expect_error("org.bluez.Error.InvalidArguments", bz.read, di, {"offset": GLib.Variant("u", 1)})
        # The cached Value follows reads.
        assert bytes(bz.get(bl, CHRC, "Value")) == bytes([90])
    tap.run("read Device Info, Status, Battery Level; errors", t_reads, env=env)

    def t_unpaired_write():
        # A device that refuses to pair: bluetoothd cannot raise the security.
        sim.call("SetRefusePairing", "(sb)", a0, True)
        msg = expect_error("org.bluez.Error.NotPermitted", bz.write, cp, P.start_session(1, 5, 3))
        assert msg == "Not paired", msg
        assert sim.state(a0)["running"] is False and sim.state(a0)["writes"] == 0
        expect_error("org.bluez.Error.AuthenticationFailed", bz.call, p0, DEV1, "Pair")
        assert bz.get(p0, DEV1, "Paired") is False
        sim.call("SetRefusePairing", "(sb)", a0, False)
    tap.run("Control Point write, device refusing to pair: NotPermitted 'Not paired'", t_unpaired_write, env=env)

    def t_pair():
        expect_error("org.bluez.Error.DoesNotExist", bz.call, p0, DEV1, "CancelPairing")
        bz.call(p0, DEV1, "Pair")
        assert bz.get(p0, DEV1, "Paired") is True and bz.get(p0, DEV1, "Bonded") is True
        wait_until(lambda: bz.changed(p0, DEV1, "Paired", True), 2, "Paired signal")
        expect_error("org.bluez.Error.AlreadyExists", bz.call, p0, DEV1, "Pair")
        assert sim.state(a0)["paired"] is True
    tap.run("Pair on a connected device", t_pair, env=env)

    def t_write_notify():
        bz.call(st, CHRC, "StartNotify")
        wait_until(lambda: bz.changed(st, CHRC, "Notifying", True), 2, "Notifying")
        assert sim.state(a0)["notifying"] is True
        bz.clear()
        bz.write(cp, P.start_session(7, 5, 4, 3, 2))
        r = wait_until(lambda: [m for m in map(P.decode, bz.notifications(st)) if m["seq"] == 7
                                and m["opcode"] & P.RESPONSE_BIT], 2, "response")[0]
        assert r["opcode"] == P.OP_START_SESSION | P.RESPONSE_BIT and r["result"] == "ok"
        assert r["running"] and r["heating"] and r["encrypted"] and r["intensity"] == 4 and r["heat_level"] == 2
        s = sim.state(a0)
        assert s["running"] and s["heater_on"] and s["intensity"] == 4 and s["pattern"] == "knead"
        assert 4000 < s["lease_remaining"] <= 5000
        # The change is announced by a STATUS frame too, and ticks follow once a second.
        wait_until(lambda: len([m for m in map(P.decode, bz.notifications(st)) if m["opcode"] == P.OP_STATUS]) >= 2,
                   3, "STATUS change + tick")
        bz.write(cp, P.stop(8))
        wait_until(lambda: any(P.decode(v)["seq"] == 8 and P.decode(v)["opcode"] == 0x84
                               for v in bz.notifications(st)), 2, "STOP response")
        s = sim.state(a0)
        assert not s["running"] and not s["heater_on"] and s["stop_cause"] == "command"
    tap.run("write START/STOP frames, responses and STATUS notifications", t_write_notify, env=env)

    def t_bad_frame():
        bz.clear()
        bad = bytearray(P.get_status(9))
        bad[-1] ^= 0xff
        bz.write(cp, bad)
        r = wait_until(lambda: [m for m in map(P.decode, bz.notifications(st)) if m["opcode"] == 0x85
                                and m["seq"] == 9], 2, "response")[0]
        assert r["result"] == "bad-crc"
        expect_error("org.bluez.Error.InvalidArguments", bz.write, cp, bytes(600))
        expect_error("org.bluez.Error.NotSupported", bz.write, st, b"\x00")
        expect_error("org.bluez.Error.InvalidArguments", bz.write, cp, P.stop(1),
                     {"offset": GLib.Variant("q", 2)})
        # A write with the request type works like the default.
        bz.write(cp, P.get_status(10), {"type": GLib.Variant("s", "request")})
    tap.run("malformed frames get a result code; ATT-level errors", t_bad_frame, env=env)

    def t_cccd():
        objs = bz.objects()
        descs = {p: v["org.bluez.GattDescriptor1"] for p, v in objs.items()
                 if "org.bluez.GattDescriptor1" in v and p.startswith(p0)}
        assert sorted(d["Characteristic"] for d in descs.values()) == sorted([st, bl]), descs
        assert all(d["UUID"] == "00002902-0000-1000-8000-00805f9b34fb" for d in descs.values())
        st_cccd = [p for p, d in descs.items() if d["Characteristic"] == st][0]
        assert bytes(bz.call(st_cccd, "org.bluez.GattDescriptor1", "ReadValue", "(a{sv})", {})) == b"\x01\x00"
        bl_cccd = [p for p, d in descs.items() if d["Characteristic"] == bl][0]
        assert bytes(bz.call(bl_cccd, "org.bluez.GattDescriptor1", "ReadValue", "(a{sv})", {})) == b"\x00\x00"
        expect_error("org.bluez.Error.NotPermitted", bz.call, st_cccd, "org.bluez.GattDescriptor1", "WriteValue",
                     "(aya{sv})", b"\x00\x00", {})
    tap.run("CCCD descriptors: readable, not writable (StartNotify is the way)", t_cccd, env=env)

    def t_lease():
        bz.write(cp, P.start_session(11, 1, 2))
        sim.wait_state(a0, lambda s: s["running"], 2)
        s = sim.wait_state(a0, lambda s: not s["running"], 3, "lease expiry")
        assert s["stop_cause"] == "lease-expired" and not s["heater_on"]
    tap.run("the lease expires on the device", t_lease, env=env)

    def t_notify_sessions():
        bz.call(st, CHRC, "StartNotify")    # same client again: success
        expect_error("org.bluez.Error.NotSupported", bz.call, cp, CHRC, "StartNotify")
        bz.call(st, CHRC, "StopNotify")
        wait_until(lambda: bz.changed(st, CHRC, "Notifying", False), 2, "Notifying false")
        expect_error("org.bluez.Error.Failed", bz.call, st, CHRC, "StopNotify")
        bz.clear()
        bz.write(cp, P.get_status(12))
        bz.settle()
        assert not bz.notifications(st), "notified without a session"
    tap.run("StartNotify/StopNotify sessions", t_notify_sessions, env=env)

    def t_battery():
        bz.call(bl, CHRC, "StartNotify")
        bz.clear()
        sim.call("SetBattery", "(sy)", a0, 42)
        wait_until(lambda: bz.changed(p0, "org.bluez.Battery1", "Percentage"), 2, "Battery1 signal")
        assert bz.get(p0, "org.bluez.Battery1", "Percentage") == 42
        assert bz.notifications(bl)[-1] == bytes([42])
    tap.run("battery level: Battery1 and Battery Level notifications", t_battery, env=env)

    def t_disconnect():
        bz.clear()
        bz.call(p0, DEV1, "Disconnect")
        assert bz.get(p0, DEV1, "Connected") is False
        bz.settle()
        assert bz.removed(cp), "GATT objects not removed"
        assert bz.removed(p0, "org.bluez.Battery1")
        assert bz.changed(p0, DEV1, "ServicesResolved", False) and bz.changed(p0, DEV1, "Connected", False)
        assert bz.char_path(a0, P.CONTROL_POINT_UUID) is None
        bz.call(p0, DEV1, "Disconnect")     # not connected: success, as in bluetoothd
        assert sim.state(a0)["connected"] is False
    tap.run("Disconnect removes GATT objects", t_disconnect, env=env)

    def t_pair_connects():
        p1 = device_path(a1)
        bz.call(p1, DEV1, "Pair")
        assert bz.get(p1, DEV1, "Paired") and bz.get(p1, DEV1, "Connected")
        bz.call(p1, DEV1, "Disconnect")
    tap.run("Pair on a disconnected device connects first", t_pair_connects, env=env)

    def t_cancel():
        p2 = device_path(a2)
        err = []
        bz.bus.call("org.bluez", p2, DEV1, "Pair", None, None, 0, 5000, None, lambda c, r, *a: err.append(r))
        wait_until(lambda: sim.state(a2)["connected"], 2, "connecting for pairing")
        bz.call(p2, DEV1, "CancelPairing")
        wait_until(lambda: err, 2, "Pair reply")
        try:
            bz.bus.call_finish(err[0])
            raise AssertionError("Pair succeeded after CancelPairing")
        except GLib.Error as e:
            assert dbus_error_name(e) == "org.bluez.Error.AuthenticationCanceled", e.message
        assert bz.get(p2, DEV1, "Paired") is False
    tap.run("CancelPairing fails the Pair call", t_cancel, env=env)

    def t_connect_in_progress():
        p1 = device_path(a1)
        done = []
        bz.bus.call("org.bluez", p1, DEV1, "Connect", None, None, 0, 5000, None, lambda c, r, *a: done.append(r))
        expect_error("org.bluez.Error.InProgress", bz.call, p1, DEV1, "Connect")
        wait_until(lambda: done, 2, "first Connect")
        bz.bus.call_finish(done[0])
        bz.call(p1, DEV1, "Disconnect")
    tap.run("a second Connect while connecting: InProgress", t_connect_in_progress, env=env)

    def t_agent():
        am = "/org/bluez"
        expect_error("org.bluez.Error.InvalidArguments", bz.call, am, "org.bluez.AgentManager1", "RegisterAgent",
                     "(os)", "/test/agent", "Telepathy")
        bz.call(am, "org.bluez.AgentManager1", "RegisterAgent", "(os)", "/test/agent", "NoInputNoOutput")
        expect_error("org.bluez.Error.AlreadyExists", bz.call, am, "org.bluez.AgentManager1", "RegisterAgent",
                     "(os)", "/test/agent", "")
        expect_error("org.bluez.Error.DoesNotExist", bz.call, am, "org.bluez.AgentManager1",
                     "RequestDefaultAgent", "(o)", "/test/other")
        bz.call(am, "org.bluez.AgentManager1", "RequestDefaultAgent", "(o)", "/test/agent")
        bz.call(am, "org.bluez.AgentManager1", "UnregisterAgent", "(o)", "/test/agent")
        expect_error("org.bluez.Error.DoesNotExist", bz.call, am, "org.bluez.AgentManager1", "UnregisterAgent",
                     "(o)", "/test/agent")
    tap.run("AgentManager1 registration rules", t_agent, env=env)

    def t_remove_device():
        bz.clear()
        bz.call(ADAPTER_PATH, ADAPTER, "RemoveDevice", "(o)", p0)
        wait_until(lambda: bz.removed(p0, DEV1), 2, "InterfacesRemoved")
        assert sim.state(a0)["paired"] is False and sim.state(a0)["exported"] is False
        expect_error("org.bluez.Error.DoesNotExist", bz.call, ADAPTER_PATH, ADAPTER, "RemoveDevice", "(o)", p0)
        # Still in range: a new discovery finds it again, unpaired.
        bz.call(ADAPTER_PATH, ADAPTER, "SetDiscoveryFilter", "(a{sv})", {})
        bz.call(ADAPTER_PATH, ADAPTER, "StartDiscovery")
        wait_until(lambda: bz.added(p0, DEV1), 3, "rediscovered")
        bz.call(ADAPTER_PATH, ADAPTER, "StopDiscovery")
    tap.run("Adapter1.RemoveDevice forgets the bond", t_remove_device, env=env)

    def t_control_errors():
        try:
            sim.state("00:00:00:00:00:00")
            raise AssertionError("unknown address accepted")
        except GLib.Error as e:
            assert "ListDevices" in e.message
        try:
            sim.call("AddDevice", "(ssb)", "not-an-address", "x", False)
            raise AssertionError("bad address accepted")
        except GLib.Error as e:
            assert "AA:BB:CC:DD:EE:FF" in e.message
    tap.run("Sim1 rejects bad input with clear errors", t_control_errors, env=env)

    bz.close()

# Measured against bluetoothd 5.66 in tests/vm/: an unpaired write pairs by
# itself, and a bonded device reconnects from bluetoothd's GATT cache.
with BusEnv() as env2:
    sim = Sim(env2, devices=1, args=["--connect-delay=30", "--resolve-delay=200", "--pair-delay=20"])
    bz = Bluez(env2.bus)
    a = sim.addresses[0]
    p = device_path(a)
    bz.call(ADAPTER_PATH, ADAPTER, "StartDiscovery")
    wait_until(lambda: bz.added(p, DEV1), 3, "discovered")
    bz.call(ADAPTER_PATH, ADAPTER, "StopDiscovery")

    def t_write_pairs():
        bz.connect(a)
        cp = bz.char_path(a, P.CONTROL_POINT_UUID)
        assert bz.get(p, DEV1, "Paired") is False
        bz.clear()
        bz.write(cp, P.start_session(1, 5, 3))
        assert bz.get(p, DEV1, "Paired") is True and bz.get(p, DEV1, "Bonded") is True
        wait_until(lambda: bz.changed(p, DEV1, "Paired", True), 2, "Paired signal")
        st = sim.state(a)
        assert st["running"] and st["writes"] == 1 and st["paired"], st
        # bluetoothd 5.66 then fails Pair() on that link instead of AlreadyExists.
        expect_error("org.bluez.Error.AuthenticationFailed", bz.call, p, DEV1, "Pair")
        bz.write(cp, P.stop(2))
    tap.run("unpaired Control Point write: bluetoothd pairs (Just Works) and the write goes through",
            t_write_pairs, env=env2)

    def t_gatt_cache():
        bz.call(p, DEV1, "Disconnect")
        wait_until(lambda: not sim.state(a)["connected"], 2, "disconnected")
        expect_error("org.bluez.Error.AlreadyExists", bz.call, p, DEV1, "Pair")
        bz.clear()
        bz.call(p, DEV1, "Connect")
        # Bonded with known services: resolved from the cache before the reply.
        assert bz.get(p, DEV1, "ServicesResolved") is True
        assert bz.char_path(a, P.CONTROL_POINT_UUID)
    tap.run("a bonded device reconnects from the GATT cache: ServicesResolved before the Connect reply",
            t_gatt_cache, env=env2)
    bz.close()

tap.check_sanitizers(env)
tap.check_sanitizers(env2)
tap.exit()

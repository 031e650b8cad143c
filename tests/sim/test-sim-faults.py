# SPDX-License-Identifier: LGPL-2.1-or-later
"""Every fault injection of massager-sim's Sim1 interface, checked from Gio.

Each test injects one fault and checks both what a BlueZ client sees and
the device's true state.
"""

import os
import sys
import time

sys.path.insert(0, os.path.join(os.environ.get("top_srcdir", "."), "tests", "lib"))

from gi.repository import Gio, GLib  # noqa: E402

import protocol as P  # noqa: E402
from harness import WRAPPER, BusEnv, Tap, wait_until  # noqa: E402
from sim import Bluez, Sim, dbus_error_name, device_path  # noqa: E402

tap = Tap()
DEV1 = "org.bluez.Device1"
CHRC = "org.bluez.GattCharacteristic1"


def expect_error(name, fn, *args, **kwargs):
    try:
        fn(*args, **kwargs)
    except GLib.Error as e:
        assert dbus_error_name(e) == name, "expected %s, got %s" % (name, e.message)
        return
    raise AssertionError("expected %s, but the call succeeded" % name)


class Session:
    """A connected, paired, notifying client of one device."""

    def __init__(self, bz, sim, address):
        self.bz, self.sim, self.address = bz, sim, address
        self.path = device_path(address)
        self.seq = 0
        bz.connect(address)
        self.cp = bz.char_path(address, P.CONTROL_POINT_UUID)
        self.st = bz.char_path(address, P.STATUS_UUID)
        bz.call(self.st, CHRC, "StartNotify")

    def send(self, build, *args):
        """Write a command; wait for and return its decoded response."""
        self.seq = (self.seq + 1) & 0xff
        seq = self.seq
        self.bz.clear()         # seq wraps: only answers to this write count
        self.bz.write(self.cp, build(seq, *args))

        def response():
            for v in self.bz.notifications(self.st):
                try:
                    m = P.decode(v)
                except ValueError:
                    continue
                if m["opcode"] & P.RESPONSE_BIT and m["seq"] == seq:
                    return m
            return None
        return wait_until(response, 3, "response to seq %d" % seq)

    def start(self, lease=10, intensity=5, heat=0):
        r = self.send(P.start_session, lease, intensity, 0, heat)
        assert r["result"] == "ok", r
        return r


def call_async(bus, path, interface, method, params=None):
    """Start a call; returns a list that gets (elapsed seconds, result or GLib.Error)."""
    out = []
    t0 = time.monotonic()

    def done(conn, res, *a):
        try:
            out.append((time.monotonic() - t0, conn.call_finish(res)))
        except GLib.Error as e:
            out.append((time.monotonic() - t0, e))
    bus.call("org.bluez", path, interface, method, params, None, Gio.DBusCallFlags.NONE, 10000, None, done)
    return out


with BusEnv() as env:
    sim = Sim(env, devices=2, paired=True,
              args=["--thermal-tau=1", "--connect-delay=20", "--resolve-delay=30"])
    bz = Bluez(env.bus)
    a0, a1 = sim.addresses
    s = Session(bz, sim, a0)

    def t_drop_link():
        s.start(heat=2)
        assert sim.state(a0)["heater_on"]
        bz.clear()
        sim.call("DropLink", "(s)", a0)
        st = sim.state(a0)
        assert not st["running"] and not st["heater_on"] and st["stop_cause"] == "link-lost"
        assert not st["connected"]
        wait_until(lambda: bz.changed(s.path, DEV1, "Connected", False), 2, "Connected=false")
        assert bz.removed(s.cp), "GATT objects stay after link loss"
        # The client can come back.
        s.__init__(bz, sim, a0)
        assert sim.state(a0)["connected"]
    tap.run("DropLink: link lost, session stops, objects go", t_drop_link, env=env)

    def t_fail_writes():
        before = sim.state(a0)["writes"]
        sim.call("FailWrites", "(su)", a0, 2)
        expect_error("org.bluez.Error.Failed", bz.write, s.cp, P.start_session(100, 5, 3))
        expect_error("org.bluez.Error.Failed", bz.write, s.cp, P.start_session(101, 5, 3))
        st = sim.state(a0)
        assert st["writes"] == before and not st["running"] and st["fail_writes"] == 0
        assert s.send(P.get_status)["result"] == "ok"
        assert sim.state(a0)["writes"] == before + 1
    tap.run("FailWrites: the next N writes fail and never reach the device", t_fail_writes, env=env)

    def t_delay_writes():
        sim.call("DelayWrites", "(suu)", a0, 1, 300)
        pending = call_async(env.bus, s.cp, CHRC, "WriteValue",
                             GLib.Variant("(aya{sv})", (P.start_session(120, 5, 2), {})))
        wait_until(lambda: sim.state(a0)["delay_writes"] == 0, 2, "delayed write held")
        expect_error("org.bluez.Error.InProgress", bz.write, s.cp, P.stop(121))
        assert not sim.state(a0)["running"], "the delayed write ran early"
        elapsed, result = wait_until(lambda: pending and pending[0], 3, "delayed reply")
        assert not isinstance(result, GLib.Error), result
        assert elapsed >= 0.29, "reply after %.3f s" % elapsed
        assert sim.state(a0)["running"]
        s.send(P.stop)
    tap.run("DelayWrites: reply after the delay, InProgress meanwhile", t_delay_writes, env=env)

    def t_mangle():
        for how in ("truncate", "garbage"):
            sim.call("MangleNotifications", "(ssu)", a0, how, 1)
            bz.clear()
            bz.write(s.cp, P.get_status(130))
            first = wait_until(lambda: bz.notifications(s.st), 2, "notification")[0]
            try:
                P.decode(first)
                raise AssertionError("%s notification decoded: %r" % (how, first))
            except ValueError:
                pass
            assert s.send(P.get_status)["result"] == "ok"     # the next one is intact
    tap.run("MangleNotifications: truncated and garbage frames", t_mangle, env=env)

    def t_raw():
        bz.clear()
        sim.call("SendNotification", "(say)", a0, b"\x01\xff\x00")
        assert wait_until(lambda: bz.notifications(s.st), 2, "raw notification")[0] == b"\x01\xff\x00"
    tap.run("SendNotification: arbitrary bytes on Status", t_raw, env=env)

    def t_overheat():
        s.start(heat=3)
        sim.call("ForceOverheat", "(s)", a0)
        sim.call("SetTemperature", "(sd)", a0, 60.0)     # hotter: about 1 s above 38 °C with tau 1 s
        st = sim.state(a0)
        assert not st["running"] and not st["heater_on"] and st["stop_cause"] == "overheat"
        assert st["faults"] & P.FAULT_OVERHEAT and st["temperature"] >= 45.0
        wait_until(lambda: any(P.decode(v)["faults"] & P.FAULT_OVERHEAT for v in bz.notifications(s.st)
                               if len(v) > 6), 2, "overheat announced")
        assert s.send(P.start_session, 5, 1, 0, 0)["result"] == "fault-latched"
        # The latch clears only below 38 °C: each answer must agree with the
        # temperature in its own snapshot, and the first comes while hot.
        answers = []
        deadline = time.monotonic() + 10
        while not answers or answers[-1]["result"] != "ok":
            r = s.send(P.clear_faults)
            # (the snapshot rounds to 0.1 °C, so 38.0 can be either side)
            assert r["temperature"] <= 38.0 if r["result"] == "ok" else r["temperature"] >= 38.0, r
            answers.append(r)
            assert time.monotonic() < deadline, "never cooled below 38 °C: %r" % r
        assert answers[0]["result"] == "fault-latched", answers[0]
        assert not sim.state(a0)["faults"] & P.FAULT_OVERHEAT
    tap.run("ForceOverheat: cut-off trips, latches, clears once cool", t_overheat, env=env)

    def t_temperature():
        sim.call("SetTemperature", "(sd)", a0, 44.0)
        assert not sim.state(a0)["faults"] & P.FAULT_OVERHEAT
        try:
            sim.call("SetTemperature", "(sd)", a0, 1e9)
            raise AssertionError("absurd temperature accepted")
        except GLib.Error:
            pass
        sim.wait_state(a0, lambda st: st["temperature"] < 30, 5, "cooling")
    tap.run("SetTemperature below the cut-off does not trip", t_temperature, env=env)

    def t_sensor():
        s.start()
        sim.call("SetSensorMissing", "(sb)", a0, True)
        st = sim.state(a0)
        assert not st["running"] and st["stop_cause"] == "sensor-fault" and not st["sensor_ok"]
        assert st["faults"] & P.FAULT_SENSOR
        assert s.send(P.get_status)["temperature"] is None
        assert s.send(P.clear_faults)["result"] == "fault-latched"
        sim.call("SetSensorMissing", "(sb)", a0, False)
        assert s.send(P.clear_faults)["result"] == "ok"
    tap.run("SetSensorMissing: missing temperature stops and latches", t_sensor, env=env)

    def t_battery():
        sim.call("SetBattery", "(sy)", a0, 15)
        r = s.send(P.start_session, 5, 3, 0, 1)
        assert r["result"] == "low-battery" and r["faults"] & P.FAULT_LOW_BATTERY
        s.start(intensity=3)
        sim.call("SetBattery", "(sy)", a0, 4)
        st = sim.state(a0)
        assert not st["running"] and st["stop_cause"] == "battery" and st["battery"] == 4
        assert s.send(P.start_session, 5, 3, 0, 0)["result"] == "low-battery"
        sim.call("SetBattery", "(sy)", a0, 80)
    tap.run("SetBattery: low battery refuses heat, empty battery stops", t_battery, env=env)

    def t_stall():
        s.start()
        sim.call("MotorStall", "(s)", a0)
        st = sim.state(a0)
        assert not st["running"] and st["stop_cause"] == "motor-stall" and st["faults"] & P.FAULT_MOTOR_STALL
        assert s.send(P.clear_faults)["result"] == "ok"
    tap.run("MotorStall: stops and latches until cleared", t_stall, env=env)

    def t_resolve_delay():
        p1 = device_path(a1)
        sim.call("SetResolveDelay", "(su)", a1, 600)
        bz.clear()
        t0 = time.monotonic()
        bz.call(p1, DEV1, "Connect")
        connected_at = time.monotonic() - t0
        wait_until(lambda: bz.changed(p1, DEV1, "ServicesResolved", True), 3, "ServicesResolved")
        resolved_at = time.monotonic() - t0
        assert resolved_at - connected_at >= 0.5, "resolved %.3f s after connect" % (resolved_at - connected_at)
        assert bz.get(p1, DEV1, "Connected")
        bz.call(p1, DEV1, "Disconnect")
        sim.call("SetResolveDelay", "(su)", a1, 0)
    tap.run("SetResolveDelay: slow service resolution", t_resolve_delay, env=env)

    def t_connected_race():
        p1 = device_path(a1)
        sim.call("SetConnectedRace", "(sb)", a1, True)
        bz.clear()
        bz.call(p1, DEV1, "Connect")
        wait_until(lambda: bz.changed(p1, DEV1, "ServicesResolved", True), 3, "ServicesResolved")
        assert bz.get(p1, DEV1, "Connected") is True, "Get must say connected"
        assert not bz.changed(p1, DEV1, "Connected", True), "Connected was signalled"
        assert sim.state(a1)["connected"] and sim.state(a1)["connected_property"]
        bz.call(p1, DEV1, "Disconnect")
        wait_until(lambda: bz.changed(p1, DEV1, "Connected", False), 2, "disconnect is signalled")
        sim.call("SetConnectedRace", "(sb)", a1, False)
    tap.run("SetConnectedRace: Connected true without PropertiesChanged", t_connected_race, env=env)


    def t_in_range():
        s.start()
        sim.call("SetInRange", "(sb)", a0, False)
        st = sim.state(a0)
        assert not st["running"] and st["stop_cause"] == "link-lost" and not st["in_range"]
        expect_error("org.bluez.Error.Failed", bz.call, s.path, DEV1, "Connect")
        assert not sim.state(a0)["connected"] and bz.get(s.path, DEV1, "Connected") is False
        sim.call("SetInRange", "(sb)", a0, True)
        s.__init__(bz, sim, a0)
        assert sim.state(a0)["connected"]
    tap.run("SetInRange: out of range drops the link and fails Connect", t_in_range, env=env)

    def t_restart():
        owners = []
        sub = env.bus.signal_subscribe("org.freedesktop.DBus", "org.freedesktop.DBus", "NameOwnerChanged",
                                       "/org/freedesktop/DBus", "org.bluez", Gio.DBusSignalFlags.NONE,
                                       lambda c, snd, p, i, m, args: owners.append(args.unpack()))
        try:
            s.start(heat=1)
            sim.call("DelayWrites", "(suu)", a0, 1, 5000)
            pending = call_async(env.bus, s.cp, CHRC, "WriteValue", GLib.Variant("(aya{sv})", (P.stop(140), {})))
            wait_until(lambda: sim.state(a0)["delay_writes"] == 0, 2, "write held")
            bz.clear()
            sim.call("RestartBluez", "(u)", 300)
            # The call in flight dies with bluetoothd, as dbus-daemon reports it.
            _, err = wait_until(lambda: pending and pending[0], 3, "pending call answered")
            assert isinstance(err, GLib.Error), err
            assert dbus_error_name(err) == "org.freedesktop.DBus.Error.NoReply", err.message
            wait_until(lambda: any(o[2] == "" for o in owners), 2, "org.bluez lost")
            st = sim.state(a0)          # the control name stays reachable
            assert not st["running"] and st["stop_cause"] == "link-lost" and not st["connected"]
            assert sim.call("GetAdapterState")["bluez_up"] is False
            assert not [x for x in bz.signals if x[2] in ("InterfacesRemoved", "PropertiesChanged")], \
                "a killed bluetoothd sent signals: %r" % bz.signals[:3]
            old = [o for o in owners if o[2] == ""][0][1]
            new = wait_until(lambda: [o[2] for o in owners if o[2]], 3, "org.bluez back")[0]
            assert new != old, "the new bluetoothd has the old unique name"
            objs = wait_until(lambda: Bluez(env.bus).objects(), 2, "objects back")
            assert device_path(a0) in objs and device_path(a1) in objs, "bonded devices not re-announced"
            assert objs[device_path(a0)][DEV1]["Connected"] is False
            assert not [p for p in objs if "service" in p], "GATT objects survived the restart"
            s.__init__(bz, sim, a0)
            assert s.send(P.get_status)["result"] == "ok"
        finally:
            env.bus.signal_unsubscribe(sub)
    tap.run("RestartBluez: name lost and regained, calls fail, objects re-announced", t_restart, env=env)

    def t_add_remove():
        addr = sim.call("AddDevice", "(ssb)", "", "Extra", False)
        assert addr in sim.call("ListDevices")
        bz.call("/org/bluez/hci0", "org.bluez.Adapter1", "StartDiscovery")
        wait_until(lambda: bz.added(device_path(addr), DEV1), 3, "new device discovered")
        assert bz.added(device_path(addr), DEV1)[-1][3][1][DEV1]["Name"] == "Extra"
        bz.call("/org/bluez/hci0", "org.bluez.Adapter1", "StopDiscovery")
        bz.connect(addr)
        sim.call("RemoveDevice", "(s)", addr)
        wait_until(lambda: bz.removed(device_path(addr), DEV1), 2, "device removed")
        assert addr not in sim.call("ListDevices")
    tap.run("AddDevice / RemoveDevice", t_add_remove, env=env)

    bz.close()

tap.check_sanitizers(env)

with BusEnv() as env:
    sim = Sim(env, devices=0, paired=True, args=["--connected-race", "--device=C0:FF:EE:AA:00:01=Left"])
    bz = Bluez(env.bus)

    def t_race_option():
        assert sim.addresses == ["C0:FF:EE:AA:00:01"]
        p = device_path(sim.addresses[0])
        assert bz.get(p, DEV1, "Name") == "Left"
        bz.connect(sim.addresses[0])
        bz.settle()
        assert bz.get(p, DEV1, "Connected") and not bz.changed(p, DEV1, "Connected", True)
    tap.run("--connected-race, --device=ADDR=NAME, --devices=0", t_race_option, env=env)
    bz.close()

tap.check_sanitizers(env)

with BusEnv() as env:
    sim = Sim(env, devices=2, args=["--disconnect-delay=300", "--temporary-timeout=1000", "--connect-delay=20"])
    bz = Bluez(env.bus)
    a0, a1 = sim.addresses
    p0, p1 = device_path(a0), device_path(a1)

    def t_temporary():
        bz.call("/org/bluez/hci0", "org.bluez.Adapter1", "StartDiscovery")
        wait_until(lambda: bz.added(p0, DEV1) and bz.added(p1, DEV1), 3, "both discovered")
        bz.connect(a0)                  # connected once: no longer temporary
        bz.call("/org/bluez/hci0", "org.bluez.Adapter1", "StopDiscovery")
        t0 = time.monotonic()
        wait_until(lambda: bz.removed(p1, DEV1), 5, "the unconnected device to vanish")
        assert time.monotonic() - t0 >= 0.5, "removed too early"
        assert not bz.removed(p0, DEV1) and sim.state(a0)["exported"] and not sim.state(a1)["exported"]
    tap.run("--temporary-timeout: unconnected discovered devices vanish, connected ones stay", t_temporary,
            env=env)

    def t_disconnect_delay():
        st = bz.char_path(a0, P.STATUS_UUID)
        pending = call_async(env.bus, p0, DEV1, "Disconnect")
        wait_until(lambda: sim.state(a0)["connected"] is True, 1)
        expect_error("org.bluez.Error.NotConnected", bz.call, st, CHRC, "StartNotify")
        assert bz.get(p0, DEV1, "Connected") is True, "the link went before the delay"
        elapsed, result = wait_until(lambda: pending and pending[0], 3, "Disconnect reply")
        assert not isinstance(result, GLib.Error), result
        assert elapsed >= 0.29, "Disconnect answered after %.3f s" % elapsed
        assert bz.get(p0, DEV1, "Connected") is False and not sim.state(a0)["connected"]
    tap.run("--disconnect-delay: the link goes, and Disconnect returns, after the delay", t_disconnect_delay,
            env=env)
    bz.close()

tap.check_sanitizers(env)

with BusEnv() as env:
    N = 64
    sim = Sim(env, devices=N, paired=True, verbose=False, args=["--connect-delay=5", "--resolve-delay=5"])
    bz = Bluez(env.bus)

    def t_many():
        pending = [call_async(env.bus, device_path(a), DEV1, "Connect") for a in sim.addresses]
        wait_until(lambda: all(pending), 10, "64 Connect replies")
        assert all(not isinstance(p[0][1], GLib.Error) for p in pending)
        wait_until(lambda: all(bz.get(device_path(a), DEV1, "ServicesResolved") for a in sim.addresses), 10,
                   "64 devices resolved")
        # Each state is read right after its own write: the 10 s lease must not
        # run out in between, however slow the machine (valgrind) is.
        for i, a in enumerate(sim.addresses[:8]):
            bz.write(bz.char_path(a, P.CONTROL_POINT_UUID), P.start_session(i, P.LEASE_MAX_S, i % 10))
            st = sim.state(a)
            assert st["running"] and st["intensity"] == i % 10 and st["writes"] == 1, (a, st)
        for a in sim.addresses[8:]:
            st = sim.state(a)
            assert not st["running"] and st["writes"] == 0, (a, st)
    tap.run("64 devices connected at once, independent state", t_many, env=env)

    def wakeups(pid):
        with open("/proc/%d/status" % pid) as f:
            fields = dict(line.split(":", 1) for line in f)
        return int(fields["voluntary_ctxt_switches"]) + int(fields["nonvoluntary_ctxt_switches"])

    def t_idle():
        for i, a in enumerate(sim.addresses[:8]):
            bz.write(bz.char_path(a, P.CONTROL_POINT_UUID), P.stop(100 + i))
        # Settled first: the sim goes back to sleep after its last reply, which
        # the counter may see after we do. Settled = no switch for 100 ms.
        def settled():
            c = wakeups(sim.proc.pid)
            t = time.monotonic()
            wait_until(lambda: time.monotonic() - t >= 0.1, 1, "100 ms")
            return wakeups(sim.proc.pid) == c
        wait_until(settled, 5, "the sim to settle")
        before = wakeups(sim.proc.pid)
        t0 = time.monotonic()
        wait_until(lambda: time.monotonic() - t0 >= 1.0, 2, "one idle second")
        after = wakeups(sim.proc.pid)
        assert after == before, "%d wakeups in an idle second with 64 connected devices" % (after - before)
    if WRAPPER:
        tap.skip("idle with 64 connected devices: no wakeups", "measured without TESTS_WRAPPER only")
    else:
        tap.run("idle with 64 connected devices: no wakeups", t_idle, env=env)

    bz.close()

tap.check_sanitizers(env)
tap.exit()

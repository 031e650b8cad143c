#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""massaged integration: the Control Point command queue — one command in
flight, Stop jumps the queue, pending calls fail cleanly on link loss, failed
writes and garbage notifications — on massager-sim's true device state."""

import os
import sys

sys.path.insert(0, os.path.join(os.environ.get("top_srcdir", "."), "tests", "lib"))
from massaged_env import BUS, DEVICE, Scenarios, dbus_error_name, device_path, wait_for, wait_until  # noqa: E402
from gi.repository import Gio, GLib  # noqa: E402

S = Scenarios()


class AsyncCall:
    """A method call whose reply (or error) is recorded when it arrives, in arrival order."""
    order = []

    def __init__(self, env, address, method, signature=None, *args):
        self.name = method
        self.result = None
        params = GLib.Variant("(%s)" % signature, tuple(args)) if signature else None
        env.api.call(BUS, device_path(address), DEVICE, method, params, None, Gio.DBusCallFlags.NONE, 30000,
                     None, self._done)

    def _done(self, conn, res):
        try:
            conn.call_finish(res)
            self.result = "ok"
        except GLib.Error as e:
            self.result = dbus_error_name(e)
        AsyncCall.order.append(self.name)


def test_stop_jumps_queue():
    with S.env() as env:
        a = env.addr[0]
        env.screen_ok()
        env.add_and_connect(a)
        env.start(a, intensity=5, duration=600)
        AsyncCall.order = []
        env.sim.call("DelayWrites", "(suu)", a, 1, 1500)
        slow = AsyncCall(env, a, "SetIntensity", "y", 4)     # in flight, answered 1.5 s later
        queued = AsyncCall(env, a, "SetHeat", "y", 1)        # queued behind it
        stop = AsyncCall(env, a, "Stop")                     # must overtake SetHeat
        wait_until(lambda: slow.result and queued.result and stop.result, 10, what="all replies")
        assert AsyncCall.order.index("Stop") < AsyncCall.order.index("SetHeat"), AsyncCall.order
        assert stop.result == "ok", stop.result
        st = env.state(a)
        assert not st["running"] and not st["heater_on"], st
        # SetHeat reached a stopped device: an error, never a silent success.
        assert queued.result != "ok", queued.result


def test_pending_fail_on_link_loss():
    with S.env() as env:
        a = env.addr[0]
        env.screen_ok()
        env.add_and_connect(a)
        env.start(a, duration=600)
        env.sim.call("DelayWrites", "(suu)", a, 1, 20000)
        pending = AsyncCall(env, a, "SetIntensity", "y", 2)
        wait_until(lambda: env.state(a)["delay_writes"] == 0, 5, what="write taken by the device")
        env.sim.call("DropLink", "(s)", a)
        # Answered at once (the write was held for 20 s), with an error: NotConnected when the
        # link loss is seen first, Failed when BlueZ fails the write before it reports the loss.
        wait_until(lambda: pending.result, 5, what="the pending call answered")
        assert pending.result in ("org.massaged1.Error.NotConnected", "org.massaged1.Error.Failed"), pending.result


def test_failed_write_start():
    with S.env() as env:
        a = env.addr[0]
        env.screen_ok()
        env.add_and_connect(a)
        env.sim.call("FailWrites", "(su)", a, 1)
        try:
            env.start(a, duration=600)
            raise AssertionError("Start succeeded although the write failed")
        except GLib.Error as e:
            assert dbus_error_name(e).startswith("org.massaged1.Error."), e.message
        assert not env.state(a)["running"]
        rows = env.sessions()
        assert len(rows) == 1 and not rows[0]["open"] and rows[0]["end_reason"] == "device_fault", rows
        assert env.prop(a, "ConnectionState") == "ready" and env.prop(a, "State") == "idle"


def test_garbage_notifications():
    with S.env() as env:
        a = env.addr[0]
        env.screen_ok()
        env.add_and_connect(a)
        env.sim.call("SendNotification", "(say)", a, b"\x01\x02\x03")
        env.sim.call("SendNotification", "(say)", a, bytes(range(40)))
        env.start(a, duration=600)
        env.sim.call("MangleNotifications", "(ssu)", a, "garbage", 3)
        env.stays(lambda: env.state(a)["running"], 4, "running through garbage notifications")
        assert env.daemon.poll() is None
        env.device(a, "Stop")
        assert not env.state(a)["running"]


def test_motor_stall_and_clear_faults():
    with S.env() as env:
        a = env.addr[0]
        env.screen_ok()
        env.add_and_connect(a)
        env.start(a, duration=600)
        env.sim.call("MotorStall", "(s)", a)
        wait_until(lambda: not env.state(a)["running"], 5, what="stopped by the stall")
        wait_until(lambda: env.sessions()[0]["end_reason"] == "device_fault", 5, what="row closed device_fault")
        wait_for(lambda: env.prop(a, "State") == "fault" and "motor-stall" in env.prop(a, "Faults"), 5,
                 what="State fault, Faults motor-stall")
        env.device(a, "ClearFaults")
        wait_until(lambda: env.state(a)["faults"] & 2 == 0, 5, what="MOTOR_STALL cleared on the device")
        wait_for(lambda: env.prop(a, "State") == "idle" and env.prop(a, "Faults") == [], 5, what="State idle")


S.run("a motor stall ends the session as device_fault; ClearFaults clears it", test_motor_stall_and_clear_faults)
S.run("Stop overtakes a queued command and is answered first", test_stop_jumps_queue)
S.run("a call waiting for the device is answered with an error as soon as the link drops", test_pending_fail_on_link_loss)
S.run("a failed Control Point write: Start fails, nothing runs, row closed device_fault", test_failed_write_start)
S.run("malformed and garbage notifications are dropped; the session goes on", test_garbage_notifications)
S.exit()

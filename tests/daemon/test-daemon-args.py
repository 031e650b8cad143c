#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""massaged integration: the a{sv} arguments of Start, SetLimits and
SubmitScreening over a real bus. The rules themselves are unit-tested
(tests/test-api-args.c) and fuzzed (tests/fuzz/fuzz-args.c); this checks the
bus adapter: absurd dicts (thousands of entries, huge keys and strings,
duplicate keys, container values) are refused with InvalidArgs naming the
argument, nothing reaches the device or the ledger, and the daemon keeps
serving."""

import os
import sys

sys.path.insert(0, os.path.join(os.environ.get("top_srcdir", "."), "tests", "lib"))
from massaged_env import (BUS, DEVICE, MANAGER, MANAGER_PATH, Scenarios, device_path,  # noqa: E402
                          ALL_NO_SCREENING)
from gi.repository import Gio, GLib  # noqa: E402

INVALID = "org.freedesktop.DBus.Error.InvalidArgs"
S = Scenarios()


def asv(entries):
    """An a{sv} from (key, Variant) pairs, duplicates kept (a Python dict would drop them)."""
    return GLib.Variant.new_array(GLib.VariantType("{sv}"),
                                  [GLib.Variant.new_dict_entry(GLib.Variant("s", k), GLib.Variant("v", v))
                                   for k, v in entries])


def raw_call(env, path, iface, method, entries):
    return env.api.call_sync(BUS, path, iface, method, GLib.Variant.new_tuple(asv(entries)), None,
                             Gio.DBusCallFlags.NONE, 30000, None)


def test_bus_arguments():
    with S.env() as env:
        a = env.addr[0]
        env.screen_ok()
        env.add_and_connect(a)
        limits_before = env.manager("GetLimits")

        def start(entries):
            return lambda: raw_call(env, device_path(a), DEVICE, "Start", entries)

        def set_limits(entries):
            return lambda: raw_call(env, MANAGER_PATH, MANAGER, "SetLimits", entries)

        def screening(entries):
            return lambda: raw_call(env, MANAGER_PATH, MANAGER, "SubmitScreening", entries)

        u = GLib.Variant("u", 1)
        # Bounded: the 33rd entry is refused, however many follow.
        for n in (33, 5000):
            env.expect_error(start([("k%d" % i, u) for i in range(n)]), INVALID,
                             "Start(): more than 32 entries in 'options'")
            env.expect_error(set_limits([("k%d" % i, u) for i in range(n)]), INVALID,
                             "SetLimits(): more than 32 entries in 'limits'")
        env.expect_error(start([("x" * 100000, u)]), INVALID, "is a key of 100000 bytes; no key is longer than 64")
        # A long key of two-byte characters: the quoted prefix stays valid UTF-8 (or the reply could not be sent).
        msg = env.expect_error(start([("é" * 40, u)]), INVALID, "is a key of 80 bytes")
        assert "Start option '" + "é" * 16 + "…' is a key" in msg, msg
        env.expect_error(start([("program", GLib.Variant("s", "p" * 300))]), INVALID,
                         "Start option 'program' is a string of 300 bytes; at most 256")
        # Duplicates are refused (before, the last one silently won).
        env.expect_error(start([("intensity", GLib.Variant("y", 1)), ("intensity", GLib.Variant("y", 10))]),
                         INVALID, "Start option 'intensity' given twice")
        env.expect_error(set_limits([("session_minutes", GLib.Variant("u", 10)),
                                     ("session_minutes", GLib.Variant("u", 20))]),
                         INVALID, "limit 'session_minutes' given twice")
        no = [(k, GLib.Variant("b", False)) for k in ALL_NO_SCREENING]
        env.expect_error(screening(no + [("pacemaker", GLib.Variant("b", True))]), INVALID,
                         "screening answer 'pacemaker' given twice")
        # Container values are refused by name and type, not misread.
        env.expect_error(start([("intensity", GLib.Variant("ay", b"\x03"))]), INVALID,
                         "Start option 'intensity' must have type 'y', not 'ay'")
        env.expect_error(set_limits([("session_minutes", asv([("x", u)]))]), INVALID,
                         "limit 'session_minutes' must have type 'u', not 'a{sv}'")
        env.expect_error(screening(no[1:] + [(ALL_NO_SCREENING[0], GLib.Variant("(bb)", (False, False)))]),
                         INVALID, "screening answer '%s' must be a boolean (b), not '(bb)'" % ALL_NO_SCREENING[0])
        # One bad entry refuses the whole call: the good one before it did not apply.
        env.expect_error(set_limits([("daily_sessions", GLib.Variant("u", 1)), ("rest_minutes", GLib.Variant("u", 1))]),
                         INVALID, "key rest_minutes: value 1 out of range")

        # Nothing reached the device or the ledger, and the daemon still serves.
        st = env.state(a)
        assert not st["running"] and st["writes"] == 0, st
        assert env.sessions() == []
        assert env.manager("GetLimits") == limits_before
        env.manager("SetLimits", "a{sv}", {"daily_sessions": GLib.Variant("u", 2)})
        assert env.manager("GetLimits")["daily_sessions"] == 2


S.run("a{sv} over the bus: bounded, duplicates and containers refused by name; device and ledger untouched",
      test_bus_arguments)
S.exit()

# SPDX-License-Identifier: LGPL-2.1-or-later
"""A stand-in for logind on a test's private "system" bus (the one the
simulator's org.bluez is on): org.freedesktop.login1.Manager.Inhibit hands
out the write end of a pipe and records when every copy of it is closed,
and the test emits PrepareForSleep. It runs in the test's own GLib main
context (wait_until() dispatches it).

    logind = FakeLogind(env.system.bus, on_close=lambda: env.state(a))
    logind.prepare_for_sleep(True)
    wait_until(lambda: logind.closed, ...)      # closed[i]: what on_close returned
"""

import os
import time

from gi.repository import Gio, GLib

NAME = "org.freedesktop.login1"
PATH = "/org/freedesktop/login1"
MANAGER = "org.freedesktop.login1.Manager"

XML = """
<node>
  <interface name="org.freedesktop.login1.Manager">
    <method name="Inhibit">
      <arg name="what" type="s" direction="in"/>
      <arg name="who" type="s" direction="in"/>
      <arg name="why" type="s" direction="in"/>
      <arg name="mode" type="s" direction="in"/>
      <arg name="fd" type="h" direction="out"/>
    </method>
    <signal name="PrepareForSleep"><arg name="start" type="b"/></signal>
  </interface>
</node>
"""


def pipe_inode(fd):
    return os.fstat(fd).st_ino


def holders(pid, inode):
    """How many fds of process `pid` refer to the pipe with this inode (its true state)."""
    n = 0
    d = "/proc/%s/fd" % pid
    for name in os.listdir(d):
        try:
            if os.readlink(os.path.join(d, name)) == "pipe:[%d]" % inode:
                n += 1
        except OSError:
            pass
    return n


class Inhibitor:
    def __init__(self, args, sender):
        self.what, self.who, self.why, self.mode = args
        self.sender = sender
        self.read_fd, write_fd = os.pipe()
        self.inode = pipe_inode(self.read_fd)
        self.write_fd = write_fd        # handed out, then owned by the reply's fd list
        self.closed = None              # what on_close() returned when the last write end closed
        self.closed_at = None           # time.monotonic() then


class FakeLogind:
    def __init__(self, bus, on_close=None):
        self.bus = bus
        self.on_close = on_close or (lambda: True)
        self.inhibitors = []
        info = Gio.DBusNodeInfo.new_for_xml(XML)
        self.reg = bus.register_object(PATH, info.interfaces[0], self._on_call, None, None)
        r = bus.call_sync("org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "RequestName",
                          GLib.Variant("(su)", (NAME, 4)), GLib.VariantType("(u)"), Gio.DBusCallFlags.NONE, 5000,
                          None)
        assert r.unpack()[0] == 1, "could not own %s" % NAME

    def _on_call(self, conn, sender, path, iface, method, params, invocation):
        if method != "Inhibit":
            invocation.return_dbus_error("org.freedesktop.DBus.Error.UnknownMethod", method)
            return
        inh = Inhibitor(params.unpack(), sender)
        self.inhibitors.append(inh)
        # EOF on the read end = every copy of the write end is closed.
        GLib.io_add_watch(inh.read_fd, GLib.PRIORITY_HIGH, GLib.IO_HUP | GLib.IO_ERR, self._on_hup, inh)
        fds = Gio.UnixFDList.new_from_array([inh.write_fd])    # takes the fd: no copy stays here
        invocation.return_value_with_unix_fd_list(GLib.Variant("(h)", (0,)), fds)

    def _on_hup(self, fd, cond, inh):
        inh.closed_at = time.monotonic()
        try:
            inh.closed = self.on_close()
        except Exception as e:  # the test's env may be gone when the daemon exits
            inh.closed = {"on_close failed": repr(e)}
        os.close(inh.read_fd)
        return False

    def prepare_for_sleep(self, start):
        self.bus.emit_signal(None, PATH, MANAGER, "PrepareForSleep", GLib.Variant("(b)", (start,)))

    def held_by(self, pid, inh=None):
        """The process holds the (latest) inhibitor's fd, and nobody else does."""
        inh = inh or self.inhibitors[-1]
        return inh.closed is None and holders(pid, inh.inode) == 1 and holders(os.getpid(), inh.inode) == 1

    def close(self):
        self.bus.unregister_object(self.reg)

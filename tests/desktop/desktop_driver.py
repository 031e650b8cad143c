# SPDX-License-Identifier: LGPL-2.1-or-later
"""Driving the desktop app through the accessibility tree (dogtail over
AT-SPI), for tests/desktop/test-desktop.py and the screenshots
(tests/desktop/screenshots.py). Import it only on the accessibility session
bus under Xvfb: see how test-desktop.py re-runs itself."""

import datetime
import os
import subprocess
import time

from dogtail.config import config  # noqa: E402
config.checkForA11y = False     # GTK 4 needs no GSettings key; do not write dconf
config.logDebugToFile = False
config.logDebugToStdOut = False
config.actionDelay = 0.05        # dogtail's default sleeps; we poll instead
config.defaultDelay = 0.05
config.searchBackoffDuration = 0.1
config.searchCutoffCount = 50

from dogtail import predicate, rawinput, tree  # noqa: E402,F401 (rawinput: for the tests)
from gi.repository import Gio, GLib  # noqa: E402
from massaged_env import wait_until  # noqa: E402
from harness import build_path  # noqa: E402

APP = build_path("desktop", "massager")
SESSION = Gio.bus_get_sync(Gio.BusType.SESSION, None)
A11Y_ADDRESS = SESSION.call_sync("org.a11y.Bus", "/org/a11y/bus", "org.a11y.Bus", "GetAddress", None,
                                 GLib.VariantType("(s)"), Gio.DBusCallFlags.NONE, 10000, None).unpack()[0]


def seed_days(env, minutes_by_day):
    """Write past sessions into env's ledger (before its daemon starts), one
    per entry: {days_ago: minutes}, each starting at 10:00 local time that day
    (far from midnight, so a DST change does not move it to another day).
    Only past days (days_ago >= 1): today's 10:00 may not have come yet."""
    today = datetime.datetime.now().replace(hour=0, minute=0, second=0, microsecond=0)
    pairs = []
    for days_ago, minutes in minutes_by_day.items():
        assert days_ago >= 1, days_ago
        start = (today - datetime.timedelta(days=days_ago)).replace(hour=10)
        ago = int((time.time() - time.mktime(start.timetuple())) // 60)
        pairs.append("%d:%d" % (ago, minutes))
    os.makedirs(os.path.dirname(env.db), exist_ok=True)
    subprocess.run([build_path("tests", "daemon", "ledger-seed"), env.db] + pairs, check=True, env=env.environ)


class App:
    """The app on env's user bus, found in the accessibility tree."""

    def __init__(self, env, args=()):
        self.env = env
        # Never under $TESTS_WRAPPER (valgrind): GTK's caches read as leaks and the
        # toolkit's start-up takes minutes there; the daemon and the simulator
        # still run under it. In a sanitizer build the app keeps ASan's checks
        # but not its leak report at exit, for the same reason.
        self.proc = env.user.spawn([APP] + list(args), name="massager", wrap=False, env=env.user.environ(
            AT_SPI_BUS_ADDRESS=A11Y_ADDRESS, GTK_A11Y="atspi", GSK_RENDERER="cairo",
            DISPLAY=os.environ["DISPLAY"], LANG="C.UTF-8", LANGUAGE="C", G_DEBUG="fatal-criticals",
            ASAN_OPTIONS=os.environ.get("ASAN_OPTIONS", "") + ":detect_leaks=0"))
        self.node = wait_until(self._find, 20, what="the app in the accessibility tree")

    def _find(self):
        if self.proc.poll() is not None:
            raise RuntimeError("the app exited with %s:\n%s" % (self.proc.returncode, self.env.logs()))
        for app in tree.root.applications():
            try:
                if app.name == "massager" and app.children:
                    return app
            except GLib.Error:
                continue
        return None

    def find(self, name, role=None, timeout=10):
        """The first node named `name` (and of `role`), waiting for it to appear."""
        def look():
            nodes = self.node.findChildren(predicate.GenericPredicate(name=name, roleName=role))
            return nodes[0] if nodes else None
        return wait_until(look, timeout, what="%s %r" % (role or "node", name))

    def labels(self):
        """Every label's text. A page that rebuilds its rows while we walk the
        tree makes nodes vanish under us: then we say "nothing yet" and the
        caller's wait_until asks again."""
        try:
            return [n.name for n in self.node.findChildren(predicate.GenericPredicate(roleName="label"))]
        except GLib.Error:
            return []

    def has_label(self, text):
        return any(text in name for name in self.labels())

    def click(self, name, role="push button"):
        self.find(name, role).doActionNamed("click")

    def row_subtitle(self, title):
        """The subtitle of the row titled `title` (AdwActionRow: the second label in the row)."""
        for item in self.node.findChildren(predicate.GenericPredicate(roleName="list item")):
            labels = [n.name for n in item.findChildren(predicate.GenericPredicate(roleName="label"))]
            if labels and labels[0] == title:
                return labels[1] if len(labels) > 1 else ""
        return None

    def show_page(self, name):
        self.find(name, "page tab").doActionNamed("click")

    def set_spin(self, name, value):
        node = self.find(name, "spin button")
        node.value = value
        wait_until(lambda: node.value == value, 5, what="%s set to %s" % (name, value))

    def close(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)


NOTIFY_XML = """
<node>
  <interface name="org.freedesktop.Notifications">
    <method name="GetCapabilities"><arg type="as" direction="out"/></method>
    <method name="Notify">
      <arg type="s" direction="in"/><arg type="u" direction="in"/><arg type="s" direction="in"/>
      <arg type="s" direction="in"/><arg type="s" direction="in"/><arg type="as" direction="in"/>
      <arg type="a{sv}" direction="in"/><arg type="i" direction="in"/><arg type="u" direction="out"/>
    </method>
    <method name="CloseNotification"><arg type="u" direction="in"/></method>
    <method name="GetServerInformation">
      <arg type="s" direction="out"/><arg type="s" direction="out"/>
      <arg type="s" direction="out"/><arg type="s" direction="out"/>
    </method>
    <signal name="NotificationClosed"><arg type="u"/><arg type="u"/></signal>
    <signal name="ActionInvoked"><arg type="u"/><arg type="s"/></signal>
  </interface>
</node>"""


class Notifications:
    """A notification server on the app's bus that records what it is shown
    and can press a button (ActionInvoked), as a desktop's shell would."""

    def __init__(self, conn):
        self.conn = conn
        self.shown = []         # dicts: id, summary, body, actions {key: label}
        self.closed = []
        info = Gio.DBusNodeInfo.new_for_xml(NOTIFY_XML).interfaces[0]
        conn.register_object("/org/freedesktop/Notifications", info, self._on_call)
        owned = []
        Gio.bus_own_name_on_connection(conn, "org.freedesktop.Notifications", Gio.BusNameOwnerFlags.NONE,
                                       lambda *a: owned.append(True), None)
        wait_until(lambda: owned, 5, what="the notification server's name")

    def _on_call(self, conn, sender, path, iface, method, params, inv):
        args = params.unpack()
        if method == "GetCapabilities":
            inv.return_value(GLib.Variant("(as)", (["actions", "body"],)))
        elif method == "GetServerInformation":
            inv.return_value(GLib.Variant("(ssss)", ("test", "massaged", "0", "1.2")))
        elif method == "Notify":
            nid = args[1] or len(self.shown) + 1
            self.shown.append({"id": nid, "summary": args[3], "body": args[4],
                               "actions": dict(zip(args[5][0::2], args[5][1::2]))})
            inv.return_value(GLib.Variant("(u)", (nid,)))
        elif method == "CloseNotification":
            self.closed.append(args[0])
            inv.return_value(None)

    def find(self, summary):
        return [n for n in self.shown if n["summary"] == summary]

    def press(self, notification, label):
        key = [k for k, v in notification["actions"].items() if v == label][0]
        self.conn.emit_signal(None, "/org/freedesktop/Notifications", "org.freedesktop.Notifications",
                              "ActionInvoked", GLib.Variant("(us)", (notification["id"], key)))



#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""massaged's start-up handshake with BlueZ (daemon/bluez/bluez.c): GetNameOwner
and GetManagedObjects sent together, the list used only when it comes from the
owner GetNameOwner (or NameOwnerChanged) named.

* BlueZ up: the pipelined list is taken as is, and org.massaged1 is owned
  only once BlueZ has described its objects.
* BlueZ absent at start: the name is taken at once (not after the 5 s bound),
  nothing is logged as if BlueZ were broken, and when BlueZ appears the known
  device is connected again.
* massaged never starts org.bluez by D-Bus activation: the system bus here has
  an org.bluez.service whose Exec= only records that it ran."""

import os
import shutil
import stat
import sys
import tempfile

sys.path.insert(0, os.path.join(os.environ.get("top_srcdir", "."), "tests", "lib"))
from massaged_env import SLOWDOWN, Scenarios, log, wait_for, wait_until  # noqa: E402

S = Scenarios()
BLUEZ = "org.bluez"
# Longer than a start of the daemon takes, shorter than its 5 s bound on the
# wait for BlueZ (so a name taken while BlueZ is away was not taken by the bound).
DOWN_MS = 4000


class Activatable:
    """A services dir whose org.bluez.service records each activation."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="massaged-services-")
        self.marker = os.path.join(self.dir, "activated")
        script = os.path.join(self.dir, "fake-bluetoothd")
        with open(script, "w") as f:
            f.write("#!/bin/sh\necho activated >> '%s'\nexit 1\n" % self.marker)
        os.chmod(script, stat.S_IRWXU)
        with open(os.path.join(self.dir, "org.bluez.service"), "w") as f:
            f.write("[D-BUS Service]\nName=org.bluez\nExec=%s\n" % script)

    def activated(self):
        return os.path.exists(self.marker)

    def close(self):
        shutil.rmtree(self.dir, ignore_errors=True)


def daemon_log(env):
    with open(env.daemon.log_path, errors="replace") as f:
        return f.read()


def test_bluez_up():
    services = Activatable()
    try:
        with S.env(daemon=False, system_servicedir=services.dir) as env:
            a = env.addr[0]
            env.start_daemon()
            env.add_and_connect(a)
            env.kill_daemon()
            env.start_daemon()
            # The name is seen on the bus before the daemon has handled
            # RequestName's reply and logged it (a race valgrind loses).
            text = wait_for(lambda: "massaged ready" in daemon_log(env) and daemon_log(env), 10 * SLOWDOWN,
                            what="massaged ready logged")
            assert "BlueZ is up: 1 adapter(s), 1 device(s)" in text, text
            # The name waited for the list, and the list was the pipelined one.
            assert text.index("BlueZ is up") < text.index("massaged ready"), text
            assert "asking again" not in text and "dropped" not in text, text
            assert "did not describe its objects in time" not in text, text
            wait_for(lambda: env.prop(a, "ConnectionState") == "ready", 30, what="known device connected")
            assert env.state(a)["connected"]
            assert not services.activated(), "org.bluez was activated"
    finally:
        services.close()


def test_bluez_absent_then_appearing():
    services = Activatable()
    try:
        with S.env(daemon=False, system_servicedir=services.dir) as env:
            a = env.addr[0]
            env.start_daemon()
            env.add_and_connect(a)
            env.kill_daemon()
            env.sim.call("RestartBluez", "(u)", int(DOWN_MS * SLOWDOWN))
            wait_until(lambda: not env.system.has_owner(BLUEZ), 5, what="org.bluez gone")
            env.start_daemon()
            # Owned while BlueZ is still away: not waiting for it, nor for the 5 s bound.
            assert not env.system.has_owner(BLUEZ), "org.massaged1 was owned only once BlueZ was back"
            text = daemon_log(env)
            assert "is not running; waiting for it to appear" in text, text
            for broken in ("Could not list BlueZ objects", "Malformed GetManagedObjects",
                           "did not describe its objects in time", "<3>", "<4>"):
                assert broken not in text, (broken, text)
            wait_until(lambda: env.system.has_owner(BLUEZ), 10 * SLOWDOWN, what="org.bluez back")
            wait_for(lambda: env.prop(a, "ConnectionState") == "ready", 30, what="known device reconnected")
            assert env.state(a)["connected"] and env.state(a)["notifying"]
            log("pipelined GetManagedObjects with BlueZ absent: %s"
                % [l for l in daemon_log(env).splitlines() if "Pipelined" in l])
            assert not services.activated(), "org.bluez was activated"
    finally:
        services.close()


S.run("BlueZ up at start: the pipelined list is used, the name waits for it", test_bluez_up)
S.run("BlueZ absent at start: name at once, reconnects when BlueZ appears, never activated",
      test_bluez_absent_then_appearing)
S.exit()

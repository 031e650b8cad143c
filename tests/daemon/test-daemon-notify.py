#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""massaged integration: the sd_notify STATUS= lines systemd shows in
`systemctl status` (daemon/notify.h). The daemon runs with $NOTIFY_SOCKET on a
datagram socket this test reads: idle → session with minutes left, counting
down once a minute → idle again, checked against the simulator's true state."""

import os
import signal
import socket
import sys

sys.path.insert(0, os.path.join(os.environ.get("top_srcdir", "."), "tests", "lib"))
from massaged_env import Scenarios, log, wait_until  # noqa: E402

S = Scenarios()


class NotifySocket:
    """The service manager's end of $NOTIFY_SOCKET: records every datagram."""

    def __init__(self, path):
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(path)
        self.sock.setblocking(False)
        self.messages = []      # each a dict of the datagram's KEY=VALUE lines

    def read(self):
        while True:
            try:
                data = self.sock.recv(4096)
            except BlockingIOError:
                return
            self.messages.append(dict(line.split("=", 1) for line in data.decode().split("\n") if line))

    def statuses(self):
        self.read()
        return [m["STATUS"] for m in self.messages if "STATUS" in m]

    def wait_status(self, status, timeout=10):
        """Wait until the latest STATUS= is `status`; return how many were sent up to it."""
        wait_until(lambda: self.statuses() and self.statuses()[-1] == status, timeout,
                   what="STATUS=%s (got %s)" % (status, self.statuses()[-3:]))
        return len(self.statuses())


def notify_env(**kw):
    env = S.env(daemon=False, **kw)
    ns = NotifySocket(os.path.join(env.tmp, "notify"))
    env.environ["NOTIFY_SOCKET"] = ns.path
    env.start_daemon()
    return env, ns


def test_session_status():
    env, ns = notify_env()
    with env:
        a = env.addr[0]
        ns.wait_status("Idle, no massager connected")
        env.screen_ok()
        env.add_and_connect(a)
        ns.wait_status("Idle, 1 massager connected")

        # 62 s planned: "2 min left" (rounded up), then "1 min left" two
        # seconds of motor time later.
        env.start(a, duration=62)
        assert env.state(a)["running"]
        ns.wait_status("Session on %s, 2 min left" % a, 5)
        sent = ns.wait_status("Session on %s, 1 min left" % a, 10)
        assert env.state(a)["running"]
        # The session wakes the daemon every second; the text (and so a
        # datagram) changes only with the minute.
        env.stays(lambda: len(ns.statuses()) == sent, 3, "no STATUS= repeated within the minute")

        env.device(a, "Stop")
        ns.wait_status("Idle, 1 massager connected", 5)
        assert not env.state(a)["running"]
        assert env.sessions()[0]["end_reason"] == "user"

        seen = ns.statuses()
        log("STATUS= lines: %s" % seen)
        assert all(x != y for x, y in zip(seen, seen[1:])), "a STATUS= line sent twice in a row: %s" % seen
        assert seen.index("Session on %s, 2 min left" % a) < seen.index("Session on %s, 1 min left" % a)


def test_idle_sends_nothing():
    env, ns = notify_env()
    with env:
        a = env.addr[0]
        env.add_and_connect(a)
        sent = ns.wait_status("Idle, 1 massager connected")
        # Bus traffic that changes nothing sends nothing.
        for _ in range(20):
            env.prop(a, "State")
        env.stays(lambda: len(ns.statuses()) == sent, 1, "idle: no STATUS= without a change")


def test_sigterm_stopping():
    env, ns = notify_env()
    with env:
        a = env.addr[0]
        env.screen_ok()
        env.add_and_connect(a)
        env.start(a, duration=600)
        ns.wait_status("Session on %s, 10 min left" % a, 5)
        assert env.kill_daemon(signal.SIGTERM) == 0
        ns.read()
        last = ns.messages[-1]
        assert last.get("STOPPING") == "1" and last["STATUS"] == "Stopping every massager before exit", last
        assert not env.state(a)["running"]


S.run("STATUS= idle → session with minutes left, counting down by the minute → idle", test_session_status)
S.run("STATUS= idle: property reads send no new line", test_idle_sends_nothing)
S.run("STATUS= on SIGTERM: STOPPING=1 and what it does", test_sigterm_stopping)
S.exit()

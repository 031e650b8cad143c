#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""What massaged's sandbox lets a process do: run as ExecStart= of a copy of
the installed massaged.service (tests/vm/systemd-pre-init.sh), it prints a
JSON report on stdout. Each entry is "ok" or the errno name it got."""

import errno
import json
import mmap
import os
import socket

from gi.repository import Gio, GLib


def attempt(fn):
    try:
        r = fn()
        return "ok" if r is None else "ok: %s" % (r,)
    except OSError as e:
        return errno.errorcode.get(e.errno, str(e.errno))
    except Exception as e:  # noqa: BLE001 - report anything
        return "%s: %s" % (type(e).__name__, e)


def write(path):
    def f():
        with open(path, "w") as fh:
            fh.write("x")
        os.unlink(path)
    return f


def system_bus():
    bus = Gio.DBusConnection.new_for_address_sync(
        "unix:path=/run/dbus/system_bus_socket",
        Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT | Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION, None, None)
    reply = bus.call_sync("org.bluez", "/", "org.freedesktop.DBus.ObjectManager", "GetManagedObjects", None,
                          GLib.VariantType("(a{oa{sa{sv}}})"), Gio.DBusCallFlags.NONE, 10000, None)
    objects = reply.unpack()[0]
    return "ok: %d adapters" % sum(1 for i in objects.values() if "org.bluez.Adapter1" in i)


def cgroup_value(name):
    with open("/proc/self/cgroup") as f:
        path = f.read().strip().split("::", 1)[1]
    with open("/sys/fs/cgroup%s/%s" % (path, name)) as f:
        return f.read().strip()


home = os.path.expanduser("~")
state = (os.environ.get("STATE_DIRECTORY") or "").split(":")[0]
report = {
    "uid_map": open("/proc/self/uid_map").read().split(),
    "STATE_DIRECTORY": os.environ.get("STATE_DIRECTORY"),
    "CONFIGURATION_DIRECTORY": os.environ.get("CONFIGURATION_DIRECTORY"),
    "system_bus_bluez": attempt(system_bus),
    "socket_AF_INET": attempt(lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM).close()),
    "socket_AF_INET6": attempt(lambda: socket.socket(socket.AF_INET6, socket.SOCK_DGRAM).close()),
    "socket_AF_NETLINK": attempt(lambda: socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0).close()),
    "socket_AF_BLUETOOTH": attempt(lambda: socket.socket(31, socket.SOCK_RAW, 1).close()),
    "net_interfaces": [l.split(":")[0].strip() for l in open("/proc/net/dev").readlines()[2:]],
    "write_home": attempt(write(os.path.join(home, ".probe"))),
    "write_local_state": attempt(write(os.path.join(home, ".local", "state", ".probe"))),
    "write_state_directory": attempt(write(os.path.join(state, ".probe"))) if state else "unset",
    "write_etc": attempt(write("/etc/.probe")),
    "write_usr_local": attempt(write("/usr/local/.probe")),
    "write_tmp": attempt(write("/tmp/.probe")),
    "host_tmp_visible": os.path.exists("/tmp/massaged-vm-marker"),
    "dev_vhci_visible": os.path.exists("/dev/vhci"),
    "proc_1_visible": os.path.exists("/proc/1/status"),
    "proc_sys_visible": os.path.exists("/proc/sys/kernel"),
    "mmap_write_exec": attempt(lambda: mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE
                                                 | mmap.PROT_EXEC).close()),
    "setpriority": attempt(lambda: os.nice(1)),
    "cgroup_pids_max": attempt(lambda: cgroup_value("pids.max")),
    "cgroup_memory_max": attempt(lambda: cgroup_value("memory.max")),
}
for line in open("/proc/self/status"):
    k, _, v = line.partition(":")
    if k in ("NoNewPrivs", "Seccomp", "CapEff", "CapBnd"):
        report[k] = v.strip()
print(json.dumps(report, indent=1, sort_keys=True))

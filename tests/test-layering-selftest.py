#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""tests/test-layering.py can fail: it runs against a small fake tree in a
temporary directory, first clean (every rule passes), then once per rule with
one include that breaks it, and checks that exactly that rule fails and the
offending include is printed. Prints TAP."""

import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
CHECKER = os.path.join(HERE, "test-layering.py")

# A tree that follows every rule, with the one allowed cycle (bus <-> manager).
CLEAN = {
    "include/macro.h": "",
    "include/massager-protocol.h": "",
    "protocol/codec.c": '#include "massager-protocol.h"\n#include "config.h"\n',
    "daemon/base/log.h": '#include "macro.h"\n',
    "daemon/base/log.c": '#include "log.h"\n',
    "daemon/safety/ledger.h": '#include "base/log.h"\n',
    "daemon/safety/ledger-internal.h": '#include "ledger.h"\n',
    "daemon/safety/ledger.c": '#include "ledger-internal.h"\n#include "massager-protocol.h"\n',
    "daemon/bluez/bluez.h": '#include "base/log.h"\n',
    "daemon/bluez/bluez.c": '#include "bluez.h"\n',
    "daemon/bluez/bluez-call.h": "",
    "daemon/device.h": '#include "bluez/bluez.h"\n',
    "daemon/device.c": '#include "device.h"\n#include "safety/ledger.h"\n',
    "daemon/manager.h": '#include "device.h"\n',
    "daemon/manager.c": '#include "manager.h"\n#include "manager-bus.h"\n',
    "daemon/manager-bus.h": "",
    "daemon/manager-bus.c": '#include "manager-bus.h"\n#include "manager.h"\n',
    "client/ctl.c": '#include "massager-protocol.h"\n',
}

# (rule number in test-layering.py, what breaks it, files added or replaced, offending include)
BREAKS = [
    (1, "an include that resolves nowhere",
     {"client/ctl.c": '#include "nowhere.h"\n'}, '"nowhere.h"'),
    (2, "a cycle device <-> session",
     {"daemon/session.h": '#include "device.h"\n', "daemon/device.c": '#include "session.h"\n'}, '"session.h"'),
    (3, "daemon/safety/ reaching daemon/bluez/",
     {"daemon/safety/ledger.c": '#include "bluez/bluez.h"\n'}, '"bluez/bluez.h"'),
    (4, "daemon/bluez/ reaching a sibling folder",
     {"daemon/bluez/bluez.c": '#include "safety/ledger.h"\n'}, '"safety/ledger.h"'),
    (5, "daemon/base/ reaching daemon/bluez/",
     {"daemon/base/log.c": '#include "bluez/bluez-call.h"\n'}, '"bluez/bluez-call.h"'),
    (6, "protocol/ reaching daemon/base/",
     {"protocol/codec.c": '#include "base/log.h"\n'}, '"base/log.h"'),
    (7, "client/ reaching daemon/",
     {"client/ctl.c": '#include "../daemon/device.h"\n'}, '"../daemon/device.h"'),
    (8, "a module other than manager.c and *-bus.c including manager.h",
     {"daemon/idle.c": '#include "manager.h"\n'}, 'daemon/idle.c:1: #include "manager.h"'),
]


def make_tree(files):
    root = tempfile.mkdtemp(prefix="test-layering-")
    for path, text in files.items():
        os.makedirs(os.path.join(root, os.path.dirname(path)), exist_ok=True)
        with open(os.path.join(root, path), "w", encoding="utf-8") as f:
            f.write(text)
    return root


def run(files):
    root = make_tree(files)
    try:
        p = subprocess.run([sys.executable, CHECKER, "--root", root], capture_output=True, text=True,
                           env={k: v for k, v in os.environ.items() if k != "top_srcdir"})
    finally:
        shutil.rmtree(root)
    failed = {int(line.split()[2]) for line in p.stdout.splitlines() if line.startswith("not ok ")}
    return p.returncode, failed, p.stdout


def main():
    print(f"1..{1 + len(BREAKS)}")
    bad = False
    rc, failed, out = run(CLEAN)
    if rc == 0 and not failed:
        print("ok 1 - a clean fake tree passes every rule")
    else:
        bad = True
        print(f"not ok 1 - a clean fake tree fails (exit {rc}, rules {sorted(failed)})")
        print("".join(f"#   {line}\n" for line in out.splitlines()), end="")
    for n, (rule, what, change, offending) in enumerate(BREAKS, 2):
        rc, failed, out = run({**CLEAN, **change})
        if rc != 0 and failed == {rule} and offending in out:
            print(f"ok {n} - {what}: rule {rule} fails and names {offending}")
        else:
            bad = True
            print(f"not ok {n} - {what}: exit {rc}, failed rules {sorted(failed)} (want [{rule}]), "
                  f"{offending} {'printed' if offending in out else 'not printed'}")
            print("".join(f"#   {line}\n" for line in out.splitlines()), end="")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

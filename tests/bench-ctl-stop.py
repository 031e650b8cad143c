#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""doc/performance.md: `massagectl stop` as a whole process within 1.5x of a minimal
sd-bus one-shot client (tests/oneshot-stop) doing the same call against the
same daemon. Runs both alternately (N rounds, default 100) against
massaged + massager-sim on private buses and prints the medians and ratios.
Not part of `make check` (a benchmark): `make bench-ctl`.
"""

import os
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.environ.get("top_srcdir", "."), "tests", "lib"))
from massaged_env import MassagedEnv  # noqa: E402

BUILD = os.environ.get("top_builddir", ".")
ROUNDS = int(os.environ.get("BENCH_ROUNDS") or "100")


def main():
    with MassagedEnv() as env:
        a = env.addr[0]
        env.screen_ok()
        env.add_and_connect(a)
        e = dict(env.environ)
        path = "/org/massaged1/device/" + a.replace(":", "_")
        cmds = {
            "oneshot-stop (floor)": [os.path.join(BUILD, "tests", "oneshot-stop"), path],
            "massagectl stop ADDRESS": [os.path.join(BUILD, "client", "massagectl"), "stop", a],
            "massagectl stop (device found)": [os.path.join(BUILD, "client", "massagectl"), "stop"],
        }
        times = {k: [] for k in cmds}
        for _ in range(ROUNDS):
            for name, argv in cmds.items():
                t = time.perf_counter()
                rc = subprocess.run(argv, env=e, stdout=subprocess.DEVNULL).returncode
                times[name].append((time.perf_counter() - t) * 1000)
                if rc != 0:
                    sys.exit("%s failed with %d" % (name, rc))
        floor = statistics.median(times["oneshot-stop (floor)"])
        worst = 0
        for name, t in times.items():
            ratio = statistics.median(t) / floor
            worst = max(worst, ratio)
            print("%-32s median %.2f ms  ratio %.2f" % (name, statistics.median(t), ratio))
        env.close()
        env.remove_files()
    print("target: <= 1.50 -> %s" % ("met" if worst <= 1.5 else "MISSED"))
    return 0 if worst <= 1.5 else 1


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""`make bench` (issue 9, doc/performance.md): massaged's latency, idle cost, memory,
start-up, ledger and scale, each figure printed beside its floor or peer
measured in the same run, as a ratio. A report, never a pass/fail test.

Floors are our own trivial sd-bus programs doing the same bus traffic with no
work (tests/bench/bench-echo.c), timed by the same C client
(tests/bench/bench-rtt.c); nothing is pinned (the machine is shared: pinning
would put the measured process and its peer on one core for one of them).
Everything runs on private dbus-daemons (tests/lib), simulator and daemon
without --verbose. BENCH_QUICK=1 shortens every phase (figures then noisier;
idle wakeups extrapolated to 60 s).

The last line is the machine-readable summary:
bench: stop_p50_ratio=R stop_p99_ratio=R idle_wakeups_60s=N rss_kb_1dev=N rss_kb_64dev=N startup_ms=N history_100k_ms=N
    stop_ir_ratio=R setint_p50_ratio=R startup_ratio=R timer_late_p99_ms=N add64_ratio=R
(timer_late_p99_ms: phase timers, the device's arrival times of a session's steps and end
against its plan; add64_ratio: phase scale, against tests/bench/bench-connect.c)
    private_kb_1dev=N private_kb_64dev=N pss_kb_1dev=N app_first_frame_ms=N app_first_frame_ratio=R app_pss_kb=N
    history_100k_dense_ms=N
(history_100k_ms: 100k sessions at 4 a day, the most the policy lets massaged write;
history_100k_dense_ms: the same count at 48 a day, a stress figure without a target)
"""

import functools
import glob
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

SRC = os.environ.get("top_srcdir", ".")
BUILD = os.environ.get("top_builddir", ".")
sys.path.insert(0, os.path.join(SRC, "tests", "lib"))

import massaged_env  # noqa: E402
import protocol  # noqa: E402
import sim as sim_module  # noqa: E402
from gi.repository import GLib  # noqa: E402
from massaged_env import BUS, DEVICE, HISTORY, MANAGER, MANAGER_PATH, MassagedEnv, build_path, device_path, wait_for  # noqa: E402,F401

QUICK = bool(os.environ.get("BENCH_QUICK"))
N = 2000 if QUICK else 10000             # calls per latency figure
IDLE_S = 10 if QUICK else 60             # idle window
SESSION_S = 5 if QUICK else 20           # window for wakeups during a session
LOAD_N = 1000 if QUICK else 5000         # Stop calls under load
THROUGHPUT_S = 2 if QUICK else 5
GROWTH_CALLS = 20000 if QUICK else 100000
STARTS = 3 if QUICK else 7
LEDGER_SESSIONS = 100000
QUERIES = 50 if QUICK else 200
PEER_RUNS = 5 if QUICK else 20
SCALE = 64
CALLGRIND_CALLS = 200 if QUICK else 1000

LEAF = "org.massaged1.BenchLeaf"
RELAY = "org.massaged1.BenchRelay"
BENCH_PATH = "/org/massaged1/bench"
BENCH_IFACE = "org.massaged1.Bench1"
PROPS = "org.freedesktop.DBus.Properties"
# Four sessions a day is the hard limit (doc/safety.md); the bench starts at most four per ledger.
CONF = "[Limits]\ndaily_sessions=4\n"
SESSION = dict(intensity=1, duration=600)

# The simulator without --verbose: a log line per GATT write would be charged to massaged.
massaged_env.Sim = functools.partial(sim_module.Sim, verbose=False)


def unit_environment():
    """The Environment= of the installed unit (systemd/massaged.service.in):
    the daemon is measured as users run it."""
    env = {}
    with open(os.path.join(SRC, "systemd", "massaged.service.in")) as f:
        for line in f:
            if line.startswith("Environment="):
                key, _, value = line[len("Environment="):].strip().partition("=")
                env[key] = value
    return env


UNIT_ENVIRONMENT = unit_environment()


def note(msg):
    print("# " + msg, file=sys.stderr, flush=True)


def bench_bin(name):
    return os.path.join(BUILD, "tests", "bench", name)


def kv(text):
    return {k: float(v) for k, v in re.findall(r"(\w+)=(-?[\d.]+)", text)}


def run_kv(argv, env=None, timeout=600):
    p = subprocess.run([str(a) for a in argv], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                       timeout=timeout)
    if p.returncode != 0:
        raise RuntimeError("%s failed (%d): %s" % (argv[0], p.returncode, p.stderr.strip()))
    return kv(p.stdout)


def rtt_argv(bus, dest, path, iface, method, sig="", args=(), n=N, warmup=100, seconds=None, raw=None):
    argv = [bench_bin("bench-rtt"), "--bus", bus, "--dest", dest, "--path", path, "--iface", iface,
            "--method", method, "-n", n, "--warmup", warmup]
    if raw:
        argv += ["--raw", raw]
    if sig:
        argv += ["--signature", sig]
    if seconds:
        argv += ["--seconds", seconds]
    return [str(a) for a in argv + list(args)]


def rtt(*a, **kw):
    return run_kv(rtt_argv(*a, **kw))


def percentiles(path):
    with open(path) as f:
        v = sorted(float(x) for x in f)
    return {"n": len(v), "p50_us": v[len(v) // 2], "p99_us": v[min(len(v) - 1, len(v) * 99 // 100)],
            "max_us": v[-1]}


def paired(tmp, ours, floor, n=N, chunks=10):
    """n calls of ours and of the floor, in alternating chunks (ours first in
    every other pair), pooled: a machine that drifts (other engineers'
    compiles) weighs on both alike. ours/floor: fn(n=, warmup=, raw=) → argv."""
    files = [os.path.join(tmp, "lat-ours"), os.path.join(tmp, "lat-floor")]
    for f in files:
        if os.path.exists(f):
            os.unlink(f)
    for i in range(chunks):
        pair = [(ours, files[0]), (floor, files[1])]
        for fn, raw in (pair if i % 2 == 0 else pair[::-1]):
            run_kv(fn(n=n // chunks, warmup=20, raw=raw))
    return percentiles(files[0]), percentiles(files[1])


def task_status(pid):
    """Context switches summed over the process's threads, and VmRSS."""
    switches = 0
    for status in glob.glob("/proc/%d/task/*/status" % pid):
        with open(status) as f:
            text = f.read()
        switches += sum(int(v) for v in re.findall(r"^(?:non)?voluntary_ctxt_switches:\s+(\d+)", text, re.M))
    with open("/proc/%d/status" % pid) as f:
        rss = int(re.search(r"^VmRSS:\s+(\d+)", f.read(), re.M).group(1))
    return switches, rss


def rollup(pid):
    """Pss and private dirty memory (kB): what the process costs beyond shared library pages."""
    with open("/proc/%d/smaps_rollup" % pid) as f:
        text = f.read()
    return {k: int(v) for k, v in re.findall(r"^(Pss|Private_Dirty):\s+(\d+)", text, re.M)}


def ctxt(pid):
    return task_status(pid)[0]


def rss_kb(pid):
    return task_status(pid)[1]


def cpu_s(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class World(MassagedEnv):
    """MassagedEnv with a quiet daemon and the floor services beside it.
    The daemon is started by the caller (start_daemon), never by __init__."""

    def __init__(self, **kw):
        kw["daemon"] = False
        super().__init__(**kw)

    def daemon_argv(self):
        return [build_path("daemon", "massaged"), "--bluez-bus", self.system.address, "--api-bus",
                self.user.address, "--db", self.db, "--config", self.config]

    def start_daemon(self, extra=(), prefix=(), timeout=10):
        env = dict(self.environ, **UNIT_ENVIRONMENT)
        self.daemon = self.user.spawn(list(prefix) + self.daemon_argv() + list(extra), name="massaged",
                                      env=env, wrap=False)
        self.user.wait_for_name(BUS, timeout, proc=self.daemon)
        return self.daemon

    def stop_daemon(self):
        self.daemon.terminate()
        self.daemon.wait(15)
        wait_for(lambda: not self.user.has_owner(BUS), 5, what="org.massaged1 released")

    def start_floor(self, relay_prefix=()):
        self.leaf = self.system.spawn([bench_bin("bench-echo"), "--serve", self.system.address, "--name", LEAF],
                                      wrap=False)
        self.system.wait_for_name(LEAF, 10, proc=self.leaf)
        self.relay = self.user.spawn(list(relay_prefix) + [
            bench_bin("bench-echo"), "--serve", self.user.address, "--name", RELAY,
            "--forward", self.system.address, "--to", LEAF], wrap=False)
        self.user.wait_for_name(RELAY, 60, proc=self.relay)

    def stop_argv(self, address, **kw):
        return rtt_argv(self.user.address, BUS, device_path(address), DEVICE, "Stop", **kw)

    def floor_argv(self, method="Stop", **kw):
        return rtt_argv(self.user.address, RELAY, BENCH_PATH, BENCH_IFACE, method, **kw)

    def get_argv(self, address, **kw):
        return rtt_argv(self.user.address, BUS, device_path(address), PROPS, "Get", "ss",
                        (DEVICE, "ConnectionState"), **kw)

    def running(self, address, want):
        self.sim.wait_state(address, lambda s: s["running"] == want, 10, what="%s running=%s" % (address, want))


class Report:
    def __init__(self):
        self.rows = []
        self.summary = {}

    def row(self, section, figure, ours, floor=None, floor_name="", unit="", fmt="%.1f"):
        def f(v):
            return "n/a" if v is None else (fmt % v) + (" " + unit if unit else "")
        ratio = "%.2f" % (ours / floor) if ours is not None and floor else ""
        self.rows.append((section, figure, f(ours), ("%s: %s" % (floor_name, f(floor))) if floor_name else "", ratio))
        print("# %-10s %-52s %-14s %-36s %s" % self.rows[-1], file=sys.stderr, flush=True)

    def table(self):
        out = ["| area | figure | massaged | floor / peer (same run) | ratio |", "|---|---|---|---|---|"]
        out += ["| %s | %s | %s | %s | %s |" % r for r in self.rows]
        return "\n".join(out)


def machine():
    def first(argv):
        try:
            return subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True).stdout \
                .strip().splitlines()[0]
        except (OSError, IndexError):
            return "?"
    with open("/proc/cpuinfo") as f:
        model = re.search(r"^model name\s*:\s*(.*)$", f.read(), re.M)
    return [
        "cpu: %s, %d cores online (unpinned: every process may run on any core)"
        % (model.group(1) if model else "?", os.cpu_count()),
        "kernel: %s %s; %s" % (platform.system(), platform.release(), first(["dbus-daemon", "--version"])),
        "libsystemd %s, sqlite %s, python %s" % (first(["pkg-config", "--modversion", "libsystemd"]),
                                                 first(["pkg-config", "--modversion", "sqlite3"]),
                                                 platform.python_version()),
        "build: CC=%s CFLAGS=%s %s %s" % (os.environ.get("CC", "?"), os.environ.get("CFLAGS", "?"),
                                          os.environ.get("WARN_CFLAGS", "").strip() and "-Wall … -Werror" or "",
                                          os.environ.get("SANITIZER_CFLAGS", "")),
        "mode: %s" % ("BENCH_QUICK (short windows, noisier)" if QUICK else "full"),
    ]


# -- 1–5: latency, load, throughput, session wakeups, memory growth ----------
def latency(rep):
    with World(devices=3, config=CONF) as w:
        a0, a1, a2 = w.addr
        w.start_daemon()
        w.screen_ok()
        for a in w.addr:
            w.add_and_connect(a)
        w.start_floor()
        pid = w.daemon.pid

        note("Stop() round trips against the echo relay, interleaved (%d calls each)" % N)
        d, f = paired(w.tmp, functools.partial(w.stop_argv, a2), w.floor_argv)
        bare = run_kv(w.floor_argv("Echo"))
        for key in ("p50_us", "p99_us", "max_us"):
            rep.row("latency", "Stop() %s, %d calls (idle device)" % (key[:-3], N), d[key], f[key],
                    "echo relay, same hops", "µs")
        rep.row("latency", "bare round trip through the user bus p50 (info)", bare["p50_us"], unit="µs")
        rep.summary["stop_p50_ratio"] = "%.2f" % (d["p50_us"] / f["p50_us"])
        rep.summary["stop_p99_ratio"] = "%.2f" % (d["p99_us"] / f["p99_us"])

        note("SetIntensity() round trips in a running session")
        w.start(a0, **SESSION)
        w.running(a0, True)
        s, f3 = paired(w.tmp, functools.partial(rtt_argv, w.user.address, BUS, device_path(a0), DEVICE,
                                                "SetIntensity", "y", (1,)), w.floor_argv)
        assert w.state(a0)["running"] and w.state(a0)["intensity"] == 1, w.state(a0)
        for key in ("p50_us", "p99_us", "max_us"):
            rep.row("latency", "SetIntensity(1) %s, %d calls" % (key[:-3], N), s[key], f3[key],
                    "echo relay, same hops", "µs")
        rep.summary["setint_p50_ratio"] = "%.2f" % (s["p50_us"] / f3["p50_us"])

        note("wakeups during a session (%d s)" % SESSION_S)
        c0, t0 = ctxt(pid), time.monotonic()
        time.sleep(SESSION_S)           # a measurement window, not a wait for an event
        per_s = (ctxt(pid) - c0) / (time.monotonic() - t0)
        rep.row("idle", "wakeups/s during a session (ctxt switches)", per_s, fmt="%.2f")

        note("Stop() under load: SetIntensity on %s and property reads on %s hammered meanwhile" % (a0, a1))
        loaders = [w.user.spawn(rtt_argv(w.user.address, BUS, device_path(a0), DEVICE, "SetIntensity", "y", (1,),
                                         seconds=3600), name="load-set", wrap=False),
                   w.user.spawn(w.get_argv(a1, seconds=3600), name="load-get", wrap=False)]
        try:
            dl, fl = paired(w.tmp, functools.partial(w.stop_argv, a2), w.floor_argv, n=LOAD_N)
        finally:
            for p in loaders:
                w.user.kill(p)
        for key in ("p50_us", "p99_us"):
            rep.row("load", "Stop() %s under load, %d calls" % (key[:-3], LOAD_N), dl[key], fl[key],
                    "echo relay under the same load", "µs")

        note("throughput: calls per second of one core (daemon CPU time)")
        for label, argvs, proc in (
                ("massaged: property Get, 2 clients", [w.get_argv(a1, seconds=THROUGHPUT_S)] * 2, w.daemon),
                ("echo relay: Echo, 2 clients", [w.floor_argv("Echo", seconds=THROUGHPUT_S)] * 2, w.relay),
                ("massaged: Stop(), 2 clients", [w.stop_argv(a2, seconds=THROUGHPUT_S)] * 2, w.daemon),
                ("echo relay: Stop (same hops), 2 clients", [w.floor_argv(seconds=THROUGHPUT_S)] * 2, w.relay)):
            cpu0 = cpu_s(proc.pid)
            procs = [subprocess.Popen(a, stdout=subprocess.PIPE, text=True) for a in argvs]
            calls = sum(kv(p.communicate()[0])["n"] for p in procs)
            used = cpu_s(proc.pid) - cpu0
            rep.summary.setdefault("_tp", {})[label] = calls / used if used else None
        tp = rep.summary.pop("_tp")
        rep.row("throughput", "Get calls per CPU-second of massaged", tp["massaged: property Get, 2 clients"],
                tp["echo relay: Echo, 2 clients"], "Echo per CPU-s of bench-echo", "/s", "%.0f")
        rep.row("throughput", "Stop calls per CPU-second of massaged", tp["massaged: Stop(), 2 clients"],
                tp["echo relay: Stop (same hops), 2 clients"], "relay Stop per CPU-s", "/s", "%.0f")

        note("memory growth over %d API calls" % GROWTH_CALLS)
        r0 = rss_kb(pid)
        run_kv(w.get_argv(a1, n=GROWTH_CALLS // 2, warmup=0))
        r_half = rss_kb(pid)
        run_kv(w.get_argv(a1, n=GROWTH_CALLS // 2, warmup=0))
        r1 = rss_kb(pid)
        rep.row("memory", "RSS before → after %d Get calls (3 devices, 1 session)" % GROWTH_CALLS, r1, r0,
                "before", "kB", "%.0f")
        rep.row("memory", "RSS growth over the second half of those calls", r1 - r_half, unit="kB", fmt="%+.0f")

        w.device(a0, "Stop")
        w.running(a0, False)

        peer(rep, w)


# -- 9: the peer, whole processes ---------------------------------------------
def whole_process(argv, env):
    r = run_kv([bench_bin("bench-exec")] + argv, env=env)
    if r["status"] != 0:
        raise RuntimeError("%s exited with %d" % (argv[0], r["status"]))
    return r["wall_ms"], r["maxrss_kb"]


def peer(rep, w):
    note("one-shot stop as a whole process: C sd-bus floor, massagectl, python3 + Gio against BlueZ (%d runs)"
         % PEER_RUNS)
    a = w.addr[2]
    env = dict(w.environ)
    env["DBUS_SYSTEM_BUS_ADDRESS"] = w.system.address   # the peer talks to "bluetoothd" directly
    hexframe = protocol.stop(7).hex()
    cmds = {
        "oneshot": [os.path.join(BUILD, "tests", "oneshot-stop"), device_path(a)],
        "massagectl": [os.path.join(BUILD, "client", "massagectl"), "stop", a],
        "python-gio": [os.environ.get("TEST_PYTHON", "/usr/bin/python3"),
                       os.path.join(SRC, "tests", "bench", "peer-gio-write.py"), a, hexframe],
    }
    res = {k: [] for k in cmds}
    for _ in range(PEER_RUNS + 1):                      # the first round warms the caches, not counted
        for k, argv in cmds.items():
            res[k].append(whole_process(argv, env))
    med = {k: (statistics.median(x[0] for x in v[1:]), statistics.median(x[1] for x in v[1:]))
           for k, v in res.items()}
    rep.row("peer", "`massagectl stop ADDR` whole process (median)", med["massagectl"][0], med["oneshot"][0],
            "minimal sd-bus one-shot", "ms", "%.2f")
    rep.row("peer", "python3+Gio GATT WriteValue script (median)", med["python-gio"][0], med["oneshot"][0],
            "minimal sd-bus one-shot", "ms", "%.2f")
    rep.row("peer", "`massagectl stop` peak RSS", med["massagectl"][1], med["oneshot"][1], "one-shot", "kB", "%.0f")
    rep.row("peer", "python3+Gio script peak RSS", med["python-gio"][1], med["oneshot"][1], "one-shot", "kB", "%.0f")


# -- 4, 5, 6: idle, memory, start-up ------------------------------------------
def idle_and_startup(rep):
    note("idle: no device and one connected idle device, %d s side by side" % IDLE_S)
    with World(devices=0) as none, World(devices=1) as one:
        none.start_daemon()
        rss_start = rss_kb(none.daemon.pid)
        one.start_daemon()
        one.add_and_connect(one.addr[0])
        none.start_floor()
        # Let the connection's reads and notification set-up finish: a window
        # that opens mid-handshake would count it as idle cost.
        time.sleep(2)
        rss_1 = rss_kb(one.daemon.pid)
        roll_1, roll_floor = rollup(one.daemon.pid), rollup(none.leaf.pid)
        procs = {"none": none.daemon.pid, "one": one.daemon.pid, "floor": none.leaf.pid}
        before = {k: ctxt(p) for k, p in procs.items()}
        t0 = time.monotonic()
        time.sleep(IDLE_S)              # the measurement window
        scale = 60.0 / (time.monotonic() - t0)
        woke = {k: (ctxt(p) - before[k]) * scale for k, p in procs.items()}
        rep.row("idle", "wakeups in 60 s, no device", woke["none"], woke["floor"], "idle sd-bus service", fmt="%.0f")
        rep.row("idle", "wakeups in 60 s, one connected idle device", woke["one"], woke["floor"],
                "idle sd-bus service", fmt="%.0f")
        rep.summary["idle_wakeups_60s"] = "%d" % round(max(woke["none"], woke["one"]))
        floor_rss = rss_kb(none.leaf.pid)
        rep.row("memory", "RSS after start (no device)", rss_start, floor_rss, "idle sd-bus service", "kB", "%.0f")
        rep.row("memory", "RSS with 1 connected device", rss_1, floor_rss, "idle sd-bus service", "kB", "%.0f")
        rep.row("memory", "  of which Pss (shared library pages split)", roll_1["Pss"], roll_floor["Pss"],
                "idle sd-bus service", "kB", "%.0f")
        rep.row("memory", "  of which private dirty (heap, data)", roll_1["Private_Dirty"], roll_floor["Private_Dirty"],
                "idle sd-bus service", "kB", "%.0f")
        rep.summary["rss_kb_1dev"] = "%d" % rss_1
        rep.summary["pss_kb_1dev"] = "%d" % roll_1["Pss"]
        rep.summary["private_kb_1dev"] = "%d" % roll_1["Private_Dirty"]

        note("start-up: exec → name owned → first known device ready (%d starts each)" % STARTS)
        one.stop_daemon()
        a = one.addr[0]
        ours, floor, link = [], [], []

        def disconnect():
            if one.state(a)["connected"]:
                bluez_device(one, a, "Disconnect")
                one.sim.wait_state(a, lambda s: not s["connected"], 10)
        for _ in range(STARTS):
            # The floor of "first device ready": a bare BlueZ client connecting
            # the same simulated device and waiting for its services.
            disconnect()
            t0 = time.monotonic()
            bluez_device(one, a, "Connect")
            wait_for(lambda: bluez_device(one, a, "Get", ("org.bluez.Device1", "ServicesResolved")), 10,
                     interval=0.002)
            link.append((time.monotonic() - t0) * 1000)
            # Each start from a disconnected device, as after a login.
            disconnect()
            ours.append(run_kv([bench_bin("bench-startup"), "--bus", one.user.address, "--name", BUS, "--ready",
                                "--"] + one.daemon_argv(), env=dict(one.environ, **UNIT_ENVIRONMENT)))
            floor.append(run_kv([bench_bin("bench-startup"), "--bus", one.user.address, "--name", "org.massaged1.Floor",
                                 "--", bench_bin("bench-echo"), "--serve", one.user.address, "--name",
                                 "org.massaged1.Floor"]))
        med = {k: statistics.median(r[k] for r in ours) for k in ("name_ms", "ready_ms", "maxrss_kb")}
        fmed = {k: statistics.median(r[k] for r in floor) for k in ("name_ms", "maxrss_kb")}
        rep.row("start-up", "exec → org.massaged1 owned (median)", med["name_ms"], fmed["name_ms"],
                "minimal sd-bus service", "ms", "%.2f")
        rep.row("start-up", "exec → first known device ready (median)", med["ready_ms"], statistics.median(link),
                "bare BlueZ client: Connect → ServicesResolved", "ms", "%.0f")
        rep.row("memory", "peak RSS over a start-up with 1 device", med["maxrss_kb"], fmed["maxrss_kb"],
                "minimal sd-bus service", "kB", "%.0f")
        rep.summary["startup_ms"] = "%.1f" % med["name_ms"]
        rep.summary["startup_ratio"] = "%.2f" % (med["name_ms"] / fmed["name_ms"])


def bluez_device(w, address, method, args=None):
    """A call on the simulated device's org.bluez.Device1 object (Properties.Get when method is "Get")."""
    iface = "org.freedesktop.DBus.Properties" if method == "Get" else "org.bluez.Device1"
    r = w.system.bus.call_sync("org.bluez", sim_module.device_path(address), iface, method,
                               GLib.Variant("(ss)", args) if args else None, None, 0, 10000, None)
    return r.unpack()[0] if method == "Get" else None


# -- 7: ledger ------------------------------------------------------------------
def ledger(rep):
    scratch = tempfile.mkdtemp(prefix="massaged-bench-", dir="/dev/shm" if os.path.isdir("/dev/shm") else None)
    try:
        with World(devices=0) as w:
            note("ledger: the cost of a session's writes, on disk (%s)" % w.tmp)
            cost = run_kv([bench_bin("bench-ledger"), os.path.join(w.tmp, "cost.db"), 500])
            rep.row("ledger", "a session's ledger writes (begin + end, durable), p50", cost["write_p50_us"] / 1000,
                    unit="ms", fmt="%.2f")
            rep.row("ledger", "file size per session (500 sessions)", cost["bytes_per_session"], unit="B", fmt="%.0f")
            note("ledger: %d sessions seeded through the ledger code (tmpfs), then queried through massaged"
                 % LEDGER_SESSIONS)
            big = os.path.join(scratch, "usage.db")
            seed = run_kv([bench_bin("bench-ledger"), big, LEDGER_SESSIONS])
            rep.row("ledger", "file size per session (%d sessions)" % LEDGER_SESSIONS, seed["bytes_per_session"],
                    unit="B", fmt="%.0f")
            w.start_floor()
            bare = run_kv(w.floor_argv("Echo", n=QUERIES))
            now = int(time.time() * 1e6)

            # 48 a day: twelve times what the policy lets anyone write (daily_sessions is 1–4 and
            # counts the rolling 24 h too, doc/safety.md). Kept as a stress figure beside the target's.
            worst = history_queries(rep, w, big, "48 a day, 12× the policy's most", bare, now)
            r = run_kv(rtt_argv(w.user.address, BUS, MANAGER_PATH, HISTORY, "GetSessions", "xx", (0, now), n=3,
                                warmup=0))
            rep.row("ledger", "GetSessions of all %d sessions (info), p50" % LEDGER_SESSIONS, r["p50_us"] / 1000,
                    unit="ms", fmt="%.0f")
            rep.summary["history_100k_dense_ms"] = "%.2f" % worst
            w.stop_daemon()

            # The same count at the densest ledger massaged can write (4 a day, every 6 h): the target's
            # figure (doc/performance.md, "History: which ledger the target is measured on").
            os.unlink(big)
            run_kv([bench_bin("bench-ledger"), big, LEDGER_SESSIONS, 360, 15])
            worst = history_queries(rep, w, big, "4 a day, the policy's most", bare, now)
            rep.summary["history_100k_ms"] = "%.2f" % worst
            w.stop_daemon()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def history_queries(rep, w, big, density, bare, now):
    """The History queries a desktop app makes, on the ledger file big (copied into w's
    state directory), through a daemon started on it; returns the slowest p50 (ms)."""
    for f in glob.glob(w.db + "*"):
        os.unlink(f)
    os.makedirs(os.path.dirname(w.db), exist_ok=True)
    for f in glob.glob(big + "*"):
        shutil.copy(f, os.path.dirname(w.db))
    w.start_daemon()
    day = 86400 * 10 ** 6
    worst = 0
    for label, method, sig, args in (
            ("GetSessions, last 7 days", "GetSessions", "xx", (now - 7 * day, now)),
            ("GetUsagePerDay, last 365 days", "GetUsagePerDay", "xx", (now - 365 * day, now)),
            ("Manager.GetUsageToday", "GetUsageToday", "", ())):
        iface = MANAGER if method == "GetUsageToday" else HISTORY
        r = run_kv(rtt_argv(w.user.address, BUS, MANAGER_PATH, iface, method, sig, args, n=QUERIES, warmup=5))
        worst = max(worst, r["p50_us"] / 1000)
        rep.row("ledger", "%s on %dk sessions %s, p50" % (label, LEDGER_SESSIONS // 1000, density),
                r["p50_us"] / 1000, bare["p50_us"] / 1000, "bare round trip", "ms", "%.2f")
    return worst


# -- timers: when the session's own timers really act, seen by the device --------
# One session: the policy allows one open session at a time and a rest after
# it (doc/safety.md); 119 one-second steps give the p99 its ≥ 100 samples.
TIMER_SESSION_S = 60 if QUICK else 120
# A step a second, the patterns alternating so that the plan keeps every
# step (doc/configuration.md): SET_OUTPUT k is due k s after the start.
TICKS_PROGRAM = """[Program]
Name=bench-ticks
Description=A step a second, for the bench.
Repeat=true

[Step 1]
Seconds=1
Intensity=100
Pattern=steady

[Step 2]
Seconds=1
Intensity=100
Pattern=wave
"""


def timer_lateness(log, seconds):
    """Lateness (ms) of each plan step in one device's command log
    (massager-sim GetCommandLog): SET_OUTPUT k is due k s after the
    START_SESSION's arrival. The daemon counts from START's answer, a bus
    round trip later, so the figure errs on the late side. The end is not
    among them: the last lease ends with the plan, so the device stops by
    itself and the daemon's end timer only closes the row."""
    frames = [(t, bytes(b)) for t, b in log]
    starts = [i for i, (_, b) in enumerate(frames) if len(b) > 1 and b[1] == protocol.OP_START_SESSION]
    if not starts:
        raise RuntimeError("no START_SESSION in the command log")
    t0 = frames[starts[-1]][0]
    steps = [t for t, b in frames[starts[-1] + 1:] if len(b) > 1 and b[1] == protocol.OP_SET_OUTPUT]
    if len(steps) != seconds - 1:
        raise RuntimeError("expected %d SET_OUTPUT, the device got %d" % (seconds - 1, len(steps)))
    return [(t - t0 - k * 10 ** 6) / 1000 for k, t in enumerate(steps, 1)]


def timers(rep):
    note("timers: a session of %d s with a step a second; step arrivals at the device" % TIMER_SESSION_S)
    with World(devices=1, config=CONF) as w:
        programs = os.path.join(w.environ["XDG_CONFIG_HOME"], "massaged", "programs")
        with open(os.path.join(programs, "bench-ticks.program"), "w") as f:
            f.write(TICKS_PROGRAM)
        w.start_daemon()
        w.screen_ok()
        for a in w.addr:
            w.add_and_connect(a)
        for a in w.addr:
            plan = w.start(a, program="bench-ticks", intensity=1, duration=TIMER_SESSION_S)
            assert plan["seconds"] == TIMER_SESSION_S, plan
        w.sim.wait_state(w.addr[0], lambda s: not s["running"], TIMER_SESSION_S + 30, what="the session's end")
        logs = {w.addr[0]: w.sim.call("GetCommandLog", "(s)", w.addr[0])}
        late = sorted(x for a in w.addr for x in timer_lateness(logs[a], TIMER_SESSION_S))
    p = {"p50": late[len(late) // 2], "p99": late[min(len(late) - 1, len(late) * 99 // 100)], "max": late[-1]}
    for key in ("p50", "p99", "max"):
        rep.row("timers", "session step lateness at the device %s, %d steps" % (key, len(late)), p[key],
                unit="ms", fmt="%.2f")
    rep.row("timers", "  earliest (negative: before the plan)", late[0], unit="ms", fmt="%.2f")
    rep.summary["timer_late_p99_ms"] = "%.2f" % p["p99"]


# -- 8: scale -------------------------------------------------------------------
def scale(rep):
    note("scale: %d simulated devices" % SCALE)
    with World(devices=SCALE, config=CONF) as w:
        # The floor first, while no daemon holds the links: a bare BlueZ
        # client connecting the same devices one after another.
        bare = run_kv([bench_bin("bench-connect"), "--bus", w.system.address] +
                      [sim_module.device_path(a) for a in w.addr])
        for a in w.addr:
            bluez_device(w, a, "Disconnect")
        for a in w.addr:
            w.sim.wait_state(a, lambda s: not s["connected"], 10, what="%s disconnected" % a)
        w.start_daemon()
        w.screen_ok()
        t0 = time.monotonic()
        for a in w.addr:
            wait_for(lambda: w.manager("AddDevice", "s", a), 30, what="AddDevice(%s)" % a)
        for a in w.addr:
            wait_for(lambda: w.prop(a, "ConnectionState") == "ready", 120, what="%s ready" % a)
        add_ms = (time.monotonic() - t0) * 1000
        rep.row("scale", "AddDevice ×%d → all ready" % SCALE, add_ms, bare["total_ms"],
                "bare BlueZ client, Connect → ServicesResolved in turn", "ms", "%.0f")
        rep.summary["add64_ratio"] = "%.2f" % (add_ms / bare["total_ms"])
        time.sleep(2)                   # as in idle_and_startup: past the last connection's set-up
        pid = w.daemon.pid
        rss = rss_kb(pid)
        rep.row("memory", "RSS with %d connected devices" % SCALE, rss, unit="kB", fmt="%.0f")
        rep.summary["rss_kb_64dev"] = "%d" % rss
        roll = rollup(pid)
        rep.row("memory", "  of which private dirty (heap, data)", roll["Private_Dirty"], unit="kB", fmt="%.0f")
        rep.summary["private_kb_64dev"] = "%d" % roll["Private_Dirty"]

        running, refusal = [], ""
        for a in w.addr:
            try:
                w.start(a, **SESSION)
                running.append(a)
            except GLib.Error as e:
                refusal = e.message
                break
        for a in running:
            w.running(a, True)
        rep.row("scale", "sessions running at once (the policy's daily cap refuses more)", len(running),
                fmt="%.0f")
        if refusal:
            note("session %d refused: %s" % (len(running) + 1, refusal))
        c0, cpu0, t0 = ctxt(pid), cpu_s(pid), time.monotonic()
        time.sleep(SESSION_S)           # the measurement window
        dt = time.monotonic() - t0
        rep.row("scale", "daemon CPU, %d connected, %d running" % (SCALE, len(running)),
                100 * (cpu_s(pid) - cpu0) / dt, unit="%", fmt="%.2f")
        rep.row("scale", "daemon wakeups/s, %d connected, %d running" % (SCALE, len(running)), (ctxt(pid) - c0) / dt,
                fmt="%.1f")
        w.start_floor()
        d, f = paired(w.tmp, functools.partial(w.stop_argv, w.addr[-1]), w.floor_argv, n=N // 5)
        for key in ("p50_us", "p99_us"):
            rep.row("scale", "Stop() %s with %d connected, %d running" % (key[:-3], SCALE, len(running)), d[key],
                    f[key], "echo relay, same hops", "µs")
        for a in running:
            w.device(a, "Stop")
        for a in running:
            w.running(a, False)


# -- callgrind: instructions per Stop(), stable across noisy runs ----------------
def callgrind_dump(pid, outdir):
    """Instructions since the previous dump (a dump zeroes the counters)."""
    for f in glob.glob(os.path.join(outdir, "cg.*")):
        os.unlink(f)
    subprocess.run(["callgrind_control", "-d", str(pid)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   check=True, timeout=120)
    total = 0
    for f in glob.glob(os.path.join(outdir, "cg.*")):
        with open(f) as fh:
            m = re.search(r"^totals:\s+(\d+)", fh.read(), re.M)
        total = max(total, int(m.group(1)) if m else 0)
    return total


def instructions(rep):
    if not shutil.which("valgrind") or not shutil.which("callgrind_control"):
        rep.row("callgrind", "instructions per Stop() (valgrind not installed)", None)
        return
    note("callgrind: instructions per Stop() in massaged and in the echo relay (%d calls)" % CALLGRIND_CALLS)
    with World(devices=1) as w:
        out = os.path.join(w.tmp, "cg")
        os.makedirs(out)
        prefix = ["valgrind", "--tool=callgrind", "--callgrind-out-file=%s/cg.%%p" % out]
        w.start_daemon(prefix=prefix, timeout=60)
        w.screen_ok()
        w.add_and_connect(w.addr[0], timeout=60)
        w.start_floor(relay_prefix=prefix)
        per = {}
        for name, pid, argv in (("massaged", w.daemon.pid, w.stop_argv(w.addr[0], n=CALLGRIND_CALLS, warmup=0)),
                                ("relay", w.relay.pid, w.floor_argv(n=CALLGRIND_CALLS, warmup=0))):
            callgrind_dump(pid, out)
            run_kv(argv)
            per[name] = callgrind_dump(pid, out) / CALLGRIND_CALLS
        rep.row("callgrind", "instructions per Stop() in the daemon process", per["massaged"], per["relay"],
                "echo relay (same messages)", "Ir", "%.0f")
        rep.summary["stop_ir_ratio"] = "%.2f" % (per["massaged"] / per["relay"])


def desktop_app(rep):
    """The desktop app: exec → first frame painted, and its memory once shown,
    against a bare libadwaita window (bench-gtk-window) in the same run, both
    under the same Xvfb with the cairo renderer."""
    app, floor = build_path("desktop", "massager"), bench_bin("bench-gtk-window")
    if not (os.access(app, os.X_OK) and os.access(floor, os.X_OK) and shutil.which("Xvfb")):
        note("desktop app: not built or no Xvfb; skipped")
        return
    r, w = os.pipe()
    # Its log is kept: the phase has lost its figures to GTK's "cannot open
    # display" in some full runs, never when run alone (doc/performance.md).
    xvfb_log = tempfile.NamedTemporaryFile(prefix="bench-xvfb-", suffix=".log", delete=False)
    xvfb = subprocess.Popen(["Xvfb", "-displayfd", str(w), "-screen", "0", "1024x768x24", "-nolisten", "tcp"],
                            pass_fds=(w,), stderr=xvfb_log)
    os.close(w)
    display = ":" + os.read(r, 64).decode().strip()
    os.close(r)
    try:
        with World(devices=1) as world:
            world.start_daemon()
            world.add_and_connect(world.addr[0])
            env = world.user.environ(DISPLAY=display, GSK_RENDERER="cairo", GTK_A11Y="none",
                                     G_MESSAGES_DEBUG="massager", NO_AT_BRIDGE="1")
            env.pop("G_DEBUG", None)

            def first_frame(argv, runs=5):
                times, mem = [], []
                for _ in range(runs):
                    t0 = time.monotonic()
                    p = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
                    painted, seen = None, []
                    for line in p.stdout:
                        seen.append(line)
                        m = re.search(r"first frame painted at (\d+) us", line)
                        if m:
                            painted = int(m.group(1)) / 1e6
                            break
                    time.sleep(1.0)     # settled: what it costs while shown (a sampling interval)
                    if p.poll() is not None:
                        # Seen in full runs, rarely alone: GTK's "cannot open display" (a
                        # strace of one failing run); say so instead of failing the phase.
                        with open(xvfb_log.name, errors="replace") as f:
                            xlog = f.read()[-800:].strip()
                        note("%s exited (status %s) before it was measured: %s\n# Xvfb %s (%s) said: %s"
                             % (argv[0], p.returncode, ("".join(seen) + p.stdout.read())[-500:].strip(), display,
                                "running" if xvfb.poll() is None else "exited %s" % xvfb.returncode, xlog or "nothing"))
                        continue
                    mem.append(rollup(p.pid))
                    p.terminate()
                    p.wait(10)
                    if painted:
                        times.append((painted - t0) * 1000)
                times.sort()
                if not mem:
                    raise RuntimeError("%s never stayed up to be measured" % argv[0])
                return (times[len(times) // 2] if times else None,
                        sorted(m.get("Pss", 0) for m in mem)[len(mem) // 2],
                        sorted(m.get("Private_Dirty", 0) for m in mem)[len(mem) // 2])

            ours = first_frame([app])
            bare = first_frame([floor])
    finally:
        xvfb.terminate()
        xvfb.wait(10)
        os.unlink(xvfb_log.name)
    rep.row("desktop", "app exec → first frame painted, p50 of 5", ours[0], bare[0], "bare libadwaita window", "ms")
    rep.row("desktop", "app Pss once shown", ours[1], bare[1], "bare libadwaita window", "kB", "%d")
    rep.row("desktop", "app private dirty once shown", ours[2], bare[2], "bare libadwaita window", "kB", "%d")
    if ours[0] and bare[0]:
        rep.summary["app_first_frame_ms"] = "%.0f" % ours[0]
        rep.summary["app_first_frame_ratio"] = "%.2f" % (ours[0] / bare[0])
    rep.summary["app_pss_kb"] = "%d" % ours[1]


def main():
    started = time.monotonic()
    rep = Report()
    for line in machine():
        print(line)
    phases = (latency, idle_and_startup, ledger, timers, scale, instructions, desktop_app)
    wanted = sys.argv[1:]               # e.g. `bench.py ledger`: only that phase (while working on it)
    for phase in phases:
        if wanted and phase.__name__ not in wanted:
            continue
        try:
            phase(rep)
        except Exception as e:          # a report: one broken phase leaves the others' figures
            note("%s failed: %s: %s" % (phase.__name__, type(e).__name__, e))
            rep.row(phase.__name__, "FAILED: %s" % str(e).splitlines()[0][:100], None)
    print()
    print(rep.table())
    print()
    print("elapsed: %.0f s" % (time.monotonic() - started))
    # Issue 9's fields first, then issue 18's, then the desktop app's; a
    # phase that did not run (or failed) leaves its fields "nan".
    keys = ["stop_p50_ratio", "stop_p99_ratio", "idle_wakeups_60s", "rss_kb_1dev", "rss_kb_64dev", "startup_ms",
            "history_100k_ms",
            "stop_ir_ratio", "setint_p50_ratio", "startup_ratio", "timer_late_p99_ms", "add64_ratio",
            "private_kb_1dev", "private_kb_64dev", "pss_kb_1dev",
            "app_first_frame_ms", "app_first_frame_ratio", "app_pss_kb", "history_100k_dense_ms"]
    print("bench: " + " ".join("%s=%s" % (k, rep.summary.get(k, "nan")) for k in keys))
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""`make screenshots`: every screen of the desktop app as a PNG in
doc/screenshots/ (the README shows them), taken from the real app against
massaged and massager-sim on private buses, under Xvfb, driven through the
accessibility tree like tests/desktop/test-desktop.py.

Usage (make does this): screenshots.py OUTDIR"""

import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.environ.get("top_srcdir", "."), "tests", "lib"))
from harness import build_path  # noqa: E402

if not os.environ.get("MASSAGER_TEST_UNDER_XVFB"):
    if not os.access(build_path("desktop", "massager"), os.X_OK):
        sys.exit("screenshots: the desktop app is not built (configure found no GTK 4/libadwaita)")
    for tool in ("xvfb-run", "dbus-run-session", "import", "convert"):
        if not shutil.which(tool):
            sys.exit("screenshots: %s is not installed (scripts/bootstrap-deps installs it)" % tool)
    env = dict(os.environ, MASSAGER_TEST_UNDER_XVFB="1", GIO_USE_VFS="local", GSETTINGS_BACKEND="memory")
    env.pop("G_DEBUG", None)
    os.execvpe("xvfb-run", ["xvfb-run", "-a", "-s", "-screen 0 1024x900x24 -nolisten tcp",
                            "dbus-run-session", "--", "/usr/bin/python3", os.path.abspath(__file__)] + sys.argv[1:],
               env)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from desktop_driver import App, predicate, seed_days  # noqa: E402
from massaged_env import MassagedEnv, wait_until  # noqa: E402

OUT = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "doc/screenshots")
os.makedirs(OUT, exist_ok=True)
taken = []


def shot(name, what):
    """The screen, trimmed to the window (no window manager: it sits at 0,0 on black)."""
    raw = os.path.join(OUT, name + ".raw.png")
    path = os.path.join(OUT, name + ".png")
    subprocess.run(["import", "-window", "root", raw], check=True)
    subprocess.run(["convert", raw, "-trim", "+repage", "-strip", path], check=True)
    os.unlink(raw)
    taken.append((name, what))
    print("screenshot: %s — %s" % (path, what), flush=True)


def settle(app, text):
    """Wait for a label to show (the frame after it is what we capture)."""
    wait_until(lambda: app.has_label(text), 10, what=repr(text))
    app.node.findChildren  # noqa: B018 (one more round trip: the frame is painted)


with MassagedEnv(devices=2) as env:
    first, second = env.addr
    env.add_and_connect(first)
    app = App(env)
    # Session page before the health screening: a start is refused and said why.
    settle(app, env.get("/org/massaged1", "org.massaged1.Manager", "StartAvailability")["message"])
    shot("session-refused", "Start refused before the health screening: the daemon's sentence, Start insensitive")
    app.show_page("Screening")
    questions = env.get("/org/massaged1", "org.massaged1.Manager", "ScreeningQuestions")
    sw = app.find(questions[1][1], "check box")
    sw.doActionNamed("toggle")
    settle(app, questions[1][2])
    shot("screening", "Screening: the daemon's questions; a \"yes\" explains itself and offers a clinician's clearance")
    sw.doActionNamed("toggle")
    app.show_page("Session")
    env.screen_ok()
    settle(app, "Ready")
    shot("session-ready", "Session page: program, intensity, heat and length; Start")
    # Device page with a scan going.
    app.show_page("Device")
    app.find("Scan", "push button").doActionNamed("click")
    wait_until(lambda: any(n.startswith("Add ") for n in [x.name for x in app.node.findChildren(
        __import__("dogtail.predicate", fromlist=["x"]).GenericPredicate(roleName="push button"))]), 10)
    shot("devices", "Device page: a connected massager with its battery, a nearby one to add")
    # A running session with heat: countdown, levels, the pad temperature chart.
    app.show_page("Session")
    app.set_spin("Heat", 2)
    app.set_spin("Minutes", 10)
    app.click("Start")
    env.sim.wait_state(first, lambda s: s["running"] and s["heater_on"], 10)
    t0 = env.sim.state(first)["temperature"]
    env.sim.wait_state(first, lambda s: s["temperature"] > t0 + 1.0, 40, what="the pad warming")
    shot("session-running", "A session running: plan, countdown, pattern, levels, the pad temperature chart")
    # Stop for a symptom; the rest rule then says until when.
    app.click("Stop: Dizziness")
    env.sim.wait_state(first, lambda s: not s["running"], 10)
    settle(app, "available again at")
    shot("session-rest", "After a symptom stop: the rest rule with 'available at', the cap's advice")
    app.show_page("History")
    settle(app, "stopped: dizziness")
    shot("history", "History: minutes per day against the daily cap; sessions with their reason and diary")
    app.show_page("Limits")
    settle(app, "daily_sessions ·")
    shot("limits", "Limits: each with its default, hard limit and source, editable within range")
    app.close()


def chart_says(app, text):
    """Wait for the usage chart's description to hold text (then it is drawn)."""
    wait_until(lambda: any(text in (n.description or "") for n in app.node.findChildren(
        predicate.GenericPredicate(name="Minutes per day"))), 10, what="the chart: %r" % text)
    settle(app, "completed")


# A month of use behind it: the chart's day labels and scale, week and month.
with MassagedEnv(daemon=False) as env:
    seed_days(env, {1: 20, 2: 35, 3: 50, 4: 10, 6: 15, 9: 40, 13: 25, 20: 30, 27: 45})
    env.start_daemon()
    app = App(env)
    app.show_page("History")
    chart_says(app, "in 7 days")
    shot("history-week", "History, a seeded week: each bar named by its weekday, the cap and the tallest day labelled")
    app.find("Month").doActionNamed("click")
    chart_says(app, "in 30 days")
    shot("history-month", "History, a seeded month: every few bars named by the day of the month, today always")
    app.close()

with open(os.path.join(OUT, "README.md"), "w") as f:
    f.write("<!-- Written by `make screenshots` (tests/desktop/screenshots.py); do not edit. -->\n")
    f.write("# Screenshots of the desktop app\n\n")
    for name, what in taken:
        f.write("* `%s.png`: %s\n" % (name, what))

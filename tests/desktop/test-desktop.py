#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The desktop app (desktop/), driven as a person uses it: through the
accessibility tree (dogtail over AT-SPI) under Xvfb, against massaged and
massager-sim on private buses, checking the simulator's true state.

The test re-runs itself as `xvfb-run -a dbus-run-session -- python3 …`
(that order: the session bus, which hosts the AT-SPI bus, must inherit
DISPLAY, or dogtail's key presses do nothing). That session bus carries only
accessibility; the app talks to massaged on each scenario's private user bus
and is told the AT-SPI bus's address (AT_SPI_BUS_ADDRESS), so every scenario
gets a fresh daemon while the test keeps one accessibility bus.
Skips when the app was not built (configure found no GTK 4) or Xvfb/dogtail
are missing."""

import datetime
import os
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.environ.get("top_srcdir", "."), "tests", "lib"))
from harness import build_path  # noqa: E402

APP = build_path("desktop", "massager")


def skip(why):
    print("1..0 # SKIP %s" % why, flush=True)
    sys.exit(0)


if not os.environ.get("MASSAGER_TEST_UNDER_XVFB"):
    if not os.access(APP, os.X_OK):
        skip("the desktop app is not built (configure: no GTK 4/libadwaita)")
    for tool in ("xvfb-run", "dbus-run-session"):
        if not shutil.which(tool):
            skip("%s is not installed" % tool)
    try:
        subprocess.run(["/usr/bin/python3", "-c", "import dogtail"], check=True, capture_output=True)
    except (OSError, subprocess.CalledProcessError):
        skip("python3-dogtail is not installed")
    env = dict(os.environ, MASSAGER_TEST_UNDER_XVFB="1", GIO_USE_VFS="local", GSETTINGS_BACKEND="memory")
    env.pop("NO_AT_BRIDGE", None)
    # pyatspi warns about the a11y cache of apps that come and go: not fatal
    # here. The app itself runs with fatal criticals (see App).
    env.pop("G_DEBUG", None)
    os.execvpe("xvfb-run", ["xvfb-run", "-a", "-s", "-screen 0 1280x800x24 -nolisten tcp",
                            "dbus-run-session", "--", "/usr/bin/python3", os.path.abspath(__file__)], env)

# ---- under Xvfb, on the accessibility session bus --------------------------

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from desktop_driver import App, Notifications, predicate, rawinput, seed_days  # noqa: E402
from gi.repository import GLib  # noqa: E402
from massaged_env import Scenarios, log, wait_until  # noqa: E402

S = Scenarios()


def is_ready(env, address):
    try:
        return env.prop(address, "ConnectionState") == "ready"
    except GLib.Error:      # not exported yet (AddDevice still pairing; the daemon starting)
        return False


def test_devices_scan_add_forget():
    with S.env(devices=2) as env:
        first, second = env.addr
        env.add_and_connect(first)
        app = App(env)
        app.show_page("Device")
        # The known massager, its connection and battery as the daemon reports them.
        battery = env.prop(first, "Battery")
        wait_until(lambda: app.has_label("Connected · battery %d\u00a0%%" % battery), 10,
                   what="the first massager shown connected with its battery")
        # Scan, then add the second one: the daemon pairs and connects it.
        scan = app.find("Scan", "push button")     # GTK 4.8 reports a toggle button so
        scan.doActionNamed("click")
        wait_until(lambda: env.get("/org/massaged1", "org.massaged1.Manager", "Discovering"), 5,
                   what="discovery on in the daemon")
        app.click("Add %s" % second)
        wait_until(lambda: is_ready(env, second), 20, what="second massager ready")
        assert env.sim.state(second)["paired"] and env.sim.state(second)["connected"], env.sim.state(second)
        app.find("Disconnect %s" % second)
        # Forget it again: gone from the daemon and unpaired in the simulator.
        app.click("Forget %s" % second)
        wait_until(lambda: not env.sim.state(second)["paired"], 10, what="second massager unpaired")
        wait_until(lambda: not any(("Forget %s" % second) == n.name for n in app.node.findChildren(
            predicate.GenericPredicate(roleName="push button"))), 10, what="its row gone")
        app.close()


def stop_from_app(press):
    with S.env() as env:
        a = env.addr[0]
        env.screen_ok()
        env.add_and_connect(a)
        app = App(env)
        # A session started elsewhere (massagectl, another app) stops: motors and heater off.
        env.start(a, intensity=3, heat=1, duration=600)
        env.sim.wait_state(a, lambda s: s["running"] and s["heater_on"], 5, what="running with heat")
        press(app)
        st = env.sim.wait_state(a, lambda s: not s["running"], 5, what="motors off")
        assert not st["heater_on"], st
        wait_until(lambda: env.sessions() and not env.sessions()[0]["open"], 5, what="session row closed")
        assert env.sessions()[0]["end_reason"] == "stop_all", env.sessions()
        app.close()


def test_stop_button():
    stop_from_app(lambda app: app.click("Stop massage"))


def test_escape_stops():
    stop_from_app(lambda app: rawinput.pressKey("Escape"))


def test_desktop_action_stop_all():
    with S.env() as env:
        a = env.addr[0]
        env.screen_ok()
        env.add_and_connect(a)
        env.start(a, intensity=3, duration=600)
        env.sim.wait_state(a, lambda s: s["running"], 5, what="running")
        # The .desktop file's "Stop massage now": `massager --stop-all`, no window.
        r = subprocess.run([APP, "--stop-all"], env=env.user.environ(ASAN_OPTIONS="detect_leaks=0"), capture_output=True, timeout=30)
        assert r.returncode == 0, r
        st = env.sim.state(a)
        assert not st["running"] and not st["heater_on"], st
        # With massaged gone it says so and fails, never a false "stopped".
        env.kill_daemon()
        # (the bus stays; nothing owns org.massaged1 and no activation is set up on it)
        r = subprocess.run([APP, "--stop-all"], env=env.user.environ(ASAN_OPTIONS="detect_leaks=0"), capture_output=True, timeout=30)
        assert r.returncode == 1 and b"stop failed" in r.stderr, r


def test_refused_start_shows_the_daemons_sentence():
    with S.env() as env:
        a = env.addr[0]
        env.add_and_connect(a)          # no screening answered: Start is refused
        app = App(env)
        wait_until(lambda: app.row_subtitle("Massager") == "Ready", 10, what="the session page: Ready")
        # Before any press: StartAvailability's answer, the daemon's own sentence, Start insensitive.
        answer = env.get("/org/massaged1", "org.massaged1.Manager", "StartAvailability")
        assert not answer["allowed"] and answer["reason"] == "screening-required", answer
        wait_until(lambda: app.has_label(answer["message"]), 10, what="the daemon's sentence shown")
        start = app.find("Start", "push button")
        assert not start.sensitive, "Start must be insensitive while a start is refused"
        log("refusal shown: %s" % answer["message"])
        assert not env.sim.state(a)["running"] and not env.sessions(), env.sessions()
        app.close()


def test_session_with_heat_then_stop_for_dizziness():
    with S.env() as env:
        a = env.addr[0]
        env.screen_ok()
        env.add_and_connect(a)
        app = App(env)
        wait_until(lambda: app.row_subtitle("Massager") == "Ready", 10, what="the session page: Ready")
        app.set_spin("Intensity", 4)
        app.set_spin("Heat", 2)
        app.set_spin("Minutes", 10)
        app.click("Start")
        st = env.sim.wait_state(a, lambda s: s["running"] and s["heater_on"], 10, what="running with heat")
        assert st["heat_level"] == 2, st
        row = env.sessions()[0]
        assert row["planned_seconds"] == 600, row
        # Start's reply (API 2): the plan as the policy made it, shown.
        wait_until(lambda: any(n.startswith("10 min at up to 4, heat 2 for ") for n in app.labels()), 10,
                   what="the plan shown")
        # The countdown runs and the pad temperature rises, as the app shows them.
        first = wait_until(lambda: app.row_subtitle("Time left"), 10, what="a countdown")
        wait_until(lambda: app.row_subtitle("Time left") not in (None, first), 5, what="the countdown moving")
        t0 = float(wait_until(lambda: app.row_subtitle("Pad temperature"), 10).split()[0])
        wait_until(lambda: float(app.row_subtitle("Pad temperature").split()[0]) > t0 + 0.2, 30,
                   what="the pad temperature rising on screen")
        # Stop because of dizziness: one tap, motors and heater off, the reason recorded.
        notes = Notifications(env.api)
        app.click("Stop: Dizziness")
        st = env.sim.wait_state(a, lambda s: not s["running"], 5, what="motors off")
        assert not st["heater_on"], st
        wait_until(lambda: not env.sessions()[0]["open"], 5, what="row closed")
        assert env.sessions()[0]["end_reason"] == "dizziness", env.sessions()
        wait_until(lambda: app.row_subtitle("Massager") == "Ready", 10, what="back to Ready")
        # The daemon's follow-up advice (Manager.Advice), on the page and as a notification.
        advice = wait_until(lambda: notes.find("Advice"), 10, what="the advice notification")[0]
        assert "lowest third" in advice["body"], advice
        wait_until(lambda: app.has_label(advice["body"]), 10, what="the advice on the Session page")
        # The rest rule now: the daemon's sentence and "available at" its time, Start insensitive.
        answer = wait_until(lambda: (lambda a: a if not a["allowed"] else None)(
            env.get("/org/massaged1", "org.massaged1.Manager", "StartAvailability")), 10, what="a refusal")
        at = time.strftime("%H:%M", time.localtime(answer["available_at"] / 1e6))
        wait_until(lambda: app.has_label(answer["message"]) and app.has_label(at), 10,
                   what="the rest sentence with its time %s shown" % at)
        assert not app.find("Start", "push button").sensitive
        # History shows the session and why it ended, and minutes per day with the cap.
        app.show_page("History")
        wait_until(lambda: any("stopped: dizziness" in n for n in app.labels()), 10,
                   what="the session in the history, ended for dizziness")
        cap = env.manager("GetLimits")["daily_minutes"]
        desc = wait_until(lambda: [n.description for n in app.node.findChildren(
            predicate.GenericPredicate(name="Minutes per day")) if n.description], 10, what="the chart")
        assert "1 min in 7 days, daily cap %d min" % cap in desc[0], desc
        # The diary: pain before and after and a note, saved through SetNote.
        diary = [n for n in app.node.findChildren(predicate.GenericPredicate(roleName="push button"))
                 if n.name.startswith("Diary of ")][0]
        diary.doActionNamed("click")
        dialog = wait_until(lambda: [w for w in app.node.children if w.name == "Diary"], 10, what="the diary")[0]
        for name, value in (("Pain before", 6), ("Pain after", 3)):
            spin = dialog.findChildren(predicate.GenericPredicate(name=name, roleName="spin button"))[0]
            spin.value = value
        rawinput.typeText("felt dizzy after 30 s")     # the note has the focus
        dialog.findChildren(predicate.GenericPredicate(name="Save", roleName="push button"))[0].doActionNamed("click")
        wait_until(lambda: env.sessions()[0]["note"] == "felt dizzy after 30 s", 10, what="the note in the ledger")
        row = env.sessions()[0]
        assert row["pain_before"] == 6 and row["pain_after"] == 3, row
        wait_until(lambda: any("pain 6 → 3" in n for n in app.labels()), 10, what="the history row showing pain")
        app.close()


def chart_description(app):
    nodes = app.node.findChildren(predicate.GenericPredicate(name="Minutes per day"))
    return next((n.description for n in nodes if n.description), None)


def test_history_chart_names_its_days():
    seeded = {1: 20, 3: 50, 6: 15, 20: 30}     # days ago: minutes (the 20th only in the month)
    with S.env(daemon=False) as env:
        seed_days(env, seeded)
        env.start_daemon()
        app = App(env)
        app.show_page("History")
        cap = env.manager("GetLimits")["daily_minutes"]
        today = datetime.date.today()

        def day(d):     # the app runs in the C locale: "Mon 30 Nov"
            return "%s %d %s" % (d.strftime("%a"), d.day, d.strftime("%b"))

        def expected(days):
            shown = [m for ago, m in seeded.items() if ago < days]
            return "%d min in %d days, daily cap %d min, %d day(s) over it, from %s to %s" % (
                sum(shown), days, cap, sum(m > cap for m in shown),
                day(today - datetime.timedelta(days=days - 1)), day(today))

        week = expected(7)
        wait_until(lambda: chart_description(app) == week, 10,
                   what="the week's chart described as %r" % week)
        app.find("Month").doActionNamed("click")
        month = expected(30)
        wait_until(lambda: chart_description(app) == month, 10,
                   what="the month's chart described as %r" % month)
        app.close()


def test_limits_page():
    with S.env() as env:
        app = App(env)
        app.show_page("Limits")
        # Each limit: its key, default, hard limit and where its value comes from.
        def row_of(key):
            for item in app.node.findChildren(predicate.GenericPredicate(roleName="list item")):
                labels = [n.name for n in item.findChildren(predicate.GenericPredicate(roleName="label"))]
                if any(name.startswith(key + " ·") for name in labels):
                    return item
            return None
        item = wait_until(lambda: row_of("daily_sessions"), 10, what="the daily_sessions row")
        described = env.manager("DescribeLimits")["daily_sessions"]
        subtitle = [n.name for n in item.findChildren(predicate.GenericPredicate(roleName="label"))
                    if n.name.startswith("daily_sessions ·")][0]
        assert "default %d" % described["default"] in subtitle and "hard limit %d" % described["max"] in subtitle, \
            (subtitle, described)
        spin = item.findChildren(predicate.GenericPredicate(roleName="spin button"))[0]
        assert spin.value == described["value"] and spin.maxValue == described["max"], (spin.value, described)
        # Changed in the app: the daemon's limit follows, recorded as set through the API.
        spin.value = described["value"] - 1
        wait_until(lambda: env.manager("GetLimits")["daily_sessions"] == described["value"] - 1, 10,
                   what="the daemon's daily_sessions lowered")
        assert env.manager("DescribeLimits")["daily_sessions"]["source"] == "api"
        wait_until(lambda: row_of("daily_sessions") and "set here" in " ".join(
            n.name for n in row_of("daily_sessions").findChildren(predicate.GenericPredicate(roleName="label"))),
            10, what="the row saying it was set here")
        app.close()


def test_notification_stop_with_window_closed():
    with S.env() as env:
        a = env.addr[0]
        notes = Notifications(env.api)
        env.screen_ok()
        env.add_and_connect(a)
        app = App(env)
        # A session started elsewhere is announced, with a Stop button.
        env.start(a, intensity=3, heat=1, duration=600)
        running = wait_until(lambda: notes.find("Massage running"), 10, what="the running notification")[0]
        assert "Stop" in running["actions"].values(), running
        # The window closes; the app stays for the running session.
        app.node.children[0].doActionNamed("window.close")
        wait_until(lambda: not [w for w in app.node.children if w.name == "Massager"], 10, what="window closed")
        env.stays(lambda: app.proc.poll() is None and env.sim.state(a)["running"], 1,
                  "app alive and the session running with the window closed")
        # The notification's Stop: motors and heater off, the row closed as a user stop.
        notes.press(running, "Stop")
        st = env.sim.wait_state(a, lambda s: not s["running"], 5, what="motors off from the notification")
        assert not st["heater_on"], st
        wait_until(lambda: not env.sessions()[0]["open"], 5, what="row closed")
        assert env.sessions()[0]["end_reason"] == "user", env.sessions()
        ended = wait_until(lambda: notes.find("Massage stopped"), 10, what="the ended notification")[0]
        assert "min" in ended["body"], ended
        # Nothing left to do and no window: the app leaves by itself.
        wait_until(lambda: app.proc.poll() is not None, 10, what="the app exiting")
        assert app.proc.returncode == 0, app.proc.returncode


def test_safety_stop_notified():
    with S.env() as env:
        a = env.addr[0]
        notes = Notifications(env.api)
        env.screen_ok()
        env.add_and_connect(a)
        app = App(env)
        env.start(a, intensity=3, duration=600)
        wait_until(lambda: notes.find("Massage running"), 10, what="the running notification")
        # The link drops (the simulator takes the device out of range): a safety stop, said so.
        env.sim.call("SetInRange", "(sb)", a, False)
        note = wait_until(lambda: notes.find("Massage stopped for safety"), 20, what="the safety notification")[0]
        assert "connection" in note["body"], note
        app.close()


def test_screening_page():
    with S.env() as env:
        a = env.addr[0]
        env.add_and_connect(a)
        app = App(env)
        app.show_page("Screening")
        questions = env.get("/org/massaged1", "org.massaged1.Manager", "ScreeningQuestions")
        # The daemon's own questions, each with its switch (GTK 4.8 reports a switch as a check box).
        for key, question, help_text in questions:
            app.find(question, "check box")
        # A "yes" shows what it means, in the daemon's words, and offers the clearance.
        key, question, help_text = questions[1]
        sw = app.find(question, "check box")
        sw.doActionNamed("toggle")
        wait_until(lambda: app.has_label(help_text), 10, what="the help of the yes")
        app.find("A clinician has cleared me", "check box")
        app.click("Submit answers")
        # Recorded as answered: the yes stands without clearance, so starts are refused.
        answer = wait_until(lambda: (lambda v: v if v["reason"] == "screening-blocked" else None)(
            env.get("/org/massaged1", "org.massaged1.Manager", "StartAvailability")), 10, what="ClearanceRequired")
        app.show_page("Session")
        wait_until(lambda: app.has_label(answer["message"]), 10, what="the clearance sentence on the Session page")
        assert not app.find("Start", "push button").sensitive
        # Corrected to "no" (the earlier answer was a mistake): sessions may start, until a date.
        app.show_page("Screening")
        sw.doActionNamed("toggle")
        cs = app.find("Correct an earlier answer", "check box")
        cs.doActionNamed("toggle")
        app.click("Submit answers")
        wait_until(lambda: env.get("/org/massaged1", "org.massaged1.Manager", "StartAvailability")["allowed"], 10,
                   what="starts allowed after the correction")
        wait_until(lambda: app.has_label("Your answers hold until"), 10, what="until when the answers hold")
        app.show_page("Session")
        wait_until(lambda: app.find("Start", "push button").sensitive, 10, what="Start sensitive")
        assert not env.sim.state(a)["running"]
        app.close()


def test_daemon_restart():
    with S.env() as env:
        a = env.addr[0]
        env.add_and_connect(a)
        app = App(env)
        app.find("Disconnect %s" % a)
        env.kill_daemon()
        wait_until(lambda: app.has_label("massaged is not running"), 10, what="the app saying massaged is gone")
        env.start_daemon()
        wait_until(lambda: is_ready(env, a), 20, what="reconnected")
        app.find("Disconnect %s" % a, timeout=10)
        wait_until(lambda: not app.has_label("massaged is not running"), 10, what="the message gone")
        app.close()


for t in (test_devices_scan_add_forget, test_stop_button, test_escape_stops, test_desktop_action_stop_all,
          test_refused_start_shows_the_daemons_sentence, test_session_with_heat_then_stop_for_dizziness,
          test_history_chart_names_its_days,
          test_limits_page, test_notification_stop_with_window_closed, test_safety_stop_notified,
          test_screening_page, test_daemon_restart):
    S.run(t.__name__[5:].replace("_", " "), t)
S.exit()

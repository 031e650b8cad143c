#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""massaged speaks its user's language (doc/packaging.md, "Translations").

The daemon runs with LANGUAGE=de and the build tree's catalogs
($MASSAGED_LOCALEDIR=po/locale): a refusal's sentence (Start's error message,
CheckStart's and StartAvailability's `message`), the screening questions and
their help, and the limits' summaries are the German ones of the catalog,
while the error name, the `reason` code and every key stay the same. Without
LANGUAGE it is English. The expected sentences come from the built catalog
(Python's gettext reading po/locale/de/LC_MESSAGES/massaged.mo), never a copy.

LANG=C.UTF-8, not a German locale: glibc ignores LANGUAGE in the "C" locale
but not in C.UTF-8, so no system locale has to be installed."""

import gettext
import locale
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.environ.get("top_srcdir", "."), "tests", "lib"))
from massaged_env import MANAGER, MANAGER_PATH, START_TYPES, MassagedEnv, Scenarios, build_path, device_path, \
    wait_for  # noqa: E402
from gi.repository import GLib  # noqa: E402

S = Scenarios()
E = "org.massaged1.Error."
LOCALEDIR = build_path("po", "locale")

SCREENING = ("Health screening required before first use: answer the screening questions "
             "(massagectl screening).")
REST = "Rest required between sessions: %u more min (of %u); available again at %s."

try:
    locale.setlocale(locale.LC_MESSAGES, "C.UTF-8")
except locale.Error:
    print("1..0 # SKIP no C.UTF-8 locale")
    sys.exit(0)

DE = gettext.translation("massaged", localedir=LOCALEDIR, languages=["de"])


def german(msgid):
    text = DE.gettext(msgid)
    assert text != msgid, "po/de.po has no German for %r" % msgid
    return text


def pattern(fmt):
    """A printf format as a regular expression: %u a number, %s an HH:MM time."""
    out = ""
    for part in re.split(r"(%u|%s)", fmt):
        out += {"%u": r"(\d+)", "%s": r"(\d\d:\d\d)"}.get(part, re.escape(part))
    return re.compile(out)


def env_for(env, language):
    """The session's locale as a user service gets it: LANG, maybe LANGUAGE."""
    for k in ("LC_ALL", "LC_MESSAGES", "LANGUAGE"):
        env.environ.pop(k, None)
    env.environ["LANG"] = "C.UTF-8"
    env.environ["MASSAGED_LOCALEDIR"] = LOCALEDIR
    if language:
        env.environ["LANGUAGE"] = language


def check_start(env, a, **options):
    opts = {k: GLib.Variant(START_TYPES.get(k, "s"), v) for k, v in options.items()}
    return env.manager("CheckStart", "oa{sv}", device_path(a), opts)


def availability(env):
    return env.get(MANAGER_PATH, MANAGER, "StartAvailability")


def seed(env, *sessions):
    os.makedirs(os.path.dirname(env.db), exist_ok=True)
    subprocess.run([build_path("tests", "daemon", "ledger-seed"), env.db] + list(sessions), check=True,
                   env=env.environ)


def refusal(env, a, error, reason):
    """CheckStart, StartAvailability and Start agree on the error and the reason
    code; returns their three sentences."""
    ans = check_start(env, a)
    assert ans["allowed"] is False and ans["error"] == E + error and ans["reason"] == reason, ans
    avail = wait_for(lambda: availability(env)["reason"] == reason and availability(env), 5,
                     what="StartAvailability %s" % reason)
    assert avail["error"] == E + error, avail
    msg = env.expect_error(lambda: env.start(a), E + error)
    prefix = "GDBus.Error:%s%s: " % (E, error)        # how Gio shows a remote error's name
    assert msg.startswith(prefix), msg
    return ans["message"], avail["message"], msg[len(prefix):]


def test_screening_german():
    with S.env(daemon=False) as env:
        env_for(env, "de")
        env.start_daemon()
        a = env.addr[0]
        env.add_and_connect(a)
        want = german(SCREENING)
        for got in refusal(env, a, "ScreeningRequired", "screening-required"):
            assert got == want, "not the German sentence:\n%r\n%r" % (got, want)


def test_rest_german():
    with S.env(daemon=False) as env:
        env_for(env, "de")
        seed(env, "25:15")              # ended 10 min ago: 50 of the 60 min rest to go
        env.start_daemon()
        env.screen_ok()
        a = env.addr[0]
        env.add_and_connect(a)
        de, en = pattern(german(REST)), pattern(REST)
        for got in refusal(env, a, "RestRequired", "rest-required"):
            m = de.fullmatch(got)
            assert m, "not the German sentence: %r (%s)" % (got, de.pattern)
            assert int(m.group(2)) == 60 and 0 < int(m.group(1)) <= 60, got
            assert not en.fullmatch(got), got


def test_english_without_language():
    with S.env(daemon=False) as env:
        env_for(env, None)
        seed(env, "25:15")
        env.start_daemon()
        a = env.addr[0]
        env.add_and_connect(a)
        for got in refusal(env, a, "ScreeningRequired", "screening-required"):
            assert got == SCREENING, got
        env.screen_ok()
        for got in refusal(env, a, "RestRequired", "rest-required"):
            assert pattern(REST).fullmatch(got), got


def texts(language):
    """ScreeningQuestions and DescribeLimits' summaries of a daemon in `language`."""
    with MassagedEnv(daemon=False) as env:
        env_for(env, language)
        env.start_daemon()
        questions = env.get(MANAGER_PATH, MANAGER, "ScreeningQuestions")
        summaries = {k: v["summary"] for k, v in env.manager("DescribeLimits").items()}
    return questions, summaries


def test_texts_german():
    en_q, en_l = texts(None)
    de_q, de_l = texts("de")
    assert [q[0] for q in de_q] == [q[0] for q in en_q] and len(en_q) >= 8, (en_q, de_q)
    for (key, text, help_), (_, de_text, de_help) in zip(en_q, de_q):
        assert (de_text, de_help) == (german(text), german(help_)), key
    assert de_l.keys() == en_l.keys() and len(en_l) >= 15, (en_l, de_l)
    for key, summary in en_l.items():
        assert de_l[key] == german(summary), key


def api_errors(language):
    """Refusals of ordinary API misuse: a range too long for History, a change
    with no session, a note for a session that does not exist, a pain score
    out of range, an unknown Start option."""
    with S.env(daemon=False) as env:
        env_for(env, language)
        env.start_daemon()
        a = env.addr[0]
        env.add_and_connect(a)
        day = 86400 * 10 ** 6
        return [
            env.expect_error(lambda: env.history("GetUsagePerDay", "xx", 0, 400 * day),
                             "org.freedesktop.DBus.Error.InvalidArgs"),
            env.expect_error(lambda: env.device(a, "SetIntensity", "y", 3), E + "NotRunning"),
            env.expect_error(lambda: env.history("SetNote", "ta{sv}", 987654, {"note": GLib.Variant("s", "x")}),
                             "org.freedesktop.DBus.Error.InvalidArgs"),
            env.expect_error(lambda: env.history("SetNote", "ta{sv}", 1, {"pain_before": GLib.Variant("i", 11)}),
                             "org.freedesktop.DBus.Error.InvalidArgs"),
            env.expect_error(lambda: env.start(a, speed="fast"), "org.freedesktop.DBus.Error.InvalidArgs"),
        ], a


def test_api_errors_german():
    """The daemon's own error sentences (not only the policy's) come from the
    catalog; the error names stay the same."""
    en, a = api_errors(None)
    de, _ = api_errors("de")
    sentences = [("range too long: at most 366 days", ()),
                 ("%s is not running a session; Start() one first", (a,)),
                 ("no session with id %llu", (987654,)),
                 ("'%s' %d out of range 0–%d", ("pain_before", 11, 10)),
                 ("Unknown Start option '%s'; allowed: program (s), intensity (y), heat (y), duration (u), "
                  "tie_to_caller (b)", ("speed",))]
    assert len(en) == len(de) == len(sentences)
    for got_en, got_de, (msgid, values) in zip(en, de, sentences):
        english = msgid.replace("%llu", "%d") % values
        assert got_en.endswith(english), (got_en, english)
        want = german(msgid).replace("%llu", "%d") % values
        assert got_de.endswith(want) and want != english, (got_de, want)


S.run("LANGUAGE=de: the screening questions, their help and the limits' summaries in German, keys unchanged",
      test_texts_german)
S.run("LANGUAGE=de: ScreeningRequired in German from the catalog, name and reason unchanged", test_screening_german)
S.run("LANGUAGE=de: RestRequired after a seeded session in German, name and reason unchanged", test_rest_german)
S.run("no LANGUAGE: the same refusals in English", test_english_without_language)
S.run("LANGUAGE=de: the daemon's API errors (History range, no session, unknown note, bad arguments) in German", test_api_errors_german)
S.exit()

#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""client/ holds no copy of the daemon's texts (issue 16): the screening
questions and their help (daemon/safety/screening.c), the programs' Title= and
Description= (daemon/programs/*.program) and the limits' summaries
(daemon/safety/safety-limits.c) reach clients through the API only. A copy
drifts: the CLI once asked about "a blood clotting or cardiovascular disorder"
while the daemon's question also named blood thinners.

Each daemon text is cut into runs of five words; a client string literal that
holds one of them, or equals a short text, is a copy. A few phrases of the old
copies are checked too, so the test fails on them even if a daemon text changes.

Usage: test-client-no-texts.py [--root DIR]   (default: $top_srcdir, else ..)"""

import glob
import os
import re
import sys

LITERAL = re.compile(r'"((?:[^"\\\n]|\\.)*)"')
KNOWN_COPIES = [
    "blood clotting", "blood thinners", "arteries in your neck", "less sensitive than usual",
    "Does this apply to you", "implanted electronic device", "Are you pregnant",
    "alternating directions", "your own program", "sustained pressure", "below the skull",
    "long and slow", "slow holds", "Heat stays off because of reduced skin sensation",
]


def c_strings(text):
    """String literals, adjacent ones joined as the compiler does."""
    out, cur, end = [], None, None
    for m in LITERAL.finditer(text):
        if cur is not None and text[end:m.start()].strip() == "":
            cur += m.group(1)
        else:
            if cur is not None:
                out.append(cur)
            cur = m.group(1)
        end = m.end()
    if cur is not None:
        out.append(cur)
    return out


def words(s):
    return re.findall(r"[a-z0-9]+", s.lower())


def grams(s, n=5):
    w = words(s)
    return {" ".join(w[i:i + n]) for i in range(len(w) - n + 1)}


def daemon_texts(root):
    texts = []
    with open(os.path.join(root, "daemon", "safety", "screening.c")) as f:
        src = f.read()
    table = src[src.index("} questions[_SCREENING_QUESTION_MAX] = {"):]
    table = table[:table.index("};")]
    texts += [s for s in c_strings(table) if " " in s]     # the keys have no spaces
    with open(os.path.join(root, "daemon", "safety", "safety-limits.c")) as f:
        src = f.read()
    texts += [s for s in c_strings(src[:src.index("};")]) if " " in s]
    for path in sorted(glob.glob(os.path.join(root, "daemon", "programs", "*.program"))):
        with open(path) as f:
            for line in f:
                k, _, v = line.partition("=")
                if k.strip() in ("Title", "Description"):
                    texts.append(v.strip())
    return texts


def client_files(root):
    files = glob.glob(os.path.join(root, "client", "**", "*.[ch]"), recursive=True)
    return sorted(files + glob.glob(os.path.join(root, "client", "completion", "*")))


def main(argv):
    root = os.environ.get("top_srcdir", "..")
    if len(argv) > 2 and argv[1] == "--root":
        root = argv[2]
    texts = daemon_texts(root)
    checks = []
    # The extraction itself must find the texts, or the test would pass on nothing.
    want = ("blood thinners", "A yes blocks sessions", "Sustained pressure for 60 s", "sessions per day")
    missing = [w for w in want if not any(w in t for t in texts)]
    checks.append(("the daemon's texts are found (%d)" % len(texts), missing))

    all_grams = set().union(*(grams(t) for t in texts if len(words(t)) >= 5))
    # One-word texts are program titles like "Gentle": names, not sentences.
    short = {t.lower() for t in texts if 2 <= len(words(t)) < 5}
    copies, known = [], []
    for path in client_files(root):
        with open(path, encoding="utf-8") as f:
            src = f.read()
        rel = os.path.relpath(path, root)
        for s in c_strings(src) if path.endswith((".c", ".h")) else [src]:
            hit = sorted(grams(s) & all_grams)
            if hit or s.lower() in short:
                copies.append("%s: \"%s\" (%s)" % (rel, s, ", ".join(hit) or "a limit summary"))
        for phrase in KNOWN_COPIES:
            if phrase.lower() in src.lower():
                known.append("%s: \"%s\"" % (rel, phrase))
    checks.append(("client/ quotes none of the daemon's texts", copies))
    checks.append(("client/ holds none of the old copies' phrases", known))

    print("1..%d" % len(checks))
    failed = 0
    for i, (name, bad) in enumerate(checks, 1):
        print("%s %d - %s" % ("not ok" if bad else "ok", i, name))
        for b in bad:
            print("#   %s" % b)
        failed += bool(bad)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""doc/safety.md names the test that covers each rule. Keep it true: every
GTest path the document cites (with {a,b} alternatives and * wildcards) must
match a test that exists in the unit-test binaries. Prints TAP."""

import fnmatch
import os
import re
import subprocess
import sys

top_srcdir = os.environ.get("top_srcdir", os.path.join(os.path.dirname(__file__), ".."))
top_builddir = os.environ.get("top_builddir", ".")
BINARIES = ["test-policy", "test-safety-clock", "test-limits-conf", "test-program", "test-ledger",
            "test-ledger-figures-cache"]


def expand(pattern):
    m = re.search(r"\{([^{}]*)\}", pattern)
    if not m:
        return [pattern]
    out = []
    for alt in m.group(1).split(","):
        out += expand(pattern[:m.start()] + alt + pattern[m.end():])
    return out


def main():
    existing = set()
    for b in BINARIES:
        out = subprocess.run([os.path.join(top_builddir, "tests", b), "-l"], check=True,
                             capture_output=True, text=True).stdout
        existing |= {line.strip() for line in out.splitlines() if line.startswith("/")}

    with open(os.path.join(top_srcdir, "doc", "safety.md"), encoding="utf-8") as f:
        doc = f.read()
    cited = sorted(set(re.findall(r"`(/(?:policy|clock|ledger|program|conf|limits)/[^`\s]*)`", doc)))
    # A row may cite several paths in one backtick group separated by ", ".
    patterns = []
    for c in cited:
        patterns += expand(c)

    print(f"1..{len(patterns) + 1}")
    n = 1
    print(f"{'ok' if len(patterns) >= 40 else 'not ok'} {n} - doc/safety.md cites {len(patterns)} test paths")
    failed = len(patterns) < 40
    for p in patterns:
        n += 1
        hit = [t for t in existing if fnmatch.fnmatchcase(t, p)]
        if hit:
            print(f"ok {n} - {p} ({len(hit)} test{'s' if len(hit) > 1 else ''})")
        else:
            print(f"not ok {n} - {p}: no such test in {', '.join(BINARIES)}")
            failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

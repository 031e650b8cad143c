#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""catalog/massaged.catalog and the code agree: the file has journald's catalog
format (checked by our parser, and by journalctl --update-catalog on a
temporary root where journalctl exists), every MESSAGE_ID the daemon uses
(daemon/safety-event.c) has an entry and every entry is used, and the @FIELDS@
the texts name are fields the daemon sets. Prints TAP."""

import os
import re
import shutil
import subprocess
import sys
import tempfile

top_srcdir = os.environ.get("top_srcdir", os.path.join(os.path.dirname(__file__), ".."))
CATALOG = os.path.join(top_srcdir, "catalog", "massaged.catalog")
CODE = os.path.join(top_srcdir, "daemon", "safety-event.c")
HEADER = re.compile(r"^-- ([0-9a-f]{32})(?: ([a-z]{2}(?:_[A-Z]{2})?))?$")
KEY = re.compile(r"^([A-Z][A-Za-z-]*): (.+)$")
REQUIRED = ("Subject", "Defined-By")

n = 0
failed = 0


def ok(passed, name, diag=""):
    global n, failed
    n += 1
    print("%s %d - %s" % ("ok" if passed else "not ok", n, name))
    if not passed:
        failed += 1
        for line in str(diag).splitlines():
            print("# " + line)


def parse(text):
    """[(id, {header: value}, body)] and a list of format errors."""
    entries, errors = [], []
    cur = None
    for no, line in enumerate(text.splitlines(), 1):
        if line.startswith("-- "):
            m = HEADER.match(line)
            if not m:
                errors.append("line %d: bad entry header %r (want '-- ' and 32 lowercase hex digits)" % (no, line))
                cur = None
                continue
            cur = {"id": m.group(1), "headers": {}, "body": [], "in_body": False, "line": no}
            entries.append(cur)
        elif cur is None:
            if line.strip() and not line.startswith("#"):
                errors.append("line %d: text outside an entry: %r" % (no, line))
        elif not cur["in_body"]:
            if not line.strip():
                cur["in_body"] = True
                continue
            m = KEY.match(line)
            if not m:
                errors.append("line %d: header line %r is not 'Key: value'" % (no, line))
            else:
                cur["headers"][m.group(1)] = m.group(2)
        else:
            cur["body"].append(line)
    for e in entries:
        for key in REQUIRED:
            if key not in e["headers"]:
                errors.append("entry %s (line %d) lacks %s:" % (e["id"], e["line"], key))
        if not "".join(e["body"]).strip():
            errors.append("entry %s (line %d) has no text" % (e["id"], e["line"]))
    return entries, errors


with open(CATALOG, encoding="utf-8") as f:
    text = f.read()
with open(CODE, encoding="utf-8") as f:
    code = f.read()

entries, errors = parse(text)
ok(entries and not errors, "catalog parses: %d entries, each with Subject:, Defined-By: and a text" % len(entries),
   "\n".join(errors))

ids = [e["id"] for e in entries]
dups = sorted({i for i in ids if ids.count(i) > 1})
ok(not dups, "every MESSAGE_ID has one entry", "duplicates: %s" % dups)

used = re.findall(r'"([0-9a-f]{32})"', code)
ok(len(used) == len(set(used)) and len(used) > 0, "the daemon's %d MESSAGE_IDs are distinct" % len(used), used)
missing = sorted(set(used) - set(ids))
ok(not missing, "every MESSAGE_ID in daemon/safety-event.c has a catalog entry", "missing: %s" % missing)
unused = sorted(set(ids) - set(used))
ok(not unused, "every catalog entry is a MESSAGE_ID the daemon uses", "not in the code: %s" % unused)

fields_set = set(re.findall(r'"([A-Z_]+)=', code))
named = set(re.findall(r"@([A-Z0-9_]+)@", text))
ok(named <= fields_set, "the @FIELDS@ the texts name are set by the daemon (%s)" % ", ".join(sorted(named)),
   "never set: %s" % sorted(named - fields_set))

subjects = {e["id"]: e["headers"].get("Subject", "") for e in entries}
for needed in ("refusal", "thermal_trip"):
    m = re.search(r'"%s",\s*"([0-9a-f]{32})"' % needed, code)
    body = next(("\n".join(e["body"]) for e in entries if m and e["id"] == m.group(1)), "")
    ok(m and "What to do" in body and "Why" in body,
       "the %s entry explains what happened, why, and what to do" % needed, subjects)

journalctl = shutil.which("journalctl")
if not journalctl:
    print("ok %d # SKIP journalctl --update-catalog: journalctl is not installed" % (n + 1))
    n += 1
else:
    root = tempfile.mkdtemp(prefix="massaged-catalog-")
    try:
        d = os.path.join(root, "usr", "lib", "systemd", "catalog")
        os.makedirs(d)
        shutil.copy(CATALOG, d)
        upd = subprocess.run([journalctl, "--root", root, "--update-catalog"], capture_output=True, text=True)
        listed = subprocess.run([journalctl, "--root", root, "--list-catalog"], capture_output=True, text=True)
        got = {line.split()[0] for line in listed.stdout.splitlines() if line.strip()}
        ok(upd.returncode == 0 and not upd.stderr.strip() and got == set(ids),
           "journalctl --update-catalog takes it without a complaint and lists all %d entries" % len(ids),
           "rc %d\n%s\nlisted: %s" % (upd.returncode, upd.stderr, sorted(got)))
    finally:
        shutil.rmtree(root, ignore_errors=True)

print("1..%d" % n)
sys.exit(1 if failed else 0)

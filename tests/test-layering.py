#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The layers depend downward only (STYLE habit 1, issue 15): protocol/ <-
daemon/base/ <- daemon/safety/, daemon/bluez/ <- daemon/ <- nothing, and
client/ speaks only the public headers. Reads the quoted #include lines of
every .c/.h under daemon/ (with its folders), protocol/ and client/, resolves
each to a file of the tree and prints one TAP line per rule, naming every
include that breaks it. tests/test-layering-selftest.py shows each rule can
fail.

Usage: test-layering.py [--root DIR]   (default: $top_srcdir, else ..)"""

import os
import re
import sys

SCANNED = ("daemon", "protocol", "client")
LOWER_DAEMON_FOLDERS = ("safety/", "bluez/", "base/")
GENERATED = {"config.h"}
INCLUDE_RE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


class Include:
    def __init__(self, src, line, name, target):
        self.src = src          # the including file, relative to the root
        self.line = line        # its line number
        self.name = name        # what the quotes say
        self.target = target    # the file it resolves to (relative), or None

    def __str__(self):
        return f'{self.src}:{self.line}: #include "{self.name}"' + \
            (f" ({self.target})" if self.target and self.target != self.name else "")


def sources(root):
    for top in SCANNED:
        for d, dirs, files in os.walk(os.path.join(root, top)):
            dirs.sort()
            for f in sorted(files):
                if f.endswith((".c", ".h")):
                    yield os.path.relpath(os.path.join(d, f), root).replace(os.sep, "/")


def resolve(root, src, name):
    """Same folder first, then include/, then daemon/ for the lower folders'
    paths. Last, for a file under daemon/, daemon/ itself: massaged is built
    with -I daemon, which is how a lower folder can reach up by basename."""
    candidates = [os.path.join(os.path.dirname(src), name), os.path.join("include", name)]
    if name.startswith(LOWER_DAEMON_FOLDERS):
        candidates.append(os.path.join("daemon", name))
    if src.startswith("daemon/"):
        candidates.append(os.path.join("daemon", name))
    for c in candidates:
        if os.path.isfile(os.path.join(root, c)):
            return os.path.normpath(c).replace(os.sep, "/")
    return None


def scan(root):
    """Every quoted include of the scanned folders, config.h left out."""
    out = []
    for src in sources(root):
        with open(os.path.join(root, src), encoding="utf-8", errors="replace") as f:
            for n, text in enumerate(f, 1):
                m = INCLUDE_RE.match(text)
                if m and m.group(1) not in GENERATED:
                    out.append(Include(src, n, m.group(1), resolve(root, src, m.group(1))))
    return out


def folder(path):
    return os.path.dirname(path) + "/"


def module(path):
    """x.c, x.h and x-internal.h are one module: a cycle is between modules,
    not text files (x.c -> y.h and y.c -> x.h is a cycle)."""
    m = os.path.splitext(path)[0]
    return m[:-len("-internal")] if m.endswith("-internal") else m


def is_bus(path):
    return path.startswith("daemon/") and "/" not in path[len("daemon/"):] and \
        module(path).endswith("-bus")


def is_manager_h(path):
    return path == "daemon/manager.h"


def cycle_exempt(inc):
    """The bus vtables and the manager know each other by design: *-bus.c/h <-> manager.h."""
    a, b = inc.src, inc.target
    return (is_bus(a) and module(b) == "daemon/manager") or (module(a) == "daemon/manager" and is_bus(b))


def cycles(includes):
    """Includes that lie on a cycle of the module graph (Tarjan's SCCs)."""
    edges = {}
    for inc in includes:
        if inc.target and module(inc.src) != module(inc.target) and not cycle_exempt(inc):
            edges.setdefault(module(inc.src), set()).add(module(inc.target))
    index, low, on_stack, stack, sccs = {}, {}, set(), [], []

    def visit(v):
        # Iterative Tarjan: the graph is small, but recursion limits are not ours to tune.
        work = [(v, iter(sorted(edges.get(v, ()))))]
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        while work:
            node, it = work[-1]
            for w in it:
                if w not in index:
                    index[w] = low[w] = len(index)
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(sorted(edges.get(w, ())))))
                    break
                if w in on_stack:
                    low[node] = min(low[node], index[w])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    scc = set()
                    while True:
                        w = stack.pop()
                        on_stack.discard(w)
                        scc.add(w)
                        if w == node:
                            break
                    if len(scc) > 1:
                        sccs.append(scc)

    for v in sorted(edges):
        if v not in index:
            visit(v)
    bad = []
    for scc in sccs:
        bad += [inc for inc in includes if inc.target and not cycle_exempt(inc)
                and module(inc.src) in scc and module(inc.target) in scc
                and module(inc.src) != module(inc.target)]
    return bad


def allowed_manager_h_includer(src):
    return src == "daemon/manager.c" or (src.endswith("-bus.c") and is_bus(src))


def check(root):
    """[(rule, [offending Include])], in a fixed order."""
    includes = scan(root)
    res = [i for i in includes if i.target]

    def where(prefix):
        return [i for i in res if i.src.startswith(prefix)]

    rules = [
        ("every quoted include resolves to a file of the tree",
         [i for i in includes if not i.target]),
        ("no include cycle between modules (only *-bus.c/h <-> manager.h)",
         cycles(includes)),
        ("daemon/safety/ includes nothing of daemon/ but itself and daemon/base/",
         [i for i in where("daemon/safety/") if i.target.startswith("daemon/")
          and not i.target.startswith(("daemon/safety/", "daemon/base/"))]),
        ("daemon/bluez/ includes nothing of daemon/ but itself and daemon/base/",
         [i for i in where("daemon/bluez/") if i.target.startswith("daemon/")
          and not i.target.startswith(("daemon/bluez/", "daemon/base/"))]),
        ("daemon/base/ includes only itself and include/",
         [i for i in where("daemon/base/") if not i.target.startswith(("daemon/base/", "include/"))]),
        ("protocol/ includes only include/ (and itself)",
         [i for i in where("protocol/") if not i.target.startswith(("protocol/", "include/"))]),
        ("client/ includes nothing of daemon/",
         [i for i in where("client/") if i.target.startswith("daemon/")]),
        ("only daemon/manager.c and daemon/*-bus.c include manager.h",
         [i for i in res if is_manager_h(i.target) and not allowed_manager_h_includer(i.src)]),
    ]
    return rules


def main(argv):
    root = os.environ.get("top_srcdir", os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    if len(argv) == 3 and argv[1] == "--root":
        root = argv[2]
    elif len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    n_files = sum(1 for _ in sources(root))
    if n_files == 0:
        print("1..0 # SKIP no sources under " + root)
        return 0
    rules = check(root)
    print(f"1..{len(rules)}")
    failed = False
    for n, (rule, bad) in enumerate(rules, 1):
        if bad:
            failed = True
            print(f"not ok {n} - {rule}: {len(bad)} offending include{'s' if len(bad) != 1 else ''}")
            for inc in bad:
                print(f"#   {inc}")
        else:
            print(f"ok {n} - {rule}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# The desktop app's installed metadata as a distribution checks it: the
# .desktop file (desktop-file-validate), the AppStream metainfo (appstreamcli,
# offline), the icons (well-formed SVG, the symbolic one single-coloured), and
# that the .desktop file's "Stop massage now" action runs `massager --stop-all`.
set -u
src=${top_srcdir:-.}/desktop/data
n=0 failed=0
ok() { n=$((n + 1)); if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=1; fi; }
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }

if command -v desktop-file-validate >/dev/null; then
	out=$(desktop-file-validate "$src/org.massaged.Massager.desktop" 2>&1); ok $? "desktop-file-validate: clean"
	[ -z "$out" ] || echo "$out" | sed 's/^/# /'
else
	skip "desktop-file-validate" "desktop-file-utils not installed"
fi
if command -v appstreamcli >/dev/null; then
	out=$(appstreamcli validate --no-net "$src/org.massaged.Massager.metainfo.xml" 2>&1); ok $? "appstreamcli validate: clean"
	echo "$out" | sed 's/^/# /'
else
	skip "appstreamcli validate" "appstream not installed"
fi
grep -q '^Actions=stop-all;$' "$src/org.massaged.Massager.desktop" &&
	grep -q '^Exec=massager --stop-all$' "$src/org.massaged.Massager.desktop"
ok $? "the desktop action 'Stop massage now' runs massager --stop-all"
for svg in org.massaged.Massager.svg org.massaged.Massager-symbolic.svg; do
	/usr/bin/python3 -c "import sys, xml.dom.minidom as m; m.parse(sys.argv[1])" "$src/icons/$svg" 2>/dev/null
	ok $? "icon $svg is well-formed SVG"
done
colours=$(grep -o '#[0-9a-fA-F]\{6\}' "$src/icons/org.massaged.Massager-symbolic.svg" | sort -u | wc -l)
[ "$colours" -eq 1 ]; ok $? "the symbolic icon has one colour (the theme recolours it)"
echo "1..$n"
exit $failed

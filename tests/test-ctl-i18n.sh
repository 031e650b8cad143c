#!/bin/sh
# massagectl speaks the user's language from the build tree's catalogs:
# $MASSAGECTL_LOCALEDIR points it at po/locale/ (the layout bindtextdomain
# reads, built by po/local.mk; doc/packaging.md, "Translations"). Nothing
# here needs a bus: help and a usage error are marked sentences.
# LANGUAGE is ignored in the "C" locale, so the runs use C.UTF-8.
set -u
: "${top_builddir:?}"

ctl="$top_builddir/client/massagectl"
MASSAGECTL_LOCALEDIR="$top_builddir/po/locale"
export MASSAGECTL_LOCALEDIR
unset LC_MESSAGES LANG

if ! LC_ALL=C.UTF-8 true 2>/dev/null || [ "$(LC_ALL=C.UTF-8 locale charmap 2>/dev/null)" != UTF-8 ]; then
        echo "1..0 # SKIP no C.UTF-8 locale"
        exit 0
fi

n=0
fails=0
check() {       # description, expected substring, actual text
        n=$((n + 1))
        case "$3" in
        *"$2"*) echo "ok $n - $1" ;;
        *)      echo "not ok $n - $1: no '$2' in:"; printf '%s\n' "$3" | sed 's/^/#   /'
                fails=$((fails + 1)) ;;
        esac
}

echo "1..7"
out=$(LC_ALL=C.UTF-8 LANGUAGE=de "$ctl" help)
check "help in German: the heading" "Befehle:" "$out"
check "help in German: a verb's summary (N_() in the table)" "Eine Sitzung starten" "$out"
out=$(LC_ALL=C.UTF-8 LANGUAGE=de "$ctl" stop --help)
check "a verb's --help in German: its options" "alle Massagegeräte stoppen" "$out"
out=$(LC_ALL=C.UTF-8 LANGUAGE=de "$ctl" frobnicate 2>&1)
check "a usage error in German" "unbekannter Befehl »frobnicate«" "$out"
out=$(LC_ALL=C.UTF-8 LANGUAGE=de "$ctl" --json frobnicate 2>/dev/null)
check "--json keeps its keys and class in English" '"class":"usage"' "$out"
out=$(LC_ALL=C.UTF-8 "$ctl" frobnicate 2>&1)
check "no LANGUAGE: English" "unknown command 'frobnicate'" "$out"
out=$(LC_ALL=C.UTF-8 LANGUAGE=en@quot "$ctl" frobnicate 2>&1)
check "en@quot (generated from the template): real quotation marks" "‘massagectl help’" "$out"
[ "$fails" -eq 0 ]

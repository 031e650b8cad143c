#!/bin/sh
# massagectl's bash completion, loaded in a real bash: commands, options,
# option values, and devices/programs asked of massagectl itself.
# First with the built massagectl and no daemon on the bus (the built-in
# fallback lists), then with a stand-in printing tables in massagectl's
# format (the real tables against the daemon are in test-ctl-integration.py).
set -u
: "${top_srcdir:?}" "${top_builddir:?}"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

mkdir "$tmp/bin"
cat > "$tmp/bin/massagectl" <<'EOS'
#!/bin/sh
case "$*" in
*devices*) printf 'ADDRESS            NAME    CONNECTION  STATE  BATTERY\nAA:BB:CC:DD:EE:01  Neck A  ready       idle   80 %%\nAA:BB:CC:DD:EE:02  Neck B  ready       idle   -\n' ;;
*programs*) printf 'PROGRAM  TITLE   LENGTH  HEAT  DESCRIPTION\ngentle   Gentle  6m, repeats  no    Slow waves\nmy-own   Mine    10m     yes   Mine\nStart one with '"'"'massagectl start --program NAME'"'"'.\n' ;;
*screening*) printf 'pacemaker                    Do you have a pacemaker?\n                             A yes blocks sessions.\npregnancy                    Are you pregnant?\n                             A yes blocks sessions.\n' ;;
*) exit 3 ;;
esac
EOS
chmod +x "$tmp/bin/massagectl"

cat > "$tmp/check.bash" <<'EOS'
. "$top_srcdir/client/completion/massagectl"
n=0
fails=0
comp() {
        COMP_WORDS=("$@")
        COMP_CWORD=$(($# - 1))
        COMP_LINE="$*"
        COMP_POINT=${#COMP_LINE}
        COMPREPLY=()
        _massagectl massagectl "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
        printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' ' | sed 's/ *$//'
}
expect() {  # expect NAME "EXPECTED (sorted, space separated)" WORDS...
        local name=$1 want=$2 got
        shift 2
        got=$(comp "$@")
        n=$((n + 1))
        if [ "$got" = "$want" ]; then
                echo "ok $n - $name"
        else
                echo "not ok $n - $name"
                echo "#   words: $*"
                echo "#   want:  '$want'"
                echo "#   got:   '$got'"
                fails=$((fails + 1))
        fi
}

echo "1..26"
# The built massagectl, nothing on the bus.
PATH="$top_builddir/client:$PATH"
expect "commands starting with s" "scan screening set start status stop" massagectl s
expect "all commands" "add connect devices disconnect forget help history limits monitor note pause programs resume scan screening set start status stop thermal usage version" massagectl ""
expect "global options" "--help --json --no-color --version" massagectl --
expect "start options" "--duration --heat --help --intensity --json --program --wait" massagectl start --
expect "stop options" "--all --help --json --reason" massagectl stop --
expect "stop reasons" "pain_rising" massagectl stop --reason pa
expect "heat levels" "0 1 2 3 4" massagectl start --heat ""
expect "intensities 1x" "1 10" massagectl start --intensity 1
expect "programs without daemon: built-ins" "gentle kneading migraine myofascial relax suboccipital trigger-point" massagectl start --program ""
expect "export formats" "csv json" massagectl history --export ""
expect "usage options" "--help --json --month --week" massagectl usage --
expect "screening options" "--all-no --answer --clearance --correction --help --json --list" massagectl screening --
expect "set what" "heat intensity" massagectl set ""
expect "limits action" "set" massagectl limits ""
expect "limit keys (fallback)" "daily_minutes daily_sessions" massagectl limits set daily_
expect "thermal actions" "ack reset-heat" massagectl thermal ""
expect "no devices without daemon" "" massagectl status ""
# A stand-in answering in massagectl's table format.
PATH="$tmp/bin:$PATH"
expect "devices from 'massagectl devices'" "AA:BB:CC:DD:EE:01 AA:BB:CC:DD:EE:02" massagectl status ""
expect "device after start options" "AA:BB:CC:DD:EE:02" massagectl start --heat 2 AA:BB:CC:DD:EE:02
expect "programs from 'massagectl programs'" "gentle my-own" massagectl start --program ""
expect "screening keys from 'screening --list', not its help lines" "pacemaker=no pacemaker=yes pregnancy=no pregnancy=yes" massagectl screening --answer ""
# zsh and fish: at least their syntax, where the shells are installed.
n=$((n + 1))
if command -v zsh >/dev/null; then
        if zsh -n "$top_srcdir/client/completion/_massagectl"; then echo "ok $n - zsh completion parses"
        else echo "not ok $n - zsh completion parses"; fails=$((fails + 1)); fi
else
        echo "ok $n - zsh completion parses # SKIP zsh not installed"
fi
n=$((n + 1))
if command -v fish >/dev/null; then
        if fish -n "$top_srcdir/client/completion/massagectl.fish"; then echo "ok $n - fish completion parses"
        else echo "not ok $n - fish completion parses"; fails=$((fails + 1)); fi
else
        echo "ok $n - fish completion parses # SKIP fish not installed"
fi
# fish can also be asked what it would complete.
fishcomp() {
        fish --no-config -c "source '$top_srcdir/client/completion/massagectl.fish'; complete -C '$1'" 2>/dev/null |
                cut -f1 | sort | tr '\n' ' ' | sed 's/ *$//'
}
fishexpect() {  # fishexpect NAME "EXPECTED" "COMMAND LINE"
        n=$((n + 1))
        if ! command -v fish >/dev/null; then
                echo "ok $n - $1 # SKIP fish not installed"
        elif [ "$(fishcomp "$3")" = "$2" ]; then
                echo "ok $n - $1"
        else
                echo "not ok $n - $1"
                echo "#   want: '$2'"
                echo "#   got:  '$(fishcomp "$3")'"
                fails=$((fails + 1))
        fi
}
fishexpect "fish: commands starting with sta" "start status" "massagectl sta"
fishexpect "fish: stop reasons" "burning_skin dizziness headache_flare numbness pain_rising tingling" "massagectl stop --reason "
fishexpect "fish: screening --c" "--clearance --correction" "massagectl screening --c"
[ $fails -eq 0 ]
EOS

export tmp top_srcdir top_builddir
DBUS_SESSION_BUS_ADDRESS="unix:path=$tmp/no-bus" exec bash --norc --noprofile "$tmp/check.bash"

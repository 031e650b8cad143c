#!/bin/bash
# scripts/demo against the build tree, non-interactively: it exits 0, every
# step's narration appears, no colour without a terminal, and nothing it
# started is left running or on disk; Ctrl-C (SIGINT) mid-demo cleans up too.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"     # make check runs .sh tests with $(SHELL)
set -u
: "${top_builddir:?run from make check}" "${top_srcdir:?run from make check}"
n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); echo "not ok $n - $1"; shift; for l in "$@"; do printf '%s\n' "$l" | sed 's/^/# /'; done; }
check() { local name=$1; shift; if "$@"; then ok "$name"; else not_ok "$name" "$(cat "$tmp/out" 2>/dev/null)"; fi; }

for tool in dbus-daemon dbus-send timeout; do
	if ! command -v $tool >/dev/null 2>&1; then
		echo "1..0 # SKIP $tool is not installed (scripts/bootstrap-deps installs it)"
		exit 0
	fi
done
tmp=$(mktemp -d) || exit 1
demo_pid=
trap '[ -n "$demo_pid" ] && kill -KILL "$demo_pid" 2>/dev/null; rm -rf "$tmp"' EXIT
mkdir "$tmp/t1" "$tmp/t2"
demo=$top_srcdir/scripts/demo

# Nothing the demo started is alive, and its temporary directory is gone.
all_gone() {
	local pidfile=$1 tmpdir=$2 p
	[ -s "$pidfile" ] || { echo "no pids recorded in $pidfile" >>"$tmp/out"; return 1; }
	while read -r p; do
		if kill -0 "$p" 2>/dev/null && ! grep -q '^Z' <(awk '{print $3}' "/proc/$p/stat" 2>/dev/null); then
			echo "still running: $p $(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)" >>"$tmp/out"
			return 1
		fi
	done <"$pidfile"
	if [ -n "$(ls -A "$tmpdir")" ]; then
		echo "left behind in TMPDIR: $(ls -A "$tmpdir")" >>"$tmp/out"
		return 1
	fi
}

echo "1..6"

# ---- a whole run ----------------------------------------------------------
start=$(date +%s)
TMPDIR=$tmp/t1 MASSAGED_DEMO_PIDFILE=$tmp/pids1 NO_COLOR= \
	timeout 120 bash "$demo" --build-dir "$top_builddir" --monitor-seconds 3 >"$tmp/out" 2>&1 </dev/null
rc=$?
took=$(( $(date +%s) - start ))
echo "# the demo ran in $took s (monitor 3 s)"
check "scripts/demo --build-dir exits 0 (took ${took} s)" test $rc -eq 0

steps=("[1] Look for massagers in range" "[2] Add the massager" "[3] Answer the health screening"
	"[4] Start the gentle program with heat" "[5] Watch it live for 3 s" "[6] Stop, telling massaged why"
	"[7] History" "[8] Usage over the last week" "[9] Try to start again right away: the rest rule refuses"
	"Done in ")
every_step() {
	local s
	for s in "${steps[@]}"; do
		grep -qF -- "$s" "$tmp/out" || { echo "missing narration: $s" >>"$tmp/out"; return 1; }
	done
	# And what each step should have shown, from massagectl itself.
	grep -q "C0:FF:EE:00:00:01  NeckPro" "$tmp/out" && grep -q "Added C0:FF:EE:00:00:01" "$tmp/out" &&
		grep -q "Temperature=" "$tmp/out" && grep -q "headache_flare" "$tmp/out" &&
		grep -q "Total .* min on 4 days" "$tmp/out" && grep -q "Rest required between sessions" "$tmp/out" &&
		grep -q "Refused (exit status 4)" "$tmp/out"
}
check "every step's narration and output appear" every_step
check "no colour escapes without a terminal" sh -c "! grep -q \"$(printf '\033')\" '$tmp/out'"
check "nothing the demo started is left running or on disk" all_gone "$tmp/pids1" "$tmp/t1"

# ---- Ctrl-C in the middle ---------------------------------------------------
# Job control puts the demo in its own process group (without it, a background
# job ignores SIGINT); Ctrl-C on a terminal signals that whole group.
set -m
TMPDIR=$tmp/t2 MASSAGED_DEMO_PIDFILE=$tmp/pids2 \
	bash "$demo" --build-dir "$top_builddir" --monitor-seconds 20 >"$tmp/out2" 2>&1 </dev/null &
demo_pid=$!
set +m
for _ in $(seq 600); do grep -qF "[5] Watch it live" "$tmp/out2" && break; sleep 0.1; done
interrupted=$(date +%s)
kill -INT -- "-$demo_pid"
for _ in $(seq 300); do kill -0 "$demo_pid" 2>/dev/null || break; sleep 0.1; done
wait "$demo_pid"
rc=$?
demo_pid=
took=$(( $(date +%s) - interrupted ))
cp "$tmp/out2" "$tmp/out"
check "Ctrl-C mid-demo (monitor of 20 s): exit status 130 within ${took} s, says it is stopping everything" sh -c \
	"[ $rc -eq 130 ] && [ $took -lt 10 ] && grep -q 'Interrupted: stopping everything' '$tmp/out2' && ! grep -qF '[9]' '$tmp/out2'"
check "Ctrl-C mid-demo: nothing left running or on disk" all_gone "$tmp/pids2" "$tmp/t2"
exit 0

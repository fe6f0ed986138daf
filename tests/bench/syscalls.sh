#!/usr/bin/env bash
#
# syscalls.sh: system calls per request, counted with strace -c -f over a
# fixed number of requests, for capsuled (Gemini 2 KB page, Gopher root
# menu and the same page's Gopher view) and for the servers it is held
# against (tlsceiling for Gemini, gopherfloor for Gopher).
#
#	tests/bench/syscalls.sh [-n N] [-b capsuled-binary]
#
# Each server runs alone (-j 1, one worker) with the access log on (a
# real deployment logs); strace follows the worker from before the
# first request to after the last, so accept-to-close of every request
# is counted, with the load generator's warm-up left out.  Prints one
# table per server: calls per request by system call, and the total.
# Loopback only; a run takes about half a minute.

set -euo pipefail

cd "$(dirname "$0")/../.."
TOP=$PWD
BIN=tests/bench
N=1000
CAPSULED=./capsuled
while getopts n:b: opt; do
	case $opt in
	n) N=$OPTARG ;;
	b) CAPSULED=$OPTARG ;;
	*) echo "usage: syscalls.sh [-n N] [-b binary]" >&2; exit 2 ;;
	esac
done

command -v strace >/dev/null || { echo "syscalls.sh: needs strace" >&2; exit 1; }
TMP=$(mktemp -d "${TMPDIR:-/tmp}/capsuled-sys.XXXXXX")
SPID=
cleanup() {
	[ -z "$SPID" ] || { kill "$SPID" 2>/dev/null; wait "$SPID" 2>/dev/null || true; }
	rm -rf "$TMP"
}
trap cleanup EXIT

make -s capsuled
flags="-std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -O2"
ssl=$(pkg-config --cflags --libs openssl)
# shellcheck disable=SC2086
[ -x $BIN/gembench ] || cc $flags -o $BIN/gembench $BIN/gembench.c $ssl
# shellcheck disable=SC2086
cc $flags -o $BIN/tlsceiling $BIN/tlsceiling.c $ssl
[ ! -f $BIN/gopherfloor.c ] || cc $flags -o $BIN/gopherfloor $BIN/gopherfloor.c

# shellcheck source=tests/bench/capsule.sh
. tests/bench/capsule.sh
mkdir -p "$TMP/capsule"
page_2k > "$TMP/capsule/index.gmi"
cp "$TMP/capsule/index.gmi" "$TMP/capsule/page.gmi"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -days 30 -subj /CN=localhost -addext subjectAltName=DNS:localhost \
    -keyout "$TMP/key.pem" -out "$TMP/cert.pem" 2>/dev/null
PORT=19985
GPORT=19086

wait_port() {	# wait_port PORT [-g]
	local i
	for i in $(seq 100); do
		$BIN/gembench ${2:-} -p "$1" -n 1 -w 1 -q >/dev/null 2>&1 &&
		    return 0
		sleep 0.1
	done
	echo "syscalls.sh: no server on $1" >&2
	exit 1
}

# count LABEL PID GEMBENCH-ARGS...: strace PID over N requests, then the
# table per request.
count() {
	local label=$1 pid=$2 out=$TMP/strace.out
	shift 2
	strace -c -f -q -o "$out" -p "$pid" &
	local st=$!
	sleep 0.5
	$BIN/gembench "$@" -c 4 -n "$N" -q >/dev/null
	sleep 0.3
	kill -INT "$st"
	wait "$st" 2>/dev/null || true
	awk -v n="$N" -v label="$label" '
		$1 ~ /^[0-9.]+$/ && NF >= 5 {
			calls = $4; name = $NF
			if (name == "total") next
			per[name] = calls / n; total += calls / n
		}
		END {
			printf "%s: %.1f system calls per request\n", label, total
			for (s in per)
				if (per[s] >= 0.05)
					printf "  %-16s %5.2f\n", s, per[s] | "sort -k2 -nr"
			close("sort -k2 -nr")
		}' "$out"
}

child_of() {	# child_of PID COMM: capsuled's child process named COMM
	local i p
	for i in $(seq 50); do
		for p in $(pgrep -P "$1"); do
			[ "$(cat /proc/"$p"/comm 2>/dev/null)" = "$2" ] &&
			    { echo "$p"; return 0; }
		done
		sleep 0.1
	done
	return 1
}

# capsuled, Gemini and Gopher, one worker, logging to a file.
printf 'log "%s/access.log"\n' "$TMP" > "$TMP/capsuled.conf"
"$CAPSULED" -c "$TMP/capsuled.conf" -r "$TMP/capsule" -H localhost \
    -l 127.0.0.1 -p $PORT -g $GPORT -C "$TMP/cert.pem" -K "$TMP/key.pem" \
    -j 1 >"$TMP/capsuled.out" 2>&1 &
SPID=$!
wait_port $PORT
W=$(child_of $SPID capsuled)
K=$(child_of $SPID capsuled-keys)
count "capsuled worker, Gemini /page.gmi" "$W" -p $PORT -u /page.gmi
count "capsuled key process, Gemini /page.gmi" "$K" -p $PORT -u /page.gmi
count "capsuled, Gopher root menu" "$W" -g -p $GPORT -u ""
count "capsuled, Gopher /page.gmi" "$W" -g -p $GPORT -u /page.gmi
kill $SPID; wait $SPID 2>/dev/null || true; SPID=

$BIN/tlsceiling -C "$TMP/cert.pem" -K "$TMP/key.pem" -l 127.0.0.1 \
    -p $PORT >/dev/null 2>&1 &
SPID=$!
wait_port $PORT
count "tlsceiling, 2 KB page" $SPID -p $PORT -u /page.gmi
kill $SPID; wait $SPID 2>/dev/null || true; SPID=

if [ -x $BIN/gopherfloor ]; then
	$BIN/gopherfloor -l 127.0.0.1 -p $GPORT -f "$TMP/capsule/index.gmi" \
	    >/dev/null 2>&1 &
	SPID=$!
	wait_port $GPORT -g
	count "gopherfloor" $SPID -g -p $GPORT -u ""
	kill $SPID; wait $SPID 2>/dev/null || true; SPID=
fi

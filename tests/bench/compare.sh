#!/usr/bin/env bash
#
# compare.sh: two capsuled binaries, in turn, on the 2 KB page.
#
#	tests/bench/compare.sh [-r runs] [-d secs] [-c conc] [-j jobs] OLD NEW
#
# For each of RUNS pairs: OLD, then NEW, each started afresh on CPU 0
# (with all its processes: the key process is counted too) and loaded
# by gembench on CPU 1 for SECS seconds at CONC connections, a new TLS
# 1.3 connection per request.  Prints each run's requests/s, latency and
# the server's CPU time per request (user + system of the whole process
# tree), each pair's NEW/OLD ratio of CPU per request, and the median of
# those ratios.  This host's speed drifts over minutes, so only runs
# next to each other compare.  Everything stays on 127.0.0.1.

set -euo pipefail

cd "$(dirname "$0")/../.."
TOP=$PWD
RUNS=6 DUR=5 CONC=64 JOBS=1
while getopts r:d:c:j: opt; do
	case $opt in
	r) RUNS=$OPTARG ;;
	d) DUR=$OPTARG ;;
	c) CONC=$OPTARG ;;
	j) JOBS=$OPTARG ;;
	*) echo "usage: compare.sh [-r runs] [-d secs] [-c conc]" \
	    "[-j jobs] OLD NEW" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 2 ] || { echo "usage: compare.sh [options] OLD NEW" >&2; exit 2; }
OLD=$(realpath "$1") NEW=$(realpath "$2")
PORT=${BENCH_PORT:-19965}
HZ=$(getconf CLK_TCK)
TMP=$(mktemp -d "${TMPDIR:-/tmp}/capsuled-compare.XXXXXX")
SPID=

stop_server() {
	[ -z "$SPID" ] || { kill "$SPID" 2>/dev/null; wait "$SPID" 2>/dev/null \
	    || true; }
	SPID=
}
trap 'stop_server; rm -rf "$TMP"' EXIT

# shellcheck source=tests/bench/capsule.sh
. tests/bench/capsule.sh
mkdir -p "$TMP/capsule"
page_2k > "$TMP/capsule/page.gmi"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -days 3650 -subj /CN=localhost -addext subjectAltName=DNS:localhost \
    -keyout "$TMP/key.pem" -out "$TMP/cert.pem" 2>/dev/null
[ -x tests/bench/gembench ] || ${CC:-cc} -std=c11 -D_GNU_SOURCE -O2 \
    -o tests/bench/gembench tests/bench/gembench.c \
    $(pkg-config --cflags --libs openssl)

gb() { taskset -c 1 "$TOP/tests/bench/gembench" -q -p "$PORT" "$@"; }

# CPU clock ticks of a process and all its descendants.
cpu_tree() {
	local pid=$1 kid t
	t=$(awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$pid/stat" \
	    2>/dev/null || true)
	t=${t:-0}
	for kid in $(cat /proc/"$pid"/task/*/children 2>/dev/null || true); do
		t=$((t + $(cpu_tree "$kid")))
	done
	echo "$t"
}

# run BINARY: one measured run; prints "rps p50 srvus".
run() {
	local c0 c1 line reqs
	taskset -c 0 "$1" -r "$TMP/capsule" -H localhost -l 127.0.0.1 \
	    -p "$PORT" -C "$TMP/cert.pem" -K "$TMP/key.pem" -j "$JOBS" \
	    > "$TMP/server.log" 2>&1 &
	SPID=$!
	for _ in $(seq 1 100); do
		gb -n 1 -w 1 > /dev/null 2>&1 && break
		sleep 0.1
	done
	gb -u /page.gmi -c "$CONC" -d 1 > /dev/null	# warm-up
	c0=$(cpu_tree "$SPID")
	line=$(gb -u /page.gmi -c "$CONC" -B 1024 -d "$DUR" | grep '^RESULT')
	c1=$(cpu_tree "$SPID")
	stop_server
	reqs=$(sed 's/.* reqs=\([0-9]*\).*/\1/' <<< "$line")
	awk -v d=$((c1 - c0)) -v hz="$HZ" -v r="$reqs" -v l="$line" 'BEGIN {
		match(l, /rps=[0-9.]+/); rps = substr(l, RSTART + 4, RLENGTH - 4)
		match(l, /p50=[0-9.]+/); p50 = substr(l, RSTART + 4, RLENGTH - 4)
		printf "%s %s %.1f\n", rps, p50, d * 1e6 / hz / r }'
}

echo "2 KB page, c=$CONC, -j $JOBS, ${DUR}s runs; OLD=$OLD NEW=$NEW"
printf '%-4s %10s %9s %9s   %10s %9s %9s   %s\n' pair "old rps" "old p50" \
    "old us" "new rps" "new p50" "new us" "new/old CPU"
: > "$TMP/ratios"
for i in $(seq 1 "$RUNS"); do
	read -r orps op50 ous <<< "$(run "$OLD")"
	read -r nrps np50 nus <<< "$(run "$NEW")"
	ratio=$(awk -v n="$nus" -v o="$ous" 'BEGIN { printf "%.3f", n / o }')
	echo "$ratio" >> "$TMP/ratios"
	printf '%-4s %10s %9s %9s   %10s %9s %9s   %s\n' "$i" "$orps" \
	    "$op50" "$ous" "$nrps" "$np50" "$nus" "$ratio"
done
sort -g "$TMP/ratios" | awk '{ v[NR] = $1 }
    END { printf "median new/old CPU per request: %s\n",
	v[int((NR + 1) / 2)] }'

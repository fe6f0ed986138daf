#!/usr/bin/env bash
#
# bench.sh: the `make bench` driver.  Builds gembench, tlsceiling and
# titanbench,
# makes a fixed capsule and an ECDSA P-256 certificate in a temporary
# directory, runs every scenario with the server pinned to CPU 0 and
# gembench to CPU 1, and prints a markdown table for BENCHMARKS.md.
#
# Environment (all optional):
#   SERVER_CMD       the server under test, run by bash with CAPSULE,
#                    CERT, KEY, PORT, GPORT, CONF and JOBS exported
#                    (default: ./capsuled -c "$CONF" -r "$CAPSULE"
#                    -H localhost -l 127.0.0.1 -p "$PORT" -g "$GPORT"
#                    -C "$CERT" -K "$KEY" -j "$JOBS"), so bench-peers can
#                    pass e.g. molly-brown's command line.  CONF is
#                    rewritten between scenarios: empty for the full
#                    handshakes, "tls-tickets 1" for resumption,
#                    "timeout 60" for the idle connections (capsuled's
#                    default 10 s timeout would drop them); JOBS is 1,
#                    or 2 for the per-worker spread and when one worker's
#                    connection cap (open-file limit) is below the idle
#                    count.
#   SERVER_NAME      label for the table (default: capsuled)
#   BENCH_QUICK=1    one run per scenario with small counts (make check)
#   BENCH_DURATION   seconds per run (default 5)
#   BENCH_RUNS       runs per scenario, the median is reported (default 3)
#   BENCH_PAIRS      pairs of runs in turn with a floor server (default 4)
#   BENCH_IDLE       idle TLS connections to hold (default 10000)
#   BENCH_SOURCES    source addresses for gembench -B (default 1024),
#                    so per-address caps see many clients, not one
#   BENCH_PORT, BENCH_GPORT, BENCH_CEIL_PORT   ports (19965, 19070, 19966)
#   BENCH_OUT        also write the table to this file
#   BENCH_ONLY       scenario groups to run, of: ceiling floor aes pages
#                    files gemlog gopher bigpage titan resumption spread
#                    idle dynamic (default all);
#                    with only "gopher", the server is awaited on GPORT
#                    (bench-peers runs gophernicus that way)
#
# Each run is bounded (-d seconds or -n requests, 10 s per request), so
# the full run takes about 6 minutes on 2 cores and BENCH_QUICK about 15 s.
# All traffic stays on 127.0.0.1.

set -euo pipefail

cd "$(dirname "$0")/../.."
TOP=$PWD
BIN=tests/bench

QUICK=${BENCH_QUICK:-0}
if [ "$QUICK" = 1 ]; then
	RUNS=1; PAIRS=1; IDLE=${BENCH_IDLE:-200}; HOLD=1
	TURN_CONCS="16"
	LOAD=(-n 200); BIGLOAD=(-n 4); SPEED=(-seconds 1 -bytes 16384)
	TITANLOAD=(-n 2)
	CONCS="1 64"
else
	DUR=${BENCH_DURATION:-5}
	RUNS=${BENCH_RUNS:-3}; IDLE=${BENCH_IDLE:-10000}; HOLD=3
	PAIRS=${BENCH_PAIRS:-4}; TURN_CONCS="16 64"
	LOAD=(-d "$DUR"); BIGLOAD=(-d "$DUR"); SPEED=(-seconds 2)
	TITANLOAD=(-n 10)
	CONCS="1 16 64 256"
fi
NAME=${SERVER_NAME:-capsuled}
SOURCES=${BENCH_SOURCES:-1024}
export PORT=${BENCH_PORT:-19965}
export GPORT=${BENCH_GPORT:-19070}
CPORT=${BENCH_CEIL_PORT:-19966}
FPORT=${BENCH_FLOOR_PORT:-19071}
# Single quotes on purpose: start_server's bash -c expands them.
# shellcheck disable=SC2016
DEFAULT_CMD='./capsuled -c "$CONF" -r "$CAPSULE" -H localhost -l 127.0.0.1'
# shellcheck disable=SC2016
DEFAULT_CMD+=' -p "$PORT" -g "$GPORT" -C "$CERT" -K "$KEY" -j "$JOBS"'
SERVER_CMD=${SERVER_CMD:-$DEFAULT_CMD}
IS_CAPSULED=0
[ "$SERVER_CMD" = "$DEFAULT_CMD" ] && IS_CAPSULED=1

TMP=$(mktemp -d "${TMPDIR:-/tmp}/capsuled-bench.XXXXXX")
export CAPSULE=$TMP/capsule CERT=$TMP/cert.pem KEY=$TMP/key.pem
export CONF=$TMP/capsuled.conf JOBS=1
printf '# bench: defaults\n' > "$CONF"
SPID=
ROWS=$TMP/rows.md
: > "$ROWS"

BACKENDS=()
cleanup() {
	stop_server
	stop_backends
	rm -rf "$TMP"
}

stop_backends() {
	local p
	# Each in a session of its own: fcgiwrap's preforked children go
	# with their parent.
	for p in "${BACKENDS[@]}"; do
		kill -- "-$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	BACKENDS=()
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { printf '%s\n' "$*" >&2; }

build() {
	local flags="-std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow
	    -Wmissing-prototypes -Wstrict-prototypes -O2"
	local ssl
	ssl=$(pkg-config --cflags --libs openssl)
	# shellcheck disable=SC2086
	${CC:-cc} $flags -o $BIN/gembench $BIN/gembench.c $ssl
	# shellcheck disable=SC2086
	${CC:-cc} $flags -o $BIN/tlsceiling $BIN/tlsceiling.c $ssl
	# shellcheck disable=SC2086
	${CC:-cc} $flags -o $BIN/titanbench $BIN/titanbench.c $ssl
	# shellcheck disable=SC2086
	${CC:-cc} $flags -o $BIN/gopherfloor $BIN/gopherfloor.c
	# shellcheck disable=SC2086
	${CC:-cc} $flags -o $BIN/scgiback $BIN/scgiback.c
}

# A deterministic byte stream: AES-128-CTR of zeros under a fixed key.
fixed_bytes() {
	openssl enc -aes-128-ctr -nosalt -K "$1" -iv 0 < /dev/zero 2>/dev/null |
	    head -c "$2" || true
}

# page_2k and posts_1000: the fixed content, shared with profile.sh.
# shellcheck source=tests/bench/capsule.sh
. tests/bench/capsule.sh

make_capsule() {
	mkdir -p "$CAPSULE"
	page_2k > "$CAPSULE/index.gmi"
	cp "$CAPSULE/index.gmi" "$CAPSULE/page.gmi"
	sed 's/^# //' "$CAPSULE/index.gmi" > "$CAPSULE/page.txt"
	fixed_bytes 000102030405060708090a0b0c0d0e0f 102400 \
	    > "$CAPSULE/file-100k.bin"
	fixed_bytes 0f0e0d0c0b0a09080706050403020100 10485760 \
	    > "$CAPSULE/file-10m.bin"
	mkdir -p "$CAPSULE/up"
	cp "$CAPSULE/file-10m.bin" "$CAPSULE/up/file-10m.bin"
	posts_1000 "$CAPSULE/posts"
	# The shipped capsule, for the Gopher views against the floor: its
	# root menu and the DVT article.
	cp -r "$TOP/capsule" "$CAPSULE/real"
	# A 1 MB gemtext page: over Gopher (a menu) and over Gemini.
	awk 'BEGIN { for (i = 1; i <= 15000; i++)
	    printf "Line %05d of a one-megabyte gemtext page, text only.\n", i }' \
	    > "$CAPSULE/big.gmi"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
	    -nodes -days 3650 -subj /CN=localhost \
	    -addext subjectAltName=DNS:localhost \
	    -keyout "$KEY" -out "$CERT" 2>/dev/null
}

# Start "$1" (a command line for bash) on CPU 0; wait for port $2.
start_server() {
	( exec taskset -c 0 bash -c "exec $1" ) > "$TMP/server.log" 2>&1 &
	SPID=$!
	local until=$((SECONDS + 10)) g=()
	if [ "$2" = "$GPORT" ] || [ "$2" = "$FPORT" ]; then g=(-g); fi
	while [ "$SECONDS" -lt "$until" ]; do
		if $BIN/gembench "${g[@]}" -p "$2" -n 1 -w 1 -q \
		    > /dev/null 2>&1; then
			return 0
		fi
		if ! kill -0 "$SPID" 2>/dev/null; then
			break
		fi
		sleep 0.1
	done
	say "server did not start: $1"
	tail -n 20 "$TMP/server.log" | sed 's/^/  | /' >&2
	stop_server
	return 1
}

stop_server() {
	if [ -n "$SPID" ]; then
		kill "$SPID" 2>/dev/null || true
		wait "$SPID" 2>/dev/null || true
		SPID=
	fi
}

# restart "CONFIG TEXT" JOBS: the server again with that config.
restart() {
	stop_server
	printf '%b\n' "$1" > "$CONF"
	JOBS=$2
	start_server "$SERVER_CMD" "$PORT"
}

# VmRSS of a process and all its descendants, in kB.
rss_tree() {
	local pid=$1 kid
	local kb
	kb=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status" \
	    2>/dev/null || true)
	kb=${kb:-0}
	for kid in $(cat /proc/"$pid"/task/*/children 2>/dev/null || true); do
		kb=$((kb + $(rss_tree "$kid")))
	done
	echo "$kb"
}

gb() { taskset -c 1 "$TOP/$BIN/gembench" -q "$@"; }
tb() { taskset -c 1 "$TOP/$BIN/titanbench" "$@"; }

# CPU clock ticks (user + system, and those of waited-for children:
# gophernicus runs one process per request under socat) of a process
# and all its descendants.
cpu_tree() {
	local pid=$1 kid t
	t=$(awk '{ sub(/.*\) /, ""); print $12 + $13 + $14 + $15 }' \
	    "/proc/$pid/stat" 2>/dev/null || true)
	t=${t:-0}
	for kid in $(cat /proc/"$pid"/task/*/children 2>/dev/null || true); do
		t=$((t + $(cpu_tree "$kid")))
	done
	echo "$t"
}
HZ=$(getconf CLK_TCK)

# measured GEMBENCH-ARGS...: one gembench run against the server SPID;
# its RESULT line with srvus= (the server's CPU time per request, in
# microseconds) added.  The load generator's core is often the limit
# (see cpu= in the line), so req/s compares clients as much as servers;
# srvus is the server's own cost.
measured() { measured_by gb "$@"; }

# measured_by CLIENT ARGS...: the same with another load generator
# (tb: titanbench), which prints its RESULT line in gembench's form.
measured_by() {
	local c0 c1 line reqs client=$1
	shift
	c0=$(cpu_tree "$SPID")
	line=$("$client" "$@" | grep '^RESULT') || return 0
	c1=$(cpu_tree "$SPID")
	reqs=$(field reqs <<< "$line")
	echo "$line srvus=$(awk -v d=$((c1 - c0)) -v hz="$HZ" -v r="$reqs" \
	    'BEGIN { if (r > 0) printf "%.0f", d * 1e6 / hz / r; else print "-" }')"
}

# field KEY < RESULT lines: the values of KEY, one a line.
field() { { grep -o " $1=[^ ]*" || true; } | cut -d= -f2; }
median() {
	sort -g | awk '{ v[NR] = $1 }
	    END { print NR ? v[int((NR + 1) / 2)] : "-" }'
}
total() { awk '{ s += $1 } END { print s + 0 }'; }

# row SCENARIO NOTE FILE: medians of the RESULT lines in FILE (errors
# summed over the runs); "%resumed%" in NOTE becomes "resumed/reqs".
row() {
	local f=$3 note=$2 rps mbps p50 p99 err srvus cpu
	rps=$(field rps < "$f" | median)
	srvus=$(field srvus < "$f" | median)
	cpu=$(field cpu < "$f" | median)
	mbps=$(field mbps < "$f" | median)
	p50=$(field p50 < "$f" | median)
	p99=$(field p99 < "$f" | median)
	err=$(field errors < "$f" | total)
	note=${note//%resumed%/$(field resumed < "$f" | median)/$(field reqs < "$f" | median)}
	printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$1" "$rps" \
	    "$mbps" "$p50" "$p99" "$err" "$srvus" "$cpu" "$note" >> "$ROWS"
	say "  -> rps $rps, MB/s $mbps, p50 $p50 ms, p99 $p99 ms, errors $err," \
	    "server $srvus us/req, gembench $cpu % CPU"
}

# scenario NAME NOTE GEMBENCH-ARGS...: RUNS runs, one median row.
scenario() {
	local name=$1 note=$2 out=$TMP/runs i
	shift 2
	say "$name"
	: > "$out"
	for i in $(seq 1 "$RUNS"); do
		measured "$@" >> "$out"
	done
	row "$name" "$note" "$out"
}

skip() {
	printf '| %s | - | - | - | - | - | - | - | %s |\n' "$1" "$2" >> "$ROWS"
	say "$1: skipped ($2)"
}

# in_turn FLOOR-CMD FLOOR-PORT SERVER-OUT FLOOR-OUT GEMBENCH-ARGS...:
# PAIRS pairs of runs, the floor server (FLOOR-CMD, a command line for
# bash, listening on FLOOR-PORT) then the server under test, each
# measured.  This host's speed drifts by a third over minutes, so only
# neighbouring runs compare: ratios are taken per pair.
in_turn() {
	local fcmd=$1 fport=$2 srv=$3 floor=$4 sport=$PORT
	shift 4
	[ "${1:-}" = -g ] && sport=$GPORT
	: > "$srv"
	: > "$floor"
	for _ in $(seq 1 "$PAIRS"); do
		stop_server
		start_server "$fcmd" "$fport" || return 1
		measured -p "$fport" "$@" >> "$floor"
		stop_server
		start_server "$SERVER_CMD" "$sport" || return 1
		measured -p "$sport" "$@" >> "$srv"
	done
	stop_server
}

# tls_turn CEILING-ARGS SERVER-OUT CEILING-OUT GEMBENCH-ARGS...: in turn
# with tlsceiling.
tls_turn() {
	local cargs=$1
	shift
	in_turn "$TOP/$BIN/tlsceiling -C \"$CERT\" -K \"$KEY\" $cargs \
	    -l 127.0.0.1 -p $CPORT" "$CPORT" "$@"
}

# pairs KEY A B: the ratio A's KEY / B's KEY of every pair, in order.
pairs() {
	paste -d' ' <(field "$1" < "$2") <(field "$1" < "$3") |
	    awk '$1 != "-" && $2 + 0 > 0 { printf "%s%.2f", s, $1 / $2; s = " " }'
}

# pair_ratio KEY A B: the median over the pairs of A's KEY / B's KEY.
pair_ratio() {
	paste -d' ' <(field "$1" < "$2") <(field "$1" < "$3") |
	    awk '$1 != "-" && $2 + 0 > 0 { printf "%.2f\n", $1 / $2 }' | median
}

# The 2 KB page at c=16 and c=64 against the minimal OpenSSL server with
# every lever, in turn, the access log on (a real deployment logs).
ceiling() {
	local srv=$TMP/ceil.srv ceil=$TMP/ceil.ceil c
	for c in $TURN_CONCS; do
		say "$NAME 2 KB page c=$c, in turn with tlsceiling"
		tls_turn "" "$srv" "$ceil" -u /page.gmi -c "$c" -B "$SOURCES" \
		    "${LOAD[@]}" || return 1
		row "tlsceiling 2 KB c=$c (ceiling)" "in turn with the next row" \
		    "$ceil"
		row "$NAME 2 KB page c=$c, in turn with the ceiling" \
		    "server CPU / ceiling's, by pair: $(pairs srvus "$srv" "$ceil")" \
		    "$srv"
		CEIL_PAIRS+="c=$c: $(pairs srvus "$srv" "$ceil") (median $(pair_ratio srvus "$srv" "$ceil")); "
		CEIL_RPS=$(pair_ratio rps "$srv" "$ceil")
		CEIL_CPU=$(pair_ratio srvus "$ceil" "$srv")
	done
}

# The Gopher views of the shipped capsule (its root menu, the DVT
# article) against gopherfloor answering with the very same bytes from
# memory, in turn, at c=16 and c=64.
gopher_floor() {
	local srv=$TMP/gf.srv floor=$TMP/gf.floor sel name c bytes
	for sel in /real/ /real/posts/2026-11-25-is-walking-or-exercise-good-for-dvt.gmi; do
		name=${sel##*/}
		name=${name:-root menu}
		start_server "$SERVER_CMD" "$PORT" || return 1
		printf '%s\r\n' "$sel" | timeout 10 bash -c \
		    "exec 3<>/dev/tcp/127.0.0.1/$GPORT; cat >&3; cat <&3" \
		    > "$TMP/gf.bytes" || true
		stop_server
		bytes=$(wc -c < "$TMP/gf.bytes")
		for c in $TURN_CONCS; do
			say "$NAME Gopher $name c=$c, in turn with gopherfloor"
			in_turn "$TOP/$BIN/gopherfloor -f \"$TMP/gf.bytes\" \
			    -l 127.0.0.1 -p $FPORT" "$FPORT" "$srv" "$floor" \
			    -g -u "$sel" -c "$c" -B "$SOURCES" "${LOAD[@]}" ||
			    return 1
			row "gopherfloor $name c=$c (floor)" \
			    "$bytes bytes from memory, in turn with the next row" \
			    "$floor"
			row "$NAME Gopher $name c=$c, in turn with the floor" \
			    "server CPU / floor's, by pair: $(pairs srvus "$srv" "$floor")" \
			    "$srv"
			FLOOR_PAIRS+="$name c=$c: $(pairs srvus "$srv" "$floor") (median $(pair_ratio srvus "$srv" "$floor")); "
		done
	done
}

# A 1 MB gemtext page over Gemini (TLS) and over Gopher (a menu).
big_page() {
	local gem gop
	scenario "$NAME 1 MB gemtext page c=4, Gemini" "" \
	    -p "$PORT" -u /big.gmi -c 4 -B "$SOURCES" "${BIGLOAD[@]}"
	gem=$(field srvus < "$TMP/runs" | median)
	scenario "$NAME 1 MB gemtext page c=4, Gopher menu" "" \
	    -g -p "$GPORT" -u /big.gmi -c 4 -B "$SOURCES" "${BIGLOAD[@]}"
	gop=$(field srvus < "$TMP/runs" | median)
	BIG_PAGE="Gopher / Gemini server CPU per request: $(r "$gop" "$gem")"
}

aes_bound() {
	local kbs
	kbs=$(taskset -c 0 openssl speed "${SPEED[@]}" -evp aes-128-gcm \
	    2>/dev/null | awk '/^AES-128-GCM/ { v = $NF } END { print v }')
	kbs=${kbs%k}
	AES_MBPS=$(awk -v k="${kbs:-0}" 'BEGIN { printf "%.0f", k / 1000 }')
	printf '| openssl speed aes-128-gcm 16 KB (bound) | - | %s | - | - | - | - | - | one core, encryption only |\n' \
	    "$AES_MBPS" >> "$ROWS"
	say "openssl speed aes-128-gcm: $AES_MBPS MB/s"
}

pages() {
	local c
	for c in $CONCS; do
		scenario "$NAME 2 KB page c=$c" "" \
		    -p "$PORT" -u /page.gmi -c "$c" -B "$SOURCES" "${LOAD[@]}"
		if [ "$c" = 64 ]; then
			SRV_P50=$(field p50 < "$TMP/runs" | median)
			SRV_P99=$(field p99 < "$TMP/runs" | median)
		fi
	done
	return 0
}

# Resumption needs tickets: capsuled sends none by default.  Full
# handshakes are measured again with tickets on (each costs a ticket).
resumption() {
	local c note=""
	[ "$IS_CAPSULED" = 1 ] && note="tls-tickets 1, "
	restart "tls-tickets 1" 1 || return 1
	scenario "$NAME 2 KB page c=64, tickets on" "${note}full handshakes" \
	    -p "$PORT" -u /page.gmi -c 64 -B "$SOURCES" "${LOAD[@]}"
	FULL_RPS=$(field rps < "$TMP/runs" | median)
	for c in $CONCS; do
		scenario "$NAME 2 KB page c=$c -r" \
		    "${note}TLS 1.3, resumed %resumed%" \
		    -p "$PORT" -u /page.gmi -c "$c" -r -B "$SOURCES" "${LOAD[@]}"
		[ "$c" = 64 ] && RES_RPS=$(field rps < "$TMP/runs" | median)
	done
	scenario "$NAME 2 KB page c=64 -r -t 1.2" \
	    "${note}TLS 1.2, resumed %resumed%" \
	    -p "$PORT" -u /page.gmi -c 64 -r -t 1.2 -B "$SOURCES" "${LOAD[@]}"
	if [ "$IS_CAPSULED" = 1 ]; then
		restart "tls-tickets 1" 2 || return 1
		scenario "$NAME -j 2 2 KB page c=64 -r" \
		    "tls-tickets 1, 2 workers, resumed %resumed%" \
		    -p "$PORT" -u /page.gmi -c 64 -r -B "$SOURCES" "${LOAD[@]}"
	fi
	return 0
}

# -j 2: how evenly SO_REUSEPORT spreads connections, from the access
# log lines ("worker N: ADDR gemini ...") of one run.
spread() {
	local counts
	[ "$IS_CAPSULED" = 1 ] || return 0
	restart "# bench: defaults" 2 || return 1
	scenario "$NAME -j 2 2 KB page c=64" "" \
	    -p "$PORT" -u /page.gmi -c 64 -B "$SOURCES" "${LOAD[@]}"
	counts=$(grep -a -o 'worker [0-9]*: [^ ]* gemini' "$TMP/server.log" |
	    awk '{ print $1, $2 }' | sort | uniq -c |
	    awk '{ printf "%s%s %s %s", sep, $2, $3, $1; sep = ", " }')
	SPREAD=$counts
	sed -i '$ s/| [^|]* |$/| access log: '"${counts:-none}"' |/' "$ROWS"
	say "  -> per worker: ${counts:-no access log lines}"
}

files() {
	scenario "$NAME 100 KB file c=16" "" \
	    -p "$PORT" -u /file-100k.bin -c 16 -B "$SOURCES" "${LOAD[@]}"
	big_file
}

# The 10 MB file against the large-file ceiling: tlsceiling -b sending
# the same bytes from memory in full records, which is what OpenSSL and
# loopback TCP leave one core.
big_file() {
	local srv=$TMP/big.srv ceil=$TMP/big.ceil
	say "$NAME 10 MB file c=2, in turn with the large-file ceiling"
	if ! tls_turn "-b 10485760" "$srv" "$ceil" -u /file-10m.bin -c 2 \
	    -B "$SOURCES" "${BIGLOAD[@]}"; then
		start_server "$SERVER_CMD" "$PORT"
		return 1
	fi
	row "tlsceiling 10 MB c=2 (large-file ceiling)" \
	    "from memory, 16 KB SSL_writes, in turn with the next row" "$ceil"
	row "$NAME 10 MB file c=2" "AES bound ${AES_MBPS:-?} MB/s" "$srv"
	BIG_MBPS=$(field mbps < "$srv" | median)
	BIG_PAIRS=$(pair_ratio mbps "$srv" "$ceil")
	start_server "$SERVER_CMD" "$PORT"
}

# Hold IDLE handshaken connections; sample the server's RSS once they
# are all up, while gembench times fresh requests at concurrency 1.
idle_one() {
	local err=$TMP/idle.err
	gb -p "$PORT" -u /page.gmi -k "$IDLE" -d "$HOLD" -B "$SOURCES" \
	    > "$TMP/idle.out" 2> "$err" &
	local gpid=$! rss=0
	for _ in $(seq 1 1200); do
		grep -q '^IDLE ready' "$err" && break
		kill -0 "$gpid" 2>/dev/null || break
		sleep 0.1
	done
	sleep 0.5
	rss=$(rss_tree "$SPID")
	wait "$gpid" || true
	grep '^RESULT' "$TMP/idle.out" >> "$TMP/runs" || true
	echo "$rss" >> "$TMP/idle.rss"
	sed -n 's/^IDLE ready held=\([0-9]*\).*/\1/p' "$err" \
	    >> "$TMP/idle.held"
	sed -n 's/^IDLE end //p' "$err" >> "$TMP/idle.end"
}

idle() {
	local base i rss held end note jobs=1 cap
	# One worker takes (open-file limit - 64) / 2 connections.
	cap=$(( ($(ulimit -Hn) - 64) / 2 ))
	[ $((IDLE + 64)) -gt "$cap" ] && jobs=2
	restart "timeout 60" "$jobs" || return 1
	base=$(rss_tree "$SPID")
	say "$NAME $IDLE idle connections"
	: > "$TMP/runs"; : > "$TMP/idle.rss"
	: > "$TMP/idle.held"; : > "$TMP/idle.end"
	for i in $(seq 1 "$RUNS"); do
		idle_one
	done
	rss=$(median < "$TMP/idle.rss")
	held=$(median < "$TMP/idle.held")
	end=$(tail -n 1 "$TMP/idle.end")
	# A server's request timeout may drop the first connections
	# before the last are up: "held" is the count at the RSS sample.
	note="RSS $((rss / 1024)) MB with $held held"
	note+=" (at rest $((base / 1024)) MB"
	if [ "${held:-0}" -gt 0 ] 2>/dev/null; then
		note+=", $(( (rss - base) / held )) kB each"
		IDLE_NOTE="$((rss / 1024)) MB RSS for $held held, $(( (rss - base) / held )) kB each"
	fi
	[ "$IS_CAPSULED" = 1 ] && note+=", timeout 60, -j $jobs"
	note+="); last run: $end"
	row "$NAME c=1 with $IDLE idle TLS conns" "$note" "$TMP/runs"
}

# The generated gemlog index against the same bytes as a static file.
gemlog() {
	printf 'gemini://localhost:%s/posts/\r\n' "$PORT" |
	    timeout 10 openssl s_client -quiet -connect "127.0.0.1:$PORT" \
	    -servername localhost 2>/dev/null > "$TMP/posts.raw" || true
	if ! head -c 3 "$TMP/posts.raw" | grep -q '^20 '; then
		skip "$NAME gemlog /posts/" "no 20 response for /posts/"
		return 0
	fi
	sed 1d "$TMP/posts.raw" > "$CAPSULE/static-index.gmi"
	local size
	size=$(wc -c < "$CAPSULE/static-index.gmi")
	scenario "$NAME gemlog /posts/ c=16" "$size bytes, 1,000 posts" \
	    -p "$PORT" -u /posts/ -c 16 -B "$SOURCES" "${LOAD[@]}"
	GEMLOG_RPS=$(field rps < "$TMP/runs" | median)
	scenario "$NAME static-index.gmi c=16" "$size bytes" \
	    -p "$PORT" -u /static-index.gmi -c 16 -B "$SOURCES" "${LOAD[@]}"
	STATIC_RPS=$(field rps < "$TMP/runs" | median)
}

# Titan uploads of the 10 MB file against downloads of the very same
# file, in turn (RUNS pairs), one request at a time on fresh
# connections from the same client; each upload is fsync'ed and renamed
# into place before its 30 is sent.
titan() {
	local up=$TMP/titan.up down=$TMP/titan.down
	if [ "$IS_CAPSULED" != 1 ]; then
		skip "$NAME Titan upload 10 MB" "Titan is capsuled's"
		return 0
	fi
	restart 'server "localhost" {\n location "/up/*" {\n  titan on\n  titan-token "bench"\n  titan-max-size 20000000\n }\n}' 1 ||
	    return 1
	say "$NAME Titan upload 10 MB c=1, in turn with its download"
	: > "$up"
	: > "$down"
	for _ in $(seq 1 "$RUNS"); do
		measured_by tb -m up -T bench -f "$CAPSULE/file-10m.bin" \
		    -u /up/file-10m.bin -p "$PORT" "${TITANLOAD[@]}" >> "$up"
		measured_by tb -m down -f "$CAPSULE/file-10m.bin" \
		    -u /up/file-10m.bin -p "$PORT" "${TITANLOAD[@]}" >> "$down"
	done
	row "$NAME Titan upload 10 MB c=1" \
	    "fsync + rename each; in turn with the next row" "$up"
	row "$NAME download of the same 10 MB c=1" "one request at a time" \
	    "$down"
	TITAN_UP=$(field mbps < "$up" | median)
	TITAN_DOWN=$(field mbps < "$down" | median)
	TITAN_PAIRS=$(pair_ratio mbps "$up" "$down")
}

gopher() {
	if ! gb -g -p "$GPORT" -n 1 -w 2 > /dev/null 2>&1; then
		skip "$NAME Gopher" "no Gopher server on port $GPORT"
		return 0
	fi
	scenario "$NAME Gopher menu c=64" "the shipped capsule's root" \
	    -g -p "$GPORT" -u /real/ -c 64 -B "$SOURCES" "${LOAD[@]}"
	scenario "$NAME Gopher text c=64" "" \
	    -g -p "$GPORT" -u /page.txt -c 64 -B "$SOURCES" "${LOAD[@]}"
}

report() {
	{
		echo
		echo "Server: \`$SERVER_CMD\` ($NAME), runs: $RUNS" \
		    "(median; errors summed), $(date -u +%Y-%m-%d)," \
		    "$(nproc) CPUs, $(openssl version | cut -d' ' -f1-2)."
		ratios
		echo
		echo "| scenario | req/s | MB/s | p50 ms | p99 ms | errors | server CPU us/req | gembench CPU % | notes |"
		echo "|---|---:|---:|---:|---:|---:|---:|---:|---|"
		cat "$ROWS"
	} | tee "${BENCH_OUT:-/dev/null}"
}

# r A B: A / B with two decimals, or "-".
r() {
	awk -v a="${1:-}" -v b="${2:-}" 'BEGIN {
	    if (a != "" && b + 0 > 0) printf "%.2f", a / b; else print "-" }'
}

ratios() {
	echo "$NAME / ceiling at c=64, req/s (median of pairs): ${CEIL_RPS:--}"
	echo "$NAME / ceiling at c=64, requests per server CPU second" \
	    "(median of pairs): ${CEIL_CPU:--}"
	echo "$NAME server CPU per request / ceiling's, by pair: ${CEIL_PAIRS:--}"
	echo "$NAME Gopher server CPU per request / gopherfloor's, by pair:" \
	    "${FLOOR_PAIRS:--}"
	echo "1 MB gemtext page: ${BIG_PAGE:--}"
	echo "p99 / p50 at c=64: $(r "${SRV_P99:-}" "${SRV_P50:-}")"
	echo "resumed / full handshakes at c=64 (tickets on):" \
	    "$(r "${RES_RPS:-}" "${FULL_RPS:-}")"
	echo "10 MB file / AES-128-GCM bound: $(r "${BIG_MBPS:-}" "${AES_MBPS:-}")"
	echo "10 MB file / large-file ceiling (median of pairs): ${BIG_PAIRS:--}"
	echo "idle: ${IDLE_NOTE:--}"
	echo "per-worker spread (-j 2): ${SPREAD:--}"
	echo "gemlog / static index (req/s): $(r "${STATIC_RPS:-}" "${GEMLOG_RPS:-}")" \
	    "(wall clock; tests/bench/profile.sh gives instructions)"
	echo "Titan upload / download of the same 10 MB file:" \
	    "${TITAN_UP:--} / ${TITAN_DOWN:--} MB/s, ratio ${TITAN_PAIRS:--}" \
	    "(median of pairs)"
	echo "dynamic / static 2 KB page, server CPU per request (median of" \
	    "pairs): SCGI ${DYN_SCGI:--}, SCGI with a 5 ms backend" \
	    "${DYN_SLOW:--}, FastCGI ${DYN_FAST:--}, fcgiwrap" \
	    "${DYN_FCGI:--}, CGI ${DYN_CGI:--}" \
	    "(target for SCGI and FastCGI: 1.3 at most)"
}

# Dynamic content through the program runner: a trivial CGI script, a
# trivial SCGI backend (scgiback) and fcgiwrap running that same script,
# each answering the 2 KB page, against the static 2 KB page, all from
# one server, in turn: PAIRS rounds of static, SCGI, FastCGI and CGI,
# so that each ratio is taken against the static run beside it.  The
# same SCGI backend taking 5 ms per request shows what a slow backend
# alone does to the server's CPU per request (fewer requests at hand
# per wakeup): fcgiwrap forks a shell per request.  scgiback -F is the
# trivial backend's FastCGI twin, for the FastCGI path without that.  The
# server's CPU is that of its whole process tree: the workers, the key
# process and the program runner, and for CGI the programs (the
# runner's children); the SCGI backend and fcgiwrap run apart, on the
# load generator's core.
dynamic() {
	local d=$TMP/dyn sock=$TMP/scgi.sock fsock=$TMP/fcgiwrap.sock kind c=16
	local slow=$TMP/slow.sock fast=$TMP/fast.sock
	local conf fcgi=1
	mkdir -p "$CAPSULE/cgi-bin"
	printf '#!/bin/sh\nprintf %s\nexec cat ../page.gmi\n' \
	    "'20 text/gemini\\r\\n'" > "$CAPSULE/cgi-bin/page"
	chmod 755 "$CAPSULE/cgi-bin/page"
	setsid taskset -c 1 "$TOP/$BIN/scgiback" -s "$sock" \
	    -f "$CAPSULE/page.gmi" &
	BACKENDS+=($!)
	setsid taskset -c 1 "$TOP/$BIN/scgiback" -s "$slow" -d 5000 \
	    -f "$CAPSULE/page.gmi" &
	BACKENDS+=($!)
	setsid taskset -c 1 "$TOP/$BIN/scgiback" -F -s "$fast" \
	    -f "$CAPSULE/page.gmi" &
	BACKENDS+=($!)
	if command -v fcgiwrap > /dev/null; then
		setsid taskset -c 1 fcgiwrap -c 4 -s "unix:$fsock" &
		BACKENDS+=($!)
	else
		fcgi=0
	fi
	conf="server \"localhost\" {\n root \"$CAPSULE\"\n"
	conf+=" location \"/cgi-bin/*\" { cgi on }\n"
	conf+=" location \"/app/*\" { scgi \"$sock\" }\n"
	conf+=" location \"/slow/*\" { scgi \"$slow\" }\n"
	conf+=" location \"/fast/*\" { fastcgi \"$fast\" }\n"
	conf+=" location \"/wiki/*\" { fastcgi \"$fsock\"\n"
	conf+="  fastcgi-param \"SCRIPT_FILENAME\" \"$CAPSULE/cgi-bin/page\" }\n}"
	for _ in $(seq 1 50); do
		[ -S "$sock" ] && [ -S "$slow" ] && [ -S "$fast" ] &&
		    { [ "$fcgi" = 0 ] || [ -S "$fsock" ]; } && break
		sleep 0.1
	done
	restart "$conf" 1 || return 1
	for kind in static scgi slow fast fastcgi cgi; do
		: > "$d.$kind"
	done
	say "$NAME 2 KB page c=$c: static, SCGI, FastCGI, CGI in turn"
	for _ in $(seq 1 "$PAIRS"); do
		measured -p "$PORT" -u /page.gmi -c "$c" -B "$SOURCES" \
		    "${LOAD[@]}" >> "$d.static"
		measured -p "$PORT" -u /app/page -c "$c" -B "$SOURCES" \
		    "${LOAD[@]}" >> "$d.scgi"
		measured -p "$PORT" -u /slow/page -c "$c" -B "$SOURCES" \
		    "${LOAD[@]}" >> "$d.slow"
		measured -p "$PORT" -u /fast/page -c "$c" -B "$SOURCES" \
		    "${LOAD[@]}" >> "$d.fast"
		[ "$fcgi" = 0 ] || measured -p "$PORT" -u /wiki/page -c "$c" \
		    -B "$SOURCES" "${LOAD[@]}" >> "$d.fastcgi"
		measured -p "$PORT" -u /cgi-bin/page -c "$c" -B "$SOURCES" \
		    "${LOAD[@]}" >> "$d.cgi"
	done
	row "$NAME 2 KB page c=$c (static)" "in turn with the next rows" \
	    "$d.static"
	row "$NAME SCGI 2 KB c=$c" "scgiback; server CPU / static's, by pair: $(pairs srvus "$d.scgi" "$d.static")" \
	    "$d.scgi"
	row "$NAME SCGI 2 KB c=$c, 5 ms backend" "scgiback -d 5000; server CPU / static's, by pair: $(pairs srvus "$d.slow" "$d.static")" \
	    "$d.slow"
	DYN_SLOW=$(pair_ratio srvus "$d.slow" "$d.static")
	row "$NAME FastCGI 2 KB c=$c, trivial backend" "scgiback -F; server CPU / static's, by pair: $(pairs srvus "$d.fast" "$d.static")" \
	    "$d.fast"
	DYN_FAST=$(pair_ratio srvus "$d.fast" "$d.static")
	if [ "$fcgi" = 1 ]; then
		row "$NAME FastCGI 2 KB c=$c" "fcgiwrap running a sh script; server CPU / static's, by pair: $(pairs srvus "$d.fastcgi" "$d.static")" \
		    "$d.fastcgi"
		DYN_FCGI=$(pair_ratio srvus "$d.fastcgi" "$d.static")
	else
		skip "$NAME FastCGI 2 KB c=$c" "fcgiwrap not installed"
	fi
	row "$NAME CGI 2 KB c=$c" "a sh script; server CPU includes the script's, by pair: $(pairs srvus "$d.cgi" "$d.static")" \
	    "$d.cgi"
	DYN_SCGI=$(pair_ratio srvus "$d.scgi" "$d.static")
	DYN_CGI=$(pair_ratio srvus "$d.cgi" "$d.static")
	stop_backends
	restart "# bench: defaults" 1
}

# want GROUP: is this scenario group selected?
want() { [ -z "${BENCH_ONLY:-}" ] || [[ " $BENCH_ONLY " == *" $1 "* ]]; }

main() {
	local ok=0 wport=$PORT
	ulimit -n "$(ulimit -Hn)"
	build
	make_capsule
	if want ceiling; then ceiling || ok=1; fi
	if want floor; then gopher_floor || ok=1; fi
	if want aes; then aes_bound; fi
	[ "${BENCH_ONLY:-}" = gopher ] && wport=$GPORT
	if start_server "$SERVER_CMD" "$wport"; then
		if want pages; then pages; fi
		if want files; then files || ok=1; fi
		if want gemlog; then gemlog; fi
		if want gopher; then gopher; fi
		if want bigpage; then big_page; fi
		if want titan; then titan || ok=1; fi
		if want resumption; then resumption || ok=1; fi
		if want spread; then spread || ok=1; fi
		if want idle; then idle || ok=1; fi
		if want dynamic; then dynamic || ok=1; fi
		stop_server
	else
		skip "$NAME" "server did not start"
		ok=1
	fi
	report
	return $ok
}

main "$@"

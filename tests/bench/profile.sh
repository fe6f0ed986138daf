#!/usr/bin/env bash
#
# profile.sh: instructions per request under callgrind, which stay the
# same on a loaded machine where wall-clock figures do not.
#
#	tests/bench/profile.sh [-n N] [-o DIR] [URL-PATH ...]
#
# PROFILE_BIN names another capsuled binary to measure (an older build,
# for a before/after pair); by default ./capsuled, built first.
# PROFILE_GOPHER=1 asks over Gopher instead (plain TCP, the worker only;
# default paths then: / /page.gmi /posts/ /posts/atom.xml).
# PROFILE_DYNAMIC=1 adds dynamic locations: /app/ on a trivial SCGI
# backend (tests/bench/scgiback.c) and /wiki/ on fcgiwrap, both
# answering the 2 KB page, and counts the program runner's instructions
# too (default paths then: /page.gmi /app/page /wiki/page).
#
# Builds ./capsuled (under valgrind the worker leaves out its seccomp
# filter, which valgrind's own system calls would break), serves a fixed
# capsule
# (the 2 KB page, 1,000 gemlog posts, the same index as a static file)
# with -j 1 under callgrind, and for each path: 20 warm-up requests,
# zero the counters, N requests (default 200), dump.  Prints the
# instructions per request of the worker and the key process (which
# signs every handshake), and leaves the dumps in DIR
# (default: a temporary directory, removed) for callgrind_annotate.
# Everything runs on 127.0.0.1; a run takes about a minute.

set -euo pipefail

cd "$(dirname "$0")/../.."
TOP=$PWD
N=200
KEEP=
while getopts n:o: opt; do
	case $opt in
	n) N=$OPTARG ;;
	o) KEEP=$OPTARG ;;
	*) echo "usage: profile.sh [-n N] [-o DIR] [path ...]" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
# /missing (a 51, no body) is the baseline: handshake and request only.
DYN=${PROFILE_DYNAMIC:-0}
GOPH=${PROFILE_GOPHER:-0}
if [ $# -eq 0 ]; then
	if [ "$GOPH" = 1 ]; then
		set -- / /page.gmi /posts/ /posts/atom.xml
	elif [ "$DYN" = 1 ]; then
		set -- /page.gmi /app/page /wiki/page
	else
		set -- /missing /page.gmi /posts/ /static-index.gmi
	fi
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/capsuled-profile.XXXXXX")
OUT=${KEEP:-$TMP/out}
mkdir -p "$OUT"
VPID=
BACKENDS=()
cleanup() {
	[ -z "$VPID" ] || { kill "$VPID" 2>/dev/null; wait "$VPID" 2>/dev/null; }
	for p in "${BACKENDS[@]}"; do
		kill -- "-$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	rm -rf "$TMP"
}
trap cleanup EXIT

build() {
	make -s capsuled
	# shellcheck disable=SC2046
	[ -x tests/bench/gembench ] || ${CC:-cc} -std=c11 -D_GNU_SOURCE -O2 \
	    -o tests/bench/gembench tests/bench/gembench.c \
	    $(pkg-config --cflags --libs openssl)
	[ "$DYN" = 0 ] || ${CC:-cc} -std=c11 -D_GNU_SOURCE -O2 \
	    -o tests/bench/scgiback tests/bench/scgiback.c
}

# The dynamic locations and their backends (PROFILE_DYNAMIC=1).
dynamic() {
	local c=$TMP/capsule
	mkdir -p "$c/cgi-bin"
	printf '#!/bin/sh\nprintf %s\nexec cat ../page.gmi\n' \
	    "'20 text/gemini\\r\\n'" > "$c/cgi-bin/page"
	chmod 755 "$c/cgi-bin/page"
	setsid "$TOP/tests/bench/scgiback" -s "$TMP/scgi.sock" \
	    -f "$c/page.gmi" &
	BACKENDS+=($!)
	setsid fcgiwrap -c 4 -s "unix:$TMP/fcgiwrap.sock" &
	BACKENDS+=($!)
	cat > "$TMP/capsuled.conf" <<-EOF
	server "localhost" {
		root "$c"
		location "/cgi-bin/*" { cgi on }
		location "/app/*" { scgi "$TMP/scgi.sock" }
		location "/wiki/*" { fastcgi "$TMP/fcgiwrap.sock"
			fastcgi-param "SCRIPT_FILENAME" "$c/cgi-bin/page" }
	}
	EOF
}

# shellcheck source=tests/bench/capsule.sh
. tests/bench/capsule.sh

capsule() {
	local c=$TMP/capsule
	mkdir -p "$c/posts"
	page_2k > "$c/page.gmi"
	posts_1000 "$c/posts"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
	    -nodes -days 3650 -subj /CN=localhost \
	    -addext subjectAltName=DNS:localhost \
	    -keyout "$TMP/key.pem" -out "$TMP/cert.pem" 2>/dev/null
}

gb() { "$TOP/tests/bench/gembench" -q -p "$PORT" "$@"; }
# The requests measured: Gemini, or Gopher with PROFILE_GOPHER=1.
ask() {
	if [ "$GOPH" = 1 ]; then
		"$TOP/tests/bench/gembench" -q -g -p "$GPORT" "$@"
	else
		gb "$@"
	fi
}

start() {
	PORT=$((20000 + RANDOM % 20000))
	GPORT=$((PORT + 1))
	local conf=()
	[ "$DYN" = 0 ] || conf=(-c "$TMP/capsuled.conf")
	[ "$GOPH" = 0 ] || conf+=(-g "$GPORT")
	valgrind --tool=callgrind --trace-children=yes \
	    --compress-strings=no --compress-pos=no \
	    --callgrind-out-file="$OUT/callgrind.%p" \
	    "${PROFILE_BIN:-$TOP/capsuled}" "${conf[@]}" -r "$TMP/capsule" \
	    -H localhost -l 127.0.0.1 \
	    -p "$PORT" -C "$TMP/cert.pem" -K "$TMP/key.pem" -j 1 \
	    > "$TMP/server.log" 2>&1 &
	VPID=$!
	for _ in $(seq 1 120); do
		gb -n 1 -w 5 > /dev/null 2>&1 && break
		sleep 0.5
	done
	# The worker, and the key process (named capsuled-keys), which
	# signs each handshake: its instructions count too.
	KPID=
	RPID=
	for kid in $(pgrep -P "$VPID"); do
		case $(cat /proc/"$kid"/comm 2>/dev/null) in
		capsuled-keys) KPID=$kid ;;
		capsuled-run) RPID=$kid ;;
		*) WPID=$kid ;;
		esac
	done
	[ -n "${WPID:-}" ] || { echo "no worker" >&2; exit 1; }
	# The static copy of the generated index, byte for byte.
	printf 'gemini://localhost:%s/posts/\r\n' "$PORT" |
	    timeout 60 openssl s_client -quiet -connect "127.0.0.1:$PORT" \
	    -servername localhost 2>/dev/null | sed 1d \
	    > "$TMP/capsule/static-index.gmi"
}

# dumped PID: the instructions of PID's latest dump; callgrind numbers
# a process's dumps .1, .2, ... in order.
DUMPS=0
dumped() {
	local f=$OUT/callgrind.$1.$DUMPS
	for _ in $(seq 1 50); do
		[ -s "$f" ] && grep -q '^totals:' "$f" && break
		sleep 0.2
	done
	awk '/^summary:/ { print $2 }' "$f"
}

# measure PATH: prints the instructions per request of the worker, of
# the key process, and of both.
measure() {
	local path=$1 ir kir=0 rir=0 p
	ask -u "$path" -n 20 > /dev/null || true
	for p in $WPID $KPID $RPID; do
		callgrind_control -z "$p" > /dev/null 2>&1
	done
	ask -u "$path" -n "$N" | grep -q "errors=0 " ||
	    echo "warning: errors on $path" >&2
	for p in $WPID $KPID $RPID; do
		callgrind_control -d "$p" > /dev/null 2>&1
	done
	DUMPS=$((DUMPS + 1))
	ir=$(dumped "$WPID")
	[ -z "$KPID" ] || kir=$(dumped "$KPID")
	[ -z "$RPID" ] || rir=$(dumped "$RPID")
	printf '%-22s %12d Ir/request  (worker %d, key process %d%s)%s\n' \
	    "$path" $(((ir + kir + rir) / N)) $((ir / N)) $((kir / N)) \
	    "${RPID:+, program runner $((rir / N))}" "${KEEP:+  ($OUT)}"
}

build
capsule
[ "$DYN" = 0 ] || dynamic
start
if [ "$GOPH" = 1 ]; then
	echo "instructions per request, $N Gopher requests each, new TCP connection each:"
else
	echo "instructions per request, worker and key process, $N requests each, new TLS 1.3 connection each:"
fi
for p in "$@"; do
	measure "$p"
done

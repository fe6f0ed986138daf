#!/usr/bin/env bash
#
# bench-peers.sh: the `make bench-peers` driver.  Runs tests/bench/bench.sh
# against capsuled, then the same Gemini scenarios against molly-brown
# (same capsule, same ECDSA certificate, same CPU pinning: server on
# CPU 0, gembench on CPU 1) and the Gopher scenarios against gophernicus
# run from socat as inetd would, and prints capsuled/peer ratios.
# A peer whose Debian package is missing is skipped with a message.
#
# Environment: as bench.sh (BENCH_QUICK, BENCH_DURATION, BENCH_RUNS,
# BENCH_IDLE, BENCH_*PORT), plus
#   PEERS_OUT     also write the report to this file
#   PEERS_TSV     the headline figures as TSV (default BENCHMARKS.tsv)
#   PEERS_SVG     the chart gnuplot draws from them (default
#                 BENCHMARKS.svg): both beside BENCHMARKS.md, to commit
#
# Scenarios that only capsuled has (resumption with its config, -j 2
# spread) are run for capsuled alone; molly-brown has no gemlog
# generator, so its "/posts/" row is its directory listing of the same
# 1,000 files (a different job: shown, not compared).
#
# Internal modes, used as SERVER_CMD by bench.sh (which exports CAPSULE,
# CERT, KEY, PORT and GPORT): --molly-brown, --gophernicus.

set -euo pipefail

MOLLY=/usr/bin/molly-brown
GOPHERNICUS=/usr/sbin/gophernicus
SOCAT=/usr/bin/socat

# molly-brown reads a TOML file; it goes beside the bench's certificate.
# This version has no listen-address key: it binds every address, but
# the bench only ever connects to 127.0.0.1.
run_molly() {
	local dir conf
	dir=$(dirname "$CERT")
	conf=$dir/molly.conf
	cat > "$conf" <<EOF
Port = $PORT
Hostname = "localhost"
CertPath = "$CERT"
KeyPath = "$KEY"
DocBase = "$CAPSULE"
AccessLog = "$dir/molly-access.log"
ErrorLog = "$dir/molly-error.log"
EOF
	exec "$MOLLY" -c "$conf"
}

# gophernicus serves one connection on stdin/stdout (inetd style);
# -nr: it refuses root otherwise (the bench may run as root), -ns: no
# syslog, -nv: no virtual hosts (one capsule directory).
run_gophernicus() {
	exec "$SOCAT" "TCP-LISTEN:$GPORT,bind=127.0.0.1,reuseaddr,fork,backlog=1024" \
	    "EXEC:$GOPHERNICUS -h localhost -p $GPORT -r $CAPSULE -nr -ns -nv"
}

case "${1:-}" in
--molly-brown) run_molly ;;
--gophernicus) run_gophernicus ;;
esac

cd "$(dirname "$0")/../.."
SELF=$PWD/tests/bench/bench-peers.sh
TMP=$(mktemp -d "${TMPDIR:-/tmp}/capsuled-peers.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
trap 'exit 130' INT TERM

say() { printf '%s\n' "$*" >&2; }

have_pkg() {
	dpkg-query -W -f='${Status}' "$1" 2>/dev/null |
	    grep -q 'install ok installed'
}

# bench NAME FILE [ENV...]: one bench.sh run, its table into FILE.
bench() {
	local name=$1 out=$2
	shift 2
	say "=== $name"
	env SERVER_NAME="$name" BENCH_OUT="$out" "$@" \
	    bash tests/bench/bench.sh > /dev/null || say "$name: some runs failed"
}

# rows FILE NAME: "scenario-without-name<TAB>req/s<TAB>MB/s<TAB>server
# CPU us/req" per row.
rows() {
	awk -F'|' -v n="$2 " '/^\| / {
		s = $2; gsub(/^ +| +$/, "", s)
		if (index(s, n) != 1) next
		s = substr(s, length(n) + 1)
		r = $3; m = $4; u = $8
		gsub(/ /, "", r); gsub(/ /, "", m); gsub(/ /, "", u)
		print s "\t" r "\t" m "\t" u
	}' "$1"
}

# ratios PEER FILE: capsuled/peer for every scenario both ran.  On two
# cores the load generator's core limits the handshake-bound rows
# (their gembench CPU is near 100 %), so req/s there compares how hard
# each server makes the client work; the server's own CPU per request
# is what compares the servers.  "capacity" is peer CPU / capsuled CPU:
# how many times more requests capsuled serves per CPU second.
ratios() {
	local peer=$1 file=$2
	echo
	echo "capsuled / $peer (req/s; MB/s for the file rows; capacity:" \
	    "$peer's server CPU per request / capsuled's):"
	echo
	echo "| scenario | capsuled req/s | $peer req/s | ratio | capsuled MB/s | $peer MB/s | ratio | capsuled CPU us/req | $peer CPU us/req | capacity |"
	echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
	join -t "$(printf '\t')" <(rows "$TMP/capsuled.md" capsuled | sort) \
	    <(rows "$file" "$peer" | sort) |
	    awk -F'\t' '{
		rr = ($5 + 0 > 0) ? sprintf("%.2f", $2 / $5) : "-"
		mr = ($6 + 0 > 0) ? sprintf("%.2f", $3 / $6) : "-"
		cr = ($4 + 0 > 0 && $7 + 0 > 0) ? sprintf("%.2f", $7 / $4) : "-"
		printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n",
		    $1, $2, $5, rr, $3, $6, mr, $4, $7, cr
	    }'
}

# cell FILE SCENARIO COLUMN: one cell of a bench.sh table (columns: 3
# req/s, 6 p99 ms, 8 server CPU us/req, 10 notes), "-" when absent.
cell() {
	[ -f "$1" ] || { echo "-"; return; }
	awk -F'|' -v s="$2" -v c="$3" '/^\| / {
		n = $2; gsub(/^ +| +$/, "", n)
		if (n != s) next
		v = $c; gsub(/^ +| +$/, "", v); print v; found = 1; exit
	} END { if (!found) print "-" }' "$1"
}

# idle_kb FILE NAME: memory per idle connection, from the idle row.
idle_kb() {
	{ grep -o "^| $2 c=1 with .*" "$1" 2>/dev/null || true; } |
	    grep -o '[0-9]* kB each' | awk '{ print $1; exit }' | grep . ||
	    echo "-"
}

# chart TSV SVG: server CPU per request, clustered by scenario, one bar
# per server (rows of TSV: servers; columns 2, 3, 7: the scenarios).
chart() {
	local t=$TMP/chart.tsv
	awk -F'\t' 'NR > 1 { n[NR] = $1; a[NR] = $2; b[NR] = $3; g[NR] = $7 }
	    END {
		printf "scenario\tcapsuled\tfloor\tpeer\n"
		printf "2 KB page c=16\t%s\t%s\t%s\n", a[2], a[3], a[4]
		printf "2 KB page c=64\t%s\t%s\t%s\n", b[2], b[3], b[4]
		printf "Gopher menu c=64\t%s\t%s\t%s\n", g[2], g[3], g[4]
	    }' "$1" > "$t"
	gnuplot <<GNUPLOT || say "gnuplot failed: no chart"
set terminal svg size 760,420 font "sans,12"
set output "$2"
set title "Server CPU per request, µs (lower is better), $(date -u +%Y-%m-%d)"
set datafile separator "\t"
set datafile missing "-"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set ylabel "µs per request (log scale)"
set logscale y
set yrange [10:*]
set key top right autotitle columnhead
plot "$t" using 2:xtic(1) title "capsuled", \
     "" using 3 title "bare floor (tlsceiling / gopherfloor)", \
     "" using 4 title "peer (molly-brown / gophernicus)"
GNUPLOT
}

# summary: the headline table (markdown, to stdout), its TSV and the
# chart drawn from it: server CPU per request of the 2 KB page at c=16
# and c=64, req/s and p99 at c=64, memory per idle connection, and the
# Gopher menu at c=64, for capsuled, the bare floor servers and peers.
summary() {
	local c=$TMP/capsuled.md m=$TMP/molly.md g=$TMP/gophernicus.md
	local tsv=${PEERS_TSV:-BENCHMARKS.tsv} svg=${PEERS_SVG:-BENCHMARKS.svg}
	local k16="2 KB page c=16, in turn with the ceiling"
	local k64="2 KB page c=64, in turn with the ceiling"
	{
		printf 'server\tcpu_2k_c16_us\tcpu_2k_c64_us\trps_2k_c64'
		printf '\tp99_2k_c64_ms\tidle_kb\tgopher_menu_c64_us\n'
		printf 'capsuled\t%s\t%s\t%s\t%s\t%s\t%s\n' \
		    "$(cell "$c" "capsuled $k16" 8)" \
		    "$(cell "$c" "capsuled $k64" 8)" \
		    "$(cell "$c" "capsuled $k64" 3)" \
		    "$(cell "$c" "capsuled $k64" 6)" \
		    "$(idle_kb "$c" capsuled)" \
		    "$(cell "$c" "capsuled Gopher menu c=64" 8)"
		printf 'floor\t%s\t%s\t%s\t%s\t-\t%s\n' \
		    "$(cell "$c" "tlsceiling 2 KB c=16 (ceiling)" 8)" \
		    "$(cell "$c" "tlsceiling 2 KB c=64 (ceiling)" 8)" \
		    "$(cell "$c" "tlsceiling 2 KB c=64 (ceiling)" 3)" \
		    "$(cell "$c" "tlsceiling 2 KB c=64 (ceiling)" 6)" \
		    "$(cell "$c" "gopherfloor root menu c=64 (floor)" 8)"
		printf 'peer\t%s\t%s\t%s\t%s\t%s\t%s\n' \
		    "$(cell "$m" "molly-brown $k16" 8)" \
		    "$(cell "$m" "molly-brown $k64" 8)" \
		    "$(cell "$m" "molly-brown $k64" 3)" \
		    "$(cell "$m" "molly-brown $k64" 6)" \
		    "$(idle_kb "$m" molly-brown)" \
		    "$(cell "$g" "gophernicus Gopher menu c=64" 8)"
	} > "$tsv"
	echo "| server (Gemini / Gopher) | CPU µs/req, 2 KB c=16 | CPU µs/req, 2 KB c=64 | req/s, 2 KB c=64 | p99 ms, c=64 | kB per idle connection | Gopher menu c=64, CPU µs/req |"
	echo "|---|---:|---:|---:|---:|---:|---:|"
	awk -F'\t' 'NR > 1 {
		n = $1
		if (n == "floor")
			n = "bare floor (tlsceiling / gopherfloor)"
		else if (n == "peer")
			n = "molly-brown / gophernicus"
		printf "| %s | %s | %s | %s | %s | %s | %s |\n",
		    n, $2, $3, $4, $5, $6, $7 }' "$tsv"
	if command -v gnuplot > /dev/null; then
		chart "$tsv" "$svg"
	else
		say "gnuplot not installed: no chart"
	fi
}

main() {
	local report=$TMP/report.md
	make -s capsuled
	bench capsuled "$TMP/capsuled.md"
	cat "$TMP/capsuled.md" > "$report"
	if have_pkg molly-brown && [ -x "$MOLLY" ]; then
		bench molly-brown "$TMP/molly.md" \
		    SERVER_CMD="bash $SELF --molly-brown" \
		    BENCH_ONLY="ceiling pages files gemlog idle"
		cat "$TMP/molly.md" >> "$report"
		ratios molly-brown "$TMP/molly.md" >> "$report"
	else
		say "molly-brown: package not installed, skipped"
		echo "molly-brown: not installed, skipped" >> "$report"
	fi
	if have_pkg gophernicus && have_pkg socat && [ -x "$GOPHERNICUS" ]; then
		bench gophernicus "$TMP/gophernicus.md" \
		    SERVER_CMD="bash $SELF --gophernicus" BENCH_ONLY=gopher
		cat "$TMP/gophernicus.md" >> "$report"
		ratios gophernicus "$TMP/gophernicus.md" >> "$report"
	else
		say "gophernicus: package gophernicus or socat not installed, skipped"
		echo "gophernicus: not installed, skipped" >> "$report"
	fi
	summary > "$TMP/summary.md"
	cat "$TMP/summary.md" "$report" | tee "${PEERS_OUT:-/dev/null}"
}

main "$@"
